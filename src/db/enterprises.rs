use super::schema::enterprises;
use super::{like_contains, DbConn, DbUuid, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = enterprises)]
pub struct EnterpriseRow {
    pub id: DbUuid,
    pub name: String,
    pub credit_code: String,
    pub industry: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub contacts: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// JSON array of industry codes, the primary (`industry`) first.
    pub industries: String,
}

pub fn insert(conn: &mut DbConn, row: &EnterpriseRow) -> QueryResult<()> {
    diesel::insert_into(enterprises::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Overwrites every column but `id` and `created_at`.
pub fn replace(conn: &mut DbConn, row: &EnterpriseRow) -> QueryResult<usize> {
    diesel::update(enterprises::table.find(row.id))
        .set((
            enterprises::name.eq(&row.name),
            enterprises::credit_code.eq(&row.credit_code),
            enterprises::industry.eq(&row.industry),
            enterprises::address.eq(&row.address),
            enterprises::lat.eq(row.lat),
            enterprises::lon.eq(row.lon),
            enterprises::contacts.eq(&row.contacts),
            enterprises::updated_at.eq(row.updated_at),
            enterprises::industries.eq(&row.industries),
        ))
        .execute(conn)
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<EnterpriseRow>> {
    enterprises::table
        .find(id)
        .select(EnterpriseRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[DbUuid]) -> QueryResult<Vec<EnterpriseRow>> {
    enterprises::table
        .filter(enterprises::id.eq_any(ids.to_vec()))
        .select(EnterpriseRow::as_select())
        .load(conn)
}

pub fn find_by_credit_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<EnterpriseRow>> {
    enterprises::table
        .filter(enterprises::credit_code.eq(code))
        .select(EnterpriseRow::as_select())
        .first(conn)
        .optional()
}

pub fn existing_ids(conn: &mut DbConn, ids: &[DbUuid]) -> QueryResult<Vec<DbUuid>> {
    enterprises::table
        .filter(enterprises::id.eq_any(ids.to_vec()))
        .select(enterprises::id)
        .load(conn)
}

#[derive(Debug, Default)]
pub struct EnterpriseFilter {
    /// Restrict to these ids (scoped users); `None` = no restriction.
    pub only: Option<Vec<DbUuid>>,
    pub industry: Option<String>,
    /// Substring of the name, or a (partial) credit code.
    pub q: Option<String>,
    pub after: Option<DbUuid>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, f: &EnterpriseFilter) -> QueryResult<Vec<EnterpriseRow>> {
    let mut q = enterprises::table
        .select(EnterpriseRow::as_select())
        .into_boxed();
    if let Some(only) = &f.only {
        q = q.filter(enterprises::id.eq_any(only.clone()));
    }
    if let Some(i) = &f.industry {
        // Any of its industries: the JSON array holds `"code"`.
        q = q.filter(enterprises::industries.like(format!("%\"{i}\"%")));
    }
    if let Some(text) = &f.q {
        let pat = like_contains(text);
        q = q.filter(
            enterprises::name
                .like(pat.clone())
                .escape('\\')
                .or(enterprises::credit_code.like(pat).escape('\\')),
        );
    }
    if let Some(a) = f.after {
        q = q.filter(enterprises::id.gt(a));
    }
    q.order(enterprises::id.asc()).limit(f.limit).load(conn)
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Vec<EnterpriseRow>> {
    enterprises::table
        .filter(enterprises::name.eq(name))
        .select(EnterpriseRow::as_select())
        .load(conn)
}
