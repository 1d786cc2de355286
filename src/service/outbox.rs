//! Reading the outbox: the caller's inbox, webhook endpoints (admin) and
//! the delivery worker. Deliveries are claimed under a lease so several
//! processes on one database send each message once; failures back off
//! exponentially with jitter and die after `outbox_max_attempts`.

use super::channels::{self, EndpointKind, Notice};
use super::pagination::{self, Page};
use super::{Ctx, Principal};
use crate::db::outbox::{
    self as ob, DeliveryFilter, DeliveryRow, DeliveryTarget, InboxFilter, Outcome,
};
use crate::db::{DbConn, DbUuid};
use crate::domain::FieldErrors;
use crate::domain::{time, Role};
use crate::error::{codes, AppError, AppResult};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

// ---------------------------------------------------------------- inbox

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    /// `order.issued`, `order.overdue`, … (the webhook event types).
    pub event_type: String,
    pub title: String,
    pub body: String,
    /// Console page, e.g. `/orders/{id}`.
    pub link: String,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    /// Notifications marked read by this call.
    pub marked: usize,
    pub unread: i64,
}

fn notification_view(r: ob::NotificationRow) -> NotificationView {
    NotificationView {
        id: r.id.0,
        event_type: r.event_type,
        title: r.title,
        body: r.body,
        link: r.link,
        read: r.read_at.is_some(),
        read_at: r.read_at.map(|t| t.and_utc()),
        created_at: r.created_at.and_utc(),
    }
}

/// One page of the inbox: every unread notification (newest first) before
/// any read one. The cursor names the last one seen; whether it was read
/// then decides which part the next page continues.
fn inbox_page(
    c: &mut DbConn,
    user: DbUuid,
    cursor: Option<Uuid>,
    limit: i64,
) -> AppResult<Vec<ob::NotificationRow>> {
    let at = match cursor {
        Some(id) => Some(
            ob::find_notification(c, user, DbUuid(id))?
                .ok_or_else(|| AppError::field("cursor", "无效的分页游标 / invalid cursor"))?,
        ),
        None => None,
    };
    let mut rows = Vec::new();
    let in_unread = at.as_ref().is_none_or(|n| n.read_at.is_none());
    if in_unread {
        rows = ob::inbox(
            c,
            &InboxFilter {
                user,
                unread: true,
                before: at.as_ref().map(|n| n.id),
                limit: limit + 1,
            },
        )?;
    }
    let left = limit + 1 - rows.len() as i64;
    if left > 0 {
        let before = at.filter(|n| n.read_at.is_some()).map(|n| n.id);
        rows.extend(ob::inbox(
            c,
            &InboxFilter {
                user,
                unread: false,
                before,
                limit: left,
            },
        )?);
    }
    Ok(rows)
}

/// `GET /me/notifications`.
pub async fn inbox(ctx: &Ctx, who: &Principal, q: InboxQuery) -> AppResult<Page<NotificationView>> {
    let limit = pagination::limit(q.limit)?;
    let cursor = pagination::decode_cursor(q.cursor.as_deref())?;
    let user = DbUuid(who.user_id);
    ctx.db
        .run(move |c| {
            let rows = inbox_page(c, user, cursor, limit)?;
            Ok(pagination::page_of(
                rows,
                limit,
                |r| r.id.0,
                notification_view,
            ))
        })
        .await
}

/// How many of the caller's notifications are unread (the console's header).
pub async fn unread(ctx: &Ctx, who: &Principal) -> AppResult<i64> {
    let user = DbUuid(who.user_id);
    ctx.db.run(move |c| Ok(ob::unread_count(c, user)?)).await
}

/// `POST /me/notifications/{id}/read` (`id` = `None`: read-all). Someone
/// else's notification is 404.
pub async fn mark_read(ctx: &Ctx, who: &Principal, id: Option<Uuid>) -> AppResult<MarkedRead> {
    let user = DbUuid(who.user_id);
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                if let Some(id) = id {
                    ob::find_notification(c, user, DbUuid(id))?
                        .ok_or_else(|| AppError::not_found("notification"))?;
                }
                let marked = ob::mark_read(c, user, id.map(DbUuid), time::now().naive_utc())?;
                let unread = ob::unread_count(c, user)?;
                Ok(MarkedRead { marked, unread })
            })
        })
        .await
}

