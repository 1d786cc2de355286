//! 消息: the caller's in-app notifications (the same inbox as
//! `GET /api/v1/me/notifications`), unread first, with mark-read forms.

use super::chrome::{Chrome, Lang};
use super::pages::{html, see_other, PageResult};
use super::session::{OrPage, Session};
use crate::error::AppError;
use crate::service::outbox::{self, InboxQuery};
use crate::service::preferences;
use crate::service::Ctx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

struct Item {
    id: Uuid,
    title: String,
    body: String,
    /// Only console pages that exist (orders); empty otherwise.
    link: String,
    read: bool,
    at: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    c: Chrome,
    items: Vec<Item>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct Params {
    cursor: Option<String>,
}

/// `GET /inbox`: 50 at a time.
pub async fn page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    q: web::Query<Params>,
) -> PageResult {
    let lang = Lang::of(&req);
    let query = InboxQuery {
        limit: Some(50),
        cursor: q.into_inner().cursor,
    };
    let p = outbox::inbox(&ctx, &s.who, query).await.page(&req)?;
    let items = p
        .items
        .into_iter()
        .map(|n| {
            let local = n.created_at + chrono::Duration::hours(8);
            Item {
                id: n.id,
                link: if n.link.starts_with("/orders/") {
                    n.link
                } else {
                    String::new()
                },
                title: n.title,
                body: n.body,
                read: n.read,
                at: format!(
                    "{} {}",
                    lang.date(local.date_naive()),
                    local.format("%H:%M")
                ),
            }
        })
        .collect();
    let page = InboxPage {
        c: Chrome::new(&req, Some(&s)),
        items,
        next: p.next_cursor,
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct ReadForm {
    csrf: String,
    /// One notification, or every unread one when absent.
    id: Option<Uuid>,
}

/// `POST /inbox/read`: marks one (or all) read, then back to the inbox.
pub async fn read(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    form: web::Form<ReadForm>,
) -> PageResult {
    s.check_csrf(&req, &form.csrf)?;
    outbox::mark_read(&ctx, &s.who, form.id).await.page(&req)?;
    Ok(see_other("/inbox"))
}

/// One kind of message on the settings page.
struct KindRow {
    event_type: &'static str,
    label: &'static str,
    muted: bool,
}

#[derive(Template)]
#[template(path = "notification_settings.html")]
struct SettingsPage {
    c: Chrome,
    email: String,
    kinds: Vec<KindRow>,
    always: Vec<&'static str>,
    saved: bool,
}

#[derive(Deserialize)]
pub struct SettingsParams {
    saved: Option<u8>,
}

fn label_in(lang: Lang, k: &preferences::EventKind) -> &'static str {
    match lang {
        Lang::Zh => k.label.zh,
        Lang::En => k.label.en,
    }
}

/// `GET /inbox/settings`: the caller's e-mail address and muted kinds.
pub async fn settings_page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    q: web::Query<SettingsParams>,
) -> PageResult {
    let lang = Lang::of(&req);
    let v = preferences::get(&ctx, &s.who).await.page(&req)?;
    let page = SettingsPage {
        c: Chrome::new(&req, Some(&s)),
        email: v.email.unwrap_or_default(),
        kinds: v
            .mutable_events
            .iter()
            .map(|k| KindRow {
                event_type: k.event_type,
                label: label_in(lang, k),
                muted: v.muted.iter().any(|m| m == k.event_type),
            })
            .collect(),
        always: v.always_sent.iter().map(|k| label_in(lang, k)).collect(),
        saved: q.saved.is_some(),
    };
    Ok(html(StatusCode::OK, &page))
}

/// `POST /inbox/settings`: the form's checkboxes repeat `muted`.
pub async fn save_settings(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    body: web::Bytes,
) -> PageResult {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::field("body", "表单无法读取 / unreadable form"))
        .page(&req)?;
    let value = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    s.check_csrf(&req, &value("csrf").unwrap_or_default())?;
    let input = preferences::SettingsInput {
        // An empty field means "no e-mail" (the API takes null for that).
        email: value("email").filter(|e| !e.trim().is_empty()),
        muted: pairs
            .iter()
            .filter(|(n, _)| n == "muted")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    preferences::put(&ctx, &s.who, input).await.page(&req)?;
    Ok(see_other("/inbox/settings?saved=1"))
}
