//! 登记簿: the enterprise register (safety office, admin) and the accounts
//! (admin), each a list with a search and a form to add one, over the same
//! `service` calls as `/api/v1/enterprises` and `/api/v1/users`.

use super::chrome::{Chrome, Lang};
use super::pages::{html, see_other, PageResult};
use super::session::{ConsoleError, OrPage, Session};
use crate::domain::enterprise::Contact;
use crate::domain::{Industry, Role};
use crate::error::AppError;
use crate::service::enterprises::{self, EnterpriseQuery, NewEnterprise};
use crate::service::users::{self, NewUser, UserQuery};
use crate::service::Ctx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

fn label(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

struct EnterpriseRow {
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
}

#[derive(Deserialize)]
pub struct ListParams {
    q: Option<String>,
    cursor: Option<String>,
}

/// `GET /registers/enterprises`.
pub async fn enterprises_page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    p: web::Query<ListParams>,
) -> PageResult {
    s.who.require(Role::manages_enterprises).page(&req)?;
    let lang = Lang::of(&req);
    let p = p.into_inner();
    let text = p.q.unwrap_or_default().trim().to_string();
    let query = EnterpriseQuery {
        q: Some(text.clone()).filter(|t| !t.is_empty()),
        cursor: p.cursor,
        limit: Some(50),
        ..Default::default()
    };
    let page = enterprises::list(&ctx, &s.who, query).await.page(&req)?;
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
    let page = EnterprisesPage {
        c: Chrome::new(&req, Some(&s)),
        rows,
        q: text,
        industries: Industry::ALL
            .iter()
            .map(|i| (i.as_str(), label(lang, i.label_zh(), i.label_en())))
            .collect(),
        more,
    };
    Ok(html(StatusCode::OK, &page))
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
    f: web::Form<EnterpriseForm>,
) -> PageResult {
    s.check_csrf(&req, &f.csrf)?;
    let f = f.into_inner();
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
    })()
    .page(&req)?;
    enterprises::create(&ctx, &s.who, input).await.page(&req)?;
    Ok(see_other("/registers/enterprises"))
}

struct UserRow {
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
}

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
    s.who.require(Role::manages_users).page(&req)?;
    let lang = Lang::of(&req);
    let query = UserQuery {
        cursor: p.into_inner().cursor,
        limit: Some(50),
        ..Default::default()
    };
    let page = users::list(&ctx, &s.who, query).await.page(&req)?;
    let all = EnterpriseQuery {
        limit: Some(crate::service::pagination::MAX_LIMIT),
        ..Default::default()
    };
    let ents = enterprises::list(&ctx, &s.who, all).await.page(&req)?.items;
    let name_of = |id: Option<Uuid>| {
        id.and_then(|id| ents.iter().find(|e| e.id == id))
            .map(|e| e.name.clone())
            .unwrap_or_default()
    };
    let rows = page
        .items
        .into_iter()
        .map(|u| UserRow {
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
    let page = UsersPage {
        c: Chrome::new(&req, Some(&s)),
        rows,
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), label(lang, r.label_zh(), r.as_str())))
            .collect(),
        enterprises: ents.iter().map(|e| (e.id, e.name.clone())).collect(),
        more,
    };
    Ok(html(StatusCode::OK, &page))
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
    f: web::Form<UserForm>,
) -> PageResult {
    s.check_csrf(&req, &f.csrf)?;
    let f = f.into_inner();
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
    })()
    .page(&req)?;
    users::create(&ctx, Some(&s.who), input)
        .await
        .map_err(|e| ConsoleError::app(e, &req))?;
    Ok(see_other("/registers/users"))
}
