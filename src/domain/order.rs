//! Rectification orders (整改通知书): lifecycle, who may do what, numbering,
//! deadlines in the park's time zone. Pure rules, tested exhaustively.

use super::checklist::HazardLevel;
use super::Role;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Issued,
    Rectifying,
    PendingVerification,
    Closed,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Issued,
        OrderStatus::Rectifying,
        OrderStatus::PendingVerification,
        OrderStatus::Closed,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Issued => "issued",
            OrderStatus::Rectifying => "rectifying",
            OrderStatus::PendingVerification => "pending_verification",
            OrderStatus::Closed => "closed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrderStatus::Issued => "已下达",
            OrderStatus::Rectifying => "整改中",
            OrderStatus::PendingVerification => "待复查",
            OrderStatus::Closed => "已销号",
            OrderStatus::Cancelled => "已撤销",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, OrderStatus::Closed | OrderStatus::Cancelled)
    }

    /// Open and with the deadline still running: these can go overdue
    /// (once submitted, the clock that runs is the 复查 one).
    pub const RUNNING: [OrderStatus; 2] = [OrderStatus::Issued, OrderStatus::Rectifying];

    /// Not yet closed or cancelled.
    pub const OPEN: [OrderStatus; 3] = [
        OrderStatus::Issued,
        OrderStatus::Rectifying,
        OrderStatus::PendingVerification,
    ];

    pub fn is_running(self) -> bool {
        Self::RUNNING.contains(&self)
    }
}

/// Things that can happen to an order; each becomes an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Issue,
    Acknowledge,
    Progress,
    SavePlan,
    Submit,
    Accept,
    Reject,
    RequestExtension,
    ApproveExtension,
    DenyExtension,
    Cancel,
    Reminder,
    Overdue,
    SupervisionLetter,
    PublicCriticism,
    /// 挂牌督办 of a major hazard.
    ListForSupervision,
    /// Production or use stopped while a major hazard is fixed.
    RecordStop,
    /// 治理评估 of a major hazard's fix.
    Assess,
    /// 复产申请.
    ApplyResumption,
    ApproveResumption,
    RejectResumption,
}

impl Action {
    pub const ALL: [Action; 21] = [
        Action::Issue,
        Action::Acknowledge,
        Action::Progress,
        Action::SavePlan,
        Action::Submit,
        Action::Accept,
        Action::Reject,
        Action::RequestExtension,
        Action::ApproveExtension,
        Action::DenyExtension,
        Action::Cancel,
        Action::Reminder,
        Action::Overdue,
        Action::SupervisionLetter,
        Action::PublicCriticism,
        Action::ListForSupervision,
        Action::RecordStop,
        Action::Assess,
        Action::ApplyResumption,
        Action::ApproveResumption,
        Action::RejectResumption,
    ];

    pub fn parse(s: &str) -> Option<Action> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Issue => "issue",
            Action::Acknowledge => "acknowledge",
            Action::Progress => "progress",
            Action::SavePlan => "save_plan",
            Action::Submit => "submit",
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::RequestExtension => "request_extension",
            Action::ApproveExtension => "approve_extension",
            Action::DenyExtension => "deny_extension",
            Action::Cancel => "cancel",
            Action::Reminder => "reminder",
            Action::Overdue => "overdue",
            Action::SupervisionLetter => "supervision_letter",
            Action::PublicCriticism => "public_criticism",
            Action::ListForSupervision => "list_for_supervision",
            Action::RecordStop => "record_stop",
            Action::Assess => "assess",
            Action::ApplyResumption => "apply_resumption",
            Action::ApproveResumption => "approve_resumption",
            Action::RejectResumption => "reject_resumption",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Issue => "下达整改通知书",
            Action::Acknowledge => "签收",
            Action::Progress => "整改进展",
            Action::SavePlan => "治理方案",
            Action::Submit => "整改完成申请复查",
            Action::Accept => "复查通过（销号）",
            Action::Reject => "复查不通过",
            Action::RequestExtension => "申请延期",
            Action::ApproveExtension => "同意延期",
            Action::DenyExtension => "不同意延期",
            Action::Cancel => "撤销",
            Action::Reminder => "到期提醒",
            Action::Overdue => "逾期",
            Action::SupervisionLetter => "督办函",
            Action::PublicCriticism => "通报批评",
            Action::ListForSupervision => "挂牌督办",
            Action::RecordStop => "停产停业（停止使用）",
            Action::Assess => "治理评估",
            Action::ApplyResumption => "申请复产",
            Action::ApproveResumption => "同意复产",
            Action::RejectResumption => "不同意复产",
        }
    }

    /// Actions a user asks for by URL (the rest are made by the system).
    pub const USER: [Action; 18] = [
        Action::Acknowledge,
        Action::Progress,
        Action::SavePlan,
        Action::Submit,
        Action::Accept,
        Action::Reject,
        Action::RequestExtension,
        Action::ApproveExtension,
        Action::DenyExtension,
        Action::Cancel,
        Action::SupervisionLetter,
        Action::PublicCriticism,
        Action::ListForSupervision,
        Action::RecordStop,
        Action::Assess,
        Action::ApplyResumption,
        Action::ApproveResumption,
        Action::RejectResumption,
    ];

    /// The steps of the major-hazard path: only on a major-hazard order.
    pub fn major_only(self) -> bool {
        matches!(
            self,
            Action::ListForSupervision
                | Action::RecordStop
                | Action::Assess
                | Action::ApplyResumption
                | Action::ApproveResumption
                | Action::RejectResumption
        )
    }
}

