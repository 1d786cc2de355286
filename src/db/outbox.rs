//! Outbox messages, the in-app inbox, webhook endpoints and their
//! deliveries. The claim of due deliveries is the one place where the two
//! backends differ: `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock
//! of `BEGIN IMMEDIATE` (one writer at a time) on SQLite.

use super::schema::{deliveries, notifications, outbox_messages, users, webhooks};
use super::{DbConn, DbUuid, QueryResult};
use crate::domain::Role;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox_messages)]
pub struct MessageRow {
    pub id: DbUuid,
    pub event_type: String,
    pub order_id: Option<DbUuid>,
    pub enterprise_id: Option<DbUuid>,
    pub title: String,
    pub body: String,
    pub link: String,
    pub data: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: DbUuid,
    pub user_id: DbUuid,
    pub message_id: DbUuid,
    pub event_type: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: DbUuid,
    /// `webhook`, `wecom` or `dingtalk`.
    pub kind: String,
    /// Bound to one enterprise: hears only of it.
    pub enterprise_id: Option<DbUuid>,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub created_by: DbUuid,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: DbUuid,
    pub message_id: DbUuid,
    /// `webhook` (any endpoint kind) or `email`.
    pub channel: String,
    pub webhook_id: Option<DbUuid>,
    /// The e-mail address of an `email` delivery.
    pub address: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const DEAD: &str = "dead";
/// Nothing to send it with (no `smtp_url`): kept so admins can see it.
pub const SKIPPED: &str = "skipped";

pub const CHANNEL_WEBHOOK: &str = "webhook";
pub const CHANNEL_EMAIL: &str = "email";
/// One e-mail carrying several messages (`delivery_messages`).
pub const CHANNEL_EMAIL_DIGEST: &str = "email_digest";

pub fn insert_message(c: &mut DbConn, row: &MessageRow) -> QueryResult<()> {
    diesel::insert_into(outbox_messages::table)
        .values(row)
        .execute(c)
        .map(drop)
}

pub fn find_message(c: &mut DbConn, id: DbUuid) -> QueryResult<MessageRow> {
    outbox_messages::table
        .find(id)
        .select(MessageRow::as_select())
        .first(c)
}

pub fn insert_notifications(c: &mut DbConn, rows: &[NotificationRow]) -> QueryResult<()> {
    // One statement per row: a message has a handful of recipients.
    for r in rows {
        diesel::insert_into(notifications::table)
            .values(r)
            .execute(c)?;
    }
    Ok(())
}

/// Active accounts of an enterprise.
pub fn enterprise_users(c: &mut DbConn, enterprise: DbUuid) -> QueryResult<Vec<DbUuid>> {
    users::table
        .filter(users::enterprise_id.eq(enterprise))
        .filter(users::role.eq(Role::Enterprise))
        .filter(users::disabled.eq(false))
        .select(users::id)
        .load(c)
}

/// Active accounts of a role.
pub fn users_with_role(c: &mut DbConn, role: Role) -> QueryResult<Vec<DbUuid>> {
    users::table
        .filter(users::role.eq(role))
        .filter(users::disabled.eq(false))
        .select(users::id)
        .load(c)
}

/// The account if it is active.
pub fn active_user(c: &mut DbConn, id: DbUuid) -> QueryResult<Option<DbUuid>> {
    users::table
        .find(id)
        .filter(users::disabled.eq(false))
        .select(users::id)
        .first(c)
        .optional()
}

pub struct InboxFilter {
    pub user: DbUuid,
    pub unread: bool,
    pub before: Option<DbUuid>,
    pub limit: i64,
}

/// One part of the inbox (unread or read), newest first.
pub fn inbox(c: &mut DbConn, f: &InboxFilter) -> QueryResult<Vec<NotificationRow>> {
    let mut q = notifications::table
        .filter(notifications::user_id.eq(f.user))
        .select(NotificationRow::as_select())
        .order(notifications::id.desc())
        .limit(f.limit)
        .into_boxed();
    q = if f.unread {
        q.filter(notifications::read_at.is_null())
    } else {
        q.filter(notifications::read_at.is_not_null())
    };
    if let Some(b) = f.before {
        q = q.filter(notifications::id.lt(b));
    }
    q.load(c)
}

pub fn find_notification(
    c: &mut DbConn,
    user: DbUuid,
    id: DbUuid,
) -> QueryResult<Option<NotificationRow>> {
    notifications::table
        .find(id)
        .filter(notifications::user_id.eq(user))
        .select(NotificationRow::as_select())
        .first(c)
        .optional()
}

pub fn unread_count(c: &mut DbConn, user: DbUuid) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::user_id.eq(user))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(c)
}

