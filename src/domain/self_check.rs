//! 自查自改: an enterprise fixes and accepts the general hazards its own
//! self-inspection found, without a park order (安全生产法 (2021) 第四十一条
//! 第二款: the enterprise finds and removes its hazards, records how, and
//! reports to its staff; 16号令 第十五条第一款: a general hazard is rectified
//! at once under the enterprise's own organisation). A major hazard it finds
//! goes to the park at once (16号令 第十四条第二款) and closes only on the
//! park's order path.

use super::checklist::HazardLevel;
use super::finding::{FindingStatus, Source};

/// Why a finding cannot be closed by its enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfCloseRefusal {
    /// Found by the park, an agency or a 督察: the park's order closes it.
    NotSelfInspection,
    /// A major hazard goes the park's order path.
    MajorGoesToThePark,
    /// Already in an order, closed or cancelled.
    NotOpen,
    /// The park put it into an order once (even one since cancelled): the
    /// park's order path closes it.
    OrderedByThePark,
}

impl SelfCloseRefusal {
    pub fn message(self) -> &'static str {
        match self {
            SelfCloseRefusal::NotSelfInspection => "只有企业自查发现的隐患可由企业自改自验 / only a finding of the enterprise's own self-inspection is closed by the enterprise",
            SelfCloseRefusal::MajorGoesToThePark => "重大事故隐患须报园区并按整改通知书整改销号，企业不能自行销号 / a major hazard is closed only through the park's order",
            SelfCloseRefusal::NotOpen => "该隐患已进入整改通知书、已销号或已撤销 / the finding is already in an order, closed or cancelled",
            SelfCloseRefusal::OrderedByThePark => "该隐患已由园区下达过整改通知书，须按园区整改通知书销号 / the park has ordered this finding; it closes through the park's order",
        }
    }
}

/// `ever_ordered`: the finding was in a park order once.
pub fn check_self_close(
    source: Source,
    level: HazardLevel,
    status: FindingStatus,
    ever_ordered: bool,
) -> Result<(), SelfCloseRefusal> {
    if source != Source::SelfInspection {
        return Err(SelfCloseRefusal::NotSelfInspection);
    }
    if level == HazardLevel::Major {
        return Err(SelfCloseRefusal::MajorGoesToThePark);
    }
    if status != FindingStatus::Open {
        return Err(SelfCloseRefusal::NotOpen);
    }
    if ever_ordered {
        return Err(SelfCloseRefusal::OrderedByThePark);
    }
    Ok(())
}

/// A major hazard found by the enterprise itself is told to the park.
pub fn reported_to_park(source: Source, level: HazardLevel) -> bool {
    source == Source::SelfInspection && level == HazardLevel::Major
}

/// The same name twice, whatever the spacing and case.
pub fn same_person(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use FindingStatus as St;
    use HazardLevel as L;
    use SelfCloseRefusal as R;
    use Source as S;

    #[test]
    fn only_open_general_self_inspection_findings_close_by_the_enterprise() {
        let cases = [
            (S::SelfInspection, L::General, St::Open, Ok(())),
            (
                S::SelfInspection,
                L::Major,
                St::Open,
                Err(R::MajorGoesToThePark),
            ),
            (S::SelfInspection, L::General, St::InOrder, Err(R::NotOpen)),
            (S::SelfInspection, L::General, St::Closed, Err(R::NotOpen)),
            (
                S::SelfInspection,
                L::General,
                St::Cancelled,
                Err(R::NotOpen),
            ),
            (
                S::Inspection,
                L::General,
                St::Open,
                Err(R::NotSelfInspection),
            ),
            (S::AdHoc, L::General, St::Open, Err(R::NotSelfInspection)),
            (S::EnvAudit, L::General, St::Open, Err(R::NotSelfInspection)),
        ];
        for (s, l, st, want) in cases {
            assert_eq!(
                check_self_close(s, l, st, false),
                want,
                "{s:?} {l:?} {st:?}"
            );
        }
        // Reopened by a cancelled park order: still the park's.
        assert_eq!(
            check_self_close(S::SelfInspection, L::General, St::Open, true),
            Err(R::OrderedByThePark)
        );
    }

    #[test]
    fn a_major_self_found_hazard_is_reported() {
        assert!(reported_to_park(S::SelfInspection, L::Major));
        assert!(!reported_to_park(S::SelfInspection, L::General));
        assert!(!reported_to_park(S::Inspection, L::Major));
    }

    #[test]
    fn names_compare_without_spacing_or_case() {
        assert!(same_person("王 建国", "王建国"));
        assert!(same_person("Li Ming", "li  ming"));
        assert!(!same_person("王建国", "王建军"));
    }
}
