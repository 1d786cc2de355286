//! The report on a major hazard owed to the supervising authority
//! (《安全生产事故隐患排查治理暂行规定》第十四条第二款): (一) its present
//! state and cause, (二) how dangerous and how hard to fix it is, (三) its
//! governance plan — filled from the findings, the grading reason and the
//! plan, with the order's major-hazard path as it stands. As XLSX (a sheet
//! of sections) or PDF; both read the same sections.

use super::notice_pdf::{self, date_zh, ReportSection};
use super::orders::{self, MajorHazardView, OrderView, Plan};
use super::{Ctx, Principal};
use crate::db::{self, enterprises::EnterpriseRow, DbUuid};
use crate::domain::checklist::HazardLevel;
use crate::domain::finding::Source;
use crate::domain::order::MajorReason;
use crate::domain::time;
use crate::error::{AppError, AppResult};
use crate::service::findings::FindingView;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    #[default]
    Pdf,
    Xlsx,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// pdf (default) or xlsx.
    pub format: Option<ReportFormat>,
}

/// A rendered report and the name it downloads as.
pub struct Report {
    pub bytes: Vec<u8>,
    pub file_name: String,
    pub content_type: &'static str,
}

/// The three sections' headings, as 第十四条第二款 lists them.
pub const SECTION_STATE: &str = "一、隐患的现状及其产生原因";
pub const SECTION_DANGER: &str = "二、隐患的危害程度和整改难易程度分析";
pub const SECTION_PLAN: &str = "三、隐患的治理方案";

struct ReportSource {
    order: OrderView,
    enterprise: Option<EnterpriseRow>,
}

fn not_found() -> AppError {
    AppError::not_found("重大事故隐患报告 major hazard report")
}

async fn load(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<ReportSource> {
    let order = orders::get(ctx, who, id).await?;
    if order.level != HazardLevel::Major {
        return Err(not_found());
    }
    let enterprise = match order.enterprise_id {
        Some(e) => {
            ctx.db
                .run(move |c| -> AppResult<_> { Ok(db::enterprises::find(c, DbUuid(e))?) })
                .await?
        }
        None => None,
    };
    Ok(ReportSource { order, enterprise })
}

fn source_zh(s: Source) -> &'static str {
    match s {
        Source::Inspection => "园区检查",
        Source::SelfInspection => "企业自查",
        Source::EnvAudit => "督察交办",
        Source::AdHoc => "随手拍/临时发现",
    }
}

fn reason_zh(r: Option<MajorReason>) -> &'static str {
    match r {
        Some(MajorReason::StopProduction) => {
            "危害和整改难度较大：须全部或局部停产停业，经过一定时间的治理方能消除"
        }
        Some(MajorReason::ExternalCauses) => "受外部因素影响，企业依靠自身力量难以消除",
        None => "未注明",
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// 一: each finding's state (what, where, since when, found how) and its
/// cause: the requirement it fails (a hazard *is* a breach of a rule or
/// standard, 16号令 第三条).
fn state_section(findings: &[FindingView]) -> ReportSection {
    let mut rows = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let n = i + 1;
        let found = time::park_today(f.created_at);
        rows.push((format!("隐患{n}·现状"), f.description.clone()));
        rows.push((format!("隐患{n}·部位"), opt(&f.location_text)));
        rows.push((
            format!("隐患{n}·发现"),
            format!("{}，{}", date_zh(found), source_zh(f.source)),
        ));
        let cause = match f.regulatory_basis.as_deref().filter(|s| !s.is_empty()) {
            Some(basis) => format!("不符合{basis}的要求"),
            None => "检查项未载明依据，原因见现状描述".to_string(),
        };
        rows.push((format!("隐患{n}·产生原因"), cause));
    }
    ReportSection {
        heading: SECTION_STATE.into(),
        rows,
    }
}

/// 二: why it is major (the grading reason and the clause that makes it
/// so), what stopped meanwhile, and how long the fix is planned to take.
fn danger_section(o: &OrderView, findings: &[FindingView]) -> ReportSection {
    let mut rows = vec![(
        "判定为重大隐患的理由".to_string(),
        reason_zh(o.major_reason).to_string(),
    )];
    for (i, f) in findings.iter().enumerate() {
        if let Some(c) = f.major_criterion.as_deref().filter(|s| !s.is_empty()) {
            rows.push((format!("隐患{}·判定依据", i + 1), c.to_string()));
        }
    }
    let stop = o
        .major_hazard
        .as_ref()
        .and_then(|m| m.production_stop.as_ref());
    rows.push((
        "停产停业或停止使用".into(),
        match stop {
            Some(s) => format!("{}（{}起）：{}", s.mode_label, date_zh(s.date), s.scope),
            None => "未停产".into(),
        },
    ));
    if let Some(s) = stop {
        rows.push(("治理期间的安全防范措施".into(), s.interim_measures.clone()));
    }
    let issued = time::park_today(o.issued_at);
    let difficulty = match &o.plan {
        Some(p) => format!(
            "治理时限至{}，自下达整改通知书起计{}天",
            date_zh(p.time_limit),
            (p.time_limit - issued).num_days()
        ),
        None => format!("尚无治理方案；整改期限{}", date_zh(o.effective_deadline)),
    };
    rows.push(("整改难易程度".into(), difficulty));
    ReportSection {
        heading: SECTION_DANGER.into(),
        rows,
    }
}

