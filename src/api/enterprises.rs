use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::enterprises::{
    self, EnterprisePatch, EnterpriseQuery, EnterpriseView, NewEnterprise,
};
use crate::service::{Ctx, Page};
use actix_web::{web, HttpResponse};
use uuid::Uuid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/enterprises")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/enterprises/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    )
    .service(web::resource("/enterprises/{id}/hazard-ledger").route(web::get().to(hazard_ledger)));
}

/// The enterprise's 隐患排查治理台账 as XLSX: every finding at it, oldest first, with how it was dealt with (自改自验 or the park's order), who rectified and accepted it, and when; `source=self_inspection` for what it found itself. Its own users and the park; 404 for anyone else.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/hazard-ledger", operation_id = "enterprise_hazard_ledger", tag = "enterprises", security(("bearer" = [])), params(("id" = Uuid, Path), crate::service::self_rectification::LedgerQuery), responses(
    (status = 200, description = "the ledger (sent as an attachment)", body = super::openapi::Binary, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound, super::openapi::QueryRules,
))]
pub async fn hazard_ledger(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
    q: web::Query<crate::service::self_rectification::LedgerQuery>,
) -> AppResult<HttpResponse> {
    let l = crate::service::self_rectification::ledger(&ctx, &who, id.into_inner(), q.into_inner())
        .await?;
    Ok(super::orders::report_response(
        crate::service::major_report::Report {
            bytes: l.bytes,
            file_name: l.file_name,
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    ))
}

/// Register an enterprise (admin, safety_officer).
#[utoipa::path(post, path = "/api/v1/enterprises", operation_id = "create_enterprise", tag = "enterprises", security(("bearer" = [])), request_body = NewEnterprise, responses(
    (status = 201, body = EnterpriseView),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "credit code already registered (`credit_code_taken`)"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::JsonBody,
))]
pub async fn create(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    body: web::Json<NewEnterprise>,
) -> AppResult<HttpResponse> {
    let e = enterprises::create(&ctx, &who, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/enterprises/{}", e.id)))
        .json(e))
}

/// List the enterprises the caller may see (enterprise users: their own; agencies: assigned ones).
#[utoipa::path(get, path = "/api/v1/enterprises", operation_id = "list_enterprises", tag = "enterprises", security(("bearer" = [])), params(EnterpriseQuery), responses(
    (status = 200, body = Page<EnterpriseView>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn list(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<EnterpriseQuery>,
) -> AppResult<web::Json<Page<EnterpriseView>>> {
    Ok(web::Json(
        enterprises::list(&ctx, &who, q.into_inner()).await?,
    ))
}

/// Read one enterprise (404 when outside the caller's scope).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}", operation_id = "get_enterprise", tag = "enterprises", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = EnterpriseView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<EnterpriseView>> {
    Ok(web::Json(
        enterprises::get(&ctx, &who, id.into_inner()).await?,
    ))
}

/// Change an enterprise (admin, safety_officer).
#[utoipa::path(patch, path = "/api/v1/enterprises/{id}", operation_id = "update_enterprise", tag = "enterprises", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = EnterprisePatch, responses(
    (status = 200, body = EnterpriseView),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "credit code already registered (`credit_code_taken`)"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound, super::openapi::JsonBody,
))]
pub async fn update(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
    body: web::Json<EnterprisePatch>,
) -> AppResult<web::Json<EnterpriseView>> {
    Ok(web::Json(
        enterprises::update(&ctx, &who, id.into_inner(), body.into_inner()).await?,
    ))
}
