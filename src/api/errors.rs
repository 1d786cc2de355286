use crate::error::{codes, default_code_for, AppError, Problem, PROBLEM_JSON};
use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| {
            let e = match &err {
                JsonPayloadError::ContentType => AppError::UnsupportedMediaType {
                    code: codes::UNSUPPORTED_CONTENT_TYPE,
                    detail: "请求体须为 application/json / the body must be application/json"
                        .into(),
                },
                JsonPayloadError::Overflow { limit }
                | JsonPayloadError::OverflowKnownLength { limit, .. } => {
                    AppError::PayloadTooLarge {
                        code: codes::BODY_TOO_LARGE,
                        detail: format!("请求体超过{limit}字节 / body larger than {limit} bytes"),
                    }
                }
                JsonPayloadError::Deserialize(de) if de.is_data() => {
                    AppError::field("body", de.to_string())
                }
                JsonPayloadError::Deserialize(de) => AppError::bad_request(
                    codes::MALFORMED_JSON,
                    format!("JSON格式错误 / malformed JSON: {de}"),
                ),
                other => AppError::bad_request(
                    codes::BAD_BODY,
                    format!("无法读取请求体 / cannot read body: {other}"),
                ),
            };
            e.into()
        })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        AppError::bad_request(
            codes::INVALID_PATH_PARAMETER,
            format!("路径参数无效（应为UUID） / invalid path parameter: {err}"),
        )
        .into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        AppError::bad_request(
            codes::INVALID_QUERY,
            format!("查询参数无效 / invalid query parameters: {err}"),
        )
        .into()
    })
}

pub async fn not_found_route(req: HttpRequest) -> HttpResponse {
    Problem::new(
        StatusCode::NOT_FOUND,
        codes::ROUTE_NOT_FOUND,
        format!(
            "没有这个接口 / no route for {} {}",
            req.method(),
            req.path()
        ),
    )
    .response()
}

/// Last line of defence: any error response without a JSON body (actix's
/// own 405, 413, plain-text errors) is rewritten as problem+json. JSON
/// bodies are deliberate answers (problems, or `/readyz`'s report).
pub fn problemize<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes();
        v.starts_with(PROBLEM_JSON.as_bytes())
            || v.starts_with(b"application/json")
            || v.starts_with(b"text/html") // the console's own error pages
    });
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, old) = res.into_parts();
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "此接口不支持{}方法 / method {} not allowed here",
            req.method(),
            req.method()
        ),
        StatusCode::INTERNAL_SERVER_ERROR => {
            "服务器内部错误，已记录 / internal error, it has been logged".into()
        }
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    };
    let mut new = Problem::new(status, default_code_for(status), detail).response();
    for (k, v) in old.headers() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            new.headers_mut().append(k.clone(), v.clone());
        }
    }
    let res: ServiceResponse<EitherBody<B>> = ServiceResponse::new(req, new).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
