//! tus 1.0 resumable uploads at `/api/v1/uploads`: the core protocol with
//! the creation, expiration, termination and checksum (sha256) extensions.
//! Headers are read and written here; what an upload is and becomes is
//! `service::uploads`.

use super::extract::Auth;
use super::photos::meta_field;
use crate::error::{codes, AppError, AppResult, Problem};
use crate::service::uploads::{self, Patch, UploadKind, UploadMeta, UploadState, UploadView};
use crate::service::Ctx;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub const TUS_VERSION: &str = "1.0.0";
pub const TUS_EXTENSIONS: &str = "creation,expiration,termination,checksum";
/// Where a finished upload points: the photo or document it became.
pub const RESULT_HEADER: &str = "upload-result";
/// `receiving`, `done` or `failed` (a refused content: `GET` tells why).
pub const STATE_HEADER: &str = "upload-state";
const METADATA_MAX: usize = 4096;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/uploads")
            .service(
                web::resource("")
                    .route(web::method(Method::OPTIONS).to(options))
                    .route(web::post().to(create)),
            )
            .service(
                web::resource("/{id}")
                    .route(web::head().to(head))
                    .route(web::get().to(get))
                    .route(web::patch().to(patch))
                    .route(web::delete().to(terminate)),
            ),
    );
}

fn tus_header(name: &'static str, value: impl ToString) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static(name),
        HeaderValue::from_str(&value.to_string()).unwrap_or(HeaderValue::from_static("")),
    )
}

/// The protocol version of a tus request (`Tus-Resumable`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub enum TusResumable {
    #[serde(rename = "1.0.0")]
    V1_0_0,
}

/// The headers a creation reads (declared for the spec; read by hand).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct CreationHeaders {
    #[param(rename = "Tus-Resumable")]
    tus_resumable: TusResumable,
    /// The whole upload's size in bytes (over the kind's limit: 413).
    #[param(
        rename = "Upload-Length",
        minimum = 1,
        maximum = 9223372036854775807_i64
    )]
    upload_length: u64,
    /// Comma-separated `key base64value`: kind (photo|document), filename,
    /// filetype, enterprise_id, lat, lon, accuracy_m, taken_at.
    #[param(rename = "Upload-Metadata", required = false)]
    upload_metadata: String,
}

/// The headers a `PATCH` reads (declared for the spec; read by hand).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct PatchHeaders {
    #[param(rename = "Tus-Resumable")]
    tus_resumable: TusResumable,
    /// Where these bytes start: the offset stored.
    #[param(rename = "Upload-Offset", maximum = 9223372036854775807_i64)]
    upload_offset: u64,
    /// `sha256 <base64>` of this part's bytes.
    #[param(
        rename = "Upload-Checksum",
        required = false,
        pattern = r"^sha256 [A-Za-z0-9+/]{43}=$"
    )]
    upload_checksum: String,
}

/// A tus request (creation, `HEAD`, `PATCH`, termination) states
/// `Tus-Resumable`: without it 400, with another version 412 (the answer
/// names the version served in `Tus-Version`).
fn require_tus(req: &HttpRequest) -> AppResult<()> {
    let stated = req
        .headers()
        .get("tus-resumable")
        .map(|v| v.to_str().unwrap_or("?").trim())
        .filter(|v| !v.is_empty());
    match stated {
        Some(TUS_VERSION) => Ok(()),
        None => Err(AppError::bad_request(
            codes::TUS_VERSION_UNSUPPORTED,
            format!("缺少Tus-Resumable请求头，应为{TUS_VERSION} / send Tus-Resumable: {TUS_VERSION}"),
        )),
        Some(_) => Err(AppError::Protocol {
            status: 412,
            code: codes::TUS_VERSION_UNSUPPORTED,
            detail: format!("本服务只支持tus {TUS_VERSION} / this server speaks tus {TUS_VERSION} only: send Tus-Resumable: {TUS_VERSION}"),
        }),
    }
}

