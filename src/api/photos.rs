use super::extract::Auth;
use crate::error::{codes, AppError, AppResult, Problem};
use crate::service::photos::{self, ByteRange, ClientMeta, PhotoView, Variant};
use crate::service::Ctx;
use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::{StreamExt, TryStreamExt};
use uuid::Uuid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/photos").route(web::post().to(upload)))
        .service(web::resource("/photos/{id}").route(web::get().to(get)))
        .service(web::resource("/photos/{id}/original").route(web::get().to(original)))
        .service(web::resource("/photos/{id}/display").route(web::get().to(display)))
        .service(web::resource("/photos/{id}/thumbnail").route(web::get().to(thumbnail)));
}

const META_FIELD_MAX: usize = 256;

/// Sets `slot` from a form field; a value the query already gave must agree.
fn merge<T: PartialEq>(slot: &mut Option<T>, v: T, name: &str) -> AppResult<()> {
    match slot {
        Some(q) if *q != v => Err(AppError::field(
            name,
            "表单字段与同名查询参数不一致 / the form field and the query parameter of that name differ",
        )),
        _ => {
            *slot = Some(v);
            Ok(())
        }
    }
}

pub(crate) fn meta_field(meta: &mut ClientMeta, name: &str, value: &str) -> AppResult<()> {
    let bad = |m: &str| AppError::field(name, format!("{m} / invalid {name}: {value:?}"));
    let value = value.trim();
    match name {
        "taken_at" => merge(
            &mut meta.taken_at,
            value.parse().map_err(|_| bad("时间格式应为RFC 3339"))?,
            name,
        ),
        "lat" => merge(
            &mut meta.lat,
            value.parse().map_err(|_| bad("应为数字"))?,
            name,
        ),
        "lon" => merge(
            &mut meta.lon,
            value.parse().map_err(|_| bad("应为数字"))?,
            name,
        ),
        "accuracy_m" => merge(
            &mut meta.accuracy_m,
            value.parse().map_err(|_| bad("应为数字"))?,
            name,
        ),
        "enterprise_id" => merge(
            &mut meta.enterprise_id,
            value.parse().map_err(|_| bad("应为UUID"))?,
            name,
        ),
        other => Err(AppError::field(other, "未知字段 / unknown form field")),
    }
}

fn query_meta(req: &HttpRequest) -> AppResult<ClientMeta> {
    Ok(web::Query::<ClientMeta>::from_query(req.query_string())
        .map_err(|e| {
            AppError::bad_request(
                codes::INVALID_QUERY,
                format!("查询参数无效 / invalid query parameters: {e}"),
            )
        })?
        .into_inner())
}