// ------------------------------------------------------------- webhooks

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `webhook` (default), `wecom` or `dingtalk`.
    #[serde(default)]
    pub kind: EndpointKind,
    /// `https://…` (or `http://`); private and loopback targets need
    /// `webhook_allow_private`. For the robots, the URL their group shows.
    pub url: String,
    /// Event types to send (see the list in the README), or `["*"]`.
    pub events: Vec<String>,
    /// `webhook`: the signing secret, `whsec_` + base64 (Standard
    /// Webhooks) or any text of at least 16 characters. `dingtalk`: the
    /// robot's `SEC…` secret for its signed mode (optional). `wecom`: none.
    #[serde(default)]
    pub secret: String,
    /// Only messages about this enterprise (e.g. its own WeCom group);
    /// absent: every message (the office's group).
    #[serde(default)]
    pub enterprise_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub kind: EndpointKind,
    pub enterprise_id: Option<Uuid>,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    /// `webhook` (an endpoint of any kind) or `email`.
    pub channel: String,
    pub webhook_id: Option<Uuid>,
    /// The recipient of an e-mail delivery.
    pub address: Option<String>,
    /// The message id, sent as `webhook-id` (the same on every attempt).
    pub message_id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn require_admin(who: &Principal) -> AppResult<()> {
    who.require(|r: Role| r == Role::Admin)
}

fn webhook_view(w: ob::WebhookRow) -> WebhookView {
    WebhookView {
        id: w.id.0,
        kind: EndpointKind::parse(&w.kind).unwrap_or_default(),
        enterprise_id: w.enterprise_id.map(|e| e.0),
        url: w.url,
        events: serde_json::from_str(&w.events).unwrap_or_default(),
        created_at: w.created_at.and_utc(),
    }
}

/// The HMAC key of a secret: Standard Webhooks' `whsec_<base64>`, else
/// the secret's own bytes.
fn key_of(secret: &str) -> Option<Vec<u8>> {
    match secret.strip_prefix("whsec_") {
        Some(b64) => STANDARD.decode(b64).ok().filter(|k| !k.is_empty()),
        None => Some(secret.as_bytes().to_vec()),
    }
}