/// Every answer under `/api/v1/uploads` carries `Tus-Resumable`, those of
/// authentication and `Idempotency-Key` too (so this wraps the whole app);
/// a 412 also `Tus-Version`.
pub async fn tus_protocol(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let tus = req.path().starts_with("/api/v1/uploads");
    let mut res = next.call(req).await?;
    if !tus {
        return Ok(res);
    }
    if res.status().as_u16() == 412 {
        let (n, v) = tus_header("tus-version", TUS_VERSION);
        res.headers_mut().insert(n, v);
    }
    let (n, v) = tus_header("tus-resumable", TUS_VERSION);
    res.headers_mut().insert(n, v);
    Ok(res)
}

/// RFC 9110 date, as `Upload-Expires` wants.
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn location(v: &UploadView) -> String {
    format!("/api/v1/uploads/{}", v.id)
}

/// The headers that describe an upload's progress (HEAD, PATCH, POST).
fn progress_headers(res: &mut actix_web::HttpResponseBuilder, v: &UploadView) {
    res.insert_header(tus_header("upload-offset", v.upload_offset))
        .insert_header(tus_header("upload-length", v.upload_length))
        .insert_header(tus_header("upload-expires", http_date(v.expires_at)));
    let state = match v.state {
        UploadState::Receiving => "receiving",
        UploadState::Done => "done",
        UploadState::Failed => "failed",
    };
    res.insert_header(tus_header(STATE_HEADER, state));
    let result = v
        .photo_id
        .map(|id| format!("/api/v1/photos/{id}"))
        .or_else(|| v.document_id.map(|id| format!("/api/v1/documents/{id}")));
    if let Some(r) = result {
        res.insert_header(tus_header(RESULT_HEADER, r));
    }
}

/// What the server supports (tus discovery). Answers without a token.
#[utoipa::path(options, path = "/api/v1/uploads", operation_id = "upload_options", tag = "uploads", responses(
    (status = 204, description = "the tus version, extensions, maximum size and checksum algorithm",
        headers(("Tus-Version" = String), ("Tus-Extension" = String), ("Tus-Max-Size" = u64), ("Tus-Checksum-Algorithm" = String))),
))]
pub async fn options(ctx: web::Data<Ctx>) -> HttpResponse {
    let max = UploadKind::Photo
        .max_bytes(&ctx)
        .max(UploadKind::Document.max_bytes(&ctx));
    HttpResponse::NoContent()
        .insert_header(tus_header("tus-version", TUS_VERSION))
        .insert_header(tus_header("tus-extension", TUS_EXTENSIONS))
        .insert_header(tus_header("tus-max-size", max))
        .insert_header(tus_header("tus-checksum-algorithm", "sha256"))
        .finish()
}

fn metadata_error(detail: impl Into<String>) -> AppError {
    AppError::bad_request(codes::UPLOAD_METADATA_INVALID, detail)
}

/// `Upload-Metadata`: comma-separated `key base64(value)` pairs. `kind`
/// (`photo`, the default, or `document`), `filename`, `filetype` (or
/// `content_type`), and for photos the plain upload's fields
/// (`enterprise_id`, `lat`, `lon`, `accuracy_m`, `taken_at`). Other keys
/// that clients add on their own are ignored.
pub fn parse_metadata(raw: &str) -> AppResult<(UploadKind, UploadMeta)> {
    if raw.len() > METADATA_MAX {
        return Err(metadata_error(format!(
            "Upload-Metadata超过{METADATA_MAX}字节 / Upload-Metadata is longer than {METADATA_MAX} bytes"
        )));
    }
    let mut kind = UploadKind::Photo;
    let mut meta = UploadMeta::default();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| {
                metadata_error(format!(
                    "{key}的值不是base64 / the value of {key} is not base64"
                ))
            })?;
        let value = String::from_utf8(bytes).map_err(|_| {
            metadata_error(format!(
                "{key}的值不是UTF-8 / the value of {key} is not UTF-8"
            ))
        })?;
        match key {
            "kind" => {
                kind = UploadKind::parse(&value).ok_or_else(|| {
                    metadata_error("kind应为photo或document / kind must be photo or document")
                })?
            }
            "filename" => meta.filename = Some(super::photos::part_names::clean(&value)),
            "filetype" | "content_type" => meta.filetype = Some(value),
            "taken_at" | "lat" | "lon" | "accuracy_m" | "enterprise_id" => {
                meta_field(&mut meta.client, key, &value)?
            }
            _ => {}
        }
    }
    Ok((kind, meta))
}

