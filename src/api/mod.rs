//! HTTP layer: thin handlers that extract, call `service`, and respond.
//! Framework errors (bad JSON, wrong content type, unknown routes, bad
//! path ids) are turned into the same problem+json as our own errors.

pub mod auth;
pub mod body_guard;
pub mod checklists;
pub mod docs;
pub mod documents;
pub mod enterprises;
pub mod env_audits;
mod errors;
pub mod extract;
pub mod findings;
pub mod health;
pub mod idempotency;
pub mod inspections;
pub mod notifications;
pub mod openapi;
pub mod orders;
pub mod photos;
pub mod request_id;
pub mod stats;
pub mod sync;
pub mod uploads;
pub mod users;

use actix_web::web;

pub use errors::{json_config, not_found_route, path_config, problemize, query_config};

/// 201 for a record made by this request, 200 for one that already
/// existed (a phone's retry, an identical re-publish).
pub fn created_or_ok<T: serde::Serialize>(created: bool, body: T) -> actix_web::HttpResponse {
    if created {
        actix_web::HttpResponse::Created().json(body)
    } else {
        actix_web::HttpResponse::Ok().json(body)
    }
}

/// Routes under `/api/v1`.
pub fn v1(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(auth::routes)
            .configure(users::routes)
            .configure(enterprises::routes)
            .configure(checklists::routes)
            .configure(inspections::routes)
            .configure(findings::routes)
            .configure(photos::routes)
            .configure(documents::routes)
            .configure(uploads::routes)
            .configure(orders::routes)
            .configure(stats::routes)
            .configure(sync::routes)
            .configure(env_audits::routes)
            .configure(notifications::routes),
    );
}
