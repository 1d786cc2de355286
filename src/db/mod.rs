//! The only module that knows SQL. One diesel code path serves SQLite and
//! PostgreSQL through `#[derive(MultiConnection)]`; the backend is chosen
//! by the `DATABASE_URL` scheme.

pub mod change_log;
pub mod checklists;
pub mod documents;
pub mod enterprises;
pub mod env_audits;
pub mod findings;
pub mod idempotency;
pub mod inspections;
pub mod major_hazards;
pub mod orders;
pub mod outbox;
pub mod photos;
mod pool;
pub mod schema;
pub mod self_rectifications;
pub mod sessions;
pub mod throttle;
pub mod types;
pub mod uploads;
pub mod users;

pub use pool::{Backend, Db, DbError, DbUrl, PoolStatus};
pub use types::DbUuid;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl DbConn {
    /// A write transaction. On SQLite it is `BEGIN IMMEDIATE`, so the write
    /// lock is taken up front and two writers never deadlock on upgrade.
    pub fn write_tx<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        match self {
            DbConn::Sqlite(_) => {
                // diesel's immediate_transaction is only on SqliteConnection;
                // issue the statements ourselves so `f` keeps the enum type.
                // `f` must not open transactions of its own.
                self.batch_execute("BEGIN IMMEDIATE")?;
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
                match out {
                    Ok(Ok(v)) => match self.batch_execute("COMMIT") {
                        Ok(()) => Ok(v),
                        Err(e) => {
                            let _ = self.batch_execute("ROLLBACK");
                            Err(e.into())
                        }
                    },
                    Ok(Err(e)) => {
                        let _ = self.batch_execute("ROLLBACK");
                        Err(e)
                    }
                    Err(panic) => {
                        // Never hand a connection holding the write lock back to the pool.
                        let _ = self.batch_execute("ROLLBACK");
                        std::panic::resume_unwind(panic)
                    }
                }
            }
            DbConn::Postgresql(_) => self.transaction(f),
        }
    }

    /// A read transaction: every statement in `f` reads one snapshot on
    /// SQLite (a deferred `BEGIN`); on PostgreSQL each statement still
    /// sees what committed before it (READ COMMITTED).
    pub fn read_tx<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        self.transaction(f)
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgresql(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn like_contains(needle: &str) -> String {
    let mut s = String::with_capacity(needle.len() + 2);
    s.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// Keyset position for newest-first lists: (time, id) of the last row seen.
pub type Seek = (chrono::NaiveDateTime, DbUuid);

pub type QueryResult<T> = Result<T, diesel::result::Error>;
