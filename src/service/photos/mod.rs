//! Photo evidence: spool the upload while hashing, reuse an earlier
//! identical upload, process once (bounded), store blobs, then the row.
//! Also who may see which photo, and the gc/verify maintenance jobs.

use super::auth::Scope;
use super::{Ctx, Principal};
use crate::db::{self, photos::PhotoRow, DbConn, DbUuid};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::storage;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Which stored copy of a photo (original, display, thumbnail): the HTTP
/// layer names it through here, not through `storage`.
pub use crate::storage::Variant;

mod ingest;
mod maintenance;

pub use ingest::{check_meta, ingest, spool, spool_limited, ClientMeta, Spooled};
pub use maintenance::{gc, verify, GcReport, VerifyReport};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PhotoUrls {
    /// Null for enterprise users: originals carry GPS and device data.
    pub original: Option<String>,
    pub display: String,
    pub thumbnail: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PhotoView {
    pub id: Uuid,
    pub sha256: String,
    /// jpeg, png, webp or heic (decided from the bytes).
    pub format: String,
    pub byte_size: i64,
    /// After the orientation is applied.
    pub width: i32,
    pub height: i32,
    pub orientation: i32,
    pub taken_at: Option<DateTime<Utc>>,
    /// `exif` or `client`.
    pub taken_at_source: Option<String>,
    /// How `taken_at` was placed in time: `exif_offset` (the camera's
    /// OffsetTimeOriginal), `gps_utc` (the EXIF GPS date/time stamp),
    /// `park_zone` (camera time read in the park's zone, UTC+8) or
    /// `client` (the phone's own time).
    pub taken_at_basis: Option<String>,
    /// `lat`, `lon`, `altitude_m`, `make` and `model` are null for an
    /// enterprise user looking at a photo someone else uploaded.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub altitude_m: Option<f64>,
    pub accuracy_m: Option<f64>,
    /// `exif` or `client`.
    pub location_source: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// Plausibility flags for the verifier (never a rejection).
    pub flags: Vec<String>,
    pub urls: PhotoUrls,
    pub uploaded_by: Uuid,
    pub enterprise_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn view(r: PhotoRow, who: &Principal) -> AppResult<PhotoView> {
    let taken_at_basis = ingest::taken_at_basis(&r).map(str::to_string);
    let base = format!("/api/v1/photos/{}", r.id.0);
    let enterprise_user = who.role == Role::Enterprise;
    // An enterprise sees where and with what park staff took a photo of it
    // no more than it gets the original: its own uploads stay whole.
    let private = enterprise_user && r.uploaded_by.0 != who.user_id;
    let withhold = |v: Option<f64>| v.filter(|_| !private);
    Ok(PhotoView {
        id: r.id.0,
        sha256: r.sha256,
        format: r.format,
        byte_size: r.byte_size,
        width: r.width,
        height: r.height,
        orientation: r.orientation,
        taken_at: r.taken_at.map(|t| t.and_utc()),
        taken_at_source: r.taken_at_source,
        taken_at_basis,
        lat: withhold(r.lat),
        lon: withhold(r.lon),
        altitude_m: withhold(r.altitude_m),
        accuracy_m: r.accuracy_m,
        location_source: r.location_source,
        make: r.make.filter(|_| !private),
        model: r.model.filter(|_| !private),
        flags: serde_json::from_str(&r.flags).map_err(AppError::internal)?,
        urls: PhotoUrls {
            original: (!enterprise_user).then(|| format!("{base}/original")),
            display: format!("{base}/display"),
            thumbnail: format!("{base}/thumbnail"),
        },
        uploaded_by: r.uploaded_by.0,
        enterprise_id: r.enterprise_id.map(|e| e.0),
        created_at: r.created_at.and_utc(),
    })
}

/// May `who` see this photo? Their own upload, or one attached to a record
/// of an enterprise they may see.
pub(crate) fn visible(c: &mut DbConn, who: &Principal, row: &PhotoRow) -> AppResult<bool> {
    if row.uploaded_by.0 == who.user_id {
        return Ok(true);
    }
    let linked = db::photos::linked_enterprises(c, row.id)?;
    Ok(match who.scope() {
        Scope::All => !linked.is_empty(),
        Scope::Only(ids) => linked.iter().any(|e| ids.contains(&e.0)),
    })
}

/// Checks that every referenced photo exists and is visible to `who`, then
/// attaches them to `enterprise`. Answers the ids that failed.
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
    let rows = db::photos::find_many(c, &wanted)?;
    let mut bad = Vec::new();
    for id in ids {
        match rows.iter().find(|r| r.id.0 == *id) {
            Some(r) if visible(c, who, r)? => {
                // Evidence of one enterprise is never attached to another's record.
                let linked = db::photos::linked_enterprises(c, r.id)?;
                if linked.iter().any(|e| Some(e.0) != enterprise) {
                    bad.push(*id);
                }
            }
            _ => bad.push(*id),
        }
    }
    // Department-owned records are park business: nothing to link.
    if let (true, Some(e)) = (bad.is_empty(), enterprise) {
        db::photos::link(c, &wanted, DbUuid(e))?;
    }
    Ok(bad)
}

fn not_found() -> AppError {
    AppError::not_found("照片 photo")
}

async fn load_visible(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<PhotoRow> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let row = db::photos::find(c, DbUuid(id))?.ok_or_else(not_found)?;
            if visible(c, &who, &row)? {
                Ok(row)
            } else {
                Err(not_found())
            }
        })
        .await
}

