//! Account fields and their rules.

use super::{FieldErrors, Role};

pub const USERNAME_MAX: usize = 64;

/// Usernames: 3–64 characters of letters, digits, `.`, `_`, `-`, `@`
/// (Chinese letters allowed: enterprise staff often log in with their name).
pub fn check_username(username: &str, errs: &mut FieldErrors) {
    let n = username.chars().count();
    if !(3..=USERNAME_MAX).contains(&n) {
        errs.add(
            "username",
            format!(
                "用户名应为3到{USERNAME_MAX}个字符 / username must be 3..{USERNAME_MAX} characters"
            ),
        );
    } else if !username
        .chars()
        .all(|c| c.is_alphanumeric() || "._-@".contains(c))
    {
        errs.add(
            "username",
            "用户名只能包含字母、数字和 . _ - @ / username may contain letters, digits and . _ - @",
        );
    }
}

/// An enterprise user is bound to exactly one enterprise; nobody else is.
pub fn check_role_binding(role: Role, enterprise_id: Option<uuid::Uuid>, errs: &mut FieldErrors) {
    match (role.needs_enterprise(), enterprise_id) {
        (true, None) => errs.add(
            "enterprise_id",
            "企业用户必须绑定一个企业 / an enterprise user needs enterprise_id",
        ),
        (false, Some(_)) => errs.add(
            "enterprise_id",
            "只有企业用户可以绑定企业 / only enterprise users have enterprise_id",
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for ok in ["admin", "li.wei", "张三丰", "inspector-01@park"] {
            let mut e = FieldErrors::new();
            check_username(ok, &mut e);
            assert!(e.is_empty(), "{ok}");
        }
        for bad in ["ab", "has space", "semi;colon", &"x".repeat(65)] {
            let mut e = FieldErrors::new();
            check_username(bad, &mut e);
            assert!(!e.is_empty(), "{bad}");
        }
    }

    #[test]
    fn role_binding() {
        let id = Some(uuid::Uuid::nil());
        let mut e = FieldErrors::new();
        check_role_binding(Role::Enterprise, id, &mut e);
        check_role_binding(Role::Inspector, None, &mut e);
        assert!(e.is_empty());
        check_role_binding(Role::Enterprise, None, &mut e);
        check_role_binding(Role::Admin, id, &mut e);
        assert_eq!(e.into_vec().len(), 2);
    }
}
