//! Login, logout, the language switch, photos, and the error pages.

use super::chrome::{Chrome, Lang};
use super::session::{self, ConsoleError, OrPage, Session};
use crate::error::AppError;
use crate::service::{auth, documents, photos, Ctx};
use crate::storage::Variant;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use rand::RngCore;
use serde::Deserialize;
use uuid::Uuid;

pub type PageResult = Result<HttpResponse, ConsoleError>;

/// A rendered template as an HTML answer; pages are never cached.
pub fn html(status: StatusCode, t: &impl Template) -> HttpResponse {
    match t.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError()
                .content_type("text/html; charset=utf-8")
                .body("<!doctype html><title>500</title><p>服务器内部错误 / internal error</p>")
        }
    }
}

pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    title: String,
    message: String,
    fields: Vec<FieldCell>,
    back: Option<String>,
}

/// A refused field: its label on the form (when the console has one), the
/// API's name for it, and what is wrong.
struct FieldCell {
    label: &'static str,
    field: String,
    message: String,
}

/// The form label of an API field name: `responsible_person.phone` is
/// labelled `responsible_person_phone`, `contacts[0].phone` by `phone`.
pub(super) fn field_label(lang: Lang, field: &str) -> &'static str {
    let whole = field.replace('.', "_");
    let last = field.rsplit('.').next().unwrap_or(field);
    lang.label(&whole)
        .or_else(|| lang.label(last))
        .unwrap_or("")
}

pub fn error_page(lang: Lang, status: StatusCode, message: String) -> HttpResponse {
    let key = match status {
        StatusCode::NOT_FOUND => "page_not_found",
        StatusCode::FORBIDDEN => "page_forbidden",
        _ => "error",
    };
    let p = ErrorPage {
        c: Chrome::bare(lang),
        title: lang.t(key).into(),
        message,
        fields: Vec::new(),
        back: None,
    };
    html(status, &p)
}

pub fn not_found_page() -> HttpResponse {
    error_page(
        Lang::Zh,
        StatusCode::NOT_FOUND,
        Lang::Zh.t("page_not_found").into(),
    )
}

/// A service error as a page: a stale version reads 已被他人更新; field
/// errors are listed with their field.
pub fn app_error_page(lang: Lang, e: &AppError, back: Option<String>) -> HttpResponse {
    use actix_web::ResponseError;
    let status = e.status_code();
    let problem = e.to_problem();
    let message = match e {
        AppError::PreconditionFailed { .. } => lang.t("stale").to_string(),
        AppError::NotFound { .. } => lang.t("page_not_found").to_string(),
        _ => problem.detail.clone(),
    };
    let p = ErrorPage {
        c: Chrome::bare(lang),
        title: lang
            .t(match status {
                StatusCode::NOT_FOUND => "page_not_found",
                StatusCode::FORBIDDEN => "page_forbidden",
                _ => "error",
            })
            .into(),
        message,
        fields: problem
            .errors
            .iter()
            .map(|f| FieldCell {
                label: field_label(lang, &f.field),
                field: f.field.clone(),
                message: f.message.clone(),
            })
            .collect(),
        back,
    };
    let status = if status == StatusCode::PRECONDITION_FAILED {
        StatusCode::CONFLICT
    } else {
        status
    };
    html(status, &p)
}

/// `/`: enterprises to their orders, park staff to the workbench.
pub async fn home(s: Session) -> HttpResponse {
    if s.who.role.is_park_staff() {
        see_other("/workbench")
    } else {
        see_other("/orders")
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<String>,
    username: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    expired: Option<String>,
    bye: Option<String>,
}

fn new_csrf() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn login_form(
    ctx: &Ctx,
    req: &HttpRequest,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<String>,
    username: String,
) -> HttpResponse {
    let csrf = new_csrf();
    let lang = Lang::of(req);
    let mut r = html(
        status,
        &LoginPage {
            c: Chrome::new(req, None),
            csrf: csrf.clone(),
            notice: notice.map(|k| lang.t(k)),
            error,
            username,
        },
    );
    let _ = r.add_cookie(&session::cookie(ctx, session::LOGIN_CSRF, csrf, true));
    r
}

pub async fn login_page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    q: web::Query<LoginQuery>,
) -> HttpResponse {
    let notice = if q.expired.is_some() {
        Some("expired")
    } else if q.bye.is_some() {
        Some("logged_out")
    } else {
        None
    };
    login_form(&ctx, &req, StatusCode::OK, notice, None, String::new())
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    username: String,
    password: String,
}

