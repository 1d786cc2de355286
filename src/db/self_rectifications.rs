//! 自查自改 records (`self_rectifications`), and closing the finding they
//! belong to.

use super::schema::{findings as f, self_rectifications as s};
use super::{DbConn, DbUuid, QueryResult};
use crate::domain::finding::FindingStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = s)]
pub struct SelfRectificationRow {
    pub finding_id: DbUuid,
    pub enterprise_id: DbUuid,
    pub measures: String,
    pub rectified_by: String,
    pub accepted_by: String,
    pub accepted_on: NaiveDate,
    /// JSON arrays of ids.
    pub photo_ids: String,
    pub document_ids: String,
    pub recorded_by: DbUuid,
    pub recorded_at: NaiveDateTime,
}

/// Closes an open finding with its record; 0 when it was no longer open
/// (someone ordered or closed it meanwhile), and then nothing is written.
pub fn close_with(conn: &mut DbConn, row: &SelfRectificationRow) -> QueryResult<usize> {
    let n = diesel::update(
        f::table
            .find(row.finding_id)
            .filter(f::status.eq(FindingStatus::Open)),
    )
    .set((
        f::status.eq(FindingStatus::Closed),
        f::updated_at.eq(row.recorded_at),
    ))
    .execute(conn)?;
    if n == 1 {
        diesel::insert_into(s::table).values(row).execute(conn)?;
    }
    Ok(n)
}

pub fn find(conn: &mut DbConn, finding: DbUuid) -> QueryResult<Option<SelfRectificationRow>> {
    s::table
        .find(finding)
        .select(SelfRectificationRow::as_select())
        .first(conn)
        .optional()
}

pub fn of_enterprise(
    conn: &mut DbConn,
    enterprise: DbUuid,
) -> QueryResult<Vec<SelfRectificationRow>> {
    s::table
        .filter(s::enterprise_id.eq(enterprise))
        .order(s::recorded_at.asc())
        .select(SelfRectificationRow::as_select())
        .load(conn)
}

/// Self-rectifications recorded in the period, within the scope.
pub fn count(
    conn: &mut DbConn,
    only: Option<&[DbUuid]>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> QueryResult<i64> {
    let mut q = s::table.count().into_boxed();
    if let Some(only) = only {
        q = q.filter(s::enterprise_id.eq_any(only.to_vec()));
    }
    if let Some(t) = from {
        q = q.filter(s::recorded_at.ge(t));
    }
    if let Some(t) = to {
        q = q.filter(s::recorded_at.lt(t));
    }
    q.get_result(conn)
}