pub async fn get(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<PhotoView> {
    let row = load_visible(ctx, who, id).await?;
    view(row, who)
}

/// One stored image, whole or a byte range of it.
pub struct Blob {
    pub bytes: Bytes,
    pub content_type: &'static str,
    /// Strong validator: content hash plus variant.
    pub etag: String,
    pub total: u64,
    pub range: Option<(u64, u64)>,
}

/// A byte range as asked for (`bytes=a-b`, `bytes=a-`, `bytes=-n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    From(u64, Option<u64>),
    Suffix(u64),
}

pub async fn blob(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
    variant: Variant,
    range: Option<ByteRange>,
) -> AppResult<Blob> {
    let row = load_visible(ctx, who, id).await?;
    if variant == Variant::Original && who.role == Role::Enterprise {
        return Err(not_found()); // originals carry GPS and device data
    }
    let key = storage::key(&row.sha256, variant);
    let content_type = match variant {
        Variant::Original => match row.format.as_str() {
            "jpeg" => "image/jpeg",
            "png" => "image/png",
            "webp" => "image/webp",
            "heic" => "image/heic",
            _ => "application/octet-stream",
        },
        _ => "image/jpeg",
    };
    let etag = format!("\"{}-{}\"", row.sha256, variant.as_str());
    let missing = |e: storage::StorageError| {
        if e.is_not_found() {
            AppError::internal(anyhow::anyhow!("blob {key_s} missing", key_s = row.sha256))
        } else {
            AppError::from(e)
        }
    };
    let Some(range) = range.filter(|_| variant == Variant::Original) else {
        let bytes = ctx.photos.get(&key).await.map_err(missing)?;
        return Ok(Blob {
            total: bytes.len() as u64,
            bytes,
            content_type,
            etag,
            range: None,
        });
    };
    let total = ctx.photos.size(&key).await.map_err(missing)?;
    let (start, end) = match range {
        ByteRange::From(a, b) => (
            a,
            b.map_or(total.saturating_sub(1), |b| b.min(total.saturating_sub(1))),
        ),
        ByteRange::Suffix(n) => (total.saturating_sub(n), total.saturating_sub(1)),
    };
    if total == 0 || start >= total || start > end {
        return Err(AppError::RangeNotSatisfiable {
            detail: format!("范围超出文件大小{total}字节 / range outside the {total} bytes"),
            size: total,
        });
    }
    let bytes = ctx
        .photos
        .get_range(&key, start..end + 1)
        .await
        .map_err(missing)?;
    Ok(Blob {
        bytes,
        content_type,
        etag,
        total,
        range: Some((start, end)),
    })
}
