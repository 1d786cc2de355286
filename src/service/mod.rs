//! Use cases: one function per thing a user does. The only layer that sees
//! the database, the photo store and the rules together, and the place
//! where every authorization decision is made.

pub mod auth;
pub mod channels;
pub mod checklists;
pub mod demo;
pub mod documents;
pub mod enterprise_import;
pub mod enterprises;
pub mod env_audits;
mod errors;
mod evidence;
pub mod findings;
pub mod health;
pub mod idempotency;
pub mod inspections;
pub mod major_report;
pub mod notice_pdf;
pub mod notify;
pub mod orders;
pub mod outbox;
pub mod pagination;
pub mod password_hash;
pub mod photos;
pub mod preferences;
pub mod self_rectification;
pub mod spreadsheet;
pub mod stats;
pub mod sync;
pub mod text_file;
pub mod uploads;
pub mod users;

use crate::config::Settings;
use crate::db::Db;
use crate::storage::PhotoStore;
use std::sync::Arc;

/// Everything a use case needs, shared by all workers.
#[derive(Clone)]
pub struct Ctx {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub photos: PhotoStore,
    /// Permits for image decoding, so photo work cannot starve the rest.
    pub image_slots: Arc<tokio::sync::Semaphore>,
}

pub use auth::Principal;

use crate::error::{AppError, AppResult};
use serde::Deserialize;

/// A unique-key clash raised by a concurrent request.
fn is_duplicate(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Conflict {
            code: crate::error::codes::ALREADY_EXISTS,
            ..
        }
    )
}

/// Runs `f` again once when a concurrent insert of the same key won
/// (PostgreSQL aborts the transaction, so the retry is a new one).
pub(crate) async fn retry_once_on_duplicate<T, F>(ctx: &Ctx, f: F) -> AppResult<T>
where
    F: Fn(&mut crate::db::DbConn) -> AppResult<T> + Clone + Send + 'static,
    T: Send + 'static,
{
    let g = f.clone();
    match ctx.db.run(move |c| c.write_tx(|c| g(c))).await {
        Err(e) if is_duplicate(&e) => ctx.db.run(move |c| c.write_tx(|c| f(c))).await,
        other => other,
    }
}

/// 409 `stale_revision` carrying `current`, the record as stored: the
/// client's draft is older (or the same revision with other content).
pub(crate) fn stale_revision<T: serde::Serialize>(current: &T) -> AppError {
    match serde_json::to_value(current) {
        Ok(v) => AppError::StaleRevision {
            detail: "草稿版本落后于服务器上的版本，见 current / this draft revision is older than the stored one, see current".into(),
            current: Box::new(v),
        },
        Err(e) => AppError::internal(e),
    }
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

pub use pagination::Page;
