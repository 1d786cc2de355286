//! The park's side of an order: 复查 (accept or reject), extension
//! decisions, cancellation and the escalation of an overdue order
//! (督办函, then 通报批评). Each command checks its body, changes the order
//! in place and answers the event it records.

use super::actions::Act;
use super::chain::EventBody;
use super::view::escalation_of;
use super::{future_date, optional_text, require_text};
use crate::db::{self, DbUuid};
use crate::domain::checklist::HazardLevel;
use crate::domain::duties::{self, DutyRule, VerifyCase};
use crate::domain::env_audit::{self, Acceptance, Disclosure};
use crate::domain::finding::{FindingStatus, Source};
use crate::domain::order::{self as rules, EscalationRefusal, ExtensionStatus, NumberKind};
use crate::domain::Role;
use crate::error::{codes, AppError, AppResult};
use crate::service::evidence::Evidence;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Reject,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    pub decision: Decision,
    /// 复查意见 (required to reject).
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
    /// Documents: 验收意见, 公示截图, 检测报告 …
    #[serde(default)]
    pub document_ids: Vec<Uuid>,
    /// Seen by park staff only, never by the enterprise.
    #[serde(default)]
    pub internal_note: Option<String>,
    /// 验收: required to close an environmental inspection item.
    #[serde(default)]
    pub acceptance: Option<Acceptance>,
    /// 公示: required to close an environmental inspection item.
    #[serde(default)]
    pub disclosure: Option<Disclosure>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDecisionBody {
    pub approve: bool,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    pub reason: String,
    #[serde(default)]
    pub internal_note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisionBody {
    /// New time limit set by the 督办函.
    pub time_limit: NaiveDate,
    #[serde(default)]
    pub comment: String,
}

/// Park staff's note kept in the event data; hidden from enterprises when
/// read (`view::event_view`).
fn with_internal_note(mut data: Value, note: Option<&str>) -> Value {
    if let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) {
        data["internal_note"] = json!(n);
    }
    data
}

/// Closing an order that carries 督察反馈问题 records their 验收 and 公示;
/// answers what the event keeps of it (nothing for other orders).
fn close_env_audit_items(a: &mut Act, b: &VerifyBody) -> AppResult<Option<Value>> {
    let items: Vec<DbUuid> = db::orders::findings_of(a.c, a.row.id)?
        .into_iter()
        .filter(|f| f.source == Source::EnvAudit)
        .map(|f| f.id)
        .collect();
    if items.is_empty() {
        return Ok(None);
    }
    if a.who.role != Role::SafetyOfficer {
        return Err(AppError::forbidden("督察反馈问题的验收销号由安全办进行 / the safety office accepts environmental inspection items"));
    }
    let (acc, dis) =
        env_audit::check_closing(b.acceptance.as_ref(), b.disclosure.as_ref(), a.today())
            .map_err(AppError::Validation)?;
    let at = a.now.naive_utc();
    let acceptance = (acc.date, acc.opinion.trim());
    let disclosure = (dis.date, dis.place.trim());
    db::env_audits::record_closure(a.c, &items, acceptance, disclosure, at)?;
    Ok(Some(json!({"acceptance": acc, "disclosure": dis})))
}

/// The separation-of-duties rules this verification breaks: 403 naming
/// the first, unless `allow_self_verification` (a one-person office) lets
/// it through; then they are answered, to be marked on the event.
/// `submitted_by` is the action whose last actor counts as the submitter
/// (submit for 复查, the application for a 复产 decision).
pub(super) fn check_duties(a: &mut Act, submitted_by: rules::Action) -> AppResult<Vec<DutyRule>> {
    let submitter = db::orders::events_of(a.c, a.row.id)?
        .into_iter()
        .rev()
        .find(|e| e.action == submitted_by)
        .and_then(|e| e.actor_id)
        .map(|u| u.0);
    let reporters: Vec<Uuid> = db::orders::findings_of(a.c, a.row.id)?
        .iter()
        .map(|f| f.reported_by.0)
        .collect();
    let broken = duties::broken(&VerifyCase {
        verifier: a.who.user_id,
        submitter,
        issuer: a.row.issued_by.0,
        reporters: &reporters,
        major: a.row.level == HazardLevel::Major,
        department_owned: a.row.enterprise_id.is_none(),
    });
    match broken.first() {
        Some(rule) if !a.settings.allow_self_verification => Err(AppError::forbidden_because(
            codes::SEPARATION_OF_DUTIES,
            format!("{} ({})", rule.message(), rule.as_str()),
        )),
        _ => Ok(broken),
    }
}

pub(super) fn verify(a: &mut Act, b: &VerifyBody) -> AppResult<EventBody> {
    let accept = b.decision == Decision::Accept;
    let waived = check_duties(a, rules::Action::Submit)?;
    if !accept {
        require_text("opinion", &b.opinion, 4000)?;
        super::major::reopen_on_reject(a, &b.opinion)?;
    } else {
        super::major::check_closable(a)?;
    }
    optional_text("opinion", &b.opinion, 4000)?;
    optional_text(
        "internal_note",
        b.internal_note.as_deref().unwrap_or(""),
        4000,
    )?;
    a.attach(&Evidence::of("", &b.photo_ids, &b.document_ids))?;
    let decision = json!({"decision": if accept { "accept" } else { "reject" }});
    let mut data = super::answers::with_documents(decision, &b.document_ids);
    if accept {
        if let Some(Value::Object(closing)) = close_env_audit_items(a, b)? {
            for (k, v) in closing {
                data[k] = v;
            }
        }
        let at = a.now.naive_utc();
        let issued_day = rules::park_today(a.row.issued_at.and_utc());
        a.row.closed_at = Some(at);
        a.row.days_to_close = Some((a.today() - issued_day).num_days() as i32);
        db::orders::set_findings_status(a.c, a.row.id, FindingStatus::Closed, at)?;
    }
    if !waived.is_empty() {
        // Allowed by `allow_self_verification`: marked, and counted in stats.
        let names: Vec<&str> = waived.iter().map(|r| r.as_str()).collect();
        data["self_verification"] = json!(names);
    }
    let data = with_internal_note(data, b.internal_note.as_deref());
    Ok(EventBody::new(&b.opinion, data).with_photos(b.photo_ids.clone()))
}

