//! How long an account is slowed down after failed logins: nothing for the
//! first `max_failures - 1`, then `base`, doubling per further failure, never
//! longer than `cap` — so guessing is slow but the owner always gets back in.

use std::time::Duration;

pub fn lockout_after(
    failures: u32,
    max_failures: u32,
    base: Duration,
    cap: Duration,
) -> Option<Duration> {
    if failures < max_failures {
        return None;
    }
    let doublings = (failures - max_failures).min(20);
    Some(base.saturating_mul(1u32 << doublings).min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps() {
        let b = Duration::from_secs(30);
        let cap = Duration::from_secs(900);
        assert_eq!(lockout_after(4, 5, b, cap), None);
        assert_eq!(lockout_after(5, 5, b, cap), Some(Duration::from_secs(30)));
        assert_eq!(lockout_after(6, 5, b, cap), Some(Duration::from_secs(60)));
        assert_eq!(lockout_after(9, 5, b, cap), Some(Duration::from_secs(480)));
        assert_eq!(lockout_after(10, 5, b, cap), Some(cap));
        assert_eq!(lockout_after(u32::MAX, 5, b, cap), Some(cap));
    }
}
