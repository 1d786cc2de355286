//! The major-hazard path (重大事故隐患): 挂牌督办, production stopped while
//! it is fixed, the 评估 of the fix, the application to resume (复产) and
//! its decision, and what closing needs. Pure rules over the order's file.
//!
//! Sources (《安全生产事故隐患排查治理暂行规定》, 原国家安全监管总局令第16号):
//! - 第十四条第二款: the report owed on a major hazard holds (一) its present
//!   state and cause, (二) how dangerous and how hard to fix it is, (三) the
//!   governance plan — what `major-hazard-report` prints;
//! - 第十六条: when safety cannot be kept before or while it is removed,
//!   production or use stops (暂时停产停业或者停止使用) — `StopMode`;
//! - 第十八条: a hazard listed for supervision (挂牌督办) and stopped is
//!   assessed after the fix — by the enterprise's own technical staff and
//!   experts when it can, otherwise by a qualified agency — and production
//!   resumes only on a written application, after review and consent;
//! - 第二十三条: the office reviews that application on site within 10 days
//!   (`RESUMPTION_REVIEW_DAYS`), then approves resumption or refuses it;
//! - 安全生产法 (2021) 第六十五条第一款第（三）项: production resumes only
//!   after review and approval (经审查同意).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Days the office has to decide a 复产 application (16号令 第二十三条); the
/// setting `resumption_review_days` may change it.
pub const RESUMPTION_REVIEW_DAYS: i64 = 10;

/// How production was stopped while the hazard is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopMode {
    /// 全部停产停业
    StopProduction,
    /// 局部停产（停止部分区域、工序或生产线）
    PartialStop,
    /// 停止使用（设备设施、场所）
    StopUse,
}

impl StopMode {
    pub const ALL: [StopMode; 3] = [
        StopMode::StopProduction,
        StopMode::PartialStop,
        StopMode::StopUse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StopMode::StopProduction => "stop_production",
            StopMode::PartialStop => "partial_stop",
            StopMode::StopUse => "stop_use",
        }
    }

    pub fn parse(s: &str) -> Option<StopMode> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            StopMode::StopProduction => "停产停业",
            StopMode::PartialStop => "局部停产",
            StopMode::StopUse => "停止使用",
        }
    }
}

/// Who assessed the fix (16号令 第十八条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessorKind {
    /// 本单位技术人员
    OwnStaff,
    /// 专家
    Experts,
    /// 具备相应资质的安全评价机构
    Agency,
}

impl AssessorKind {
    pub const ALL: [AssessorKind; 3] = [
        AssessorKind::OwnStaff,
        AssessorKind::Experts,
        AssessorKind::Agency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssessorKind::OwnStaff => "own_staff",
            AssessorKind::Experts => "experts",
            AssessorKind::Agency => "agency",
        }
    }

    pub fn parse(s: &str) -> Option<AssessorKind> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AssessorKind::OwnStaff => "本单位技术人员",
            AssessorKind::Experts => "专家",
            AssessorKind::Agency => "安全评价机构",
        }
    }
}

/// Where the 复产 application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResumptionStatus {
    Pending,
    Approved,
    Rejected,
}

impl ResumptionStatus {
    pub const ALL: [ResumptionStatus; 3] = [
        ResumptionStatus::Pending,
        ResumptionStatus::Approved,
        ResumptionStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResumptionStatus::Pending => "pending",
            ResumptionStatus::Approved => "approved",
            ResumptionStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ResumptionStatus> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ResumptionStatus::Pending => "待审查",
            ResumptionStatus::Approved => "同意复产",
            ResumptionStatus::Rejected => "不同意复产",
        }
    }
}

/// What the order's file says so far; each rule reads only this.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathState {
    pub listed: bool,
    pub stopped: bool,
    /// The latest 评估 found the hazard eliminated.
    pub assessed_eliminated: Option<bool>,
    /// The latest assessment carries its 评估报告 document.
    pub assessment_has_report: bool,
    pub resumption: Option<ResumptionStatus>,
}

