//! The `Idempotency-Key` middleware: a POST by an authenticated caller
//! that carries the header is fingerprinted (method, path and query,
//! body), claimed through `service::idempotency`, run, and its answer
//! stored; a retry gets that answer again with `Idempotent-Replayed: true`.
//! It sits inside `authenticate_first` (keys are per user) and outside
//! the handlers and the body guard.

use crate::error::{codes, AppError};
use crate::service::idempotency::{self, Claim, Stored};
use crate::service::{Ctx, Principal};
use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, BytesMut};
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use futures_util::StreamExt;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

/// Headers of an answer that a replay must repeat.
/// (tus creation answers with its upload's state in headers.)
const KEPT: [&str; 8] = [
    "content-type",
    "location",
    "etag",
    "upload-offset",
    "upload-length",
    "upload-expires",
    "upload-state",
    "upload-result",
];

/// Multipart framing on top of the largest photo.
const MULTIPART_SLACK: u64 = 64 * 1024;

fn refuse(req: ServiceRequest, e: AppError) -> ServiceResponse<BoxBody> {
    req.into_response(e.error_response())
}

/// The request's body, whole (it is part of the fingerprint), within the
/// largest body any endpoint takes.
async fn read_body(req: &mut ServiceRequest, limit: u64) -> Result<web::Bytes, AppError> {
    let mut payload = req.take_payload();
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::bad_request(
                codes::BAD_BODY,
                format!("无法读取请求体 / cannot read body: {e}"),
            )
        })?;
        if (buf.len() + chunk.len()) as u64 > limit {
            return Err(AppError::PayloadTooLarge {
                code: codes::BODY_TOO_LARGE,
                detail: format!("请求体超过{limit}字节 / body larger than {limit} bytes"),
            });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// The boundary of a `multipart/form-data` body, from its content type.
fn multipart_boundary(req: &ServiceRequest) -> Option<String> {
    let ct: mime::Mime = req
        .headers()
        .get(header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    (ct.type_() == mime::MULTIPART && ct.subtype() == mime::FORM_DATA)
        .then(|| ct.get_param(mime::BOUNDARY).map(|b| b.as_str().to_string()))
        .flatten()
}

fn replay(stored: Stored) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    for (name, value) in &stored.headers {
        res.insert_header((name.as_str(), value.as_str()));
    }
    res.insert_header((REPLAYED, "true"));
    res.body(stored.body)
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_string));
    let who = req.extensions().get::<Principal>().map(|p| p.user_id);
    let (Some(key), Some(user), true) = (key, who, req.method() == Method::POST) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // A header that is not text counts as empty: refused like one.
    let key = key.unwrap_or_default();
    if let Err(e) = idempotency::check_key(&key) {
        return Ok(refuse(req, e));
    }
    let Some(ctx) = req.app_data::<web::Data<Ctx>>().cloned() else {
        let e = AppError::internal(anyhow::anyhow!("Ctx not registered"));
        return Ok(refuse(req, e));
    };
    let limit =
        (ctx.settings.max_json_bytes as u64).max(ctx.settings.photo_max_bytes + MULTIPART_SLACK);
    let body = match read_body(&mut req, limit).await {
        Ok(b) => b,
        Err(e) => return Ok(refuse(req, e)),
    };
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_string(), |p| p.as_str().to_string());
    let boundary = multipart_boundary(&req);
    let headers: Vec<(&str, &str)> = idempotency::MEANINGFUL_HEADERS
        .iter()
        .filter_map(|n| Some((*n, req.headers().get(*n)?.to_str().unwrap_or("\u{fffd}"))))
        .collect();
    let fp = idempotency::fingerprint(
        req.method().as_str(),
        &target,
        &headers,
        boundary.as_deref(),
        &body,
    );
    match idempotency::claim(&ctx, user, &key, &fp).await {
        Ok(Claim::Proceed) => {}
        Ok(Claim::Replay(stored)) => return Ok(req.into_response(replay(stored))),
        Err(e) => return Ok(refuse(req, e)),
    }
    req.set_payload(Payload::from(body));
    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            let _ = idempotency::release(&ctx, user, &key).await;
            return Err(e);
        }
    };
    store(&ctx, user, &key, res).await
}

/// Keeps the answer (server errors are not kept: the retry runs again).
async fn store(
    ctx: &Ctx,
    user: uuid::Uuid,
    key: &str,
    res: ServiceResponse<impl MessageBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let status = res.status();
    let (req, res) = res.into_parts();
    let (head, payload) = res.into_parts();
    let bytes = match body::to_bytes(payload).await {
        Ok(b) => b,
        Err(_) => {
            let _ = idempotency::release(ctx, user, key).await;
            let e = AppError::internal(anyhow::anyhow!("answer body could not be read"));
            return Ok(ServiceResponse::new(req, e.error_response()));
        }
    };
    let text = std::str::from_utf8(&bytes).ok().map(str::to_string);
    let outcome = match text {
        Some(text) if !status.is_server_error() => {
            let headers = KEPT
                .iter()
                .filter_map(|n| {
                    let v = head.headers().get(*n)?.to_str().ok()?;
                    Some((n.to_string(), v.to_string()))
                })
                .collect();
            let answer = Stored {
                status: status.as_u16(),
                headers,
                body: text,
            };
            idempotency::complete(ctx, user, key, answer).await
        }
        _ => idempotency::release(ctx, user, key).await,
    };
    if let Err(e) = outcome {
        // The change is made; the client gets its answer, and a retry
        // after the lease finds the change's own uniqueness rules.
        tracing::warn!(error = %e, "idempotency answer not stored");
    }
    let res = head.set_body(bytes).map_into_boxed_body();
    Ok(ServiceResponse::new(req, res))
}
