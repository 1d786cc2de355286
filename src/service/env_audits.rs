//! Environmental inspection feedback (督察反馈问题整改台账): batches, the
//! all-or-nothing import of their lists, and the ledger. Items are
//! `env_audit` findings rectified through ordinary orders — one engine.

use super::orders::{issue_in_tx, Addressee};
use super::{spreadsheet, Ctx, Principal};
use super::findings::{record, NewFinding};
use crate::db::{
    self,
    env_audits::{AuditRow, ItemRow},
    DbConn, DbUuid,
};
use crate::domain::checklist::{Category, HazardLevel};
use crate::domain::finding::{FindingStatus, Source};
use crate::domain::env_audit::{self as rules, AuditLevel, ItemInput};
use crate::domain::order::{self as order_rules, OrderStatus};
use crate::domain::{time, CreditCode, FieldError, FieldErrors, Role};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

fn not_found() -> AppError {
    AppError::not_found("督察批次 inspection batch")
}

fn require_officer(who: &Principal) -> AppResult<()> {
    who.require(&[Role::SafetyOfficer])
}

/// Park staff read the ledger; enterprises see their items as orders.
fn require_reader(who: &Principal) -> AppResult<()> {
    who.require(&[Role::SafetyOfficer, Role::Inspector, Role::Admin])
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAudit {
    pub level: AuditLevel,
    /// Round or name, e.g. 第二轮中央生态环境保护督察.
    pub name: String,
    /// 文号 of the feedback document.
    pub document_number: String,
    pub received_date: NaiveDate,
    /// Used for items whose row gives no deadline.
    #[serde(default)]
    pub default_deadline: Option<NaiveDate>,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct UnitFigures {
    pub unit: String,
    pub total: usize,
    pub closed: usize,
    pub overdue: usize,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub total: usize,
    /// 已销号
    pub closed: usize,
    /// Open and within their deadline.
    pub on_schedule: usize,
    pub overdue: usize,
    /// closed / total
    pub completion_rate: f64,
    pub by_unit: Vec<UnitFigures>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub id: Uuid,
    pub level: AuditLevel,
    pub level_label: String,
    pub name: String,
    pub document_number: String,
    pub received_date: NaiveDate,
    pub default_deadline: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub figures: Figures,
}

/// One row of the ledger (台账).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerRow {
    pub item_no: String,
    pub description: String,
    pub responsible_unit: String,
    pub enterprise_id: Option<Uuid>,
    pub measures: String,
    pub deadline: NaiveDate,
    pub target: String,
    pub finding_id: Uuid,
    pub order_id: Option<Uuid>,
    pub order_number: Option<String>,
    /// issued / rectifying / pending_verification / closed / cancelled (or the finding's status)
    pub status: String,
    pub status_label: String,
    pub latest_progress: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub acceptance_date: Option<NaiveDate>,
    pub acceptance_opinion: Option<String>,
    pub disclosure_date: Option<NaiveDate>,
    pub disclosure_place: Option<String>,
    pub overdue: bool,
}

fn level_label(l: AuditLevel) -> &'static str {
    match l {
        AuditLevel::Central => "中央生态环境保护督察",
        AuditLevel::Municipal => "市级生态环境保护督察",
    }
}

fn ledger_rows(c: &mut DbConn, audit: &AuditRow) -> AppResult<Vec<LedgerRow>> {
    let now = time::now();
    let mut out = Vec::new();
    for it in db::env_audits::items(c, audit.id)? {
        let finding = db::findings::find(c, it.finding_id)?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("audit item without finding")))?;
        let order = db::orders::order_of_finding(c, it.finding_id)?;
        let unit = match (&it.enterprise_id, &it.department) {
            (Some(e), _) => db::enterprises::find(c, *e)?
                .map(|e| e.name)
                .unwrap_or_default(),
            (None, Some(d)) => d.clone(),
            _ => String::new(),
        };
        let (status, label, overdue, latest, closed_at, order_id, number) = match &order {
            Some(o) => {
                let st = o.status;
                let latest = db::orders::latest_progress(c, o.id)?
                    .map(|(t, _)| t)
                    .filter(|t| !t.is_empty());
                (
                    st.as_str().to_string(),
                    st.label_zh().to_string(),
                    order_rules::is_overdue(st, o.effective_deadline, now),
                    latest,
                    o.closed_at.map(|t| t.and_utc()),
                    Some(o.id.0),
                    Some(o.number.clone()),
                )
            }
            None => (
                finding.status.as_str().to_string(),
                "未下达".to_string(),
                false,
                None,
                None,
                None,
                None,
            ),
        };
        out.push(LedgerRow {
            item_no: it.item_no,
            description: it.description,
            responsible_unit: unit,
            enterprise_id: it.enterprise_id.map(|e| e.0),
            measures: it.measures,
            deadline: it.deadline,
            target: it.target,
            finding_id: it.finding_id.0,
            order_id,
            order_number: number,
            status,
            status_label: label,
            latest_progress: latest,
            closed_at,
            acceptance_date: it.acceptance_date,
            acceptance_opinion: it.acceptance_opinion,
            disclosure_date: it.disclosure_date,
            disclosure_place: it.disclosure_place,
            overdue,
        });
    }
    // 序号 order: whole numbers first in numeric order, then the rest as text (a total order).
    out.sort_by_key(|r| match r.item_no.parse::<u64>() {
        Ok(n) => (0, n, String::new()),
        Err(_) => (1, 0, r.item_no.clone()),
    });
    Ok(out)
}