/// Marks one (or, with `None`, every) unread notification of `user` read.
pub fn mark_read(
    c: &mut DbConn,
    user: DbUuid,
    id: Option<DbUuid>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let mine = notifications::table
        .filter(notifications::user_id.eq(user))
        .filter(notifications::read_at.is_null());
    match id {
        Some(id) => diesel::update(mine.filter(notifications::id.eq(id)))
            .set(notifications::read_at.eq(at))
            .execute(c),
        None => diesel::update(mine)
            .set(notifications::read_at.eq(at))
            .execute(c),
    }
}

pub fn insert_webhook(c: &mut DbConn, row: &WebhookRow) -> QueryResult<()> {
    diesel::insert_into(webhooks::table)
        .values(row)
        .execute(c)
        .map(drop)
}

pub fn webhooks(c: &mut DbConn) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .select(WebhookRow::as_select())
        .order(webhooks::id.asc())
        .load(c)
}

pub fn find_webhook(c: &mut DbConn, id: DbUuid) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(c)
        .optional()
}

pub fn delete_webhook(c: &mut DbConn, id: DbUuid) -> QueryResult<usize> {
    diesel::delete(deliveries::table.filter(deliveries::webhook_id.eq(id))).execute(c)?;
    diesel::delete(webhooks::table.find(id)).execute(c)
}

pub fn insert_delivery(c: &mut DbConn, row: &DeliveryRow) -> QueryResult<()> {
    diesel::insert_into(deliveries::table)
        .values(row)
        .execute(c)
        .map(drop)
}

pub fn find_delivery(c: &mut DbConn, id: DbUuid) -> QueryResult<Option<DeliveryRow>> {
    deliveries::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(c)
        .optional()
}

/// Whose deliveries: one endpoint's, or the e-mails (single and digests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryTarget {
    Webhook(DbUuid),
    Email,
}

impl DeliveryTarget {
    pub fn holds(self, d: &DeliveryRow) -> bool {
        match self {
            DeliveryTarget::Webhook(w) => d.webhook_id == Some(w),
            DeliveryTarget::Email => {
                [CHANNEL_EMAIL, CHANNEL_EMAIL_DIGEST].contains(&d.channel.as_str())
            }
        }
    }
}

pub struct DeliveryFilter {
    pub target: DeliveryTarget,
    pub status: Option<String>,
    pub before: Option<DbUuid>,
    pub limit: i64,
}

/// Deliveries of one endpoint, or the e-mails, newest first.
pub fn deliveries_of(c: &mut DbConn, f: &DeliveryFilter) -> QueryResult<Vec<DeliveryRow>> {
    let mut q = match f.target {
        DeliveryTarget::Webhook(w) => deliveries::table
            .filter(deliveries::webhook_id.eq(w))
            .into_boxed(),
        DeliveryTarget::Email => deliveries::table
            .filter(deliveries::channel.eq_any([CHANNEL_EMAIL, CHANNEL_EMAIL_DIGEST]))
            .into_boxed(),
    }
    .select(DeliveryRow::as_select())
    .order(deliveries::id.desc())
    .limit(f.limit);
    if let Some(s) = &f.status {
        q = q.filter(deliveries::status.eq(s.clone()));
    }
    if let Some(b) = f.before {
        q = q.filter(deliveries::id.lt(b));
    }
    q.load(c)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = crate::db::types::sql_types::Uuid)]
    id: DbUuid,
}

