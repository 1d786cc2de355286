//! Findings (隐患): reported ad hoc from a phone, or made from the failed
//! items of a submitted inspection.

use super::pagination::{self, Page};
use super::{Ctx, Principal};
use crate::db::{
    self,
    findings::{FindingFilter, FindingRow},
    DbConn, DbUuid,
};
use crate::domain::checklist::{Category, HazardLevel};
use crate::domain::finding::{self as rules, FindingStatus, Source};
use crate::domain::{time, Label, Role};
use crate::error::{codes, AppError, AppResult};
use crate::service::evidence::{self, Evidence};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    pub id: Uuid,
    /// The enterprise responsible; null for a department-owned audit item.
    pub enterprise_id: Option<Uuid>,
    /// The government department responsible (environmental inspection items).
    pub department: Option<String>,
    pub source: Source,
    pub category: Category,
    pub category_label: Label,
    pub level: HazardLevel,
    pub level_label: Label,
    pub status: FindingStatus,
    pub description: String,
    pub location_text: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub photo_ids: Vec<Uuid>,
    /// Links to each photo's upright derivatives.
    pub photos: Vec<PhotoLinks>,
    pub inspection_id: Option<Uuid>,
    pub item_code: Option<String>,
    pub checklist_template_id: Option<Uuid>,
    /// Law or standard (with article) the finding breaches.
    pub regulatory_basis: Option<String>,
    /// The clause of 《工贸企业重大事故隐患判定标准》 that makes it major.
    pub major_criterion: Option<String>,
    /// The closed finding this one recurs.
    pub previous_finding_id: Option<Uuid>,
    pub reported_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The draft revision the phone last sent (0: none).
    pub revision: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PhotoLinks {
    pub id: Uuid,
    pub thumbnail: String,
    pub display: String,
}

pub fn view(r: FindingRow) -> AppResult<FindingView> {
    Ok(FindingView {
        id: r.id.0,
        enterprise_id: r.enterprise_id.map(|e| e.0),
        department: r.department,
        source: r.source,
        category: r.category,
        category_label: rules::category_label(r.category).into(),
        level: r.level,
        level_label: rules::level_label(r.level).into(),
        status: r.status,
        description: r.description,
        location_text: r.location_text,
        lat: r.lat,
        lon: r.lon,
        photos: serde_json::from_str::<Vec<Uuid>>(&r.photo_ids)
            .map_err(AppError::internal)?
            .into_iter()
            .map(|id| PhotoLinks {
                id,
                thumbnail: format!("/api/v1/photos/{id}/thumbnail"),
                display: format!("/api/v1/photos/{id}/display"),
            })
            .collect(),
        photo_ids: serde_json::from_str(&r.photo_ids).map_err(AppError::internal)?,
        inspection_id: r.inspection_id.map(|i| i.0),
        item_code: r.item_code,
        checklist_template_id: r.template_id.map(|i| i.0),
        regulatory_basis: r.regulatory_basis,
        major_criterion: r.major_criterion,
        previous_finding_id: r.previous_finding_id.map(|i| i.0),
        reported_by: r.reported_by.0,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        revision: r.revision,
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    pub enterprise_id: Uuid,
    pub category: Category,
    pub level: HazardLevel,
    pub description: String,
    #[serde(default)]
    pub location_text: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
    /// A closed (销号) finding this one reports again: cases are never
    /// reopened, a recurrence is a new finding linked to the old one.
    #[serde(default)]
    pub previous_finding_id: Option<Uuid>,
    /// The phone's revision of this draft, raised with every edit: an
    /// older revision than the stored one is refused (409 `stale_revision`
    /// with the stored record), the same one is a replay. Not part of the
    /// content compared for replays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub revision: Option<i64>,
}

pub(crate) fn body_hash<T: Serialize>(v: &T) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(v).expect("serialisable")))
}

fn not_found() -> AppError {
    AppError::not_found("隐患 finding")
}

/// One form for a finding of every source (inspection, self-inspection,
/// env_audit, ad hoc): each source fills what it knows, and
/// [`record`] / [`NewFinding::into_row`] are the only way a row is made.
#[derive(Debug, Clone)]
pub(crate) struct NewFinding {
    pub id: Uuid,
    pub enterprise_id: Option<Uuid>,
    pub department: Option<String>,
    pub source: Source,
    pub category: Category,
    pub level: HazardLevel,
    pub description: String,
    pub location_text: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub photo_ids: Vec<Uuid>,
    pub inspection_id: Option<Uuid>,
    pub item_code: Option<String>,
    pub template_id: Option<Uuid>,
    pub regulatory_basis: Option<String>,
    pub major_criterion: Option<String>,
    pub reported_by: Uuid,
    /// Set for findings a phone sends, so a retry is recognised.
    pub body_hash: Option<String>,
    pub previous_finding_id: Option<Uuid>,
    pub revision: i64,
}

