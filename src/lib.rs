//! anhuan (安环): the backend of an industrial park's safety and
//! environmental inspection service. Layers, each readable alone:
//! `domain` (pure rules) → `db` (SQL) / `storage` (blobs) → `service`
//! (use cases, authorization) → `api` (HTTP).

pub mod api;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod media;
pub mod service;
pub mod startup;
pub mod storage;
pub mod telemetry;
