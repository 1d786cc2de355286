//! The major-hazard path of an order (`domain::major_hazard`): 挂牌督办,
//! the production stop, the 评估, the 复产 application and its decision —
//! each an order event, its state kept in the order's file — and what
//! closing still needs.

use super::actions::Act;
use super::answers::with_documents;
use super::chain::EventBody;
use super::{future_date, optional_text, require_text};
use crate::db::{self, major_hazards::MajorFileRow, orders::OrderRow, DbConn};
use crate::domain::checklist::HazardLevel;
use crate::domain::major_hazard::{
    self as path, AssessorKind, PathRefusal, PathState, ResumptionStatus, StopMode,
};
use crate::domain::order::Action;
use crate::domain::Role;
use crate::error::{codes, AppError, AppResult};
use crate::service::evidence::Evidence;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// 挂牌督办: who supervises, the 督办 number, the time limit.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingBody {
    /// 督办单位, e.g. 区应急管理局.
    pub supervising_unit: String,
    /// 督办编号 as the supervising unit numbers it.
    pub number: String,
    /// 督办时限.
    pub time_limit: NaiveDate,
    #[serde(default)]
    pub comment: String,
}

/// Production or use stopped while the hazard is fixed (16号令 第十六条).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopBody {
    pub mode: StopMode,
    /// The day it stopped.
    pub date: NaiveDate,
    /// What stopped: the whole plant, a line, a device …
    pub scope: String,
    /// 治理期间的安全防范措施 (people withdrawn, warning signs, watch …).
    pub interim_measures: String,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
    #[serde(default)]
    pub document_ids: Vec<Uuid>,
}

/// 治理评估 of the fix (16号令 第十八条), with its 评估报告.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentBody {
    pub assessor_kind: AssessorKind,
    /// Who assessed: the agency's name, or the staff and experts.
    pub assessor: String,
    /// 评估结论.
    pub conclusion: String,
    /// Does the assessment find the hazard eliminated?
    pub eliminated: bool,
    /// The 评估报告 (at least one document).
    pub document_ids: Vec<Uuid>,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
}

/// The written 复产 application.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumptionBody {
    /// 申请说明.
    pub comment: String,
    #[serde(default)]
    pub document_ids: Vec<Uuid>,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
}

