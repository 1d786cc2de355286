//! The event chain of an order: every change appends one event whose hash
//! covers the previous hash and the event (`domain::hash_chain`).

use super::view::event_view;
use super::{scoped, EventView};
use crate::db::{self, orders::EventRow, DbConn, DbUuid};
use crate::domain::hash_chain::{self, Break, Canonical, EventFields, GENESIS};
use crate::domain::order::Action;
use crate::domain::time;
use crate::error::{AppError, AppResult};
use crate::service::{Ctx, Principal};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// What an action records besides its actor and time.
#[derive(Debug, Default)]
pub(crate) struct EventBody {
    pub comment: String,
    pub photos: Vec<Uuid>,
    pub data: Value,
}

impl EventBody {
    pub fn new(comment: &str, data: Value) -> EventBody {
        EventBody {
            comment: comment.trim().to_string(),
            photos: Vec::new(),
            data,
        }
    }

    pub fn with_photos(mut self, photos: Vec<Uuid>) -> EventBody {
        self.photos = photos;
        self
    }
}

/// Appends one event to the order's chain; `who` is `None` for the system.
pub(crate) fn append(
    c: &mut DbConn,
    order: DbUuid,
    action: Action,
    who: Option<&Principal>,
    body: EventBody,
) -> AppResult<EventRow> {
    let (seq, prev_hash) = db::orders::last_event(c, order)?
        .map(|(s, h)| (s + 1, h))
        .unwrap_or((1, GENESIS.to_string()));
    let photo_ids: Vec<String> = body.photos.iter().map(|p| p.to_string()).collect();
    let data = serde_json::to_string(&body.data).map_err(AppError::internal)?;
    let actor_role = who.map_or("system", |w| w.role.as_str());
    let fields = EventFields {
        order_id: order.0,
        seq,
        action: action.as_str(),
        actor_id: who.map(|w| w.user_id),
        actor_role,
        at: time::now().naive_utc(),
        comment: &body.comment,
        photo_ids: &photo_ids,
        data: &data,
    };
    let hash = hash_chain::hash(&prev_hash, &Canonical::of(&fields));
    let row = EventRow {
        id: DbUuid(Uuid::now_v7()),
        order_id: order,
        seq,
        action,
        actor_id: fields.actor_id.map(DbUuid),
        actor_role: actor_role.into(),
        at: fields.at,
        comment: body.comment,
        photo_ids: serde_json::to_string(&photo_ids).map_err(AppError::internal)?,
        data,
        prev_hash,
        hash,
    };
    db::orders::insert_event(c, &row)?;
    Ok(row)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    /// True when every stored event still hashes to its stored hash and links to its predecessor.
    pub valid: bool,
    pub events: usize,
    pub broken_at: Option<Break>,
}

/// Every change of an order adds one event and one version, so the
/// version also tells when events were deleted from the end.
fn verify_rows(order: DbUuid, version: i32, rows: &[EventRow]) -> ChainReport {
    let broken = |b: Break| ChainReport {
        valid: false,
        events: rows.len(),
        broken_at: Some(b),
    };
    let mut photos = Vec::with_capacity(rows.len());
    for e in rows {
        match serde_json::from_str::<Vec<String>>(&e.photo_ids) {
            Ok(p) => photos.push(p),
            Err(_) => {
                return broken(Break {
                    seq: e.seq,
                    reason: hash_chain::BreakReason::Hash,
                })
            }
        }
    }
    let stored: Vec<(EventFields, &str, &str)> = rows
        .iter()
        .zip(&photos)
        .map(|(e, p)| {
            let fields = EventFields {
                order_id: order.0,
                seq: e.seq,
                action: e.action.as_str(),
                actor_id: e.actor_id.map(|a| a.0),
                actor_role: &e.actor_role,
                at: e.at,
                comment: &e.comment,
                photo_ids: p,
                data: &e.data,
            };
            (fields, e.prev_hash.as_str(), e.hash.as_str())
        })
        .collect();
    match hash_chain::verify_stored(&stored, version) {
        Ok(n) => ChainReport {
            valid: true,
            events: n,
            broken_at: None,
        },
        Err(b) => broken(b),
    }
}

pub async fn events(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<Vec<EventView>> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let row = scoped(&who, db::orders::find(c, DbUuid(id))?)?;
            Ok(db::orders::events_of(c, row.id)?
                .into_iter()
                .map(|e| event_view(e, &who))
                .collect())
        })
        .await
}

pub async fn verify_chain(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<ChainReport> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let row = scoped(&who, db::orders::find(c, DbUuid(id))?)?;
            let rows = db::orders::events_of(c, row.id)?;
            Ok(verify_rows(row.id, row.version, &rows))
        })
        .await
}
