//! 登记簿: the enterprise register (safety office, admin) and the accounts
//! (admin), each a list with a search and a form to add one, over the same
//! `service` calls as `/api/v1/enterprises` and `/api/v1/users`.

use super::chrome::{Chrome, Lang};
use super::env_audits::{read_upload, row_error, RowError};
use super::pages::{html, see_other, PageResult, Pairs};
use super::refusal::{shown_in_form, Refusal};
use super::session::{ConsoleError, OrPage, Session};
use crate::domain::enterprise::Contact;
use crate::domain::{Industry, Role};
use crate::error::AppError;
use crate::service::enterprise_import;
use crate::service::enterprises::{self, EnterpriseQuery, NewEnterprise};
use crate::service::users::{self, NewUser, UserQuery};
use crate::service::Ctx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

fn label(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

struct EnterpriseRow {
    id: Uuid,
    name: String,
    credit_code: String,
    industry: &'static str,
    address: String,
    contacts: String,
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct EnterprisesPage {
    c: Chrome,
    rows: Vec<EnterpriseRow>,
    q: String,
    industries: Vec<(&'static str, &'static str)>,
    more: Option<String>,
    /// After a CSV import: its counts, or its refused rows.
    imported: String,
    import_errors: Vec<RowError>,
    /// The add form, refused.
    refusal: Option<Refusal>,
}

/// The refused-form helpers every register page offers its template.
macro_rules! refusal_methods {
    ($page:ty) => {
        impl $page {
            fn refused(&self, form: &str) -> String {
                Refusal::box_for(self.refusal.as_ref(), form)
            }
            fn fe(&self, form: &str, field: &str) -> String {
                Refusal::field_for(self.refusal.as_ref(), form, field)
            }
            // The edit pages put typed values into their own fields instead.
            #[allow(dead_code)]
            fn v(&self, form: &str, name: &str) -> &str {
                Refusal::value_for(self.refusal.as_ref(), form, name)
            }
        }
    };
}
refusal_methods!(EnterprisesPage);

/// A urlencoded form as name → value (the last of a repeated name).
fn form_values(body: &[u8]) -> HashMap<String, String> {
    Pairs::of(body).into_map()
}

#[derive(Deserialize)]
pub struct ListParams {
    q: Option<String>,
    cursor: Option<String>,
    created: Option<usize>,
    updated: Option<usize>,
    unchanged: Option<usize>,
}

/// `GET /registers/enterprises`.
pub async fn enterprises_page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    p: web::Query<ListParams>,
) -> PageResult {
    let page = register(&ctx, &req, &s, p.into_inner(), Vec::new()).await?;
    Ok(html(StatusCode::OK, &page))
}

/// The register page: a page of enterprises, and an import's outcome.
async fn register(
    ctx: &Ctx,
    req: &HttpRequest,
    s: &Session,
    p: ListParams,
    import_errors: Vec<RowError>,
) -> Result<EnterprisesPage, ConsoleError> {
    s.who.require(Role::manages_enterprises).page(req)?;
    let lang = Lang::of(req);
    let imported = match (p.created, p.updated, p.unchanged) {
        (Some(c), u, n) => format!(
            "{}：{} {c} · {} {} · {} {}",
            lang.t("imported"),
            lang.t("created_n"),
            lang.t("updated_n"),
            u.unwrap_or(0),
            lang.t("unchanged_n"),
            n.unwrap_or(0)
        ),
        _ => String::new(),
    };
    let text = p.q.unwrap_or_default().trim().to_string();
    let query = EnterpriseQuery {
        q: Some(text.clone()).filter(|t| !t.is_empty()),
        cursor: p.cursor,
        limit: Some(50),
        ..Default::default()
    };
    let page = enterprises::list(ctx, &s.who, query).await.page(req)?;
    let rows = page
        .items
        .into_iter()
        .map(|e| EnterpriseRow {
            industry: label(lang, e.industry.label_zh(), e.industry.label_en()),
            contacts: e
                .contacts
                .iter()
                .map(|k| {
                    [
                        Some(k.name.as_str()),
                        k.phone.as_deref(),
                        k.email.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
                })
                .collect::<Vec<_>>()
                .join("；"),
            id: e.id,
            name: e.name,
            credit_code: e.credit_code,
            address: e.address,
        })
        .collect();
    let more = page.next_cursor.map(|cur| {
        format!(
            "/registers/enterprises?q={}&cursor={cur}",
            super::chrome::url_encode(&text)
        )
    });
    Ok(EnterprisesPage {
        c: Chrome::new(req, Some(s)),
        rows,
        q: text,
        industries: Industry::ALL
            .iter()
            .map(|i| (i.as_str(), label(lang, i.label_zh(), i.label_en())))
            .collect(),
        more,
        imported,
        import_errors,
        refusal: None,
    })
}

/// The largest enterprise list a form may send.
const MAX_CSV_BYTES: usize = 10 * 1024 * 1024;

/// `POST /registers/enterprises/import`: 批量导入 from CSV, all or nothing;
/// refused rows come back as a table on the register page.
pub async fn import_enterprises(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    payload: web::Payload,
) -> PageResult {
    s.who.require(Role::manages_enterprises).page(&req)?;
    let (bytes, _) = read_upload(&req, &s, payload, "csv", MAX_CSV_BYTES).await?;
    let none = || ListParams {
        q: None,
        cursor: None,
        created: None,
        updated: None,
        unchanged: None,
    };
    match enterprise_import::import_csv_as(&ctx, &s.who, bytes).await {
        Ok(r) => Ok(see_other(&format!(
            "/registers/enterprises?created={}&updated={}&unchanged={}",
            r.created, r.updated, r.unchanged
        ))),
        Err(AppError::Validation(errs)) => {
            let errors = errs
                .into_iter()
                .map(|e| row_error(&e.field, e.message))
                .collect();
            let page = register(&ctx, &req, &s, none(), errors).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}

#[derive(Deserialize)]
pub struct EnterpriseForm {
    csrf: String,
    name: String,
    credit_code: String,
    industry: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    contact_email: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|t| !t.is_empty())
}

fn coordinate(field: &str, s: &str) -> Result<Option<f64>, AppError> {
    match some(s) {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| AppError::field(field, "请填写数字 / enter a number")),
    }
}

/// `POST /registers/enterprises`: 登记企业, then back to the register.
pub async fn create_enterprise(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    body: web::Bytes,
) -> PageResult {
    let f: EnterpriseForm = serde_urlencoded::from_bytes(&body).map_err(|e| {
        ConsoleError::app(
            AppError::bad_request(crate::error::codes::BAD_BODY, e.to_string()),
            &req,
        )
    })?;
    s.check_csrf(&req, &f.csrf)?;
    let input = (|| {
        let contacts = match some(&f.contact_name) {
            Some(name) => vec![Contact {
                name,
                title: None,
                phone: some(&f.contact_phone),
                email: some(&f.contact_email),
            }],
            None => Vec::new(),
        };
        Ok::<_, AppError>(NewEnterprise {
            name: f.name.trim().to_string(),
            credit_code: f.credit_code.trim().to_string(),
            industry: some(&f.industry),
            industries: None,
            address: some(&f.address),
            lat: coordinate("lat", &f.lat)?,
            lon: coordinate("lon", &f.lon)?,
            contacts,
        })
    })();
    let done = match input {
        Ok(input) => enterprises::create(&ctx, &s.who, input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(see_other("/registers/enterprises")),
        Err(e) if shown_in_form(&e) => {
            let none = ListParams {
                q: None,
                cursor: None,
                created: None,
                updated: None,
                unchanged: None,
            };
            let mut page = register(&ctx, &req, &s, none, Vec::new()).await?;
            let form = "add-enterprise";
            page.refusal = Some(Refusal::of(Lang::of(&req), form, &e, form_values(&body)));
            Ok(Refusal::respond(html(Refusal::status(&e), &page), form))
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}

struct UserRow {
    id: Uuid,
    username: String,
    display_name: String,
    role: &'static str,
    enterprise: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    rows: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    /// Enterprises to bind an enterprise account to: (id, name).
    enterprises: Vec<(Uuid, String)>,
    more: Option<String>,
    refusal: Option<Refusal>,
}
refusal_methods!(UsersPage);

#[derive(Deserialize)]
pub struct UserParams {
    cursor: Option<String>,
}

/// `GET /registers/users` (admin).
pub async fn users_page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    p: web::Query<UserParams>,
) -> PageResult {
    let page = accounts(&ctx, &req, &s, p.into_inner().cursor).await?;
    Ok(html(StatusCode::OK, &page))
}

async fn accounts(
    ctx: &Ctx,
    req: &HttpRequest,
    s: &Session,
    cursor: Option<String>,
) -> Result<UsersPage, ConsoleError> {
    s.who.require(Role::manages_users).page(req)?;
    let lang = Lang::of(req);
    let query = UserQuery {
        cursor,
        limit: Some(50),
        ..Default::default()
    };
    let page = users::list(ctx, &s.who, query).await.page(req)?;
    let all = EnterpriseQuery {
        limit: Some(crate::service::pagination::MAX_LIMIT),
        ..Default::default()
    };
    let ents = enterprises::list(ctx, &s.who, all).await.page(req)?.items;
    let name_of = |id: Option<Uuid>| {
        id.and_then(|id| ents.iter().find(|e| e.id == id))
            .map(|e| e.name.clone())
            .unwrap_or_default()
    };
    let rows = page
        .items
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            enterprise: name_of(u.enterprise_id),
            role: label(lang, u.role.label_zh(), u.role.as_str()),
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled,
        })
        .collect();
    let more = page
        .next_cursor
        .map(|cur| format!("/registers/users?cursor={cur}"));
    Ok(UsersPage {
        c: Chrome::new(req, Some(s)),
        rows,
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), label(lang, r.label_zh(), r.as_str())))
            .collect(),
        enterprises: ents.iter().map(|e| (e.id, e.name.clone())).collect(),
        more,
        refusal: None,
    })
}