pub(super) fn decide_extension(
    a: &mut Act,
    rid: Uuid,
    b: &ExtensionDecisionBody,
) -> AppResult<EventBody> {
    let x = db::orders::find_extension(a.c, DbUuid(rid))?
        .filter(|x| x.order_id == a.row.id)
        .ok_or_else(|| AppError::not_found("延期申请 extension request"))?;
    if x.status != ExtensionStatus::Pending {
        return Err(AppError::conflict(
            codes::EXTENSION_DECIDED,
            "该延期申请已审批 / this request was already decided",
        ));
    }
    if !b.approve {
        require_text("comment", &b.comment, 2000)?;
    }
    optional_text("comment", &b.comment, 2000)?;
    if b.approve && rules::extension_expired(x.requested_deadline, a.today()) {
        return Err(AppError::conflict(
            codes::EXTENSION_EXPIRED,
            "申请的期限已过，不能再批准 / the requested deadline has already passed",
        ));
    }
    let status = ExtensionStatus::decided(b.approve);
    let by = DbUuid(a.who.user_id);
    db::orders::decide_extension(a.c, x.id, status, by, a.now.naive_utc(), b.comment.trim())?;
    if b.approve {
        a.row.effective_deadline = x.requested_deadline;
        a.row.reminder_recorded = false;
    }
    let data = json!({"request_id": rid, "approve": b.approve, "effective_deadline": a.row.effective_deadline});
    Ok(EventBody::new(&b.comment, data))
}

pub(super) fn cancel(a: &mut Act, b: &CancelBody) -> AppResult<EventBody> {
    require_text("reason", &b.reason, 2000)?;
    optional_text(
        "internal_note",
        b.internal_note.as_deref().unwrap_or(""),
        4000,
    )?;
    let at = a.now.naive_utc();
    a.row.cancelled_at = Some(at);
    // An enterprise's hazards still need fixing: back to open, free for a new
    // order. A department's item has no other way to be ordered: cancelled.
    let released = match a.row.enterprise_id {
        Some(_) => FindingStatus::Open,
        None => FindingStatus::Cancelled,
    };
    db::orders::set_findings_status(a.c, a.row.id, released, at)?;
    let data = with_internal_note(json!({}), b.internal_note.as_deref());
    Ok(EventBody::new(&b.reason, data))
}

fn escalation_refused(r: EscalationRefusal) -> AppError {
    match r {
        EscalationRefusal::NotOverdue => AppError::conflict(
            codes::NOT_OVERDUE,
            "整改通知书未逾期，不能下达督办函 / the order is not overdue",
        ),
        EscalationRefusal::LetterAlreadyIssued => AppError::conflict(
            codes::ALREADY_ESCALATED,
            "已下达督办函 / a supervision letter was already issued",
        ),
        EscalationRefusal::LetterRequired => AppError::conflict(
            codes::SUPERVISION_LETTER_REQUIRED,
            "通报批评前须先下达督办函 / a supervision letter comes first",
        ),
        EscalationRefusal::TimeLimitRunning(l) => AppError::conflict(
            codes::SUPERVISION_TIME_LIMIT_RUNNING,
            format!("督办时限{l}未到 / the supervision time limit {l} has not passed"),
        ),
        EscalationRefusal::AlreadyCriticised => AppError::conflict(
            codes::ALREADY_ESCALATED,
            "已通报批评 / already publicly criticised",
        ),
    }
}

/// The next number of a document kind in the park's year.
fn next_document(a: &mut Act, kind: NumberKind) -> AppResult<String> {
    let year = rules::park_year(a.now);
    let n = db::orders::next_number(a.c, kind.as_str(), year)?;
    Ok(rules::document_number(kind, year, n))
}

pub(super) fn supervision_letter(a: &mut Act, b: &SupervisionBody) -> AppResult<EventBody> {
    let overdue = rules::is_overdue(a.row.status, a.row.effective_deadline, a.now);
    escalation_of(a.row)
        .check_letter(overdue)
        .map_err(escalation_refused)?;
    optional_text("comment", &b.comment, 4000)?;
    if b.time_limit <= a.today() {
        return Err(AppError::field(
            "time_limit",
            "督办时限须晚于今天 / time_limit must be after today",
        ));
    }
    future_date("time_limit", b.time_limit, a.today())?;
    let number = next_document(a, NumberKind::SupervisionLetter)?;
    a.row.supervision_letter_number = Some(number.clone());
    a.row.supervision_letter_time_limit = Some(b.time_limit);
    a.row.supervision_letter_at = Some(a.now.naive_utc());
    let data = json!({"number": number, "time_limit": b.time_limit});
    Ok(EventBody::new(&b.comment, data))
}

pub(super) fn public_criticism(a: &mut Act, b: &super::CommentBody) -> AppResult<EventBody> {
    optional_text("comment", &b.comment, 4000)?;
    escalation_of(a.row)
        .check_criticism(a.today())
        .map_err(escalation_refused)?;
    let number = next_document(a, NumberKind::PublicCriticism)?;
    a.row.public_criticism_number = Some(number.clone());
    a.row.public_criticism_at = Some(a.now.naive_utc());
    Ok(EventBody::new(&b.comment, json!({ "number": number })))
}
