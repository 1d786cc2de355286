//! Use cases: one function per thing a user does. The only layer that sees
//! the database, the photo store and the rules together, and the place
//! where every authorization decision is made.

pub mod auth;
pub mod checklists;
pub mod enterprise_import;
pub mod enterprises;
pub mod env_audits;
pub mod findings;
pub mod health;
pub mod inspections;
pub mod orders;
pub mod pagination;
pub mod photos;
pub mod spreadsheet;
pub mod text_file;
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
pub use pagination::Page;