/// A step of the path that is not (yet) possible or not yet done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRefusal {
    /// 挂牌督办 happens once.
    AlreadyListed,
    /// The stop or the assessment cannot change while 复产 is pending or granted.
    ResumptionUnderway,
    /// 复产 needs a recorded stop.
    NotStopped,
    /// 复产 needs an assessment that found the hazard eliminated.
    NotAssessedEliminated,
    /// One application at a time.
    ResumptionPending,
    /// Resumption was already approved.
    ResumptionApproved,
    /// A decision needs a pending application.
    NoPendingResumption,
}

impl PathRefusal {
    pub fn message(self) -> &'static str {
        match self {
            PathRefusal::AlreadyListed => "该重大隐患已挂牌督办 / already listed for supervision",
            PathRefusal::ResumptionUnderway => "复产申请已提出或已同意，停产与评估情况不能再改 / a resumption application is pending or approved; the stop and the assessment can no longer change",
            PathRefusal::NotStopped => "未记录停产停业或停止使用，无需申请复产 / no production stop was recorded, so there is nothing to resume",
            PathRefusal::NotAssessedEliminated => "申请复产前须有结论为隐患已消除的评估 / resumption needs an assessment that found the hazard eliminated",
            PathRefusal::ResumptionPending => "已有待审查的复产申请 / a resumption application is already pending",
            PathRefusal::ResumptionApproved => "已同意复产 / resumption was already approved",
            PathRefusal::NoPendingResumption => "没有待审查的复产申请 / no resumption application is pending",
        }
    }
}

pub fn check_listing(s: &PathState) -> Result<(), PathRefusal> {
    if s.listed {
        return Err(PathRefusal::AlreadyListed);
    }
    Ok(())
}

/// Recording (or correcting) the stop, and a new assessment: only while no
/// application builds on them.
pub fn check_file_open(s: &PathState) -> Result<(), PathRefusal> {
    match s.resumption {
        Some(ResumptionStatus::Pending | ResumptionStatus::Approved) => {
            Err(PathRefusal::ResumptionUnderway)
        }
        _ => Ok(()),
    }
}

pub fn check_application(s: &PathState) -> Result<(), PathRefusal> {
    match s.resumption {
        Some(ResumptionStatus::Pending) => return Err(PathRefusal::ResumptionPending),
        Some(ResumptionStatus::Approved) => return Err(PathRefusal::ResumptionApproved),
        _ => {}
    }
    if !s.stopped {
        return Err(PathRefusal::NotStopped);
    }
    if s.assessed_eliminated != Some(true) {
        return Err(PathRefusal::NotAssessedEliminated);
    }
    Ok(())
}

pub fn check_decision(s: &PathState) -> Result<(), PathRefusal> {
    if s.resumption != Some(ResumptionStatus::Pending) {
        return Err(PathRefusal::NoPendingResumption);
    }
    Ok(())
}

/// What closing (销号) a major-hazard order still lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// An assessment that found the hazard eliminated.
    Assessment,
    /// Its 评估报告 document.
    AssessmentReport,
    /// Production stopped, so resumption must be approved first.
    ResumptionApproval,
}

impl Missing {
    pub fn as_str(self) -> &'static str {
        match self {
            Missing::Assessment => "assessment",
            Missing::AssessmentReport => "assessment_report",
            Missing::ResumptionApproval => "resumption_approval",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Missing::Assessment => "结论为隐患已消除的治理评估",
            Missing::AssessmentReport => "评估报告文件",
            Missing::ResumptionApproval => "同意复产的审查决定",
        }
    }
}

/// Everything closing still needs; empty when it may close.
pub fn close_missing(s: &PathState) -> Vec<Missing> {
    let mut out = Vec::new();
    if s.assessed_eliminated != Some(true) {
        out.push(Missing::Assessment);
    }
    if s.assessed_eliminated.is_some() && !s.assessment_has_report {
        out.push(Missing::AssessmentReport);
    }
    if s.stopped && s.resumption != Some(ResumptionStatus::Approved) {
        out.push(Missing::ResumptionApproval);
    }
    out
}

/// The last day the office has to decide an application made on `applied`.
pub fn decide_by(applied: NaiveDate, days: i64) -> NaiveDate {
    applied + chrono::Duration::days(days)
}

