//! Who hears of what: each event worth telling writes one outbox message,
//! an inbox row per recipient and a pending delivery per subscribed
//! webhook, all in the caller's transaction (the change and its message
//! commit or vanish together). Recipients are derived, never typed in,
//! disabled accounts get nothing, and each recipient's own choices
//! (`service::preferences`) decide what reaches their inbox and e-mail.

use super::preferences::Choice;
use crate::db::outbox::{self as ob, DeliveryRow, MessageRow, NotificationRow};
use crate::db::{self, orders::OrderRow, DbConn, DbUuid};
use crate::domain::order::Action;
use crate::domain::{time, Role};
use crate::error::{AppError, AppResult};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Event types as webhooks name them.
pub const EVENT_TYPES: &[&str] = &[
    "order.issued",
    "order.acknowledged",
    "order.submitted",
    "order.rejected",
    "order.accepted",
    "order.cancelled",
    "order.extension_requested",
    "order.extension_decided",
    "order.reminder",
    "order.overdue",
    "order.supervision_letter",
    "order.public_criticism",
    "order.verification_late",
    "order.listed_for_supervision",
    "order.production_stopped",
    "order.assessed",
    "order.resumption_applied",
    "order.resumption_decided",
    "finding.major_self_reported",
    "env_audit.imported",
    "delivery.dead",
];

/// Who an order event concerns.
#[derive(Clone, Copy)]
enum Audience {
    /// The addressee's accounts.
    Addressee,
    /// The issuing inspector and the safety office.
    Park,
    /// Both.
    Everyone,
}

/// The event type, audience and Chinese title of an order action; `None`
/// for actions nobody needs to hear about (progress notes, plan drafts).
fn describe(action: Action, number: &str) -> Option<(&'static str, Audience, String)> {
    use Audience::*;
    let (kind, who, title) = match action {
        Action::Issue => ("order.issued", Addressee, "收到整改通知书"),
        Action::Acknowledge => ("order.acknowledged", Park, "整改通知书已签收"),
        Action::Submit => ("order.submitted", Park, "整改已提交，待复查"),
        Action::Reject => ("order.rejected", Addressee, "复查未通过，请继续整改"),
        Action::Accept => ("order.accepted", Everyone, "复查通过，已销号"),
        Action::Cancel => ("order.cancelled", Addressee, "整改通知书已撤销"),
        Action::RequestExtension => ("order.extension_requested", Park, "申请延期整改"),
        Action::ApproveExtension => ("order.extension_decided", Addressee, "延期申请已批准"),
        Action::DenyExtension => ("order.extension_decided", Addressee, "延期申请未批准"),
        Action::Reminder => ("order.reminder", Addressee, "整改期限临近"),
        Action::Overdue => ("order.overdue", Everyone, "整改已逾期"),
        Action::SupervisionLetter => ("order.supervision_letter", Addressee, "收到督办函"),
        Action::PublicCriticism => ("order.public_criticism", Addressee, "被通报批评"),
        Action::ListForSupervision => {
            ("order.listed_for_supervision", Everyone, "重大隐患挂牌督办")
        }
        Action::RecordStop => (
            "order.production_stopped",
            Everyone,
            "重大隐患停产（停用）治理",
        ),
        Action::Assess => ("order.assessed", Park, "重大隐患治理评估已提交"),
        Action::ApplyResumption => ("order.resumption_applied", Park, "申请复产，待审查"),
        Action::ApproveResumption => ("order.resumption_decided", Addressee, "同意复产"),
        Action::RejectResumption => ("order.resumption_decided", Addressee, "不同意复产"),
        Action::Progress | Action::SavePlan => return None,
    };
    Some((kind, who, format!("{title}：{number}")))
}

fn body_of(row: &OrderRow, action: Action) -> String {
    let to = row
        .department
        .clone()
        .unwrap_or_else(|| "贵单位".to_string());
    let state = row.status.label_zh();
    match action {
        Action::Issue => format!(
            "{to}收到整改通知书{}，整改期限{}。请签收并按要求整改。",
            row.number, row.effective_deadline
        ),
        Action::Reminder => format!(
            "整改通知书{}的整改期限为{}，请按期完成并提交。",
            row.number, row.effective_deadline
        ),
        Action::Overdue => format!(
            "整改通知书{}已超过整改期限{}，尚未完成。",
            row.number, row.effective_deadline
        ),
        _ => format!(
            "整改通知书{}当前状态：{state}；整改期限{}。",
            row.number, row.effective_deadline
        ),
    }
}

