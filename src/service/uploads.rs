//! Resumable uploads (tus 1.0): an upload is created with its length and
//! metadata, receives its bytes in parts (each part a blob in the photo
//! store, so any process behind a balancer can take the next one), and
//! when the last byte arrives goes through exactly the ingest of
//! `POST /photos` or `POST /documents`. The offset a client is told is the
//! one committed in the database after its part's blob was written.

use super::photos::{self, ClientMeta, Spooled};
use super::{documents, Ctx, Principal};
use crate::db::{self, uploads::PartRow, uploads::UploadRow, DbUuid};
use crate::domain::time;
use crate::error::{codes, AppError, AppResult, Problem};
use crate::storage;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;
use uuid::Uuid;

/// A part whose next byte does not come for this long is taken as cut off.
const IDLE_BODY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    Photo,
    Document,
}

impl UploadKind {
    pub fn parse(s: &str) -> Option<UploadKind> {
        match s {
            "photo" => Some(UploadKind::Photo),
            "document" => Some(UploadKind::Document),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UploadKind::Photo => "photo",
            UploadKind::Document => "document",
        }
    }

    /// The largest upload of this kind (the plain upload's limit).
    pub fn max_bytes(self, ctx: &Ctx) -> u64 {
        match self {
            UploadKind::Photo => ctx.settings.photo_max_bytes,
            UploadKind::Document => ctx.settings.max_document_bytes,
        }
    }
}

/// What `Upload-Metadata` said, kept with the upload.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UploadMeta {
    pub filename: Option<String>,
    pub filetype: Option<String>,
    /// The fields the plain photo upload takes.
    #[serde(default)]
    pub client: ClientMeta,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// Bytes still to come.
    Receiving,
    /// Complete and ingested: `photo_id` or `document_id` names the result.
    Done,
    /// Complete, and refused by the ingest (`failure` says why).
    Failed,
}

/// An upload as its owner sees it (`GET /uploads/{id}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadView {
    pub id: Uuid,
    pub kind: UploadKind,
    pub upload_length: u64,
    /// Bytes durably stored so far.
    pub upload_offset: u64,
    pub state: UploadState,
    pub photo_id: Option<Uuid>,
    pub document_id: Option<Uuid>,
    /// The problem the ingest answered, for a failed upload.
    pub failure: Option<Problem>,
    pub filename: Option<String>,
    pub created_at: DateTime<Utc>,
    /// After this the upload and its bytes are deleted.
    pub expires_at: DateTime<Utc>,
}

fn not_found() -> AppError {
    AppError::not_found("上传 upload")
}

fn expired() -> AppError {
    AppError::Protocol {
        status: 410,
        code: codes::UPLOAD_EXPIRED,
        detail: "此上传已过期，已收到的内容已删除，请重新上传 / this upload expired and its bytes were deleted; start a new one".into(),
    }
}

fn offset_mismatch(stored: i64) -> AppError {
    AppError::conflict(
        codes::UPLOAD_OFFSET_MISMATCH,
        format!("服务器已保存到第{stored}字节，请从该处继续 / the server holds {stored} bytes; resume from there (HEAD tells the offset)"),
    )
}

fn view(r: &UploadRow) -> UploadView {
    let kind = UploadKind::parse(&r.kind).unwrap_or(UploadKind::Photo);
    let state = match r.state.as_str() {
        "done" => UploadState::Done,
        "failed" => UploadState::Failed,
        _ => UploadState::Receiving,
    };
    let result = r.result_id.map(|id| id.0);
    let meta: UploadMeta = serde_json::from_str(&r.metadata).unwrap_or_default();
    UploadView {
        id: r.id.0,
        kind,
        upload_length: r.upload_length as u64,
        upload_offset: r.upload_offset as u64,
        state,
        photo_id: result.filter(|_| kind == UploadKind::Photo),
        document_id: result.filter(|_| kind == UploadKind::Document),
        failure: r.failure.as_deref().and_then(stored_problem),
        filename: meta.filename,
        created_at: r.created_at.and_utc(),
        expires_at: r.expires_at.and_utc(),
    }
}