/// `webhook-signature` for one message: `v1,<base64 HMAC-SHA256 of
/// "id.timestamp.body">`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = key_of(secret).unwrap_or_default();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Only addresses on the public internet, unless private targets are allowed.
fn address_allowed(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            !(a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.is_multicast()
                || a.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            !(a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}

/// A target resolved and checked: every address the host resolves to must
/// be allowed. The request then goes to exactly these addresses, so a
/// second lookup cannot turn the name into a private one.
struct Target {
    url: reqwest::Url,
    host: String,
    addrs: Vec<SocketAddr>,
}

async fn resolve_target(url: &str, allow_private: bool) -> Result<Target, String> {
    let url = reqwest::Url::parse(url).map_err(|e| format!("无效的URL / invalid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("只支持 http/https / only http and https".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("URL 不能包含用户名密码 / no credentials in the URL".into());
    }
    let host = url
        .host_str()
        .ok_or("URL 缺少主机 / URL has no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or("URL 缺少端口 / no port")?;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("无法解析主机 / cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("无法解析主机 / {host} has no address"));
    }
    if !allow_private {
        if let Some(a) = addrs.iter().find(|a| !address_allowed(a.ip())) {
            return Err(format!(
                "目标地址{}为内网或本机地址，已拒绝（webhook_allow_private）/ private or loopback target refused",
                a.ip()
            ));
        }
    }
    Ok(Target { url, host, addrs })
}

/// `POST /webhooks` (admin).
pub async fn create_webhook(ctx: &Ctx, who: &Principal, b: NewWebhook) -> AppResult<WebhookView> {
    require_admin(who)?;
    let mut e = FieldErrors::default();
    if b.events.is_empty() {
        e.add("events", "至少选择一种事件 / name at least one event type");
    }
    for (i, ev) in b.events.iter().enumerate() {
        if ev != "*" && !super::notify::EVENT_TYPES.contains(&ev.as_str()) {
            e.add(
                format!("events[{i}]"),
                format!("未知事件类型 / unknown event type {ev:?}"),
            );
        }
    }
    match (b.kind, key_of(&b.secret)) {
        (EndpointKind::Webhook, Some(k)) if k.len() >= 16 => {}
        (EndpointKind::Webhook, _) => e.add(
            "secret",
            "密钥至少16字节（或 whsec_ 加 base64）/ secret: at least 16 bytes, or whsec_<base64>",
        ),
        (EndpointKind::Wecom, _) if !b.secret.is_empty() => e.add(
            "secret",
            "企业微信群机器人没有密钥 / a WeCom robot takes no secret",
        ),
        (EndpointKind::Dingtalk, _) if b.secret.len() > 256 => {
            e.add("secret", "密钥过长 / secret too long")
        }
        _ => {}
    }
    if let Some(id) = b.enterprise_id {
        let known = ctx
            .db
            .run(move |c| Ok::<_, AppError>(crate::db::enterprises::find(c, DbUuid(id))?.is_some()))
            .await?;
        if !known {
            e.add("enterprise_id", "企业不存在 / enterprise not found");
        }
    }
    if b.url.len() > 2048 {
        e.add("url", "URL 过长 / URL too long");
    } else if let Err(m) = resolve_target(&b.url, ctx.settings.webhook_allow_private).await {
        e.add("url", m);
    }
    if !e.is_empty() {
        return Err(AppError::validation(e));
    }
    let row = ob::WebhookRow {
        id: DbUuid(Uuid::now_v7()),
        kind: b.kind.as_str().to_string(),
        enterprise_id: b.enterprise_id.map(DbUuid),
        url: b.url,
        events: serde_json::to_string(&b.events).map_err(AppError::internal)?,
        secret: b.secret,
        created_by: DbUuid(who.user_id),
        created_at: time::now().naive_utc(),
    };
    ctx.db
        .run(move |c| {
            c.write_tx(|c| ob::insert_webhook(c, &row))?;
            Ok(webhook_view(row))
        })
        .await
}

/// `GET /webhooks` (admin).
pub async fn list_webhooks(ctx: &Ctx, who: &Principal) -> AppResult<Vec<WebhookView>> {
    require_admin(who)?;
    ctx.db
        .run(|c| Ok(ob::webhooks(c)?.into_iter().map(webhook_view).collect()))
        .await
}

/// `DELETE /webhooks/{id}` (admin); its deliveries go with it.
pub async fn delete_webhook(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<()> {
    require_admin(who)?;
    ctx.db
        .run(move |c| {
            c.write_tx(|c| match ob::delete_webhook(c, DbUuid(id))? {
                0 => Err(AppError::not_found("webhook")),
                _ => Ok(()),
            })
        })
        .await
}

fn delivery_view(c: &mut DbConn, d: DeliveryRow) -> AppResult<DeliveryView> {
    let m = ob::find_message(c, d.message_id)?;
    Ok(DeliveryView {
        id: d.id.0,
        channel: d.channel,
        webhook_id: d.webhook_id.map(|w| w.0),
        address: d.address,
        message_id: d.message_id.0,
        event_type: m.event_type,
        status: d.status,
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at.and_utc(),
        last_status: d.last_status,
        last_error: d.last_error,
        delivered_at: d.delivered_at.map(|t| t.and_utc()),
        created_at: d.created_at.and_utc(),
    })
}

/// `GET /webhooks/{id}/deliveries` (admin), newest first.
pub async fn deliveries(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
    q: DeliveryQuery,
) -> AppResult<Page<DeliveryView>> {
    list_deliveries(ctx, who, DeliveryTarget::Webhook(DbUuid(id)), q).await
}

/// `GET /email-deliveries` (admin): every e-mail, single or digest, newest first.
pub async fn email_deliveries(
    ctx: &Ctx,
    who: &Principal,
    q: DeliveryQuery,
) -> AppResult<Page<DeliveryView>> {
    list_deliveries(ctx, who, DeliveryTarget::Email, q).await
}

async fn list_deliveries(
    ctx: &Ctx,
    who: &Principal,
    target: DeliveryTarget,
    q: DeliveryQuery,
) -> AppResult<Page<DeliveryView>> {
    require_admin(who)?;
    let limit = pagination::limit(q.limit)?;
    let before = pagination::decode_cursor(q.cursor.as_deref())?;
    if let Some(s) = &q.status {
        if ![ob::PENDING, ob::DELIVERED, ob::DEAD, ob::SKIPPED].contains(&s.as_str()) {
            return Err(AppError::field(
                "status",
                "应为 pending、delivered、dead 或 skipped / one of pending, delivered, dead, skipped",
            ));
        }
    }
    ctx.db
        .run(move |c| {
            if let DeliveryTarget::Webhook(w) = target {
                ob::find_webhook(c, w)?.ok_or_else(|| AppError::not_found("webhook"))?;
            }
            let f = DeliveryFilter {
                target,
                status: q.status,
                before: before.map(DbUuid),
                limit: limit + 1,
            };
            let rows = ob::deliveries_of(c, &f)?;
            let mut views = Vec::with_capacity(rows.len());
            for r in rows {
                views.push(delivery_view(c, r)?);
            }
            Ok(pagination::page_of(views, limit, |v| v.id, |v| v))
        })
        .await
}

/// `POST /webhooks/{id}/deliveries/{delivery_id}/replay` (admin): a dead
/// delivery is queued again with a fresh attempt count; 409 otherwise.
pub async fn replay(
    ctx: &Ctx,
    who: &Principal,
    webhook: Uuid,
    delivery: Uuid,
) -> AppResult<DeliveryView> {
    replay_of(ctx, who, DeliveryTarget::Webhook(DbUuid(webhook)), delivery).await
}

/// `POST /email-deliveries/{id}/replay` (admin), as for webhooks.
pub async fn replay_email(ctx: &Ctx, who: &Principal, delivery: Uuid) -> AppResult<DeliveryView> {
    replay_of(ctx, who, DeliveryTarget::Email, delivery).await
}

async fn replay_of(
    ctx: &Ctx,
    who: &Principal,
    target: DeliveryTarget,
    delivery: Uuid,
) -> AppResult<DeliveryView> {
    require_admin(who)?;
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                let d = ob::find_delivery(c, DbUuid(delivery))?
                    .filter(|d| target.holds(d))
                    .ok_or_else(|| AppError::not_found("delivery"))?;
                if ob::replay(c, d.id, time::now().naive_utc())? == 0 {
                    return Err(AppError::conflict(
                        codes::DELIVERY_NOT_DEAD,
                        format!(
                            "只有失败（dead）的投递可以重放，当前：{} / only dead deliveries can be replayed (now {})",
                            d.status, d.status
                        ),
                    ));
                }
                let d = ob::find_delivery(c, d.id)?.ok_or_else(|| AppError::not_found("delivery"))?;
                delivery_view(c, d)
            })
        })
        .await
}

