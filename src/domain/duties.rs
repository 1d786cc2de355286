//! Separation of duties on 复查 (verification): nobody checks their own
//! work. The role rules (`order::may_on`) say which role may verify; these
//! say which *person* of that role may not.
//!
//! Sources: Work Safety Law (2021) art. 65(3) — after a major hazard,
//! production resumes only 经审查同意 (after a review, i.e. by someone other
//! than whoever found or ordered it); Huangshan 2022 "谁验收谁负责" (the
//! acceptor answers for the acceptance, so it must be someone else's work).

use uuid::Uuid;

/// One rule of separation of duties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyRule {
    /// Nobody verifies a submission they submitted.
    OwnSubmission,
    /// A department-owned item needs two different safety-office accounts
    /// for submit and accept.
    DepartmentTwoAccounts,
    /// Nobody verifies (accepts, or sends back) a major-hazard order they
    /// issued.
    IssuerVerifiesMajor,
    /// The verifier of a major hazard did not report it.
    ReporterVerifiesMajor,
    /// An enterprise's own 验收 of a self-rectification is by someone other
    /// than who rectified it.
    OwnRectification,
}

impl DutyRule {
    pub fn as_str(self) -> &'static str {
        match self {
            DutyRule::OwnSubmission => "own_submission",
            DutyRule::DepartmentTwoAccounts => "department_two_accounts",
            DutyRule::IssuerVerifiesMajor => "issuer_verifies_major",
            DutyRule::ReporterVerifiesMajor => "reporter_verifies_major",
            DutyRule::OwnRectification => "own_rectification",
        }
    }

    /// The rule as the refusal names it.
    pub fn message(self) -> &'static str {
        match self {
            DutyRule::OwnSubmission => "不能复查自己提交的整改 / nobody verifies a submission they submitted",
            DutyRule::DepartmentTwoAccounts => "部门整改事项的提交与验收须由两名不同的安全办人员进行 / a department item needs two different safety-office accounts for submit and accept",
            DutyRule::IssuerVerifiesMajor => "重大隐患不能由下达整改通知书的人复查验收 / nobody verifies a major-hazard order they issued",
            DutyRule::ReporterVerifiesMajor => "重大隐患不能由其发现（上报）人复查 / the verifier of a major hazard is not its reporter",
            DutyRule::OwnRectification => "企业自改自验的验收人不能是整改人本人 / the person accepting a self-rectification is not the one who did it",
        }
    }
}

/// Who did what on the order being verified.
#[derive(Debug, Clone)]
pub struct VerifyCase<'a> {
    pub verifier: Uuid,
    /// Who made the submission being verified.
    pub submitter: Option<Uuid>,
    pub issuer: Uuid,
    /// Who reported the order's findings.
    pub reporters: &'a [Uuid],
    pub major: bool,
    pub department_owned: bool,
}

/// Every rule a verification (accept or reject) would break.
pub fn broken(c: &VerifyCase) -> Vec<DutyRule> {
    let mut out = Vec::new();
    if c.submitter == Some(c.verifier) {
        out.push(if c.department_owned {
            DutyRule::DepartmentTwoAccounts
        } else {
            DutyRule::OwnSubmission
        });
    }
    if c.major && c.issuer == c.verifier {
        out.push(DutyRule::IssuerVerifiesMajor);
    }
    if c.major && c.reporters.contains(&c.verifier) {
        out.push(DutyRule::ReporterVerifiesMajor);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_refuses_and_allows() {
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let base = VerifyCase {
            verifier: a,
            submitter: Some(b),
            issuer: c,
            reporters: &[],
            major: false,
            department_owned: false,
        };
        let reporters_a = [a];
        let reporters_b = [b];
        use DutyRule::*;
        // (case, expected)
        let table: Vec<(VerifyCase, Vec<DutyRule>)> = vec![
            (base.clone(), vec![]),
            (
                VerifyCase {
                    submitter: Some(a),
                    ..base.clone()
                },
                vec![OwnSubmission],
            ),
            (
                VerifyCase {
                    submitter: Some(a),
                    department_owned: true,
                    ..base.clone()
                },
                vec![DepartmentTwoAccounts],
            ),
            (
                VerifyCase {
                    department_owned: true,
                    ..base.clone()
                },
                vec![],
            ),
            // A general hazard may be accepted by its issuer and reporter.
            (
                VerifyCase {
                    issuer: a,
                    reporters: &reporters_a,
                    ..base.clone()
                },
                vec![],
            ),
            (
                VerifyCase {
                    issuer: a,
                    major: true,
                    ..base.clone()
                },
                vec![IssuerVerifiesMajor],
            ),
            (
                VerifyCase {
                    reporters: &reporters_a,
                    major: true,
                    ..base.clone()
                },
                vec![ReporterVerifiesMajor],
            ),
            (
                VerifyCase {
                    reporters: &reporters_b,
                    major: true,
                    ..base.clone()
                },
                vec![],
            ),
            (
                VerifyCase {
                    submitter: Some(a),
                    issuer: a,
                    reporters: &reporters_a,
                    major: true,
                    ..base.clone()
                },
                vec![OwnSubmission, IssuerVerifiesMajor, ReporterVerifiesMajor],
            ),
        ];
        for (i, (case, want)) in table.into_iter().enumerate() {
            assert_eq!(broken(&case), want, "row {i}");
        }
    }

    #[test]
    fn rules_have_distinct_names() {
        let all = [
            DutyRule::OwnSubmission,
            DutyRule::DepartmentTwoAccounts,
            DutyRule::IssuerVerifiesMajor,
            DutyRule::ReporterVerifiesMajor,
            DutyRule::OwnRectification,
        ];
        let mut names: Vec<_> = all.iter().map(|r| r.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 5);
        assert!(all.iter().all(|r| r.message().contains(" / ")));
    }
}