/// Claims up to `limit` due deliveries for `lease_until`: run inside a
/// write transaction. A row another worker holds (locked now, or leased
/// and not yet expired) is skipped.
pub fn claim_due(
    c: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<DbUuid>> {
    use diesel::sql_types::{BigInt, Text, Timestamp};
    let sql = match c.backend() {
        super::Backend::Postgres => {
            "SELECT id FROM deliveries WHERE status = $1 AND next_attempt_at <= $2 \
             AND (lease_until IS NULL OR lease_until <= $2) ORDER BY next_attempt_at, id \
             LIMIT $3 FOR UPDATE SKIP LOCKED"
        }
        super::Backend::Sqlite => {
            "SELECT id FROM deliveries WHERE status = ?1 AND next_attempt_at <= ?2 \
             AND (lease_until IS NULL OR lease_until <= ?2) ORDER BY next_attempt_at, id \
             LIMIT ?3"
        }
    };
    let ids: Vec<DbUuid> = diesel::sql_query(sql)
        .bind::<Text, _>(PENDING)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<Claimed>(c)?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if !ids.is_empty() {
        diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
            .set((
                deliveries::lease_until.eq(lease_until),
                deliveries::attempts.eq(deliveries::attempts + 1),
            ))
            .execute(c)?;
    }
    Ok(ids)
}

/// The outcome of one attempt.
pub struct Outcome<'a> {
    pub id: DbUuid,
    pub status: &'a str,
    pub next_attempt_at: NaiveDateTime,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
}

pub fn record(c: &mut DbConn, o: &Outcome) -> QueryResult<usize> {
    diesel::update(deliveries::table.find(o.id))
        .set((
            deliveries::status.eq(o.status),
            deliveries::next_attempt_at.eq(o.next_attempt_at),
            deliveries::lease_until.eq(None::<NaiveDateTime>),
            deliveries::last_status.eq(o.last_status),
            deliveries::last_error.eq(o.last_error.clone()),
            deliveries::delivered_at.eq(o.delivered_at),
        ))
        .execute(c)
}

/// A dead delivery back in the queue, due now, with a fresh attempt count.
pub fn replay(c: &mut DbConn, id: DbUuid, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        deliveries::table
            .find(id)
            .filter(deliveries::status.eq(DEAD)),
    )
    .set((
        deliveries::status.eq(PENDING),
        deliveries::attempts.eq(0),
        deliveries::next_attempt_at.eq(now),
        deliveries::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(c)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::notification_preferences)]
#[diesel(treat_none_as_null = true)]
pub struct PreferenceRow {
    pub user_id: DbUuid,
    pub email: Option<String>,
    /// JSON list of muted event types.
    pub muted: String,
    pub updated_at: NaiveDateTime,
}

/// The stored preferences of these users (users who never chose have none).
pub fn preferences_of(c: &mut DbConn, users: &[DbUuid]) -> QueryResult<Vec<PreferenceRow>> {
    use super::schema::notification_preferences as np;
    np::table
        .filter(np::user_id.eq_any(users.to_vec()))
        .select(PreferenceRow::as_select())
        .load(c)
}

/// Writes a user's preferences, replacing what they chose before. Run in
/// a write transaction (update, else insert).
pub fn save_preferences(c: &mut DbConn, row: &PreferenceRow) -> QueryResult<()> {
    use super::schema::notification_preferences as np;
    let updated = diesel::update(np::table.find(row.user_id))
        .set(row)
        .execute(c)?;
    if updated == 0 {
        diesel::insert_into(np::table).values(row).execute(c)?;
    }
    Ok(())
}

/// The digest for `address` that goes out at `at` and has not been tried
/// yet, if one is open.
pub fn open_digest(
    c: &mut DbConn,
    address: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<DbUuid>> {
    deliveries::table
        .filter(deliveries::channel.eq(CHANNEL_EMAIL_DIGEST))
        .filter(deliveries::address.eq(address))
        .filter(deliveries::status.eq(PENDING))
        .filter(deliveries::attempts.eq(0))
        .filter(deliveries::next_attempt_at.eq(at))
        .select(deliveries::id)
        .first(c)
        .optional()
}

pub fn add_to_digest(c: &mut DbConn, delivery: DbUuid, message: DbUuid) -> QueryResult<()> {
    use super::schema::delivery_messages as dm;
    diesel::insert_into(dm::table)
        .values((dm::delivery_id.eq(delivery), dm::message_id.eq(message)))
        .execute(c)?;
    Ok(())
}

/// The messages a digest carries, oldest first.
pub fn digest_messages(c: &mut DbConn, delivery: DbUuid) -> QueryResult<Vec<MessageRow>> {
    use super::schema::delivery_messages as dm;
    dm::table
        .inner_join(outbox_messages::table.on(outbox_messages::id.eq(dm::message_id)))
        .filter(dm::delivery_id.eq(delivery))
        .order((outbox_messages::created_at.asc(), outbox_messages::id.asc()))
        .select(MessageRow::as_select())
        .load(c)
}
