use super::extract::Auth;
use crate::domain::checklist::Template;
use crate::error::{AppResult, Problem};
use crate::service::checklists::{self, ChecklistList, ChecklistQuery, TemplateView};
use crate::service::Ctx;
use actix_web::{web, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/checklists")
            .route(web::get().to(list))
            .route(web::post().to(publish)),
    )
    .service(web::resource("/checklists/{code}").route(web::get().to(latest)))
    .service(web::resource("/checklists/{code}/versions/{version}").route(web::get().to(version)));
}

/// Latest version of every checklist; `industry` gives the base templates plus that industry's add-ons.
#[utoipa::path(get, path = "/api/v1/checklists", operation_id = "list_checklists", tag = "checklists", security(("bearer" = [])), params(ChecklistQuery), responses(
    (status = 200, body = ChecklistList),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
    (status = 404, body = Problem, content_type = "application/problem+json", description = "`enterprise_id` names no enterprise the caller may see"),
))]
pub async fn list(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<ChecklistQuery>,
) -> AppResult<web::Json<ChecklistList>> {
    Ok(web::Json(
        checklists::list(&ctx, &who, q.into_inner()).await?,
    ))
}

/// The latest version of one checklist, with its items.
#[utoipa::path(get, path = "/api/v1/checklists/{code}", operation_id = "get_checklist", tag = "checklists", security(("bearer" = [])), params(("code" = String, Path)), responses(
    (status = 200, body = TemplateView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn latest(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    code: web::Path<String>,
) -> AppResult<web::Json<TemplateView>> {
    Ok(web::Json(
        checklists::latest(&ctx, &who, code.into_inner()).await?,
    ))
}

/// One published version (what an inspection pinned).
#[utoipa::path(get, path = "/api/v1/checklists/{code}/versions/{version}", operation_id = "get_checklist_version", tag = "checklists", security(("bearer" = [])), params(("code" = String, Path), ("version" = i32, Path)), responses(
    (status = 200, body = TemplateView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn version(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    path: web::Path<(String, i32)>,
) -> AppResult<web::Json<TemplateView>> {
    let (code, v) = path.into_inner();
    Ok(web::Json(checklists::version(&ctx, &who, code, v).await?))
}

/// Publish a new checklist version (admin). The same version again is a no-op (200); other content under a published version is 409.
#[utoipa::path(post, path = "/api/v1/checklists", operation_id = "publish_checklist", tag = "checklists", security(("bearer" = [])), request_body = Template, responses(
    (status = 201, body = TemplateView),
    (status = 200, body = TemplateView, description = "identical version already published"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "this version was published with other content"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::JsonBody,
))]
pub async fn publish(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    body: web::Json<Template>,
) -> AppResult<HttpResponse> {
    let (created, v) = checklists::publish(&ctx, &who, body.into_inner()).await?;
    Ok(super::created_or_ok(created, v))
}
