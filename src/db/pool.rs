//! Connection pool, backend selection and migrations.

use super::DbConn;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::PathBuf;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database location, decided from the URL scheme alone: SQLite accepts
/// any string as a file name, so "try PostgreSQL, fall back to SQLite"
/// would turn a typo into a silently empty database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err("empty database path".into());
        }
        if path.contains(":memory:") {
            return Err(
                "in-memory SQLite cannot be shared by a connection pool; use a file".into(),
            );
        }
        if let Some((scheme, _)) = url.split_once("://") {
            if scheme != "sqlite" {
                return Err(format!(
                    "unsupported scheme {scheme:?}; use sqlite://PATH, a file path, or postgres://…"
                ));
            }
        }
        Ok(DbUrl::Sqlite(PathBuf::from(path)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Sqlite(_) => Backend::Sqlite,
            DbUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL without a password, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DbUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DbUrl::Postgres(u) => {
                // scheme://user:password@host… → scheme://user:***@host…
                let auth = u.find("://").map(|s| s + 3).zip(u.rfind('@'));
                match auth.and_then(|(s, at)| u.get(s..at)?.find(':').map(|c| (s + c, at))) {
                    Some((user_end, at)) => format!("{}:***{}", &u[..user_end], &u[at..]),
                    None => u.clone(),
                }
            }
        }
    }

    fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        match self {
            DbUrl::Postgres(u) => Ok(DbConn::Postgresql(PgConnection::establish(u)?)),
            DbUrl::Sqlite(p) => {
                let mut c = SqliteConnection::establish(&p.to_string_lossy())?;
                // Per connection: enforce foreign keys, wait for the write lock
                // instead of failing, and fsync only at checkpoints (safe in WAL).
                c.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(c))
            }
        }
    }
}

struct Manager(DbUrl);

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.0.connect().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct PoolStatus {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// The pool plus the rule that every database call runs on the blocking
/// thread pool, never on an async executor thread.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
}

impl Db {
    /// Creates the data folder if needed, runs pending migrations and
    /// builds the pool.
    pub fn connect(url: &DbUrl, pool_size: u32, checkout_timeout: Duration) -> anyhow::Result<Db> {
        if let DbUrl::Sqlite(path) = url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("cannot create database folder {}: {e}", dir.display())
                })?;
            }
        }
        migrate(url)?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            // No background top-up: a connect still in flight in r2d2's thread
            // when the process exits crashes inside libpq/OpenSSL teardown.
            .min_idle(Some(0))
            .connection_timeout(checkout_timeout)
            .test_on_check_out(false)
            .build(Manager(url.clone()))
            .map_err(|e| anyhow::anyhow!("database {}: {e}", url.redacted()))?;
        Ok(Db {
            pool,
            backend: url.backend(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn status(&self) -> PoolStatus {
        let s = self.pool.state();
        PoolStatus {
            size: s.connections,
            idle: s.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// Checks out a connection and runs `f` on it, off the async executor.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = checkout(&pool).map_err(E::from)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| E::from(DbError::Unavailable(format!("blocking task failed: {e}"))))?
    }

    /// Synchronous access, for the CLI and start-up.
    pub fn run_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = checkout(&self.pool).map_err(E::from)?;
        f(&mut conn)
    }
}

fn checkout(pool: &r2d2::Pool<Manager>) -> Result<PooledConnection<Manager>, DbError> {
    pool.get().map_err(|e| DbError::Unavailable(e.to_string()))
}

/// Applies pending migrations; returns the versions applied.
pub fn migrate(url: &DbUrl) -> anyhow::Result<Vec<String>> {
    let applied = match url {
        DbUrl::Sqlite(path) => {
            let mut c = SqliteConnection::establish(&path.to_string_lossy())
                .map_err(|e| anyhow::anyhow!("open SQLite {}: {e}", path.display()))?;
            // WAL is a property of the file: set once, readers never block the writer.
            c.batch_execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
            run_migrations(&mut c, SQLITE_MIGRATIONS)?
        }
        DbUrl::Postgres(u) => {
            let mut c = PgConnection::establish(u)
                .map_err(|e| anyhow::anyhow!("connect to {}: {e}", url.redacted()))?;
            run_migrations(&mut c, POSTGRES_MIGRATIONS)?
        }
    };
    Ok(applied)
}

fn run_migrations<C>(c: &mut C, m: EmbeddedMigrations) -> anyhow::Result<Vec<String>>
where
    C: MigrationHarness<C::Backend> + Connection,
{
    let done = c
        .run_pending_migrations(m)
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(done.into_iter().map(|v| v.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Names of the embedded migrations per backend (a test keeps them paired).
    fn migration_folders(dir: &Path) -> std::io::Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    #[test]
    fn url_scheme_picks_backend() {
        assert_eq!(
            DbUrl::parse("postgres://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DbUrl::parse("sqlite://data/a.db").unwrap(),
            DbUrl::Sqlite("data/a.db".into())
        );
        assert_eq!(
            DbUrl::parse("./data/a.db").unwrap(),
            DbUrl::Sqlite("./data/a.db".into())
        );
        assert!(DbUrl::parse("mysql://x").is_err());
        assert!(DbUrl::parse("sqlite::memory:").is_err());
        assert!(DbUrl::parse("").is_err());
    }

    #[test]
    fn redacts_password() {
        let u = DbUrl::parse("postgres://app:s3cret@db:5432/x").unwrap();
        assert_eq!(u.redacted(), "postgres://app:***@db:5432/x");
    }

    #[test]
    fn migration_folders_are_paired() {
        let root = Path::new(&crate::manifest_dir()).join("migrations");
        let s = migration_folders(&root.join("sqlite")).unwrap();
        let p = migration_folders(&root.join("postgres")).unwrap();
        assert!(!s.is_empty());
        assert_eq!(
            s, p,
            "every migration needs a SQLite and a PostgreSQL version"
        );
    }
}
