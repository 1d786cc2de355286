//! Statistics over orders and findings: the overview of a period and the
//! figures per enterprise, always within the caller's scope.

use super::pagination;
use super::{Ctx, Principal};
use crate::db;
use crate::domain::order::{self as rules, OrderStatus};
use crate::domain::time;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Period start (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Period end (RFC 3339), exclusive.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Overview {
    /// Orders issued in the period, by status (closed and cancelled apart).
    #[schema(value_type = Object)]
    pub orders_by_status: Value,
    /// Open orders past their deadline now.
    pub overdue: i64,
    pub closed_in_period: i64,
    pub median_days_to_close: Option<i32>,
    /// Orders that needed a 督办函 / a 通报批评.
    pub supervision_letters: i64,
    pub public_criticisms: i64,
    /// Orders with a verification that broke a separation-of-duties rule,
    /// let through by `allow_self_verification` (one-person office).
    pub self_verified_orders: i64,
    /// General hazards of self-inspections closed by the enterprise itself
    /// (自改自验), apart from those the park's orders closed.
    pub self_rectified_findings: i64,
    #[schema(value_type = Object)]
    pub findings_by_status: Value,
    #[schema(value_type = Object)]
    pub findings_by_level: Value,
    #[schema(value_type = Object)]
    pub findings_by_category: Value,
    #[schema(value_type = Object)]
    pub findings_by_source: Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnterpriseStats {
    pub enterprise_id: Uuid,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
    pub closed: i64,
    /// Closed orders that never went overdue, over all closed.
    pub on_time_rate: Option<f64>,
}

fn period(
    q: &StatsQuery,
) -> AppResult<(Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>)> {
    pagination::check_time("from", q.from)?;
    pagination::check_time("to", q.to)?;
    Ok((q.from.map(|t| t.naive_utc()), q.to.map(|t| t.naive_utc())))
}

fn to_map(rows: Vec<(String, i64)>) -> Value {
    Value::Object(rows.into_iter().map(|(k, v)| (k, json!(v))).collect())
}

pub async fn overview(ctx: &Ctx, who: &Principal, q: StatsQuery) -> AppResult<Overview> {
    let (from, to) = period(&q)?;
    let only = who.scope_filter();
    ctx.db
        .run(move |c| {
            let only = only.as_deref();
            let today = rules::park_today(time::now());
            let mut by_status = serde_json::Map::new();
            for s in OrderStatus::ALL {
                by_status.insert(s.as_str().into(), json!(0));
            }
            for (s, n) in db::orders::count_by_status(c, only, from, to)? {
                by_status.insert(s.as_str().into(), json!(n));
            }
            let (closed, median) = db::orders::closed_stats(c, only, from, to)?;
            let (letters, criticisms) = db::orders::count_escalations(c, only, from, to)?;
            Ok(Overview {
                orders_by_status: Value::Object(by_status),
                overdue: db::orders::count_overdue(c, only, today)?,
                closed_in_period: closed,
                median_days_to_close: median,
                supervision_letters: letters,
                public_criticisms: criticisms,
                self_verified_orders: db::orders::count_self_verified(c, only, from, to)?,
                self_rectified_findings: db::self_rectifications::count(c, only, from, to)?,
                findings_by_status: to_map(db::findings::count_by(
                    c,
                    db::findings::GroupBy::Status,
                    only,
                    from,
                    to,
                )?),
                findings_by_level: to_map(db::findings::count_by(
                    c,
                    db::findings::GroupBy::Level,
                    only,
                    from,
                    to,
                )?),
                findings_by_category: to_map(db::findings::count_by(
                    c,
                    db::findings::GroupBy::Category,
                    only,
                    from,
                    to,
                )?),
                findings_by_source: to_map(db::findings::count_by(
                    c,
                    db::findings::GroupBy::Source,
                    only,
                    from,
                    to,
                )?),
            })
        })
        .await
}

pub async fn per_enterprise(
    ctx: &Ctx,
    who: &Principal,
    q: StatsQuery,
) -> AppResult<Vec<EnterpriseStats>> {
    let (from, to) = period(&q)?;
    let only = who.scope_filter();
    ctx.db
        .run(move |c| {
            let today = rules::park_today(time::now());
            let rows = db::orders::per_enterprise(c, only.as_deref(), today, from, to)?;
            let mut out = Vec::new();
            for r in rows {
                let name = db::enterprises::find(c, r.enterprise_id)?
                    .map(|e| e.name)
                    .unwrap_or_default();
                out.push(EnterpriseStats {
                    enterprise_id: r.enterprise_id.0,
                    name,
                    open: r.open,
                    overdue: r.overdue,
                    closed: r.closed,
                    on_time_rate: (r.closed > 0).then(|| r.closed_on_time as f64 / r.closed as f64),
                });
            }
            out.sort_by(|a, b| {
                b.overdue
                    .cmp(&a.overdue)
                    .then(b.open.cmp(&a.open))
                    .then(a.name.cmp(&b.name))
            });
            Ok(out)
        })
        .await
}
