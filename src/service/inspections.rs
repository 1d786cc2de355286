//! Inspections from phones, offline first: the phone picks the id, sends
//! the record whenever it has signal, and retries freely. Submitting turns
//! every failed item into a finding, exactly once.

use super::checklists::parse_row;
use super::evidence::{self, Evidence};
use super::findings::{body_hash, record, FindingView, NewFinding};
use super::pagination::{self, Page};
use super::{Ctx, Principal};
use crate::db::{
    self,
    checklists::TemplateRow,
    inspections::{InspectionFilter, InspectionRow},
    DbConn, DbUuid,
};
use crate::domain::checklist::{ResponseType, Template};
use crate::domain::enterprise::validate_location;
use crate::domain::finding::FindingStatus;
use crate::domain::inspection::{self as rules, Answer, InspectionKind, InspectionState};
use crate::domain::{self_check, time, FieldErrors, Role};
use crate::error::{codes, AppError, AppResult};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionInput {
    pub enterprise_id: Uuid,
    pub checklist_code: String,
    pub checklist_version: i32,
    /// As the phone's clock recorded it.
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    #[serde(default)]
    pub answers: Vec<Answer>,
    /// The phone's revision of this draft, raised with every edit: an
    /// older revision than the stored one is refused (409 `stale_revision`
    /// with the stored record), the same one is a replay. Not part of the
    /// content compared for replays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub revision: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnswerView {
    #[serde(flatten)]
    pub answer: Answer,
    /// The measured value is outside the item's limits (counted as failed).
    pub out_of_range: bool,
    pub failed: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChecklistRef {
    pub id: Uuid,
    pub code: String,
    pub version: i32,
    pub title_zh: String,
    pub title_en: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub kind: InspectionKind,
    pub state: InspectionState,
    pub checklist: ChecklistRef,
    pub inspector_id: Uuid,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub answers: Vec<AnswerView>,
    /// When the server first received this inspection.
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The draft revision the phone last sent (0: none).
    pub revision: i64,
    /// Findings made on submit (empty for drafts).
    pub findings: Vec<FindingView>,
}

fn not_found() -> AppError {
    AppError::not_found("检查记录 inspection")
}

pub(crate) fn view(
    c: &mut DbConn,
    row: InspectionRow,
    with_findings: bool,
) -> AppResult<InspectionView> {
    let trow = db::checklists::find(c, row.template_id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("template missing")))?;
    let t = parse_row(&trow)?;
    let answers: Vec<Answer> = serde_json::from_str(&row.answers).map_err(AppError::internal)?;
    let answers = answers
        .into_iter()
        .map(|a| {
            let (out_of_range, failed) = t
                .item(&a.item_code)
                .map(|it| {
                    let o = rules::outcome(it, &a);
                    (o.out_of_range, o.failed)
                })
                .unwrap_or((false, false));
            AnswerView {
                answer: a,
                out_of_range,
                failed,
            }
        })
        .collect();
    let findings = if with_findings && row.state == InspectionState::Submitted {
        super::findings::of_inspection(c, row.id.0)?
    } else {
        Vec::new()
    };
    Ok(InspectionView {
        id: row.id.0,
        enterprise_id: row.enterprise_id.0,
        kind: row.kind,
        state: row.state,
        checklist: ChecklistRef {
            id: trow.id.0,
            code: t.code,
            version: t.version,
            title_zh: t.title_zh,
            title_en: t.title_en,
        },
        inspector_id: row.inspector_id.0,
        started_at: row.started_at.map(|t| t.and_utc()),
        finished_at: row.finished_at.map(|t| t.and_utc()),
        lat: row.lat,
        lon: row.lon,
        accuracy_m: row.accuracy_m,
        answers,
        received_at: row.received_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        submitted_at: row.submitted_at.map(|t| t.and_utc()),
        revision: row.revision,
        findings,
    })
}

