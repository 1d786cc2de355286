use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::{auth, users::UserView, Ctx};
use actix_web::{web, HttpRequest, HttpResponse};
use std::net::IpAddr;

/// The client's address: the socket's peer, or, when that peer is a
/// trusted proxy, the last address in `X-Forwarded-For` that is not one.
pub fn client_addr(ctx: &Ctx, req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = ctx.settings.trusted_proxy_addrs().unwrap_or_default();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !trusted.contains(a))
            .unwrap_or(peer),
    )
}
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/auth/refresh").route(web::post().to(refresh)))
        .service(web::resource("/auth/logout").route(web::post().to(logout)))
        .service(web::resource("/me").route(web::get().to(me)));
}

/// Log in; answers a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", operation_id = "login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = auth::LoginResult),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "wrong username or password, or account disabled (`invalid_credentials`)"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "too many failed logins; see Retry-After",
        headers(("Retry-After" = u32, description = "seconds to wait"))),
    (status = 503, body = Problem, content_type = "application/problem+json", description = "the database is unavailable or overloaded"),
    super::openapi::Malformed, super::openapi::JsonBody,
))]
pub async fn login(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let client = client_addr(&ctx, &req);
    let r = auth::login(&ctx, b.username, b.password, client).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Exchange a refresh token for a new access token and refresh token.
/// Each refresh token works once: presenting one that was already
/// exchanged revokes every token of that login.
#[utoipa::path(post, path = "/api/v1/auth/refresh", operation_id = "refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = auth::LoginResult),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "unknown, expired, revoked or already used refresh token (a reused one revokes its whole family), or account disabled (`unauthenticated`)"),
    (status = 503, body = Problem, content_type = "application/problem+json", description = "the database is unavailable or overloaded"),
    super::openapi::Malformed, super::openapi::JsonBody,
))]
pub async fn refresh(
    ctx: web::Data<Ctx>,
    body: web::Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let r = auth::refresh(&ctx, body.into_inner().refresh_token).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Revoke the token used for this request, and every token of its login
/// (its refresh token family).
#[utoipa::path(post, path = "/api/v1/auth/logout", operation_id = "logout", tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "logged out"),
    super::openapi::Authenticated,
))]
pub async fn logout(ctx: web::Data<Ctx>, Auth(who): Auth) -> AppResult<HttpResponse> {
    auth::logout(&ctx, &who).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "get_me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView),
    super::openapi::Authenticated,
))]
pub async fn me(ctx: web::Data<Ctx>, Auth(who): Auth) -> AppResult<web::Json<UserView>> {
    Ok(web::Json(auth::me(&ctx, &who).await?))
}
