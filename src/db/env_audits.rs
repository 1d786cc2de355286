use super::schema::{env_audit_items as it, env_audits as a};
use super::{DbConn, DbUuid, QueryResult};
use crate::domain::env_audit::AuditLevel;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = a)]
pub struct AuditRow {
    pub id: DbUuid,
    pub level: AuditLevel,
    pub name: String,
    pub document_number: String,
    pub received_date: NaiveDate,
    pub default_deadline: Option<NaiveDate>,
    pub created_by: DbUuid,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = it)]
pub struct ItemRow {
    pub id: DbUuid,
    pub audit_id: DbUuid,
    pub item_no: String,
    pub description: String,
    pub enterprise_id: Option<DbUuid>,
    pub department: Option<String>,
    pub measures: String,
    pub deadline: NaiveDate,
    pub target: String,
    pub finding_id: DbUuid,
    pub content_hash: String,
    pub acceptance_date: Option<NaiveDate>,
    pub acceptance_opinion: Option<String>,
    pub disclosure_date: Option<NaiveDate>,
    pub disclosure_place: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &AuditRow) -> QueryResult<()> {
    diesel::insert_into(a::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<AuditRow>> {
    a::table
        .find(id)
        .select(AuditRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<AuditRow>> {
    a::table
        .order(a::received_date.desc())
        .select(AuditRow::as_select())
        .load(conn)
}

pub fn items(conn: &mut DbConn, audit: DbUuid) -> QueryResult<Vec<ItemRow>> {
    it::table
        .filter(it::audit_id.eq(audit))
        .order(it::created_at.asc())
        .select(ItemRow::as_select())
        .load(conn)
}

pub fn insert_item(conn: &mut DbConn, row: &ItemRow) -> QueryResult<()> {
    diesel::insert_into(it::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update_item(conn: &mut DbConn, row: &ItemRow) -> QueryResult<usize> {
    diesel::update(it::table.find(row.id))
        .set((
            it::description.eq(&row.description),
            it::measures.eq(&row.measures),
            it::deadline.eq(row.deadline),
            it::target.eq(&row.target),
            it::content_hash.eq(&row.content_hash),
            it::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
}

/// Records 验收 and 公示 on the items of closed findings.
pub fn record_closure(
    conn: &mut DbConn,
    findings: &[DbUuid],
    acceptance: (NaiveDate, &str),
    disclosure: (NaiveDate, &str),
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(it::table.filter(it::finding_id.eq_any(findings.to_vec())))
        .set((
            it::acceptance_date.eq(Some(acceptance.0)),
            it::acceptance_opinion.eq(Some(acceptance.1)),
            it::disclosure_date.eq(Some(disclosure.0)),
            it::disclosure_place.eq(Some(disclosure.1)),
            it::updated_at.eq(now),
        ))
        .execute(conn)
}
