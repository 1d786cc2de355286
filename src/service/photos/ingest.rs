//! Photo ingest: the upload spooled to disk while hashed, then bounded
//! decoding, blobs stored before rows, and a retry of the same bytes
//! answered with the earlier record.

use super::{view, PhotoView, Variant};
use crate::db::{self, photos::PhotoRow, DbUuid};
use crate::domain::{enterprise::validate_location, photo_flags, time, FieldErrors};
use crate::error::{codes, AppError, AppResult};
use crate::media::{self, MediaError};
use crate::service::{Ctx, Principal};
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

/// An upload on disk, with its hash, before anything else is done.
pub struct Spooled {
    pub path: TempPath,
    pub sha256: String,
    pub size: u64,
}

/// Streams a body to a temporary file while hashing; stops with 413 as
/// soon as `limit` is passed, without reading the rest.
pub async fn spool<S, E>(ctx: &Ctx, body: S) -> AppResult<Spooled>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let limit = ctx.settings.photo_max_bytes;
    spool_limited(ctx, body, limit, || AppError::PayloadTooLarge {
        code: codes::PHOTO_TOO_LARGE,
        detail: format!(
            "照片超过{}MiB / photo larger than {} bytes",
            limit / (1024 * 1024),
            limit
        ),
    })
    .await
}

