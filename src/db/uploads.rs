//! Resumable uploads and their parts.

use super::schema::{upload_parts as up, uploads as u};
use super::{DbConn, DbUuid, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = u)]
pub struct UploadRow {
    pub id: DbUuid,
    pub owner_id: DbUuid,
    pub kind: String,
    pub upload_length: i64,
    pub upload_offset: i64,
    pub metadata: String,
    pub state: String,
    pub result_id: Option<DbUuid>,
    pub failure: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = up)]
pub struct PartRow {
    pub upload_id: DbUuid,
    pub start_offset: i64,
    pub byte_size: i64,
    pub blob_key: String,
}

pub fn insert(conn: &mut DbConn, row: &UploadRow) -> QueryResult<()> {
    diesel::insert_into(u::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<UploadRow>> {
    u::table
        .find(id)
        .select(UploadRow::as_select())
        .first(conn)
        .optional()
}

/// How many uploads a user has still receiving, and the bytes they will
/// hold when complete.
pub fn pending_of(conn: &mut DbConn, owner: DbUuid) -> QueryResult<(i64, i64)> {
    let lengths: Vec<i64> = u::table
        .filter(u::owner_id.eq(owner))
        .filter(u::state.eq("receiving"))
        .select(u::upload_length)
        .load(conn)?;
    Ok((lengths.len() as i64, lengths.iter().sum()))
}

/// Records a part and moves the offset past it, only if the offset is
/// still where the part starts: false when another request got there
/// first (nothing is written then).
pub fn append_part(
    conn: &mut DbConn,
    part: &PartRow,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    let moved = diesel::update(
        u::table
            .filter(u::id.eq(part.upload_id))
            .filter(u::state.eq("receiving"))
            .filter(u::upload_offset.eq(part.start_offset)),
    )
    .set((
        u::upload_offset.eq(part.start_offset + part.byte_size),
        u::updated_at.eq(now),
        u::expires_at.eq(expires_at),
    ))
    .execute(conn)?;
    if moved == 0 {
        return Ok(false);
    }
    diesel::insert_into(up::table).values(part).execute(conn)?;
    Ok(true)
}

/// Whether a part row names this blob.
pub fn part_key_in_use(conn: &mut DbConn, key: &str) -> QueryResult<bool> {
    Ok(up::table
        .filter(up::blob_key.eq(key))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn parts(conn: &mut DbConn, upload: DbUuid) -> QueryResult<Vec<PartRow>> {
    up::table
        .filter(up::upload_id.eq(upload))
        .order(up::start_offset.asc())
        .select(PartRow::as_select())
        .load(conn)
}

/// The upload's end: what it became, or why it was refused. Its parts
/// are forgotten (their blobs are deleted by the caller).
pub fn finish(
    conn: &mut DbConn,
    id: DbUuid,
    result: Result<DbUuid, String>,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(up::table.filter(up::upload_id.eq(id))).execute(conn)?;
    let (state, result_id, failure) = match result {
        Ok(r) => ("done", Some(r), None),
        Err(f) => ("failed", None, Some(f)),
    };
    // Only a receiving upload ends: a second completer changes nothing.
    diesel::update(
        u::table
            .filter(u::id.eq(id))
            .filter(u::state.eq("receiving")),
    )
    .set((
        u::state.eq(state),
        u::result_id.eq(result_id),
        u::failure.eq(failure),
        u::updated_at.eq(now),
        u::expires_at.eq(expires_at),
    ))
    .execute(conn)
}

pub fn delete(conn: &mut DbConn, id: DbUuid) -> QueryResult<usize> {
    diesel::delete(up::table.filter(up::upload_id.eq(id))).execute(conn)?;
    diesel::delete(u::table.filter(u::id.eq(id))).execute(conn)
}

/// Uploads past their expiry, oldest first.
pub fn expired(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<UploadRow>> {
    u::table
        .filter(u::expires_at.le(now))
        .order(u::expires_at.asc())
        .limit(limit)
        .select(UploadRow::as_select())
        .load(conn)
}
