use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::users::{self, NewUser, UserPatch, UserQuery, UserView};
use crate::service::{Ctx, Page};
use actix_web::{web, HttpResponse};
use uuid::Uuid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/users")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/users/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    );
}

/// Create an account (admin).
#[utoipa::path(post, path = "/api/v1/users", operation_id = "create_user", tag = "users", security(("bearer" = [])), request_body = NewUser, responses(
    (status = 201, body = UserView),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "username taken (`username_taken`)"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::JsonBody,
))]
pub async fn create(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    body: web::Json<NewUser>,
) -> AppResult<HttpResponse> {
    let u = users::create(&ctx, Some(&who), body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", u.id)))
        .json(u))
}

/// List accounts (admin).
#[utoipa::path(get, path = "/api/v1/users", operation_id = "list_users", tag = "users", security(("bearer" = [])), params(UserQuery), responses(
    (status = 200, body = Page<UserView>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn list(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<UserQuery>,
) -> AppResult<web::Json<Page<UserView>>> {
    Ok(web::Json(users::list(&ctx, &who, q.into_inner()).await?))
}

/// Read an account (admin, or the account itself).
#[utoipa::path(get, path = "/api/v1/users/{id}", operation_id = "get_user", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = UserView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<UserView>> {
    Ok(web::Json(users::get(&ctx, &who, id.into_inner()).await?))
}

/// Change an account: name, role, enterprise binding, assignments, password, disabled (admin).
#[utoipa::path(patch, path = "/api/v1/users/{id}", operation_id = "update_user", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = UserPatch, responses(
    (status = 200, body = UserView),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "username taken, or the last active admin"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound, super::openapi::JsonBody,
))]
pub async fn update(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
    body: web::Json<UserPatch>,
) -> AppResult<web::Json<UserView>> {
    Ok(web::Json(
        users::update(&ctx, Some(&who), id.into_inner(), body.into_inner()).await?,
    ))
}