/// Upload a photo: multipart (`file`, optional `taken_at`, `lat`, `lon`,
/// `accuracy_m`, `enterprise_id`) or the raw image as the body. The same
/// fields are read as query parameters either way; with multipart a field
/// may be given in both places only with the same value (else 422 naming
/// it). 201 when new; the same bytes from the same user answer 200 with
/// the earlier record.
#[utoipa::path(post, path = "/api/v1/photos", operation_id = "upload_photo", tag = "photos", security(("bearer" = [])), params(ClientMeta),
    request_body(description = "multipart/form-data with the field `file` and the metadata fields, or the image itself as the body (the metadata then as query parameters)",
        content(
            (super::openapi::PhotoForm = "multipart/form-data"),
            (super::openapi::Binary = "image/*"),
        )),
    responses(
        super::openapi::Authenticated, super::openapi::Malformed,
        (status = 201, body = PhotoView),
        (status = 200, body = PhotoView, description = "the same bytes were uploaded before by this user"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "photo_too_large, image_too_many_pixels, image_dimensions_too_large"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "unsupported_image_type, heic_not_supported"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "image_corrupt or field errors"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "image workers busy, or the database unavailable; retry after Retry-After",
            headers(("Retry-After" = Option<u32>, description = "seconds to wait"))),
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
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut meta = query_meta(&req)?;
    let spooled = if ct.starts_with("multipart/form-data") {
        let raw_ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let payload = part_names::sanitised(raw_ct.unwrap_or(""), payload);
        let mut form = Multipart::new(req.headers(), payload);
        let mut file = None;
        while let Some(field) = form.next().await {
            let mut field = field.map_err(|e| {
                AppError::bad_request(
                    codes::MALFORMED_MULTIPART,
                    format!("表单格式错误 / malformed multipart body: {e}"),
                )
            })?;
            let name = field
                .content_disposition()
                .and_then(|d| d.get_name())
                .unwrap_or("")
                .to_string();
            if name == "file" {
                if let Some(f) = field.content_disposition().and_then(|d| d.get_filename()) {
                    tracing::debug!(filename = %part_names::clean(f), "photo upload");
                }
                if file.is_some() {
                    return Err(AppError::field(
                        "file",
                        "一次只能上传一张照片 / one file per upload",
                    ));
                }
                file = Some(photos::spool(&ctx, field.map_err(|e| e.to_string())).await?);
            } else {
                let mut text = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|e| {
                        AppError::bad_request(
                            codes::MALFORMED_MULTIPART,
                            format!("表单格式错误 / malformed multipart body: {e}"),
                        )
                    })?;
                    text.extend_from_slice(&chunk);
                    if text.len() > META_FIELD_MAX {
                        return Err(AppError::field(&name, "字段过长 / field too long"));
                    }
                }
                let text = String::from_utf8(text)
                    .map_err(|_| AppError::field(&name, "不是UTF-8文本 / not UTF-8 text"))?;
                meta_field(&mut meta, &name, &text)?;
            }
        }
        file.ok_or_else(|| {
            AppError::field(
                "file",
                "缺少照片文件字段file / multipart field `file` is missing",
            )
        })?
    } else {
        photos::spool(&ctx, payload.map_err(|e| e.to_string())).await?
    };
    let (created, v) = photos::ingest(&ctx, &who, spooled, meta).await?;
    Ok(super::created_or_ok(created, v))
}