/// A length or offset header: a non-negative integer that fits the
/// database's 64-bit signed columns.
fn header_u64(req: &HttpRequest, name: &str) -> Option<u64> {
    let v: u64 = req
        .headers()
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (v <= i64::MAX as u64).then_some(v)
}

/// 412: a tus request of another protocol version.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // a description for the spec, never built
enum TusVersion {
    /// `tus_version_unsupported`: a `Tus-Resumable` other than 1.0.0 (without one: 400).
    #[response(status = 412, content_type = "application/problem+json")]
    Unsupported(Problem),
}

/// 410: the upload expired and its bytes are gone.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum TusExpired {
    /// `upload_expired`: create a new upload.
    #[response(status = 410, content_type = "application/problem+json")]
    Expired(Problem),
}

/// Create an upload (tus creation): `Upload-Length` and `Upload-Metadata`;
/// the new upload's address is in `Location`. Refused at once when the
/// plain upload would refuse its size or metadata.
#[utoipa::path(post, path = "/api/v1/uploads", operation_id = "create_upload", tag = "uploads", security(("bearer" = [])),
    params(CreationHeaders),
    responses(
        super::openapi::Authenticated,
        (status = 201, body = UploadView, headers(("Location" = String), ("Upload-Expires" = String), ("Upload-Offset" = u64))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "upload_length_invalid, upload_metadata_invalid, tus_version_unsupported (no Tus-Resumable)"),
        TusVersion,
        (status = 413, body = Problem, content_type = "application/problem+json", description = "upload_too_large"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "a photo field is invalid, or the enterprise is not one the caller sees"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "upload_limit_reached"),
))]
pub async fn create(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    if req.headers().contains_key("upload-defer-length") {
        return Err(AppError::bad_request(
            codes::UPLOAD_LENGTH_INVALID,
            "不支持延后声明长度 / Upload-Defer-Length is not supported: send Upload-Length",
        ));
    }
    let length = header_u64(&req, "upload-length").filter(|l| *l > 0).ok_or_else(|| {
        AppError::bad_request(
            codes::UPLOAD_LENGTH_INVALID,
            "须以Upload-Length给出上传的字节数（正整数）/ Upload-Length must give the upload's size as a positive integer",
        )
    })?;
    let raw = req
        .headers()
        .get("upload-metadata")
        .map(|v| {
            v.to_str().map_err(|_| {
                metadata_error("Upload-Metadata不是ASCII / Upload-Metadata is not ASCII")
            })
        })
        .transpose()?
        .unwrap_or("");
    let (kind, meta) = parse_metadata(raw)?;
    let v = uploads::create(&ctx, &who, kind, length, meta).await?;
    let mut res = HttpResponse::Created();
    res.insert_header((LOCATION, location(&v)));
    progress_headers(&mut res, &v);
    Ok(res.json(v))
}

/// The stored offset (tus `HEAD`), never cached; a finished upload also
/// names what it became in `Upload-Result`.
#[utoipa::path(head, path = "/api/v1/uploads/{id}", operation_id = "upload_offset", tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Tus-Resumable" = TusResumable, Header, description = "the tus version: 1.0.0")),
    responses(
        super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
        (status = 200, description = "the offset durably stored",
            headers(("Upload-Offset" = u64), ("Upload-Length" = u64), ("Upload-Expires" = String), ("Upload-State" = String), ("Upload-Result" = Option<String>))),
        TusExpired, TusVersion,
))]
pub async fn head(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    let v = uploads::get(&ctx, &who, id.into_inner()).await?;
    let mut res = HttpResponse::Ok();
    res.insert_header((CACHE_CONTROL, "no-store"));
    progress_headers(&mut res, &v);
    Ok(res.finish())
}

