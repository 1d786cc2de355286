//! 督察反馈 for the park: the batches of central and municipal
//! environmental inspection feedback, a new batch, a batch's figures and
//! ledger, importing its list (row errors as a table of row, column and
//! message; nothing written unless every row is good) and the ledger XLSX.
//! Items close on their orders' pages (验收 and 公示 with the 复查).

use super::chrome::{Chrome, Lang};
use super::pages::{html, see_other, PageResult};
use super::refusal::{shown_in_form, Refusal};
use super::session::{ConsoleError, OrPage, Session};
use crate::domain::env_audit::AuditLevel;
use crate::domain::Role;
use crate::error::{codes, AppError};
use crate::service::env_audits::{self as svc, AuditView, LedgerRow, NewAudit};
use crate::service::Ctx;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

/// The largest list a form may send (the API's limit too).
const MAX_LIST_BYTES: usize = 10 * 1024 * 1024;

struct Batch {
    id: Uuid,
    name: String,
    level: String,
    document_number: String,
    total: usize,
    closed: usize,
    overdue: usize,
    rate: String,
}

fn rate(r: f64) -> String {
    format!("{:.0}%", r * 100.0)
}

fn level_label(lang: Lang, l: AuditLevel) -> String {
    lang.t(match l {
        AuditLevel::Central => "audit_level_central",
        AuditLevel::Municipal => "audit_level_municipal",
    })
    .to_string()
}

#[derive(Template)]
#[template(path = "env_audits.html")]
struct ListPage {
    c: Chrome,
    batches: Vec<Batch>,
    may_create: bool,
    today: String,
    refusal: Option<Refusal>,
}

impl ListPage {
    fn refused(&self, form: &str) -> String {
        Refusal::box_for(self.refusal.as_ref(), form)
    }
    fn fe(&self, form: &str, field: &str) -> String {
        Refusal::field_for(self.refusal.as_ref(), form, field)
    }
    fn v(&self, form: &str, name: &str) -> &str {
        Refusal::value_for(self.refusal.as_ref(), form, name)
    }
}

fn today() -> String {
    crate::domain::time::park_today(chrono::Utc::now()).to_string()
}

/// `GET /env-audits`.
pub async fn list(ctx: web::Data<Ctx>, req: HttpRequest, s: Session) -> PageResult {
    let page = batches(&ctx, &req, &s).await?;
    Ok(html(StatusCode::OK, &page))
}

async fn batches(ctx: &Ctx, req: &HttpRequest, s: &Session) -> Result<ListPage, ConsoleError> {
    let lang = Lang::of(req);
    let all = svc::list(ctx, &s.who).await.page(req)?;
    let batches = all
        .into_iter()
        .map(|a| Batch {
            id: a.id,
            level: level_label(lang, a.level),
            document_number: a.document_number,
            total: a.figures.total,
            closed: a.figures.closed,
            overdue: a.figures.overdue,
            rate: rate(a.figures.completion_rate),
            name: a.name,
        })
        .collect();
    Ok(ListPage {
        c: Chrome::new(req, Some(s)),
        batches,
        may_create: s.who.role.handles_env_audits(),
        today: today(),
        refusal: None,
    })
}

/// `POST /env-audits`: a new batch, then its page.
pub async fn create(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|e| {
        ConsoleError::app(AppError::bad_request(codes::BAD_BODY, e.to_string()), &req)
    })?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    s.check_csrf(&req, &get("csrf"))?;
    let input = (|| {
        Ok::<_, AppError>(NewAudit {
            level: AuditLevel::parse(&get("level"))
                .ok_or_else(|| AppError::field("level", "请选择督察级别 / choose the level"))?,
            name: get("name"),
            document_number: get("document_number"),
            received_date: get("received_date")
                .parse()
                .map_err(|_| AppError::field("received_date", "请填写日期 / enter a date"))?,
            default_deadline: match get("default_deadline").as_str() {
                "" => None,
                d => Some(d.parse().map_err(|_| {
                    AppError::field("default_deadline", "请填写日期 / enter a date")
                })?),
            },
        })
    })();
    let made = match input {
        Ok(input) => svc::create(&ctx, &s.who, input).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(a) => Ok(see_other(&format!("/env-audits/{}", a.id))),
        Err(e) if shown_in_form(&e) => {
            let mut page = batches(&ctx, &req, &s).await?;
            let values = pairs.into_iter().collect();
            page.refusal = Some(Refusal::of(Lang::of(&req), "new-audit", &e, values));
            Ok(Refusal::respond(
                html(Refusal::status(&e), &page),
                "new-audit",
            ))
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}

struct Line {
    item_no: String,
    description: String,
    unit: String,
    deadline: String,
    status: String,
    order: Option<Uuid>,
    acceptance: String,
    disclosure: String,
    overdue: bool,
}

pub(super) struct RowError {
    pub row: String,
    pub column: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "env_audit.html")]