fn figures(rows: &[LedgerRow]) -> Figures {
    let mut f = Figures {
        total: rows.len(),
        ..Default::default()
    };
    let mut units: BTreeMap<String, UnitFigures> = BTreeMap::new();
    for r in rows {
        let closed = r.status == OrderStatus::Closed.as_str();
        let u = units
            .entry(r.responsible_unit.clone())
            .or_insert_with(|| UnitFigures {
                unit: r.responsible_unit.clone(),
                ..Default::default()
            });
        u.total += 1;
        if closed {
            f.closed += 1;
            u.closed += 1;
        } else if r.overdue {
            f.overdue += 1;
            u.overdue += 1;
        } else if r.status != OrderStatus::Cancelled.as_str() {
            f.on_schedule += 1;
        }
    }
    f.completion_rate = if f.total == 0 {
        0.0
    } else {
        f.closed as f64 / f.total as f64
    };
    f.by_unit = units.into_values().collect();
    f
}

fn view(c: &mut DbConn, a: AuditRow) -> AppResult<AuditView> {
    let rows = ledger_rows(c, &a)?;
    let level = a.level;
    Ok(AuditView {
        id: a.id.0,
        level,
        level_label: level_label(level).into(),
        name: a.name,
        document_number: a.document_number,
        received_date: a.received_date,
        default_deadline: a.default_deadline,
        created_at: a.created_at.and_utc(),
        figures: figures(&rows),
    })
}

pub async fn create(ctx: &Ctx, who: &Principal, input: NewAudit) -> AppResult<AuditView> {
    require_officer(who)?;
    let mut e = FieldErrors::new();
    if input.name.trim().is_empty() || input.name.chars().count() > 200 {
        e.add(
            "name",
            "批次名称应为1到200字 / name must be 1..200 characters",
        );
    }
    if input.document_number.trim().is_empty() || input.document_number.chars().count() > 200 {
        e.add(
            "document_number",
            "文号应为1到200字 / document_number must be 1..200 characters",
        );
    }
    for (f, d) in [
        ("received_date", Some(input.received_date)),
        ("default_deadline", input.default_deadline),
    ] {
        if d.is_some_and(|d| !(2000..=2100).contains(&chrono::Datelike::year(&d))) {
            e.add(f, "日期超出范围 / date out of range");
        }
    }
    e.finish().map_err(AppError::validation)?;
    let row = AuditRow {
        id: DbUuid(Uuid::now_v7()),
        level: input.level,
        name: input.name.trim().into(),
        document_number: input.document_number.trim().into(),
        received_date: input.received_date,
        default_deadline: input.default_deadline,
        created_by: DbUuid(who.user_id),
        created_at: time::now().naive_utc(),
    };
    ctx.db
        .run(move |c| {
            c.write_tx(|c| Ok::<_, AppError>(db::env_audits::insert(c, &row)?))?;
            view(c, row)
        })
        .await
}

pub async fn list(ctx: &Ctx, who: &Principal) -> AppResult<Vec<AuditView>> {
    require_reader(who)?;
    ctx.db
        .run(|c| {
            db::env_audits::list(c)?
                .into_iter()
                .map(|a| view(c, a))
                .collect()
        })
        .await
}