fn check_input(input: &InspectionInput, t: &Template) -> FieldErrors {
    let mut e = rules::check_answers(t, &input.answers);
    validate_location(input.lat, input.lon, &mut e);
    if input
        .accuracy_m
        .is_some_and(|a| !(0.0..=100_000.0).contains(&a))
    {
        e.add(
            "accuracy_m",
            "定位精度应为0到100000米 / accuracy_m must be 0..100000",
        );
    }
    for (field, t) in [
        ("started_at", input.started_at),
        ("finished_at", input.finished_at),
    ] {
        if super::pagination::check_time(field, t).is_err() {
            e.add(
                field,
                "时间超出范围（1970–9999年） / time out of range (years 1970–9999)",
            );
        }
    }
    if let (Some(s), Some(f)) = (input.started_at, input.finished_at) {
        if f < s {
            e.add(
                "finished_at",
                "结束时间早于开始时间 / finished_at is before started_at",
            );
        }
    }
    e
}

fn already_submitted() -> AppError {
    AppError::conflict(
        codes::INSPECTION_ALREADY_SUBMITTED,
        "检查已提交，内容不能再更改 / the inspection was submitted and cannot change",
    )
}

/// What a PUT may do to the stored inspection: `Ok(true)` when the body is
/// the stored one (a phone's retry), `Ok(false)` when it may change it.
fn check_existing(who: &Principal, cur: &InspectionRow, hash: &str) -> AppResult<bool> {
    if !who.can_see_enterprise(cur.enterprise_id.0) {
        return Err(not_found());
    }
    if cur.inspector_id.0 != who.user_id {
        return Err(AppError::forbidden(
            "只能修改自己的检查草稿 / only the inspector who made it may change it",
        ));
    }
    if cur.body_hash == hash {
        return Ok(true);
    }
    if cur.state == InspectionState::Submitted {
        return Err(already_submitted());
    }
    Ok(false)
}

/// The enterprise and the pinned checklist version exist, the answers fit
/// it, and the photos are the caller's to use (then linked to the enterprise).
fn check_draft(c: &mut DbConn, who: &Principal, input: &InspectionInput) -> AppResult<TemplateRow> {
    if !who.can_see_enterprise(input.enterprise_id)
        || db::enterprises::find(c, DbUuid(input.enterprise_id))?.is_none()
    {
        return Err(AppError::field(
            "enterprise_id",
            "企业不存在 / enterprise not found",
        ));
    }
    let (code, version) = (&input.checklist_code, input.checklist_version);
    let trow = db::checklists::find_version(c, code, version)?.ok_or_else(|| {
        AppError::field(
            "checklist_version",
            format!("检查表{code}没有第{version}版 / no checklist {code} v{version}"),
        )
    })?;
    let t = parse_row(&trow)?;
    check_input(input, &t)
        .finish()
        .map_err(AppError::validation)?;
    let mut photos = Evidence::new();
    for (i, a) in input.answers.iter().enumerate() {
        photos.add_photos(format!("answers[{i}].photo_ids"), &a.photo_ids);
    }
    evidence::attach(c, who, &photos, Some(input.enterprise_id))?;
    Ok(trow)
}

fn draft_row(
    id: Uuid,
    who: &Principal,
    input: &InspectionInput,
    trow: &TemplateRow,
    hash: String,
    revision: i64,
) -> AppResult<InspectionRow> {
    let now = time::now().naive_utc();
    Ok(InspectionRow {
        id: DbUuid(id),
        enterprise_id: DbUuid(input.enterprise_id),
        template_id: trow.id,
        inspector_id: DbUuid(who.user_id),
        kind: InspectionKind::of_runner(who.role),
        state: InspectionState::Draft,
        started_at: input.started_at.map(|t| time::normalise(t).naive_utc()),
        finished_at: input.finished_at.map(|t| time::normalise(t).naive_utc()),
        lat: input.lat,
        lon: input.lon,
        accuracy_m: input.accuracy_m,
        answers: serde_json::to_string(&input.answers).map_err(AppError::internal)?,
        body_hash: hash,
        received_at: now,
        updated_at: now,
        submitted_at: None,
        revision,
    })
}

