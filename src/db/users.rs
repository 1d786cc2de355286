use super::schema::{sessions, user_enterprises, users};
use super::{DbConn, DbUuid, QueryResult};
use crate::domain::Role;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: DbUuid,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub display_name: String,
    pub enterprise_id: Option<DbUuid>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub password_hash: Option<String>,
    pub role: Option<Role>,
    pub display_name: Option<String>,
    pub enterprise_id: Option<Option<DbUuid>>,
    pub disabled: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

diesel::define_sql_function! {
    /// SQL `lower()`, what the unique index `users_username_lower` is on
    /// (SQLite folds ASCII letters only; Chinese names have no case).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Usernames are unique regardless of case; any case logs in.
pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(lower(users::username).eq(lower(username)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub struct UserFilter {
    pub role: Option<Role>,
    pub enterprise_id: Option<DbUuid>,
    pub after: Option<DbUuid>,
    pub limit: i64,
}

/// Users in id (= creation) order, one page after the cursor.
pub fn list(conn: &mut DbConn, f: &UserFilter) -> QueryResult<Vec<UserRow>> {
    let mut q = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(r) = &f.role {
        q = q.filter(users::role.eq(*r));
    }
    if let Some(e) = f.enterprise_id {
        q = q.filter(users::enterprise_id.eq(e));
    }
    if let Some(a) = f.after {
        q = q.filter(users::id.gt(a));
    }
    q.order(users::id.asc()).limit(f.limit).load(conn)
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<UserRow>> {
    users::table
        .select(UserRow::as_select())
        .order(users::username.asc())
        .load(conn)
}

pub fn update(conn: &mut DbConn, id: DbUuid, changes: &UserChanges) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn assigned_enterprises(conn: &mut DbConn, user: DbUuid) -> QueryResult<Vec<DbUuid>> {
    user_enterprises::table
        .filter(user_enterprises::user_id.eq(user))
        .select(user_enterprises::enterprise_id)
        .order(user_enterprises::enterprise_id.asc())
        .load(conn)
}

/// Makes `enterprises` the user's assignments, touching only the rows
/// that change: each removed or added row tells the change feed that the
/// enterprise's records left or reached this user.
pub fn set_assigned_enterprises(
    conn: &mut DbConn,
    user: DbUuid,
    enterprises: &[DbUuid],
) -> QueryResult<()> {
    let mut wanted = enterprises.to_vec();
    wanted.sort();
    wanted.dedup();
    let current = assigned_enterprises(conn, user)?;
    let removed: Vec<DbUuid> = current
        .iter()
        .filter(|e| !wanted.contains(e))
        .copied()
        .collect();
    if !removed.is_empty() {
        diesel::delete(
            user_enterprises::table
                .filter(user_enterprises::user_id.eq(user))
                .filter(user_enterprises::enterprise_id.eq_any(removed)),
        )
        .execute(conn)?;
    }
    for e in wanted.iter().filter(|e| !current.contains(e)) {
        diesel::insert_into(user_enterprises::table)
            .values((
                user_enterprises::user_id.eq(user),
                user_enterprises::enterprise_id.eq(*e),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Revokes every live session and refresh token of a user (password
/// change, disabling).
pub fn revoke_sessions(conn: &mut DbConn, user: DbUuid, now: NaiveDateTime) -> QueryResult<usize> {
    super::sessions::revoke_user_refresh(conn, user, now)?;
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)
}