/// A refusal kept on a failed upload, as the problem it was.
fn stored_problem(json: &str) -> Option<Problem> {
    #[derive(Deserialize)]
    struct Kept {
        status: u16,
        code: String,
        detail: String,
    }
    let k: Kept = serde_json::from_str(json).ok()?;
    let status = actix_web::http::StatusCode::from_u16(k.status).ok()?;
    Some(Problem::new(status, codes::known(&k.code)?, k.detail))
}

/// The stored refusal answered again to a retry of the last part.
fn replay_failure(p: &Problem) -> AppError {
    AppError::Protocol {
        status: p.status,
        code: codes::known(&p.code).unwrap_or(codes::REQUEST_ERROR),
        detail: p.detail.clone(),
    }
}

fn expiry(ctx: &Ctx, now: DateTime<Utc>) -> chrono::NaiveDateTime {
    (now + chrono::Duration::hours(i64::from(ctx.settings.upload_expiry_hours))).naive_utc()
}

/// `POST /uploads`: a new upload of `length` bytes, refused at once when
/// the plain upload would refuse its size or its metadata, or when the
/// user already holds too many unfinished uploads.
pub async fn create(
    ctx: &Ctx,
    who: &Principal,
    kind: UploadKind,
    length: u64,
    meta: UploadMeta,
) -> AppResult<UploadView> {
    let max = kind.max_bytes(ctx);
    if length > max {
        return Err(AppError::PayloadTooLarge {
            code: codes::UPLOAD_TOO_LARGE,
            detail: format!(
                "上传长度超过上限{max}字节 / Upload-Length is over the limit of {max} bytes"
            ),
        });
    }
    match kind {
        UploadKind::Photo => photos::check_meta(ctx, who, &meta.client).await?,
        UploadKind::Document if has_photo_fields(&meta.client) => {
            return Err(AppError::bad_request(
                codes::UPLOAD_METADATA_INVALID,
                "文件上传不带照片字段（enterprise_id、lat、lon、accuracy_m、taken_at）/ a document upload takes no photo fields",
            ))
        }
        UploadKind::Document => {}
    }
    let now = time::now();
    let row = UploadRow {
        id: DbUuid(Uuid::now_v7()),
        owner_id: DbUuid(who.user_id),
        kind: kind.as_str().into(),
        upload_length: length as i64,
        upload_offset: 0,
        metadata: serde_json::to_string(&meta).map_err(AppError::internal)?,
        state: "receiving".into(),
        result_id: None,
        failure: None,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        expires_at: expiry(ctx, now),
    };
    let (max_pending, max_bytes) = (
        i64::from(ctx.settings.upload_max_pending),
        ctx.settings.upload_max_pending_bytes as i64,
    );
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                let (count, bytes) = db::uploads::pending_of(c, row.owner_id)?;
                if count >= max_pending || bytes + row.upload_length > max_bytes {
                    return Err(AppError::Protocol {
                        status: 429,
                        code: codes::UPLOAD_LIMIT_REACHED,
                        detail: format!("未完成的上传已有{count}个、共{bytes}字节，请先完成或删除 / {count} unfinished uploads holding {bytes} bytes already; finish or delete some first"),
                    });
                }
                db::uploads::insert(c, &row)?;
                Ok(view(&row))
            })
        })
        .await
}

fn has_photo_fields(c: &ClientMeta) -> bool {
    c.enterprise_id.is_some()
        || c.lat.is_some()
        || c.lon.is_some()
        || c.accuracy_m.is_some()
        || c.taken_at.is_some()
}

