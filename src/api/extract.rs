//! The `Auth` extractor: a valid bearer token or 401.
//!
//! Authentication comes before the body is looked at: actix polls a
//! handler's extractors together, so a `Json` body that fails to parse
//! would answer 422 while the token is still being checked. `Auth` holds
//! the request body back (the extractors after it read a gated stream)
//! until the token is known good; an unknown token answers 401 whatever
//! the body. (Handlers take `Auth` before any body extractor.)

use crate::error::{codes, AppError};
use crate::service::{auth, Ctx, Principal};
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;
use futures_util::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::oneshot;

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

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = req.app_data::<web::Data<Ctx>>().cloned();
        let token = bearer(req);
        let open = gate(payload);
        Box::pin(async move {
            let ctx =
                ctx.ok_or_else(|| AppError::internal(anyhow::anyhow!("Ctx not registered")))?;
            let token = token.ok_or(AppError::Unauthenticated {
                code: codes::UNAUTHENTICATED,
                detail: "需要登录：请提供 Authorization: Bearer <token> / send Authorization: Bearer <token>".into(),
            })?;
            let p = auth::authenticate(&ctx, &token).await?;
            tracing::Span::current().record("user", tracing::field::display(&p.username));
            if let Some(open) = open {
                let _ = open.send(()); // the body may be read now
            }
            Ok(Auth(p))
        })
    }
}

/// Puts the request body behind a gate; sending on the answer opens it,
/// dropping it (authentication failed) ends the body with an error.
fn gate(payload: &mut Payload) -> Option<oneshot::Sender<()>> {
    if matches!(payload, Payload::None) {
        return None;
    }
    let (tx, rx) = oneshot::channel();
    let inner = payload.take();
    *payload = Payload::Stream {
        payload: Box::pin(Gated {
            open: Some(rx),
            inner,
        }),
    };
    Some(tx)
}

struct Gated {
    open: Option<oneshot::Receiver<()>>,
    inner: Payload,
}

impl Stream for Gated {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(open) = self.open.as_mut() {
            match Pin::new(open).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => self.open = None,
                Poll::Ready(Err(_)) => {
                    return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::other(
                        "not authenticated",
                    )))))
                }
            }
        }
        Pin::new(&mut self.inner).poll_next(cx)
    }
}
