//! Cookie sessions: the cookie holds the same session token the API hands
//! out (HttpOnly, so scripts never see it); the CSRF token is derived from
//! it, so it is bound to the session and needs no table of its own.

use super::pages;
use crate::error::AppError;
use crate::service::{auth, outbox, Ctx, Principal};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::LocalBoxFuture;
use sha2::{Digest, Sha256};

pub const COOKIE: &str = "ah_session";
/// The login form's double-submit token (there is no session yet).
pub const LOGIN_CSRF: &str = "ah_login_csrf";

pub struct Session {
    pub who: Principal,
    pub csrf: String,
    /// Unread notifications, shown in the header on every page.
    pub unread: i64,
}

/// The CSRF token of a session token.
pub fn csrf_of(token: &str) -> String {
    hex::encode(&Sha256::digest(format!("anhuan-console-csrf:{token}").as_bytes())[..16])
}

/// Constant-time comparison of two tokens.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Session {
    /// 403 page unless `sent` is this session's token.
    pub fn check_csrf(&self, req: &HttpRequest, sent: &str) -> Result<(), ConsoleError> {
        if same(&self.csrf, sent) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf(super::Lang::of(req)))
        }
    }
}

/// Secure cookies when the public address is https.
fn secure(ctx: &Ctx) -> bool {
    ctx.settings
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

pub fn cookie<'a>(ctx: &Ctx, name: &'a str, value: String, http_only: bool) -> Cookie<'a> {
    Cookie::build(name, value)
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(secure(ctx))
        .finish()
}

pub fn removal<'a>(ctx: &Ctx, name: &'a str) -> Cookie<'a> {
    let mut c = cookie(ctx, name, String::new(), true);
    c.make_removal();
    c
}

/// What a console handler can fail with: a page, never problem+json.
#[derive(Debug)]
pub enum ConsoleError {
    /// No session (or an ended one): to the login page.
    Login {
        expired: bool,
    },
    Csrf(super::Lang),
    /// A service refusal, in the caller's language, with the page the
    /// refused form was on (to go back to it and correct the entry).
    App(AppError, super::Lang, Option<String>),
}

impl ConsoleError {
    pub fn app(e: AppError, req: &HttpRequest) -> ConsoleError {
        ConsoleError::App(e, super::Lang::of(req), form_page(req))
    }
}

/// For a refused form (a POST), the console page it was sent from: the
/// `Referer`'s path when it names this host; nothing for anything else.
fn form_page(req: &HttpRequest) -> Option<String> {
    if req.method() != actix_web::http::Method::POST {
        return None;
    }
    let referer = req.headers().get("referer")?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let (host, path) = rest.split_at(rest.find('/')?);
    let ours = req.connection_info().host() == host;
    (ours && !path.starts_with("//")).then(|| path.to_string())
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl ResponseError for ConsoleError {
    /// The status the page answers with, so request logs grade a redirect
    /// to the login page as what it is (the default would be a 500).
    fn status_code(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            ConsoleError::Login { .. } => StatusCode::SEE_OTHER,
            ConsoleError::Csrf(_) => StatusCode::FORBIDDEN,
            ConsoleError::App(e, _, _) => match e.status_code() {
                StatusCode::PRECONDITION_FAILED => StatusCode::CONFLICT,
                s => s,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ConsoleError::Login { expired } => {
                let to = if *expired {
                    "/login?expired=1"
                } else {
                    "/login"
                };
                let mut r = HttpResponse::SeeOther()
                    .insert_header(("location", to))
                    .finish();
                if *expired {
                    let mut c = Cookie::new(COOKIE, "");
                    c.set_path("/");
                    c.make_removal();
                    let _ = r.add_cookie(&c);
                }
                r
            }
            ConsoleError::Csrf(lang) => pages::error_page(
                *lang,
                actix_web::http::StatusCode::FORBIDDEN,
                lang.t("csrf").to_string(),
            ),
            ConsoleError::App(e, lang, back) => pages::app_error_page(*lang, e, back.clone()),
        }
    }
}

/// Wraps service errors for a page in the caller's language.
pub trait OrPage<T> {
    fn page(self, req: &HttpRequest) -> Result<T, ConsoleError>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn page(self, req: &HttpRequest) -> Result<T, ConsoleError> {
        self.map_err(|e| match e {
            AppError::Unauthenticated { .. } => ConsoleError::Login { expired: true },
            e => ConsoleError::app(e, req),
        })
    }
}

impl FromRequest for Session {
    type Error = ConsoleError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let token = req.cookie(COOKIE).map(|c| c.value().to_string());
            let Some(token) = token.filter(|t| !t.is_empty()) else {
                return Err(ConsoleError::Login { expired: false });
            };
            let ctx = req
                .app_data::<web::Data<Ctx>>()
                .cloned()
                .ok_or_else(|| ConsoleError::Login { expired: false })?;
            match auth::authenticate(&ctx, &token).await {
                Ok(who) => {
                    let unread = outbox::unread(&ctx, &who)
                        .await
                        .map_err(|e| ConsoleError::app(e, &req))?;
                    Ok(Session {
                        who,
                        csrf: csrf_of(&token),
                        unread,
                    })
                }
                Err(AppError::Unauthenticated { .. }) => Err(ConsoleError::Login { expired: true }),
                Err(e) => Err(ConsoleError::app(e, &req)),
            }
        })
    }
}
