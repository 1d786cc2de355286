//! Password rules checked before hashing.

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

pub fn check(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!(
            "密码至少{MIN_LEN}位 / password must be at least {MIN_LEN} characters"
        ));
    }
    if n > MAX_LEN {
        return Err(format!(
            "密码最多{MAX_LEN}位 / password must be at most {MAX_LEN} characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn length_bounds() {
        assert!(super::check("1234567").is_err());
        assert!(super::check("12345678").is_ok());
        assert!(super::check(&"x".repeat(129)).is_err());
    }
}