// --------------------------------------------------------------- worker

/// How long a claimed delivery is ours; well above the request timeout,
/// so a live worker never loses its row to another.
const LEASE: Duration = Duration::from_secs(60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const BATCH: i64 = 20;
const MAX_BACKOFF_MS: u64 = 3_600_000;

/// Delay before the next attempt after `attempts` failures: the base
/// doubled per failure, capped, times a random factor in [0.5, 1.5).
pub fn backoff(base_ms: u64, attempts: u32) -> Duration {
    let exp = base_ms.saturating_mul(1u64 << attempts.saturating_sub(1).min(20));
    let capped = exp.min(MAX_BACKOFF_MS) as f64;
    let jitter: f64 = rand::Rng::gen_range(&mut rand::thread_rng(), 0.5..1.5);
    Duration::from_millis((capped * jitter) as u64)
}

#[derive(Debug, Default, Serialize)]
pub struct DeliveryRun {
    pub delivered: usize,
    pub failed: usize,
    pub dead: usize,
    /// E-mails with no SMTP server configured.
    pub skipped: usize,
}

struct Attempt {
    delivery: DeliveryRow,
    to: Recipient,
    message: ob::MessageRow,
    /// For a digest: every message it carries (`message` is the first).
    digest: Vec<ob::MessageRow>,
}

/// Where one delivery goes.
enum Recipient {
    Endpoint {
        kind: EndpointKind,
        url: String,
        secret: String,
    },
    Email(String),
}

impl Recipient {
    /// How the admins' inbox names it when it dies.
    fn label(&self) -> String {
        match self {
            Recipient::Endpoint { url, .. } => url.clone(),
            Recipient::Email(a) => format!("mailto:{a}"),
        }
    }
}

/// The console link of a message, absolute when `public_url` is set.
fn link_of(ctx: &Ctx, m: &ob::MessageRow) -> String {
    let base = ctx
        .settings
        .public_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    format!("{base}{}", m.link)
}

fn payload(ctx: &Ctx, m: &ob::MessageRow) -> serde_json::Value {
    let data: serde_json::Value = serde_json::from_str(&m.data).unwrap_or_default();
    serde_json::json!({
        "id": m.id.0,
        "type": m.event_type,
        "timestamp": m.created_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": {
            "resource_id": m.order_id.map(|o| o.0),
            "link": link_of(ctx, m),
            "title": m.title,
            "body": m.body,
            "details": data,
        },
    })
}

