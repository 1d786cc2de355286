use super::extract::Auth;
use crate::error::{codes, AppError, AppResult, Problem};
use crate::service::env_audits::{self, AuditView, ImportReport, NewAudit};
use crate::service::Ctx;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Feedback lists are small spreadsheets; anything bigger is a mistake.
const MAX_LIST_BYTES: usize = 10 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/env-audits")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(web::resource("/env-audits/{id}").route(web::get().to(get)))
    .service(web::resource("/env-audits/{id}/import").route(web::post().to(import)))
    .service(web::resource("/env-audits/{id}/ledger").route(web::get().to(ledger)));
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditView>,
}

/// Register a feedback batch (safety_officer).
#[utoipa::path(post, path = "/api/v1/env-audits", operation_id = "create_env_audit", tag = "env-audits", security(("bearer" = [])), request_body = NewAudit, responses(
    (status = 201, body = AuditView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::JsonBody,
))]
pub async fn create(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    body: web::Json<NewAudit>,
) -> AppResult<HttpResponse> {
    let v = env_audits::create(&ctx, &who, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/env-audits/{}", v.id)))
        .json(v))
}

/// Batches with their progress figures (park staff).
#[utoipa::path(get, path = "/api/v1/env-audits", operation_id = "list_env_audits", tag = "env-audits", security(("bearer" = [])), responses(
    (status = 200, body = AuditList),
    super::openapi::Authenticated,
))]
pub async fn list(ctx: web::Data<Ctx>, Auth(who): Auth) -> AppResult<web::Json<AuditList>> {
    Ok(web::Json(AuditList {
        items: env_audits::list(&ctx, &who).await?,
    }))
}

/// One batch: totals, closed, on schedule, overdue, completion rate, by responsible unit.
#[utoipa::path(get, path = "/api/v1/env-audits/{id}", operation_id = "get_env_audit", tag = "env-audits", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = AuditView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<AuditView>> {
    Ok(web::Json(
        env_audits::get(&ctx, &who, id.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `update` allows changes to items already imported (open items only).
    pub mode: Option<String>,
}

async fn read_body(req: &HttpRequest, payload: web::Payload) -> AppResult<Vec<u8>> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_big = || AppError::PayloadTooLarge {
        code: codes::BODY_TOO_LARGE,
        detail: format!(
            "文件超过{}MiB / file larger than {MAX_LIST_BYTES} bytes",
            MAX_LIST_BYTES >> 20
        ),
    };
    let mut out = Vec::new();
    if ct.starts_with("multipart/form-data") {
        let mut form = Multipart::new(req.headers(), payload);
        let mut found = false;
        while let Some(field) = form.next().await {
            let mut field = field.map_err(|e| {
                AppError::bad_request(
                    codes::MALFORMED_MULTIPART,
                    format!("表单格式错误 / malformed multipart body: {e}"),
                )
            })?;
            let is_file = field.content_disposition().and_then(|d| d.get_name()) == Some("file");
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| {
                    AppError::bad_request(
                        codes::MALFORMED_MULTIPART,
                        format!("表单格式错误 / malformed multipart body: {e}"),
                    )
                })?;
                if is_file {
                    if out.len() + chunk.len() > MAX_LIST_BYTES {
                        return Err(too_big());
                    }
                    out.extend_from_slice(&chunk);
                }
            }
            found |= is_file;
        }
        if !found {
            return Err(AppError::field(
                "file",
                "缺少文件字段file / multipart field `file` is missing",
            ));
        }
    } else {
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                AppError::bad_request(
                    codes::UPLOAD_INTERRUPTED,
                    format!("上传中断 / upload interrupted: {e}"),
                )
            })?;
            if out.len() + chunk.len() > MAX_LIST_BYTES {
                return Err(too_big());
            }
            out.extend_from_slice(&chunk);
        }
    }
    if out.is_empty() {
        return Err(AppError::field("file", "文件为空 / the file is empty"));
    }
    Ok(out)
}

/// Import the feedback list (XLSX, or CSV in UTF-8/GB18030) as the raw body or multipart `file`. All or nothing.
#[utoipa::path(post, path = "/api/v1/env-audits/{id}/import", operation_id = "import_env_audit", tag = "env-audits", security(("bearer" = [])), params(("id" = Uuid, Path), ImportQuery),
    request_body(description = "the feedback list (XLSX, or CSV in UTF-8/GB18030; told apart by its bytes): multipart/form-data with the field `file`, or the file itself as the body",
        content(
            (super::openapi::FileForm = "multipart/form-data"),
            (super::openapi::Binary = "application/octet-stream"),
        )),
    responses(
        (status = 200, body = ImportReport),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "the file changes imported items (use mode=update)"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "the file is larger than 10 MiB, or inflates beyond the import bounds"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "every bad row and column in errors; nothing written"),
        super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn import(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    q: web::Query<ImportQuery>,
    payload: web::Payload,
) -> AppResult<web::Json<ImportReport>> {
    let update = match q.mode.as_deref() {
        None | Some("") => false,
        Some("update") => true,
        Some(other) => {
            return Err(AppError::field(
                "mode",
                format!("mode 只能是 update / unknown mode {other:?}"),
            ))
        }
    };
    let bytes = read_body(&req, payload).await?;
    Ok(web::Json(
        env_audits::import(&ctx, &who, id.into_inner(), bytes, update).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// xlsx (default), csv or json
    pub format: Option<String>,
}

/// The rectification ledger (整改台账) of a batch.
#[utoipa::path(get, path = "/api/v1/env-audits/{id}/ledger", operation_id = "get_env_audit_ledger", tag = "env-audits", security(("bearer" = [])), params(("id" = Uuid, Path), LedgerQuery), responses(
    (status = 200, description = "XLSX, CSV (UTF-8 with BOM) or JSON"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "unknown format"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn ledger(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
    q: web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let format = q.format.clone().unwrap_or_else(|| "xlsx".into());
    if !["xlsx", "csv", "json"].contains(&format.as_str()) {
        return Err(AppError::field(
            "format",
            "format 应为 xlsx、csv 或 json / format must be xlsx, csv or json",
        ));
    }
    let (audit, rows) = env_audits::ledger(&ctx, &who, id).await?;
    let disposition = |ext: &str| {
        format!(
            "attachment; filename=\"ledger-{id}.{ext}\"; filename*=UTF-8''{}",
            urlencode(&format!("{}整改台账.{ext}", audit.name))
        )
    };
    Ok(match format.as_str() {
        "json" => HttpResponse::Ok().json(serde_json::json!({"audit": audit, "rows": rows})),
        "csv" => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, disposition("csv")))
            .body(env_audits::ledger_csv(&rows)?),
        _ => HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((header::CONTENT_DISPOSITION, disposition("xlsx")))
            .body(env_audits::ledger_xlsx(&audit, &rows)?),
    })
}

/// Percent-encoding for RFC 5987 `filename*`.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
