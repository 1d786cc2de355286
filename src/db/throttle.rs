use super::schema::login_throttle;
use super::{DbConn, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

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

/// Insert-or-replace without ON CONFLICT (not portable through the
/// multi-backend connection): callers run it inside a write transaction.
pub fn save(conn: &mut DbConn, row: &ThrottleRow) -> QueryResult<()> {
    let n = diesel::update(login_throttle::table.find(&row.username))
        .set(row)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(login_throttle::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear(conn: &mut DbConn, username: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(username)).execute(conn)?;
    Ok(())
}
