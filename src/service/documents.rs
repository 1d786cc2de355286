//! Document evidence: the upload spooled while hashed (size-capped), the
//! kind sniffed from the bytes and dangerous PDFs refused (pure checks in
//! `media::documents`), the bytes stored as sent, then the row. Same
//! dedupe and visibility as photos.

use super::auth::Scope;
use super::photos::{spool_limited, Spooled};
use super::{Ctx, Principal};
use crate::db::{self, documents::DocumentRow, DbConn, DbUuid};
use crate::domain::time;
use crate::error::{codes, AppError, AppResult};
use crate::media::documents::{self as docs, DocError, DocInfo, DocKind};
use crate::storage;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    pub sha256: String,
    /// `pdf`, `docx`, `xlsx` or `ofd` (decided from the bytes).
    pub kind: String,
    pub content_type: String,
    pub byte_size: i64,
    /// PDF only.
    pub page_count: Option<i32>,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// The bytes as uploaded (served as an attachment).
    pub content_url: String,
}

pub(crate) fn view(r: DocumentRow) -> DocumentView {
    let kind = DocKind::parse(&r.kind);
    DocumentView {
        id: r.id.0,
        content_url: format!("/api/v1/documents/{}/content", r.id.0),
        sha256: r.sha256,
        content_type: kind
            .map_or("application/octet-stream", DocKind::content_type)
            .into(),
        kind: r.kind,
        byte_size: r.byte_size,
        page_count: r.page_count,
        uploaded_by: r.uploaded_by.0,
        created_at: r.created_at.and_utc(),
    }
}

fn not_found() -> AppError {
    AppError::not_found("文件 document")
}

/// Spools a document body; 413 as soon as `max_document_bytes` is passed.
pub async fn spool<S, E>(ctx: &Ctx, body: S) -> AppResult<Spooled>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let limit = ctx.settings.max_document_bytes;
    spool_limited(ctx, body, limit, || AppError::PayloadTooLarge {
        code: codes::DOCUMENT_TOO_LARGE,
        detail: format!(
            "文件超过{}MiB / document larger than {limit} bytes",
            limit / (1024 * 1024)
        ),
    })
    .await
}

fn doc_error(e: DocError) -> AppError {
    match e {
        DocError::Unsupported => AppError::UnsupportedMediaType {
            code: codes::UNSUPPORTED_DOCUMENT_TYPE,
            detail: "只接受PDF、DOCX、XLSX或OFD文件（按内容判断，不看文件名）/ only PDF, DOCX, XLSX or OFD documents are accepted (judged from the content, not the name)".into(),
        },
        DocError::Malformed(m) => AppError::Unprocessable {
            code: codes::DOCUMENT_MALFORMED,
            detail: m,
        },
        DocError::Encrypted => AppError::Unprocessable {
            code: codes::DOCUMENT_ENCRYPTED,
            detail: "PDF已加密，请上传未加密的文件 / the PDF is encrypted; upload it unencrypted".into(),
        },
        DocError::ActiveContent(what) => AppError::Unprocessable {
            code: codes::DOCUMENT_ACTIVE_CONTENT,
            detail: format!("PDF含有可执行内容（{what}），不予接收 / the PDF carries active content ({what})"),
        },
        DocError::TooLarge(m) => AppError::PayloadTooLarge {
            code: codes::DOCUMENT_TOO_LARGE,
            detail: m,
        },
    }
}

/// Reads the spooled file and sniffs it off the async threads.
async fn inspect(path: tempfile::TempPath) -> AppResult<(Vec<u8>, DocInfo)> {
    let (bytes, info) = actix_web::web::block(move || {
        let bytes = std::fs::read(&path)?;
        drop(path);
        let info = docs::inspect(&bytes);
        Ok::<_, std::io::Error>((bytes, info))
    })
    .await?
    .map_err(AppError::internal)?;
    Ok((bytes, info.map_err(doc_error)?))
}