/// `PUT /inspections/{id}`: create or update a draft; a replay answers
/// the stored record. Answers (created?, record).
pub async fn put(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
    input: InspectionInput,
) -> AppResult<(bool, InspectionView)> {
    who.require(Role::runs_inspections)?;
    let who = who.clone();
    let revision = input.revision;
    if revision.is_some_and(|r| r < 0) {
        return Err(AppError::field(
            "revision",
            "修订号不能为负 / revision must be ≥ 0",
        ));
    }
    let hash = body_hash(&InspectionInput {
        revision: None,
        ..input.clone()
    });
    let created = super::retry_once_on_duplicate(ctx, move |c| {
        let existing = db::inspections::find(c, DbUuid(id))?;
        if let Some(cur) = &existing {
            if check_existing(&who, cur, &hash)? {
                return Ok(false); // a phone's retry
            }
            if revision.is_some_and(|r| r <= cur.revision) {
                return Err(super::stale_revision(&view(c, cur.clone(), true)?));
            }
        }
        let trow = check_draft(c, &who, &input)?;
        // Sent without a revision: the stored one stays.
        let rev = revision.unwrap_or(existing.as_ref().map_or(0, |cur| cur.revision));
        let row = draft_row(id, &who, &input, &trow, hash.clone(), rev)?;
        match existing {
            // A submit, or a newer revision, won the race since we read the draft.
            Some(_) if db::inspections::update_draft(c, &row, revision)? == 0 => {
                let now = db::inspections::find(c, DbUuid(id))?.ok_or_else(not_found)?;
                match now.state {
                    InspectionState::Submitted => Err(already_submitted()),
                    _ => Err(super::stale_revision(&view(c, now, true)?)),
                }
            }
            Some(_) => Ok(false),
            None => {
                db::inspections::insert(c, &row)?;
                Ok(true)
            }
        }
    })
    .await?;
    let row_view = ctx
        .db
        .run(move |c| {
            let row = db::inspections::find(c, DbUuid(id))?.ok_or_else(not_found)?;
            view(c, row, true)
        })
        .await?;
    Ok((created, row_view))
}

fn finding_description(o: &rules::Outcome) -> String {
    let mut d = o.item.text_zh.clone();
    d.insert_str(0, "检查项不合格：");
    if o.out_of_range {
        if let Some(v) = o.answer.value.as_ref().and_then(|v| v.as_f64()) {
            let unit = o.item.unit.as_deref().unwrap_or("");
            let limits = match (o.item.min, o.item.max) {
                (Some(a), Some(b)) => format!("{a}–{b}{unit}"),
                (Some(a), None) => format!("≥{a}{unit}"),
                (None, Some(b)) => format!("≤{b}{unit}"),
                (None, None) => String::new(),
            };
            d.push_str(&format!("。实测{v}{unit}，超出限值{limits}"));
        }
    }
    if o.item.response == ResponseType::Text {
        if let Some(s) = o.answer.value.as_ref().and_then(|v| v.as_str()) {
            d.push_str(&format!("。记录：{s}"));
        }
    }
    if let Some(n) = o.answer.note.as_deref().filter(|n| !n.trim().is_empty()) {
        d.push_str(&format!("。检查员备注：{}", n.trim()));
    }
    d
}

/// The finding a failed answer becomes.
fn finding_of_failure(
    row: &InspectionRow,
    trow: &TemplateRow,
    t: &Template,
    o: &rules::Outcome,
) -> NewFinding {
    let source = row.kind.finding_source();
    let mut f = NewFinding::new(source, t.category, o.level, row.inspector_id.0);
    f.enterprise_id = Some(row.enterprise_id.0);
    f.description = finding_description(o);
    f.location_text = o
        .answer
        .location_text
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    f.lat = row.lat;
    f.lon = row.lon;
    f.photo_ids = o.answer.photo_ids.clone();
    f.inspection_id = Some(row.id.0);
    f.item_code = Some(o.item.code.clone());
    f.template_id = Some(trow.id.0);
    f.regulatory_basis = o.item.basis.clone();
    f.major_criterion = o.major_criterion.map(str::to_string);
    f
}

