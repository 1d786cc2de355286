//! Environmental inspection feedback (督察反馈问题整改台账): batches, the
//! all-or-nothing import of their lists, and the ledger. Items are
//! `env_audit` findings rectified through ordinary orders — one engine.

mod export;
mod import;

pub use export::{ledger_csv, ledger_xlsx};
pub use import::{import, ImportReport, ItemChange};

use super::{Ctx, Principal};
use crate::db::{self, env_audits::AuditRow, DbConn, DbUuid};
use crate::domain::env_audit::AuditLevel;
use crate::domain::order::{self as order_rules, OrderStatus};
use crate::domain::{time, FieldErrors, Role};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

fn not_found() -> AppError {
    AppError::not_found("督察批次 inspection batch")
}

fn require_officer(who: &Principal) -> AppResult<()> {
    who.require(Role::handles_env_audits)
}

/// Park staff read the ledger; enterprises see their items as orders.
fn require_reader(who: &Principal) -> AppResult<()> {
    who.require(Role::reads_ledgers)
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