/// The state after `action`, or `None` when it is not allowed from `s`.
pub fn next(s: OrderStatus, action: Action) -> Option<OrderStatus> {
    use Action as A;
    use OrderStatus as S;
    match (s, action) {
        (S::Issued, A::Acknowledge) => Some(S::Rectifying),
        (S::Issued | S::Rectifying, A::SavePlan) => Some(s),
        (S::Rectifying, A::Progress) => Some(S::Rectifying),
        (S::Rectifying, A::Submit) => Some(S::PendingVerification),
        (S::PendingVerification, A::Accept) => Some(S::Closed),
        (S::PendingVerification, A::Reject) => Some(S::Rectifying),
        (S::Issued | S::Rectifying, A::RequestExtension) => Some(s),
        (
            S::Issued | S::Rectifying | S::PendingVerification,
            A::ApproveExtension | A::DenyExtension,
        ) => Some(s),
        (S::Issued | S::Rectifying | S::PendingVerification, A::Cancel) => Some(S::Cancelled),
        (
            S::Issued | S::Rectifying,
            A::Reminder | A::Overdue | A::SupervisionLetter | A::PublicCriticism,
        ) => Some(s),
        // The major-hazard path runs beside the states and moves none but
        // one (below):
        // listing and the 复产 decision while the case is open, the stop
        // before the fix is submitted, the assessment and the application
        // once rectification has begun.
        (
            S::Issued | S::Rectifying | S::PendingVerification,
            A::ListForSupervision | A::ApproveResumption,
        ) => Some(s),
        (S::Issued | S::Rectifying, A::RejectResumption) => Some(s),
        (S::Issued | S::Rectifying, A::RecordStop) => Some(s),
        (S::Rectifying | S::PendingVerification, A::Assess | A::ApplyResumption) => Some(s),
        // A refused 复产 is a failed on-site review (16号令 第二十三条: 责令改正):
        // a submitted case goes back to rectification.
        (S::PendingVerification, A::RejectResumption) => Some(S::Rectifying),
        _ => None,
    }
}

/// User actions allowed from `s` (for the 409 answer).
pub fn allowed(s: OrderStatus) -> Vec<Action> {
    Action::USER
        .into_iter()
        .filter(|a| next(s, *a).is_some())
        .collect()
}

/// May `role` do `action` on an order of hazard `level`?
pub fn may(role: Role, action: Action, level: HazardLevel) -> bool {
    use Action as A;
    match action {
        A::Acknowledge
        | A::Progress
        | A::Submit
        | A::RequestExtension
        | A::Assess
        | A::ApplyResumption => role == Role::Enterprise,
        // The office may order the stop on site; the enterprise reports its own.
        A::RecordStop => matches!(role, Role::Enterprise | Role::SafetyOfficer),
        // The enterprise drafts its governance plan; the safety office may too.
        A::SavePlan => matches!(role, Role::Enterprise | Role::SafetyOfficer),
        // 复查: inspectors for general hazards, the safety office for major ones.
        A::Accept | A::Reject => match level {
            HazardLevel::General => matches!(role, Role::Inspector | Role::SafetyOfficer),
            HazardLevel::Major => role == Role::SafetyOfficer,
        },
        A::ApproveExtension
        | A::DenyExtension
        | A::Cancel
        | A::SupervisionLetter
        | A::PublicCriticism
        | A::ListForSupervision
        | A::ApproveResumption
        | A::RejectResumption => role == Role::SafetyOfficer,
        A::Issue => matches!(role, Role::Inspector | Role::SafetyOfficer),
        A::Reminder | A::Overdue => false, // the system only
    }
}