/// [`spool`] with its own limit and refusal (documents use it too).
pub async fn spool_limited<S, E>(
    ctx: &Ctx,
    mut body: S,
    limit: u64,
    too_large: impl Fn() -> AppError,
) -> AppResult<Spooled>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
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
            return Err(too_large());
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(AppError::internal)?;
    }
    file.flush().await.map_err(AppError::internal)?;
    if size == 0 {
        return Err(AppError::field(
            "file",
            "没有收到文件内容 / the upload is empty",
        ));
    }
    Ok(Spooled {
        path,
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

/// What the phone itself said, used when EXIF is silent and to cross-check.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
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

/// How an EXIF capture time was placed on the time line.
const BASIS_EXIF_OFFSET: &str = "exif_offset";
const BASIS_GPS_UTC: &str = "gps_utc";
const BASIS_PARK_ZONE: &str = "park_zone";
const BASIS_CLIENT: &str = "client";

/// The capture time from EXIF, and its basis: DateTimeOriginal with
/// OffsetTimeOriginal when the camera wrote one; else the GPS date/time
/// stamp (UTC by definition); only then DateTimeOriginal read in the
/// park's zone.
fn exif_time_utc(exif: &media::ExifInfo) -> Option<(DateTime<Utc>, &'static str)> {
    let in_zone = |local: NaiveDateTime, minutes: i32| {
        FixedOffset::east_opt(minutes * 60)?
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    let (t, basis) = match (exif.taken_at_local, exif.offset_minutes, exif.gps_time_utc) {
        (Some(local), Some(m), _) => (in_zone(local, m)?, BASIS_EXIF_OFFSET),
        (_, _, Some(gps)) => (gps, BASIS_GPS_UTC),
        (Some(local), None, None) => (
            in_zone(local, time::park_offset().local_minus_utc() / 60)?,
            BASIS_PARK_ZONE,
        ),
        _ => return None,
    };
    Some((time::normalise(t), basis))
}

/// `taken_at_basis` of a stored photo: `client` when the phone's time was
/// used, else how the EXIF time was read (from the EXIF kept in the row).
pub(super) fn taken_at_basis(row: &PhotoRow) -> Option<&'static str> {
    match row.taken_at_source.as_deref()? {
        "client" => Some(BASIS_CLIENT),
        _ => {
            let exif: serde_json::Value = serde_json::from_str(&row.exif).unwrap_or_default();
            let has = |k: &str| !exif[k].is_null();
            Some(if has("taken_at_local") && has("offset_minutes") {
                BASIS_EXIF_OFFSET
            } else if has("gps_time_utc") {
                BASIS_GPS_UTC
            } else {
                BASIS_PARK_ZONE
            })
        }
    }
}

fn check_client(client: &ClientMeta) -> AppResult<()> {
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
    if crate::service::pagination::check_time("taken_at", client.taken_at).is_err() {
        errs.add("taken_at", "时间超出范围 / taken_at out of range");
    }
    errs.finish().map_err(AppError::validation)
}

/// The location of the enterprise a photo names, which the caller must be
/// able to see.
fn enterprise_gps(
    c: &mut db::DbConn,
    who: &Principal,
    enterprise: Option<Uuid>,
) -> AppResult<Option<(f64, f64)>> {
    let Some(e) = enterprise else {
        return Ok(None);
    };
    let row = db::enterprises::find(c, DbUuid(e))?.filter(|_| who.can_see_enterprise(e));
    let row =
        row.ok_or_else(|| AppError::field("enterprise_id", "企业不存在 / enterprise not found"))?;
    Ok(row.lat.zip(row.lon))
}

/// The checks `ingest` makes of what the phone said, made before any byte
/// arrives (a resumable upload refuses bad metadata at its creation).
pub async fn check_meta(ctx: &Ctx, who: &Principal, client: &ClientMeta) -> AppResult<()> {
    check_client(client)?;
    let (who, enterprise) = (who.clone(), client.enterprise_id);
    ctx.db
        .run(move |c| enterprise_gps(c, &who, enterprise).map(|_| ()))
        .await
}

/// The caller's earlier upload of the same bytes, and the location of the
/// enterprise named (which the caller must be able to see).
async fn earlier_upload(
    ctx: &Ctx,
    who: &Principal,
    sha: &str,
    enterprise: Option<Uuid>,
) -> AppResult<(Option<PhotoRow>, Option<(f64, f64)>)> {
    let (who, sha) = (who.clone(), sha.to_string());
    ctx.db
        .run(move |c| {
            let earlier = db::photos::find_upload(c, DbUuid(who.user_id), &sha)?;
            Ok::<_, AppError>((earlier, enterprise_gps(c, &who, enterprise)?))
        })
        .await
}

/// Decodes under a worker permit (at most `image_workers` at once);
/// answers the original bytes and what the media pipeline made of them.
async fn decode(ctx: &Ctx, path: TempPath) -> AppResult<(Vec<u8>, media::Processed)> {
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
    let (original, processed) = actix_web::web::block(move || {
        let bytes = std::fs::read(&path)?;
        let out = media::process(&bytes, &limits);
        drop(path); // the spooled file goes as soon as it is read
        Ok::<_, std::io::Error>((bytes, out))
    })
    .await?
    .map_err(AppError::internal)?;
    drop(permit);
    Ok((original, processed.map_err(media_error)?))
}

/// Blobs first; a failure after this leaves only blobs, which `photos gc`
/// collects.
async fn store_blobs(
    ctx: &Ctx,
    sha: &str,
    original: Vec<u8>,
    p: &media::Processed,
) -> AppResult<()> {
    for (variant, bytes) in [
        (Variant::Original, original),
        (Variant::Display, p.display.jpeg.clone()),
        (Variant::Thumbnail, p.thumbnail.jpeg.clone()),
    ] {
        ctx.photos
            .put_once(&storage::key(sha, variant), Bytes::from(bytes))
            .await?;
    }
    Ok(())
}

/// Where the time and place of a photo come from: the camera's EXIF
/// first, else what the phone said.
struct Provenance {
    taken_at: Option<DateTime<Utc>>,
    taken_src: Option<&'static str>,
    loc: Option<(f64, f64)>,
    loc_src: Option<&'static str>,
    flags: Vec<&'static str>,
}

fn provenance(
    ctx: &Ctx,
    p: &media::Processed,
    client: &ClientMeta,
    enterprise_gps: Option<(f64, f64)>,
) -> Provenance {
    let exif_time = exif_time_utc(&p.exif).map(|(t, _)| t);
    let exif_gps = p.exif.lat.zip(p.exif.lon);
    let flags = photo_flags::flags(
        &photo_flags::Evidence {
            now: time::now(),
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
    Provenance {
        taken_at,
        taken_src,
        loc,
        loc_src,
        flags,
    }
}

/// The stored bytes: their hash and size.
struct Original<'a> {
    sha256: &'a str,
    size: u64,
}

fn photo_row(
    who: &Principal,
    upload: Original,
    p: &media::Processed,
    client: &ClientMeta,
    v: Provenance,
) -> AppResult<PhotoRow> {
    Ok(PhotoRow {
        id: DbUuid(Uuid::now_v7()),
        sha256: upload.sha256.to_string(),
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
        taken_at: v.taken_at.map(|t| t.naive_utc()),
        taken_at_source: v.taken_src.map(str::to_string),
        lat: v.loc.map(|l| l.0),
        lon: v.loc.map(|l| l.1),
        altitude_m: p.exif.altitude_m,
        accuracy_m: if v.loc_src == Some("client") {
            client.accuracy_m
        } else {
            None
        },
        location_source: v.loc_src.map(str::to_string),
        make: p.exif.make.clone(),
        model: p.exif.model.clone(),
        exif: serde_json::to_string(&p.exif).map_err(AppError::internal)?,
        client: serde_json::json!({"taken_at": client.taken_at, "lat": client.lat, "lon": client.lon, "accuracy_m": client.accuracy_m}).to_string(),
        flags: serde_json::to_string(&v.flags).map_err(AppError::internal)?,
        enterprise_id: client.enterprise_id.map(DbUuid),
        created_at: time::now().naive_utc(),
    })
}

/// Inserts the row; when the same upload raced in from a retry, answers
/// that one instead.
async fn insert_or_earlier(
    ctx: &Ctx,
    who: &Principal,
    row: PhotoRow,
) -> AppResult<(bool, PhotoRow)> {
    let user = who.user_id;
    ctx.db
        .run(move |c| {
            let inserted = c.write_tx(|c| db::photos::insert(c, &row).map_err(AppError::from));
            match inserted {
                Ok(()) => Ok((true, row)),
                Err(AppError::Conflict { .. }) => {
                    let earlier = db::photos::find_upload(c, DbUuid(user), &row.sha256)?
                        .ok_or_else(|| AppError::not_found("照片 photo"))?;
                    Ok((false, earlier))
                }
                Err(e) => Err(e),
            }
        })
        .await
}

/// `POST /photos`: answers (created?, record). The same bytes from the
/// same user answer the earlier record.
pub async fn ingest(
    ctx: &Ctx,
    who: &Principal,
    upload: Spooled,
    client: ClientMeta,
) -> AppResult<(bool, PhotoView)> {
    check_client(&client)?;
    let (earlier, enterprise_gps) =
        earlier_upload(ctx, who, &upload.sha256, client.enterprise_id).await?;
    if let Some(row) = earlier {
        return Ok((false, view(row, who)?)); // a retry after a lost response
    }
    let Spooled { path, sha256, size } = upload;
    let (original, p) = decode(ctx, path).await?;
    store_blobs(ctx, &sha256, original, &p).await?;
    let v = provenance(ctx, &p, &client, enterprise_gps);
    let original = Original {
        sha256: &sha256,
        size,
    };
    let row = photo_row(who, original, &p, &client, v)?;
    let (created, stored) = insert_or_earlier(ctx, who, row).await?;
    Ok((created, view(stored, who)?))
}
