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
use crate::error::{AppError, AppResult};
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
}

fn corrupt(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("stored finding has an invalid {what}"))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PhotoLinks {
    pub id: Uuid,
    pub thumbnail: String,
    pub display: String,
}

pub fn view(r: FindingRow) -> AppResult<FindingView> {
    let category = Category::parse(&r.category).ok_or_else(|| corrupt("category"))?;
    let level = HazardLevel::parse(&r.level).ok_or_else(|| corrupt("level"))?;
    let (cz, ce) = rules::category_label(category);
    let (lz, le) = rules::level_label(level);
    Ok(FindingView {
        id: r.id.0,
        enterprise_id: r.enterprise_id.map(|e| e.0),
        department: r.department,
        source: Source::parse(&r.source).ok_or_else(|| corrupt("source"))?,
        category,
        category_label: Label { zh: cz, en: ce },
        level,
        level_label: Label { zh: lz, en: le },
        status: FindingStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
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
}

pub(crate) fn body_hash<T: Serialize>(v: &T) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(v).expect("serialisable")))
}

fn not_found() -> AppError {
    AppError::not_found("隐患 finding")
}

/// Roles that report findings in the field.
const REPORTERS: &[Role] = &[Role::Inspector, Role::ThirdParty, Role::SafetyOfficer];

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
    who.require(REPORTERS)?;
    let who = who.clone();
    let hash = body_hash(&input);
    super::retry_once_on_duplicate(ctx, move |c| {
                let existing = db::findings::find(c, DbUuid(id))?;
                if let Some(cur) = &existing {
                    if !who.can_see(cur.enterprise_id.map(|e| e.0)) {
                        return Err(not_found());
                    }
                }
                if !who.can_see_enterprise(input.enterprise_id) || db::enterprises::find(c, DbUuid(input.enterprise_id))?.is_none() {
                    return Err(AppError::field("enterprise_id", "企业不存在 / enterprise not found"));
                }
                if let Some(cur) = existing {
                    if cur.body_hash.as_deref() == Some(hash.as_str()) {
                        return Ok((false, view(cur)?));
                    }
                    if cur.reported_by.0 != who.user_id {
                        return Err(AppError::forbidden("只能修改自己上报的隐患 / only the reporter may change a finding"));
                    }
                    // Once in an order (even a cancelled one) the finding is part of that
                    // order's record: its content no longer changes.
                    if cur.source != Source::AdHoc.as_str() || cur.status != FindingStatus::Open.as_str() || db::orders::ever_ordered(c, cur.id)? {
                        return Err(AppError::conflict("finding_not_editable", "隐患已进入整改或由检查生成，不能再修改 / this finding can no longer be changed"));
                    }
                }
                errs.clone().finish().map_err(AppError::validation)?;
                if let Some(prev) = input.previous_finding_id {
                    let ok = db::findings::find(c, DbUuid(prev))?
                        .is_some_and(|p| p.enterprise_id.map(|e| e.0) == Some(input.enterprise_id) && p.status == FindingStatus::Closed.as_str());
                    if !ok {
                        return Err(AppError::field("previous_finding_id", "应为同一企业已销号的隐患 / must be a closed finding of the same enterprise"));
                    }
                }
                let bad = super::photos::attach(c, &who, &input.photo_ids, Some(input.enterprise_id))?;
                if !bad.is_empty() {
                    let mut e = crate::domain::FieldErrors::new();
                    for p in bad {
                        e.add("photo_ids", format!("照片{p}不存在 / photo {p} not found"));
                    }
                    return Err(AppError::validation(e));
                }
                let now = time::now().naive_utc();
                let row = FindingRow {
                    id: DbUuid(id),
                    enterprise_id: Some(DbUuid(input.enterprise_id)),
                    department: None,
                    source: Source::AdHoc.as_str().into(),
                    category: input.category.as_str().into(),
                    level: input.level.as_str().into(),
                    status: FindingStatus::Open.as_str().into(),
                    description: input.description.trim().to_string(),
                    location_text: input.location_text.clone().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
                    lat: input.lat,
                    lon: input.lon,
                    photo_ids: serde_json::to_string(&input.photo_ids).map_err(AppError::internal)?,
                    inspection_id: None,
                    item_code: None,
                    template_id: None,
                    regulatory_basis: None,
                    major_criterion: None,
                    reported_by: DbUuid(who.user_id),
                    body_hash: Some(hash.clone()),
                    previous_finding_id: input.previous_finding_id.map(DbUuid),
                    created_at: now,
                    updated_at: now,
                };
                let created = match db::findings::find(c, row.id)? {
                    None => {
                        db::findings::insert(c, &row)?;
                        true
                    }
                    Some(_) => {
                        if db::findings::update_content(c, &row)? == 0 {
                            return Err(AppError::conflict("finding_not_editable", "隐患已进入整改，不能再修改 / this finding can no longer be changed"));
                        }
                        false
                    }
                };
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
        source: q.source.map(|s| s.as_str().into()),
        category: q.category.map(|s| s.as_str().into()),
        level: q.level.map(|s| s.as_str().into()),
        status: q.status.map(|s| s.as_str().into()),
        inspection_id: q.inspection_id.map(DbUuid),
        overdue: q.overdue.map(|o| {
            (
                o,
                crate::domain::order::park_today(crate::domain::time::now()),
            )
        }),
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