/// `may`, for an order addressed to a department rather than an enterprise
/// (environmental inspection items): there the safety office also does
/// what the addressee does.
pub fn may_on(role: Role, action: Action, level: HazardLevel, department_owned: bool) -> bool {
    let addressee_side = matches!(
        action,
        Action::Acknowledge
            | Action::Progress
            | Action::SavePlan
            | Action::Submit
            | Action::RequestExtension
            | Action::RecordStop
            | Action::Assess
            | Action::ApplyResumption
    );
    if department_owned && addressee_side {
        return role == Role::SafetyOfficer;
    }
    may(role, action, level)
}

/// Why a major hazard is major (重大隐患判定).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MajorReason {
    /// 需要全部或者局部停产停业，并经过一定时间整改治理方能排除.
    StopProduction,
    /// 因外部因素影响致使生产经营单位自身难以排除.
    ExternalCauses,
}

impl MajorReason {
    pub fn as_str(self) -> &'static str {
        match self {
            MajorReason::StopProduction => "stop_production",
            MajorReason::ExternalCauses => "external_causes",
        }
    }
    pub fn parse(s: &str) -> Option<MajorReason> {
        [MajorReason::StopProduction, MajorReason::ExternalCauses]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Where a request for a later deadline stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionStatus {
    Pending,
    Approved,
    Denied,
}

impl ExtensionStatus {
    pub const ALL: [ExtensionStatus; 3] = [
        ExtensionStatus::Pending,
        ExtensionStatus::Approved,
        ExtensionStatus::Denied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionStatus::Pending => "pending",
            ExtensionStatus::Approved => "approved",
            ExtensionStatus::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<ExtensionStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn decided(approve: bool) -> ExtensionStatus {
        if approve {
            ExtensionStatus::Approved
        } else {
            ExtensionStatus::Denied
        }
    }
}

/// Why an extension request cannot go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionRefusal {
    /// The new deadline is not after the one in force.
    NotLater,
    /// One request is already waiting for a decision.
    AlreadyPending,
}

/// A request for `requested` is possible while none is pending and it
/// moves the deadline in force later.
pub fn check_extension_request(
    requested: NaiveDate,
    effective_deadline: NaiveDate,
    pending_exists: bool,
) -> Result<(), ExtensionRefusal> {
    if requested <= effective_deadline {
        return Err(ExtensionRefusal::NotLater);
    }
    if pending_exists {
        return Err(ExtensionRefusal::AlreadyPending);
    }
    Ok(())
}

/// An approval cannot set a deadline that has already passed.
pub fn extension_expired(requested: NaiveDate, today: NaiveDate) -> bool {
    requested < today
}

/// 督办函 issued for an overdue order: its number and the new time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SupervisionLetter {
    pub number: String,
    pub time_limit: NaiveDate,
    pub at: DateTime<Utc>,
}

/// 通报批评 after the letter's time limit passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicCriticism {
    pub number: String,
    pub at: DateTime<Utc>,
}

/// The escalation steps an overdue order went through (逾期督办).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Escalation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supervision_letter: Option<SupervisionLetter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_criticism: Option<PublicCriticism>,
}

/// Why an escalation step cannot be taken now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationRefusal {
    NotOverdue,
    LetterAlreadyIssued,
    LetterRequired,
    TimeLimitRunning(NaiveDate),
    AlreadyCriticised,
}

impl Escalation {
    pub fn is_empty(&self) -> bool {
        self.supervision_letter.is_none() && self.public_criticism.is_none()
    }

    /// A 督办函 goes to an overdue order once.
    pub fn check_letter(&self, overdue: bool) -> Result<(), EscalationRefusal> {
        if !overdue {
            return Err(EscalationRefusal::NotOverdue);
        }
        if self.supervision_letter.is_some() {
            return Err(EscalationRefusal::LetterAlreadyIssued);
        }
        Ok(())
    }

    /// 通报批评 follows a 督办函 whose time limit has passed, once.
    pub fn check_criticism(&self, today: NaiveDate) -> Result<(), EscalationRefusal> {
        let Some(letter) = &self.supervision_letter else {
            return Err(EscalationRefusal::LetterRequired);
        };
        if today <= letter.time_limit {
            return Err(EscalationRefusal::TimeLimitRunning(letter.time_limit));
        }
        if self.public_criticism.is_some() {
            return Err(EscalationRefusal::AlreadyCriticised);
        }
        Ok(())
    }
}

pub use super::time::{park_offset, park_today, park_year};

/// A deadline is the whole park day: overdue from the next midnight on.
pub fn is_overdue(status: OrderStatus, deadline: NaiveDate, now: DateTime<Utc>) -> bool {
    status.is_running() && park_today(now) > deadline
}

