//! Evidence attached to records. Every place that takes `photo_ids` (and
//! `document_ids`) checks and links them here, with one error for an item
//! that is missing, not the caller's to use, or another enterprise's.

use super::Principal;
use crate::db::DbConn;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use uuid::Uuid;

/// Photo and document ids, each named by the request field it came in.
#[derive(Debug, Default)]
pub(crate) struct Evidence {
    photos: Vec<(String, Uuid)>,
    documents: Vec<(String, Uuid)>,
}

impl Evidence {
    pub fn new() -> Self {
        Self::default()
    }

    /// Photos only (records that take no documents).
    pub fn photos(field: impl Into<String>, ids: &[Uuid]) -> Self {
        let mut r = Self::new();
        r.add_photos(field, ids);
        r
    }

    /// `photo_ids` and `document_ids` of one request object under `prefix`
    /// (`""` or e.g. `items[0].`).
    pub fn of(prefix: &str, photos: &[Uuid], documents: &[Uuid]) -> Self {
        let mut r = Self::new();
        r.add(prefix, photos, documents);
        r
    }

    pub fn add(&mut self, prefix: &str, photos: &[Uuid], documents: &[Uuid]) {
        self.add_photos(format!("{prefix}photo_ids"), photos);
        self.add_documents(format!("{prefix}document_ids"), documents);
    }

    pub fn add_photos(&mut self, field: impl Into<String>, ids: &[Uuid]) {
        let field = field.into();
        self.photos
            .extend(ids.iter().map(|id| (field.clone(), *id)));
    }

    pub fn add_documents(&mut self, field: impl Into<String>, ids: &[Uuid]) {
        let field = field.into();
        self.documents
            .extend(ids.iter().map(|id| (field.clone(), *id)));
    }

    pub fn document_ids(&self) -> Vec<Uuid> {
        self.documents.iter().map(|(_, id)| *id).collect()
    }

    fn photo_ids(&self) -> Vec<Uuid> {
        self.photos.iter().map(|(_, id)| *id).collect()
    }
}

/// Checks every referenced photo and document and links them to
/// `enterprise` (nothing to link for department-owned records); 422 naming
/// each bad one.
pub(crate) fn attach(
    c: &mut DbConn,
    who: &Principal,
    refs: &Evidence,
    enterprise: Option<Uuid>,
) -> AppResult<()> {
    let bad_photos = super::photos::attach(c, who, &refs.photo_ids(), enterprise)?;
    let bad_docs = super::documents::attach(c, who, &refs.document_ids(), enterprise)?;
    if bad_photos.is_empty() && bad_docs.is_empty() {
        return Ok(());
    }
    let mut e = FieldErrors::new();
    for (field, p) in refs.photos.iter().filter(|(_, p)| bad_photos.contains(p)) {
        e.add(
            field.clone(),
            format!("照片{p}不存在 / photo {p} not found"),
        );
    }
    for (field, d) in refs.documents.iter().filter(|(_, d)| bad_docs.contains(d)) {
        e.add(
            field.clone(),
            format!("文件{d}不存在 / document {d} not found"),
        );
    }
    Err(AppError::validation(e))
}
