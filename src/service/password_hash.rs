//! Password hashing (argon2id), shared by login and account administration.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::OnceLock;

fn argon2() -> Argon2<'static> {
    Argon2::default() // argon2id, 19 MiB, t=2, p=1 (OWASP minimum)
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hash password: {e}"))
}

/// Whether `password` matches `hash`; an unreadable hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A valid hash to verify against when the user does not exist, so the
/// response time does not tell which usernames exist.
pub fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hash_password("not-a-real-password").expect("hash"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_password() {
        let h = hash_password("correct-horse-9").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct-horse-9", &h));
        assert!(!verify_password("correct-horse-8", &h));
        assert!(!verify_password("correct-horse-9", "not a hash"));
        assert!(!verify_password("correct-horse-9", dummy_hash()));
    }
}
