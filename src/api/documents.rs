use super::extract::Auth;
use super::photos::part_names;
use crate::error::{codes, AppError, AppResult, Problem};
use crate::service::documents::{self, DocumentView};
use crate::service::Ctx;
use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::{StreamExt, TryStreamExt};
use uuid::Uuid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/documents").route(web::post().to(upload)))
        .service(web::resource("/documents/{id}").route(web::get().to(get)))
        .service(web::resource("/documents/{id}/content").route(web::get().to(content)));
}

fn malformed(e: impl std::fmt::Display) -> AppError {
    AppError::bad_request(
        codes::MALFORMED_MULTIPART,
        format!("表单格式错误 / malformed multipart body: {e}"),
    )
}

/// Upload a document (检测报告, 验收意见, 评估报告, 公示截图): multipart with
/// the one field `file`. PDF, DOCX, XLSX or OFD, judged from the bytes;
/// stored byte for byte. 201 when new; the same bytes from the same user
/// answer 200 with the earlier record.
#[utoipa::path(post, path = "/api/v1/documents", operation_id = "upload_document", tag = "documents", security(("bearer" = [])),
    request_body(description = "multipart/form-data with the field `file`",
        content((super::openapi::DocumentForm = "multipart/form-data"))),
    responses(
        super::openapi::Authenticated, super::openapi::Malformed,
        (status = 201, body = DocumentView),
        (status = 200, body = DocumentView, description = "the same bytes were uploaded before by this user"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "document_too_large"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "unsupported_document_type"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "document_malformed, document_encrypted, document_active_content or field errors"),
))]
pub async fn upload(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(AppError::UnsupportedMediaType {
            code: codes::UNSUPPORTED_CONTENT_TYPE,
            detail: "请以multipart/form-data上传，字段名file / send multipart/form-data with the field `file`".into(),
        });
    }
    let payload = part_names::sanitised(ct, payload);
    let mut form = Multipart::new(req.headers(), payload);
    let mut file = None;
    while let Some(field) = form.next().await {
        let field = field.map_err(malformed)?;
        let name = field
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or("")
            .to_string();
        if name != "file" {
            return Err(AppError::field(&name, "未知字段 / unknown form field"));
        }
        if file.is_some() {
            return Err(AppError::field(
                "file",
                "一次只能上传一个文件 / one file per upload",
            ));
        }
        file = Some(documents::spool(&ctx, field.map_err(|e| e.to_string())).await?);
    }
    let file = file.ok_or_else(|| {
        AppError::field(
            "file",
            "缺少文件字段file / multipart field `file` is missing",
        )
    })?;
    let (created, v) = documents::upload(&ctx, &who, file).await?;
    Ok(super::created_or_ok(created, v))
}

/// Document metadata.
#[utoipa::path(get, path = "/api/v1/documents/{id}", operation_id = "get_document", tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = DocumentView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<DocumentView>> {
    Ok(web::Json(
        documents::get(&ctx, &who, id.into_inner()).await?,
    ))
}

/// The document's bytes as uploaded, always as an attachment (never shown
/// inline by the browser) and with `nosniff`.
#[utoipa::path(get, path = "/api/v1/documents/{id}/content", operation_id = "get_document_content", tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, description = "the document, with the type of its kind",
        content(
            (super::openapi::Binary = "application/pdf"),
            (super::openapi::Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (super::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (super::openapi::Binary = "application/ofd"),
        ),
        headers(("Content-Disposition" = String, description = "attachment; filename=\"<id>.<kind>\""))),
    (status = 304, description = "not modified"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn content(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let c = documents::content(&ctx, &who, id.into_inner()).await?;
    content_response(&req, c)
}

/// The stored bytes as an attachment (304 to a matching `If-None-Match`);
/// the console's document links answer the same way.
pub(crate) fn content_response(
    req: &HttpRequest,
    c: documents::Content,
) -> AppResult<HttpResponse> {
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == c.etag || t.trim() == "*"));
    let mut resp = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((
        header::ETAG,
        HeaderValue::from_str(&c.etag).map_err(AppError::internal)?,
    ))
    .insert_header((
        header::CACHE_CONTROL,
        "private, max-age=31536000, immutable",
    ))
    .insert_header((header::CONTENT_TYPE, c.content_type))
    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
    .insert_header((
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{}\"", c.file_name),
    ));
    if fresh {
        return Ok(resp.finish());
    }
    Ok(resp.body(c.bytes))
}
