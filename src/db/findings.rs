use super::schema::findings as f;
use super::{like_contains, DbConn, DbUuid, QueryResult, Seek};
use crate::domain::checklist::{Category, HazardLevel};
use crate::domain::finding::{FindingStatus, Source};
use crate::domain::order::OrderStatus;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = f)]
pub struct FindingRow {
    pub id: DbUuid,
    pub enterprise_id: Option<DbUuid>,
    pub department: Option<String>,
    pub source: Source,
    pub category: Category,
    pub level: HazardLevel,
    pub status: FindingStatus,
    pub description: String,
    pub location_text: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub photo_ids: String,
    pub inspection_id: Option<DbUuid>,
    pub item_code: Option<String>,
    pub template_id: Option<DbUuid>,
    pub regulatory_basis: Option<String>,
    pub major_criterion: Option<String>,
    pub reported_by: DbUuid,
    pub body_hash: Option<String>,
    pub previous_finding_id: Option<DbUuid>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The phone's draft revision (0: sent without one).
    pub revision: i64,
}

pub fn insert(conn: &mut DbConn, row: &FindingRow) -> QueryResult<()> {
    diesel::insert_into(f::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<FindingRow>> {
    f::table
        .find(id)
        .select(FindingRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[DbUuid]) -> QueryResult<Vec<FindingRow>> {
    f::table
        .filter(f::id.eq_any(ids.to_vec()))
        .select(FindingRow::as_select())
        .load(conn)
}

pub fn of_inspection(conn: &mut DbConn, inspection: DbUuid) -> QueryResult<Vec<FindingRow>> {
    f::table
        .filter(f::inspection_id.eq(inspection))
        .order(f::created_at.asc())
        .select(FindingRow::as_select())
        .load(conn)
}

/// Rewrites an open ad-hoc finding's reported content.
/// With `newer`, only while the stored revision is below it.
pub fn update_content(
    conn: &mut DbConn,
    row: &FindingRow,
    newer: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(
        f::table
            .find(row.id)
            .filter(f::status.eq(FindingStatus::Open))
            .filter(f::revision.lt(newer.unwrap_or(i64::MAX))),
    )
    .set((
        f::enterprise_id.eq(row.enterprise_id),
        f::category.eq(row.category),
        f::level.eq(row.level),
        f::description.eq(&row.description),
        f::location_text.eq(&row.location_text),
        f::lat.eq(row.lat),
        f::lon.eq(row.lon),
        f::photo_ids.eq(&row.photo_ids),
        f::body_hash.eq(&row.body_hash),
        f::updated_at.eq(row.updated_at),
        f::revision.eq(row.revision),
    ))
    .execute(conn)
}

#[derive(Debug, Default)]
pub struct FindingFilter {
    pub only_enterprises: Option<Vec<DbUuid>>,
    pub enterprise_id: Option<DbUuid>,
    pub source: Option<Source>,
    pub category: Option<Category>,
    pub level: Option<HazardLevel>,
    pub status: Option<FindingStatus>,
    pub inspection_id: Option<DbUuid>,
    /// (wanted, park today): findings whose open order is past its deadline.
    pub overdue: Option<(bool, chrono::NaiveDate)>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Substring of the description (any script; LIKE is byte-wise).
    pub q: Option<String>,
    pub before: Option<Seek>,
    pub limit: i64,
}

/// Newest first; (created_at, id) is a total order, so pages never skip
/// or repeat a row, and rows added meanwhile land before page one.
pub fn list(conn: &mut DbConn, flt: &FindingFilter) -> QueryResult<Vec<FindingRow>> {
    let mut q = f::table.select(FindingRow::as_select()).into_boxed();
    if let Some(only) = &flt.only_enterprises {
        q = q.filter(f::enterprise_id.eq_any(only.clone()));
    }
    if let Some(e) = flt.enterprise_id {
        q = q.filter(f::enterprise_id.eq(e));
    }
    if let Some(s) = &flt.source {
        q = q.filter(f::source.eq(*s));
    }
    if let Some(s) = &flt.category {
        q = q.filter(f::category.eq(*s));
    }
    if let Some(s) = &flt.level {
        q = q.filter(f::level.eq(*s));
    }
    if let Some(s) = &flt.status {
        q = q.filter(f::status.eq(*s));
    }
    if let Some(i) = flt.inspection_id {
        q = q.filter(f::inspection_id.eq(i));
    }
    if let Some((wanted, today)) = flt.overdue {
        use super::schema::{order_findings as of, rectification_orders as o};
        let late = of::table
            .inner_join(o::table)
            .filter(o::status.eq_any(OrderStatus::RUNNING))
            .filter(o::effective_deadline.lt(today))
            .select(of::finding_id);
        q = if wanted {
            q.filter(f::id.eq_any(late))
        } else {
            q.filter(f::id.ne_all(late))
        };
    }
    if let Some(t) = flt.from {
        q = q.filter(f::created_at.ge(t));
    }
    if let Some(t) = flt.to {
        q = q.filter(f::created_at.lt(t));
    }
    if let Some(text) = &flt.q {
        q = q.filter(f::description.like(like_contains(text)).escape('\\'));
    }
    if let Some((t, id)) = flt.before {
        q = q.filter(
            f::created_at
                .lt(t)
                .or(f::created_at.eq(t).and(f::id.lt(id))),
        );
    }
    q.order((f::created_at.desc(), f::id.desc()))
        .limit(flt.limit)
        .load(conn)
}

#[derive(Debug, Clone, Copy)]
pub enum GroupBy {
    Status,
    Level,
    Category,
    Source,
}

/// Finding counts grouped by one column, for findings created in [from, to),
/// keyed by the column's code.
pub fn count_by(
    conn: &mut DbConn,
    by: GroupBy,
    only: Option<&[DbUuid]>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> QueryResult<Vec<(String, i64)>> {
    macro_rules! grouped {
        ($col:expr, $ty:ty) => {{
            let mut q = f::table
                .group_by($col)
                .select(($col, diesel::dsl::count_star()))
                .into_boxed();
            if let Some(only) = only {
                q = q.filter(f::enterprise_id.eq_any(only.to_vec()));
            }
            if let Some(t) = from {
                q = q.filter(f::created_at.ge(t));
            }
            if let Some(t) = to {
                q = q.filter(f::created_at.lt(t));
            }
            let rows: Vec<($ty, i64)> = q.load(conn)?;
            rows.into_iter()
                .map(|(k, n)| (k.as_str().to_string(), n))
                .collect()
        }};
    }
    Ok(match by {
        GroupBy::Status => grouped!(f::status, FindingStatus),
        GroupBy::Level => grouped!(f::level, HazardLevel),
        GroupBy::Category => grouped!(f::category, Category),
        GroupBy::Source => grouped!(f::source, Source),
    })
}

pub fn update_description(
    conn: &mut DbConn,
    id: DbUuid,
    description: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(f::table.find(id))
        .set((f::description.eq(description), f::updated_at.eq(now)))
        .execute(conn)
}