/// The console page of an order.
pub fn order_link(id: Uuid) -> String {
    format!("/orders/{id}")
}

/// Records the message of an order event, if it is one worth telling.
/// Called once after the event is appended, inside its transaction.
pub(crate) fn order_event(
    c: &mut DbConn,
    order: DbUuid,
    action: Action,
    actor: Option<Uuid>,
) -> AppResult<()> {
    order_message(c, order, action, actor, None)
}

/// A deadline reminder: told in the inbox at once, by e-mail in the
/// day's digest at `digest_at` (one e-mail per address however many
/// deadlines come near).
pub(crate) fn reminder(
    c: &mut DbConn,
    order: DbUuid,
    digest_at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    order_message(
        c,
        order,
        Action::Reminder,
        None,
        Some(digest_at.naive_utc()),
    )
}

fn order_message(
    c: &mut DbConn,
    order: DbUuid,
    action: Action,
    actor: Option<Uuid>,
    digest_at: Option<chrono::NaiveDateTime>,
) -> AppResult<()> {
    let row = db::orders::find(c, order)?.ok_or_else(|| AppError::not_found("order"))?;
    let Some((kind, audience, title)) = describe(action, &row.number) else {
        return Ok(());
    };
    let mut to = Vec::new();
    if matches!(audience, Audience::Addressee | Audience::Everyone) {
        match row.enterprise_id {
            Some(e) => to.extend(ob::enterprise_users(c, e)?),
            // A department's orders are answered by the safety office.
            None => to.extend(ob::users_with_role(c, Role::SafetyOfficer)?),
        }
    }
    if matches!(audience, Audience::Park | Audience::Everyone) {
        to.extend(ob::active_user(c, row.issued_by)?);
        to.extend(ob::users_with_role(c, Role::SafetyOfficer)?);
    }
    // The one who acted knows already.
    to.retain(|u| Some(u.0) != actor);
    let data = json!({
        "order_id": row.id.0,
        "order_number": row.number,
        "enterprise_id": row.enterprise_id.map(|e| e.0),
        "status": row.status.as_str(),
        "action": action.as_str(),
        "deadline": row.effective_deadline,
    });
    let m = Message {
        kind,
        mail_enterprise: matches!(audience, Audience::Addressee | Audience::Everyone),
        order: Some(row.id),
        enterprise: row.enterprise_id,
        title,
        body: body_of(&row, action),
        link: order_link(row.id.0),
        data,
        digest_at,
    };
    write(c, m, &to, true)
}

/// Records that a submission has waited longer than the 复查 time: the
/// issuing inspector and the safety office hear of it, once per submission.
pub(crate) fn verification_late(c: &mut DbConn, order: DbUuid) -> AppResult<()> {
    let row = db::orders::find(c, order)?.ok_or_else(|| AppError::not_found("order"))?;
    let mut to: Vec<DbUuid> = ob::active_user(c, row.issued_by)?.into_iter().collect();
    to.extend(ob::users_with_role(c, Role::SafetyOfficer)?);
    to.sort();
    to.dedup();
    let submitted = row.submitted_at.map(|t| time::park_today(t.and_utc()));
    let days = crate::domain::order::VERIFICATION_DAYS;
    let m = Message {
        kind: "order.verification_late",
        mail_enterprise: false,
        order: Some(row.id),
        enterprise: row.enterprise_id,
        title: format!("复查超时：{}", row.number),
        body: format!(
            "整改通知书{}已于{}提交整改情况，{days}日内尚未复查，请尽快复查。",
            row.number,
            submitted.map(|d| d.to_string()).unwrap_or_default()
        ),
        link: order_link(row.id.0),
        data: json!({
            "order_id": row.id.0,
            "order_number": row.number,
            "enterprise_id": row.enterprise_id.map(|e| e.0),
            "status": row.status.as_str(),
            "submitted_at": row.submitted_at.map(|t| t.and_utc()),
            "verification_days": days,
        }),
        digest_at: None,
    };
    write(c, m, &to, true)
}

