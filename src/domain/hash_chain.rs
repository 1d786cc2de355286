//! Tamper evidence for order events: each event's hash is SHA-256 over the
//! previous hash and a canonical serialisation of the event, so rewriting
//! any stored event breaks every hash after it.

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields that are hashed, in a fixed order (serde keeps struct order).
/// Built only through [`Canonical::of`], so writing and verifying hash the
/// same text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Canonical {
    order_id: String,
    seq: i32,
    action: String,
    actor_id: Option<String>,
    actor_role: String,
    /// RFC 3339 with microseconds, UTC.
    at: String,
    comment: String,
    photo_ids: Vec<String>,
    /// Action-specific details as canonical JSON text.
    data: String,
}

/// One stored or about-to-be-stored event, as the chain sees it.
#[derive(Debug, Clone, Copy)]
pub struct EventFields<'a> {
    pub order_id: Uuid,
    pub seq: i32,
    pub action: &'a str,
    pub actor_id: Option<Uuid>,
    pub actor_role: &'a str,
    pub at: NaiveDateTime,
    pub comment: &'a str,
    pub photo_ids: &'a [String],
    pub data: &'a str,
}

impl Canonical {
    pub fn of(e: &EventFields) -> Canonical {
        Canonical {
            order_id: e.order_id.to_string(),
            seq: e.seq,
            action: e.action.to_string(),
            actor_id: e.actor_id.map(|a| a.to_string()),
            actor_role: e.actor_role.to_string(),
            at: e.at.and_utc().to_rfc3339_opts(SecondsFormat::Micros, true),
            comment: e.comment.to_string(),
            photo_ids: e.photo_ids.to_vec(),
            data: e.data.to_string(),
        }
    }

    pub fn seq(&self) -> i32 {
        self.seq
    }
}

pub fn hash(prev: &str, event: &Canonical) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(event).expect("serialisable"));
    hex::encode(h.finalize())
}

/// What a break in a stored chain is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The link to the previous event does not match.
    PrevHash,
    /// The event's content no longer hashes to its stored hash.
    Hash,
    /// A sequence number is missing (an event was deleted).
    Sequence,
    /// Events are missing from the end (fewer than the record's version).
    Missing,
}

/// Where a stored chain stops matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Break {
    pub seq: i32,
    pub reason: BreakReason,
}

/// Checks (canonical, prev_hash, hash) triples in order.
pub fn verify<'a>(
    events: impl IntoIterator<Item = (Canonical, &'a str, &'a str)>,
) -> Result<usize, Break> {
    let mut prev = GENESIS.to_string();
    let mut n = 0;
    for (c, stored_prev, stored_hash) in events {
        if stored_prev != prev {
            return Err(Break {
                seq: c.seq,
                reason: BreakReason::PrevHash,
            });
        }
        if hash(stored_prev, &c) != stored_hash {
            return Err(Break {
                seq: c.seq,
                reason: BreakReason::Hash,
            });
        }
        prev = stored_hash.to_string();
        n += 1;
    }
    Ok(n)
}

/// A whole stored chain checked: sequence without gaps, as many events as
/// the record's `version` (every change adds one of each, so deleting the
/// tail shows), then every link and hash.
pub fn verify_stored(events: &[(EventFields, &str, &str)], version: i32) -> Result<usize, Break> {
    if let Some((i, _)) = events
        .iter()
        .enumerate()
        .find(|(i, (e, _, _))| e.seq != *i as i32 + 1)
    {
        return Err(Break {
            seq: events[i].0.seq,
            reason: BreakReason::Sequence,
        });
    }
    if events.len() as i32 != version {
        return Err(Break {
            seq: events.len() as i32 + 1,
            reason: BreakReason::Missing,
        });
    }
    verify(
        events
            .iter()
            .map(|(e, prev, hash)| (Canonical::of(e), *prev, *hash)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: i32, comment: &'static str) -> Canonical {
        Canonical::of(&EventFields {
            order_id: Uuid::nil(),
            seq,
            action: "progress",
            actor_id: Some(Uuid::nil()),
            actor_role: "enterprise",
            at: chrono::DateTime::from_timestamp(1_795_000_000, 0)
                .unwrap()
                .naive_utc(),
            comment,
            photo_ids: &[],
            data: "{}",
        })
    }

    #[test]
    fn the_canonical_text_is_stable() {
        // Stored chains must keep verifying: this is the exact hashed form.
        let c = ev(1, "签收");
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"order_id":"00000000-0000-0000-0000-000000000000","seq":1,"action":"progress","actor_id":"00000000-0000-0000-0000-000000000000","actor_role":"enterprise","at":"2026-11-18T11:06:40.000000Z","comment":"签收","photo_ids":[],"data":"{}"}"#
        );
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
                reason: BreakReason::Hash
            })
        );
        assert_eq!(
            verify([(b, GENESIS, hb.as_str())]),
            Err(Break {
                seq: 2,
                reason: BreakReason::Hash
            })
        );
        assert_eq!(
            verify([(a, "f".repeat(64).as_str(), ha.as_str())])
                .unwrap_err()
                .reason,
            BreakReason::PrevHash
        );
    }
}
