//! How failures of the layers below (database, photo store) become
//! [`AppError`]s. Kept here, in the one layer that sees both, so `error`
//! and `api` stay free of `db` and `storage` types.

use crate::error::AppError;
use crate::storage::StorageError;

/// The photo store is down or refused: retryable, cause logged.
impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        AppError::Unavailable(format!("photo store: {e}"))
    }
}
