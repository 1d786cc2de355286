use super::schema::checklist_templates as ct;
use super::{DbConn, DbUuid, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ct)]
pub struct TemplateRow {
    pub id: DbUuid,
    pub code: String,
    pub version: i32,
    pub category: String,
    pub industry: Option<String>,
    pub title_zh: String,
    pub title_en: String,
    pub content_hash: String,
    pub body: String,
    pub source: String,
    pub published_by: Option<DbUuid>,
    pub published_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &TemplateRow) -> QueryResult<()> {
    diesel::insert_into(ct::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<TemplateRow>> {
    ct::table
        .find(id)
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[DbUuid]) -> QueryResult<Vec<TemplateRow>> {
    ct::table
        .filter(ct::id.eq_any(ids.to_vec()))
        .select(TemplateRow::as_select())
        .load(conn)
}

pub fn find_version(
    conn: &mut DbConn,
    code: &str,
    version: i32,
) -> QueryResult<Option<TemplateRow>> {
    ct::table
        .filter(ct::code.eq(code))
        .filter(ct::version.eq(version))
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()
}

pub fn latest(conn: &mut DbConn, code: &str) -> QueryResult<Option<TemplateRow>> {
    ct::table
        .filter(ct::code.eq(code))
        .order(ct::version.desc())
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()
}

/// Every version of every template, newest version first per code.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<TemplateRow>> {
    ct::table
        .order((ct::code.asc(), ct::version.desc()))
        .select(TemplateRow::as_select())
        .load(conn)
}