/// Sends one attempt; answers the HTTP status (0 for an e-mail), or why
/// there is none.
async fn send(ctx: &Ctx, a: &Attempt) -> Result<u16, String> {
    if a.digest.len() > 1 {
        if let Recipient::Email(address) = &a.to {
            let (title, body, link) = digest_text(ctx, &a.digest);
            let notice = Notice {
                title: &title,
                body: &body,
                link: &link,
            };
            return send_email(ctx, address, &notice).await;
        }
    }
    let link = link_of(ctx, &a.message);
    let notice = Notice {
        title: &a.message.title,
        body: &a.message.body,
        link: &link,
    };
    let (kind, url, secret) = match &a.to {
        Recipient::Email(address) => return send_email(ctx, address, &notice).await,
        Recipient::Endpoint { kind, url, secret } => (*kind, url, secret),
    };
    let mut target = resolve_target(url, ctx.settings.webhook_allow_private).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .no_proxy()
        .resolve_to_addrs(&target.host, &target.addrs)
        .build()
        .map_err(|e| e.to_string())?;
    let agent = concat!("anhuan/", env!("CARGO_PKG_VERSION"));
    let request = match kind {
        EndpointKind::Webhook => {
            let body = serde_json::to_vec(&payload(ctx, &a.message)).map_err(|e| e.to_string())?;
            let id = a.message.id.0.to_string();
            let ts = time::now().timestamp();
            client
                .post(target.url)
                .header("webhook-id", &id)
                .header("webhook-timestamp", ts.to_string())
                .header("webhook-signature", sign(secret, &id, ts, &body))
                .body(body)
        }
        EndpointKind::Wecom => client.post(target.url).json(&channels::wecom_body(&notice)),
        EndpointKind::Dingtalk => {
            if !secret.is_empty() {
                let ts = time::now().timestamp_millis();
                target
                    .url
                    .query_pairs_mut()
                    .append_pair("timestamp", &ts.to_string())
                    .append_pair("sign", &channels::dingtalk_sign(secret, ts));
            }
            client
                .post(target.url)
                .json(&channels::dingtalk_body(&notice))
        }
    };
    let res = request
        .header("content-type", "application/json")
        .header("user-agent", agent)
        .send()
        .await
        .map_err(|e| format!("{e}"))?;
    let status = res.status().as_u16();
    if kind == EndpointKind::Webhook {
        return Ok(status);
    }
    // A robot's answer is small; more than 64 KiB is not one.
    let body = res.bytes().await.map_err(|e| e.to_string())?;
    channels::robot_outcome(status, &body[..body.len().min(64 * 1024)])
}

/// One e-mail for several reminders: a count in the subject, each order's
/// title, text and link in the body, the console's order list as the link.
fn digest_text(ctx: &Ctx, messages: &[ob::MessageRow]) -> (String, String, String) {
    let title = format!("整改期限提醒：{}份整改通知书期限临近", messages.len());
    let body = messages
        .iter()
        .map(|m| format!("· {}\n  {}\n  {}", m.title, m.body, link_of(ctx, m)))
        .collect::<Vec<_>>()
        .join("\n\n");
    let base = ctx
        .settings
        .public_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    (title, body, format!("{base}/orders"))
}

/// An e-mail through `smtp_url`; answered as 250 (SMTP's "accepted").
async fn send_email(ctx: &Ctx, address: &str, notice: &Notice<'_>) -> Result<u16, String> {
    let (Some(url), Some(from)) = (&ctx.settings.smtp_url, &ctx.settings.smtp_from) else {
        return Err(NO_SMTP.into());
    };
    let smtp = channels::Smtp { url, from };
    channels::send_email(&smtp, address, notice, REQUEST_TIMEOUT).await?;
    Ok(250)
}