struct BatchPage {
    c: Chrome,
    id: Uuid,
    name: String,
    document_number: String,
    total: usize,
    closed: usize,
    on_schedule: usize,
    overdue: usize,
    rate: String,
    rows: Vec<Line>,
    may_import: bool,
    imported: String,
    import_errors: Vec<RowError>,
}

fn line(lang: Lang, r: LedgerRow) -> Line {
    let joined = |d: Option<chrono::NaiveDate>, t: Option<String>| match d {
        Some(d) => format!("{} {}", lang.date(d), t.unwrap_or_default()),
        None => String::new(),
    };
    Line {
        item_no: r.item_no,
        description: r.description,
        unit: r.responsible_unit,
        deadline: lang.date(r.deadline),
        status: match lang {
            Lang::Zh => r.status_label,
            Lang::En => r.status.replace('_', " "),
        },
        order: r.order_id,
        acceptance: joined(r.acceptance_date, r.acceptance_opinion),
        disclosure: joined(r.disclosure_date, r.disclosure_place),
        overdue: r.overdue,
    }
}

/// `row 3.deadline` → (3, deadline); anything else is the whole file's.
pub(super) fn row_error(field: &str, message: String) -> RowError {
    let (row, column) = match field.strip_prefix("row ").and_then(|r| r.split_once('.')) {
        Some((row, column)) => (row.to_string(), column.to_string()),
        None => (String::new(), field.to_string()),
    };
    RowError {
        row,
        column,
        message,
    }
}

fn batch_page(
    req: &HttpRequest,
    s: &Session,
    a: AuditView,
    rows: Vec<LedgerRow>,
    imported: String,
    import_errors: Vec<RowError>,
) -> BatchPage {
    let lang = Lang::of(req);
    BatchPage {
        c: Chrome::new(req, Some(s)),
        id: a.id,
        name: a.name,
        document_number: a.document_number,
        total: a.figures.total,
        closed: a.figures.closed,
        on_schedule: a.figures.on_schedule,
        overdue: a.figures.overdue,
        rate: rate(a.figures.completion_rate),
        rows: rows.into_iter().map(|r| line(lang, r)).collect(),
        may_import: s.who.role.handles_env_audits(),
        imported,
        import_errors,
    }
}

#[derive(Deserialize)]
pub struct Imported {
    created: Option<usize>,
    updated: Option<usize>,
    unchanged: Option<usize>,
}

fn parse_id(req: &HttpRequest, s: &str) -> Result<Uuid, ConsoleError> {
    s.parse()
        .map_err(|_| ConsoleError::app(AppError::not_found("督察批次 batch"), req))
}

/// `GET /env-audits/{id}` (after an import, its counts in the query).
pub async fn page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
    q: web::Query<Imported>,
) -> PageResult {
    let id = parse_id(&req, &path)?;
    let (a, rows) = svc::ledger(&ctx, &s.who, id).await.page(&req)?;
    let imported = match (q.created, q.updated, q.unchanged) {
        (Some(c), u, n) => format!(
            "{}：{} {c} · {} {} · {} {}",
            Lang::of(&req).t("imported"),
            Lang::of(&req).t("created_n"),
            Lang::of(&req).t("updated_n"),
            u.unwrap_or(0),
            Lang::of(&req).t("unchanged_n"),
            n.unwrap_or(0)
        ),
        _ => String::new(),
    };
    let page = batch_page(&req, &s, a, rows, imported, Vec::new());
    Ok(html(StatusCode::OK, &page))
}

