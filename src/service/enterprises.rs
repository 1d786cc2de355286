//! The park's enterprise register.

use super::pagination::{self, Page};
use super::{Ctx, Principal};
use crate::db::{
    self,
    enterprises::{EnterpriseFilter, EnterpriseRow},
    DbConn, DbUuid,
};
use crate::domain::enterprise::{Contact, EnterpriseFields, EnterpriseInput};
use crate::domain::{time, Industry, Label, Role};
use crate::error::{codes, AppError, AppResult};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseView {
    pub id: Uuid,
    pub name: String,
    /// 统一社会信用代码 (GB 32100-2015).
    pub credit_code: String,
    /// The primary industry (the first of `industries`).
    pub industry: Industry,
    pub industry_label: Label,
    /// Every industry of the enterprise, the primary first: each calls for
    /// its checklist add-on.
    pub industries: Vec<Industry>,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub contacts: Vec<Contact>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnterprise {
    pub name: String,
    pub credit_code: String,
    /// Industry code (aluminium, glass_fibre, tobacco, food, cold_chain, gas_power, other).
    #[serde(default)]
    pub industry: Option<String>,
    /// Several industry codes; with `industry` too, that one is the primary.
    #[serde(default)]
    pub industries: Option<Vec<String>>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

/// Fields left out are unchanged; `lat`/`lon` set to null clear the location.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterprisePatch {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    /// Sets the primary industry (the others stay unless `industries` is given).
    pub industry: Option<String>,
    /// Replaces the set of industries.
    pub industries: Option<Vec<String>>,
    pub address: Option<String>,
    #[serde(default, deserialize_with = "crate::service::double_option")]
    #[schema(value_type = Option<f64>)]
    pub lat: Option<Option<f64>>,
    #[serde(default, deserialize_with = "crate::service::double_option")]
    #[schema(value_type = Option<f64>)]
    pub lon: Option<Option<f64>>,
    pub contacts: Option<Vec<Contact>>,
}

pub(crate) fn view(row: EnterpriseRow) -> AppResult<EnterpriseView> {
    let industry: Industry = row
        .industry
        .parse()
        .map_err(|e: String| AppError::internal(anyhow::anyhow!(e)))?;
    let contacts: Vec<Contact> = serde_json::from_str(&row.contacts).map_err(AppError::internal)?;
    let mut industries: Vec<Industry> =
        serde_json::from_str(&row.industries).map_err(AppError::internal)?;
    if industries.is_empty() {
        industries.push(industry);
    }
    Ok(EnterpriseView {
        id: row.id.0,
        name: row.name,
        credit_code: row.credit_code,
        industry,
        industry_label: (industry.label_zh(), industry.label_en()).into(),
        industries,
        address: row.address,
        lat: row.lat,
        lon: row.lon,
        contacts,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

pub(crate) fn to_row(
    id: Uuid,
    f: &EnterpriseFields,
    created: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> AppResult<EnterpriseRow> {
    Ok(EnterpriseRow {
        id: DbUuid(id),
        name: f.name.clone(),
        credit_code: f.credit_code.as_str().to_string(),
        industry: f.industry.as_str().to_string(),
        address: f.address.clone(),
        lat: f.lat,
        lon: f.lon,
        contacts: serde_json::to_string(&f.contacts).map_err(AppError::internal)?,
        created_at: created,
        updated_at: now,
        industries: serde_json::to_string(&f.industries).map_err(AppError::internal)?,
    })
}

fn duplicate_code(code: &str) -> AppError {
    AppError::conflict(
        codes::CREDIT_CODE_TAKEN,
        format!("统一社会信用代码{code}已登记 / credit code {code} is already registered"),
    )
}

/// Inserts, turning a credit-code clash into a clear 409.
pub(crate) fn insert_checked(c: &mut DbConn, row: &EnterpriseRow) -> AppResult<()> {
    if db::enterprises::find_by_credit_code(c, &row.credit_code)?.is_some() {
        return Err(duplicate_code(&row.credit_code));
    }
    db::enterprises::insert(c, row)?;
    Ok(())
}

pub async fn create(ctx: &Ctx, who: &Principal, input: NewEnterprise) -> AppResult<EnterpriseView> {
    who.require(Role::manages_enterprises)?;
    let fields = EnterpriseInput {
        name: Some(input.name),
        credit_code: Some(input.credit_code),
        industry: input.industry,
        industries: input.industries,
        address: input.address,
        lat: input.lat,
        lon: input.lon,
        contacts: input.contacts,
    }
    .validate()
    .map_err(AppError::validation)?;
    let now = time::now().naive_utc();
    let row = to_row(Uuid::now_v7(), &fields, now, now)?;
    ctx.db
        .run(move |c| {
            c.write_tx(|c| insert_checked(c, &row))?;
            view(row)
        })
        .await
}

pub async fn get(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<EnterpriseView> {
    // Out of scope answers exactly like "does not exist".
    if !who.can_see_enterprise(id) {
        return Err(AppError::not_found("企业 enterprise"));
    }
    ctx.db
        .run(move |c| {
            let row = db::enterprises::find(c, DbUuid(id))?
                .ok_or(AppError::not_found("企业 enterprise"))?;
            view(row)
        })
        .await
}

pub async fn update(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
    patch: EnterprisePatch,
) -> AppResult<EnterpriseView> {
    if !who.can_see_enterprise(id) {
        return Err(AppError::not_found("企业 enterprise"));
    }
    who.require(Role::manages_enterprises)?;
    ctx.db
        .run(move |c| {
            let row = c.write_tx(|c| {
                let cur = db::enterprises::find(c, DbUuid(id))?
                    .ok_or(AppError::not_found("企业 enterprise"))?;
                let cur_view = view(cur.clone())?;
                let fields = EnterpriseInput {
                    name: Some(patch.name.unwrap_or(cur_view.name)),
                    credit_code: Some(patch.credit_code.unwrap_or(cur_view.credit_code)),
                    industry: match (&patch.industry, &patch.industries) {
                        (Some(i), _) => Some(i.clone()),
                        (None, Some(_)) => None,
                        (None, None) => Some(cur_view.industry.as_str().to_string()),
                    },
                    industries: Some(patch.industries.unwrap_or_else(|| {
                        cur_view
                            .industries
                            .iter()
                            .map(|i| i.as_str().to_string())
                            .collect()
                    })),
                    address: Some(patch.address.unwrap_or(cur_view.address)),
                    lat: patch.lat.unwrap_or(cur_view.lat),
                    lon: patch.lon.unwrap_or(cur_view.lon),
                    contacts: patch.contacts.unwrap_or(cur_view.contacts),
                }
                .validate()
                .map_err(AppError::validation)?;
                let row = to_row(id, &fields, cur.created_at, time::now().naive_utc())?;
                if row.credit_code != cur.credit_code
                    && db::enterprises::find_by_credit_code(c, &row.credit_code)?.is_some()
                {
                    return Err(duplicate_code(&row.credit_code));
                }
                db::enterprises::replace(c, &row)?;
                Ok(row)
            })?;
            view(row)
        })
        .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseQuery {
    /// Enterprises having this industry (primary or not).
    pub industry: Option<Industry>,
    /// Part of the name or credit code.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub async fn list(
    ctx: &Ctx,
    who: &Principal,
    q: EnterpriseQuery,
) -> AppResult<Page<EnterpriseView>> {
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?;
    let only = who
        .enterprise_filter()
        .map(|ids| ids.into_iter().map(DbUuid).collect());
    let filter = EnterpriseFilter {
        only,
        industry: q.industry.map(|i| i.as_str().to_string()),
        q: pagination::search_text(q.q)?,
        after: after.map(DbUuid),
        limit: limit + 1,
    };
    ctx.db
        .run(move |c| {
            let rows = db::enterprises::list(c, &filter)?;
            let views = rows.into_iter().map(view).collect::<AppResult<Vec<_>>>()?;
            Ok(pagination::page_of(views, limit, |v| v.id, |v| v))
        })
        .await
}
