use super::schema::inspections as i;
use super::{DbConn, DbUuid, QueryResult, Seek};
use crate::domain::inspection::{InspectionKind, InspectionState};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = i)]
pub struct InspectionRow {
    pub id: DbUuid,
    pub enterprise_id: DbUuid,
    pub template_id: DbUuid,
    pub inspector_id: DbUuid,
    pub kind: InspectionKind,
    pub state: InspectionState,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub answers: String,
    pub body_hash: String,
    pub received_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    /// The phone's draft revision (0: sent without one).
    pub revision: i64,
}

pub fn insert(conn: &mut DbConn, row: &InspectionRow) -> QueryResult<()> {
    diesel::insert_into(i::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<InspectionRow>> {
    i::table
        .find(id)
        .select(InspectionRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[DbUuid]) -> QueryResult<Vec<InspectionRow>> {
    i::table
        .filter(i::id.eq_any(ids.to_vec()))
        .select(InspectionRow::as_select())
        .load(conn)
}

/// Replaces a draft's content (keeps id, owner and first receipt time);
/// with `newer`, only while the stored revision is below it, so of two
/// racing revisions the older never lands last.
pub fn update_draft(
    conn: &mut DbConn,
    row: &InspectionRow,
    newer: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(
        i::table
            .find(row.id)
            .filter(i::state.eq(InspectionState::Draft))
            .filter(i::revision.lt(newer.unwrap_or(i64::MAX))),
    )
    .set((
        i::enterprise_id.eq(row.enterprise_id),
        i::template_id.eq(row.template_id),
        i::started_at.eq(row.started_at),
        i::finished_at.eq(row.finished_at),
        i::lat.eq(row.lat),
        i::lon.eq(row.lon),
        i::accuracy_m.eq(row.accuracy_m),
        i::answers.eq(&row.answers),
        i::body_hash.eq(&row.body_hash),
        i::updated_at.eq(row.updated_at),
        i::revision.eq(row.revision),
    ))
    .execute(conn)
}

/// Draft → submitted; 0 rows when it was already submitted (a concurrent
/// submit won), so findings are made exactly once.
pub fn mark_submitted(conn: &mut DbConn, id: DbUuid, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        i::table
            .find(id)
            .filter(i::state.eq(InspectionState::Draft)),
    )
    .set((
        i::state.eq(InspectionState::Submitted),
        i::submitted_at.eq(Some(at)),
        i::updated_at.eq(at),
    ))
    .execute(conn)
}

#[derive(Debug, Default)]
pub struct InspectionFilter {
    pub only_enterprises: Option<Vec<DbUuid>>,
    pub enterprise_id: Option<DbUuid>,
    pub inspector_id: Option<DbUuid>,
    pub template_ids: Option<Vec<DbUuid>>,
    pub state: Option<InspectionState>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub before: Option<Seek>,
    pub limit: i64,
}

/// Newest first by server receipt time.
pub fn list(conn: &mut DbConn, f: &InspectionFilter) -> QueryResult<Vec<InspectionRow>> {
    let mut q = i::table.select(InspectionRow::as_select()).into_boxed();
    if let Some(only) = &f.only_enterprises {
        q = q.filter(i::enterprise_id.eq_any(only.clone()));
    }
    if let Some(e) = f.enterprise_id {
        q = q.filter(i::enterprise_id.eq(e));
    }
    if let Some(u) = f.inspector_id {
        q = q.filter(i::inspector_id.eq(u));
    }
    if let Some(t) = &f.template_ids {
        q = q.filter(i::template_id.eq_any(t.clone()));
    }
    if let Some(s) = &f.state {
        q = q.filter(i::state.eq(*s));
    }
    if let Some(t) = f.from {
        q = q.filter(i::received_at.ge(t));
    }
    if let Some(t) = f.to {
        q = q.filter(i::received_at.lt(t));
    }
    if let Some((t, id)) = f.before {
        q = q.filter(
            i::received_at
                .lt(t)
                .or(i::received_at.eq(t).and(i::id.lt(id))),
        );
    }
    q.order((i::received_at.desc(), i::id.desc()))
        .limit(f.limit)
        .load(conn)
}
