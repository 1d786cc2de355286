//! Authentication first: the `authenticate_first` middleware resolves the
//! bearer token of every request to a protected route before anything
//! else looks at the request — the body guard, the path, the query, the
//! body — so an unknown token answers 401 whatever the rest says. The
//! `Auth` extractor then hands the handler the principal it found.

use crate::error::{codes, AppError};
use crate::service::{auth, Ctx, Principal};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, FromRequest, HttpMessage, HttpRequest, ResponseError};
use futures_util::future::LocalBoxFuture;

pub struct Auth(pub Principal);

fn bearer(req: &HttpRequest) -> Option<String> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn missing_token() -> AppError {
    AppError::Unauthenticated {
        code: codes::UNAUTHENTICATED,
        detail:
            "需要登录：请提供 Authorization: Bearer <token> / send Authorization: Bearer <token>"
                .into(),
    }
}

async fn principal_of(req: &HttpRequest) -> Result<Principal, AppError> {
    let ctx = req
        .app_data::<web::Data<Ctx>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("Ctx not registered")))?;
    let token = bearer(req).ok_or_else(missing_token)?;
    let p = auth::authenticate(&ctx, &token).await?;
    tracing::Span::current().record("user", tracing::field::display(&p.username));
    Ok(p)
}

/// Routes of the API that answer without a token.
const PUBLIC: &[&str] = &["/api/v1/auth/login", "/api/v1/auth/refresh"];

/// A request to an existing API route other than the public ones. Unknown
/// paths are left to answer 404.
fn protected(req: &ServiceRequest) -> bool {
    let path = req.path();
    // tus discovery tells a client what the server supports, nothing more.
    let discovery = req.method() == actix_web::http::Method::OPTIONS && path == "/api/v1/uploads";
    path.starts_with("/api/v1/")
        && !PUBLIC.contains(&path)
        && !discovery
        && req.request().match_pattern().is_some()
}

pub async fn authenticate_first(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if protected(&req) {
        match principal_of(req.request()).await {
            Ok(p) => {
                req.extensions_mut().insert(p);
            }
            Err(e) => {
                let res = e.error_response();
                return Ok(req.into_response(res).map_into_right_body());
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

impl FromRequest for Auth {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<Principal>().cloned();
        let req = req.clone();
        Box::pin(async move {
            match found {
                Some(p) => Ok(Auth(p)),
                None => principal_of(&req).await.map(Auth),
            }
        })
    }
}