/// The upload as JSON: its offset, state, and the photo or document it
/// became (or the problem that refused it).
#[utoipa::path(get, path = "/api/v1/uploads/{id}", operation_id = "get_upload", tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
        (status = 200, body = UploadView),
        TusExpired,
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let v = uploads::get(&ctx, &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(v))
}

/// `Upload-Checksum: sha256 <base64>`.
fn checksum(req: &HttpRequest) -> AppResult<Option<[u8; 32]>> {
    let Some(v) = req.headers().get("upload-checksum") else {
        return Ok(None);
    };
    let bad = || {
        AppError::bad_request(
            codes::CHECKSUM_ALGORITHM_UNSUPPORTED,
            "Upload-Checksum应为“sha256 <base64>” / Upload-Checksum must be `sha256 <base64 of 32 bytes>`",
        )
    };
    let v = v.to_str().map_err(|_| bad())?;
    let (algo, digest) = v.trim().split_once(' ').ok_or_else(bad)?;
    if !algo.eq_ignore_ascii_case("sha256") {
        return Err(bad());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(digest.trim())
        .map_err(|_| bad())?;
    Ok(Some(bytes.try_into().map_err(|_| bad())?))
}

/// Append bytes at `Upload-Offset` (tus `PATCH`, body
/// `application/offset+octet-stream`). Bytes of a part cut off midway are
/// kept unless `Upload-Checksum` was sent; `HEAD` tells where to resume.
/// The last part ingests the upload: `Upload-Result` names the photo or
/// document, or the answer is the ingest's refusal (413/415/422).
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", operation_id = "append_upload", tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path), PatchHeaders),
    request_body(content = super::openapi::Binary, content_type = "application/offset+octet-stream"),
    responses(
        super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
        (status = 204, description = "stored; the new offset, and on the last part what the upload became",
            headers(("Upload-Offset" = u64), ("Upload-Expires" = String), ("Upload-State" = String), ("Upload-Result" = Option<String>))),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "upload_offset_mismatch"),
        TusExpired, TusVersion,
        (status = 413, body = Problem, content_type = "application/problem+json", description = "upload_too_large, or the content's own limits (photo_too_large, image_too_many_pixels …)"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "upload_content_type, or the content is no supported photo or document"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "the complete content was refused (image_corrupt, document_malformed …)"),
        (status = 460, body = Problem, content_type = "application/problem+json", description = "upload_checksum_mismatch"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "image workers busy: retry the last PATCH (empty, at the final offset) after Retry-After"),
))]
pub async fn patch(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if ct.map(|c| c.trim().to_ascii_lowercase()).as_deref()
        != Some("application/offset+octet-stream")
    {
        return Err(AppError::UnsupportedMediaType {
            code: codes::UPLOAD_CONTENT_TYPE,
            detail: "PATCH的内容类型应为application/offset+octet-stream / a PATCH body must be application/offset+octet-stream".into(),
        });
    }
    let offset = header_u64(&req, "upload-offset").ok_or_else(|| {
        AppError::bad_request(
            codes::UPLOAD_OFFSET_MISMATCH,
            "须以Upload-Offset给出本次内容的起点 / Upload-Offset must say where these bytes start",
        )
    })?;
    let patch = Patch {
        offset,
        sha256: checksum(&req)?,
    };
    let (ctx, id) = (ctx.into_inner(), id.into_inner());
    // Its own task: if the phone's connection drops, the bytes that did
    // arrive are still stored, though no one is left to hear the answer.
    let task =
        actix_web::rt::spawn(async move { uploads::append(&ctx, &who, id, patch, payload).await });
    let v = task
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("upload task: {e}")))??;
    let mut res = HttpResponse::NoContent();
    progress_headers(&mut res, &v);
    Ok(res.finish())
}

/// Stop and delete an upload with its bytes (tus termination).
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", operation_id = "terminate_upload", tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Tus-Resumable" = TusResumable, Header, description = "the tus version: 1.0.0")),
    responses(
        super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
        (status = 204, description = "deleted"),
        TusExpired, TusVersion,
))]
pub async fn terminate(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    uploads::terminate(&ctx, &who, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
