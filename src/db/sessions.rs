use super::schema::{refresh_tokens, sessions, users};
use super::users::UserRow;
use super::{DbConn, DbUuid, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: DbUuid,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    /// The refresh-token family it was issued under (none for sessions
    /// from before refresh tokens).
    pub family_id: Option<DbUuid>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshRow {
    pub token_hash: String,
    pub family_id: DbUuid,
    pub user_id: DbUuid,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// When it was exchanged for the next pair; presenting it again is reuse.
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The session and its user for a token hash, whatever their state; the
/// caller decides what expired/revoked/disabled means.
pub fn find_with_user(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<(SessionRow, UserRow)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((SessionRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()
}

pub fn revoke(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::token_hash.eq(token_hash))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// Drops sessions that expired before `before` (housekeeping).
pub fn purge_expired(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.lt(before))).execute(conn)
}

/// Drops sessions revoked before `before` (housekeeping).
pub fn purge_revoked(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::revoked_at.lt(before))).execute(conn)
}

pub fn find_session(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(token_hash)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_refresh(conn: &mut DbConn, row: &RefreshRow) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The refresh token and its user for a token hash, whatever their state.
pub fn find_refresh_with_user(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<(RefreshRow, UserRow)>> {
    refresh_tokens::table
        .inner_join(users::table)
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((RefreshRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()
}

/// Marks a refresh token used; 0 when someone used it first.
pub fn use_refresh(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(now)))
    .execute(conn)
}

/// Revokes a whole family: its refresh tokens and its access tokens.
pub fn revoke_family(conn: &mut DbConn, family: DbUuid, now: NaiveDateTime) -> QueryResult<usize> {
    let refresh = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(conn)?;
    let access = diesel::update(
        sessions::table
            .filter(sessions::family_id.eq(Some(family)))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(refresh + access)
}

/// Revokes every live refresh token of a user (password change, disabling).
pub fn revoke_user_refresh(
    conn: &mut DbConn,
    user: DbUuid,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// Drops refresh tokens that expired or were revoked before `before`.
pub fn purge_refresh(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    let expired =
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(before)))
            .execute(conn)?;
    let revoked =
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::revoked_at.lt(before)))
            .execute(conn)?;
    Ok(expired + revoked)
}
