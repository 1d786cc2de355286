//! The change feed (`GET /api/v1/sync`): what changed in the caller's
//! scope since their cursor, for phones coming back online and for
//! integrations. The log is written by database triggers (migration
//! `change_log`), so no write path can forget it; this reads it, keeps
//! what the caller may see and attaches each record as it is now.

use super::{checklists, documents, enterprises, findings, inspections, orders, photos};
use super::{Ctx, Principal};
use crate::db::change_log::{ChangeRow, Position, Reader};
use crate::db::{self, DbConn, DbUuid};
use crate::domain::Role;
use crate::error::{codes, AppError, AppResult};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub const DEFAULT_LIMIT: i64 = 200;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// `next_cursor` of the previous answer; without one the feed starts
    /// at the beginning (everything in scope).
    pub cursor: Option<String>,
    /// Changes per page, 1..=1000 (default 200).
    pub limit: Option<i64>,
}

/// What kind of record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    Checklist,
    Enterprise,
    Inspection,
    Finding,
    Order,
    OrderEvent,
    Photo,
    Document,
}

impl EntityType {
    const ALL: [EntityType; 8] = [
        EntityType::Checklist,
        EntityType::Enterprise,
        EntityType::Inspection,
        EntityType::Finding,
        EntityType::Order,
        EntityType::OrderEvent,
        EntityType::Photo,
        EntityType::Document,
    ];

    /// The name the triggers write into `change_log.entity`.
    fn as_str(self) -> &'static str {
        match self {
            EntityType::Checklist => "checklist",
            EntityType::Enterprise => "enterprise",
            EntityType::Inspection => "inspection",
            EntityType::Finding => "finding",
            EntityType::Order => "order",
            EntityType::OrderEvent => "order_event",
            EntityType::Photo => "photo",
            EntityType::Document => "document",
        }
    }

    fn parse(s: &str) -> Option<EntityType> {
        EntityType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// `upsert`: the record is new or changed (it comes along as it is now).
/// `gone`: it left the caller's scope (e.g. a third party's assignment
/// ended): drop the local copy. Nothing is ever deleted here: orders are
/// cancelled and findings closed, which arrive as upserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Upsert,
    Gone,
}

/// An order event with the ids a client needs to file it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderEventRecord {
    pub id: Uuid,
    pub order_id: Uuid,
    #[serde(flatten)]
    pub event: orders::EventView,
}

/// The record, shaped as its own GET (lists' shape for orders and
/// inspections: their events and findings arrive as records of their own).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Record {
    Checklist(Box<checklists::TemplateView>),
    Enterprise(Box<enterprises::EnterpriseView>),
    Inspection(Box<inspections::InspectionView>),
    Finding(Box<findings::FindingView>),
    Order(Box<orders::OrderView>),
    OrderEvent(Box<OrderEventRecord>),
    Photo(Box<photos::PhotoView>),
    Document(Box<documents::DocumentView>),
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Change {
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    pub id: Uuid,
    pub op: ChangeOp,
    pub changed_at: DateTime<Utc>,
    /// The record as it is now; absent for `gone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SyncPage {
    /// Oldest first; a record changed twice within one page appears once,
    /// at its last change.
    pub changes: Vec<Change>,
    /// Send it back next time. Always set, also when nothing changed.
    pub next_cursor: String,
    /// More changes are ready now: ask again at once with `next_cursor`.
    pub has_more: bool,
}

const CURSOR_VERSION: u8 = 1;

/// Ties a cursor to its user and to the kind of scope it was read with:
/// a changed role or enterprise binding makes the local copy unreliable
/// as a whole (410, sync again from the start). A third party's
/// assignments are not in it: their changes arrive in the feed itself.
fn scope_tag(who: &Principal) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(who.user_id.as_bytes());
    h.update(who.role.as_str().as_bytes());
    h.update(who.enterprise_id.unwrap_or_default().as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

fn encode(pos: Position, tag: [u8; 4]) -> String {
    let mut b = Vec::with_capacity(21);
    b.push(CURSOR_VERSION);
    b.extend_from_slice(&pos.0.to_be_bytes());
    b.extend_from_slice(&pos.1.to_be_bytes());
    b.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(b)
}

fn decode(cursor: Option<&str>, tag: [u8; 4]) -> AppResult<Position> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok((0, 0));
    };
    let bad = || AppError::field("cursor", "无效的同步游标 / invalid sync cursor");
    let b = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    if b.len() != 21 || b[0] != CURSOR_VERSION {
        return Err(bad());
    }
    let txid = i64::from_be_bytes(b[1..9].try_into().expect("8 bytes"));
    let seq = i64::from_be_bytes(b[9..17].try_into().expect("8 bytes"));
    if txid < 0 || seq < 0 {
        return Err(bad());
    }
    if b[17..] != tag {
        return Err(stale_cursor());
    }
    Ok((txid, seq))
}

