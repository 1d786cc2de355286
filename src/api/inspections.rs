use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::inspections::{self, InspectionInput, InspectionQuery, InspectionView};
use crate::service::{Ctx, Page};
use actix_web::{web, HttpResponse};
use uuid::Uuid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/inspections").route(web::get().to(list)))
        .service(
            web::resource("/inspections/{id}")
                .route(web::put().to(put))
                .route(web::get().to(get)),
        )
        .service(web::resource("/inspections/{id}/submit").route(web::post().to(submit)));
}

/// Create or update a draft inspection under a phone-made id. 201 when new; a replay of the same body answers 200 with the stored record; a different body after submission is 409.
#[utoipa::path(put, path = "/api/v1/inspections/{id}", operation_id = "put_inspection", tag = "inspections", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = InspectionInput, responses(
    (status = 201, body = InspectionView),
    (status = 200, body = InspectionView),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "already submitted, or the id belongs to another record"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound, super::openapi::JsonBody,
))]
pub async fn put(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
    body: web::Json<InspectionInput>,
) -> AppResult<HttpResponse> {
    let (created, v) = inspections::put(&ctx, &who, id.into_inner(), body.into_inner()).await?;
    Ok(super::created_or_ok(created, v))
}

/// Submit: every required item answered, photos on failed items that need one; failed items become findings (once).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/submit", operation_id = "submit_inspection", tag = "inspections", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = InspectionView),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "not a draft any more"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "incomplete: errors list each item code as items.<code>"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn submit(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<InspectionView>> {
    Ok(web::Json(
        inspections::submit(&ctx, &who, id.into_inner()).await?,
    ))
}

/// One inspection with its answers and findings.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", operation_id = "get_inspection", tag = "inspections", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = InspectionView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<InspectionView>> {
    Ok(web::Json(
        inspections::get(&ctx, &who, id.into_inner()).await?,
    ))
}

/// Inspections the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/inspections", operation_id = "list_inspections", tag = "inspections", security(("bearer" = [])), params(InspectionQuery), responses(
    (status = 200, body = Page<InspectionView>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn list(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<InspectionQuery>,
) -> AppResult<web::Json<Page<InspectionView>>> {
    Ok(web::Json(
        inspections::list(&ctx, &who, q.into_inner()).await?,
    ))
}
