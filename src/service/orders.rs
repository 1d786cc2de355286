//! Rectification orders: issue, the enterprise's answers, verification and
//! closing (销号), extensions, cancellation, escalation — every change one
//! hash-chained event, every state change guarded by the order's version.

use super::findings::{self as findings_svc, FindingView};
use super::pagination::{self, Page};
use super::{Ctx, Principal};
use crate::db::{
    self,
    orders::{EventRow, ExtensionRow, OrderFilter, OrderRow},
    DbConn, DbUuid,
};
use crate::domain::checklist::HazardLevel;
use crate::domain::hash_chain::{self, Canonical, GENESIS};
use crate::domain::order::{self as rules, Action, MajorReason, NumberKind, OrderStatus};
use crate::domain::{geo, time, FieldErrors, Role};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

fn not_found() -> AppError {
    AppError::not_found("整改通知书 rectification order")
}

fn corrupt(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("stored order has an invalid {what}"))
}

fn text_ok(s: &str, max: usize) -> bool {
    let n = s.trim().chars().count();
    n > 0 && n <= max
}

// ------------------------------------------------------------------ views

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
    pub action: String,
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
    /// pending, approved or denied
    pub status: String,
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
    #[schema(value_type = Option<Object>)]
    pub escalation: Option<Value>,
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
}

pub fn etag(row: &OrderRow) -> String {
    format!("\"{}-v{}\"", row.id.0, row.version)
}

fn status_of(row: &OrderRow) -> AppResult<OrderStatus> {
    OrderStatus::parse(&row.status).ok_or_else(|| corrupt("status"))
}

fn level_of(row: &OrderRow) -> AppResult<HazardLevel> {
    HazardLevel::parse(&row.level).ok_or_else(|| corrupt("level"))
}

fn allowed_for(
    who: &Principal,
    row: &OrderRow,
    status: OrderStatus,
    level: HazardLevel,
) -> Vec<Action> {
    let department = row.enterprise_id.is_none();
    rules::allowed(status)
        .into_iter()
        .filter(|a| rules::may_on(who.role, *a, level, department))
        .collect()
}

