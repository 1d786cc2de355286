//! `Idempotency-Key` (IETF httpapi draft) for POSTs that create or change
//! something: per user, the key with a fingerprint of the request and,
//! once the first request has answered, that answer for replay.
//!
//! The shape is reserve → run → complete. The reservation row is written
//! (and committed) before the change runs, so a concurrent second request
//! sees it and answers 409; the answer is written right after the change
//! commits. A crash between the two leaves a reservation without answer:
//! it holds the key for `idempotency_lease_secs`, then a retry takes it
//! over and runs again, and the change's own uniqueness rules (a finding
//! already in an order, an id chosen by the phone) catch the repeat. The
//! alternative, writing the answer inside each use case's transaction,
//! would thread HTTP answers through every service function.

use super::Ctx;
use crate::db::{self, idempotency::IdempotencyRow, DbUuid};
use crate::domain::time;
use crate::error::{codes, AppError, AppResult};
use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The answer stored under a key.
#[derive(Debug, Clone)]
pub struct Stored {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Claim {
    /// The key is ours now: run the request, then [`complete`] or [`release`].
    Proceed,
    /// The same request answered before: send this again.
    Replay(Stored),
}

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// 400 unless the key is 1..=255 printable ASCII characters without
/// spaces (the draft recommends a UUID; HTTP may trim spaces at the ends,
/// which would make two keys one).
pub fn check_key(key: &str) -> AppResult<()> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| (0x21..0x7f).contains(&b))
    {
        return Err(AppError::bad_request(
            codes::IDEMPOTENCY_KEY_INVALID,
            format!(
                "Idempotency-Key 须为1至{MAX_KEY_LEN}个可打印ASCII字符（不含空格）/ Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters, no spaces"
            ),
        ));
    }
    Ok(())
}

/// Request headers that say what a request asks for (tus creation carries
/// its whole request in them), so they are part of its fingerprint.
pub const MEANINGFUL_HEADERS: [&str; 5] = [
    "if-match",
    "tus-resumable",
    "upload-length",
    "upload-metadata",
    "upload-defer-length",
];

/// What makes two requests "the same": method, path with query, the
/// [`MEANINGFUL_HEADERS`] (name, value), body.
pub fn fingerprint(
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    multipart_boundary: Option<&str>,
    body: &[u8],
) -> String {
    let mut h = Sha256::new();
    let header_parts = headers
        .iter()
        .flat_map(|(n, v)| [n.as_bytes(), v.as_bytes()]);
    for part in [method.as_bytes(), path_and_query.as_bytes()]
        .into_iter()
        .chain(header_parts)
    {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    match multipart_boundary.filter(|b| !b.is_empty()) {
        // A client retrying a form picks a fresh boundary each time; the
        // parts between the delimiters are what the request says.
        Some(boundary) => {
            let delimiter = format!("--{boundary}");
            let mut rest = 0;
            for at in memchr::memmem::find_iter(body, delimiter.as_bytes()) {
                h.update(&body[rest..at]);
                h.update(b"--\0boundary\0");
                rest = at + delimiter.len();
            }
            h.update(&body[rest..]);
        }
        None => h.update(body),
    }
    hex::encode(h.finalize())
}

fn in_flight() -> AppError {
    AppError::conflict(
        codes::IDEMPOTENCY_KEY_IN_FLIGHT,
        "使用此 Idempotency-Key 的请求仍在处理中，请稍后重试 / a request with this Idempotency-Key is still running; retry later",
    )
}

fn reused() -> AppError {
    AppError::Unprocessable {
        code: codes::IDEMPOTENCY_KEY_REUSED,
        detail: "此 Idempotency-Key 已用于另一个请求 / this Idempotency-Key was used for a different request".into(),
    }
}

/// Reserves `key` for `user`'s request, or answers what an earlier
/// request with it decided: its stored answer, 409 while it runs, 422 if
/// it was another request.
pub async fn claim(ctx: &Ctx, user: Uuid, key: &str, fingerprint: &str) -> AppResult<Claim> {
    claim_at(ctx, user, key, fingerprint, time::now().naive_utc()).await
}

/// [`claim`] as if it ran at `now`.
pub async fn claim_at(
    ctx: &Ctx,
    user: Uuid,
    key: &str,
    fingerprint: &str,
    now: NaiveDateTime,
) -> AppResult<Claim> {
    let row = IdempotencyRow {
        user_id: DbUuid(user),
        idem_key: key.to_string(),
        fingerprint: fingerprint.to_string(),
        status: None,
        headers: None,
        body: None,
        created_at: now,
        locked_until: now + secs(ctx.settings.idempotency_lease_secs),
        expires_at: now + chrono::Duration::hours(i64::from(ctx.settings.idempotency_ttl_hours)),
    };
    super::retry_once_on_duplicate(ctx, move |c| {
        let found = db::idempotency::find(c, row.user_id, &row.idem_key)?;
        match found {
            Some(old) if old.expires_at <= now && old.locked_until <= now => {
                db::idempotency::delete(c, row.user_id, &row.idem_key)?;
                db::idempotency::insert(c, &row)?;
                Ok(Claim::Proceed)
            }
            Some(old) if old.fingerprint != row.fingerprint => Err(reused()),
            Some(old) => match old.status {
                Some(status) => Ok(Claim::Replay(stored(old, status)?)),
                None if old.locked_until > now => Err(in_flight()),
                // Its request died without answering: the retry takes over.
                None => {
                    db::idempotency::extend_lease(c, row.user_id, &row.idem_key, row.locked_until)?;
                    Ok(Claim::Proceed)
                }
            },
            None => {
                db::idempotency::insert(c, &row)?;
                Ok(Claim::Proceed)
            }
        }
    })
    .await
}

fn secs(s: u64) -> chrono::Duration {
    chrono::Duration::seconds(
        i64::try_from(s)
            .unwrap_or(i64::MAX / 1000)
            .min(10 * 365 * 86_400),
    )
}

fn stored(row: IdempotencyRow, status: i32) -> AppResult<Stored> {
    let headers = match row.headers.as_deref() {
        Some(h) => serde_json::from_str(h).map_err(AppError::internal)?,
        None => Vec::new(),
    };
    Ok(Stored {
        status: u16::try_from(status).map_err(AppError::internal)?,
        headers,
        body: row.body.unwrap_or_default(),
    })
}

/// Stores the answer under the reserved key.
pub async fn complete(ctx: &Ctx, user: Uuid, key: &str, answer: Stored) -> AppResult<()> {
    let key = key.to_string();
    let headers = serde_json::to_string(&answer.headers).map_err(AppError::internal)?;
    ctx.db
        .run(move |c| {
            db::idempotency::complete(
                c,
                DbUuid(user),
                &key,
                i32::from(answer.status),
                &headers,
                &answer.body,
            )?;
            Ok::<_, AppError>(())
        })
        .await
}

/// Gives the key back: the request failed on our side (5xx) and changed
/// nothing, so a retry should run it again.
pub async fn release(ctx: &Ctx, user: Uuid, key: &str) -> AppResult<()> {
    let key = key.to_string();
    ctx.db
        .run(move |c| {
            db::idempotency::release(c, DbUuid(user), &key)?;
            Ok::<_, AppError>(())
        })
        .await
}

/// Housekeeping: drops answers older than `idempotency_ttl_hours`.
pub fn purge(c: &mut db::DbConn, now: NaiveDateTime) -> AppResult<usize> {
    Ok(db::idempotency::purge_expired(c, now)?)
}