fn plan_section(plan: Option<&Plan>) -> ReportSection {
    let rows = match plan {
        None => vec![("治理方案".into(), "企业尚未提交治理方案".into())],
        Some(p) => vec![
            ("治理的目标和任务".into(), p.goal.clone()),
            ("采取的方法和措施".into(), p.measures.clone()),
            ("经费和物资的落实".into(), p.funds.clone()),
            ("负责治理的机构和人员".into(), p.responsible_people.clone()),
            ("治理的时限和要求".into(), date_zh(p.time_limit)),
            ("安全措施".into(), p.safety_measures.clone()),
            ("应急预案".into(), p.contingency_plan.clone()),
        ],
    };
    ReportSection {
        heading: SECTION_PLAN.into(),
        rows,
    }
}

/// Who, which order, and the path so far.
fn head_section(src: &ReportSource) -> ReportSection {
    let o = &src.order;
    let mut rows = Vec::new();
    match &src.enterprise {
        Some(e) => {
            rows.push(("企业名称".into(), e.name.clone()));
            rows.push(("统一社会信用代码".into(), e.credit_code.clone()));
            rows.push(("地址".into(), e.address.clone()));
        }
        None => rows.push(("责任单位".into(), opt(&o.department))),
    }
    rows.push((
        "整改通知书".into(),
        format!(
            "{}（{}下达）",
            o.number,
            date_zh(time::park_today(o.issued_at))
        ),
    ));
    rows.push(("整改期限".into(), date_zh(o.effective_deadline)));
    rows.push(("当前状态".into(), o.status_label.clone()));
    if let Some(p) = &o.responsible_person {
        rows.push(("整改责任人".into(), format!("{}（{}）", p.name, p.phone)));
    }
    if let Some(m) = &o.major_hazard {
        path_rows(m, &mut rows);
    }
    ReportSection {
        heading: "基本情况".into(),
        rows,
    }
}

fn path_rows(m: &MajorHazardView, rows: &mut Vec<(String, String)>) {
    rows.push((
        "挂牌督办".into(),
        match &m.supervision {
            Some(s) => format!(
                "{}，督办编号{}，督办时限{}",
                s.supervising_unit,
                s.number,
                date_zh(s.time_limit)
            ),
            None => "未挂牌".into(),
        },
    ));
    if let Some(a) = &m.assessment {
        let verdict = if a.eliminated {
            "隐患已消除"
        } else {
            "隐患未消除"
        };
        rows.push((
            "治理评估".into(),
            format!(
                "{}（{}）：{}；{}",
                a.assessor, a.assessor_kind_label, a.conclusion, verdict
            ),
        ));
    }
    if let Some(r) = &m.resumption {
        rows.push((
            "复产申请".into(),
            format!("{}，审查期限{}", r.status_label, date_zh(r.decide_by)),
        ));
    }
}

fn sections(src: &ReportSource) -> Vec<ReportSection> {
    let findings = src.order.findings.as_deref().unwrap_or_default();
    vec![
        head_section(src),
        state_section(findings),
        danger_section(&src.order, findings),
        plan_section(src.order.plan.as_ref()),
    ]
}

const TITLE: &str = "重大事故隐患报告";

fn notes(o: &OrderView, office: &str) -> Vec<String> {
    vec![
        format!(
            "依据《安全生产事故隐患排查治理暂行规定》第十四条第二款编制；报送单位：{office}。"
        ),
        format!(
            "生成于{}，整改通知书第{}版；以系统中的事件链为准（GET /api/v1/rectification-orders/{}/events/verify）。",
            date_zh(time::park_today(time::now())),
            o.version,
            o.id
        ),
    ]
}

/// The report of a major-hazard order the caller may see; 404 for any other.
pub async fn report(ctx: &Ctx, who: &Principal, id: Uuid, q: ReportQuery) -> AppResult<Report> {
    let src = load(ctx, who, id).await?;
    let secs = sections(&src);
    let notes = notes(&src.order, ctx.settings.issuing_office.trim());
    let number = src.order.number.clone();
    let base = format!("重大事故隐患报告-{number}");
    match q.format.unwrap_or_default() {
        ReportFormat::Pdf => Ok(Report {
            bytes: notice_pdf::report_pdf(TITLE, &number, &secs, &notes).await?,
            file_name: format!("{base}.pdf"),
            content_type: "application/pdf",
        }),
        ReportFormat::Xlsx => Ok(Report {
            bytes: report_xlsx(&number, &secs, &notes)?,
            file_name: format!("{base}.xlsx"),
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    }
}

/// One sheet: the title, then each section as a bold merged row followed
/// by its label and text rows.
fn report_xlsx(number: &str, secs: &[ReportSection], notes: &[String]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let e = AppError::internal;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(TITLE).map_err(e)?;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let heading = Format::new()
        .set_bold()
        .set_background_color("D9E1F2")
        .set_border(FormatBorder::Thin);
    let label = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top)
        .set_text_wrap();
    let text = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top)
        .set_text_wrap();
    sheet.set_column_width(0, 24).map_err(e)?;
    sheet.set_column_width(1, 80).map_err(e)?;
    sheet.merge_range(0, 0, 0, 1, TITLE, &title).map_err(e)?;
    sheet
        .merge_range(
            1,
            0,
            1,
            1,
            number,
            &Format::new().set_align(FormatAlign::Center),
        )
        .map_err(e)?;
    let mut row = 3u32;
    for sec in secs {
        sheet
            .merge_range(row, 0, row, 1, &sec.heading, &heading)
            .map_err(e)?;
        row += 1;
        for (l, t) in &sec.rows {
            sheet
                .write_string_with_format(row, 0, l, &label)
                .map_err(e)?;
            sheet
                .write_string_with_format(row, 1, t, &text)
                .map_err(e)?;
            row += 1;
        }
        row += 1;
    }
    for n in notes {
        sheet.write_string(row, 0, n).map_err(e)?;
        row += 1;
    }
    book.save_to_buffer().map_err(e)
}