fn event_view(e: EventRow, who: &Principal) -> AppResult<EventView> {
    // A tampered row must still be readable (verification reports it).
    let mut data: Value =
        serde_json::from_str(&e.data).unwrap_or_else(|_| Value::String(e.data.clone()));
    if who.role == Role::Enterprise {
        // Internal notes of inspectors are not for the enterprise.
        if let Some(m) = data.as_object_mut() {
            m.remove("internal_note");
        }
    }
    let action = e.action.clone();
    let label = [Action::Issue]
        .into_iter()
        .chain(Action::USER)
        .chain([Action::Reminder, Action::Overdue])
        .find(|a| a.as_str() == action)
        .map(|a| a.label_zh().to_string())
        .unwrap_or_else(|| action.clone());
    Ok(EventView {
        seq: e.seq,
        action,
        action_label: label,
        actor_id: e.actor_id.map(|a| a.0),
        actor_role: e.actor_role,
        at: e.at.and_utc(),
        comment: e.comment,
        photo_ids: serde_json::from_str(&e.photo_ids).unwrap_or_default(),
        data,
        prev_hash: e.prev_hash,
        hash: e.hash,
    })
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

fn view(c: &mut DbConn, row: OrderRow, who: &Principal, full: bool) -> AppResult<OrderView> {
    let now = time::now();
    let status = status_of(&row)?;
    let level = level_of(&row)?;
    let allowed = allowed_for(who, &row, status, level);
    let (findings, events, extensions) = if full {
        let f = db::orders::findings_of(c, row.id)?
            .into_iter()
            .map(findings_svc::view)
            .collect::<AppResult<Vec<_>>>()?;
        let e = db::orders::events_of(c, row.id)?
            .into_iter()
            .map(|e| event_view(e, who))
            .collect::<AppResult<Vec<_>>>()?;
        let x = db::orders::extensions_of(c, row.id)?
            .into_iter()
            .map(extension_view)
            .collect();
        (Some(f), Some(e), Some(x))
    } else {
        (None, None, None)
    };
    Ok(OrderView {
        id: row.id.0,
        number: row.number,
        enterprise_id: row.enterprise_id.map(|e| e.0),
        department: row.department,
        status,
        status_label: status.label_zh().into(),
        level,
        major_reason: row.major_reason.as_deref().and_then(MajorReason::parse),
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
        escalation: row
            .escalation
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(AppError::internal)?,
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
    })
}

// ------------------------------------------------------------------ events

fn canonical_at(t: chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Appends one event to the order's chain.
#[allow(clippy::too_many_arguments)]
fn append(
    c: &mut DbConn,
    order: DbUuid,
    action: Action,
    who: Option<&Principal>,
    comment: &str,
    photos: &[Uuid],
    data: Value,
    internal: bool,
) -> AppResult<EventRow> {
    let (seq, prev) = db::orders::last_event(c, order)?
        .map(|(s, h)| (s + 1, h))
        .unwrap_or((1, GENESIS.to_string()));
    let at = time::now().naive_utc();
    let photo_ids: Vec<String> = photos.iter().map(|p| p.to_string()).collect();
    let data = serde_json::to_string(&data).map_err(AppError::internal)?;
    let order_s = order.0.to_string();
    let actor = who.map(|w| w.user_id.to_string());
    let role = who.map_or("system", |w| w.role.as_str());
    let at_s = canonical_at(at);
    let canonical = Canonical {
        order_id: &order_s,
        seq,
        action: action.as_str(),
        actor_id: actor.as_deref(),
        actor_role: role,
        at: &at_s,
        comment,
        photo_ids: &photo_ids,
        data: &data,
    };
    let hash = hash_chain::hash(&prev, &canonical);
    let row = EventRow {
        id: DbUuid(Uuid::now_v7()),
        order_id: order,
        seq,
        action: action.as_str().into(),
        actor_id: who.map(|w| DbUuid(w.user_id)),
        actor_role: role.into(),
        at,
        comment: comment.to_string(),
        photo_ids: serde_json::to_string(&photo_ids).map_err(AppError::internal)?,
        data,
        internal,
        prev_hash: prev,
        hash,
    };
    db::orders::insert_event(c, &row)?;
    Ok(row)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    /// True when every stored event still hashes to its stored hash and links to its predecessor.
    pub valid: bool,
    pub events: usize,
    pub broken_at: Option<hash_chain::Break>,
}

/// Every change of an order adds one event and one version, so the
/// version also tells when events were deleted from the end.
fn verify_rows(order: DbUuid, version: i32, rows: &[EventRow]) -> ChainReport {
    let order_s = order.0.to_string();
    let mut owned = Vec::new();
    for e in rows {
        let photos: Vec<String> = match serde_json::from_str(&e.photo_ids) {
            Ok(p) => p,
            Err(_) => {
                return ChainReport {
                    valid: false,
                    events: rows.len(),
                    broken_at: Some(hash_chain::Break {
                        seq: e.seq,
                        reason: "hash".into(),
                    }),
                }
            }
        };
        owned.push((
            e.actor_id.map(|a| a.0.to_string()),
            canonical_at(e.at),
            photos,
        ));
    }
    let items = rows
        .iter()
        .zip(owned.iter())
        .map(|(e, (actor, at, photos))| {
            (
                Canonical {
                    order_id: &order_s,
                    seq: e.seq,
                    action: &e.action,
                    actor_id: actor.as_deref(),
                    actor_role: &e.actor_role,
                    at,
                    comment: &e.comment,
                    photo_ids: photos,
                    data: &e.data,
                },
                e.prev_hash.as_str(),
                e.hash.as_str(),
            )
        });
    // Gaps in the sequence are breaks too (a deleted event).
    if let Some((i, e)) = rows
        .iter()
        .enumerate()
        .find(|(i, e)| e.seq != *i as i32 + 1)
    {
        let _ = i;
        return ChainReport {
            valid: false,
            events: rows.len(),
            broken_at: Some(hash_chain::Break {
                seq: e.seq,
                reason: "sequence".into(),
            }),
        };
    }
    if rows.len() as i32 != version {
        let seq = rows.len() as i32 + 1;
        return ChainReport {
            valid: false,
            events: rows.len(),
            broken_at: Some(hash_chain::Break {
                seq,
                reason: "missing".into(),
            }),
        };
    }
    match hash_chain::verify(items) {
        Ok(n) => ChainReport {
            valid: true,
            events: n,
            broken_at: None,
        },
        Err(b) => ChainReport {
            valid: false,
            events: rows.len(),
            broken_at: Some(b),
        },
    }
}

// ------------------------------------------------------------------ issue

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    pub enterprise_id: Uuid,
    pub finding_ids: Vec<Uuid>,
    /// 整改要求
    pub requirements: String,
    /// 整改期限 (a park calendar day)
    pub deadline: NaiveDate,
    /// Required when any finding is a major hazard.
    #[serde(default)]
    pub major_reason: Option<MajorReason>,
}

fn scoped(who: &Principal, row: Option<OrderRow>) -> AppResult<OrderRow> {
    row.filter(|r| who.can_see(r.enterprise_id.map(|e| e.0)))
        .ok_or_else(not_found)
}

pub async fn create(ctx: &Ctx, who: &Principal, input: NewOrder) -> AppResult<OrderView> {
    if !rules::may(who.role, Action::Issue, HazardLevel::General) {
        return Err(AppError::forbidden("只有检查员和安全办可以下达整改通知书 / only inspectors and the safety office issue orders"));
    }
    let viewer = who.clone();
    let who = who.clone();
    let mut ids = input.finding_ids.clone();
    ids.sort();
    ids.dedup();
    // The first order of a year inserts its counter row; two such requests
    // racing on PostgreSQL make one retry (then it finds the row).
    let id = super::retry_once_on_duplicate(ctx, move |c| {
            {
                let now = time::now();
                let mut e = FieldErrors::new();
                if !who.can_see_enterprise(input.enterprise_id) || db::enterprises::find(c, DbUuid(input.enterprise_id))?.is_none() {
                    e.add("enterprise_id", "企业不存在 / enterprise not found");
                }
                if !text_ok(&input.requirements, 4000) {
                    e.add("requirements", "整改要求应为1到4000字 / requirements must be 1..4000 characters");
                }
                if future_date("deadline", input.deadline, rules::park_today(now)).is_err() {
                    e.add("deadline", "整改期限应在今天到十年之内 / the deadline must be between today and ten years ahead");
                }
                if ids.is_empty() {
                    e.add("finding_ids", "至少包含一项隐患 / at least one finding");
                }
                let mut level = HazardLevel::General;
                for fid in &ids {
                    match db::findings::find(c, DbUuid(*fid))? {
                        Some(f) if f.enterprise_id.map(|e| e.0) == Some(input.enterprise_id) => {
                            if f.status != "open" {
                                e.add("finding_ids", format!("隐患{fid}已在整改中或已结案 / finding {fid} is already in an order or closed"));
                            }
                            if f.level == "major" {
                                level = HazardLevel::Major;
                            }
                        }
                        _ => e.add("finding_ids", format!("隐患{fid}不属于该企业或不存在 / finding {fid} not found for this enterprise")),
                    }
                }
                if level == HazardLevel::Major && input.major_reason.is_none() {
                    e.add("major_reason", "重大隐患须说明判定理由：stop_production（需停产停业整改）或 external_causes（外部因素致企业难以自行排除） / required for major hazards");
                }
                e.finish().map_err(AppError::validation)?;
                let id = issue_in_tx(
                    c,
                    &who,
                    &Addressee::Enterprise(input.enterprise_id),
                    &ids,
                    input.requirements.trim(),
                    input.deadline,
                    level,
                    input.major_reason,
                )?;
                Ok::<_, AppError>(id)
            }
        })
        .await?;
    get(ctx, &viewer, id.0).await
}

/// Whom an order is addressed to.
#[derive(Debug, Clone)]
pub(crate) enum Addressee {
    Enterprise(Uuid),
    /// A government department owning an environmental inspection item;
    /// the safety office answers for it.
    Department(String),
}

/// Issues an order inside the caller's transaction: number, row, findings
/// claimed (each in at most one open order), and the first event.
#[allow(clippy::too_many_arguments)]
pub(crate) fn issue_in_tx(
    c: &mut DbConn,
    who: &Principal,
    to: &Addressee,
    finding_ids: &[Uuid],
    requirements: &str,
    deadline: NaiveDate,
    level: HazardLevel,
    major_reason: Option<MajorReason>,
) -> AppResult<DbUuid> {
    let now = time::now();
    let year = rules::park_year(now);
    let seq = db::orders::next_number(c, NumberKind::Order.as_str(), year)?;
    let number = rules::document_number(NumberKind::Order, year, seq);
    let id = DbUuid(Uuid::now_v7());
    let at = now.naive_utc();
    let (enterprise_id, department) = match to {
        Addressee::Enterprise(e) => (Some(DbUuid(*e)), None),
        Addressee::Department(d) => (None, Some(d.clone())),
    };
    db::orders::insert(
        c,
        &OrderRow {
            id,
            number: number.clone(),
            year,
            seq,
            enterprise_id,
            department,
            status: OrderStatus::Issued.as_str().into(),
            level: level.as_str().into(),
            major_reason: major_reason
                .filter(|_| level == HazardLevel::Major)
                .map(|m| m.as_str().into()),
            requirements: requirements.to_string(),
            deadline,
            effective_deadline: deadline,
            plan: None,
            issued_by: DbUuid(who.user_id),
            issued_at: at,
            submitted_at: None,
            closed_at: None,
            days_to_close: None,
            cancelled_at: None,
            reminder_recorded: false,
            overdue_recorded: false,
            escalation: None,
            version: 1,
            updated_at: at,
        },
    )?;
    let ids: Vec<DbUuid> = finding_ids.iter().copied().map(DbUuid).collect();
    // Losing a race for a finding rolls the whole request back.
    if db::orders::claim_findings(c, id, &ids, at)? != ids.len() {
        return Err(AppError::conflict(
            "finding_already_ordered",
            "隐患已被其他整改通知书包含 / a finding was put into another order meanwhile",
        ));
    }
    append(
        c,
        id,
        Action::Issue,
        Some(who),
        requirements,
        &[],
        json!({"number": number, "deadline": deadline, "finding_ids": finding_ids, "level": level.as_str()}),
        false,
    )?;
    Ok(id)
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

/// The order and its ETag.
pub async fn get_with_etag(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<(String, OrderView)> {
    let v = get(ctx, who, id).await?;
    Ok((format!("\"{}-v{}\"", v.id, v.version), v))
}

// ------------------------------------------------------------------ actions

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressBody {
    pub comment: String,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitItem {
    pub finding_id: Uuid,
    /// What was done (整改情况).
    pub description: String,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    #[serde(default)]
    pub comment: String,
    pub items: Vec<SubmitItem>,
}

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

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub date: NaiveDate,
    pub opinion: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    pub date: NaiveDate,
    /// Where it was made public (e.g. 区政府网站、园区公示栏).
    pub place: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    pub requested_deadline: NaiveDate,
    pub reason: String,
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

/// One user request against an order.
#[derive(Debug, Clone)]
pub enum Command {
    Acknowledge(CommentBody),
    Progress(ProgressBody),
    SavePlan(Plan),
    Submit(SubmitBody),
    Verify(VerifyBody),
    RequestExtension(ExtensionBody),
    DecideExtension(Uuid, ExtensionDecisionBody),
    Cancel(CancelBody),
    SupervisionLetter(SupervisionBody),
    PublicCriticism(CommentBody),
}

impl Command {
    fn action(&self) -> Action {
        match self {
            Command::Acknowledge(_) => Action::Acknowledge,
            Command::Progress(_) => Action::Progress,
            Command::SavePlan(_) => Action::SavePlan,
            Command::Submit(_) => Action::Submit,
            Command::Verify(v) if v.decision == Decision::Accept => Action::Accept,
            Command::Verify(_) => Action::Reject,
            Command::RequestExtension(_) => Action::RequestExtension,
            Command::DecideExtension(_, d) if d.approve => Action::ApproveExtension,
            Command::DecideExtension(..) => Action::DenyExtension,
            Command::Cancel(_) => Action::Cancel,
            Command::SupervisionLetter(_) => Action::SupervisionLetter,
            Command::PublicCriticism(_) => Action::PublicCriticism,
        }
    }
}

fn attach_photos(
    c: &mut DbConn,
    who: &Principal,
    field: &str,
    ids: &[Uuid],
    enterprise: Option<Uuid>,
) -> AppResult<()> {
    let bad = super::photos::attach(c, who, ids, enterprise)?;
    if bad.is_empty() {
        return Ok(());
    }
    let mut e = FieldErrors::new();
    for p in bad {
        e.add(field, format!("照片{p}不存在 / photo {p} not found"));
    }
    Err(AppError::validation(e))
}

/// Flags on evidence photos for the verifier: taken before the order, or
/// far from the finding, or without a camera time at all.
fn evidence_flags(
    c: &mut DbConn,
    order: &OrderRow,
    finding: &db::findings::FindingRow,
    photos: &[Uuid],
    max_distance_m: f64,
) -> AppResult<Value> {
    let rows = db::photos::find_many(c, &photos.iter().copied().map(DbUuid).collect::<Vec<_>>())?;
    let mut out = serde_json::Map::new();
    for p in rows {
        let mut flags = Vec::new();
        match (p.taken_at_source.as_deref(), p.taken_at) {
            (Some("exif"), Some(t)) if t < order.issued_at => flags.push("taken_before_order"),
            (Some("exif"), Some(_)) => {}
            _ => flags.push("no_camera_time"),
        }
        if let (Some("exif"), Some(lat), Some(lon), Some(flat), Some(flon)) = (
            p.location_source.as_deref(),
            p.lat,
            p.lon,
            finding.lat,
            finding.lon,
        ) {
            if geo::distance_m(lat, lon, flat, flon) > max_distance_m {
                flags.push("far_from_finding");
            }
        }
        if !flags.is_empty() {
            out.insert(p.id.0.to_string(), json!(flags));
        }
    }
    Ok(Value::Object(out))
}

/// Free text that may be empty but not huge.
fn optional_text(field: &str, s: &str, max: usize) -> AppResult<()> {
    if s.chars().count() > max {
        return Err(AppError::field(
            field,
            format!("不超过{max}字 / at most {max} characters"),
        ));
    }
    Ok(())
}

/// Deadlines and time limits: from today up to ten years ahead (the
/// database compares dates as text on SQLite, so years must stay 4-digit).
fn future_date(field: &str, d: NaiveDate, today: NaiveDate) -> AppResult<()> {
    if d < today || d > today + chrono::Duration::days(3653) {
        return Err(AppError::field(
            field,
            "日期应在今天到十年之内 / must be between today and ten years ahead",
        ));
    }
    Ok(())
}

fn require_text(field: &str, s: &str, max: usize) -> AppResult<()> {
    if text_ok(s, max) {
        Ok(())
    } else {
        Err(AppError::field(
            field,
            format!("应为1到{max}字 / must be 1..{max} characters"),
        ))
    }
}

/// `POST /rectification-orders/{id}/{action}` (and `PUT …/plan`).
pub async fn act(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
    cmd: Command,
    if_match: Option<String>,
) -> AppResult<OrderView> {
    let viewer = who.clone();
    let who = who.clone();
    let settings = ctx.settings.clone();
    // The year's first supervision letter / criticism inserts its counter row;
    // a concurrent twin on PostgreSQL retries once and finds it.
    super::retry_once_on_duplicate(ctx, move |c| {
            {
                let mut row = scoped(&who, db::orders::find(c, DbUuid(id))?)?;
                let status = status_of(&row)?;
                let level = level_of(&row)?;
                let action = cmd.action();
                if !rules::may_on(who.role, action, level, row.enterprise_id.is_none()) {
                    let why = if matches!(action, Action::Accept | Action::Reject) && level == HazardLevel::Major {
                        "重大隐患的复查销号须由安全办进行 / major hazards are verified by the safety office"
                    } else {
                        "当前角色不能执行此操作 / your role may not do this"
                    };
                    return Err(AppError::forbidden(format!("{why} ({})", action.as_str())));
                }
                // Preconditions come before the state rules (RFC 9110 §13.2.2):
                // a client holding a stale copy learns that first.
                if let Some(tag) = &if_match {
                    if tag.trim() != "*" && tag.trim() != etag(&row) {
                        return Err(AppError::PreconditionFailed { detail: format!("整改通知书已被他人更新（当前版本{}），请刷新后重试 / the order changed (now version {}); reload and retry", row.version, row.version) });
                    }
                }
                let Some(next) = rules::next(status, action) else {
                    let allowed: Vec<&str> = allowed_for(&who, &row, status, level).iter().map(|a| a.as_str()).collect();
                    return Err(AppError::conflict(
                        "action_not_allowed",
                        format!("当前状态“{}”不能执行{}；可执行：{} / not allowed in state {}; allowed: [{}]", status.label_zh(), action.as_str(), allowed.join(", "), status.as_str(), allowed.join(", ")),
                    ));
                };
                let now = time::now();
                let at = now.naive_utc();
                let enterprise = row.enterprise_id.map(|e| e.0);
                let (comment, photos, data, internal) = match &cmd {
                    Command::Acknowledge(b) => {
                        optional_text("comment", &b.comment, 4000)?;
                        (b.comment.clone(), vec![], json!({}), false)
                    }
                    Command::Progress(b) => {
                        require_text("comment", &b.comment, 4000)?;
                        attach_photos(c, &who, "photo_ids", &b.photo_ids, enterprise)?;
                        (b.comment.clone(), b.photo_ids.clone(), json!({}), false)
                    }
                    Command::SavePlan(p) => {
                        let mut e = FieldErrors::new();
                        for (f, v) in [("goal", &p.goal), ("measures", &p.measures), ("funds", &p.funds), ("responsible_people", &p.responsible_people), ("safety_measures", &p.safety_measures), ("contingency_plan", &p.contingency_plan)] {
                            if !text_ok(v, 4000) {
                                e.add(f, "不能为空，且不超过4000字 / required, up to 4000 characters");
                            }
                        }
                        if future_date("time_limit", p.time_limit, rules::park_today(now)).is_err() {
                            e.add("time_limit", "治理时限应在今天到十年之内 / time_limit must be between today and ten years ahead");
                        }
                        e.finish().map_err(AppError::validation)?;
                        row.plan = Some(serde_json::to_string(p).map_err(AppError::internal)?);
                        (String::new(), vec![], json!({"plan": p}), false)
                    }
                    Command::Submit(b) => {
                        optional_text("comment", &b.comment, 4000)?;
                        if level == HazardLevel::Major && row.plan.is_none() {
                            return Err(AppError::conflict("governance_plan_required", "重大隐患须先提交治理方案 / a major hazard needs its governance plan (PUT …/plan) before submit"));
                        }
                        let findings = db::orders::findings_of(c, row.id)?;
                        let mut e = FieldErrors::new();
                        for (i, it) in b.items.iter().enumerate() {
                            if !findings.iter().any(|f| f.id.0 == it.finding_id) {
                                e.add(format!("items[{i}].finding_id"), "不是本通知书的隐患 / not a finding of this order");
                            }
                            if !text_ok(&it.description, 4000) {
                                e.add(format!("items[{i}].description"), "须说明整改情况 / describe what was done");
                            }
                        }
                        for f in &findings {
                            if !b.items.iter().any(|it| it.finding_id == f.id.0) {
                                e.add("items", format!("缺少隐患{}的整改情况 / no item for finding {}", f.id.0, f.id.0));
                            }
                        }
                        e.finish().map_err(AppError::validation)?;
                        let mut items = Vec::new();
                        let mut all_photos = Vec::new();
                        for (i, it) in b.items.iter().enumerate() {
                            attach_photos(c, &who, &format!("items[{i}].photo_ids"), &it.photo_ids, enterprise)?;
                            let flags = match findings.iter().find(|f| f.id.0 == it.finding_id) {
                                Some(f) => evidence_flags(c, &row, f, &it.photo_ids, settings.evidence_max_distance_m)?,
                                None => json!({}), // unreachable: items were checked against the order above
                            };
                            items.push(json!({"finding_id": it.finding_id, "description": it.description.trim(), "photo_ids": it.photo_ids, "photo_flags": flags}));
                            all_photos.extend(it.photo_ids.iter().copied());
                        }
                        row.submitted_at = Some(at);
                        (b.comment.clone(), all_photos, json!({"items": items}), false)
                    }
                    Command::Verify(b) => {
                        if b.decision == Decision::Reject {
                            require_text("opinion", &b.opinion, 4000)?;
                        }
                        optional_text("opinion", &b.opinion, 4000)?;
                        optional_text("internal_note", b.internal_note.as_deref().unwrap_or(""), 4000)?;
                        attach_photos(c, &who, "photo_ids", &b.photo_ids, enterprise)?;
                        let mut closing = json!({});
                        if b.decision == Decision::Accept {
                            let audit_findings: Vec<DbUuid> = db::orders::findings_of(c, row.id)?
                                .into_iter()
                                .filter(|f| f.source == "env_audit")
                                .map(|f| f.id)
                                .collect();
                            if !audit_findings.is_empty() && who.role != Role::SafetyOfficer {
                                return Err(AppError::forbidden("督察反馈问题的验收销号由安全办进行 / the safety office accepts environmental inspection items"));
                            }
                            if !audit_findings.is_empty() {
                                // 督察反馈问题 close only with acceptance (验收) and public disclosure (公示).
                                let mut e = FieldErrors::new();
                                match &b.acceptance {
                                    Some(a) if text_ok(&a.opinion, 4000) && a.date <= rules::park_today(now) => {}
                                    _ => e.add("acceptance", "督察反馈问题销号须有验收日期（不晚于今天）和验收意见 / acceptance date and opinion are required"),
                                }
                                match &b.disclosure {
                                    Some(d) if text_ok(&d.place, 500) && d.date <= rules::park_today(now) => {}
                                    _ => e.add("disclosure", "督察反馈问题销号须有公示日期（不晚于今天）和公示方式/地点 / disclosure date and place are required"),
                                }
                                e.finish().map_err(AppError::validation)?;
                                let (Some(a), Some(d)) = (b.acceptance.as_ref(), b.disclosure.as_ref()) else {
                                    return Err(AppError::field("acceptance", "验收和公示不能为空 / acceptance and disclosure are required"));
                                };
                                db::env_audits::record_closure(c, &audit_findings, (a.date, a.opinion.trim()), (d.date, d.place.trim()), at)?;
                                closing = json!({"acceptance": a, "disclosure": d});
                            }
                            row.closed_at = Some(at);
                            row.days_to_close = Some((rules::park_today(now) - rules::park_today(row.issued_at.and_utc())).num_days() as i32);
                            db::orders::set_findings_status(c, row.id, "closed", at)?;
                        }
                        let mut data = json!({"decision": if b.decision == Decision::Accept { "accept" } else { "reject" }});
                        if let Some(m) = closing.as_object().filter(|m| !m.is_empty()) {
                            for (k, v) in m {
                                data[k] = v.clone();
                            }
                        }
                        if let Some(n) = b.internal_note.as_deref().filter(|n| !n.trim().is_empty()) {
                            data["internal_note"] = json!(n.trim());
                        }
                        (b.opinion.clone(), b.photo_ids.clone(), data, false)
                    }
                    Command::RequestExtension(b) => {
                        require_text("reason", &b.reason, 2000)?;
                        future_date("requested_deadline", b.requested_deadline, rules::park_today(now))?;
                        if b.requested_deadline <= row.effective_deadline {
                            return Err(AppError::field("requested_deadline", "延期后的期限须晚于当前期限 / must be after the current deadline"));
                        }
                        if db::orders::extensions_of(c, row.id)?.iter().any(|x| x.status == "pending") {
                            return Err(AppError::conflict("extension_pending", "已有待审批的延期申请 / an extension request is already pending"));
                        }
                        let xid = Uuid::now_v7();
                        db::orders::insert_extension(
                            c,
                            &ExtensionRow {
                                id: DbUuid(xid),
                                order_id: row.id,
                                requested_deadline: b.requested_deadline,
                                reason: b.reason.trim().into(),
                                status: "pending".into(),
                                requested_by: DbUuid(who.user_id),
                                requested_at: at,
                                decided_by: None,
                                decided_at: None,
                                decision_comment: None,
                            },
                        )?;
                        (b.reason.clone(), vec![], json!({"request_id": xid, "requested_deadline": b.requested_deadline}), false)
                    }
                    Command::DecideExtension(rid, b) => {
                        let x = db::orders::find_extension(c, DbUuid(*rid))?.filter(|x| x.order_id == row.id).ok_or_else(|| AppError::not_found("延期申请 extension request"))?;
                        if x.status != "pending" {
                            return Err(AppError::conflict("extension_decided", "该延期申请已审批 / this request was already decided"));
                        }
                        if !b.approve {
                            require_text("comment", &b.comment, 2000)?;
                        }
                        optional_text("comment", &b.comment, 2000)?;
                        if b.approve && x.requested_deadline < rules::park_today(now) {
                            return Err(AppError::conflict("extension_expired", "申请的期限已过，不能再批准 / the requested deadline has already passed"));
                        }
                        db::orders::decide_extension(c, x.id, if b.approve { "approved" } else { "denied" }, DbUuid(who.user_id), at, b.comment.trim())?;
                        if b.approve {
                            row.effective_deadline = x.requested_deadline;
                            row.reminder_recorded = false;
                        }
                        (b.comment.clone(), vec![], json!({"request_id": rid, "approve": b.approve, "effective_deadline": row.effective_deadline}), false)
                    }
                    Command::Cancel(b) => {
                        require_text("reason", &b.reason, 2000)?;
                        optional_text("internal_note", b.internal_note.as_deref().unwrap_or(""), 4000)?;
                        row.cancelled_at = Some(at);
                        // An enterprise's hazards still need fixing: back to open, free for a new
                        // order. A department's item has no other way to be ordered: cancelled.
                        let released = if row.enterprise_id.is_some() { "open" } else { "cancelled" };
                        db::orders::set_findings_status(c, row.id, released, at)?;
                        let mut data = json!({});
                        if let Some(n) = b.internal_note.as_deref().filter(|n| !n.trim().is_empty()) {
                            data["internal_note"] = json!(n.trim());
                        }
                        (b.reason.clone(), vec![], data, false)
                    }
                    Command::SupervisionLetter(b) => {
                        if !rules::is_overdue(status, row.effective_deadline, now) {
                            return Err(AppError::conflict("not_overdue", "整改通知书未逾期，不能下达督办函 / the order is not overdue"));
                        }
                        let mut esc: Value = row.escalation.as_deref().map(serde_json::from_str).transpose().map_err(AppError::internal)?.unwrap_or(json!({}));
                        if esc.get("supervision_letter").is_some() {
                            return Err(AppError::conflict("already_escalated", "已下达督办函 / a supervision letter was already issued"));
                        }
                        optional_text("comment", &b.comment, 4000)?;
                        if b.time_limit <= rules::park_today(now) {
                            return Err(AppError::field("time_limit", "督办时限须晚于今天 / time_limit must be after today"));
                        }
                        future_date("time_limit", b.time_limit, rules::park_today(now))?;
                        let year = rules::park_year(now);
                        let n = db::orders::next_number(c, NumberKind::SupervisionLetter.as_str(), year)?;
                        let number = rules::document_number(NumberKind::SupervisionLetter, year, n);
                        esc["supervision_letter"] = json!({"number": number, "time_limit": b.time_limit, "at": now});
                        row.escalation = Some(esc.to_string());
                        (b.comment.clone(), vec![], json!({"number": number, "time_limit": b.time_limit}), false)
                    }
                    Command::PublicCriticism(b) => {
                        optional_text("comment", &b.comment, 4000)?;
                        let mut esc: Value = row.escalation.as_deref().map(serde_json::from_str).transpose().map_err(AppError::internal)?.unwrap_or(json!({}));
                        let limit = esc.pointer("/supervision_letter/time_limit").and_then(|v| v.as_str()).and_then(|s| s.parse::<NaiveDate>().ok());
                        match limit {
                            None => return Err(AppError::conflict("supervision_letter_required", "通报批评前须先下达督办函 / a supervision letter comes first")),
                            Some(l) if rules::park_today(now) <= l => {
                                return Err(AppError::conflict("supervision_time_limit_running", format!("督办时限{l}未到 / the supervision time limit {l} has not passed")))
                            }
                            _ => {}
                        }
                        if esc.get("public_criticism").is_some() {
                            return Err(AppError::conflict("already_escalated", "已通报批评 / already publicly criticised"));
                        }
                        let year = rules::park_year(now);
                        let n = db::orders::next_number(c, NumberKind::PublicCriticism.as_str(), year)?;
                        let number = rules::document_number(NumberKind::PublicCriticism, year, n);
                        esc["public_criticism"] = json!({"number": number, "at": now});
                        row.escalation = Some(esc.to_string());
                        (b.comment.clone(), vec![], json!({"number": number}), false)
                    }
                };
                let old_version = row.version;
                row.status = next.as_str().into();
                row.version += 1;
                row.updated_at = at;
                if db::orders::save_if_version(c, &row, old_version)? == 0 {
                    return Err(AppError::PreconditionFailed { detail: "整改通知书已被他人同时更新，请刷新后重试 / the order changed at the same time; reload and retry".into() });
                }
                append(c, row.id, action, Some(&who), comment.trim(), &photos, data, internal)?;
                Ok::<_, AppError>(())
            }
    })
    .await?;
    ctx.db
        .run(move |c| {
            let row = scoped(&viewer, db::orders::find(c, DbUuid(id))?)?;
            view(c, row, &viewer, true)
        })
        .await
}

// ------------------------------------------------------------------ reads

pub async fn events(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<Vec<EventView>> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let row = scoped(&who, db::orders::find(c, DbUuid(id))?)?;
            db::orders::events_of(c, row.id)?
                .into_iter()
                .map(|e| event_view(e, &who))
                .collect()
        })
        .await
}

pub async fn verify_chain(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<ChainReport> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let row = scoped(&who, db::orders::find(c, DbUuid(id))?)?;
            let rows = db::orders::events_of(c, row.id)?;
            Ok(verify_rows(row.id, row.version, &rows))
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
    pub source: Option<crate::domain::finding::Source>,
    /// Orders carrying items of this environmental inspection batch.
    pub audit_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub async fn list(ctx: &Ctx, who: &Principal, q: OrderQuery) -> AppResult<Page<OrderView>> {
    let limit = pagination::limit(q.limit)?;
    let before = pagination::decode_seek(q.cursor.as_deref())?;
    for (field, d) in [
        ("deadline_from", q.deadline_from),
        ("deadline_to", q.deadline_to),
    ] {
        if d.is_some_and(|d| !(1970..=9999).contains(&chrono::Datelike::year(&d))) {
            return Err(AppError::field(field, "日期超出范围 / date out of range"));
        }
    }
    let now = time::now();
    let today = rules::park_today(now);
    let filter = OrderFilter {
        only_enterprises: who.scope_filter(),
        enterprise_id: q.enterprise_id.map(DbUuid),
        statuses: q.status.map(|s| vec![s.as_str().to_string()]),
        level: q.level.map(|l| l.as_str().to_string()),
        overdue_on: (q.overdue == Some(true)).then_some(today),
        not_overdue_on: (q.overdue == Some(false)).then_some(today),
        deadline_from: q.deadline_from,
        deadline_to: q.deadline_to,
        source: q.source.map(|s| s.as_str().to_string()),
        audit_id: q.audit_id.map(DbUuid),
        submitted_before: (q.verification_late == Some(true))
            .then(|| (now - chrono::Duration::days(rules::VERIFICATION_DAYS)).naive_utc()),
        before: before.map(|(t, id)| (t, DbUuid(id))),
        limit: limit + 1,
    };
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let rows = db::orders::list(c, &filter)?;
            let more = rows.len() as i64 > limit;
            let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
            let next_cursor = if more {
                rows.last()
                    .map(|r| pagination::encode_seek(r.issued_at, r.id.0))
            } else {
                None
            };
            let items = rows
                .into_iter()
                .map(|r| view(c, r, &who, false))
                .collect::<AppResult<Vec<_>>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}

// ------------------------------------------------------------------ deadline job

#[derive(Debug, Default, Serialize)]
pub struct DeadlineRun {
    pub reminders: usize,
    pub overdue: usize,
}

/// Records `reminder` events (deadline within `reminder_days`) and one
/// `overdue` event per order once its deadline has passed. Safe to run in
/// every process at once: each flag is claimed by a conditional update.
pub async fn deadline_job(ctx: &Ctx) -> AppResult<DeadlineRun> {
    let days = i64::from(ctx.settings.reminder_days);
    ctx.db
        .run(move |c| {
            let now = time::now();
            let today = rules::park_today(now);
            let until = today + chrono::Duration::days(days);
            let mut run = DeadlineRun::default();
            for id in db::orders::due_for_overdue(c, today)? {
                let won = c.write_tx(|c| {
                    if db::orders::claim_flag(c, id, true, today, until, now.naive_utc())? == 1 {
                        let row = db::orders::find(c, id)?.ok_or_else(not_found)?;
                        append(
                            c,
                            id,
                            Action::Overdue,
                            None,
                            "",
                            &[],
                            json!({"deadline": row.effective_deadline}),
                            false,
                        )?;
                        return Ok::<_, AppError>(true);
                    }
                    Ok(false)
                })?;
                run.overdue += usize::from(won);
            }
            for id in db::orders::due_for_reminder(c, today, today + chrono::Duration::days(days))?
            {
                let won = c.write_tx(|c| {
                    if db::orders::claim_flag(c, id, false, today, until, now.naive_utc())? == 1 {
                        let row = db::orders::find(c, id)?.ok_or_else(not_found)?;
                        let left = (row.effective_deadline - today).num_days();
                        append(
                            c,
                            id,
                            Action::Reminder,
                            None,
                            "",
                            &[],
                            json!({"deadline": row.effective_deadline, "days_left": left}),
                            false,
                        )?;
                        return Ok::<_, AppError>(true);
                    }
                    Ok(false)
                })?;
                run.reminders += usize::from(won);
            }
            Ok(run)
        })
        .await
}

// ------------------------------------------------------------------ stats

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Period start (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Period end (RFC 3339), exclusive.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Overview {
    /// Orders issued in the period, by status (closed and cancelled apart).
    #[schema(value_type = Object)]
    pub orders_by_status: Value,
    /// Open orders past their deadline now.
    pub overdue: i64,
    pub closed_in_period: i64,
    pub median_days_to_close: Option<i32>,
    /// Orders that needed a 督办函 / a 通报批评.
    pub supervision_letters: i64,
    pub public_criticisms: i64,
    #[schema(value_type = Object)]
    pub findings_by_status: Value,
    #[schema(value_type = Object)]
    pub findings_by_level: Value,
    #[schema(value_type = Object)]
    pub findings_by_category: Value,
    #[schema(value_type = Object)]
    pub findings_by_source: Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnterpriseStats {
    pub enterprise_id: Uuid,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
    pub closed: i64,
    /// Closed orders that never went overdue, over all closed.
    pub on_time_rate: Option<f64>,
}

fn period(
    q: &StatsQuery,
) -> AppResult<(Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>)> {
    pagination::check_time("from", q.from)?;
    pagination::check_time("to", q.to)?;
    Ok((q.from.map(|t| t.naive_utc()), q.to.map(|t| t.naive_utc())))
}

fn to_map(rows: Vec<(String, i64)>) -> Value {
    Value::Object(rows.into_iter().map(|(k, v)| (k, json!(v))).collect())
}

pub async fn overview(ctx: &Ctx, who: &Principal, q: StatsQuery) -> AppResult<Overview> {
    let (from, to) = period(&q)?;
    let only = who.scope_filter();
    ctx.db
        .run(move |c| {
            let only = only.as_deref();
            let today = rules::park_today(time::now());
            let mut by_status = serde_json::Map::new();
            for s in OrderStatus::ALL {
                by_status.insert(s.as_str().into(), json!(0));
            }
            for (s, n) in db::orders::count_by_status(c, only, from, to)? {
                by_status.insert(s, json!(n));
            }
            let (closed, median) = db::orders::closed_stats(c, only, from, to)?;
            let (letters, criticisms) = db::orders::count_escalations(c, only, from, to)?;
            Ok(Overview {
                orders_by_status: Value::Object(by_status),
                overdue: db::orders::count_overdue(c, only, today)?,
                closed_in_period: closed,
                median_days_to_close: median,
                supervision_letters: letters,
                public_criticisms: criticisms,
                findings_by_status: to_map(db::findings::count_by(
                    c,
                    db::findings::GroupBy::Status,
                    only,
                    from,
                    to,
                )?),
                findings_by_level: to_map(db::findings::count_by(
                    c,
                    db::findings::GroupBy::Level,
                    only,
                    from,
                    to,
                )?),
                findings_by_category: to_map(db::findings::count_by(
                    c,
                    db::findings::GroupBy::Category,
                    only,
                    from,
                    to,
                )?),
                findings_by_source: to_map(db::findings::count_by(
                    c,
                    db::findings::GroupBy::Source,
                    only,
                    from,
                    to,
                )?),
            })
        })
        .await
}

pub async fn per_enterprise(
    ctx: &Ctx,
    who: &Principal,
    q: StatsQuery,
) -> AppResult<Vec<EnterpriseStats>> {
    let (from, to) = period(&q)?;
    let only = who.scope_filter();
    ctx.db
        .run(move |c| {
            let today = rules::park_today(time::now());
            let rows = db::orders::per_enterprise(c, only.as_deref(), today, from, to)?;
            let mut out = Vec::new();
            for r in rows {
                let name = db::enterprises::find(c, r.enterprise_id)?
                    .map(|e| e.name)
                    .unwrap_or_default();
                out.push(EnterpriseStats {
                    enterprise_id: r.enterprise_id.0,
                    name,
                    open: r.open,
                    overdue: r.overdue,
                    closed: r.closed,
                    on_time_rate: (r.closed > 0).then(|| r.closed_on_time as f64 / r.closed as f64),
                });
            }
            out.sort_by(|a, b| {
                b.overdue
                    .cmp(&a.overdue)
                    .then(b.open.cmp(&a.open))
                    .then(a.name.cmp(&b.name))
            });
            Ok(out)
        })
        .await
}
