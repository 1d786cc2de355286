//! 自查自改 (`domain::self_check`): an enterprise closes a general hazard
//! its own self-inspection found, with what was done, by whom, the evidence
//! and its own 验收 by a named person; and the enterprise's
//! 隐患排查治理台账 (the ledger of everything found at it and how it ended)
//! as XLSX.

use super::evidence::{self, Evidence};
use super::findings::{self as findings_svc, FindingView};
use super::notice_pdf::date_zh;
use super::{Ctx, Principal};
use crate::db::{self, self_rectifications::SelfRectificationRow, DbUuid};
use crate::domain::checklist::HazardLevel;
use crate::domain::duties::DutyRule;
use crate::domain::finding::{category_label, level_label, FindingStatus, Source};
use crate::domain::{self_check, time, Role};
use crate::error::{codes, AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// 自改自验: what was done, who did it, who accepted it and when.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfRectificationBody {
    /// 整改措施及完成情况.
    pub measures: String,
    /// 整改责任人 (name).
    pub rectified_by: String,
    /// 验收人 (name): not the one who rectified it.
    pub accepted_by: String,
    /// 验收日期: from the day it was found up to today.
    pub accepted_on: NaiveDate,
    /// At least one photo or document as evidence.
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
    #[serde(default)]
    pub document_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SelfRectificationView {
    pub finding_id: Uuid,
    pub enterprise_id: Uuid,
    pub measures: String,
    pub rectified_by: String,
    pub accepted_by: String,
    pub accepted_on: NaiveDate,
    pub photo_ids: Vec<Uuid>,
    pub document_ids: Vec<Uuid>,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
    /// The finding as it now is (closed).
    pub finding: FindingView,
}

fn not_found() -> AppError {
    AppError::not_found("隐患 finding")
}

fn ids(json: &str) -> Vec<Uuid> {
    serde_json::from_str(json).unwrap_or_default()
}

fn view_of(r: SelfRectificationRow, finding: FindingView) -> SelfRectificationView {
    SelfRectificationView {
        finding_id: r.finding_id.0,
        enterprise_id: r.enterprise_id.0,
        measures: r.measures,
        rectified_by: r.rectified_by,
        accepted_by: r.accepted_by,
        accepted_on: r.accepted_on,
        photo_ids: ids(&r.photo_ids),
        document_ids: ids(&r.document_ids),
        recorded_by: r.recorded_by.0,
        recorded_at: r.recorded_at.and_utc(),
        finding,
    }
}

fn check_name(field: &str, s: &str) -> AppResult<()> {
    let n = s.trim().chars().count();
    if n == 0 || n > 50 {
        return Err(AppError::field(
            field,
            "姓名须为1至50个字 / a name of 1 to 50 characters",
        ));
    }
    Ok(())
}

/// The body's own rules, before anything is read.
fn check_body(b: &SelfRectificationBody, found: NaiveDate, today: NaiveDate) -> AppResult<()> {
    let n = b.measures.trim().chars().count();
    if n == 0 || n > 4000 {
        return Err(AppError::field(
            "measures",
            "应为1到4000字 / must be 1..4000 characters",
        ));
    }
    check_name("rectified_by", &b.rectified_by)?;
    check_name("accepted_by", &b.accepted_by)?;
    if b.accepted_on < found || b.accepted_on > today {
        return Err(AppError::field(
            "accepted_on",
            "验收日期应在发现之日到今天之间 / between the day it was found and today",
        ));
    }
    if b.photo_ids.is_empty() && b.document_ids.is_empty() {
        return Err(AppError::Unprocessable {
            code: codes::EVIDENCE_REQUIRED,
            detail: "自改自验须附至少一张照片或一份文件 / a self-rectification needs at least one photo or document".into(),
        });
    }
    if self_check::same_person(&b.rectified_by, &b.accepted_by) {
        let rule = DutyRule::OwnRectification;
        return Err(AppError::forbidden_because(
            codes::SEPARATION_OF_DUTIES,
            format!("{} ({})", rule.message(), rule.as_str()),
        ));
    }
    Ok(())
}

fn refused(r: self_check::SelfCloseRefusal) -> AppError {
    AppError::conflict(codes::SELF_RECTIFICATION_REFUSED, r.message())
}

/// `POST /findings/{id}/self-rectification` (enterprise users only).
pub async fn record(
    ctx: &Ctx,
    who: &Principal,
    finding: Uuid,
    b: SelfRectificationBody,
) -> AppResult<SelfRectificationView> {
    let who = who.clone();
    let photo_required = ctx
        .settings
        .photo_required()
        .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                let f = db::findings::find(c, DbUuid(finding))?
                    .filter(|r| who.can_see(r.enterprise_id.map(|e| e.0)))
                    .ok_or_else(not_found)?;
                if who.role != Role::Enterprise {
                    return Err(AppError::forbidden(
                        "自改自验由企业账号办理 / a self-rectification is recorded by the enterprise",
                    ));
                }
                let ordered = db::orders::ever_ordered(c, f.id)?;
                self_check::check_self_close(f.source, f.level, f.status, ordered)
                    .map_err(refused)?;
                let Some(enterprise) = f.enterprise_id else {
                    return Err(refused(self_check::SelfCloseRefusal::NotSelfInspection));
                };
                let now = time::now();
                check_body(&b, time::park_today(f.created_at.and_utc()), time::park_today(now))?;
                if photo_required.contains(&f.category) && b.photo_ids.is_empty() {
                    return Err(AppError::Unprocessable {
                        code: codes::EVIDENCE_REQUIRED,
                        detail: "此类隐患的整改须附照片 / this kind of hazard needs a photo of the fix".into(),
                    });
                }
                let refs = Evidence::of("", &b.photo_ids, &b.document_ids);
                evidence::attach(c, &who, &refs, Some(enterprise.0))?;
                let row = SelfRectificationRow {
                    finding_id: f.id,
                    enterprise_id: enterprise,
                    measures: b.measures.trim().into(),
                    rectified_by: b.rectified_by.trim().into(),
                    accepted_by: b.accepted_by.trim().into(),
                    accepted_on: b.accepted_on,
                    photo_ids: serde_json::json!(b.photo_ids).to_string(),
                    document_ids: serde_json::json!(b.document_ids).to_string(),
                    recorded_by: DbUuid(who.user_id),
                    recorded_at: now.naive_utc(),
                };
                if db::self_rectifications::close_with(c, &row)? == 0 {
                    return Err(refused(self_check::SelfCloseRefusal::NotOpen));
                }
                let closed = db::findings::find(c, f.id)?.ok_or_else(not_found)?;
                Ok(view_of(row, findings_svc::view(closed)?))
            })
        })
        .await
}

