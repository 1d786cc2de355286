//! Photo evidence: spool the upload while hashing, reuse an earlier
//! identical upload, process once (bounded), store blobs, then the row.
//! Also who may see which photo, and the gc/verify maintenance jobs.

use super::auth::Scope;
use super::{Ctx, Principal};
use crate::db::{self, photos::PhotoRow, DbConn, DbUuid};
use crate::domain::{enterprise::validate_location, photo_flags, time, FieldErrors, Role};
use crate::error::{codes, AppError, AppResult};
use crate::media::{self, MediaError};
use crate::storage;
use bytes::Bytes;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// Which stored copy of a photo (original, display, thumbnail): the HTTP
/// layer names it through here, not through `storage`.
pub use crate::storage::Variant;

/// An upload on disk, with its hash, before anything else is done.
pub struct Spooled {
    pub path: TempPath,
    pub sha256: String,
    pub size: u64,
}

/// Streams a body to a temporary file while hashing; stops with 413 as
/// soon as `limit` is passed, without reading the rest.
pub async fn spool<S, E>(ctx: &Ctx, mut body: S) -> AppResult<Spooled>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let limit = ctx.settings.photo_max_bytes;
    let tmp = tempfile::NamedTempFile::new_in(ctx.settings.upload_tmp_dir())
        .map_err(AppError::internal)?;
    let (file, path) = tmp.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::bad_request(
                codes::UPLOAD_INTERRUPTED,
                format!("上传中断 / upload interrupted: {e}"),
            )
        })?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(AppError::PayloadTooLarge {
                code: codes::PHOTO_TOO_LARGE,
                detail: format!(
                    "照片超过{}MiB / photo larger than {} bytes",
                    limit / (1024 * 1024),
                    limit
                ),
            });
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(AppError::internal)?;
    }
    file.flush().await.map_err(AppError::internal)?;
    if size == 0 {
        return Err(AppError::field(
            "file",
            "没有收到照片内容 / the upload is empty",
        ));
    }
    Ok(Spooled {
        path,
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

/// What the phone itself said, used when EXIF is silent and to cross-check.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClientMeta {
    pub taken_at: Option<DateTime<Utc>>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    /// The enterprise being inspected (for the distance check).
    pub enterprise_id: Option<Uuid>,
}

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

fn view(r: PhotoRow, who: &Principal) -> AppResult<PhotoView> {
    let base = format!("/api/v1/photos/{}", r.id.0);
    let enterprise_user = who.role == Role::Enterprise;
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
        lat: r.lat,
        lon: r.lon,
        altitude_m: r.altitude_m,
        accuracy_m: r.accuracy_m,
        location_source: r.location_source,
        make: r.make,
        model: r.model,
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

fn media_error(e: MediaError) -> AppError {
    let detail = match &e {
        MediaError::Unsupported { what } => format!(
            "只接受JPEG、PNG、WebP（及HEIC）照片{} / only JPEG, PNG, WebP (and HEIC) photos are accepted{}",
            what.map(|w| format!("，收到的是{w}")).unwrap_or_default(),
            what.map(|w| format!("; this is {w}")).unwrap_or_default()
        ),
        MediaError::HeicUnsupported => "本服务未启用HEIC支持，请在手机上选择“兼容性最佳”格式 / this server was built without HEIC support; send JPEG".into(),
        MediaError::TooManyPixels { width, height } => format!("图像尺寸{width}×{height}像素过大 / {width}x{height} is too many pixels"),
        MediaError::TooLarge { width, height } => format!("图像边长{width}×{height}超过上限 / a side of {width}x{height} is over the limit"),
        MediaError::Corrupt(m) => format!("照片已损坏或无法解码 / the photo is corrupt or cannot be decoded: {m}"),
    };
    let code = e.code();
    match e.status() {
        415 => AppError::UnsupportedMediaType { code, detail },
        413 => AppError::PayloadTooLarge { code, detail },
        _ => AppError::Unprocessable { code, detail },
    }
}

fn exif_time_utc(
    local: Option<NaiveDateTime>,
    offset_minutes: Option<i32>,
) -> Option<DateTime<Utc>> {
    let local = local?;
    let offset = FixedOffset::east_opt(
        offset_minutes
            .map(|m| m * 60)
            .unwrap_or(time::park_offset().local_minus_utc()),
    )?;
    offset
        .from_local_datetime(&local)
        .single()
        .map(|t| time::normalise(t.with_timezone(&Utc)))
}

/// `POST /photos`: answers (created?, record). The same bytes from the
/// same user answer the earlier record.
pub async fn ingest(
    ctx: &Ctx,
    who: &Principal,
    upload: Spooled,
    client: ClientMeta,
) -> AppResult<(bool, PhotoView)> {
    let mut errs = FieldErrors::new();
    validate_location(client.lat, client.lon, &mut errs);
    if client
        .accuracy_m
        .is_some_and(|a| !(0.0..=100_000.0).contains(&a))
    {
        errs.add(
            "accuracy_m",
            "定位精度应为0到100000米 / accuracy_m must be 0..100000",
        );
    }
    if super::pagination::check_time("taken_at", client.taken_at).is_err() {
        errs.add("taken_at", "时间超出范围 / taken_at out of range");
    }
    errs.finish().map_err(AppError::validation)?;
    let (who_c, sha, enterprise) = (who.clone(), upload.sha256.clone(), client.enterprise_id);
    let (earlier, enterprise_gps) = ctx
        .db
        .run(move |c| {
            let earlier = db::photos::find_upload(c, DbUuid(who_c.user_id), &sha)?;
            let gps = match enterprise {
                Some(e) => {
                    let row = db::enterprises::find(c, DbUuid(e))?
                        .filter(|_| who_c.can_see_enterprise(e));
                    let row = row.ok_or_else(|| {
                        AppError::field("enterprise_id", "企业不存在 / enterprise not found")
                    })?;
                    row.lat.zip(row.lon)
                }
                None => None,
            };
            Ok::<_, AppError>((earlier, gps))
        })
        .await?;
    if let Some(row) = earlier {
        return Ok((false, view(row, who)?)); // a retry after a lost response
    }

    // Bounded image work: at most `image_workers` decodes at once.
    let permit = tokio::time::timeout(
        Duration::from_secs(ctx.settings.image_queue_timeout_secs),
        ctx.image_slots.clone().acquire_owned(),
    )
    .await
    .map_err(|_| AppError::Unavailable("all image workers are busy".into()))?
    .map_err(AppError::internal)?;
    let limits = media::Limits {
        max_pixels: ctx.settings.photo_max_pixels,
        max_side: ctx.settings.photo_max_side,
        ..media::Limits::default()
    };
    let path = upload.path;
    let (original, processed) = actix_web::web::block(move || {
        let bytes = std::fs::read(&path)?;
        let out = media::process(&bytes, &limits);
        drop(path); // the spooled file goes as soon as it is read
        Ok::<_, std::io::Error>((bytes, out))
    })
    .await?
    .map_err(AppError::internal)?;
    drop(permit);
    let p = processed.map_err(media_error)?;

    // Blobs first; a failure after this leaves only blobs, which `photos gc` collects.
    let sha = upload.sha256.clone();
    ctx.photos
        .put_once(
            &storage::key(&sha, Variant::Original),
            Bytes::from(original),
        )
        .await?;
    ctx.photos
        .put_once(
            &storage::key(&sha, Variant::Display),
            Bytes::from(p.display.jpeg.clone()),
        )
        .await?;
    ctx.photos
        .put_once(
            &storage::key(&sha, Variant::Thumbnail),
            Bytes::from(p.thumbnail.jpeg.clone()),
        )
        .await?;

    let now = time::now();
    let exif_time = exif_time_utc(p.exif.taken_at_local, p.exif.offset_minutes);
    let exif_gps = p.exif.lat.zip(p.exif.lon);
    let flags = photo_flags::flags(
        &photo_flags::Evidence {
            now,
            exif_time,
            exif_gps,
            client_time: client.taken_at,
            client_gps: client.lat.zip(client.lon),
            enterprise_gps,
        },
        &photo_flags::Thresholds {
            max_age: chrono::Duration::days(i64::from(ctx.settings.photo_max_age_days)),
            max_distance_m: ctx.settings.photo_max_distance_m,
            time_tolerance: chrono::Duration::minutes(10),
            gps_tolerance_m: 500.0,
        },
    );
    let (taken_at, taken_src) = match (exif_time, client.taken_at) {
        (Some(t), _) => (Some(t), Some("exif")),
        (None, Some(t)) => (Some(time::normalise(t)), Some("client")),
        _ => (None, None),
    };
    let (loc, loc_src) = match (exif_gps, client.lat.zip(client.lon)) {
        (Some(g), _) => (Some(g), Some("exif")),
        (None, Some(g)) => (Some(g), Some("client")),
        _ => (None, None),
    };
    let row = PhotoRow {
        id: DbUuid(Uuid::now_v7()),
        sha256: sha.clone(),
        uploaded_by: DbUuid(who.user_id),
        format: p.format.as_str().into(),
        byte_size: upload.size as i64,
        width: p.width as i32,
        height: p.height as i32,
        orientation: i32::from(p.orientation),
        display_width: p.display.width as i32,
        display_height: p.display.height as i32,
        thumb_width: p.thumbnail.width as i32,
        thumb_height: p.thumbnail.height as i32,
        taken_at: taken_at.map(|t| t.naive_utc()),
        taken_at_source: taken_src.map(str::to_string),
        lat: loc.map(|l| l.0),
        lon: loc.map(|l| l.1),
        altitude_m: p.exif.altitude_m,
        accuracy_m: if loc_src == Some("client") { client.accuracy_m } else { None },
        location_source: loc_src.map(str::to_string),
        make: p.exif.make.clone(),
        model: p.exif.model.clone(),
        exif: serde_json::to_string(&p.exif).map_err(AppError::internal)?,
        client: serde_json::json!({"taken_at": client.taken_at, "lat": client.lat, "lon": client.lon, "accuracy_m": client.accuracy_m}).to_string(),
        flags: serde_json::to_string(&flags).map_err(AppError::internal)?,
        enterprise_id: client.enterprise_id.map(DbUuid),
        created_at: now.naive_utc(),
    };
    let who_c = who.clone();
    let (created, stored) = ctx
        .db
        .run(move |c| {
            let inserted = c.write_tx(|c| db::photos::insert(c, &row).map_err(AppError::from));
            match inserted {
                Ok(()) => Ok((true, row)),
                // The same upload raced in from a retry: answer that one.
                Err(AppError::Conflict { .. }) => {
                    let earlier = db::photos::find_upload(c, DbUuid(who_c.user_id), &row.sha256)?
                        .ok_or_else(|| AppError::not_found("照片 photo"))?;
                    Ok((false, earlier))
                }
                Err(e) => Err(e),
            }
        })
        .await?;
    Ok((created, view(stored, who)?))
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

#[derive(Debug, Default, Serialize)]
pub struct GcReport {
    pub examined: usize,
    pub deleted: Vec<String>,
    pub kept_recent: usize,
}

/// Removes blobs no upload references, if older than `grace`.
pub async fn gc(ctx: &Ctx, grace: chrono::Duration) -> AppResult<GcReport> {
    let objects = ctx.photos.list().await?;
    let in_use: std::collections::HashSet<String> = ctx
        .db
        .run(|c| Ok::<_, AppError>(db::photos::all_hashes(c)?))
        .await?
        .into_iter()
        .collect();
    let cutoff = Utc::now() - grace;
    let mut r = GcReport::default();
    for o in objects {
        let Some((sha, _)) = storage::parse_key(&o.key) else {
            continue;
        };
        r.examined += 1;
        if in_use.contains(&sha) {
            continue;
        }
        if o.last_modified > cutoff {
            r.kept_recent += 1;
            continue;
        }
        // Re-check: an upload may have claimed this content meanwhile.
        let s = sha.clone();
        if ctx
            .db
            .run(move |c| Ok::<_, AppError>(db::photos::hash_in_use(c, &s)?))
            .await?
        {
            continue;
        }
        ctx.photos.delete(&o.key).await?;
        r.deleted.push(o.key.to_string());
    }
    Ok(r)
}

#[derive(Debug, Default, Serialize)]
pub struct VerifyReport {
    pub checked: usize,
    pub ok: usize,
    pub mismatched: Vec<String>,
    pub missing: Vec<String>,
}

/// Re-hashes every original and checks the derivatives exist.
pub async fn verify(ctx: &Ctx) -> AppResult<VerifyReport> {
    let hashes = ctx
        .db
        .run(|c| Ok::<_, AppError>(db::photos::all_hashes(c)?))
        .await?;
    let mut r = VerifyReport::default();
    for sha in hashes {
        r.checked += 1;
        let mut good = true;
        match ctx.photos.get(&storage::key(&sha, Variant::Original)).await {
            Ok(bytes) => {
                if hex::encode(Sha256::digest(&bytes)) != sha {
                    r.mismatched.push(sha.clone());
                    good = false;
                }
            }
            Err(e) if e.is_not_found() => {
                r.missing
                    .push(storage::key(&sha, Variant::Original).to_string());
                good = false;
            }
            Err(e) => return Err(e.into()),
        }
        for v in [Variant::Display, Variant::Thumbnail] {
            if ctx
                .photos
                .size(&storage::key(&sha, v))
                .await
                .is_err_and(|e| e.is_not_found())
            {
                r.missing.push(storage::key(&sha, v).to_string());
                good = false;
            }
        }
        if good {
            r.ok += 1;
        }
    }
    Ok(r)
}