impl NewFinding {
    pub fn new(source: Source, category: Category, level: HazardLevel, reported_by: Uuid) -> Self {
        NewFinding {
            id: Uuid::now_v7(),
            enterprise_id: None,
            department: None,
            source,
            category,
            level,
            description: String::new(),
            location_text: None,
            lat: None,
            lon: None,
            photo_ids: Vec::new(),
            inspection_id: None,
            item_code: None,
            template_id: None,
            regulatory_basis: None,
            major_criterion: None,
            reported_by,
            body_hash: None,
            previous_finding_id: None,
            revision: 0,
        }
    }

    /// The row of an open finding reported now.
    pub fn into_row(self, now: chrono::NaiveDateTime) -> AppResult<FindingRow> {
        Ok(FindingRow {
            id: DbUuid(self.id),
            enterprise_id: self.enterprise_id.map(DbUuid),
            department: self.department,
            source: self.source,
            category: self.category,
            level: self.level,
            status: FindingStatus::Open,
            description: self.description,
            location_text: self.location_text,
            lat: self.lat,
            lon: self.lon,
            photo_ids: serde_json::to_string(&self.photo_ids).map_err(AppError::internal)?,
            inspection_id: self.inspection_id.map(DbUuid),
            item_code: self.item_code,
            template_id: self.template_id.map(DbUuid),
            regulatory_basis: self.regulatory_basis,
            major_criterion: self.major_criterion,
            reported_by: DbUuid(self.reported_by),
            body_hash: self.body_hash,
            previous_finding_id: self.previous_finding_id.map(DbUuid),
            created_at: now,
            updated_at: now,
            revision: self.revision,
        })
    }
}

/// Inserts a new open finding, reported at `now`, inside the caller's
/// transaction.
pub(crate) fn record(
    c: &mut DbConn,
    f: NewFinding,
    now: chrono::NaiveDateTime,
) -> AppResult<DbUuid> {
    let row = f.into_row(now)?;
    db::findings::insert(c, &row)?;
    Ok(row.id)
}

fn not_editable() -> AppError {
    AppError::conflict(
        codes::FINDING_NOT_EDITABLE,
        "隐患已进入整改或由检查生成，不能再修改 / this finding can no longer be changed",
    )
}

/// A changed body for an existing finding: only its reporter, only while
/// it is an open ad-hoc finding never put into an order.
fn check_update(c: &mut DbConn, who: &Principal, cur: &FindingRow) -> AppResult<()> {
    if cur.reported_by.0 != who.user_id {
        return Err(AppError::forbidden(
            "只能修改自己上报的隐患 / only the reporter may change a finding",
        ));
    }
    // Once in an order (even a cancelled one) the finding is part of that
    // order's record: its content no longer changes.
    if cur.source != Source::AdHoc
        || cur.status != FindingStatus::Open
        || db::orders::ever_ordered(c, cur.id)?
    {
        return Err(not_editable());
    }
    Ok(())
}

/// A recurrence names a closed finding of the same enterprise.
fn check_previous(c: &mut DbConn, input: &FindingInput) -> AppResult<()> {
    let Some(prev) = input.previous_finding_id else {
        return Ok(());
    };
    let ok = db::findings::find(c, DbUuid(prev))?.is_some_and(|p| {
        p.enterprise_id.map(|e| e.0) == Some(input.enterprise_id)
            && p.status == FindingStatus::Closed
    });
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "previous_finding_id",
            "应为同一企业已销号的隐患 / must be a closed finding of the same enterprise",
        ))
    }
}

fn ad_hoc(id: Uuid, who: &Principal, input: &FindingInput, hash: String) -> NewFinding {
    let mut f = NewFinding::new(Source::AdHoc, input.category, input.level, who.user_id);
    f.id = id;
    f.enterprise_id = Some(input.enterprise_id);
    f.description = input.description.trim().to_string();
    f.location_text = input
        .location_text
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    f.lat = input.lat;
    f.lon = input.lon;
    f.photo_ids = input.photo_ids.clone();
    f.body_hash = Some(hash);
    f.previous_finding_id = input.previous_finding_id;
    f.revision = input.revision.unwrap_or(0);
    f
}