fn stale_cursor() -> AppError {
    AppError::Protocol {
        status: 410,
        code: codes::SYNC_CURSOR_STALE,
        detail: "此游标属于另一用户或已变更的权限范围，请不带游标重新同步 / \
                 this cursor belongs to another user or to a scope that has changed: \
                 sync again without a cursor"
            .into(),
    }
}

fn limit_of(requested: Option<i64>) -> AppResult<i64> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::field(
            "limit",
            format!("limit 应在1到{MAX_LIMIT}之间 / limit must be 1..{MAX_LIMIT}"),
        )),
    }
}

pub async fn changes(ctx: &Ctx, who: &Principal, q: SyncQuery) -> AppResult<SyncPage> {
    let limit = limit_of(q.limit)?;
    let tag = scope_tag(who);
    let after = decode(q.cursor.as_deref(), tag)?;
    let who = who.clone();
    ctx.db
        .run(move |c| {
            // One read transaction: on SQLite the rows and the end of the
            // log then come from the same snapshot.
            c.read_tx(|c| page(c, &who, after, limit, tag))
        })
        .await
}

fn page(
    c: &mut DbConn,
    who: &Principal,
    after: Position,
    limit: i64,
    tag: [u8; 4],
) -> AppResult<SyncPage> {
    let horizon = db::change_log::horizon(c)?;
    let who = &as_stored_now(c, who)?;
    let reader = Reader {
        user: DbUuid(who.user_id),
        enterprises: who
            .enterprise_filter()
            .map(|ids| ids.into_iter().map(DbUuid).collect()),
    };
    let mut rows = db::change_log::read(c, after, horizon, &reader, limit + 1)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = match (has_more, rows.last()) {
        (true, Some(r)) => (r.txid, r.seq),
        // Everything of this reader's below the horizon is in this page:
        // skip past the rows that were for others, so the next call does
        // not scan them again.
        _ => db::change_log::last_below(c, horizon)?.map_or(after, |p| p.max(after)),
    };
    Ok(SyncPage {
        changes: materialize(c, who, last_of_each(rows))?,
        next_cursor: encode(next, tag),
        has_more,
    })
}

/// The caller's scope as stored now, read after the horizon: a third
/// party's assignments may have changed since the request was
/// authenticated, and rows are kept or dropped by the scope they are read
/// with. A changed role or enterprise binding voids the cursor as a whole.
fn as_stored_now(c: &mut DbConn, who: &Principal) -> AppResult<Principal> {
    let user = db::users::find(c, DbUuid(who.user_id))?.ok_or_else(stale_cursor)?;
    if user.role != who.role || user.enterprise_id.map(|e| e.0) != who.enterprise_id {
        return Err(stale_cursor());
    }
    let assigned = match user.role {
        Role::ThirdParty => db::users::assigned_enterprises(c, user.id)?
            .into_iter()
            .map(|e| e.0)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Principal {
        assigned_enterprises: assigned,
        ..who.clone()
    })
}

/// Keeps each record's last row of the page, in feed order.
fn last_of_each(rows: Vec<ChangeRow>) -> Vec<ChangeRow> {
    let mut seen = HashSet::new();
    let mut kept: Vec<ChangeRow> = rows
        .into_iter()
        .rev()
        .filter(|r| seen.insert((r.entity.clone(), r.entity_id)))
        .collect();
    kept.reverse();
    kept
}

fn materialize(c: &mut DbConn, who: &Principal, rows: Vec<ChangeRow>) -> AppResult<Vec<Change>> {
    let mut typed = Vec::with_capacity(rows.len());
    let mut wanted: HashMap<EntityType, Vec<DbUuid>> = HashMap::new();
    for r in rows {
        let t = EntityType::parse(&r.entity).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("change_log entity {:?}", r.entity))
        })?;
        let op = match r.op.as_str() {
            "upsert" => ChangeOp::Upsert,
            "gone" => ChangeOp::Gone,
            other => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "change_log op {other:?}"
                )));
            }
        };
        if op == ChangeOp::Upsert {
            wanted.entry(t).or_default().push(r.entity_id);
        }
        typed.push((t, op, r));
    }
    let mut records = HashMap::new();
    for (t, ids) in wanted {
        for (id, rec) in load(c, who, t, &ids)? {
            records.insert((t, id), rec);
        }
    }
    let mut out = Vec::with_capacity(typed.len());
    for (t, op, r) in typed {
        let record = match op {
            // Not there or not visible any more: a later row says why
            // (its gone), or the caller never had it.
            ChangeOp::Upsert => match records.remove(&(t, r.entity_id.0)) {
                Some(rec) => Some(rec),
                None => continue,
            },
            ChangeOp::Gone => None,
        };
        out.push(Change {
            entity_type: t,
            id: r.entity_id.0,
            op,
            changed_at: r.changed_at.and_utc(),
            record,
        });
    }
    Ok(out)
}