/// A major hazard an enterprise found in its own self-inspection: reported
/// to the safety office at once (16号令 第十四条第二款), with a link to
/// issue its order.
pub(crate) fn major_self_reported(c: &mut DbConn, finding: DbUuid) -> AppResult<()> {
    let f = db::findings::find(c, finding)?.ok_or_else(|| AppError::not_found("finding"))?;
    let Some(e) = f.enterprise_id else {
        return Ok(());
    };
    let name = db::enterprises::find(c, e)?
        .map(|e| e.name)
        .unwrap_or_default();
    let to = ob::users_with_role(c, Role::SafetyOfficer)?;
    let m = Message {
        kind: "finding.major_self_reported",
        mail_enterprise: false,
        order: None,
        enterprise: Some(e),
        title: format!("企业自查上报重大事故隐患：{name}"),
        body: format!(
            "{name}在自查中发现重大事故隐患：{}。请下达整改通知书并跟踪治理。",
            f.description
        ),
        link: format!("/orders/new?enterprise_id={}", e.0),
        data: json!({
            "finding_id": f.id.0,
            "enterprise_id": e.0,
            "description": f.description,
            "major_criterion": f.major_criterion,
        }),
        digest_at: None,
    };
    write(c, m, &to, true)
}

/// Records that a feedback list was imported: the importer and the safety
/// office hear of it.
pub(crate) fn env_audit_imported(
    c: &mut DbConn,
    audit: DbUuid,
    name: &str,
    importer: Uuid,
    created: usize,
    orders: usize,
) -> AppResult<()> {
    let mut to = ob::users_with_role(c, Role::SafetyOfficer)?;
    to.extend(ob::active_user(c, DbUuid(importer))?);
    let m = Message {
        kind: "env_audit.imported",
        mail_enterprise: false,
        order: None,
        enterprise: None,
        title: format!("督察反馈问题清单已导入：{name}"),
        body: format!("新增问题{created}项，生成整改通知书{orders}份。"),
        link: format!("/env-audits/{}", audit.0),
        data: json!({"env_audit_id": audit.0, "created": created, "orders": orders}),
        digest_at: None,
    };
    write(c, m, &to, true)
}

/// Tells the admins that a webhook delivery gave up (inbox only: a dead
/// webhook must not feed more webhooks).
pub(crate) fn delivery_dead(
    c: &mut DbConn,
    delivery: DbUuid,
    url: &str,
    event: &str,
) -> AppResult<()> {
    let to = ob::users_with_role(c, Role::Admin)?;
    let m = Message {
        kind: "delivery.dead",
        mail_enterprise: false,
        order: None,
        enterprise: None,
        title: "Webhook 投递失败".to_string(),
        body: format!("事件{event}多次投递到{url}均失败，已停止重试；可在管理页重放。"),
        link: "/admin/webhooks".to_string(),
        data: json!({"delivery_id": delivery.0, "url": url, "event": event}),
        digest_at: None,
    };
    write(c, m, &to, false)
}

struct Message {
    kind: &'static str,
    /// E-mail the enterprise's contacts (the event is addressed to it).
    mail_enterprise: bool,
    order: Option<DbUuid>,
    enterprise: Option<DbUuid>,
    title: String,
    body: String,
    link: String,
    data: serde_json::Value,
    /// E-mail waits for the digest at this time (None: at once).
    digest_at: Option<chrono::NaiveDateTime>,
}

