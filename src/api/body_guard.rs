//! JSON bodies may not carry NUL (`\u0000`): PostgreSQL text cannot store
//! it, so it would otherwise surface later as a 500. Rejected up front,
//! for every JSON endpoint at once.

use crate::error::{codes, AppError};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::BytesMut;
use actix_web::{Error, HttpMessage};
use futures_util::StreamExt;

fn is_json(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"))
}

/// `\u0000` in any letter case.
pub fn has_nul_escape(body: &[u8]) -> bool {
    body.windows(6)
        .any(|w| w[0] == b'\\' && (w[1] == b'u' || w[1] == b'U') && &w[2..] == b"0000")
}

pub async fn reject_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
    limit: usize,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if is_json(&req) {
        let mut payload = req.take_payload();
        let mut buf = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if buf.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge {
                    code: codes::BODY_TOO_LARGE,
                    detail: format!("请求体超过{limit}字节 / body larger than {limit} bytes"),
                }
                .into());
            }
            buf.extend_from_slice(&chunk);
        }
        if has_nul_escape(&buf) {
            return Err(AppError::field(
                "body",
                "文本中不能含有NUL字符（\\u0000） / text may not contain NUL (\\u0000)",
            )
            .into());
        }
        req.set_payload(Payload::from(buf.freeze()));
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_escaped_nul_only() {
        assert!(super::has_nul_escape(br#"{"a":"x\u0000y"}"#));
        assert!(super::has_nul_escape(br#"{"a":"\U0000"}"#));
        assert!(!super::has_nul_escape(br#"{"a":"\\u0001"}"#));
    }
}