pub async fn login_submit(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> PageResult {
    let f = form.into_inner();
    let expected = req
        .cookie(session::LOGIN_CSRF)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if !session::same(&expected, &f.csrf) {
        return Err(ConsoleError::Csrf(Lang::of(&req)));
    }
    let client = crate::api::auth::client_addr(&ctx, &req);
    match auth::console_login(&ctx, f.username.clone(), f.password, client).await {
        Ok(r) => {
            let mut res = see_other("/");
            let _ = res.add_cookie(&session::cookie(&ctx, session::COOKIE, r.token, true));
            let _ = res.add_cookie(&session::removal(&ctx, session::LOGIN_CSRF));
            Ok(res)
        }
        Err(e @ (AppError::Unauthenticated { .. } | AppError::TooManyRequests { .. })) => {
            use actix_web::ResponseError;
            let status = e.status_code();
            let mut res = login_form(
                &ctx,
                &req,
                status,
                None,
                Some(e.to_problem().detail),
                f.username,
            );
            if let AppError::TooManyRequests {
                retry_after_secs, ..
            } = e
            {
                res.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(retry_after_secs),
                );
            }
            Ok(res)
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    form: web::Form<CsrfForm>,
) -> PageResult {
    s.check_csrf(&req, &form.csrf)?;
    auth::logout(&ctx, &s.who).await.page(&req)?;
    let mut res = see_other("/login?bye=1");
    let _ = res.add_cookie(&session::removal(&ctx, session::COOKIE));
    Ok(res)
}

#[derive(Deserialize)]
pub struct BackQuery {
    back: Option<String>,
}

/// Sets the `lang` cookie and goes back (only to a path of this site).
pub async fn switch_lang(
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
    q: web::Query<BackQuery>,
) -> HttpResponse {
    let lang = if path.as_str() == "en" { "en" } else { "zh" };
    let back = q
        .back
        .as_deref()
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or("/");
    let mut res = see_other(back);
    let mut c = session::cookie(&ctx, "lang", lang.into(), false);
    c.set_max_age(actix_web::cookie::time::Duration::days(365));
    let _ = res.add_cookie(&c);
    res
}

/// A photo's thumbnail or display size, through the same access rule as
/// the API (the cookie session instead of a bearer token).
pub async fn photo(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, String)>,
) -> PageResult {
    let (id, variant) = path.into_inner();
    let variant = match variant.as_str() {
        "thumbnail" => Variant::Thumbnail,
        "display" => Variant::Display,
        _ => return Ok(not_found_page()),
    };
    let Ok(id) = id.parse::<Uuid>() else {
        return Ok(not_found_page());
    };
    let blob = photos::blob(&ctx, &s.who, id, variant, None)
        .await
        .page(&req)?;
    Ok(HttpResponse::Ok()
        .content_type(blob.content_type)
        .insert_header((header::ETAG, blob.etag))
        .insert_header((
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable",
        ))
        .body(blob.bytes))
}

/// A document of an order the reader may see, as an attachment.
pub async fn document(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
) -> PageResult {
    let Ok(id) = path.parse::<Uuid>() else {
        return Ok(not_found_page());
    };
    let doc = documents::content(&ctx, &s.who, id).await.page(&req)?;
    crate::api::documents::content_response(&req, doc).page(&req)
}

/// A urlencoded form's fields in the order sent (a name may repeat, as
/// checkboxes do).
pub struct Pairs(Vec<(String, String)>);

impl Pairs {
    /// The body of a form post; 400 for one that is not urlencoded.
    pub fn parse(req: &HttpRequest, body: &[u8]) -> Result<Pairs, ConsoleError> {
        serde_urlencoded::from_bytes(body).map(Pairs).map_err(|e| {
            ConsoleError::app(
                AppError::bad_request(crate::error::codes::BAD_BODY, e.to_string()),
                req,
            )
        })
    }

    /// The fields of a body already read (none when it does not parse).
    pub fn of(body: &[u8]) -> Pairs {
        Pairs(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }

    /// The first value of `name`, as sent; empty when absent.
    pub fn get(&self, name: &str) -> String {
        self.all(name).next().unwrap_or_default().to_string()
    }

    /// Every value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn into_map(self) -> std::collections::HashMap<String, String> {
        self.0.into_iter().collect()
    }
}