/// Photo metadata.
#[utoipa::path(get, path = "/api/v1/photos/{id}", operation_id = "get_photo", tag = "photos", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = PhotoView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<PhotoView>> {
    Ok(web::Json(photos::get(&ctx, &who, id.into_inner()).await?))
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` (`-0` answers 416); anything else (or several ranges) is ignored.
pub fn parse_range(v: &str) -> Option<ByteRange> {
    let spec = v.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    match (a.trim(), b.trim()) {
        ("", n) => n.parse().ok().map(ByteRange::Suffix), // `-0` is unsatisfiable (416)
        (a, "") => a.parse().ok().map(|a| ByteRange::From(a, None)),
        (a, b) => Some(ByteRange::From(a.parse().ok()?, Some(b.parse().ok()?))),
    }
}

async fn serve(
    ctx: web::Data<Ctx>,
    who: crate::service::Principal,
    req: HttpRequest,
    id: Uuid,
    variant: Variant,
) -> AppResult<HttpResponse> {
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range);
    let blob = photos::blob(&ctx, &who, id, variant, range).await?;
    let etag = HeaderValue::from_str(&blob.etag).map_err(AppError::internal)?;
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == blob.etag || t.trim() == "*")
        });
    let mut resp = if fresh {
        HttpResponse::NotModified()
    } else if blob.range.is_some() {
        HttpResponse::PartialContent()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((header::ETAG, etag))
        .insert_header((
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable",
        ))
        .insert_header((header::CONTENT_TYPE, blob.content_type))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if variant == Variant::Original {
        resp.insert_header((header::ACCEPT_RANGES, "bytes"));
    }
    if fresh {
        return Ok(resp.finish());
    }
    if let Some((a, b)) = blob.range {
        resp.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {a}-{b}/{}", blob.total),
        ));
    }
    Ok(resp.body(blob.bytes))
}

/// The original bytes, unchanged (Range supported). Not for enterprise users.
#[utoipa::path(get, path = "/api/v1/photos/{id}/original", operation_id = "get_photo_original", tag = "photos", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, description = "the original image", body = super::openapi::Binary, content_type = "image/*"),
    (status = 206, description = "part of it", body = super::openapi::Binary, content_type = "image/*"),
    (status = 304, description = "not modified"),
    (status = 416, body = Problem, content_type = "application/problem+json", description = "the Range lies outside the original"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn original(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    serve(ctx, who, req, id.into_inner(), Variant::Original).await
}

/// Display copy: JPEG, long edge ≤ 2048 px, upright, no metadata.
#[utoipa::path(get, path = "/api/v1/photos/{id}/display", operation_id = "get_photo_display", tag = "photos", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, description = "JPEG", body = super::openapi::Binary, content_type = "image/jpeg"),
    (status = 304, description = "not modified"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn display(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    serve(ctx, who, req, id.into_inner(), Variant::Display).await
}

/// Thumbnail: JPEG, long edge ≤ 320 px, upright, no metadata.
#[utoipa::path(get, path = "/api/v1/photos/{id}/thumbnail", operation_id = "get_photo_thumbnail", tag = "photos", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, description = "JPEG", body = super::openapi::Binary, content_type = "image/jpeg"),
    (status = 304, description = "not modified"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn thumbnail(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    serve(ctx, who, req, id.into_inner(), Variant::Thumbnail).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(
            parse_range("bytes=0-99"),
            Some(ByteRange::From(0, Some(99)))
        );
        assert_eq!(parse_range("bytes=100-"), Some(ByteRange::From(100, None)));
        assert_eq!(parse_range("bytes=-500"), Some(ByteRange::Suffix(500)));
        assert_eq!(parse_range("bytes=-0"), Some(ByteRange::Suffix(0)));
        assert_eq!(parse_range("bytes=0-1,5-6"), None);
        assert_eq!(parse_range("items=0-1"), None);
        assert_eq!(parse_range("bytes=x-1"), None);
    }
}

/// Multipart file names as phones and browsers really send them: control
/// characters, CR/LF (reqwest writes them backslash-escaped, raw), bidi
/// overrides. The part-header parser refuses control bytes in a header,
/// which would refuse a valid photo over its name; so inside quoted
/// strings of part headers they become `_` before parsing, and the name
/// is only ever used (logged) after [`clean`].
pub(super) mod part_names {
    use bytes::{Bytes, BytesMut};
    use futures_util::{Stream, StreamExt};

    /// The file name without control or bidi-formatting characters.
    pub fn clean(name: &str) -> String {
        name.chars()
            .map(|c| {
                let bidi = matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
                if c.is_control() || bidi {
                    '_'
                } else {
                    c
                }
            })
            .take(255)
            .collect()
    }

    /// `payload` with control bytes inside quoted part-header values
    /// replaced; the bodies of the parts are passed through unchanged.
    pub fn sanitised<S, E>(content_type: &str, payload: S) -> impl Stream<Item = Result<Bytes, E>>
    where
        S: Stream<Item = Result<Bytes, E>>,
    {
        let mut state = content_type
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
            .map(|(_, v)| v.trim())
            .map(|b| Sanitiser::new(b.trim_matches('"')));
        payload.map(move |chunk| {
            chunk.map(|bytes| match state.as_mut() {
                Some(s) => s.apply(bytes),
                None => bytes,
            })
        })
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Body,
        BoundaryLine,
        Headers,
    }

    struct Sanitiser {
        /// "\r\n--boundary", with its KMP failure table.
        delim: Vec<u8>,
        fail: Vec<usize>,
        matched: usize,
        mode: Mode,
        quoted: bool,
        escaped: bool,
        /// Bytes of the current header line so far, and the last byte.
        line_len: usize,
        last: u8,
    }

    impl Sanitiser {
        fn new(boundary: &str) -> Self {
            let delim = [b"\r\n--".as_slice(), boundary.as_bytes()].concat();
            let mut fail = vec![0; delim.len()];
            let mut k = 0;
            for i in 1..delim.len() {
                while k > 0 && delim[i] != delim[k] {
                    k = fail[k - 1];
                }
                if delim[i] == delim[k] {
                    k += 1;
                }
                fail[i] = k;
            }
            // The body starts with the first boundary, without CR LF.
            Sanitiser {
                delim,
                fail,
                matched: 2,
                mode: Mode::Body,
                quoted: false,
                escaped: false,
                line_len: 0,
                last: 0,
            }
        }

        fn apply(&mut self, bytes: Bytes) -> Bytes {
            let mut out: Option<BytesMut> = None;
            for (i, &b) in bytes.iter().enumerate() {
                if let Some(r) = self.step(b) {
                    out.get_or_insert_with(|| BytesMut::from(&bytes[..]))[i] = r;
                }
            }
            out.map_or(bytes, BytesMut::freeze)
        }

        /// Advances over one byte; answers its replacement, if any.
        fn step(&mut self, b: u8) -> Option<u8> {
            match self.mode {
                Mode::Body => {
                    while self.matched > 0 && b != self.delim[self.matched] {
                        self.matched = self.fail[self.matched - 1];
                    }
                    if b == self.delim[self.matched] {
                        self.matched += 1;
                    }
                    if self.matched == self.delim.len() {
                        self.matched = 0;
                        self.mode = Mode::BoundaryLine;
                    }
                    None
                }
                Mode::BoundaryLine => {
                    if b == b'\n' {
                        self.mode = Mode::Headers;
                        self.quoted = false;
                        self.escaped = false;
                        self.line_len = 0;
                    }
                    None
                }
                Mode::Headers => {
                    let control = (b < 0x20 && b != b'\t') || b == 0x7F;
                    if self.quoted {
                        if self.escaped {
                            self.escaped = false;
                        } else if b == b'\\' {
                            self.escaped = true;
                        } else if b == b'"' {
                            self.quoted = false;
                        }
                        self.line_len += 1;
                        return control.then_some(b'_');
                    }
                    if b == b'"' {
                        self.quoted = true;
                    }
                    let end_of_headers = b == b'\n' && self.last == b'\r' && self.line_len == 1;
                    self.last = b;
                    if b == b'\n' {
                        self.line_len = 0;
                    } else {
                        self.line_len += 1;
                    }
                    if end_of_headers {
                        self.mode = Mode::Body;
                    }
                    None
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn run(boundary: &str, body: &[u8], split: usize) -> Vec<u8> {
            let mut s = Sanitiser::new(boundary);
            let mut out = Vec::new();
            for chunk in body.chunks(split) {
                out.extend_from_slice(&s.apply(Bytes::copy_from_slice(chunk)));
            }
            out
        }

        #[test]
        fn only_quoted_header_bytes_change() {
            let body: &[u8] = b"--xb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\x07\\\r\\\nb\x1b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\x00\x07\r\n\"\x1b\r\n--xb\r\nContent-Disposition: form-data; name=\"lat\"\r\n\r\n\x01\r\n--xb--\r\n";
            let want: &[u8] = b"--xb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a_\\_\\_b_.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\x00\x07\r\n\"\x1b\r\n--xb\r\nContent-Disposition: form-data; name=\"lat\"\r\n\r\n\x01\r\n--xb--\r\n";
            for split in [1, 2, 3, 7, body.len()] {
                assert_eq!(run("xb", body, split), want, "split {split}");
            }
        }

        #[test]
        fn names_are_cleaned() {
            assert_eq!(clean("invoice\u{202E}gpj.exe"), "invoice_gpj.exe");
            assert_eq!(clean("a\u{7}\r\nb.jpg"), "a___b.jpg");
            assert_eq!(clean("照片.jpg"), "照片.jpg");
        }
    }
}