/// `POST /documents`: answers (created?, record). The same bytes from the
/// same user answer the earlier record; nothing is stored for a refusal.
pub async fn upload(ctx: &Ctx, who: &Principal, up: Spooled) -> AppResult<(bool, DocumentView)> {
    let (user, sha) = (who.user_id, up.sha256.clone());
    let earlier = ctx
        .db
        .run(move |c| Ok::<_, AppError>(db::documents::find_upload(c, DbUuid(user), &sha)?))
        .await?;
    if let Some(row) = earlier {
        return Ok((false, view(row)));
    }
    let Spooled { path, sha256, size } = up;
    let (bytes, info) = inspect(path).await?;
    ctx.photos
        .put_once(&storage::document_key(&sha256), Bytes::from(bytes))
        .await?;
    let row = DocumentRow {
        id: DbUuid(Uuid::now_v7()),
        sha256,
        uploaded_by: DbUuid(user),
        kind: info.kind.as_str().into(),
        byte_size: size as i64,
        page_count: info.pages.map(|p| p.min(i32::MAX as u32) as i32),
        created_at: time::now().naive_utc(),
    };
    ctx.db
        .run(move |c| {
            match c.write_tx(|c| db::documents::insert(c, &row).map_err(AppError::from)) {
                Ok(()) => Ok((true, view(row))),
                // The same upload raced in from a retry: answer that one.
                Err(AppError::Conflict { .. }) => {
                    let earlier = db::documents::find_upload(c, DbUuid(user), &row.sha256)?
                        .ok_or_else(not_found)?;
                    Ok((false, view(earlier)))
                }
                Err(e) => Err(e),
            }
        })
        .await
}

/// May `who` see this document? Their own upload, or one attached to a
/// record of an enterprise they may see.
pub(crate) fn visible(c: &mut DbConn, who: &Principal, row: &DocumentRow) -> AppResult<bool> {
    if row.uploaded_by.0 == who.user_id {
        return Ok(true);
    }
    let linked = db::documents::linked_enterprises(c, row.id)?;
    Ok(match who.scope() {
        Scope::All => !linked.is_empty(),
        Scope::Only(ids) => linked.iter().any(|e| ids.contains(&e.0)),
    })
}

/// Checks that every referenced document exists and is visible to `who`
/// and belongs to no other enterprise, then attaches them to `enterprise`.
/// Answers the ids that failed.
pub(crate) fn attach(
    c: &mut DbConn,
    who: &Principal,
    ids: &[Uuid],
    enterprise: Option<Uuid>,
) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    let rows = db::documents::find_many(c, &wanted)?;
    let mut bad = Vec::new();
    for id in ids {
        match rows.iter().find(|r| r.id.0 == *id) {
            Some(r) if visible(c, who, r)? => {
                let linked = db::documents::linked_enterprises(c, r.id)?;
                if linked.iter().any(|e| Some(e.0) != enterprise) {
                    bad.push(*id);
                }
            }
            _ => bad.push(*id),
        }
    }
    if let (true, Some(e)) = (bad.is_empty(), enterprise) {
        db::documents::link(c, &wanted, DbUuid(e))?;
    }
    Ok(bad)
}

async fn load_visible(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<DocumentRow> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let row = db::documents::find(c, DbUuid(id))?.ok_or_else(not_found)?;
            if visible(c, &who, &row)? {
                Ok(row)
            } else {
                Err(not_found())
            }
        })
        .await
}

pub async fn get(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<DocumentView> {
    Ok(view(load_visible(ctx, who, id).await?))
}

/// The stored bytes of a document.
pub struct Content {
    pub bytes: Bytes,
    pub content_type: &'static str,
    /// `<id>.<kind>`: never a name a client sent.
    pub file_name: String,
    pub etag: String,
}

pub async fn content(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<Content> {
    let row = load_visible(ctx, who, id).await?;
    let kind = DocKind::parse(&row.kind)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown document kind {}", row.kind)))?;
    let bytes = ctx
        .photos
        .get(&storage::document_key(&row.sha256))
        .await
        .map_err(|e| {
            if e.is_not_found() {
                AppError::internal(anyhow::anyhow!("document blob {} missing", row.sha256))
            } else {
                AppError::from(e)
            }
        })?;
    Ok(Content {
        bytes,
        content_type: kind.content_type(),
        file_name: format!("{}.{}", row.id.0, kind.as_str()),
        etag: format!("\"{}\"", row.sha256),
    })
}