/// The records of one type that `who` may see now, by id.
fn load(
    c: &mut DbConn,
    who: &Principal,
    t: EntityType,
    ids: &[DbUuid],
) -> AppResult<Vec<(Uuid, Record)>> {
    let mut out = Vec::with_capacity(ids.len());
    match t {
        EntityType::Checklist => {
            for row in db::checklists::find_many(c, ids)? {
                let view = checklists::view(&row)?;
                out.push((row.id.0, Record::Checklist(Box::new(view))));
            }
        }
        EntityType::Enterprise => {
            for row in db::enterprises::find_many(c, ids)? {
                if who.can_see_enterprise(row.id.0) {
                    out.push((
                        row.id.0,
                        Record::Enterprise(Box::new(enterprises::view(row)?)),
                    ));
                }
            }
        }
        EntityType::Inspection => {
            for row in db::inspections::find_many(c, ids)? {
                if who.can_see_enterprise(row.enterprise_id.0) {
                    let id = row.id.0;
                    let view = inspections::view(c, row, false)?;
                    out.push((id, Record::Inspection(Box::new(view))));
                }
            }
        }
        EntityType::Finding => {
            for row in db::findings::find_many(c, ids)? {
                if who.can_see(row.enterprise_id.map(|e| e.0)) {
                    out.push((row.id.0, Record::Finding(Box::new(findings::view(row)?))));
                }
            }
        }
        EntityType::Order => {
            for row in db::orders::find_many(c, ids)? {
                if who.can_see(row.enterprise_id.map(|e| e.0)) {
                    let id = row.id.0;
                    let view = orders::view(c, row, who, false)?;
                    out.push((id, Record::Order(Box::new(view))));
                }
            }
        }
        EntityType::OrderEvent => {
            for (row, enterprise) in db::orders::events_by_id(c, ids)? {
                if who.can_see(enterprise.map(|e| e.0)) {
                    let record = OrderEventRecord {
                        id: row.id.0,
                        order_id: row.order_id.0,
                        event: orders::event_view(row, who),
                    };
                    out.push((record.id, Record::OrderEvent(Box::new(record))));
                }
            }
        }
        EntityType::Photo => {
            for row in db::photos::find_many(c, ids)? {
                if photos::visible(c, who, &row)? {
                    let id = row.id.0;
                    out.push((id, Record::Photo(Box::new(photos::view(row, who)?))));
                }
            }
        }
        EntityType::Document => {
            for row in db::documents::find_many(c, ids)? {
                if documents::visible(c, who, &row)? {
                    out.push((row.id.0, Record::Document(Box::new(documents::view(row)))));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, enterprise: Option<Uuid>) -> Principal {
        Principal {
            user_id: Uuid::from_u128(7),
            username: "u".into(),
            role,
            enterprise_id: enterprise,
            assigned_enterprises: Vec::new(),
            token_hash: String::new(),
        }
    }

    #[test]
    fn a_cursor_round_trips_and_is_bound_to_its_scope() {
        let me = who(Role::Enterprise, Some(Uuid::from_u128(1)));
        let tag = scope_tag(&me);
        let c = encode((42, 9), tag);
        assert_eq!(decode(Some(&c), tag).unwrap(), (42, 9));
        assert_eq!(decode(None, tag).unwrap(), (0, 0));
        assert_eq!(decode(Some(""), tag).unwrap(), (0, 0));
        let moved = who(Role::Enterprise, Some(Uuid::from_u128(2)));
        let promoted = who(Role::Inspector, Some(Uuid::from_u128(1)));
        for other in [moved, promoted] {
            match decode(Some(&c), scope_tag(&other)) {
                Err(AppError::Protocol { status: 410, .. }) => {}
                e => panic!("{e:?}"),
            }
        }
        for bad in ["AAAA", "!!", &encode((-1, 0), tag)] {
            assert!(matches!(
                decode(Some(bad), tag),
                Err(AppError::Validation(_))
            ));
        }
    }

    #[test]
    fn a_page_keeps_each_records_last_change() {
        let row = |seq: i64, entity: &str, id: u128, op: &str| ChangeRow {
            seq,
            txid: 0,
            entity: entity.into(),
            entity_id: DbUuid(Uuid::from_u128(id)),
            op: op.into(),
            changed_at: chrono::NaiveDateTime::default(),
        };
        let kept = last_of_each(vec![
            row(1, "finding", 1, "upsert"),
            row(2, "order", 1, "upsert"),
            row(3, "finding", 1, "gone"),
            row(4, "finding", 2, "upsert"),
            row(5, "finding", 1, "upsert"),
        ]);
        let seqs: Vec<i64> = kept.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, vec![2, 4, 5]);
    }

    #[test]
    fn every_entity_name_parses_back() {
        for t in EntityType::ALL {
            assert_eq!(EntityType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EntityType::parse("user"), None);
    }
}
