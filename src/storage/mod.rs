//! Photo blobs through `object_store`: the local photo folder by default,
//! any S3-compatible store by configuration. Keys are made here from the
//! original's SHA-256, never from anything a client sent.

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// A failure of the photo store. Callers ask what kind it is; only this
/// module knows the store library behind it.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StorageError(#[from] object_store::Error);

impl StorageError {
    /// The key holds nothing.
    pub fn is_not_found(&self) -> bool {
        matches!(self.0, object_store::Error::NotFound { .. })
    }
}

/// What is stored per photo content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    Display,
    Thumbnail,
}

impl Variant {
    pub const ALL: [Variant; 3] = [Variant::Original, Variant::Display, Variant::Thumbnail];

    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Original => "original",
            Variant::Display => "display",
            Variant::Thumbnail => "thumbnail",
        }
    }
}

/// `original/ab/cd/<sha256>`, `display/ab/cd/<sha256>.jpg`, …: fanned out so
/// no folder grows huge, and identical content shares one key.
pub fn key(sha256: &str, v: Variant) -> ObjPath {
    let ext = if v == Variant::Original { "" } else { ".jpg" };
    ObjPath::from(format!(
        "{}/{}/{}/{}{}",
        v.as_str(),
        &sha256[..2],
        &sha256[2..4],
        sha256,
        ext
    ))
}

/// `document/ab/cd/<sha256>`: a document's bytes as uploaded. Not a photo
/// variant, so the photo gc (which only reads photo keys) leaves it alone.
pub fn document_key(sha256: &str) -> ObjPath {
    ObjPath::from(format!(
        "document/{}/{}/{}",
        &sha256[..2],
        &sha256[2..4],
        sha256
    ))
}

/// `upload/<upload id>/<start offset>-<nonce>`: one part of a resumable
/// upload as it arrived. The nonce keeps two requests racing for one
/// offset from writing the same key; the database decides which counts.
pub fn upload_part_key(upload: uuid::Uuid, start: u64, nonce: uuid::Uuid) -> ObjPath {
    ObjPath::from(format!("upload/{upload}/{start:020}-{nonce}"))
}

/// The upload a part's key belongs to, if it is one.
pub fn parse_upload_part_key(k: &ObjPath) -> Option<uuid::Uuid> {
    let rest = k.as_ref().strip_prefix("upload/")?;
    let (id, part) = rest.split_once('/')?;
    (!part.is_empty() && !part.contains('/')).then_some(())?;
    id.parse().ok()
}

/// A key as this module made it earlier (kept in the database as text).
pub fn stored_key(k: &str) -> ObjPath {
    ObjPath::from(k)
}

/// The sha256 and variant a key belongs to, if it is one of ours.
pub fn parse_key(k: &ObjPath) -> Option<(String, Variant)> {
    let parts: Vec<&str> = k.as_ref().split('/').collect();
    let [v, _, _, name] = parts.as_slice() else {
        return None;
    };
    let v = Variant::ALL.into_iter().find(|x| x.as_str() == *v)?;
    let sha = name.trim_end_matches(".jpg");
    (sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then(|| (sha.to_string(), v))
}

#[derive(Debug, Clone)]
pub struct S3Config {
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub path_style: bool,
    pub allow_http: bool,
}

#[derive(Debug, Clone)]
pub struct StoredObject {
    pub key: ObjPath,
    pub size: u64,
    pub last_modified: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone)]
pub struct PhotoStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
}

impl std::fmt::Debug for PhotoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

impl PhotoStore {
    /// The local photo folder (created if missing).
    pub fn local(root: &Path) -> anyhow::Result<PhotoStore> {
        std::fs::create_dir_all(root)
            .map_err(|e| anyhow::anyhow!("cannot create photo folder {}: {e}", root.display()))?;
        let fs = LocalFileSystem::new_with_prefix(root)?.with_automatic_cleanup(true);
        Ok(PhotoStore {
            inner: Arc::new(fs),
            description: format!("local:{}", root.display()),
        })
    }

    /// An S3-compatible bucket, optionally under a key prefix.
    pub fn s3(cfg: &S3Config, prefix: Option<&str>) -> anyhow::Result<PhotoStore> {
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&cfg.bucket)
            .with_region(&cfg.region)
            .with_virtual_hosted_style_request(!cfg.path_style)
            .with_allow_http(cfg.allow_http);
        if let Some(e) = &cfg.endpoint {
            b = b.with_endpoint(e);
        }
        if let (Some(k), Some(s)) = (&cfg.access_key_id, &cfg.secret_access_key) {
            b = b.with_access_key_id(k).with_secret_access_key(s);
        }
        let s3 = b.build()?;
        let description = format!("s3:{}/{}", cfg.bucket, prefix.unwrap_or(""));
        let inner: Arc<dyn ObjectStore> = match prefix.filter(|p| !p.is_empty()) {
            Some(p) => Arc::new(PrefixStore::new(s3, p)),
            None => Arc::new(s3),
        };
        Ok(PhotoStore { inner, description })
    }

    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Writes unless the key already holds it (same key = same content).
    pub async fn put_once(&self, key: &ObjPath, bytes: Bytes) -> Result<(), StorageError> {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self
            .inner
            .put_opts(key, PutPayload::from_bytes(bytes), opts)
            .await
        {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            // Some S3 servers answer a conditional put with 412.
            Err(object_store::Error::Precondition { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes (or replaces) the object at `key`.
    pub async fn put(&self, key: &ObjPath, bytes: Bytes) -> Result<(), StorageError> {
        self.inner.put(key, PutPayload::from_bytes(bytes)).await?;
        Ok(())
    }

    pub async fn get(&self, key: &ObjPath) -> Result<Bytes, StorageError> {
        Ok(self.inner.get(key).await?.bytes().await?)
    }

    pub async fn get_range(&self, key: &ObjPath, range: Range<u64>) -> Result<Bytes, StorageError> {
        Ok(self.inner.get_range(key, range).await?)
    }

    pub async fn size(&self, key: &ObjPath) -> Result<u64, StorageError> {
        Ok(self.inner.head(key).await?.size)
    }

    pub async fn delete(&self, key: &ObjPath) -> Result<(), StorageError> {
        match self.inner.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list(&self) -> Result<Vec<StoredObject>, StorageError> {
        Ok(self
            .inner
            .list(None)
            .map_ok(|m| StoredObject {
                key: m.location,
                size: m.size,
                last_modified: m.last_modified,
            })
            .try_collect()
            .await?)
    }

    /// Writes, reads back and removes a probe object.
    pub async fn check(&self) -> Result<(), String> {
        let k = ObjPath::from(format!("readiness/{}", uuid::Uuid::new_v4()));
        self.inner
            .put(&k, PutPayload::from_static(b"ok"))
            .await
            .map_err(|e| format!("photo store not writable: {e}"))?;
        let back = self
            .get(&k)
            .await
            .map_err(|e| format!("photo store not readable: {e}"));
        let _ = self.inner.delete(&k).await;
        match back? {
            b if b.as_ref() == b"ok" => Ok(()),
            _ => Err("photo store returned different bytes".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let sha = "ab".repeat(32);
        for v in Variant::ALL {
            let k = key(&sha, v);
            assert_eq!(parse_key(&k), Some((sha.clone(), v)));
        }
        assert_eq!(
            key(&sha, Variant::Display).as_ref(),
            format!("display/ab/ab/{sha}.jpg")
        );
        assert_eq!(parse_key(&ObjPath::from("readiness/x")), None);
    }
}
