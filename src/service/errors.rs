//! How failures of the layers below (database, photo store) become
//! [`AppError`]s. Kept here, in the one layer that sees both, so `error`
//! and `api` stay free of `db` and `storage` types.

use crate::db::DbError;
use crate::error::{codes, AppError};
use crate::storage::StorageError;

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(m) => AppError::Unavailable(m),
            DbError::Query(q) => q.into(),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match &e {
            E::NotFound => AppError::NotFound {
                what: "记录 record",
            },
            E::DatabaseError(K::UniqueViolation, info) => AppError::conflict(
                codes::ALREADY_EXISTS,
                format!(
                    "记录已存在 / already exists ({})",
                    info.constraint_name().unwrap_or(info.message())
                ),
            ),
            E::DatabaseError(K::ForeignKeyViolation, _) => AppError::conflict(
                codes::REFERENCED_RECORD_MISSING,
                "引用的记录不存在 / a referenced record does not exist",
            ),
            E::DatabaseError(K::ClosedConnection, _) => AppError::Unavailable(e.to_string()),
            E::DatabaseError(K::Unknown, info) if info.message().contains("database is locked") => {
                AppError::Unavailable(e.to_string())
            }
            _ => AppError::Internal(e.into()),
        }
    }
}

/// The photo store is down or refused: retryable, cause logged.
impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        AppError::Unavailable(format!("photo store: {e}"))
    }
}
