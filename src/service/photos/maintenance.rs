//! Keeping the photo store honest: collecting blobs no upload references
//! and re-hashing every original.

use super::Variant;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::service::Ctx;
use crate::storage;
use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Default, Serialize)]
pub struct GcReport {
    pub examined: usize,
    pub deleted: Vec<String>,
    pub kept_recent: usize,
}

/// Removes blobs no upload references, if older than `grace`: photo
/// variants no photo row names, and resumable-upload parts no part row
/// names (a process that died between writing a part and recording it).
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
        if storage::parse_upload_part_key(&o.key).is_some() {
            r.examined += 1;
            let key = o.key.to_string();
            let named = ctx
                .db
                .run(move |c| Ok::<_, AppError>(db::uploads::part_key_in_use(c, &key)?))
                .await?;
            if named {
                continue;
            }
            if o.last_modified > cutoff {
                r.kept_recent += 1;
                continue;
            }
            ctx.photos.delete(&o.key).await?;
            r.deleted.push(o.key.to_string());
            continue;
        }
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
