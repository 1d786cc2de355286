use crate::service::{health, Ctx};
use actix_web::{get, web, HttpResponse};

/// Liveness: the process answers.
#[utoipa::path(tag = "health", responses((status = 200, description = "alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the database and the photo store answer.
#[utoipa::path(tag = "health", responses(
    (status = 200, body = health::Readiness),
    (status = 503, body = health::Readiness),
))]
#[get("/readyz")]
pub async fn readyz(ctx: web::Data<Ctx>) -> HttpResponse {
    let r = health::readiness(&ctx).await;
    if r.ready {
        HttpResponse::Ok().json(r)
    } else {
        HttpResponse::ServiceUnavailable().json(r)
    }
}
