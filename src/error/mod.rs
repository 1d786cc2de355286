//! One error type, rendered as RFC 9457 `application/problem+json` with a
//! stable machine `code`. Causes of 5xx errors are logged, never returned.
//!
//! The codes themselves are constants in [`codes`]; conversions from the
//! database and photo-store errors live in the service layer, so this
//! module knows nothing of either.

pub mod codes;

use crate::domain::{FieldError, FieldErrors};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("authentication required")]
    Unauthenticated { code: &'static str, detail: String },
    #[error("forbidden")]
    Forbidden { code: &'static str, detail: String },
    #[error("not found")]
    NotFound { what: &'static str },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A draft older than the stored one: 409 carrying the stored record.
    #[error("{detail}")]
    StaleRevision {
        detail: String,
        current: Box<serde_json::Value>,
    },
    #[error("too many requests")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    #[error("{detail}")]
    PayloadTooLarge { code: &'static str, detail: String },
    #[error("{detail}")]
    UnsupportedMediaType { code: &'static str, detail: String },
    /// Well-formed but unusable content (e.g. a corrupt image): 422 with its own code.
    #[error("{detail}")]
    Unprocessable { code: &'static str, detail: String },
    #[error("{detail}")]
    RangeNotSatisfiable { detail: String, size: u64 },
    /// `If-Match` no longer matches: someone else changed the record.
    #[error("{detail}")]
    PreconditionFailed { detail: String },
    /// The action needs `If-Match` and the request had none: 428.
    #[error("{detail}")]
    PreconditionRequired { detail: String },
    /// A status a protocol defines for itself (tus: 410 expired, 460
    /// checksum mismatch, 412 version, 429 upload limits).
    #[error("{detail}")]
    Protocol {
        status: u16,
        code: &'static str,
        detail: String,
    },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// The wire shape of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type (documented in api-spec/problems.md).
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `stale_revision`: the record as stored, which the client's
    /// older draft lost to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        Problem {
            type_: format!("/problems/{code}"),
            title: title_for(status).to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_string(),
            errors: Vec::new(),
            current: None,
        }
    }

    pub fn response(&self) -> HttpResponse {
        HttpResponse::build(
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )
        .content_type(PROBLEM_JSON)
        .json(self)
    }
}

/// Title used where a status has no entry of its own.
const FALLBACK_TITLE: &str = "请求错误 / Request error";

/// One table per status: the code a framework-raised error of that status
/// gets (see `api::errors::problemize`) and the title every problem of that
/// status carries. Chinese first, English alongside, as every user-facing
/// label. A code of [`codes::REQUEST_ERROR`] (4xx) or
/// [`codes::INTERNAL_ERROR`] (5xx) means "no specific framework code".
const STATUS_TABLE: &[(u16, &str, &str)] = &[
    (400, codes::BAD_REQUEST, "请求无效 / Bad request"),
    (
        401,
        codes::UNAUTHENTICATED,
        "未登录或登录已失效 / Unauthenticated",
    ),
    (403, codes::FORBIDDEN, "无权执行此操作 / Forbidden"),
    (404, codes::NOT_FOUND, "资源不存在 / Not found"),
    (
        405,
        codes::METHOD_NOT_ALLOWED,
        "不支持的请求方法 / Method not allowed",
    ),
    (
        406,
        codes::REQUEST_ERROR,
        "无法提供所需格式 / Not acceptable",
    ),
    (408, codes::REQUEST_TIMEOUT, FALLBACK_TITLE),
    (409, codes::REQUEST_ERROR, "状态冲突 / Conflict"),
    (410, codes::REQUEST_ERROR, "资源已过期删除 / Gone"),
    (411, codes::LENGTH_REQUIRED, FALLBACK_TITLE),
    (
        412,
        codes::REQUEST_ERROR,
        "前提条件不满足 / Precondition failed",
    ),
    (413, codes::BODY_TOO_LARGE, "请求体过大 / Payload too large"),
    (414, codes::URI_TOO_LONG, FALLBACK_TITLE),
    (
        415,
        codes::UNSUPPORTED_CONTENT_TYPE,
        "不支持的内容类型 / Unsupported media type",
    ),
    (
        416,
        codes::REQUEST_ERROR,
        "请求的范围无效 / Range not satisfiable",
    ),
    (
        422,
        codes::REQUEST_ERROR,
        "请求内容无法处理 / Unprocessable content",
    ),
    (
        428,
        codes::REQUEST_ERROR,
        "须带前提条件 / Precondition required",
    ),
    (
        429,
        codes::REQUEST_ERROR,
        "请求过于频繁 / Too many requests",
    ),
    (431, codes::HEADERS_TOO_LARGE, FALLBACK_TITLE),
    (
        460,
        codes::UPLOAD_CHECKSUM_MISMATCH,
        "校验和不符 / Checksum mismatch",
    ),
    (
        503,
        codes::INTERNAL_ERROR,
        "服务暂不可用 / Service unavailable",
    ),
];

/// `(default code, title)` for a status: its row of [`STATUS_TABLE`], else
/// the generic 5xx or 4xx pair.
pub fn status_info(status: StatusCode) -> (&'static str, &'static str) {
    let s = status.as_u16();
    match STATUS_TABLE.iter().find(|(x, _, _)| *x == s) {
        Some((_, code, title)) => (code, title),
        None if s >= 500 => (
            codes::INTERNAL_ERROR,
            "服务器内部错误 / Internal server error",
        ),
        None => (codes::REQUEST_ERROR, FALLBACK_TITLE),
    }
}

/// The title every problem of this status carries.
pub fn title_for(status: StatusCode) -> &'static str {
    status_info(status).1
}

/// The code for an error the framework raised with this status (no code
/// of our own is known).
pub fn default_code_for(status: StatusCode) -> &'static str {
    status_info(status).0
}

impl AppError {
    pub fn validation(errs: FieldErrors) -> AppError {
        AppError::Validation(errs.into_vec())
    }

    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        AppError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> AppError {
        AppError::Forbidden {
            code: codes::FORBIDDEN,
            detail: detail.into(),
        }
    }

    /// 403 with a code of its own (e.g. separation of duties).
    pub fn forbidden_because(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::Forbidden {
            code,
            detail: detail.into(),
        }
    }

    pub fn not_found(what: &'static str) -> AppError {
        AppError::NotFound { what }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(e.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => codes::VALIDATION_FAILED,
            AppError::BadRequest { code, .. } => code,
            AppError::Unauthenticated { code, .. } => code,
            AppError::Forbidden { code, .. } => code,
            AppError::NotFound { .. } => codes::NOT_FOUND,
            AppError::Conflict { code, .. } => code,
            AppError::StaleRevision { .. } => codes::STALE_REVISION,
            AppError::TooManyRequests { .. } => codes::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge { code, .. } => code,
            AppError::UnsupportedMediaType { code, .. } => code,
            AppError::Unprocessable { code, .. } => code,
            AppError::RangeNotSatisfiable { .. } => codes::RANGE_NOT_SATISFIABLE,
            AppError::PreconditionFailed { .. } => codes::ETAG_MISMATCH,
            AppError::PreconditionRequired { .. } => codes::PRECONDITION_REQUIRED,
            AppError::Protocol { code, .. } => code,
            AppError::Unavailable(_) => codes::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => codes::INTERNAL_ERROR,
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            AppError::Validation(errs) => format!(
                "请求中有{}处错误，见 errors / {} field error(s), see errors",
                errs.len(),
                errs.len()
            ),
            AppError::BadRequest { detail, .. }
            | AppError::Unauthenticated { detail, .. }
            | AppError::Forbidden { detail, .. }
            | AppError::Conflict { detail, .. }
            | AppError::StaleRevision { detail, .. }
            | AppError::TooManyRequests { detail, .. }
            | AppError::PayloadTooLarge { detail, .. }
            | AppError::UnsupportedMediaType { detail, .. }
            | AppError::Unprocessable { detail, .. }
            | AppError::RangeNotSatisfiable { detail, .. }
            | AppError::PreconditionFailed { detail }
            | AppError::PreconditionRequired { detail }
            | AppError::Protocol { detail, .. } => detail.clone(),
            AppError::NotFound { what } => {
                // `what` is "中文 english" (e.g. "企业 enterprise").
                let (zh, en) = what.split_once(' ').unwrap_or((what, what));
                format!("{zh}不存在 / {en} not found")
            }
            AppError::Unavailable(_) => {
                "服务暂时不可用，请稍后重试 / temporarily unavailable, retry later".into()
            }
            AppError::Internal(_) => {
                "服务器内部错误，已记录 / internal error, it has been logged".into()
            }
        };
        let mut p = Problem::new(status, self.code(), detail);
        if let AppError::Validation(errs) = self {
            p.errors = errs.clone();
        }
        if let AppError::StaleRevision { current, .. } = self {
            p.current = Some((**current).clone());
        }
        p
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } | AppError::StaleRevision { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::PreconditionRequired { .. } => StatusCode::PRECONDITION_REQUIRED,
            AppError::Protocol { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::Unavailable(e) => tracing::warn!(error = %e, "unavailable"),
            _ => {}
        }
        let mut resp = self.to_problem().response();
        match self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, (*retry_after_secs).into());
            }
            AppError::Unavailable(_) => {
                resp.headers_mut().insert(header::RETRY_AFTER, 5u64.into());
            }
            AppError::RangeNotSatisfiable { size, .. } => {
                if let Ok(v) = header::HeaderValue::from_str(&format!("bytes */{size}")) {
                    resp.headers_mut().insert(header::CONTENT_RANGE, v);
                }
            }
            AppError::Unauthenticated { .. } => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"anhuan\""),
                );
            }
            _ => {}
        }
        resp
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table_has_one_row_per_status_and_known_codes() {
        for (i, (s, code, _)) in STATUS_TABLE.iter().enumerate() {
            assert!(StatusCode::from_u16(*s).is_ok(), "{s}");
            assert!(codes::ALL.contains(code), "{s}: {code}");
            assert!(
                STATUS_TABLE[i + 1..].iter().all(|(x, _, _)| x != s),
                "{s} twice"
            );
        }
    }

    #[test]
    fn status_info_falls_back_by_class() {
        let (c, t) = status_info(StatusCode::NOT_FOUND);
        assert_eq!((c, t), (codes::NOT_FOUND, "资源不存在 / Not found"));
        assert_eq!(
            status_info(StatusCode::BAD_GATEWAY),
            (
                codes::INTERNAL_ERROR,
                "服务器内部错误 / Internal server error"
            )
        );
        assert_eq!(
            status_info(StatusCode::IM_A_TEAPOT),
            (codes::REQUEST_ERROR, FALLBACK_TITLE)
        );
        assert_eq!(title_for(StatusCode::REQUEST_TIMEOUT), FALLBACK_TITLE);
        assert_eq!(
            default_code_for(StatusCode::SERVICE_UNAVAILABLE),
            codes::INTERNAL_ERROR
        );
    }
}
