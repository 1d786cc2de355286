//! Evidence attached to records. Every place that takes `photo_ids` checks
//! and links them here, with one error for a photo that is missing, not
//! the caller's to use, or another enterprise's evidence.

use super::Principal;
use crate::db::DbConn;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use uuid::Uuid;

/// Photo ids named by the request fields they came in.
#[derive(Debug, Default)]
pub(crate) struct PhotoRefs(Vec<(String, Uuid)>);

impl PhotoRefs {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn of(field: impl Into<String>, ids: &[Uuid]) -> Self {
        let mut r = Self::new();
        r.add(field, ids);
        r
    }

    pub fn add(&mut self, field: impl Into<String>, ids: &[Uuid]) {
        let field = field.into();
        self.0.extend(ids.iter().map(|id| (field.clone(), *id)));
    }

    fn ids(&self) -> Vec<Uuid> {
        self.0.iter().map(|(_, id)| *id).collect()
    }
}

/// Checks every referenced photo and links them to `enterprise` (nothing
/// to link for department-owned records); 422 naming each bad one.
pub(crate) fn attach_photos(
    c: &mut DbConn,
    who: &Principal,
    refs: &PhotoRefs,
    enterprise: Option<Uuid>,
) -> AppResult<()> {
    let bad = super::photos::attach(c, who, &refs.ids(), enterprise)?;
    if bad.is_empty() {
        return Ok(());
    }
    let mut e = FieldErrors::new();
    for (field, p) in refs.0.iter().filter(|(_, p)| bad.contains(p)) {
        e.add(
            field.clone(),
            format!("照片{p}不存在 / photo {p} not found"),
        );
    }
    Err(AppError::validation(e))
}
