//! The all-or-nothing import of a feedback list into a batch: every row
//! checked and every responsible enterprise resolved before anything is
//! written; then changed items updated (with `update`), new items made
//! `env_audit` findings and issued as orders, one per addressee and deadline.

use super::{not_found, require_officer};
use crate::db::{
    self,
    env_audits::{AuditRow, ItemRow},
    DbConn, DbUuid,
};
use crate::domain::checklist::{Category, HazardLevel};
use crate::domain::env_audit::{self as rules, Cell, ItemInput};
use crate::domain::finding::{FindingStatus, Source};
use crate::domain::{time, CreditCode, FieldError};
use crate::error::{codes, AppError, AppResult};
use crate::service::findings::{record, NewFinding};
use crate::service::orders::{issue_in_tx, Addressee};
use crate::service::{spreadsheet, Ctx, Principal};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

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

/// A checked row with its enterprise resolved.
struct Resolved {
    input: ItemInput,
    enterprise: Option<Uuid>,
    hash: String,
}

/// An item already imported whose row now says something else.
struct Change<'a> {
    new: &'a Resolved,
    current: ItemRow,
    fields: Vec<String>,
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

/// The enterprise a 责任单位 cell names: by credit code, else by a unique
/// full name.
fn find_enterprise(c: &mut DbConn, text: &str) -> AppResult<Option<Uuid>> {
    let by_code = CreditCode::parse(text)
        .ok()
        .map(|code| db::enterprises::find_by_credit_code(c, code.as_str()))
        .transpose()?
        .flatten();
    if let Some(e) = by_code {
        return Ok(Some(e.id.0));
    }
    let mut by_name = db::enterprises::find_by_name(c, text.trim())?;
    Ok((by_name.len() == 1).then(|| by_name.remove(0).id.0))
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
            Some(r) => match find_enterprise(c, r)? {
                Some(e) => Some(e),
                None => {
                    errors.push(FieldError {
                        field: format!("row {}.responsible_enterprise", i.row),
                        message: format!("第{}行“责任单位”：企业名录中没有“{r}”（按统一社会信用代码或完整名称匹配） / unknown enterprise {r:?}", i.row),
                    });
                    continue;
                }
            },
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

/// Every problem of the file at once: row errors and unknown enterprises
/// together, in row order.
fn checked_rows(c: &mut DbConn, table: &[Vec<Cell>], audit: &AuditRow) -> AppResult<Vec<Resolved>> {
    let (items, mut row_errors) = rules::parse_rows(table, audit.default_deadline);
    match resolve(c, items)? {
        Ok(items) if row_errors.is_empty() => Ok(items),
        Ok(_) => Err(AppError::Validation(row_errors)),
        Err(unknown) => {
            row_errors.extend(unknown);
            row_errors.sort_by_key(|e| {
                e.field
                    .trim_start_matches("row ")
                    .split('.')
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0)
            });
            Err(AppError::Validation(row_errors))
        }
    }
}

/// How an already imported item would change; `Err` for a change the
/// import may not make (deadline or responsible party).
fn diff(r: &Resolved, cur: &ItemRow) -> Result<Vec<String>, FieldError> {
    let (row, no) = (r.input.row, &r.input.item_no);
    if cur.deadline != r.input.deadline {
        // A deadline in force moves only through an extension on its order,
        // which the enterprise requests and the safety office decides.
        return Err(FieldError {
            field: format!("row {row}.deadline"),
            message: format!("第{row}行：第{no}项已下达整改，整改时限请通过延期申请调整 / item {no} is under an order: change its deadline through an extension request"),
        });
    }
    if cur.enterprise_id.map(|e| e.0) != r.enterprise || cur.department != r.input.department {
        return Err(FieldError {
            field: format!("row {row}.responsible_enterprise"),
            message: format!("第{row}行：第{no}项已导入，责任单位不能更改 / the responsible party of item {no} cannot change"),
        });
    }
    let mut fields = Vec::new();
    for (name, old, new) in [
        ("description", &cur.description, &r.input.description),
        ("measures", &cur.measures, &r.input.measures),
        ("target", &cur.target, &r.input.target),
    ] {
        if old != new {
            fields.push(name.to_string());
        }
    }
    Ok(fields)
}

/// The items of the file that change what is stored, counting the
/// unchanged ones; refused as a whole unless `update` is set.
fn changes<'a>(
    items: &'a [Resolved],
    existing: &BTreeMap<String, ItemRow>,
    update: bool,
    report: &mut ImportReport,
) -> AppResult<Vec<Change<'a>>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for r in items {
        let Some(cur) = existing.get(&r.input.item_no) else {
            continue;
        };
        if cur.content_hash == r.hash {
            report.unchanged += 1;
            continue;
        }
        match diff(r, cur) {
            Ok(fields) => out.push(Change {
                new: r,
                current: cur.clone(),
                fields,
            }),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if !out.is_empty() && !update {
        let nos: Vec<&str> = out.iter().map(|ch| ch.new.input.item_no.as_str()).collect();
        return Err(AppError::conflict(
            codes::IMPORT_CHANGES_EXISTING,
            format!("文件修改了已导入的第{}项；如需更新请使用 ?mode=update / the file changes items {} already imported; use ?mode=update", nos.join("、"), nos.join(", ")),
        ));
    }
    Ok(out)
}