#[derive(Deserialize)]
pub struct UserForm {
    csrf: String,
    username: String,
    password: String,
    role: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    enterprise_id: String,
}

/// `POST /registers/users` (admin): 添加账号, then back to the list.
pub async fn create_user(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    body: web::Bytes,
) -> PageResult {
    let f: UserForm = serde_urlencoded::from_bytes(&body).map_err(|e| {
        ConsoleError::app(
            AppError::bad_request(crate::error::codes::BAD_BODY, e.to_string()),
            &req,
        )
    })?;
    s.check_csrf(&req, &f.csrf)?;
    let input = (|| {
        let role = Role::parse(&f.role)
            .ok_or_else(|| AppError::field("role", "请选择角色 / choose a role"))?;
        let enterprise_id = match some(&f.enterprise_id) {
            Some(e) => Some(
                e.parse()
                    .map_err(|_| AppError::field("enterprise_id", "无效 / invalid"))?,
            ),
            None => None,
        };
        Ok::<_, AppError>(NewUser {
            username: f.username.trim().to_string(),
            password: f.password,
            role,
            display_name: some(&f.display_name),
            enterprise_id,
            assigned_enterprise_ids: Vec::new(),
        })
    })();
    let done = match input {
        Ok(input) => users::create(&ctx, Some(&s.who), input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(see_other("/registers/users")),
        Err(e) if shown_in_form(&e) => {
            let mut page = accounts(&ctx, &req, &s, None).await?;
            let form = "add-user";
            page.refusal = Some(Refusal::of(Lang::of(&req), form, &e, form_values(&body)));
            Ok(Refusal::respond(html(Refusal::status(&e), &page), form))
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}

struct Assignable {
    id: Uuid,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    c: Chrome,
    id: Uuid,
    username: String,
    display_name: String,
    role: &'static str,
    enterprise: String,
    disabled: bool,
    third_party: bool,
    enterprises: Vec<Assignable>,
    refusal: Option<Refusal>,
}
refusal_methods!(UserPage);

fn user_id(req: &HttpRequest, s: &str) -> Result<Uuid, ConsoleError> {
    s.parse()
        .map_err(|_| ConsoleError::app(AppError::not_found("账号 user"), req))
}

/// `GET /registers/users/{id}` (admin): 编辑账号 — name, disable, reset the
/// password, a third-party agency's enterprises.
pub async fn user_page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
) -> PageResult {
    let id = user_id(&req, &path)?;
    let page = account(&ctx, &req, &s, id).await?;
    Ok(html(StatusCode::OK, &page))
}

async fn account(
    ctx: &Ctx,
    req: &HttpRequest,
    s: &Session,
    id: Uuid,
) -> Result<UserPage, ConsoleError> {
    s.who.require(Role::manages_users).page(req)?;
    let lang = Lang::of(req);
    let u = users::get(ctx, &s.who, id).await.page(req)?;
    let all = EnterpriseQuery {
        limit: Some(crate::service::pagination::MAX_LIMIT),
        ..Default::default()
    };
    let ents = enterprises::list(ctx, &s.who, all).await.page(req)?.items;
    Ok(UserPage {
        c: Chrome::new(req, Some(s)),
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role: label(lang, u.role.label_zh(), u.role.as_str()),
        enterprise: u
            .enterprise_id
            .and_then(|e| ents.iter().find(|x| x.id == e))
            .map(|e| e.name.clone())
            .unwrap_or_default(),
        disabled: u.disabled,
        third_party: u.role == Role::ThirdParty,
        enterprises: ents
            .iter()
            .map(|e| Assignable {
                id: e.id,
                name: e.name.clone(),
                selected: u.assigned_enterprise_ids.contains(&e.id),
            })
            .collect(),
        refusal: None,
    })
}

/// `POST /registers/users/{id}` (admin): the edit form, then back to the list.
pub async fn update_user(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> PageResult {
    let id = user_id(&req, &path)?;
    let pairs = Pairs::parse(&req, &body)?;
    let get = |k: &str| pairs.get(k);
    s.check_csrf(&req, &get("csrf"))?;
    s.who.require(Role::manages_users).page(&req)?;
    let u = users::get(&ctx, &s.who, id).await.page(&req)?;
    let assigned = (u.role == Role::ThirdParty).then(|| {
        pairs
            .all("assigned")
            .filter_map(|v| v.parse().ok())
            .collect()
    });
    let patch = users::UserPatch {
        display_name: Some(get("display_name").trim().to_string()),
        role: None,
        enterprise_id: None,
        disabled: Some(get("disabled") == "true"),
        // As typed: a password is never trimmed.
        password: Some(get("password")).filter(|p| !p.is_empty()),
        assigned_enterprise_ids: assigned,
    };
    match users::update(&ctx, Some(&s.who), id, patch).await {
        Ok(_) => Ok(see_other("/registers/users")),
        Err(e) if shown_in_form(&e) => {
            let mut page = account(&ctx, &req, &s, id).await?;
            page.display_name = get("display_name");
            let form = "edit-user";
            page.refusal = Some(Refusal::of(Lang::of(&req), form, &e, form_values(&body)));
            Ok(Refusal::respond(html(Refusal::status(&e), &page), form))
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}

struct IndustryChoice {
    code: &'static str,
    label: &'static str,
    primary: bool,
    other: bool,
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct EnterprisePage {
    c: Chrome,
    id: Uuid,
    name: String,
    credit_code: String,
    industries: Vec<IndustryChoice>,
    address: String,
    lat: String,
    lon: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    refusal: Option<Refusal>,
}
refusal_methods!(EnterprisePage);

fn enterprise_id(req: &HttpRequest, s: &str) -> Result<Uuid, ConsoleError> {
    s.parse()
        .map_err(|_| ConsoleError::app(AppError::not_found("企业 enterprise"), req))
}

/// `GET /registers/enterprises/{id}`: 编辑企业 — name, industries, address,
/// position and the contact who receives its orders.
pub async fn enterprise_page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
) -> PageResult {
    let id = enterprise_id(&req, &path)?;
    let page = enterprise_form(&ctx, &req, &s, id).await?;
    Ok(html(StatusCode::OK, &page))
}

async fn enterprise_form(
    ctx: &Ctx,
    req: &HttpRequest,
    s: &Session,
    id: Uuid,
) -> Result<EnterprisePage, ConsoleError> {
    s.who.require(Role::manages_enterprises).page(req)?;
    let lang = Lang::of(req);
    let e = enterprises::get(ctx, &s.who, id).await.page(req)?;
    let first = e.contacts.first();
    Ok(EnterprisePage {
        c: Chrome::new(req, Some(s)),
        id: e.id,
        industries: Industry::ALL
            .iter()
            .map(|i| IndustryChoice {
                code: i.as_str(),
                label: label(lang, i.label_zh(), i.label_en()),
                primary: *i == e.industry,
                other: *i != e.industry && e.industries.contains(i),
            })
            .collect(),
        address: e.address,
        lat: e.lat.map(|v| v.to_string()).unwrap_or_default(),
        lon: e.lon.map(|v| v.to_string()).unwrap_or_default(),
        contact_name: first.map(|k| k.name.clone()).unwrap_or_default(),
        contact_phone: first.and_then(|k| k.phone.clone()).unwrap_or_default(),
        contact_email: first.and_then(|k| k.email.clone()).unwrap_or_default(),
        name: e.name,
        credit_code: e.credit_code,
        refusal: None,
    })
}

/// `POST /registers/enterprises/{id}`: the edit form, then the register.
/// The first contact is the form's; any others stay as they were.
pub async fn update_enterprise(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> PageResult {
    let id = enterprise_id(&req, &path)?;
    let pairs = Pairs::parse(&req, &body)?;
    let get = |k: &str| pairs.get(k);
    s.check_csrf(&req, &get("csrf"))?;
    s.who.require(Role::manages_enterprises).page(&req)?;
    let cur = enterprises::get(&ctx, &s.who, id).await.page(&req)?;
    let primary = get("industry");
    let mut industries = vec![primary.clone()];
    for v in pairs.all("also") {
        if !industries.iter().any(|i| i == v) {
            industries.push(v.to_string());
        }
    }
    let mut contacts: Vec<Contact> = cur.contacts.into_iter().skip(1).collect();
    if let Some(name) = some(&get("contact_name")) {
        contacts.insert(
            0,
            Contact {
                name,
                title: None,
                phone: some(&get("contact_phone")),
                email: some(&get("contact_email")),
            },
        );
    }
    let patch = (|| {
        Ok::<_, AppError>(enterprises::EnterprisePatch {
            name: Some(get("name").trim().to_string()),
            credit_code: None,
            industry: None,
            industries: Some(industries),
            address: Some(get("address").trim().to_string()),
            lat: Some(coordinate("lat", &get("lat"))?),
            lon: Some(coordinate("lon", &get("lon"))?),
            contacts: Some(contacts),
        })
    })();
    let done = match patch {
        Ok(patch) => enterprises::update(&ctx, &s.who, id, patch)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(see_other("/registers/enterprises")),
        Err(e) if shown_in_form(&e) => {
            let mut page = enterprise_form(&ctx, &req, &s, id).await?;
            // What was typed, not what is stored, goes back into the form.
            page.name = get("name");
            page.address = get("address");
            page.lat = get("lat");
            page.lon = get("lon");
            page.contact_name = get("contact_name");
            page.contact_phone = get("contact_phone");
            page.contact_email = get("contact_email");
            let form = "edit-enterprise";
            page.refusal = Some(Refusal::of(Lang::of(&req), form, &e, form_values(&body)));
            Ok(Refusal::respond(html(Refusal::status(&e), &page), form))
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}