pub async fn get(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<AuditView> {
    require_reader(who)?;
    ctx.db
        .run(move |c| {
            let a = db::env_audits::find(c, DbUuid(id))?.ok_or_else(not_found)?;
            view(c, a)
        })
        .await
}

pub async fn ledger(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
) -> AppResult<(AuditView, Vec<LedgerRow>)> {
    require_reader(who)?;
    ctx.db
        .run(move |c| {
            let a = db::env_audits::find(c, DbUuid(id))?.ok_or_else(not_found)?;
            let rows = ledger_rows(c, &a)?;
            Ok((view(c, a)?, rows))
        })
        .await
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ItemChange {
    pub item_no: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: Vec<String>,
    pub unchanged: usize,
    pub updated: Vec<ItemChange>,
    /// Numbers of the orders issued for the new items.
    pub orders: Vec<String>,
}

/// New items that go into one order: addressee, findings, requirement lines.
type OrderGroup = (Addressee, Vec<Uuid>, Vec<String>);

struct Resolved {
    input: ItemInput,
    enterprise: Option<Uuid>,
    hash: String,
}

fn content_hash(i: &ItemInput, enterprise: Option<Uuid>) -> String {
    let v = json!([
        i.description,
        enterprise,
        i.department,
        i.measures,
        i.deadline,
        i.target
    ]);
    hex::encode(Sha256::digest(v.to_string().as_bytes()))
}

fn resolve(
    c: &mut DbConn,
    items: Vec<ItemInput>,
) -> AppResult<Result<Vec<Resolved>, Vec<FieldError>>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for i in items {
        let enterprise = match &i.enterprise {
            None => None,
            Some(r) => {
                let by_code = CreditCode::parse(r)
                    .ok()
                    .map(|code| db::enterprises::find_by_credit_code(c, code.as_str()))
                    .transpose()?
                    .flatten();
                let found = match by_code {
                    Some(e) => Some(e),
                    None => {
                        let mut by_name = db::enterprises::find_by_name(c, r.trim())?;
                        (by_name.len() == 1).then(|| by_name.remove(0))
                    }
                };
                match found {
                    Some(e) => Some(e.id.0),
                    None => {
                        errors.push(FieldError {
                            field: format!("row {}.responsible_enterprise", i.row),
                            message: format!("第{}行“责任单位”：企业名录中没有“{r}”（按统一社会信用代码或完整名称匹配） / unknown enterprise {r:?}", i.row),
                        });
                        continue;
                    }
                }
            }
        };
        let hash = content_hash(&i, enterprise);
        out.push(Resolved {
            input: i,
            enterprise,
            hash,
        });
    }
    Ok(if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    })
}

/// The `env_audit` finding a feedback item becomes.
fn audit_finding(audit: &AuditRow, r: &Resolved, reporter: Uuid) -> NewFinding {
    let mut f = NewFinding::new(
        Source::EnvAudit,
        Category::Environment,
        HazardLevel::General,
        reporter,
    );
    f.enterprise_id = r.enterprise;
    f.department = r.input.department.clone();
    f.description = finding_text(audit, &r.input);
    f.item_code = Some(r.input.item_no.clone());
    f.regulatory_basis = Some(format!("{}（{}）", audit.name, audit.document_number));
    f
}

fn finding_text(audit: &AuditRow, i: &ItemInput) -> String {
    let mut d = format!(
        "【{}反馈问题第{}项】{}",
        audit.name, i.item_no, i.description
    );
    if !i.target.is_empty() {
        d.push_str(&format!("。整改目标：{}", i.target));
    }
    d
}

