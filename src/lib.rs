//! anhuan (安环): the backend of an industrial park's safety and
//! environmental inspection service. Layers, each readable alone:
//! `domain` (pure rules) → `db` (SQL) / `storage` (blobs) → `service`
//! (use cases, authorization) → `api` (HTTP).

pub mod api;
pub mod config;
pub mod console;
pub mod db;
pub mod domain;
pub mod error;
pub mod media;
pub mod service;
pub mod startup;
pub mod storage;
pub mod telemetry;

/// The crate's folder, for tests and tools that read files beside the
/// code. Looked up at run time (cargo sets it for builds and tests): a
/// compile-time `env!` would pin whichever clone built a reused artifact.
#[doc(hidden)]
pub fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}
