//! JSON bodies may not carry NUL (`\u0000`): PostgreSQL text cannot store
//! it, so it would otherwise surface later as a 500. Rejected up front,
//! for every JSON endpoint at once. Only a NUL the JSON text decodes to
//! counts: `"\\u0000"` (an escaped backslash, then `u0000`) is no NUL.
//!
//! Every JSON body of this API is an object: well-formed JSON of another
//! kind (`[]`, `"x"`, `1`) is refused here too, because serde would read
//! an array as a struct whose fields all have defaults (an `acknowledge`
//! with `[]` would be taken as an empty one). Malformed JSON goes on to
//! the handler's own 400.
//!
//! Its refusals are answers, not errors: they pass back out through the
//! request-id, metrics and logging layers like any other response.

use crate::error::{codes, AppError};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::BytesMut;
use actix_web::{Error, HttpMessage, ResponseError};
use futures_util::StreamExt;

fn is_json(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"))
}

/// Whether the JSON text holds an escape that decodes to NUL (`\u0000`,
/// `u` in either case). Every backslash starts a two-character escape, so
/// the `u0000` after an escaped backslash (`\\u0000`) is plain text.
pub fn has_nul_escape(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            let rest = &body[i + 1..];
            if rest.len() >= 5 && (rest[0] == b'u' || rest[0] == b'U') && &rest[1..5] == b"0000" {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Well-formed JSON whose top level is not an object (an empty body is
/// left to the handler, as is malformed JSON).
pub fn is_json_but_no_object(body: &[u8]) -> bool {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None | Some(b'{') => false,
        Some(_) => serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok(),
    }
}

fn refuse<B>(req: ServiceRequest, e: AppError) -> ServiceResponse<EitherBody<B>> {
    let res = e.error_response();
    req.into_response(res).map_into_right_body()
}

pub async fn reject_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
    limit: usize,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if is_json(&req) {
        let mut payload = req.take_payload();
        let mut buf = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let e = AppError::bad_request(
                        codes::BAD_BODY,
                        format!("无法读取请求体 / cannot read body: {e}"),
                    );
                    return Ok(refuse(req, e));
                }
            };
            if buf.len() + chunk.len() > limit {
                let e = AppError::PayloadTooLarge {
                    code: codes::BODY_TOO_LARGE,
                    detail: format!("请求体超过{limit}字节 / body larger than {limit} bytes"),
                };
                return Ok(refuse(req, e));
            }
            buf.extend_from_slice(&chunk);
        }
        if has_nul_escape(&buf) {
            let e = AppError::field(
                "body",
                "文本中不能含有NUL字符（\\u0000） / text may not contain NUL (\\u0000)",
            );
            return Ok(refuse(req, e));
        }
        if is_json_but_no_object(&buf) {
            let e = AppError::field(
                "body",
                "请求体应为JSON对象 / the body must be a JSON object",
            );
            return Ok(refuse(req, e));
        }
        req.set_payload(Payload::from(buf.freeze()));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_escaped_nul_only() {
        assert!(super::has_nul_escape(br#"{"a":"x\u0000y"}"#));
        assert!(super::has_nul_escape(br#"{"a":"\U0000"}"#));
        assert!(!super::has_nul_escape(br#"{"a":"\\u0001"}"#));
        // An escaped backslash, then the letters u0000: no NUL.
        assert!(!super::has_nul_escape(br#"{"a":"\\u0000"}"#));
        assert!(super::has_nul_escape(br#"{"a":"\\\u0000"}"#));
        assert!(!super::has_nul_escape(br#"{"a":"x\"}"#));
    }

    #[test]
    fn only_objects_pass_as_json_bodies() {
        for no in [&b"[]"[..], b" [null, []]", b"\"x\"", b"1", b"null", b"true"] {
            assert!(
                super::is_json_but_no_object(no),
                "{}",
                String::from_utf8_lossy(no)
            );
        }
        for left in [
            &b""[..],
            b"  ",
            b"{}",
            b" {\"a\":1}",
            b"{not json",
            b"not json",
            b"[1,",
        ] {
            assert!(
                !super::is_json_but_no_object(left),
                "{}",
                String::from_utf8_lossy(left)
            );
        }
    }
}