/// `POST /env-audits/{id}/import`: validate the whole list first; write
/// nothing unless every row is good. Same file again changes nothing;
/// changed items are refused unless `update` is set.
pub async fn import(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
    bytes: Vec<u8>,
    update: bool,
) -> AppResult<ImportReport> {
    require_officer(who)?;
    let table = spreadsheet::read(&bytes).map_err(|m| AppError::field("file", m))?;
    let who = who.clone();
    let audit_id = id;
    super::retry_once_on_duplicate(ctx, move |c| {
        let audit = db::env_audits::find(c, DbUuid(audit_id))?.ok_or_else(not_found)?;
        // Every problem of the file at once: row errors and unknown enterprises together.
        let (items, mut row_errors) = rules::parse_rows(&table, audit.default_deadline);
        let items = match resolve(c, items)? {
            Ok(items) if row_errors.is_empty() => items,
            Ok(_) => return Err(AppError::Validation(row_errors)),
            Err(unknown) => {
                row_errors.extend(unknown);
                row_errors.sort_by_key(|e| e.field.trim_start_matches("row ").split('.').next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0));
                return Err(AppError::Validation(row_errors));
            }
        };
        let existing: BTreeMap<String, ItemRow> = db::env_audits::items(c, audit.id)?.into_iter().map(|r| (r.item_no.clone(), r)).collect();
        let mut report = ImportReport::default();
        let mut changed = Vec::new();
        let mut errors = Vec::new();
        for r in &items {
            let Some(cur) = existing.get(&r.input.item_no) else { continue };
            if cur.content_hash == r.hash {
                report.unchanged += 1;
                continue;
            }
            let mut fields = Vec::new();
            if cur.description != r.input.description {
                fields.push("description".to_string());
            }
            if cur.measures != r.input.measures {
                fields.push("measures".into());
            }
            if cur.deadline != r.input.deadline {
                // A deadline in force moves only through an extension on its order,
                // which the enterprise requests and the safety office decides.
                errors.push(FieldError {
                    field: format!("row {}.deadline", r.input.row),
                    message: format!("第{}行：第{}项已下达整改，整改时限请通过延期申请调整 / item {} is under an order: change its deadline through an extension request", r.input.row, r.input.item_no, r.input.item_no),
                });
                continue;
            }
            if cur.target != r.input.target {
                fields.push("target".into());
            }
            if cur.enterprise_id.map(|e| e.0) != r.enterprise || cur.department != r.input.department {
                errors.push(FieldError {
                    field: format!("row {}.responsible_enterprise", r.input.row),
                    message: format!("第{}行：第{}项已导入，责任单位不能更改 / the responsible party of item {} cannot change", r.input.row, r.input.item_no, r.input.item_no),
                });
                continue;
            }
            changed.push((r, cur.clone(), fields));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        if !changed.is_empty() && !update {
            let nos: Vec<&str> = changed.iter().map(|(r, _, _)| r.input.item_no.as_str()).collect();
            return Err(AppError::conflict(
                "import_changes_existing",
                format!("文件修改了已导入的第{}项；如需更新请使用 ?mode=update / the file changes items {} already imported; use ?mode=update", nos.join("、"), nos.join(", ")),
            ));
        }
        let now = time::now().naive_utc();
        for (r, cur, fields) in changed {
            let finding = db::findings::find(c, cur.finding_id)?.ok_or_else(|| AppError::internal(anyhow::anyhow!("item finding")))?;
            let closed = matches!(finding.status, FindingStatus::Closed | FindingStatus::Cancelled);
            if closed {
                return Err(AppError::conflict("audit_item_closed", format!("第{}项已销号，不能更新 / item {} is closed", r.input.item_no, r.input.item_no)));
            }
            db::env_audits::update_item(
                c,
                &ItemRow { description: r.input.description.clone(), measures: r.input.measures.clone(), deadline: r.input.deadline, target: r.input.target.clone(), content_hash: r.hash.clone(), updated_at: now, ..cur },
            )?;
            db::findings::update_description(c, finding.id, &finding_text(&audit, &r.input), now)?;
            report.updated.push(ItemChange { item_no: r.input.item_no.clone(), fields });
        }
        // New items: a finding each, then one order per addressee and deadline.
        let mut groups: BTreeMap<(String, NaiveDate), OrderGroup> = BTreeMap::new();
        for r in items.iter().filter(|r| !existing.contains_key(&r.input.item_no)) {
            let fid = record(c, audit_finding(&audit, r, who.user_id), now)?.0;
            db::env_audits::insert_item(
                c,
                &ItemRow {
                    id: DbUuid(Uuid::now_v7()),
                    audit_id: audit.id,
                    item_no: r.input.item_no.clone(),
                    description: r.input.description.clone(),
                    enterprise_id: r.enterprise.map(DbUuid),
                    department: r.input.department.clone(),
                    measures: r.input.measures.clone(),
                    deadline: r.input.deadline,
                    target: r.input.target.clone(),
                    finding_id: DbUuid(fid),
                    content_hash: r.hash.clone(),
                    acceptance_date: None,
                    acceptance_opinion: None,
                    disclosure_date: None,
                    disclosure_place: None,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            report.created.push(r.input.item_no.clone());
            let (key, to) = match (r.enterprise, &r.input.department) {
                (Some(e), _) => (format!("e:{e}"), Addressee::Enterprise(e)),
                (None, Some(d)) => (format!("d:{d}"), Addressee::Department(d.clone())),
                _ => unreachable!("validated"),
            };
            let g = groups.entry((key, r.input.deadline)).or_insert_with(|| (to, Vec::new(), Vec::new()));
            g.1.push(fid);
            let m = if r.input.measures.is_empty() { "按督察反馈要求整改".to_string() } else { r.input.measures.clone() };
            g.2.push(format!("第{}项：{}", r.input.item_no, m));
        }
        for ((_, deadline), (to, fids, reqs)) in groups {
            let oid = issue_in_tx(c, &who, &to, &fids, &format!("{}（{}）整改要求：{}", audit.name, audit.document_number, reqs.join("；")), deadline, HazardLevel::General, None)?;
            report.orders.push(db::orders::find(c, oid)?.map(|o| o.number).unwrap_or_default());
        }
        Ok(report)
    })
    .await
}

/// A ledger row as the text both exports write.
struct LedgerCells {
    /// 序号 … 最新进展, the same in every format.
    leading: [String; 8],
    /// 销号日期 in the park's calendar.
    closed: String,
    acceptance_date: String,
    acceptance_opinion: String,
    disclosure_date: String,
    disclosure_place: String,
    /// 是 / 否
    overdue: String,
}

impl LedgerCells {
    fn of(r: &LedgerRow) -> LedgerCells {
        let park = order_rules::park_offset();
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let date = |v: &Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
        LedgerCells {
            leading: [
                r.item_no.clone(),
                r.description.clone(),
                r.responsible_unit.clone(),
                r.measures.clone(),
                r.deadline.to_string(),
                r.target.clone(),
                r.status_label.clone(),
                text(&r.latest_progress),
            ],
            closed: r
                .closed_at
                .map(|t| t.with_timezone(&park).date_naive().to_string())
                .unwrap_or_default(),
            acceptance_date: date(&r.acceptance_date),
            acceptance_opinion: text(&r.acceptance_opinion),
            disclosure_date: date(&r.disclosure_date),
            disclosure_place: text(&r.disclosure_place),
            overdue: if r.overdue { "是" } else { "否" }.to_string(),
        }
    }
}

/// The ledger as a government 台账 in XLSX: Chinese headers, frozen header
/// row, widths that fit the content.
pub fn ledger_xlsx(audit: &AuditView, rows: &[LedgerRow]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("整改台账").map_err(AppError::internal)?;
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
        ("问题描述", 40.0),
        ("责任单位", 22.0),
        ("整改措施", 36.0),
        ("整改时限", 12.0),
        ("整改目标", 24.0),
        ("整改状态", 10.0),
        ("最新进展", 30.0),
        ("销号日期", 12.0),
        ("验收情况", 28.0),
        ("公示情况", 28.0),
        ("是否逾期", 8.0),
    ];
    for (i, (h, w)) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, i as u16, *h, &head)
            .map_err(AppError::internal)?;
        sheet
            .set_column_width(i as u16, *w)
            .map_err(AppError::internal)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
    for (n, r) in rows.iter().enumerate() {
        let row = (n + 1) as u32;
        let c = LedgerCells::of(r);
        let joined = |a: &str, b: &str| {
            if a.is_empty() {
                String::new()
            } else {
                format!("{a} {b}")
            }
        };
        let [no, desc, unit, measures, deadline, target, status, progress] = c.leading;
        let cells = [
            no,
            desc,
            unit,
            measures,
            deadline,
            target,
            status,
            progress,
            c.closed,
            joined(&c.acceptance_date, &c.acceptance_opinion),
            joined(&c.disclosure_date, &c.disclosure_place),
            c.overdue,
        ];
        for (i, v) in cells.iter().enumerate() {
            sheet
                .write_string_with_format(row, i as u16, v, &body)
                .map_err(AppError::internal)?;
        }
    }
    // `&` starts a printing code in Excel headers: escape the batch's own.
    let title = format!("{}（{}）整改台账", audit.name, audit.document_number).replace('&', "&&");
    sheet.set_header(format!("&C{title}"));
    book.save_to_buffer().map_err(AppError::internal)
}

/// Text that Excel would run as a formula is shown as text instead.
fn no_formula(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

/// CSV for Excel: UTF-8 with a BOM so Chinese headers open correctly.
pub fn ledger_csv(rows: &[LedgerRow]) -> AppResult<Vec<u8>> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record([
            "序号",
            "问题描述",
            "责任单位",
            "整改措施",
            "整改时限",
            "整改目标",
            "整改状态",
            "最新进展",
            "销号日期",
            "验收日期",
            "验收意见",
            "公示日期",
            "公示方式",
            "是否逾期",
        ])
        .map_err(AppError::internal)?;
        for r in rows {
            let c = LedgerCells::of(r);
            let mut record: Vec<String> = c.leading.to_vec();
            record.extend([
                c.closed,
                c.acceptance_date,
                c.acceptance_opinion,
                c.disclosure_date,
                c.disclosure_place,
                c.overdue,
            ]);
            w.write_record(record.into_iter().map(no_formula))
                .map_err(AppError::internal)?;
        }
        w.flush().map_err(AppError::internal)?;
    }
    Ok(out)
}
