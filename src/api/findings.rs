use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::findings::{self, FindingInput, FindingQuery, FindingView};
use crate::service::self_rectification::{self, SelfRectificationBody, SelfRectificationView};
use crate::service::{Ctx, Page};
use actix_web::{web, HttpResponse};
use uuid::Uuid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/findings").route(web::get().to(list)))
        .service(
            web::resource("/findings/{id}")
                .route(web::put().to(put))
                .route(web::get().to(get)),
        )
        .service(
            web::resource("/findings/{id}/self-rectification")
                .route(web::post().to(self_rectify))
                .route(web::get().to(get_self_rectification)),
        );
}

/// 自改自验: the enterprise closes a general hazard its own self-inspection found — what was done, who did it, who accepted it (not the same person) and when, with at least one photo or document. A major hazard goes the park's order path (409 `self_rectification_refused`).
#[utoipa::path(post, path = "/api/v1/findings/{id}/self-rectification", operation_id = "self_rectify_finding", tag = "findings", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SelfRectificationBody, responses(
    (status = 201, body = SelfRectificationView),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "not an enterprise user, or the acceptor is the rectifier (`separation_of_duties`)"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`self_rectification_refused`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "a field, or no evidence (`evidence_required`)"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound, super::openapi::JsonBody,
))]
pub async fn self_rectify(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
    body: web::Json<SelfRectificationBody>,
) -> AppResult<HttpResponse> {
    let v = self_rectification::record(&ctx, &who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The 自改自验 record of a finding its enterprise closed itself.
#[utoipa::path(get, path = "/api/v1/findings/{id}/self-rectification", operation_id = "get_self_rectification", tag = "findings", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = SelfRectificationView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn get_self_rectification(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<SelfRectificationView>> {
    Ok(web::Json(
        self_rectification::get(&ctx, &who, id.into_inner()).await?,
    ))
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