/// `GET /findings/{id}/self-rectification`: 404 when the finding is not the
/// caller's to see or was not closed by its enterprise.
pub async fn get(ctx: &Ctx, who: &Principal, finding: Uuid) -> AppResult<SelfRectificationView> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let f = db::findings::find(c, DbUuid(finding))?
                .filter(|r| who.can_see(r.enterprise_id.map(|e| e.0)))
                .ok_or_else(not_found)?;
            let r = db::self_rectifications::find(c, f.id)?
                .ok_or_else(|| AppError::not_found("自改自验记录 self-rectification"))?;
            Ok(view_of(r, findings_svc::view(f)?))
        })
        .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Only findings of this source (e.g. self_inspection: what the
    /// enterprise found itself).
    pub source: Option<Source>,
}

/// The most findings one ledger lists (years of a large plant); past it,
/// the newest are listed.
const LEDGER_MAX: i64 = 10_000;

/// One line of the ledger: a finding and how it was (or is being) dealt with.
struct LedgerLine {
    found: NaiveDate,
    source: &'static str,
    description: String,
    location: String,
    category: &'static str,
    level: &'static str,
    basis: String,
    how: String,
    measures: String,
    responsible: String,
    accepted_by: String,
    closed_on: String,
    status: &'static str,
}

fn source_zh(s: Source) -> &'static str {
    match s {
        Source::Inspection => "园区检查",
        Source::SelfInspection => "企业自查",
        Source::EnvAudit => "督察交办",
        Source::AdHoc => "随手拍",
    }
}

fn status_zh(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::Open => "待整改",
        FindingStatus::InOrder => "整改中",
        FindingStatus::Closed => "已销号",
        FindingStatus::Cancelled => "已撤销",
    }
}

