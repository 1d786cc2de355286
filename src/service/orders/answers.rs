//! The addressee's side of an order: 签收, progress, the governance plan,
//! the submission of the rectification with its evidence, and asking for
//! more time. Each command checks its body, changes the order in place and
//! answers the event it records.

use super::actions::Act;
use super::chain::EventBody;
use super::view::Plan;
use super::{future_date, optional_text, require_text, text_ok};
use crate::db::{
    self,
    findings::FindingRow,
    orders::{ExtensionRow, OrderRow},
    DbConn, DbUuid,
};
use crate::domain::checklist::HazardLevel;
use crate::domain::order::{self as rules, ExtensionRefusal, ExtensionStatus};
use crate::domain::{geo, FieldErrors};
use crate::error::{codes, AppError, AppResult};
use crate::service::evidence::Evidence;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    #[serde(default)]
    pub comment: String,
}

/// The enterprise's 整改责任人: who answers for the rectification.
#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponsiblePerson {
    pub name: String,
    pub phone: String,
}

/// 签收: a comment, and the enterprise's 整改责任人 (name and phone), who is
/// then shown on the order.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeBody {
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub responsible_person: Option<ResponsiblePerson>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressBody {
    pub comment: String,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
    /// Documents (检测报告 …) uploaded through `POST /documents`.
    #[serde(default)]
    pub document_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitItem {
    pub finding_id: Uuid,
    /// What was done (整改情况).
    pub description: String,
    /// At least one photo or document per item.
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
    #[serde(default)]
    pub document_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    #[serde(default)]
    pub comment: String,
    pub items: Vec<SubmitItem>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    pub requested_deadline: NaiveDate,
    pub reason: String,
}

pub(super) fn acknowledge(a: &mut Act, b: &AcknowledgeBody) -> AppResult<EventBody> {
    optional_text("comment", &b.comment, 4000)?;
    let Some(p) = &b.responsible_person else {
        return Ok(EventBody::new(&b.comment, json!({})));
    };
    let (name, phone) = (p.name.trim(), p.phone.trim());
    let mut errs = FieldErrors::new();
    if name.is_empty() || name.chars().count() > 50 {
        errs.add(
            "responsible_person.name",
            "整改责任人姓名须为1至50个字 / the name must be 1 to 50 characters",
        );
    }
    if !crate::domain::enterprise::plausible_phone(phone) {
        errs.add(
            "responsible_person.phone",
            "电话号码格式不正确（至少7位数字）/ a phone number: digits, spaces and + - ( ), at least 7 digits",
        );
    }
    errs.finish().map_err(AppError::validation)?;
    db::orders::set_responsible(a.c, a.row.id, name, phone)?;
    a.row.responsible_name = Some(name.to_string());
    a.row.responsible_phone = Some(phone.to_string());
    Ok(EventBody::new(
        &b.comment,
        json!({"responsible_person": {"name": name, "phone": phone}}),
    ))
}

pub(super) fn progress(a: &mut Act, b: &ProgressBody) -> AppResult<EventBody> {
    require_text("comment", &b.comment, 4000)?;
    a.attach(&Evidence::of("", &b.photo_ids, &b.document_ids))?;
    let data = with_documents(json!({}), &b.document_ids);
    Ok(EventBody::new(&b.comment, data).with_photos(b.photo_ids.clone()))
}

pub(super) fn save_plan(a: &mut Act, p: &Plan) -> AppResult<EventBody> {
    let mut e = FieldErrors::new();
    for (f, v) in [
        ("goal", &p.goal),
        ("measures", &p.measures),
        ("funds", &p.funds),
        ("responsible_people", &p.responsible_people),
        ("safety_measures", &p.safety_measures),
        ("contingency_plan", &p.contingency_plan),
    ] {
        if !text_ok(v, 4000) {
            e.add(
                f,
                "不能为空，且不超过4000字 / required, up to 4000 characters",
            );
        }
    }
    if future_date("time_limit", p.time_limit, a.today()).is_err() {
        e.add(
            "time_limit",
            "治理时限应在今天到十年之内 / time_limit must be between today and ten years ahead",
        );
    }
    e.finish().map_err(AppError::validation)?;
    a.row.plan = Some(serde_json::to_string(p).map_err(AppError::internal)?);
    Ok(EventBody::new("", json!({ "plan": p })))
}

/// Every finding of the order answered once, each item about one of them.
fn check_items(findings: &[FindingRow], items: &[SubmitItem]) -> AppResult<()> {
    let mut e = FieldErrors::new();
    for (i, it) in items.iter().enumerate() {
        if !findings.iter().any(|f| f.id.0 == it.finding_id) {
            e.add(
                format!("items[{i}].finding_id"),
                "不是本通知书的隐患 / not a finding of this order",
            );
        }
        if !text_ok(&it.description, 4000) {
            e.add(
                format!("items[{i}].description"),
                "须说明整改情况 / describe what was done",
            );
        }
    }
    for f in findings {
        if !items.iter().any(|it| it.finding_id == f.id.0) {
            let id = f.id.0;
            e.add(
                "items",
                format!("缺少隐患{id}的整改情况 / no item for finding {id}"),
            );
        }
    }
    e.finish().map_err(AppError::validation)
}

/// Flags on evidence photos for the verifier: taken before the order, or
/// far from the finding, or without a camera time at all.
fn evidence_flags(
    c: &mut DbConn,
    order: &OrderRow,
    finding: &FindingRow,
    photos: &[Uuid],
    max_distance_m: f64,
) -> AppResult<Value> {
    let ids: Vec<DbUuid> = photos.iter().copied().map(DbUuid).collect();
    let mut out = serde_json::Map::new();
    for p in db::photos::find_many(c, &ids)? {
        let mut flags = Vec::new();
        match (p.taken_at_source.as_deref(), p.taken_at) {
            (Some("exif"), Some(t)) if t < order.issued_at => flags.push("taken_before_order"),
            (Some("exif"), Some(_)) => {}
            _ => flags.push("no_camera_time"),
        }
        if let (Some("exif"), Some(lat), Some(lon), Some(flat), Some(flon)) = (
            p.location_source.as_deref(),
            p.lat,
            p.lon,
            finding.lat,
            finding.lon,
        ) {
            if geo::distance_m(lat, lon, flat, flon) > max_distance_m {
                flags.push("far_from_finding");
            }
        }
        if !flags.is_empty() {
            out.insert(p.id.0.to_string(), json!(flags));
        }
    }
    Ok(Value::Object(out))
}

/// `document_ids` kept in an event's data (when there are any).
pub(super) fn with_documents(mut data: Value, ids: &[Uuid]) -> Value {
    if !ids.is_empty() {
        data["document_ids"] = json!(ids);
    }
    data
}

/// Each submitted finding shows its rectification with at least one photo
/// or document (Work Safety Law art. 41: 如实记录; a closed case needs its proof).
fn require_evidence(items: &[SubmitItem]) -> AppResult<()> {
    let bare: Vec<String> = items
        .iter()
        .filter(|it| it.photo_ids.is_empty() && it.document_ids.is_empty())
        .map(|it| it.finding_id.to_string())
        .collect();
    if bare.is_empty() {
        return Ok(());
    }
    let list = bare.join(", ");
    Err(AppError::Unprocessable {
        code: codes::EVIDENCE_REQUIRED,
        detail: format!("隐患{list}的整改情况须附至少一张照片或一份文件 / finding {list} needs at least one photo or document as evidence"),
    })
}

/// Where the park's setting makes a photo the proof (`photo_required_categories`),
/// a document alone does not do.
fn require_photos(
    findings: &[FindingRow],
    items: &[SubmitItem],
    categories: &[crate::domain::checklist::Category],
) -> AppResult<()> {
    let bare: Vec<String> = items
        .iter()
        .filter(|it| it.photo_ids.is_empty())
        .filter(|it| {
            findings
                .iter()
                .any(|f| f.id.0 == it.finding_id && categories.contains(&f.category))
        })
        .map(|it| it.finding_id.to_string())
        .collect();
    if bare.is_empty() {
        return Ok(());
    }
    let list = bare.join(", ");
    Err(AppError::Unprocessable {
        code: codes::EVIDENCE_REQUIRED,
        detail: format!("隐患{list}的整改情况须附照片 / finding {list} needs a photo of the fix"),
    })
}

pub(super) fn submit(a: &mut Act, b: &SubmitBody) -> AppResult<EventBody> {
    optional_text("comment", &b.comment, 4000)?;
    if a.row.level == HazardLevel::Major && a.row.plan.is_none() {
        return Err(AppError::conflict(codes::GOVERNANCE_PLAN_REQUIRED, "重大隐患须先提交治理方案 / a major hazard needs its governance plan (PUT …/plan) before submit"));
    }
    let findings = db::orders::findings_of(a.c, a.row.id)?;
    check_items(&findings, &b.items)?;
    require_evidence(&b.items)?;
    let categories = a
        .settings
        .photo_required()
        .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    require_photos(&findings, &b.items, &categories)?;
    let mut refs = Evidence::new();
    for (i, it) in b.items.iter().enumerate() {
        refs.add(&format!("items[{i}]."), &it.photo_ids, &it.document_ids);
    }
    a.attach(&refs)?;
    let mut items = Vec::new();
    let mut all_photos = Vec::new();
    for (it, f) in b.items.iter().filter_map(|it| {
        findings
            .iter()
            .find(|f| f.id.0 == it.finding_id)
            .map(|f| (it, f))
    }) {
        let max = a.settings.evidence_max_distance_m;
        let flags = evidence_flags(a.c, a.row, f, &it.photo_ids, max)?;
        items.push(json!({"finding_id": it.finding_id, "description": it.description.trim(), "photo_ids": it.photo_ids, "document_ids": it.document_ids, "photo_flags": flags}));
        all_photos.extend(it.photo_ids.iter().copied());
    }
    a.row.submitted_at = Some(a.now.naive_utc());
    db::orders::clear_verification_late(a.c, a.row.id)?;
    Ok(EventBody::new(&b.comment, json!({ "items": items })).with_photos(all_photos))
}

pub(super) fn request_extension(a: &mut Act, b: &ExtensionBody) -> AppResult<EventBody> {
    require_text("reason", &b.reason, 2000)?;
    future_date("requested_deadline", b.requested_deadline, a.today())?;
    let pending = db::orders::extensions_of(a.c, a.row.id)?
        .iter()
        .any(|x| x.status == ExtensionStatus::Pending);
    match rules::check_extension_request(b.requested_deadline, a.row.effective_deadline, pending) {
        Err(ExtensionRefusal::NotLater) => {
            return Err(AppError::field(
                "requested_deadline",
                "延期后的期限须晚于当前期限 / must be after the current deadline",
            ))
        }
        Err(ExtensionRefusal::AlreadyPending) => {
            return Err(AppError::conflict(
                codes::EXTENSION_PENDING,
                "已有待审批的延期申请 / an extension request is already pending",
            ))
        }
        Ok(()) => {}
    }
    let xid = Uuid::now_v7();
    db::orders::insert_extension(
        a.c,
        &ExtensionRow {
            id: DbUuid(xid),
            order_id: a.row.id,
            requested_deadline: b.requested_deadline,
            reason: b.reason.trim().into(),
            status: ExtensionStatus::Pending,
            requested_by: DbUuid(a.who.user_id),
            requested_at: a.now.naive_utc(),
            decided_by: None,
            decided_at: None,
            decision_comment: None,
        },
    )?;
    let data = json!({"request_id": xid, "requested_deadline": b.requested_deadline});
    Ok(EventBody::new(&b.reason, data))
}
