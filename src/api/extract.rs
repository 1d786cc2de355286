//! The `Auth` extractor: a valid bearer token or 401.

use crate::error::{codes, AppError};
use crate::service::{auth, Ctx, Principal};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
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

impl FromRequest for Auth {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = req.app_data::<web::Data<Ctx>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let ctx =
                ctx.ok_or_else(|| AppError::internal(anyhow::anyhow!("Ctx not registered")))?;
            let token = token.ok_or(AppError::Unauthenticated {
                code: codes::UNAUTHENTICATED,
                detail: "需要登录：请提供 Authorization: Bearer <token> / send Authorization: Bearer <token>".into(),
            })?;
            let p = auth::authenticate(&ctx, &token).await?;
            tracing::Span::current().record("user", tracing::field::display(&p.username));
            Ok(Auth(p))
        })
    }
}
