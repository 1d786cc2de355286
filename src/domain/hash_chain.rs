//! Tamper evidence for order events: each event's hash is SHA-256 over the
//! previous hash and a canonical serialisation of the event, so rewriting
//! any stored event breaks every hash after it.

use serde::Serialize;
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields that are hashed, in a fixed order (serde keeps struct order).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Canonical<'a> {
    pub order_id: &'a str,
    pub seq: i32,
    pub action: &'a str,
    pub actor_id: Option<&'a str>,
    pub actor_role: &'a str,
    /// RFC 3339 with microseconds, UTC.
    pub at: &'a str,
    pub comment: &'a str,
    pub photo_ids: &'a [String],
    /// Action-specific details as canonical JSON text.
    pub data: &'a str,
}

pub fn hash(prev: &str, event: &Canonical) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(event).expect("serialisable"));
    hex::encode(h.finalize())
}

/// Where a stored chain stops matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Break {
    pub seq: i32,
    /// `prev_hash` (link to the previous event) or `hash` (content changed).
    pub reason: String,
}

/// Checks (canonical, prev_hash, hash) triples in order.
pub fn verify<'a>(
    events: impl IntoIterator<Item = (Canonical<'a>, &'a str, &'a str)>,
) -> Result<usize, Break> {
    let mut prev = GENESIS.to_string();
    let mut n = 0;
    for (c, stored_prev, stored_hash) in events {
        if stored_prev != prev {
            return Err(Break {
                seq: c.seq,
                reason: "prev_hash".into(),
            });
        }
        if hash(stored_prev, &c) != stored_hash {
            return Err(Break {
                seq: c.seq,
                reason: "hash".into(),
            });
        }
        prev = stored_hash.to_string();
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: i32, comment: &'static str) -> Canonical<'static> {
        Canonical {
            order_id: "o",
            seq,
            action: "progress",
            actor_id: Some("u"),
            actor_role: "enterprise",
            at: "2026-11-26T00:00:00.000000Z",
            comment,
            photo_ids: &[],
            data: "{}",
        }
    }

    #[test]
    fn detects_edits_and_removals() {
        let a = ev(1, "签收");
        let b = ev(2, "已整改");
        let ha = hash(GENESIS, &a);
        let hb = hash(&ha, &b);
        assert_eq!(
            verify([
                (a.clone(), GENESIS, ha.as_str()),
                (b.clone(), ha.as_str(), hb.as_str())
            ]),
            Ok(2)
        );
        let edited = ev(2, "未整改");
        assert_eq!(
            verify([
                (a.clone(), GENESIS, ha.as_str()),
                (edited, ha.as_str(), hb.as_str())
            ]),
            Err(Break {
                seq: 2,
                reason: "hash".into()
            })
        );
        assert_eq!(
            verify([(b, GENESIS, hb.as_str())]),
            Err(Break {
                seq: 2,
                reason: "hash".into()
            })
        );
        assert_eq!(
            verify([(a, "f".repeat(64).as_str(), ha.as_str())])
                .unwrap_err()
                .reason,
            "prev_hash"
        );
    }
}
