//! Issuing an order: the addressee, its open findings, the number of the
//! year and the first event.

use super::chain::{append, EventBody};
use super::{future_date, text_ok};
use crate::db::{self, orders::OrderRow, DbConn, DbUuid};
use crate::domain::checklist::HazardLevel;
use crate::domain::finding::FindingStatus;
use crate::domain::order::{self as rules, Action, MajorReason, NumberKind, OrderStatus};
use crate::domain::{time, FieldErrors};
use crate::error::{codes, AppError, AppResult};
use crate::service::{Ctx, Principal};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

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

/// Whom an order is addressed to.
#[derive(Debug, Clone)]
pub(crate) enum Addressee {
    Enterprise(Uuid),
    /// A government department owning an environmental inspection item;
    /// the safety office answers for it.
    Department(String),
}

/// Everything wrong with a request to issue, at once; on success the
/// level the order takes (major when any finding is).
fn check_new_order(
    c: &mut DbConn,
    who: &Principal,
    input: &NewOrder,
    ids: &[Uuid],
) -> AppResult<HazardLevel> {
    let mut e = FieldErrors::new();
    if !who.can_see_enterprise(input.enterprise_id)
        || db::enterprises::find(c, DbUuid(input.enterprise_id))?.is_none()
    {
        e.add("enterprise_id", "企业不存在 / enterprise not found");
    }
    if !text_ok(&input.requirements, 4000) {
        e.add(
            "requirements",
            "整改要求应为1到4000字 / requirements must be 1..4000 characters",
        );
    }
    if future_date("deadline", input.deadline, rules::park_today(time::now())).is_err() {
        e.add(
            "deadline",
            "整改期限应在今天到十年之内 / the deadline must be between today and ten years ahead",
        );
    }
    if ids.is_empty() {
        e.add("finding_ids", "至少包含一项隐患 / at least one finding");
    }
    let mut level = HazardLevel::General;
    for fid in ids {
        match db::findings::find(c, DbUuid(*fid))? {
            Some(f) if f.enterprise_id.map(|e| e.0) == Some(input.enterprise_id) => {
                if f.status != FindingStatus::Open {
                    e.add("finding_ids", format!("隐患{fid}已在整改中或已结案 / finding {fid} is already in an order or closed"));
                }
                level = level.max(f.level);
            }
            _ => e.add(
                "finding_ids",
                format!(
                    "隐患{fid}不属于该企业或不存在 / finding {fid} not found for this enterprise"
                ),
            ),
        }
    }
    if level == HazardLevel::Major && input.major_reason.is_none() {
        e.add("major_reason", "重大隐患须说明判定理由：stop_production（需停产停业整改）或 external_causes（外部因素致企业难以自行排除） / required for major hazards");
    }
    e.finish().map_err(AppError::validation)?;
    Ok(level)
}

pub async fn create(ctx: &Ctx, who: &Principal, input: NewOrder) -> AppResult<super::OrderView> {
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
    let id = crate::service::retry_once_on_duplicate(ctx, move |c| {
        let level = check_new_order(c, &who, &input, &ids)?;
        let to = Addressee::Enterprise(input.enterprise_id);
        let requirements = input.requirements.trim();
        issue_in_tx(
            c,
            &who,
            &to,
            &ids,
            requirements,
            input.deadline,
            level,
            input.major_reason,
        )
    })
    .await?;
    super::get(ctx, &viewer, id.0).await
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
            status: OrderStatus::Issued,
            level,
            major_reason: major_reason.filter(|_| level == HazardLevel::Major),
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
            supervision_letter_number: None,
            supervision_letter_time_limit: None,
            supervision_letter_at: None,
            public_criticism_number: None,
            public_criticism_at: None,
            version: 1,
            updated_at: at,
            responsible_name: None,
            responsible_phone: None,
        },
    )?;
    let ids: Vec<DbUuid> = finding_ids.iter().copied().map(DbUuid).collect();
    // Losing a race for a finding rolls the whole request back.
    if db::orders::claim_findings(c, id, &ids, at)? != ids.len() {
        return Err(AppError::conflict(
            codes::FINDING_ALREADY_ORDERED,
            "隐患已被其他整改通知书包含 / a finding was put into another order meanwhile",
        ));
    }
    let data = json!({"number": number, "deadline": deadline, "finding_ids": finding_ids, "level": level.as_str()});
    let body = EventBody {
        comment: requirements.to_string(),
        photos: Vec::new(),
        data,
    };
    append(c, id, Action::Issue, Some(who), body)?;
    crate::service::notify::order_event(c, id, Action::Issue, Some(who.user_id))?;
    Ok(id)
}