/// A pending application whose decision day has passed.
pub fn decision_overdue(
    status: Option<ResumptionStatus>,
    decide_by: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    status == Some(ResumptionStatus::Pending) && decide_by.is_some_and(|d| today > d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResumptionStatus as R;

    fn state(stopped: bool, eliminated: Option<bool>, report: bool, r: Option<R>) -> PathState {
        PathState {
            listed: false,
            stopped,
            assessed_eliminated: eliminated,
            assessment_has_report: report,
            resumption: r,
        }
    }

    #[test]
    fn closing_needs_the_assessment_its_report_and_for_a_stop_the_resumption() {
        use Missing::*;
        let cases: &[(PathState, &[Missing])] = &[
            (state(false, None, false, None), &[Assessment]),
            (state(false, Some(false), true, None), &[Assessment]),
            (state(false, Some(true), false, None), &[AssessmentReport]),
            (state(false, Some(true), true, None), &[]),
            (
                state(true, None, false, None),
                &[Assessment, ResumptionApproval],
            ),
            (
                state(true, Some(true), true, Some(R::Pending)),
                &[ResumptionApproval],
            ),
            (
                state(true, Some(true), true, Some(R::Rejected)),
                &[ResumptionApproval],
            ),
            (state(true, Some(true), true, Some(R::Approved)), &[]),
        ];
        for (s, want) in cases {
            assert_eq!(close_missing(s), *want, "{s:?}");
        }
    }

    #[test]
    fn an_application_needs_a_stop_and_an_assessment_that_found_it_eliminated() {
        use PathRefusal::*;
        let cases: &[(PathState, Result<(), PathRefusal>)] = &[
            (state(false, Some(true), true, None), Err(NotStopped)),
            (state(true, None, false, None), Err(NotAssessedEliminated)),
            (
                state(true, Some(false), true, None),
                Err(NotAssessedEliminated),
            ),
            (state(true, Some(true), true, None), Ok(())),
            (state(true, Some(true), true, Some(R::Rejected)), Ok(())),
            (
                state(true, Some(true), true, Some(R::Pending)),
                Err(ResumptionPending),
            ),
            (
                state(true, Some(true), true, Some(R::Approved)),
                Err(ResumptionApproved),
            ),
        ];
        for (s, want) in cases {
            assert_eq!(check_application(s), *want, "{s:?}");
        }
    }

    #[test]
    fn the_file_is_frozen_while_an_application_builds_on_it() {
        for (r, open) in [
            (None, true),
            (Some(R::Rejected), true),
            (Some(R::Pending), false),
            (Some(R::Approved), false),
        ] {
            let s = state(true, Some(true), true, r);
            assert_eq!(check_file_open(&s).is_ok(), open, "{r:?}");
        }
    }

    #[test]
    fn decisions_and_listing_happen_once() {
        assert!(check_decision(&state(true, Some(true), true, Some(R::Pending))).is_ok());
        for r in [None, Some(R::Approved), Some(R::Rejected)] {
            assert_eq!(
                check_decision(&state(true, Some(true), true, r)),
                Err(PathRefusal::NoPendingResumption)
            );
        }
        let mut s = PathState::default();
        assert!(check_listing(&s).is_ok());
        s.listed = true;
        assert_eq!(check_listing(&s), Err(PathRefusal::AlreadyListed));
    }

    #[test]
    fn the_decision_clock_runs_from_the_application() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let by = decide_by(d, RESUMPTION_REVIEW_DAYS);
        assert_eq!(by, NaiveDate::from_ymd_opt(2026, 12, 11).unwrap());
        assert!(!decision_overdue(Some(R::Pending), Some(by), by));
        assert!(decision_overdue(
            Some(R::Pending),
            Some(by),
            by.succ_opt().unwrap()
        ));
        assert!(!decision_overdue(
            Some(R::Approved),
            Some(by),
            by.succ_opt().unwrap()
        ));
    }

    #[test]
    fn names_round_trip() {
        for m in StopMode::ALL {
            assert_eq!(StopMode::parse(m.as_str()), Some(m));
        }
        for k in AssessorKind::ALL {
            assert_eq!(AssessorKind::parse(k.as_str()), Some(k));
        }
        for r in ResumptionStatus::ALL {
            assert_eq!(ResumptionStatus::parse(r.as_str()), Some(r));
        }
    }
}