/// The caller's own upload (anyone else's is 404); 410 once expired.
async fn load_own(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<UploadRow> {
    let row = ctx
        .db
        .run(move |c| Ok::<_, AppError>(db::uploads::find(c, DbUuid(id))?))
        .await?
        .filter(|r| r.owner_id.0 == who.user_id)
        .ok_or_else(not_found)?;
    if row.expires_at <= time::now().naive_utc() {
        return Err(expired());
    }
    Ok(row)
}

/// `HEAD`/`GET /uploads/{id}`.
pub async fn get(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<UploadView> {
    Ok(view(&load_own(ctx, who, id).await?))
}

/// `DELETE /uploads/{id}` (termination): the upload and its bytes go; what
/// a finished upload became stays.
pub async fn terminate(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<()> {
    let row = load_own(ctx, who, id).await?;
    discard(ctx, &row).await
}

async fn discard(ctx: &Ctx, row: &UploadRow) -> AppResult<()> {
    let id = row.id;
    let parts = ctx
        .db
        .run(move |c| Ok::<_, AppError>(db::uploads::parts(c, id)?))
        .await?;
    delete_blobs(ctx, &parts).await;
    ctx.db
        .run(move |c| c.write_tx(|c| Ok::<_, AppError>(db::uploads::delete(c, id)?)))
        .await?;
    Ok(())
}

async fn delete_blobs(ctx: &Ctx, parts: &[PartRow]) {
    for p in parts {
        if let Err(e) = ctx.photos.delete(&storage::stored_key(&p.blob_key)).await {
            // Left for the next expiry run or `photos gc`; nothing refers to it.
            tracing::warn!(key = %p.blob_key, error = %e, "upload part not deleted");
        }
    }
}

/// A `PATCH`: where it claims to start and the checksum of its bytes.
#[derive(Debug, Clone)]
pub struct Patch {
    pub offset: u64,
    /// SHA-256 of this part (`Upload-Checksum: sha256 …`).
    pub sha256: Option<[u8; 32]>,
}

/// A part as it arrived, hashed, and whether the connection dropped before
/// its end. Held in memory: it is bounded by what remains of the upload
/// (at most the kind's size limit), and the blob write takes it whole.
struct Received {
    bytes: Bytes,
    sha256: [u8; 32],
    cut_off: bool,
}

/// Reads a part's bytes until the body ends, breaks off or goes idle;
/// more than `remaining` is refused (nothing is kept).
async fn receive<S, E>(mut body: S, remaining: u64) -> AppResult<Received>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let mut buf = bytes::BytesMut::new();
    let mut hasher = Sha256::new();
    let mut cut_off = false;
    loop {
        let chunk = match tokio::time::timeout(IDLE_BODY, body.next()).await {
            Ok(Some(Ok(chunk))) => chunk,
            Ok(None) => break,
            Ok(Some(Err(_))) | Err(_) => {
                cut_off = true;
                break;
            }
        };
        if (buf.len() + chunk.len()) as u64 > remaining {
            return Err(AppError::PayloadTooLarge {
                code: codes::UPLOAD_TOO_LARGE,
                detail: format!("本次上传的内容超过剩余的{remaining}字节 / this PATCH carries more than the {remaining} bytes that remain"),
            });
        }
        hasher.update(&chunk);
        buf.extend_from_slice(&chunk);
    }
    Ok(Received {
        bytes: buf.freeze(),
        sha256: hasher.finalize().into(),
        cut_off,
    })
}

/// `PATCH /uploads/{id}`: appends a part at `patch.offset`. Without a
/// checksum, the bytes of a part cut off midway are kept (the client
/// resumes after them); with one, only a whole matching part is. When the
/// last byte is in, the upload is ingested: a refusal of its content is
/// the answer (and is answered again to a retry).
pub async fn append<S, E>(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
    patch: Patch,
    body: S,
) -> AppResult<UploadView>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let row = load_own(ctx, who, id).await?;
    if let Some(f) = row.failure.as_deref().and_then(stored_problem) {
        return Err(replay_failure(&f));
    }
    if patch.offset != row.upload_offset as u64 {
        return Err(offset_mismatch(row.upload_offset));
    }
    let remaining = (row.upload_length - row.upload_offset) as u64;
    let got = receive(body, remaining).await?;
    if let Some(want) = patch.sha256 {
        if got.cut_off || got.sha256 != want {
            return Err(AppError::Protocol {
                status: 460,
                code: codes::UPLOAD_CHECKSUM_MISMATCH,
                detail: "本次上传内容与Upload-Checksum不符，未保存 / the bytes do not match Upload-Checksum; nothing of them was kept".into(),
            });
        }
    }
    let row = if !got.bytes.is_empty() {
        store_part(ctx, &row, got).await?
    } else {
        row
    };
    let row = if row.state == "receiving" && row.upload_offset == row.upload_length {
        complete(ctx, who, row).await?
    } else {
        row
    };
    Ok(view(&row))
}

/// Writes the part's blob, then moves the offset past it in the database
/// (a racer that moved it first wins; this blob is then deleted).
async fn store_part(ctx: &Ctx, row: &UploadRow, got: Received) -> AppResult<UploadRow> {
    let start = row.upload_offset as u64;
    let key = storage::upload_part_key(row.id.0, start, Uuid::new_v4());
    let size = got.bytes.len() as u64;
    ctx.photos.put(&key, got.bytes).await?;
    let part = PartRow {
        upload_id: row.id,
        start_offset: start as i64,
        byte_size: size as i64,
        blob_key: key.to_string(),
    };
    let now = time::now();
    let expires = expiry(ctx, now);
    let id = row.id;
    let stored = part.clone();
    let outcome = ctx
        .db
        .run(move |c| {
            let moved = c.write_tx(|c| {
                db::uploads::append_part(c, &stored, now.naive_utc(), expires)
                    .map_err(AppError::from)
            })?;
            Ok::<_, AppError>((moved, db::uploads::find(c, id)?))
        })
        .await;
    match outcome {
        Ok((true, Some(row))) => Ok(row),
        // Another part took this offset first, or the upload was deleted
        // meanwhile: this part's blob counts for nothing.
        Ok((_, found)) => {
            delete_blobs(ctx, std::slice::from_ref(&part)).await;
            Err(found.map_or_else(not_found, |r| offset_mismatch(r.upload_offset)))
        }
        Err(e) => {
            delete_blobs(ctx, std::slice::from_ref(&part)).await;
            Err(e)
        }
    }
}

/// The whole upload, read back part by part into the plain upload's spool
/// (its limits and hashing), then ingested as that kind.
async fn complete(ctx: &Ctx, who: &Principal, row: UploadRow) -> AppResult<UploadRow> {
    let id = row.id;
    let parts = ctx
        .db
        .run(move |c| Ok::<_, AppError>(db::uploads::parts(c, id)?))
        .await?;
    let store = ctx.photos.clone();
    let body = futures_util::stream::iter(parts.clone())
        .then(move |p| {
            let store = store.clone();
            async move { store.get(&storage::stored_key(&p.blob_key)).await }
        })
        .boxed_local();
    let kind = UploadKind::parse(&row.kind).unwrap_or(UploadKind::Photo);
    let (result, answer) = match ingest(ctx, who, kind, &row, body).await {
        Ok(made) => (Ok(DbUuid(made)), Ok(())),
        // Busy or broken on our side: the upload stays complete but not
        // ingested, and the client's retry of the last PATCH tries again.
        Err(e) if actix_web::ResponseError::status_code(&e).is_server_error() => return Err(e),
        Err(e) => {
            let kept = serde_json::to_string(&e.to_problem()).map_err(AppError::internal)?;
            (Err(kept), Err(e))
        }
    };
    let now = time::now();
    let expires = expiry(ctx, now);
    let finished = ctx
        .db
        .run(move |c| {
            c.write_tx(|c| {
                db::uploads::finish(c, id, result, now.naive_utc(), expires)?;
                Ok::<_, AppError>(db::uploads::find(c, id)?)
            })
        })
        .await?
        .ok_or_else(not_found)?;
    delete_blobs(ctx, &parts).await;
    answer.map(|()| finished)
}

async fn ingest<S>(
    ctx: &Ctx,
    who: &Principal,
    kind: UploadKind,
    row: &UploadRow,
    body: S,
) -> AppResult<Uuid>
where
    S: Stream<Item = Result<Bytes, storage::StorageError>> + Unpin,
{
    let meta: UploadMeta = serde_json::from_str(&row.metadata).map_err(AppError::internal)?;
    match kind {
        UploadKind::Photo => {
            let spooled: Spooled = photos::spool(ctx, body).await?;
            Ok(photos::ingest(ctx, who, spooled, meta.client).await?.1.id)
        }
        UploadKind::Document => {
            let spooled = documents::spool(ctx, body).await?;
            Ok(documents::upload(ctx, who, spooled).await?.1.id)
        }
    }
}

/// Deletes uploads past their expiry, bytes first (the background job).
pub async fn expire(ctx: &Ctx) -> AppResult<usize> {
    let now = time::now().naive_utc();
    let due = ctx
        .db
        .run(move |c| Ok::<_, AppError>(db::uploads::expired(c, now, 100)?))
        .await?;
    for row in &due {
        discard(ctx, row).await?;
    }
    Ok(due.len())
}
