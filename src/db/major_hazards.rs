//! The major-hazard file of an order (`major_hazard_files`): one row per
//! major-hazard order that has taken a step of the path.

use super::schema::major_hazard_files as m;
use super::{DbConn, DbUuid, QueryResult};
use crate::domain::major_hazard::{AssessorKind, ResumptionStatus, StopMode};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = m)]
pub struct MajorFileRow {
    pub order_id: DbUuid,
    pub listed_unit: Option<String>,
    pub listed_number: Option<String>,
    pub listed_time_limit: Option<NaiveDate>,
    pub listed_at: Option<NaiveDateTime>,
    pub listed_by: Option<DbUuid>,
    pub stop_mode: Option<StopMode>,
    pub stop_date: Option<NaiveDate>,
    pub stop_scope: Option<String>,
    pub interim_measures: Option<String>,
    pub stop_by_office: bool,
    pub assessor_kind: Option<AssessorKind>,
    pub assessor_name: Option<String>,
    pub assessment_conclusion: Option<String>,
    pub assessment_eliminated: Option<bool>,
    /// JSON array of document ids.
    pub assessment_document_ids: String,
    pub assessed_at: Option<NaiveDateTime>,
    pub resumption_status: Option<ResumptionStatus>,
    pub resumption_applied_at: Option<NaiveDateTime>,
    pub resumption_decide_by: Option<NaiveDate>,
    pub resumption_decided_at: Option<NaiveDateTime>,
    pub resumption_decided_by: Option<DbUuid>,
    pub resumption_comment: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl MajorFileRow {
    /// The file of an order that has not taken a step yet.
    pub fn empty(order_id: DbUuid, at: NaiveDateTime) -> MajorFileRow {
        MajorFileRow {
            order_id,
            listed_unit: None,
            listed_number: None,
            listed_time_limit: None,
            listed_at: None,
            listed_by: None,
            stop_mode: None,
            stop_date: None,
            stop_scope: None,
            interim_measures: None,
            stop_by_office: false,
            assessor_kind: None,
            assessor_name: None,
            assessment_conclusion: None,
            assessment_eliminated: None,
            assessment_document_ids: "[]".into(),
            assessed_at: None,
            resumption_status: None,
            resumption_applied_at: None,
            resumption_decide_by: None,
            resumption_decided_at: None,
            resumption_decided_by: None,
            resumption_comment: None,
            updated_at: at,
        }
    }
}

pub fn find(conn: &mut DbConn, order: DbUuid) -> QueryResult<Option<MajorFileRow>> {
    m::table
        .find(order)
        .select(MajorFileRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, orders: &[DbUuid]) -> QueryResult<Vec<MajorFileRow>> {
    m::table
        .filter(m::order_id.eq_any(orders.to_vec()))
        .select(MajorFileRow::as_select())
        .load(conn)
}

/// Writes the file: inserted on its first step, updated after. Each part
/// is set on its own (the path changes one part per step).
pub fn save(conn: &mut DbConn, row: &MajorFileRow, exists: bool) -> QueryResult<()> {
    if !exists {
        diesel::insert_into(m::table).values(row).execute(conn)?;
        return Ok(());
    }
    let target = m::table.find(row.order_id);
    diesel::update(target)
        .set((
            m::listed_unit.eq(&row.listed_unit),
            m::listed_number.eq(&row.listed_number),
            m::listed_time_limit.eq(row.listed_time_limit),
            m::listed_at.eq(row.listed_at),
            m::listed_by.eq(row.listed_by),
            m::stop_mode.eq(row.stop_mode),
            m::stop_date.eq(row.stop_date),
            m::stop_scope.eq(&row.stop_scope),
            m::interim_measures.eq(&row.interim_measures),
            m::stop_by_office.eq(row.stop_by_office),
            m::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    diesel::update(target)
        .set((
            m::assessor_kind.eq(row.assessor_kind),
            m::assessor_name.eq(&row.assessor_name),
            m::assessment_conclusion.eq(&row.assessment_conclusion),
            m::assessment_eliminated.eq(row.assessment_eliminated),
            m::assessment_document_ids.eq(&row.assessment_document_ids),
            m::assessed_at.eq(row.assessed_at),
        ))
        .execute(conn)?;
    diesel::update(target)
        .set((
            m::resumption_status.eq(row.resumption_status),
            m::resumption_applied_at.eq(row.resumption_applied_at),
            m::resumption_decide_by.eq(row.resumption_decide_by),
            m::resumption_decided_at.eq(row.resumption_decided_at),
            m::resumption_decided_by.eq(row.resumption_decided_by),
            m::resumption_comment.eq(&row.resumption_comment),
        ))
        .execute(conn)?;
    Ok(())
}