/// The list file and the `update` box of the import form.
async fn read_import(
    req: &HttpRequest,
    s: &Session,
    payload: web::Payload,
) -> Result<(Vec<u8>, bool), ConsoleError> {
    let (bytes, fields) = read_upload(req, s, payload, "list", MAX_LIST_BYTES).await?;
    Ok((
        bytes,
        fields.get("update").map(String::as_str) == Some("true"),
    ))
}

/// A form with one file (`file_field`, at most `cap` bytes) and short text
/// fields. The CSRF field comes first, so a forged request is refused
/// before its file is read.
pub(super) async fn read_upload(
    req: &HttpRequest,
    s: &Session,
    payload: web::Payload,
    file_field: &str,
    cap: usize,
) -> Result<(Vec<u8>, std::collections::HashMap<String, String>), ConsoleError> {
    let lang = Lang::of(req);
    let bad = |d: String| {
        ConsoleError::App(
            AppError::bad_request(codes::MALFORMED_MULTIPART, d),
            lang,
            None,
        )
    };
    let mut mp = Multipart::new(req.headers(), payload);
    let (mut csrf_ok, mut bytes, mut fields) =
        (false, Vec::new(), std::collections::HashMap::new());
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(|e| bad(e.to_string()))?;
        let name = field
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or("")
            .to_string();
        let is_file = name == file_field;
        if is_file && !csrf_ok {
            return Err(ConsoleError::Csrf(lang));
        }
        let limit = if is_file { cap } else { 4096 };
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| bad(e.to_string()))?;
            if value.len() + chunk.len() > limit {
                let e = AppError::PayloadTooLarge {
                    code: codes::BODY_TOO_LARGE,
                    detail: format!("文件超过{}MiB / file too large", cap >> 20),
                };
                return Err(ConsoleError::app(e, req));
            }
            value.extend_from_slice(&chunk);
        }
        if is_file {
            bytes = value;
            continue;
        }
        let text = String::from_utf8_lossy(&value).to_string();
        if name == "csrf" {
            s.check_csrf(req, &text)?;
            csrf_ok = true;
        }
        fields.insert(name, text);
    }
    if !csrf_ok {
        return Err(ConsoleError::Csrf(lang));
    }
    Ok((bytes, fields))
}

/// `POST /env-audits/{id}/import`: all or nothing; refused rows are shown
/// on the batch page as a table.
pub async fn import(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
    payload: web::Payload,
) -> PageResult {
    let id = parse_id(&req, &path)?;
    // The batch and the role first: nothing is read for a stranger.
    svc::get(&ctx, &s.who, id).await.page(&req)?;
    s.who.require(Role::handles_env_audits).page(&req)?;
    let (bytes, update) = read_import(&req, &s, payload).await?;
    match svc::import(&ctx, &s.who, id, bytes, update).await {
        Ok(r) => Ok(see_other(&format!(
            "/env-audits/{id}?created={}&updated={}&unchanged={}",
            r.created.len(),
            r.updated.len(),
            r.unchanged
        ))),
        Err(AppError::Validation(errs)) => {
            let (a, rows) = svc::ledger(&ctx, &s.who, id).await.page(&req)?;
            let errors = errs
                .into_iter()
                .map(|e| row_error(&e.field, e.message))
                .collect();
            let page = batch_page(&req, &s, a, rows, String::new(), errors);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}

/// `GET /env-audits/{id}/ledger.xlsx`.
pub async fn ledger(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
) -> PageResult {
    let id = parse_id(&req, &path)?;
    let (a, rows) = svc::ledger(&ctx, &s.who, id).await.page(&req)?;
    let bytes = svc::ledger_xlsx(&a, &rows).page(&req)?;
    Ok(crate::api::orders::report_response(
        crate::service::major_report::Report {
            bytes,
            file_name: format!("整改台账-{}.xlsx", a.name),
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    ))
}