/// Why an e-mail delivery is `skipped`.
const NO_SMTP: &str = "未配置SMTP（smtp_url、smtp_from）/ no smtp_url and smtp_from set";

fn load_attempt(c: &mut DbConn, id: DbUuid) -> AppResult<Option<Attempt>> {
    let Some(delivery) = ob::find_delivery(c, id)? else {
        return Ok(None);
    };
    let email = [ob::CHANNEL_EMAIL, ob::CHANNEL_EMAIL_DIGEST].contains(&delivery.channel.as_str());
    let to = match (&delivery.address, delivery.webhook_id) {
        (Some(address), _) if email => Recipient::Email(address.clone()),
        (_, Some(w)) => match ob::find_webhook(c, w)? {
            Some(w) => Recipient::Endpoint {
                kind: EndpointKind::parse(&w.kind).unwrap_or_default(),
                url: w.url,
                secret: w.secret,
            },
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let message = ob::find_message(c, delivery.message_id)?;
    let digest = match delivery.channel == ob::CHANNEL_EMAIL_DIGEST {
        true => ob::digest_messages(c, delivery.id)?,
        false => Vec::new(),
    };
    Ok(Some(Attempt {
        delivery,
        to,
        message,
        digest,
    }))
}

/// Claims the due deliveries and sends them: what `serve` runs every
/// `outbox_poll_ms`, and what tests call. Safe in every process at once.
pub async fn deliver_due(ctx: &Ctx) -> AppResult<DeliveryRun> {
    let ids = ctx
        .db
        .run(|c| {
            c.write_tx(|c| {
                let now = time::now().naive_utc();
                let lease = now + chrono::Duration::from_std(LEASE).map_err(AppError::internal)?;
                ob::claim_due(c, now, lease, BATCH).map_err(AppError::from)
            })
        })
        .await?;
    let mut run = DeliveryRun::default();
    for id in ids {
        let Some(a) = ctx.db.run(move |c| load_attempt(c, id)).await? else {
            continue;
        };
        let result = send(ctx, &a).await;
        let attempts = u32::try_from(a.delivery.attempts).unwrap_or(u32::MAX);
        let max = ctx.settings.outbox_max_attempts;
        let now = time::now();
        let (status, last_status, last_error) = match result {
            Ok(s) if (200..300).contains(&s) => (ob::DELIVERED, Some(i32::from(s)), None),
            Err(e) if e == NO_SMTP => (ob::SKIPPED, None, Some(e)),
            Ok(s) => {
                let st = if attempts >= max {
                    ob::DEAD
                } else {
                    ob::PENDING
                };
                (st, Some(i32::from(s)), Some(format!("HTTP {s}")))
            }
            Err(e) => {
                let st = if attempts >= max {
                    ob::DEAD
                } else {
                    ob::PENDING
                };
                (st, None, Some(e.chars().take(500).collect()))
            }
        };
        let wait = backoff(ctx.settings.outbox_retry_base_ms, attempts);
        let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
        match status {
            ob::DELIVERED => run.delivered += 1,
            ob::DEAD => run.dead += 1,
            ob::SKIPPED => run.skipped += 1,
            _ => run.failed += 1,
        }
        let url = a.to.label();
        let event = a.message.event_type.clone();
        ctx.db
            .run(move |c| {
                c.write_tx(|c| {
                    ob::record(
                        c,
                        &Outcome {
                            id,
                            status,
                            next_attempt_at: next.naive_utc(),
                            last_status,
                            last_error,
                            delivered_at: (status == ob::DELIVERED).then(|| now.naive_utc()),
                        },
                    )?;
                    if status == ob::DEAD {
                        super::notify::delivery_dead(c, id, &url, &event)?;
                    }
                    Ok::<_, AppError>(())
                })
            })
            .await?;
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_standard_webhooks_example() {
        // The example of the Standard Webhooks specification's test suite.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn private_addresses_refused() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(!address_allowed(a.parse().unwrap()), "{a}");
        }
        for a in ["8.8.8.8", "2606:4700::1111"] {
            assert!(address_allowed(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let d1 = backoff(1000, 1).as_millis();
        assert!((500..1500).contains(&d1));
        let d4 = backoff(1000, 4).as_millis();
        assert!((4000..12000).contains(&d4));
        assert!(backoff(1000, 40).as_millis() < 5_400_000);
    }
}
