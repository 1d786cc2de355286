//! The change feed's log. Rows are written only by the triggers of
//! migration `change_log`; this module reads them.

use super::schema::change_log as cl;
use super::{Backend, DbConn, DbUuid, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cl)]
pub struct ChangeRow {
    pub seq: i64,
    pub txid: i64,
    pub entity: String,
    pub entity_id: DbUuid,
    pub op: String,
    pub changed_at: NaiveDateTime,
}

/// A place in the feed: rows are read in (txid, seq) order.
pub type Position = (i64, i64);

/// Who is reading: rows for everyone, rows addressed to this user, and
/// rows of the enterprises they see (`None` = every enterprise and the
/// park's own records).
pub struct Reader {
    pub user: DbUuid,
    pub enterprises: Option<Vec<DbUuid>>,
}

#[derive(QueryableByName)]
struct Horizon {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    xmin: i64,
}

/// Rows with a txid below this are final: every transaction that could
/// still add a row has a txid at or above it. SQLite has one writer at a
/// time and commits in seq order, so every committed row is final there.
pub fn horizon(c: &mut DbConn) -> QueryResult<i64> {
    match c.backend() {
        Backend::Sqlite => Ok(i64::MAX),
        Backend::Postgres => Ok(diesel::sql_query(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin",
        )
        .get_result::<Horizon>(c)?
        .xmin),
    }
}

/// Up to `limit` rows after `after` and below `horizon` that `reader` may see.
pub fn read(
    c: &mut DbConn,
    after: Position,
    horizon: i64,
    reader: &Reader,
    limit: i64,
) -> QueryResult<Vec<ChangeRow>> {
    let (t, s) = after;
    // (txid, seq) > (t, s) in feed order, written so the index seeks to the
    // cursor instead of scanning from the start: SQLite's txid is always 0
    // (seq alone is the order), and on PostgreSQL `txid >= t` bounds the range.
    let mut q = match c.backend() {
        Backend::Sqlite => cl::table
            .filter(cl::seq.gt(s))
            .order(cl::seq.asc())
            .into_boxed(),
        Backend::Postgres => cl::table
            .filter(cl::txid.ge(t))
            .filter(cl::txid.gt(t).or(cl::seq.gt(s)))
            .order((cl::txid.asc(), cl::seq.asc()))
            .into_boxed(),
    }
    .filter(cl::txid.lt(horizon))
    .select(ChangeRow::as_select())
    .limit(limit);
    let mine = cl::audience
        .eq("everyone")
        .or(cl::audience.eq("user").and(cl::user_id.eq(reader.user)));
    q = match &reader.enterprises {
        None => q.filter(mine.or(cl::audience.eq("scope"))),
        Some(ids) => q.filter(
            mine.or(cl::audience
                .eq("scope")
                .and(cl::enterprise_id.eq_any(ids.clone()))),
        ),
    };
    q.load(c)
}

/// The last final row of the whole log, whoever it is for: a reader that
/// has seen everything of theirs up to the horizon may move past it.
pub fn last_below(c: &mut DbConn, horizon: i64) -> QueryResult<Option<Position>> {
    cl::table
        .filter(cl::txid.lt(horizon))
        .select((cl::txid, cl::seq))
        .order((cl::txid.desc(), cl::seq.desc()))
        .first(c)
        .optional()
}