fn write(c: &mut DbConn, m: Message, to: &[DbUuid], webhooks: bool) -> AppResult<()> {
    let now = time::now().naive_utc();
    let id = DbUuid(Uuid::now_v7());
    let row = MessageRow {
        id,
        event_type: m.kind.to_string(),
        order_id: m.order,
        enterprise_id: m.enterprise,
        title: m.title,
        body: m.body,
        link: m.link,
        data: serde_json::to_string(&m.data).map_err(AppError::internal)?,
        created_at: now,
    };
    ob::insert_message(c, &row)?;
    let mut to = to.to_vec();
    to.sort();
    to.dedup();
    // Each recipient's own choices: what they muted, where their e-mail goes.
    let choices: HashMap<DbUuid, Choice> = ob::preferences_of(c, &to)?
        .iter()
        .map(|p| (p.user_id, Choice::of(p)))
        .collect();
    to.retain(|u| choices.get(u).is_none_or(|ch| ch.wants(m.kind)));
    let inbox: Vec<NotificationRow> = to
        .iter()
        .map(|u| NotificationRow {
            id: DbUuid(Uuid::now_v7()),
            user_id: *u,
            message_id: id,
            event_type: row.event_type.clone(),
            title: row.title.clone(),
            body: row.body.clone(),
            link: row.link.clone(),
            read_at: None,
            created_at: now,
        })
        .collect();
    ob::insert_notifications(c, &inbox)?;
    if !webhooks {
        return Ok(());
    }
    let pending = |channel: &str, webhook: Option<DbUuid>, address: Option<String>| DeliveryRow {
        id: DbUuid(Uuid::now_v7()),
        message_id: id,
        channel: channel.to_string(),
        webhook_id: webhook,
        address,
        status: ob::PENDING.to_string(),
        attempts: 0,
        next_attempt_at: now,
        lease_until: None,
        last_status: None,
        last_error: None,
        delivered_at: None,
        created_at: now,
    };
    for w in ob::webhooks(c)? {
        let events: Vec<String> = serde_json::from_str(&w.events).unwrap_or_default();
        let wanted = events.iter().any(|e| e == m.kind || e == "*");
        // An enterprise's own robot hears only of that enterprise.
        let in_scope = w.enterprise_id.is_none() || w.enterprise_id == m.enterprise;
        if wanted && in_scope {
            ob::insert_delivery(c, &pending(ob::CHANNEL_WEBHOOK, Some(w.id), None))?;
        }
    }
    let mailed = if m.mail_enterprise {
        m.enterprise
    } else {
        None
    };
    let mut addresses = enterprise_emails(c, mailed)?;
    addresses.extend(to.iter().filter_map(|u| choices.get(u)?.email.clone()));
    addresses.sort();
    addresses.dedup();
    for address in addresses {
        match m.digest_at {
            None => ob::insert_delivery(c, &pending(ob::CHANNEL_EMAIL, None, Some(address)))?,
            Some(at) => add_to_digest(
                c,
                pending(ob::CHANNEL_EMAIL_DIGEST, None, Some(address)),
                at,
                now,
            )?,
        }
    }
    Ok(())
}

/// Files message `fresh.message_id` into the open digest of its address for
/// `at`, or opens one with `fresh`. A digest due within minutes is not
/// joined: a worker may be sending it already.
fn add_to_digest(
    c: &mut DbConn,
    mut fresh: DeliveryRow,
    at: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    let address = fresh.address.clone().unwrap_or_default();
    let open = match at - now > chrono::Duration::minutes(5) {
        true => ob::open_digest(c, &address, at)?,
        false => None,
    };
    let digest = match open {
        Some(d) => d,
        None => {
            fresh.next_attempt_at = at;
            ob::insert_delivery(c, &fresh)?;
            fresh.id
        }
    };
    ob::add_to_digest(c, digest, fresh.message_id)?;
    Ok(())
}

/// The e-mail addresses of an enterprise's registered contacts, once each.
fn enterprise_emails(c: &mut DbConn, enterprise: Option<DbUuid>) -> AppResult<Vec<String>> {
    let Some(e) = enterprise else {
        return Ok(Vec::new());
    };
    let Some(row) = db::enterprises::find(c, e)? else {
        return Ok(Vec::new());
    };
    let contacts: Vec<crate::domain::enterprise::Contact> =
        serde_json::from_str(&row.contacts).unwrap_or_default();
    let mut out: Vec<String> = contacts.into_iter().filter_map(|k| k.email).collect();
    out.sort();
    out.dedup();
    Ok(out)
}
