//! Who is calling, and which enterprises they may see. Pure: the service
//! layer turns a failed rule into a 403 and the scope into a query filter.

use super::role::RoleRule;
use super::Role;
use uuid::Uuid;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub username: String,
    pub role: Role,
    /// Set for `enterprise` users: the one enterprise they belong to.
    pub enterprise_id: Option<Uuid>,
    /// Set for `third_party` users: the enterprises their agency is assigned.
    pub assigned_enterprises: Vec<Uuid>,
    pub(crate) token_hash: String,
}

/// Which enterprises a caller may see.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    All,
    Only(Vec<Uuid>),
}

impl Principal {
    pub fn scope(&self) -> Scope {
        if self.role.is_park_staff() {
            return Scope::All;
        }
        match self.role {
            Role::Enterprise => Scope::Only(self.enterprise_id.into_iter().collect()),
            _ => Scope::Only(self.assigned_enterprises.clone()),
        }
    }

    /// Records owned by a department (no enterprise) are park business:
    /// only unscoped roles see them.
    pub fn can_see(&self, enterprise: Option<Uuid>) -> bool {
        match enterprise {
            Some(e) => self.can_see_enterprise(e),
            None => self.scope() == Scope::All,
        }
    }

    pub fn can_see_enterprise(&self, id: Uuid) -> bool {
        match self.scope() {
            Scope::All => true,
            Scope::Only(ids) => ids.contains(&id),
        }
    }

    /// The scope as a list filter: `None` = every enterprise.
    pub fn enterprise_filter(&self) -> Option<Vec<Uuid>> {
        match self.scope() {
            Scope::All => None,
            Scope::Only(ids) => Some(ids),
        }
    }

    /// Whether the caller's role passes `rule`.
    pub fn may(&self, rule: impl RoleRule) -> bool {
        rule.admits(self.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role) -> Principal {
        Principal {
            user_id: Uuid::nil(),
            username: "u".into(),
            role,
            enterprise_id: None,
            assigned_enterprises: Vec::new(),
            token_hash: String::new(),
        }
    }

    #[test]
    fn park_staff_see_everything_others_their_enterprises() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for r in [Role::Inspector, Role::SafetyOfficer, Role::Admin] {
            let p = who(r);
            assert_eq!(p.scope(), Scope::All);
            assert_eq!(p.enterprise_filter(), None);
            assert!(p.can_see(None) && p.can_see(Some(a)));
        }
        let e = Principal {
            enterprise_id: Some(a),
            ..who(Role::Enterprise)
        };
        assert_eq!(e.enterprise_filter(), Some(vec![a]));
        assert!(e.can_see(Some(a)) && !e.can_see(Some(b)) && !e.can_see(None));
        let t = Principal {
            assigned_enterprises: vec![b],
            ..who(Role::ThirdParty)
        };
        assert_eq!(t.scope(), Scope::Only(vec![b]));
        assert!(t.can_see_enterprise(b) && !t.can_see_enterprise(a) && !t.can_see(None));
        assert_eq!(who(Role::ThirdParty).enterprise_filter(), Some(vec![]));
    }

    #[test]
    fn rules_are_predicates_or_lists() {
        let p = who(Role::SafetyOfficer);
        assert!(p.may(Role::manages_enterprises));
        assert!(!p.may(Role::manages_users));
        assert!(p.may(&[Role::Admin, Role::SafetyOfficer]));
        assert!(!p.may(&[Role::Admin]));
    }
}
