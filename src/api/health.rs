//! Liveness and readiness, as resources: another method answers 405.

use crate::service::{health, Ctx};
use actix_web::{web, HttpResponse};

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "health", responses((status = 200, description = "alive", body = serde_json::Value, content_type = "application/json")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the database and the photo store answer.
#[utoipa::path(get, path = "/readyz", operation_id = "readyz", tag = "health", responses(
    (status = 200, body = health::Readiness),
    (status = 503, body = health::Readiness),
))]
pub async fn readyz(ctx: web::Data<Ctx>) -> HttpResponse {
    let r = health::readiness(&ctx).await;
    if r.ready {
        HttpResponse::Ok().json(r)
    } else {
        HttpResponse::ServiceUnavailable().json(r)
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)));
}
