//! 自查隐患 for an enterprise user: what its own self-inspections found,
//! the 自改自验 form for each open general hazard, what became of the rest
//! (major ones reported to the park, those in a park order), and its
//! 隐患排查治理台账 to download.

use super::chrome::{Chrome, Lang};
use super::orders::{date_field, read_form};
use super::pages::{html, see_other, PageResult};
use super::refusal::{shown_in_form, Refusal};
use super::session::{ConsoleError, OrPage, Session};
use crate::domain::checklist::HazardLevel;
use crate::domain::finding::{FindingStatus, Source};
use crate::domain::Role;
use crate::error::AppError;
use crate::service::findings::{self, FindingQuery, FindingView};
use crate::service::self_rectification::{self as svc, LedgerQuery, SelfRectificationBody};
use crate::service::Ctx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use askama::Template;
use uuid::Uuid;

struct Item {
    id: Uuid,
    description: String,
    level: &'static str,
    status: &'static str,
    location: String,
    found: String,
    major: bool,
    in_order: bool,
    closable: bool,
    /// What the enterprise recorded when it closed it itself.
    record: String,
}

#[derive(Template)]
#[template(path = "self_checks.html")]
struct Page {
    c: Chrome,
    items: Vec<Item>,
    today: String,
    refusal: Option<Refusal>,
}

impl Page {
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

/// The enterprise of an enterprise user; everyone else is refused.
fn own_enterprise(req: &HttpRequest, s: &Session) -> Result<Uuid, ConsoleError> {
    match (s.who.role, s.who.enterprise_id) {
        (Role::Enterprise, Some(e)) => Ok(e),
        _ => Err(ConsoleError::app(
            AppError::forbidden("自查隐患页面供企业用户使用 / for enterprise users"),
            req,
        )),
    }
}

fn status_key(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::Open => "status_open",
        FindingStatus::InOrder => "in_park_order",
        FindingStatus::Closed => "closed",
        FindingStatus::Cancelled => "cancelled",
    }
}

async fn item(ctx: &Ctx, s: &Session, lang: Lang, f: FindingView) -> Item {
    let record = match f.status {
        FindingStatus::Closed => svc::get(ctx, &s.who, f.id)
            .await
            .map(|r| {
                format!(
                    "{}：{} · {} {} · {} {} · {}",
                    lang.t("self_rectify"),
                    r.measures,
                    lang.t("rectified_by"),
                    r.rectified_by,
                    lang.t("accepted_by"),
                    r.accepted_by,
                    lang.date(r.accepted_on)
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let major = f.level == HazardLevel::Major;
    Item {
        id: f.id,
        level: lang.t(f.level.as_str()),
        status: lang.t(status_key(f.status)),
        location: f.location_text.clone().unwrap_or_default(),
        found: lang.date(crate::domain::time::park_today(f.created_at)),
        major,
        in_order: f.status == FindingStatus::InOrder,
        closable: !major && f.status == FindingStatus::Open,
        record,
        description: f.description,
    }
}

/// `GET /self-checks`.
pub async fn page(ctx: web::Data<Ctx>, req: HttpRequest, s: Session) -> PageResult {
    let page = checks(&ctx, &req, &s).await?;
    Ok(html(StatusCode::OK, &page))
}

async fn checks(ctx: &Ctx, req: &HttpRequest, s: &Session) -> Result<Page, ConsoleError> {
    let e = own_enterprise(req, s)?;
    let lang = Lang::of(req);
    let found = findings::list(
        ctx,
        &s.who,
        FindingQuery {
            enterprise_id: Some(e),
            source: Some(Source::SelfInspection),
            limit: Some(crate::service::pagination::MAX_LIMIT),
            ..Default::default()
        },
    )
    .await
    .page(req)?
    .items;
    let mut items = Vec::with_capacity(found.len());
    for f in found {
        items.push(item(ctx, s, lang, f).await);
    }
    Ok(Page {
        c: Chrome::new(req, Some(s)),
        items,
        today: crate::domain::time::park_today(chrono::Utc::now()).to_string(),
        refusal: None,
    })
}

/// `POST /self-checks/{id}`: the 自改自验 form.
pub async fn rectify(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
    payload: web::Payload,
) -> PageResult {
    own_enterprise(&req, &s)?;
    let id: Uuid = path
        .parse()
        .map_err(|_| ConsoleError::app(AppError::not_found("隐患 finding"), &req))?;
    // Scope and the finding's kind first: another's finding answers 404, and
    // one the enterprise may not close 409, before a file is stored.
    let f = findings::get(&ctx, &s.who, id).await.page(&req)?;
    if let Err(r) = crate::domain::self_check::check_self_close(f.source, f.level, f.status, false)
    {
        let e = AppError::conflict(crate::error::codes::SELF_RECTIFICATION_REFUSED, r.message());
        return Err(ConsoleError::app(e, &req));
    }
    let form = read_form(&ctx, &req, &s, payload).await?;
    let body = (|| {
        Ok::<_, AppError>(SelfRectificationBody {
            measures: form.get("measures"),
            rectified_by: form.get("rectified_by"),
            accepted_by: form.get("accepted_by"),
            accepted_on: date_field(&form, "accepted_on")?,
            photo_ids: form.photos("photos"),
            document_ids: form.docs("documents"),
        })
    })();
    let done = match body {
        Ok(body) => svc::record(&ctx, &s.who, id, body).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(see_other("/self-checks")),
        Err(e) if shown_in_form(&e) => {
            let mut page = checks(&ctx, &req, &s).await?;
            let name = format!("self-{id}");
            page.refusal = Some(Refusal::of(Lang::of(&req), &name, &e, form.text_fields()));
            Ok(Refusal::respond(html(Refusal::status(&e), &page), &name))
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}

/// `GET /self-checks/ledger`: the enterprise's ledger as XLSX.
pub async fn ledger(ctx: web::Data<Ctx>, req: HttpRequest, s: Session) -> PageResult {
    let e = own_enterprise(&req, &s)?;
    let l = svc::ledger(&ctx, &s.who, e, LedgerQuery::default())
        .await
        .page(&req)?;
    Ok(crate::api::orders::report_response(
        crate::service::major_report::Report {
            bytes: l.bytes,
            file_name: l.file_name,
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    ))
}