fn apply_change(
    c: &mut DbConn,
    audit: &AuditRow,
    ch: Change,
    now: NaiveDateTime,
) -> AppResult<ItemChange> {
    let r = ch.new;
    let finding = db::findings::find(c, ch.current.finding_id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("item finding")))?;
    if matches!(
        finding.status,
        FindingStatus::Closed | FindingStatus::Cancelled
    ) {
        let no = &r.input.item_no;
        return Err(AppError::conflict(
            codes::AUDIT_ITEM_CLOSED,
            format!("第{no}项已销号，不能更新 / item {no} is closed"),
        ));
    }
    let item = ItemRow {
        description: r.input.description.clone(),
        measures: r.input.measures.clone(),
        deadline: r.input.deadline,
        target: r.input.target.clone(),
        content_hash: r.hash.clone(),
        updated_at: now,
        ..ch.current
    };
    db::env_audits::update_item(c, &item)?;
    db::findings::update_description(c, finding.id, &finding_text(audit, &r.input), now)?;
    Ok(ItemChange {
        item_no: r.input.item_no.clone(),
        fields: ch.fields,
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

/// New items that go into one order: addressee, findings, requirement lines.
type OrderGroup = (Addressee, Vec<Uuid>, Vec<String>);

/// A new item: its finding and its ledger row. Answers the finding.
fn create_item(
    c: &mut DbConn,
    audit: &AuditRow,
    r: &Resolved,
    who: &Principal,
    now: NaiveDateTime,
) -> AppResult<Uuid> {
    let fid = record(c, audit_finding(audit, r, who.user_id), now)?;
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
            finding_id: fid,
            content_hash: r.hash.clone(),
            acceptance_date: None,
            acceptance_opinion: None,
            disclosure_date: None,
            disclosure_place: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    Ok(fid.0)
}

fn addressee(r: &Resolved) -> AppResult<(String, Addressee)> {
    match (r.enterprise, &r.input.department) {
        (Some(e), _) => Ok((format!("e:{e}"), Addressee::Enterprise(e))),
        (None, Some(d)) => Ok((format!("d:{d}"), Addressee::Department(d.clone()))),
        // parse_rows refuses a row with neither.
        (None, None) => Err(AppError::internal(anyhow::anyhow!(
            "feedback item without a responsible party"
        ))),
    }
}

/// New items become findings, then one order per addressee and deadline.
fn create_new(
    c: &mut DbConn,
    audit: &AuditRow,
    items: &[Resolved],
    existing: &BTreeMap<String, ItemRow>,
    who: &Principal,
    now: NaiveDateTime,
    report: &mut ImportReport,
) -> AppResult<()> {
    let mut groups: BTreeMap<(String, NaiveDate), OrderGroup> = BTreeMap::new();
    for r in items
        .iter()
        .filter(|r| !existing.contains_key(&r.input.item_no))
    {
        let fid = create_item(c, audit, r, who, now)?;
        report.created.push(r.input.item_no.clone());
        let (key, to) = addressee(r)?;
        let g = groups
            .entry((key, r.input.deadline))
            .or_insert_with(|| (to, Vec::new(), Vec::new()));
        g.1.push(fid);
        let m = match r.input.measures.as_str() {
            "" => "按督察反馈要求整改",
            m => m,
        };
        g.2.push(format!("第{}项：{m}", r.input.item_no));
    }
    for ((_, deadline), (to, fids, reqs)) in groups {
        let requirements = format!(
            "{}（{}）整改要求：{}",
            audit.name,
            audit.document_number,
            reqs.join("；")
        );
        let oid = issue_in_tx(
            c,
            who,
            &to,
            &fids,
            &requirements,
            deadline,
            HazardLevel::General,
            None,
        )?;
        report.orders.push(
            db::orders::find(c, oid)?
                .map(|o| o.number)
                .unwrap_or_default(),
        );
    }
    Ok(())
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
    crate::service::retry_once_on_duplicate(ctx, move |c| {
        let audit = db::env_audits::find(c, DbUuid(id))?.ok_or_else(not_found)?;
        let items = checked_rows(c, &table, &audit)?;
        let existing: BTreeMap<String, ItemRow> = db::env_audits::items(c, audit.id)?
            .into_iter()
            .map(|r| (r.item_no.clone(), r))
            .collect();
        let mut report = ImportReport::default();
        let now = time::now().naive_utc();
        for ch in changes(&items, &existing, update, &mut report)? {
            let change = apply_change(c, &audit, ch, now)?;
            report.updated.push(change);
        }
        create_new(c, &audit, &items, &existing, &who, now, &mut report)?;
        let (n, o) = (report.created.len(), report.orders.len());
        crate::service::notify::env_audit_imported(c, audit.id, &audit.name, who.user_id, n, o)?;
        Ok(report)
    })
    .await
}