/// `POST /inspections/{id}/submit`: completeness check, then findings.
pub async fn submit(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<InspectionView> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                let row = db::inspections::find(c, DbUuid(id))?
                    .filter(|r| who.can_see_enterprise(r.enterprise_id.0))
                    .ok_or_else(not_found)?;
                who.require(Role::runs_inspections)?;
                if row.inspector_id.0 != who.user_id {
                    return Err(AppError::forbidden(
                        "只能提交自己的检查 / only the inspector who made it may submit it",
                    ));
                }
                if row.state == InspectionState::Submitted {
                    return Ok(()); // a retried submit
                }
                let trow = db::checklists::find(c, row.template_id)?
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("template missing")))?;
                let t = parse_row(&trow)?;
                let answers: Vec<Answer> =
                    serde_json::from_str(&row.answers).map_err(AppError::internal)?;
                let missing = rules::check_complete(&t, &answers);
                if !missing.is_empty() {
                    return Err(AppError::Validation(missing));
                }
                let now = time::now().naive_utc();
                if db::inspections::mark_submitted(c, row.id, now)? == 0 {
                    return Ok(());
                }
                // The same case already open from this visit (another
                // template run at the same enterprise) is not recorded twice.
                let visit = db::findings::list(
                    c,
                    &db::findings::FindingFilter {
                        enterprise_id: Some(row.enterprise_id),
                        from: Some(now - chrono::Duration::hours(rules::SAME_VISIT_HOURS)),
                        limit: 10_000,
                        ..Default::default()
                    },
                )?;
                let open: Vec<_> = visit
                    .iter()
                    .filter(|f| f.inspection_id.is_some())
                    .filter(|f| matches!(f.status, FindingStatus::Open | FindingStatus::InOrder))
                    .collect();
                for o in rules::failures(&t, &answers) {
                    if open.iter().any(|f| {
                        rules::same_case(
                            o.item,
                            f.item_code.as_deref(),
                            f.major_criterion.as_deref(),
                        )
                    }) {
                        continue;
                    }
                    let f = finding_of_failure(&row, &trow, &t, &o);
                    let told = self_check::reported_to_park(f.source, f.level);
                    let id = record(c, f, now)?;
                    if told {
                        crate::service::notify::major_self_reported(c, id)?;
                    }
                }
                Ok(())
            })?;
            let row = db::inspections::find(c, DbUuid(id))?.ok_or_else(not_found)?;
            view(c, row, true)
        })
        .await
}

pub async fn get(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<InspectionView> {
    let who = who.clone();
    ctx.db
        .run(move |c| {
            let row = db::inspections::find(c, DbUuid(id))?
                .filter(|r| who.can_see_enterprise(r.enterprise_id.0))
                .ok_or_else(not_found)?;
            view(c, row, true)
        })
        .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InspectionQuery {
    pub enterprise_id: Option<Uuid>,
    pub inspector_id: Option<Uuid>,
    pub checklist_code: Option<String>,
    pub state: Option<InspectionState>,
    /// Received at or after (RFC 3339).
    pub received_from: Option<DateTime<Utc>>,
    /// Received before (RFC 3339).
    pub received_to: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub async fn list(
    ctx: &Ctx,
    who: &Principal,
    q: InspectionQuery,
) -> AppResult<Page<InspectionView>> {
    let limit = pagination::limit(q.limit)?;
    let before = pagination::decode_seek(q.cursor.as_deref())?;
    pagination::check_time("received_from", q.received_from)?;
    pagination::check_time("received_to", q.received_to)?;
    let scope = who.scope_filter();
    ctx.db
        .run(move |c| {
            let template_ids = match &q.checklist_code {
                Some(code) => Some(
                    db::checklists::all(c)?
                        .into_iter()
                        .filter(|t| &t.code == code)
                        .map(|t| t.id)
                        .collect::<Vec<_>>(),
                ),
                None => None,
            };
            let filter = InspectionFilter {
                only_enterprises: scope,
                enterprise_id: q.enterprise_id.map(DbUuid),
                inspector_id: q.inspector_id.map(DbUuid),
                template_ids,
                state: q.state,
                from: q.received_from.map(|t| t.naive_utc()),
                to: q.received_to.map(|t| t.naive_utc()),
                before: before.map(|(t, id)| (t, DbUuid(id))),
                limit: limit + 1,
            };
            let rows = db::inspections::list(c, &filter)?;
            let more = rows.len() as i64 > limit;
            let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
            let next_cursor = if more {
                rows.last()
                    .map(|r| pagination::encode_seek(r.received_at, r.id.0))
            } else {
                None
            };
            let items = rows
                .into_iter()
                .map(|r| view(c, r, false))
                .collect::<AppResult<Vec<_>>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}
