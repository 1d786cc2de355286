use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::findings::{self, FindingInput, FindingQuery, FindingView};
use crate::service::{Ctx, Page};
use actix_web::{web, HttpResponse};
use uuid::Uuid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/findings").route(web::get().to(list)))
        .service(
            web::resource("/findings/{id}")
                .route(web::put().to(put))
                .route(web::get().to(get)),
        );
}

/// Report an ad-hoc finding under a phone-made id (201), replay it (200), or change it while open (200).
#[utoipa::path(put, path = "/api/v1/findings/{id}", operation_id = "put_finding", tag = "findings", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = FindingInput, responses(
    (status = 201, body = FindingView),
    (status = 200, body = FindingView),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound, super::openapi::JsonBody,
))]
pub async fn put(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
    body: web::Json<FindingInput>,
) -> AppResult<HttpResponse> {
    let (created, v) = findings::put(&ctx, &who, id.into_inner(), body.into_inner()).await?;
    Ok(super::created_or_ok(created, v))
}

/// One finding.
#[utoipa::path(get, path = "/api/v1/findings/{id}", operation_id = "get_finding", tag = "findings", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = FindingView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<FindingView>> {
    Ok(web::Json(findings::get(&ctx, &who, id.into_inner()).await?))
}

/// Findings the caller may see, newest first, with filters.
#[utoipa::path(get, path = "/api/v1/findings", operation_id = "list_findings", tag = "findings", security(("bearer" = [])), params(FindingQuery), responses(
    (status = 200, body = Page<FindingView>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn list(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<FindingQuery>,
) -> AppResult<web::Json<Page<FindingView>>> {
    Ok(web::Json(findings::list(&ctx, &who, q.into_inner()).await?))
}
