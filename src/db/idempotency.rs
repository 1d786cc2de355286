//! Idempotency keys: reservations and the answers stored under them.

use super::schema::idempotency_keys as ik;
use super::{DbConn, DbUuid, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ik)]
pub struct IdempotencyRow {
    pub user_id: DbUuid,
    pub idem_key: String,
    pub fingerprint: String,
    /// `None` while the first request runs.
    pub status: Option<i32>,
    /// The answer's headers worth replaying, as a JSON list of pairs.
    pub headers: Option<String>,
    pub body: Option<String>,
    pub created_at: NaiveDateTime,
    pub locked_until: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, user: DbUuid, key: &str) -> QueryResult<Option<IdempotencyRow>> {
    ik::table
        .filter(ik::user_id.eq(user))
        .filter(ik::idem_key.eq(key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, row: &IdempotencyRow) -> QueryResult<()> {
    diesel::insert_into(ik::table).values(row).execute(conn)?;
    Ok(())
}

/// A running reservation whose lease ran out (its request died) is taken
/// over by a retry.
pub fn extend_lease(
    conn: &mut DbConn,
    user: DbUuid,
    key: &str,
    locked_until: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        ik::table
            .filter(ik::user_id.eq(user))
            .filter(ik::idem_key.eq(key))
            .filter(ik::status.is_null()),
    )
    .set(ik::locked_until.eq(locked_until))
    .execute(conn)
}

/// Stores the answer on the reservation.
pub fn complete(
    conn: &mut DbConn,
    user: DbUuid,
    key: &str,
    status: i32,
    headers: &str,
    body: &str,
) -> QueryResult<usize> {
    diesel::update(
        ik::table
            .filter(ik::user_id.eq(user))
            .filter(ik::idem_key.eq(key))
            .filter(ik::status.is_null()),
    )
    .set((
        ik::status.eq(Some(status)),
        ik::headers.eq(Some(headers)),
        ik::body.eq(Some(body)),
    ))
    .execute(conn)
}

/// Drops a reservation that has no answer (the request failed on our side).
pub fn release(conn: &mut DbConn, user: DbUuid, key: &str) -> QueryResult<usize> {
    diesel::delete(
        ik::table
            .filter(ik::user_id.eq(user))
            .filter(ik::idem_key.eq(key))
            .filter(ik::status.is_null()),
    )
    .execute(conn)
}

pub fn delete(conn: &mut DbConn, user: DbUuid, key: &str) -> QueryResult<usize> {
    diesel::delete(
        ik::table
            .filter(ik::user_id.eq(user))
            .filter(ik::idem_key.eq(key)),
    )
    .execute(conn)
}

/// Drops keys that expired before `now` whose lease is over too (housekeeping).
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        ik::table
            .filter(ik::expires_at.lt(now))
            .filter(ik::locked_until.lt(now)),
    )
    .execute(conn)
}
