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
}