fn ledger_lines(
    c: &mut db::DbConn,
    enterprise: DbUuid,
    source: Option<Source>,
) -> AppResult<Vec<LedgerLine>> {
    let mut rows = db::findings::list(
        c,
        &db::findings::FindingFilter {
            enterprise_id: Some(enterprise),
            source,
            limit: LEDGER_MAX,
            ..Default::default()
        },
    )?;
    rows.reverse(); // oldest first, as a ledger is kept
    let selfs = db::self_rectifications::of_enterprise(c, enterprise)?;
    let mut out = Vec::with_capacity(rows.len());
    for f in rows {
        let base = LedgerLine {
            found: time::park_today(f.created_at.and_utc()),
            source: source_zh(f.source),
            description: f.description.clone(),
            location: f.location_text.clone().unwrap_or_default(),
            category: category_label(f.category).0,
            level: level_label(f.level).0,
            basis: f
                .major_criterion
                .clone()
                .filter(|_| f.level == HazardLevel::Major)
                .or(f.regulatory_basis.clone())
                .unwrap_or_default(),
            how: String::new(),
            measures: String::new(),
            responsible: String::new(),
            accepted_by: String::new(),
            closed_on: String::new(),
            status: status_zh(f.status),
        };
        let line = if let Some(s) = selfs.iter().find(|s| s.finding_id == f.id) {
            LedgerLine {
                how: "企业自改自验".into(),
                measures: s.measures.clone(),
                responsible: s.rectified_by.clone(),
                accepted_by: s.accepted_by.clone(),
                closed_on: date_zh(s.accepted_on),
                ..base
            }
        } else if let Some(o) = db::orders::order_of_finding(c, f.id)? {
            let closed = o.status == crate::domain::order::OrderStatus::Closed;
            let cancelled = o.status == crate::domain::order::OrderStatus::Cancelled;
            LedgerLine {
                how: match cancelled {
                    true => format!("整改通知书{}（已撤销）", o.number),
                    false => format!("整改通知书{}", o.number),
                },
                measures: o.requirements.clone(),
                responsible: o.responsible_name.clone().unwrap_or_default(),
                // Only a closed order was accepted, by the park's 复查.
                accepted_by: if closed {
                    "园区复查".into()
                } else {
                    String::new()
                },
                closed_on: o
                    .closed_at
                    .map(|t| date_zh(time::park_today(t.and_utc())))
                    .unwrap_or_default(),
                ..base
            }
        } else {
            base
        };
        out.push(line);
    }
    Ok(out)
}

/// A ledger ready to download.
pub struct Ledger {
    pub bytes: Vec<u8>,
    pub file_name: String,
}

/// `GET /enterprises/{id}/hazard-ledger`: the enterprise's 隐患排查治理台账
/// as XLSX, for its own users and the park (404 for anyone else).
pub async fn ledger(
    ctx: &Ctx,
    who: &Principal,
    enterprise: Uuid,
    q: LedgerQuery,
) -> AppResult<Ledger> {
    let who = who.clone();
    let (name, lines) = ctx
        .db
        .run(move |c| -> AppResult<_> {
            if !who.can_see_enterprise(enterprise) {
                return Err(AppError::not_found("企业 enterprise"));
            }
            let e = db::enterprises::find(c, DbUuid(enterprise))?
                .ok_or_else(|| AppError::not_found("企业 enterprise"))?;
            Ok((e.name, ledger_lines(c, e.id, q.source)?))
        })
        .await?;
    let bytes = ledger_xlsx(&name, &lines)?;
    Ok(Ledger {
        bytes,
        file_name: format!("隐患排查治理台账-{name}.xlsx"),
    })
}

fn ledger_xlsx(name: &str, lines: &[LedgerLine]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let e = AppError::internal;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("隐患排查治理台账").map_err(e)?;
    let head = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin)
        .set_background_color("D9E1F2")
        .set_text_wrap();
    let body = Format::new()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let headers = [
        ("序号", 6.0),
        ("排查日期", 14.0),
        ("来源", 10.0),
        ("隐患描述", 40.0),
        ("部位", 18.0),
        ("类别", 10.0),
        ("等级", 10.0),
        ("依据", 30.0),
        ("治理方式", 22.0),
        ("整改措施及完成情况", 36.0),
        ("整改责任人", 12.0),
        ("验收人", 12.0),
        ("验收（销号）日期", 14.0),
        ("状态", 8.0),
    ];
    for (i, (h, w)) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, i as u16, *h, &head)
            .map_err(e)?;
        sheet.set_column_width(i as u16, *w).map_err(e)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(e)?;
    for (n, l) in lines.iter().enumerate() {
        let cells = [
            (n + 1).to_string(),
            date_zh(l.found),
            l.source.into(),
            l.description.clone(),
            l.location.clone(),
            l.category.into(),
            l.level.into(),
            l.basis.clone(),
            l.how.clone(),
            l.measures.clone(),
            l.responsible.clone(),
            l.accepted_by.clone(),
            l.closed_on.clone(),
            l.status.into(),
        ];
        for (i, v) in cells.iter().enumerate() {
            sheet
                .write_string_with_format((n + 1) as u32, i as u16, v, &body)
                .map_err(e)?;
        }
    }
    let title = format!("{name} 隐患排查治理台账").replace('&', "&&");
    sheet.set_header(format!("&C{title}"));
    book.save_to_buffer().map_err(e)
}
