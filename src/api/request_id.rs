//! Request ids: taken from `X-Request-Id` when the client (or a proxy)
//! sent a sane one, otherwise made here; always echoed back and recorded
//! on the request's root span.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn acceptable(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| s.to_string())
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(acceptable)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    // `acceptable` admits printable ASCII only, so this always converts; a
    // fresh id covers the impossible case instead of a panic.
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string()).expect("a UUID is ASCII")
    });
    req.headers_mut().insert(X_REQUEST_ID, value.clone());
    let mut res = next.call(req).await?;
    res.headers_mut().insert(X_REQUEST_ID, value);
    Ok(res)
}

/// Root span per request carrying our request id.
pub struct RootSpan;

impl RootSpanBuilder for RootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request
            .headers()
            .get(&X_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_string();
        let route = request.match_pattern().unwrap_or_else(|| "UNKNOWN".into());
        tracing::info_span!(
            "request",
            request_id = %id,
            http.method = %request.method(),
            http.route = %route,
            http.target = %request.uri(),
            user = tracing::field::Empty,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(r) => r.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        span.in_scope(|| tracing::info!(status, "request finished"));
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
