use super::schema::{photo_links as pl, photos as p};
use super::{DbConn, DbUuid, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = p)]
pub struct PhotoRow {
    pub id: DbUuid,
    pub sha256: String,
    pub uploaded_by: DbUuid,
    pub format: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub orientation: i32,
    pub display_width: i32,
    pub display_height: i32,
    pub thumb_width: i32,
    pub thumb_height: i32,
    pub taken_at: Option<NaiveDateTime>,
    pub taken_at_source: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub altitude_m: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub location_source: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub exif: String,
    pub client: String,
    pub flags: String,
    pub enterprise_id: Option<DbUuid>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &PhotoRow) -> QueryResult<()> {
    diesel::insert_into(p::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<PhotoRow>> {
    p::table
        .find(id)
        .select(PhotoRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_upload(conn: &mut DbConn, user: DbUuid, sha256: &str) -> QueryResult<Option<PhotoRow>> {
    p::table
        .filter(p::uploaded_by.eq(user))
        .filter(p::sha256.eq(sha256))
        .select(PhotoRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[DbUuid]) -> QueryResult<Vec<PhotoRow>> {
    p::table
        .filter(p::id.eq_any(ids.to_vec()))
        .select(PhotoRow::as_select())
        .load(conn)
}

/// Enterprises whose records a photo is attached to.
pub fn linked_enterprises(conn: &mut DbConn, photo: DbUuid) -> QueryResult<Vec<DbUuid>> {
    pl::table
        .filter(pl::photo_id.eq(photo))
        .select(pl::enterprise_id)
        .load(conn)
}

/// Attaches photos to an enterprise's records (idempotent).
pub fn link(conn: &mut DbConn, photos: &[DbUuid], enterprise: DbUuid) -> QueryResult<()> {
    let mut ids = photos.to_vec();
    ids.sort();
    ids.dedup();
    for id in ids {
        let exists = pl::table
            .filter(pl::photo_id.eq(id))
            .filter(pl::enterprise_id.eq(enterprise))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !exists {
            diesel::insert_into(pl::table)
                .values((pl::photo_id.eq(id), pl::enterprise_id.eq(enterprise)))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Every distinct content hash referenced by an upload.
pub fn all_hashes(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    p::table
        .select(p::sha256)
        .distinct()
        .order(p::sha256.asc())
        .load(conn)
}

pub fn hash_in_use(conn: &mut DbConn, sha256: &str) -> QueryResult<bool> {
    Ok(p::table
        .filter(p::sha256.eq(sha256))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}
