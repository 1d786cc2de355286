use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Who a user is, and so what they may do (DESIGN.md, "People").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Inspector,
    ThirdParty,
    Enterprise,
    SafetyOfficer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Inspector,
        Role::ThirdParty,
        Role::Enterprise,
        Role::SafetyOfficer,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Inspector => "inspector",
            Role::ThirdParty => "third_party",
            Role::Enterprise => "enterprise",
            Role::SafetyOfficer => "safety_officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Inspector => "园区检查员",
            Role::ThirdParty => "第三方机构检查员",
            Role::Enterprise => "企业安全环保管理员",
            Role::SafetyOfficer => "安全办",
            Role::Admin => "系统管理员",
        }
    }

    /// Roles bound to exactly one enterprise.
    pub fn needs_enterprise(self) -> bool {
        self == Role::Enterprise
    }

    /// Roles that may maintain the enterprise register.
    pub fn manages_enterprises(self) -> bool {
        matches!(self, Role::SafetyOfficer | Role::Admin)
    }

    /// The park's own people (not bound to enterprises): they see every
    /// enterprise and the department-owned records.
    pub fn is_park_staff(self) -> bool {
        matches!(self, Role::Inspector | Role::SafetyOfficer | Role::Admin)
    }

    /// Roles that administer accounts (create, list, change any user).
    pub fn manages_users(self) -> bool {
        self == Role::Admin
    }

    /// Roles that publish checklist template versions.
    pub fn publishes_checklists(self) -> bool {
        self == Role::Admin
    }

    /// Roles that fill in and submit inspections (self-inspection included).
    pub fn runs_inspections(self) -> bool {
        matches!(
            self,
            Role::Inspector | Role::ThirdParty | Role::SafetyOfficer | Role::Enterprise
        )
    }

    /// Roles that report findings in the field.
    pub fn reports_findings(self) -> bool {
        matches!(
            self,
            Role::Inspector | Role::ThirdParty | Role::SafetyOfficer
        )
    }

    /// Roles that read the environmental-inspection ledgers (park staff;
    /// enterprises see their items as orders).
    pub fn reads_ledgers(self) -> bool {
        self.is_park_staff()
    }

    /// Roles that record and manage environmental-inspection batches.
    pub fn handles_env_audits(self) -> bool {
        self == Role::SafetyOfficer
    }
}

/// Which roles may do something: a named predicate such as
/// [`Role::manages_enterprises`], or a list of roles.
pub trait RoleRule {
    fn admits(&self, role: Role) -> bool;
}

impl<F: Fn(Role) -> bool> RoleRule for F {
    fn admits(&self, role: Role) -> bool {
        self(role)
    }
}

impl RoleRule for &[Role] {
    fn admits(&self, role: Role) -> bool {
        self.contains(&role)
    }
}

impl<const N: usize> RoleRule for &[Role; N] {
    fn admits(&self, role: Role) -> bool {
        self.contains(&role)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "未知角色 / unknown role {s:?}; expected one of inspector, third_party, enterprise, safety_officer, admin"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_strings() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
        }
        assert!("root".parse::<Role>().is_err());
    }

    fn admitted(rule: impl RoleRule) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| rule.admits(*r)).collect()
    }

    #[test]
    fn predicates_name_the_role_lists() {
        use Role::*;
        assert_eq!(
            admitted(Role::is_park_staff),
            [Inspector, SafetyOfficer, Admin]
        );
        assert_eq!(admitted(Role::manages_enterprises), [SafetyOfficer, Admin]);
        assert_eq!(admitted(Role::manages_users), [Admin]);
        assert_eq!(admitted(Role::publishes_checklists), [Admin]);
        assert_eq!(
            admitted(Role::runs_inspections),
            [Inspector, ThirdParty, Enterprise, SafetyOfficer]
        );
        assert_eq!(
            admitted(Role::reports_findings),
            [Inspector, ThirdParty, SafetyOfficer]
        );
        assert_eq!(
            admitted(Role::reads_ledgers),
            [Inspector, SafetyOfficer, Admin]
        );
        assert_eq!(admitted(Role::handles_env_audits), [SafetyOfficer]);
        assert_eq!(admitted(Role::needs_enterprise), [Enterprise]);
    }

    #[test]
    fn role_lists_still_work_as_rules() {
        let list: &[Role] = &[Role::Inspector, Role::Admin];
        assert_eq!(admitted(list), [Role::Inspector, Role::Admin]);
        assert_eq!(admitted(&[Role::SafetyOfficer]), [Role::SafetyOfficer]);
        assert!(admitted(&[] as &[Role]).is_empty());
    }
}