/// Whole days until the deadline (negative when overdue), for open orders.
pub fn days_left(status: OrderStatus, deadline: NaiveDate, now: DateTime<Utc>) -> Option<i64> {
    status
        .is_open()
        .then(|| (deadline - park_today(now)).num_days())
}

/// 复查时限: verification is due within 10 days of submit.
pub const VERIFICATION_DAYS: i64 = 10;

pub fn verification_late(
    status: OrderStatus,
    submitted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    status == OrderStatus::PendingVerification
        && submitted_at.is_some_and(|t| now - t > Duration::days(VERIFICATION_DAYS))
}

/// Document numbers: `安环整改〔2026〕0007号` and the like, per kind and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    Order,
    SupervisionLetter,
    PublicCriticism,
}

impl NumberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NumberKind::Order => "order",
            NumberKind::SupervisionLetter => "supervision_letter",
            NumberKind::PublicCriticism => "public_criticism",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            NumberKind::Order => "安环整改",
            NumberKind::SupervisionLetter => "安环督办",
            NumberKind::PublicCriticism => "安环通报",
        }
    }
}

pub fn document_number(kind: NumberKind, year: i32, seq: i64) -> String {
    format!("{}〔{year}〕{seq:04}号", kind.prefix())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn lifecycle_table() {
        use Action as A;
        use OrderStatus as S;
        assert_eq!(next(S::Issued, A::Acknowledge), Some(S::Rectifying));
        assert_eq!(next(S::Rectifying, A::Submit), Some(S::PendingVerification));
        assert_eq!(next(S::PendingVerification, A::Reject), Some(S::Rectifying));
        assert_eq!(next(S::PendingVerification, A::Accept), Some(S::Closed));
        assert_eq!(next(S::Rectifying, A::Cancel), Some(S::Cancelled));
        assert_eq!(next(S::Issued, A::Submit), None, "acknowledge first");
        assert_eq!(next(S::Rectifying, A::Accept), None);
        for a in Action::USER {
            assert_eq!(next(S::Closed, a), None, "closed is final: {a:?}");
            assert_eq!(next(S::Cancelled, a), None, "cancelled is final: {a:?}");
        }
        assert_eq!(
            allowed(S::Issued),
            [
                A::Acknowledge,
                A::SavePlan,
                A::RequestExtension,
                A::ApproveExtension,
                A::DenyExtension,
                A::Cancel,
                A::SupervisionLetter,
                A::PublicCriticism,
                A::ListForSupervision,
                A::RecordStop,
                A::ApproveResumption,
                A::RejectResumption
            ]
        );
        assert_eq!(
            allowed(S::PendingVerification),
            [
                A::Accept,
                A::Reject,
                A::ApproveExtension,
                A::DenyExtension,
                A::Cancel,
                A::ListForSupervision,
                A::Assess,
                A::ApplyResumption,
                A::ApproveResumption,
                A::RejectResumption
            ]
        );
        assert!(allowed(S::Closed).is_empty());
    }

    #[test]
    fn the_major_hazard_path_moves_no_state_but_a_refused_resumption() {
        use Action as A;
        use OrderStatus as S;
        for a in Action::USER.into_iter().filter(|a| a.major_only()) {
            for s in OrderStatus::ALL {
                if (s, a) == (S::PendingVerification, A::RejectResumption) {
                    assert_eq!(next(s, a), Some(S::Rectifying));
                    continue;
                }
                assert!(next(s, a).is_none_or(|x| x == s), "{a:?} in {s:?}");
            }
        }
        assert_eq!(next(S::Rectifying, A::RecordStop), Some(S::Rectifying));
        assert_eq!(
            next(S::PendingVerification, A::RecordStop),
            None,
            "stop before submitting"
        );
        assert_eq!(next(S::Issued, A::Assess), None, "acknowledge first");
        assert_eq!(
            next(S::PendingVerification, A::ApplyResumption),
            Some(S::PendingVerification)
        );
        use HazardLevel::Major;
        assert!(may(Role::Enterprise, A::Assess, Major));
        assert!(
            !may(Role::SafetyOfficer, A::Assess, Major),
            "the enterprise has it assessed"
        );
        assert!(may(Role::SafetyOfficer, A::RecordStop, Major));
        assert!(may(Role::SafetyOfficer, A::ApproveResumption, Major));
        assert!(!may(Role::Inspector, A::ApproveResumption, Major));
        assert!(!may(Role::Enterprise, A::ListForSupervision, Major));
        assert!(may_on(Role::SafetyOfficer, A::ApplyResumption, Major, true));
    }

    #[test]
    fn permissions() {
        use HazardLevel::*;
        assert!(may(Role::Inspector, Action::Accept, General));
        assert!(!may(Role::Inspector, Action::Accept, Major));
        assert!(may(Role::SafetyOfficer, Action::Accept, Major));
        for a in Action::USER {
            assert!(
                !may(Role::ThirdParty, a, General),
                "third_party never {a:?}"
            );
            assert!(
                !may(Role::Admin, a, General),
                "admin is not a case worker: {a:?}"
            );
        }
        assert!(may(Role::Enterprise, Action::Submit, Major));
        assert!(!may(Role::Enterprise, Action::Accept, General));
        assert!(!may(Role::Inspector, Action::Cancel, General));
    }

    #[test]
    fn the_safety_office_answers_for_departments() {
        use HazardLevel::General;
        assert!(may_on(Role::SafetyOfficer, Action::Submit, General, true));
        assert!(
            !may_on(Role::Enterprise, Action::Submit, General, true),
            "no enterprise owns it"
        );
        assert!(!may_on(Role::SafetyOfficer, Action::Submit, General, false));
        assert!(may_on(Role::Inspector, Action::Accept, General, true));
    }

    #[test]
    fn overdue_uses_the_park_day() {
        let deadline = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        // 2026-11-30 23:30 in the park = 15:30 UTC: still on time.
        let late_evening = Utc.with_ymd_and_hms(2026, 11, 30, 15, 30, 0).unwrap();
        assert!(!is_overdue(OrderStatus::Rectifying, deadline, late_evening));
        // 2026-12-01 00:10 in the park = 2026-11-30 16:10 UTC: overdue.
        let after_midnight = Utc.with_ymd_and_hms(2026, 11, 30, 16, 10, 0).unwrap();
        assert!(is_overdue(
            OrderStatus::Rectifying,
            deadline,
            after_midnight
        ));
        assert!(!is_overdue(OrderStatus::Closed, deadline, after_midnight));
        assert_eq!(
            days_left(OrderStatus::Issued, deadline, late_evening),
            Some(0)
        );
        assert_eq!(
            days_left(OrderStatus::Issued, deadline, after_midnight),
            Some(-1)
        );
        assert_eq!(
            days_left(OrderStatus::Closed, deadline, after_midnight),
            None
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            document_number(NumberKind::Order, 2026, 7),
            "安环整改〔2026〕0007号"
        );
        assert_eq!(
            document_number(NumberKind::SupervisionLetter, 2026, 12),
            "安环督办〔2026〕0012号"
        );
        // New Year's Eve 17:00 UTC is already next year in the park.
        assert_eq!(
            park_year(Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap()),
            2027
        );
    }

    #[test]
    fn codes_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        for x in ExtensionStatus::ALL {
            assert_eq!(ExtensionStatus::parse(x.as_str()), Some(x));
        }
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(s.is_running(), OrderStatus::RUNNING.contains(&s));
            assert_eq!(s.is_open(), OrderStatus::OPEN.contains(&s));
        }
    }

    #[test]
    fn extension_rules() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(
            check_extension_request(d, d, false),
            Err(ExtensionRefusal::NotLater)
        );
        assert_eq!(
            check_extension_request(d.succ_opt().unwrap(), d, true),
            Err(ExtensionRefusal::AlreadyPending)
        );
        assert_eq!(
            check_extension_request(d.succ_opt().unwrap(), d, false),
            Ok(())
        );
        assert!(extension_expired(d, d.succ_opt().unwrap()));
        assert!(!extension_expired(d, d));
    }

    #[test]
    fn escalation_steps_come_in_order() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let mut e = Escalation::default();
        assert_eq!(e.check_letter(false), Err(EscalationRefusal::NotOverdue));
        assert_eq!(e.check_letter(true), Ok(()));
        assert_eq!(
            e.check_criticism(today),
            Err(EscalationRefusal::LetterRequired)
        );
        e.supervision_letter = Some(SupervisionLetter {
            number: "安环督办〔2026〕0001号".into(),
            time_limit: today,
            at,
        });
        assert_eq!(
            e.check_letter(true),
            Err(EscalationRefusal::LetterAlreadyIssued)
        );
        assert_eq!(
            e.check_criticism(today),
            Err(EscalationRefusal::TimeLimitRunning(today))
        );
        let later = today.succ_opt().unwrap();
        assert_eq!(e.check_criticism(later), Ok(()));
        e.public_criticism = Some(PublicCriticism {
            number: "安环通报〔2026〕0001号".into(),
            at,
        });
        assert_eq!(
            e.check_criticism(later),
            Err(EscalationRefusal::AlreadyCriticised)
        );
    }
}
