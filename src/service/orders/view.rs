//! What callers read of an order: the view with what they may do now, its
//! events and extension requests, the ETag, and filtered lists.

use super::{major, scoped};
use crate::db::major_hazards::MajorFileRow;
use crate::db::{
    self,
    orders::{EventRow, ExtensionRow, OrderFilter, OrderRow},
    DbConn, DbUuid,
};
use crate::domain::checklist::HazardLevel;
use crate::domain::finding::Source;
use crate::domain::order::{
    self as rules, Action, Escalation, ExtensionStatus, MajorReason, OrderStatus, PublicCriticism,
    SupervisionLetter,
};
use crate::domain::time;
use crate::error::{AppError, AppResult};
use crate::service::findings::{self as findings_svc, FindingView};
use crate::service::pagination::{self, Page};
use crate::service::{Ctx, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// 治理方案: the local rules' 五落实 plus safety measures and contingency plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// 治理目标和任务
    pub goal: String,
    /// 采取的方法和措施
    pub measures: String,
    /// 经费和物资
    pub funds: String,
    /// 负责治理的机构和人员
    pub responsible_people: String,
    /// 治理时限
    pub time_limit: NaiveDate,
    /// 安全措施
    pub safety_measures: String,
    /// 应急预案
    pub contingency_plan: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: i32,
    pub action: Action,
    pub action_label: String,
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub at: DateTime<Utc>,
    pub comment: String,
    pub photo_ids: Vec<Uuid>,
    #[schema(value_type = Object)]
    pub data: Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExtensionView {
    pub id: Uuid,
    pub requested_deadline: NaiveDate,
    pub reason: String,
    pub status: ExtensionStatus,
    pub requested_by: Uuid,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    /// e.g. 安环整改〔2026〕0007号
    pub number: String,
    /// The enterprise addressed; null for a department-owned audit item.
    pub enterprise_id: Option<Uuid>,
    pub department: Option<String>,
    pub status: OrderStatus,
    pub status_label: String,
    pub level: HazardLevel,
    pub major_reason: Option<MajorReason>,
    pub requirements: String,
    /// The deadline as issued.
    pub deadline: NaiveDate,
    /// The deadline in force (after approved extensions).
    pub effective_deadline: NaiveDate,
    /// Computed in the park's time zone (Asia/Shanghai); never a state.
    pub overdue: bool,
    pub days_left: Option<i64>,
    /// Waiting for verification longer than the 10-day 复查时限.
    pub verification_late: bool,
    pub plan: Option<Plan>,
    /// The enterprise's 整改责任人, once named (at 签收).
    pub responsible_person: Option<super::ResponsiblePerson>,
    /// The 督办函 and 通报批评 the order received, if any.
    pub escalation: Option<Escalation>,
    /// A major-hazard order's path (挂牌督办, stop, 评估, 复产) and what
    /// closing still needs; absent for a general hazard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub major_hazard: Option<major::MajorHazardView>,
    pub issued_by: Uuid,
    pub issued_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub version: i32,
    /// What the caller may do now (state and role).
    pub allowed_actions: Vec<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<Vec<FindingView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_requests: Option<Vec<ExtensionView>>,
    /// Documents attached through its events, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<crate::service::documents::DocumentView>>,
}

/// The entity tag of an order's current version (for `If-Match`).
pub fn etag(id: Uuid, version: i32) -> String {
    format!("\"{id}-v{version}\"")
}

/// Is an extension request of this order waiting for a decision?
pub(super) fn extension_pending(c: &mut DbConn, row: &OrderRow) -> AppResult<bool> {
    Ok(db::orders::extensions_of(c, row.id)?
        .iter()
        .any(|x| x.status == ExtensionStatus::Pending))
}

/// Would `action` pass the rules that depend on more than the state (the
/// deadline, the escalation steps, a pending extension, the plan) now?
fn rules_allow(
    action: Action,
    row: &OrderRow,
    pending: bool,
    file: Option<&Option<MajorFileRow>>,
    now: DateTime<Utc>,
) -> bool {
    if action.major_only() {
        return major::offered(action, row, file);
    }
    match action {
        Action::Accept => major::closable(row, file),
        Action::SupervisionLetter => escalation_of(row)
            .check_letter(rules::is_overdue(row.status, row.effective_deadline, now))
            .is_ok(),
        Action::PublicCriticism => escalation_of(row)
            .check_criticism(rules::park_today(now))
            .is_ok(),
        Action::ApproveExtension | Action::DenyExtension => pending,
        Action::RequestExtension => !pending,
        Action::Submit => row.level != HazardLevel::Major || row.plan.is_some(),
        _ => true,
    }
}

/// The user actions `who` may take on `row` now: the state, the role, and
/// the rules of each action (a not-overdue order offers no supervision
/// letter, an order without a pending request no extension decision).
/// `pending` says whether an extension request waits for a decision;
/// `file` is the major-hazard file (`major::file_of`).
pub(super) fn allowed_for(
    who: &Principal,
    row: &OrderRow,
    pending: bool,
    file: Option<&Option<MajorFileRow>>,
) -> Vec<Action> {
    let department = row.enterprise_id.is_none();
    let now = time::now();
    rules::allowed(row.status)
        .into_iter()
        .filter(|a| rules::may_on(who.role, *a, row.level, department))
        .filter(|a| rules_allow(*a, row, pending, file, now))
        .collect()
}

/// The escalation steps stored on the row, in the shape clients read.
pub(super) fn escalation_of(row: &OrderRow) -> Escalation {
    Escalation {
        supervision_letter: match (
            &row.supervision_letter_number,
            row.supervision_letter_time_limit,
            row.supervision_letter_at,
        ) {
            (Some(number), Some(time_limit), Some(at)) => Some(SupervisionLetter {
                number: number.clone(),
                time_limit,
                at: at.and_utc(),
            }),
            _ => None,
        },
        public_criticism: match (&row.public_criticism_number, row.public_criticism_at) {
            (Some(number), Some(at)) => Some(PublicCriticism {
                number: number.clone(),
                at: at.and_utc(),
            }),
            _ => None,
        },
    }
}

pub(crate) fn event_view(e: EventRow, who: &Principal) -> EventView {
    // A tampered row must still be readable (verification reports it).
    let mut data: Value =
        serde_json::from_str(&e.data).unwrap_or_else(|_| Value::String(e.data.clone()));
    if !who.role.is_park_staff() {
        // Internal notes of park staff are not for the enterprise, nor for
        // a third-party agency.
        if let Some(m) = data.as_object_mut() {
            m.remove("internal_note");
        }
    }
    EventView {
        seq: e.seq,
        action: e.action,
        action_label: e.action.label_zh().to_string(),
        actor_id: e.actor_id.map(|a| a.0),
        actor_role: e.actor_role,
        at: e.at.and_utc(),
        comment: e.comment,
        photo_ids: serde_json::from_str(&e.photo_ids).unwrap_or_default(),
        data,
        prev_hash: e.prev_hash,
        hash: e.hash,
    }
}

fn extension_view(x: ExtensionRow) -> ExtensionView {
    ExtensionView {
        id: x.id.0,
        requested_deadline: x.requested_deadline,
        reason: x.reason,
        status: x.status,
        requested_by: x.requested_by.0,
        requested_at: x.requested_at.and_utc(),
        decided_by: x.decided_by.map(|d| d.0),
        decided_at: x.decided_at.map(|d| d.and_utc()),
        decision_comment: x.decision_comment,
    }
}

/// Findings, events and extension requests of an order.
type Details = (Vec<FindingView>, Vec<EventView>, Vec<ExtensionView>);

fn details(c: &mut DbConn, row: &OrderRow, who: &Principal) -> AppResult<Details> {
    let findings = db::orders::findings_of(c, row.id)?
        .into_iter()
        .map(findings_svc::view)
        .collect::<AppResult<Vec<_>>>()?;
    let events = db::orders::events_of(c, row.id)?
        .into_iter()
        .map(|e| event_view(e, who))
        .collect();
    let extensions = db::orders::extensions_of(c, row.id)?
        .into_iter()
        .map(extension_view)
        .collect();
    Ok((findings, events, extensions))
}

pub(crate) fn view(
    c: &mut DbConn,
    row: OrderRow,
    who: &Principal,
    full: bool,
) -> AppResult<OrderView> {
    let now = time::now();
    let pending = row.status.is_open() && extension_pending(c, &row)?;
    let file = major::file_of(c, &row)?;
    let allowed = allowed_for(who, &row, pending, file.as_ref());
    let major_hazard = file
        .as_ref()
        .map(|f| major::view_of(f.as_ref(), rules::park_today(now)));
    let escalation = Some(escalation_of(&row)).filter(|e| !e.is_empty());
    let (findings, events, extensions) = match full {
        true => {
            let (f, e, x) = details(c, &row, who)?;
            (Some(f), Some(e), Some(x))
        }
        false => (None, None, None),
    };
    let documents = match full {
        true => Some(
            db::documents::of_order(c, row.id)?
                .into_iter()
                .map(crate::service::documents::view)
                .collect(),
        ),
        false => None,
    };
    let status = row.status;
    Ok(OrderView {
        id: row.id.0,
        number: row.number,
        enterprise_id: row.enterprise_id.map(|e| e.0),
        department: row.department,
        status,
        status_label: status.label_zh().into(),
        level: row.level,
        major_reason: row.major_reason,
        requirements: row.requirements,
        deadline: row.deadline,
        effective_deadline: row.effective_deadline,
        overdue: rules::is_overdue(status, row.effective_deadline, now),
        days_left: rules::days_left(status, row.effective_deadline, now),
        verification_late: rules::verification_late(
            status,
            row.submitted_at.map(|t| t.and_utc()),
            now,
        ),
        plan: row
            .plan
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(AppError::internal)?,
        responsible_person: row
            .responsible_name
            .clone()
            .zip(row.responsible_phone.clone())
            .map(|(name, phone)| super::ResponsiblePerson { name, phone }),
        escalation,
        major_hazard,
        issued_by: row.issued_by.0,
        issued_at: row.issued_at.and_utc(),
        submitted_at: row.submitted_at.map(|t| t.and_utc()),
        closed_at: row.closed_at.map(|t| t.and_utc()),
        cancelled_at: row.cancelled_at.map(|t| t.and_utc()),
        version: row.version,
        allowed_actions: allowed,
        findings,
        events,
        extension_requests: extensions,
        documents,
    })
}

pub async fn get(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<OrderView> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let row = scoped(&who, db::orders::find(c, DbUuid(id))?)?;
            view(c, row, &who, true)
        })
        .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    pub enterprise_id: Option<Uuid>,
    pub status: Option<OrderStatus>,
    pub level: Option<HazardLevel>,
    pub overdue: Option<bool>,
    /// Orders waiting for verification longer than the 10-day limit.
    pub verification_late: Option<bool>,
    pub deadline_from: Option<NaiveDate>,
    pub deadline_to: Option<NaiveDate>,
    /// Orders with a finding of this source (inspection, self_inspection, env_audit, ad_hoc).
    pub source: Option<Source>,
    /// Orders carrying items of this environmental inspection batch.
    pub audit_id: Option<Uuid>,
    /// Text in the order's number, its requirements or one of its
    /// findings' descriptions (at most 100 characters).
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn filter_of(who: &Principal, q: OrderQuery, limit: i64) -> AppResult<OrderFilter> {
    let before = pagination::decode_seek(q.cursor.as_deref())?;
    for (field, d) in [
        ("deadline_from", q.deadline_from),
        ("deadline_to", q.deadline_to),
    ] {
        if d.is_some_and(|d| !(1970..=9999).contains(&chrono::Datelike::year(&d))) {
            return Err(AppError::field(field, "日期超出范围 / date out of range"));
        }
    }
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > 100 || t.chars().any(char::is_control)) {
        return Err(AppError::field(
            "q",
            "搜索词至多100个字符，不含控制字符 / at most 100 characters, no control characters",
        ));
    }
    let now = time::now();
    let today = rules::park_today(now);
    Ok(OrderFilter {
        text: text.map(str::to_string),
        only_enterprises: who.scope_filter(),
        enterprise_id: q.enterprise_id.map(DbUuid),
        statuses: q.status.map(|s| vec![s]),
        level: q.level,
        overdue_on: (q.overdue == Some(true)).then_some(today),
        not_overdue_on: (q.overdue == Some(false)).then_some(today),
        deadline_from: q.deadline_from,
        deadline_to: q.deadline_to,
        source: q.source,
        audit_id: q.audit_id.map(DbUuid),
        submitted_before: (q.verification_late == Some(true))
            .then(|| (now - chrono::Duration::days(rules::VERIFICATION_DAYS)).naive_utc()),
        before: before.map(|(t, id)| (t, DbUuid(id))),
        limit: limit + 1,
    })
}

pub async fn list(ctx: &Ctx, who: &Principal, q: OrderQuery) -> AppResult<Page<OrderView>> {
    let limit = pagination::limit(q.limit)?;
    let filter = filter_of(who, q, limit)?;
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let mut rows = db::orders::list(c, &filter)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = rows
                .last()
                .filter(|_| more)
                .map(|r| pagination::encode_seek(r.issued_at, r.id.0));
            let items = rows
                .into_iter()
                .map(|r| view(c, r, &who, false))
                .collect::<AppResult<Vec<_>>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}
