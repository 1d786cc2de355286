use super::schema::{document_links as dl, documents as d, order_documents as od};
use super::{DbConn, DbUuid, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = d)]
pub struct DocumentRow {
    pub id: DbUuid,
    pub sha256: String,
    pub uploaded_by: DbUuid,
    pub kind: String,
    pub byte_size: i64,
    pub page_count: Option<i32>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(d::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<DocumentRow>> {
    d::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_upload(
    conn: &mut DbConn,
    user: DbUuid,
    sha256: &str,
) -> QueryResult<Option<DocumentRow>> {
    d::table
        .filter(d::uploaded_by.eq(user))
        .filter(d::sha256.eq(sha256))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[DbUuid]) -> QueryResult<Vec<DocumentRow>> {
    d::table
        .filter(d::id.eq_any(ids.to_vec()))
        .select(DocumentRow::as_select())
        .load(conn)
}

/// Enterprises whose records a document is attached to.
pub fn linked_enterprises(conn: &mut DbConn, doc: DbUuid) -> QueryResult<Vec<DbUuid>> {
    dl::table
        .filter(dl::document_id.eq(doc))
        .select(dl::enterprise_id)
        .load(conn)
}

/// Attaches documents to an enterprise's records (idempotent).
pub fn link(conn: &mut DbConn, docs: &[DbUuid], enterprise: DbUuid) -> QueryResult<()> {
    let mut ids = docs.to_vec();
    ids.sort();
    ids.dedup();
    for id in ids {
        let exists = dl::table
            .filter(dl::document_id.eq(id))
            .filter(dl::enterprise_id.eq(enterprise))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !exists {
            diesel::insert_into(dl::table)
                .values((dl::document_id.eq(id), dl::enterprise_id.eq(enterprise)))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Records documents as part of an order's file (idempotent).
pub fn add_to_order(
    conn: &mut DbConn,
    order: DbUuid,
    docs: &[DbUuid],
    at: NaiveDateTime,
) -> QueryResult<()> {
    let mut ids = docs.to_vec();
    ids.sort();
    ids.dedup();
    for id in ids {
        let exists = od::table
            .filter(od::order_id.eq(order))
            .filter(od::document_id.eq(id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !exists {
            diesel::insert_into(od::table)
                .values((
                    od::order_id.eq(order),
                    od::document_id.eq(id),
                    od::added_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The documents of an order, oldest first.
pub fn of_order(conn: &mut DbConn, order: DbUuid) -> QueryResult<Vec<DocumentRow>> {
    od::table
        .inner_join(d::table)
        .filter(od::order_id.eq(order))
        .order((od::added_at.asc(), d::id.asc()))
        .select(DocumentRow::as_select())
        .load(conn)
}
