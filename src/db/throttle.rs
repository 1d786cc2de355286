use super::schema::login_throttle;
use super::{DbConn, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

// `username` holds the throttle key: `addr:IP`, `account:NAME@IP` or
// `account:NAME` (see `service::auth`).

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = login_throttle)]
pub struct ThrottleRow {
    pub username: String,
    pub failures: i32,
    pub last_failure_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConn, username: &str) -> QueryResult<Option<ThrottleRow>> {
    login_throttle::table
        .find(username)
        .select(ThrottleRow::as_select())
        .first(conn)
        .optional()
}

/// Counts one more attempt atomically (concurrent logins cannot lose
/// counts) and answers the row after the increment.
pub fn bump(conn: &mut DbConn, username: &str, now: NaiveDateTime) -> QueryResult<ThrottleRow> {
    let n = diesel::update(login_throttle::table.find(username))
        .set((
            login_throttle::failures.eq(login_throttle::failures + 1),
            login_throttle::last_failure_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(login_throttle::table)
            .values(&ThrottleRow {
                username: username.to_string(),
                failures: 1,
                last_failure_at: now,
                locked_until: None,
            })
            .execute(conn)?;
    }
    find(conn, username)?.ok_or(diesel::result::Error::NotFound)
}

/// Takes back one counted attempt; a row left at zero without a lock goes.
pub fn unbump(conn: &mut DbConn, username: &str) -> QueryResult<()> {
    diesel::update(
        login_throttle::table
            .find(username)
            .filter(login_throttle::failures.gt(0)),
    )
    .set(login_throttle::failures.eq(login_throttle::failures - 1))
    .execute(conn)?;
    diesel::delete(
        login_throttle::table
            .find(username)
            .filter(login_throttle::failures.le(0))
            .filter(login_throttle::locked_until.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

pub fn set_lock(
    conn: &mut DbConn,
    username: &str,
    until: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(login_throttle::table.find(username))
        .set(login_throttle::locked_until.eq(until))
        .execute(conn)?;
    Ok(())
}

pub fn clear(conn: &mut DbConn, username: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(username)).execute(conn)?;
    Ok(())
}

/// Drops throttle rows whose last failure and lock (if any) are both
/// older than `before` (housekeeping).
pub fn purge_stale(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        login_throttle::table
            .filter(login_throttle::last_failure_at.lt(before))
            .filter(
                login_throttle::locked_until
                    .is_null()
                    .or(login_throttle::locked_until.lt(before)),
            ),
    )
    .execute(conn)
}