/// Create or replay an ad-hoc finding with a phone-made id. The same body
/// again answers the stored record; a changed body updates it while it is
/// still open and the caller reported it.
pub async fn put(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
    input: FindingInput,
) -> AppResult<(bool, FindingView)> {
    let errs = rules::check_fields(
        &input.description,
        input.location_text.as_deref(),
        input.lat,
        input.lon,
        input.photo_ids.len(),
    );
    who.require(Role::reports_findings)?;
    let who = who.clone();
    let revision = input.revision;
    if revision.is_some_and(|r| r < 0) {
        return Err(AppError::field(
            "revision",
            "修订号不能为负 / revision must be ≥ 0",
        ));
    }
    let hash = body_hash(&FindingInput {
        revision: None,
        ..input.clone()
    });
    super::retry_once_on_duplicate(ctx, move |c| {
        let existing = db::findings::find(c, DbUuid(id))?;
        if existing
            .as_ref()
            .is_some_and(|cur| !who.can_see(cur.enterprise_id.map(|e| e.0)))
        {
            return Err(not_found());
        }
        if !who.can_see_enterprise(input.enterprise_id)
            || db::enterprises::find(c, DbUuid(input.enterprise_id))?.is_none()
        {
            return Err(AppError::field(
                "enterprise_id",
                "企业不存在 / enterprise not found",
            ));
        }
        if let Some(cur) = &existing {
            if cur.body_hash.as_deref() == Some(hash.as_str()) {
                return Ok((false, view(cur.clone())?));
            }
            check_update(c, &who, cur)?;
            if revision.is_some_and(|r| r <= cur.revision) {
                return Err(super::stale_revision(&view(cur.clone())?));
            }
        }
        errs.clone().finish().map_err(AppError::validation)?;
        check_previous(c, &input)?;
        let photos = Evidence::photos("photo_ids", &input.photo_ids);
        evidence::attach(c, &who, &photos, Some(input.enterprise_id))?;
        let mut row = ad_hoc(id, &who, &input, hash.clone()).into_row(time::now().naive_utc())?;
        // Sent without a revision: the stored one stays.
        if let (None, Some(cur)) = (revision, &existing) {
            row.revision = cur.revision;
        }
        let created = existing.is_none();
        if created {
            db::findings::insert(c, &row)?;
        } else if db::findings::update_content(c, &row, revision)? == 0 {
            let now = db::findings::find(c, row.id)?.ok_or_else(not_found)?;
            if now.status == FindingStatus::Open {
                return Err(super::stale_revision(&view(now)?));
            }
            return Err(AppError::conflict(
                codes::FINDING_NOT_EDITABLE,
                "隐患已进入整改，不能再修改 / this finding can no longer be changed",
            ));
        }
        let stored = db::findings::find(c, row.id)?.ok_or_else(not_found)?;
        Ok((created, view(stored)?))
    })
    .await
}

pub async fn get(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<FindingView> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let row = db::findings::find(c, DbUuid(id))?
                .filter(|r| who.can_see(r.enterprise_id.map(|e| e.0)))
                .ok_or_else(not_found)?;
            view(row)
        })
        .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FindingQuery {
    pub enterprise_id: Option<Uuid>,
    pub source: Option<Source>,
    pub category: Option<Category>,
    pub level: Option<HazardLevel>,
    pub status: Option<FindingStatus>,
    /// Findings in an open order past its deadline (or not).
    pub overdue: Option<bool>,
    pub inspection_id: Option<Uuid>,
    /// Created at or after (RFC 3339).
    pub created_from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub created_to: Option<DateTime<Utc>>,
    /// Text in the description (Chinese works).
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub async fn list(ctx: &Ctx, who: &Principal, q: FindingQuery) -> AppResult<Page<FindingView>> {
    let limit = pagination::limit(q.limit)?;
    let before = pagination::decode_seek(q.cursor.as_deref())?;
    pagination::check_time("created_from", q.created_from)?;
    pagination::check_time("created_to", q.created_to)?;
    let text = pagination::search_text(q.q)?;
    let filter = FindingFilter {
        only_enterprises: who.scope_filter(),
        enterprise_id: q.enterprise_id.map(DbUuid),
        source: q.source,
        category: q.category,
        level: q.level,
        status: q.status,
        inspection_id: q.inspection_id.map(DbUuid),
        overdue: q
            .overdue
            .map(|o| (o, crate::domain::order::park_today(time::now()))),
        from: q.created_from.map(|t| t.naive_utc()),
        to: q.created_to.map(|t| t.naive_utc()),
        q: text,
        before: before.map(|(t, id)| (t, DbUuid(id))),
        limit: limit + 1,
    };
    ctx.db
        .run(move |c| {
            let rows = db::findings::list(c, &filter)?;
            pagination::seek_page(rows, limit, |r| (r.created_at, r.id.0), view)
        })
        .await
}

pub(crate) fn of_inspection(c: &mut DbConn, inspection: Uuid) -> AppResult<Vec<FindingView>> {
    db::findings::of_inspection(c, DbUuid(inspection))?
        .into_iter()
        .map(view)
        .collect()
}