/// The office's decision on the 复产 application.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumptionDecisionBody {
    pub approve: bool,
    /// 审查意见 (required to refuse).
    #[serde(default)]
    pub comment: String,
    /// 现场审查 records.
    #[serde(default)]
    pub document_ids: Vec<Uuid>,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListingView {
    pub supervising_unit: String,
    pub number: String,
    pub time_limit: NaiveDate,
    pub listed_at: DateTime<Utc>,
    pub listed_by: Option<Uuid>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StopView {
    pub mode: StopMode,
    pub mode_label: String,
    pub date: NaiveDate,
    pub scope: String,
    pub interim_measures: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssessmentView {
    pub assessor_kind: AssessorKind,
    pub assessor_kind_label: String,
    pub assessor: String,
    pub conclusion: String,
    pub eliminated: bool,
    pub document_ids: Vec<Uuid>,
    pub assessed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResumptionView {
    pub status: ResumptionStatus,
    pub status_label: String,
    pub applied_at: DateTime<Utc>,
    /// The last day for the office's decision.
    pub decide_by: NaiveDate,
    /// Pending past `decide_by`.
    pub overdue: bool,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub comment: Option<String>,
}

/// A step closing still needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MissingStep {
    /// assessment, assessment_report, resumption_approval
    pub code: String,
    pub label: String,
}

/// The major-hazard path of an order, as far as it has gone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MajorHazardView {
    /// 挂牌督办.
    pub supervision: Option<ListingView>,
    /// 停产停业 / 局部停产 / 停止使用.
    pub production_stop: Option<StopView>,
    /// The latest 治理评估.
    pub assessment: Option<AssessmentView>,
    /// The latest 复产 application.
    pub resumption: Option<ResumptionView>,
    /// What 销号 still needs (empty: it may close once verified).
    pub needed_to_close: Vec<MissingStep>,
}

fn document_ids(row: &MajorFileRow) -> Vec<Uuid> {
    serde_json::from_str(&row.assessment_document_ids).unwrap_or_default()
}

/// What the rules read of a file (none yet: nothing done).
pub(crate) fn state_of(row: Option<&MajorFileRow>) -> PathState {
    let Some(r) = row else {
        return PathState::default();
    };
    PathState {
        listed: r.listed_at.is_some(),
        stopped: r.stop_mode.is_some(),
        assessed_eliminated: r.assessment_eliminated,
        assessment_has_report: !document_ids(r).is_empty(),
        resumption: r.resumption_status,
    }
}

/// The file of a major-hazard order; `None` for a general one.
pub(crate) fn file_of(c: &mut DbConn, row: &OrderRow) -> AppResult<Option<Option<MajorFileRow>>> {
    if row.level != HazardLevel::Major {
        return Ok(None);
    }
    Ok(Some(db::major_hazards::find(c, row.id)?))
}

pub(crate) fn view_of(row: Option<&MajorFileRow>, today: NaiveDate) -> MajorHazardView {
    let needed_to_close = path::close_missing(&state_of(row))
        .into_iter()
        .map(|m| MissingStep {
            code: m.as_str().into(),
            label: m.label_zh().into(),
        })
        .collect();
    let Some(r) = row else {
        return MajorHazardView {
            supervision: None,
            production_stop: None,
            assessment: None,
            resumption: None,
            needed_to_close,
        };
    };
    MajorHazardView {
        supervision: match (
            &r.listed_unit,
            &r.listed_number,
            r.listed_time_limit,
            r.listed_at,
        ) {
            (Some(unit), Some(number), Some(limit), Some(at)) => Some(ListingView {
                supervising_unit: unit.clone(),
                number: number.clone(),
                time_limit: limit,
                listed_at: at.and_utc(),
                listed_by: r.listed_by.map(|u| u.0),
            }),
            _ => None,
        },
        production_stop: match (r.stop_mode, r.stop_date) {
            (Some(mode), Some(date)) => Some(StopView {
                mode,
                mode_label: mode.label_zh().into(),
                date,
                scope: r.stop_scope.clone().unwrap_or_default(),
                interim_measures: r.interim_measures.clone().unwrap_or_default(),
            }),
            _ => None,
        },
        assessment: match (r.assessor_kind, r.assessment_eliminated, r.assessed_at) {
            (Some(kind), Some(eliminated), Some(at)) => Some(AssessmentView {
                assessor_kind: kind,
                assessor_kind_label: kind.label_zh().into(),
                assessor: r.assessor_name.clone().unwrap_or_default(),
                conclusion: r.assessment_conclusion.clone().unwrap_or_default(),
                eliminated,
                document_ids: document_ids(r),
                assessed_at: at.and_utc(),
            }),
            _ => None,
        },
        resumption: match (
            r.resumption_status,
            r.resumption_applied_at,
            r.resumption_decide_by,
        ) {
            (Some(status), Some(at), Some(by)) => Some(ResumptionView {
                status,
                status_label: status.label_zh().into(),
                applied_at: at.and_utc(),
                decide_by: by,
                overdue: path::decision_overdue(Some(status), Some(by), today),
                decided_at: r.resumption_decided_at.map(|t| t.and_utc()),
                decided_by: r.resumption_decided_by.map(|u| u.0),
                comment: r.resumption_comment.clone(),
            }),
            _ => None,
        },
        needed_to_close,
    }
}

/// Would a step of the path pass its rules on this file now?
pub(crate) fn step_allowed(action: Action, s: &PathState) -> bool {
    match action {
        Action::ListForSupervision => path::check_listing(s).is_ok(),
        Action::RecordStop | Action::Assess => path::check_file_open(s).is_ok(),
        Action::ApplyResumption => path::check_application(s).is_ok(),
        Action::ApproveResumption | Action::RejectResumption => path::check_decision(s).is_ok(),
        _ => true,
    }
}

fn refused(r: PathRefusal) -> AppError {
    AppError::conflict(codes::MAJOR_HAZARD_STEP_REFUSED, r.message())
}

/// Closing a major-hazard order: 422 naming every step still missing.
pub(super) fn check_closable(a: &mut Act) -> AppResult<()> {
    if a.row.level != HazardLevel::Major {
        return Ok(());
    }
    let file = db::major_hazards::find(a.c, a.row.id)?;
    let missing = path::close_missing(&state_of(file.as_ref()));
    if missing.is_empty() {
        return Ok(());
    }
    let labels: Vec<&str> = missing.iter().map(|m| m.label_zh()).collect();
    let codes_: Vec<&str> = missing.iter().map(|m| m.as_str()).collect();
    Err(AppError::Unprocessable {
        code: codes::MAJOR_HAZARD_PATH_INCOMPLETE,
        detail: format!(
            "重大隐患销号前尚缺：{} / closing a major hazard still needs: {}",
            labels.join("、"),
            codes_.join(", ")
        ),
    })
}

/// The file as loaded for a step, with whether it exists yet; 409 for a
/// general-hazard order, which has no such path.
fn load(a: &mut Act) -> AppResult<(MajorFileRow, bool)> {
    if a.row.level != HazardLevel::Major {
        return Err(AppError::conflict(
            codes::NOT_MAJOR_HAZARD,
            "仅重大事故隐患适用挂牌督办、停产、评估与复产 / only a major-hazard order has this step",
        ));
    }
    let at = a.now.naive_utc();
    Ok(match db::major_hazards::find(a.c, a.row.id)? {
        Some(mut r) => {
            r.updated_at = at;
            (r, true)
        }
        None => (MajorFileRow::empty(a.row.id, at), false),
    })
}

fn check(r: &MajorFileRow, step: fn(&PathState) -> Result<(), PathRefusal>) -> AppResult<()> {
    step(&state_of(Some(r))).map_err(refused)
}

pub(super) fn list_for_supervision(a: &mut Act, b: &ListingBody) -> AppResult<EventBody> {
    let (mut f, exists) = load(a)?;
    check(&f, path::check_listing)?;
    require_text("supervising_unit", &b.supervising_unit, 100)?;
    require_text("number", &b.number, 60)?;
    optional_text("comment", &b.comment, 4000)?;
    future_date("time_limit", b.time_limit, a.today())?;
    f.listed_unit = Some(b.supervising_unit.trim().into());
    f.listed_number = Some(b.number.trim().into());
    f.listed_time_limit = Some(b.time_limit);
    f.listed_at = Some(a.now.naive_utc());
    f.listed_by = Some(crate::db::DbUuid(a.who.user_id));
    db::major_hazards::save(a.c, &f, exists)?;
    let data = json!({"supervising_unit": f.listed_unit, "number": f.listed_number, "time_limit": b.time_limit});
    Ok(EventBody::new(&b.comment, data))
}

/// A stop date from a year back up to today.
fn past_date(field: &str, d: NaiveDate, today: NaiveDate) -> AppResult<()> {
    if d > today || d < today - Duration::days(366) {
        return Err(AppError::field(
            field,
            "日期应在一年前到今天之间 / must be between a year ago and today",
        ));
    }
    Ok(())
}

pub(super) fn record_stop(a: &mut Act, b: &StopBody) -> AppResult<EventBody> {
    let (mut f, exists) = load(a)?;
    check(&f, path::check_file_open)?;
    let by_office = a.who.role == Role::SafetyOfficer;
    if f.stop_by_office && !by_office {
        return Err(AppError::conflict(
            codes::MAJOR_HAZARD_STEP_REFUSED,
            "停产由安全办责令，企业不能更改 / the safety office ordered this stop; the enterprise cannot change it",
        ));
    }
    past_date("date", b.date, a.today())?;
    require_text("scope", &b.scope, 500)?;
    require_text("interim_measures", &b.interim_measures, 4000)?;
    a.attach(&Evidence::of("", &b.photo_ids, &b.document_ids))?;
    f.stop_mode = Some(b.mode);
    f.stop_date = Some(b.date);
    f.stop_scope = Some(b.scope.trim().into());
    f.interim_measures = Some(b.interim_measures.trim().into());
    f.stop_by_office = f.stop_by_office || by_office;
    db::major_hazards::save(a.c, &f, exists)?;
    let data = json!({"mode": b.mode, "date": b.date, "scope": f.stop_scope, "interim_measures": f.interim_measures});
    Ok(EventBody::new("", with_documents(data, &b.document_ids)).with_photos(b.photo_ids.clone()))
}

pub(super) fn assess(a: &mut Act, b: &AssessmentBody) -> AppResult<EventBody> {
    let (mut f, exists) = load(a)?;
    check(&f, path::check_file_open)?;
    require_text("assessor", &b.assessor, 200)?;
    require_text("conclusion", &b.conclusion, 4000)?;
    if b.document_ids.is_empty() {
        return Err(AppError::field(
            "document_ids",
            "须附评估报告文件 / attach the assessment report (评估报告)",
        ));
    }
    a.attach(&Evidence::of("", &b.photo_ids, &b.document_ids))?;
    f.assessor_kind = Some(b.assessor_kind);
    f.assessor_name = Some(b.assessor.trim().into());
    f.assessment_conclusion = Some(b.conclusion.trim().into());
    f.assessment_eliminated = Some(b.eliminated);
    f.assessment_document_ids = json!(b.document_ids).to_string();
    f.assessed_at = Some(a.now.naive_utc());
    db::major_hazards::save(a.c, &f, exists)?;
    let data = json!({"assessor_kind": b.assessor_kind, "assessor": f.assessor_name, "eliminated": b.eliminated});
    Ok(
        EventBody::new(&b.conclusion, with_documents(data, &b.document_ids))
            .with_photos(b.photo_ids.clone()),
    )
}

pub(super) fn apply_resumption(a: &mut Act, b: &ResumptionBody) -> AppResult<EventBody> {
    let (mut f, exists) = load(a)?;
    check(&f, path::check_application)?;
    require_text("comment", &b.comment, 4000)?;
    a.attach(&Evidence::of("", &b.photo_ids, &b.document_ids))?;
    let days = i64::from(a.settings.resumption_review_days);
    let decide_by = path::decide_by(a.today(), days);
    f.resumption_status = Some(ResumptionStatus::Pending);
    f.resumption_applied_at = Some(a.now.naive_utc());
    f.resumption_decide_by = Some(decide_by);
    f.resumption_decided_at = None;
    f.resumption_decided_by = None;
    f.resumption_comment = None;
    db::major_hazards::save(a.c, &f, exists)?;
    let data = json!({ "decide_by": decide_by });
    Ok(
        EventBody::new(&b.comment, with_documents(data, &b.document_ids))
            .with_photos(b.photo_ids.clone()),
    )
}

pub(super) fn decide_resumption(a: &mut Act, b: &ResumptionDecisionBody) -> AppResult<EventBody> {
    let (mut f, exists) = load(a)?;
    check(&f, path::check_decision)?;
    if !b.approve {
        require_text("comment", &b.comment, 4000)?;
    }
    optional_text("comment", &b.comment, 4000)?;
    // 经审查同意 (安全生产法 第六十五条): the reviewer is not whoever found,
    // ordered or applied.
    let waived = super::decisions::check_duties(a, Action::ApplyResumption)?;
    a.attach(&Evidence::of("", &b.photo_ids, &b.document_ids))?;
    let status = if b.approve {
        ResumptionStatus::Approved
    } else {
        ResumptionStatus::Rejected
    };
    f.resumption_status = Some(status);
    f.resumption_decided_at = Some(a.now.naive_utc());
    f.resumption_decided_by = Some(crate::db::DbUuid(a.who.user_id));
    f.resumption_comment = Some(b.comment.trim().to_string()).filter(|c| !c.is_empty());
    db::major_hazards::save(a.c, &f, exists)?;
    let late = path::decision_overdue(
        Some(ResumptionStatus::Pending),
        f.resumption_decide_by,
        a.today(),
    );
    let mut data = json!({"approve": b.approve, "decide_by": f.resumption_decide_by, "late": late});
    if !waived.is_empty() {
        let names: Vec<&str> = waived.iter().map(|r| r.as_str()).collect();
        data["self_verification"] = json!(names);
    }
    Ok(
        EventBody::new(&b.comment, with_documents(data, &b.document_ids))
            .with_photos(b.photo_ids.clone()),
    )
}

/// A failed 复查 of a major hazard: the hazard is not fixed, so a 复产
/// application pending or granted on it falls (refused, with the opinion)
/// and the file opens for a new stop, assessment and application.
pub(super) fn reopen_on_reject(a: &mut Act, opinion: &str) -> AppResult<()> {
    if a.row.level != HazardLevel::Major {
        return Ok(());
    }
    let Some(mut f) = db::major_hazards::find(a.c, a.row.id)? else {
        return Ok(());
    };
    if !matches!(
        f.resumption_status,
        Some(ResumptionStatus::Pending | ResumptionStatus::Approved)
    ) {
        return Ok(());
    }
    f.resumption_status = Some(ResumptionStatus::Rejected);
    f.resumption_decided_at = Some(a.now.naive_utc());
    f.resumption_decided_by = Some(crate::db::DbUuid(a.who.user_id));
    f.resumption_comment = Some(format!("复查不通过：{}", opinion.trim()));
    f.updated_at = a.now.naive_utc();
    db::major_hazards::save(a.c, &f, true)?;
    Ok(())
}

/// Is the step's order of the kind the path is for, and does the file let
/// the step through? (For the actions offered, not for refusals.)
pub(crate) fn offered(action: Action, row: &OrderRow, file: Option<&Option<MajorFileRow>>) -> bool {
    if !action.major_only() {
        return true;
    }
    match file {
        Some(f) if row.level == HazardLevel::Major => step_allowed(action, &state_of(f.as_ref())),
        _ => false,
    }
}

/// 销号 of a major hazard needs this file complete (for the actions offered).
pub(crate) fn closable(row: &OrderRow, file: Option<&Option<MajorFileRow>>) -> bool {
    match (row.level, file) {
        (HazardLevel::Major, Some(f)) => path::close_missing(&state_of(f.as_ref())).is_empty(),
        (HazardLevel::Major, None) => false,
        _ => true,
    }
}
