//! The web console at `/`: server-rendered pages (askama templates compiled
//! into the binary) over the same `service` functions as the API, so every
//! scope and role rule holds by construction. Cookie sessions reuse the API's
//! login (accounts, throttling, tokens); CSRF tokens are bound to the session.

mod chrome;
mod env_audits;
mod inbox;
mod orders;
mod pages;
mod refusal;
mod registers;
mod self_checks;
mod session;
mod workbench;

pub use chrome::Lang;
pub use session::Session;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};

/// Path prefixes the console answers (security headers go on these).
const PREFIXES: &[&str] = &[
    "/login",
    "/logout",
    "/lang/",
    "/orders",
    "/workbench",
    "/inbox",
    "/registers/",
    "/static/",
    "/c/",
];

fn is_console(path: &str) -> bool {
    path == "/" || PREFIXES.iter().any(|p| path.starts_with(p))
}

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

/// Security headers on every console response, errors included.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let console = is_console(req.path());
    let mut res = next.call(req).await?;
    if console {
        let h = res.headers_mut();
        for (k, v) in [
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "same-origin"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ] {
            h.insert(k, HeaderValue::from_static(v));
        }
    }
    Ok(res)
}

const HTMX: &[u8] = include_bytes!("../../static/htmx.min.js");
const CSS: &[u8] = include_bytes!("../../static/console.css");
/// Bumped when a static file changes: the URLs are cached for a year.
pub const ASSET_VERSION: &str = "3";

async fn asset(path: web::Path<(String, String)>) -> HttpResponse {
    let (ver, name) = path.into_inner();
    let (body, ct) = match name.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "console.css" => (CSS, "text/css; charset=utf-8"),
        _ => return pages::not_found_page(),
    };
    if ver != ASSET_VERSION {
        return pages::not_found_page();
    }
    HttpResponse::Ok()
        .content_type(ct)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(body)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/{ver}/{name}").route(web::get().to(asset)))
        .service(web::resource("/").route(web::get().to(pages::home)))
        .service(
            web::resource("/login")
                .route(web::get().to(pages::login_page))
                .route(web::post().to(pages::login_submit)),
        )
        .service(web::resource("/logout").route(web::post().to(pages::logout)))
        .service(web::resource("/lang/{lang}").route(web::get().to(pages::switch_lang)))
        .service(web::resource("/workbench").route(web::get().to(workbench::page)))
        .service(web::resource("/inbox").route(web::get().to(inbox::page)))
        .service(
            web::resource("/registers/enterprises")
                .route(web::get().to(registers::enterprises_page))
                .route(web::post().to(registers::create_enterprise)),
        )
        .service(
            web::resource("/registers/users")
                .route(web::get().to(registers::users_page))
                .route(web::post().to(registers::create_user)),
        )
        .service(
            web::resource("/registers/enterprises/import")
                .route(web::post().to(registers::import_enterprises)),
        )
        .service(
            web::resource("/registers/enterprises/{id}")
                .route(web::get().to(registers::enterprise_page))
                .route(web::post().to(registers::update_enterprise)),
        )
        .service(
            web::resource("/registers/users/{id}")
                .route(web::get().to(registers::user_page))
                .route(web::post().to(registers::update_user)),
        )
        .service(web::resource("/inbox/read").route(web::post().to(inbox::read)))
        .service(
            web::resource("/inbox/settings")
                .route(web::get().to(inbox::settings_page))
                .route(web::post().to(inbox::save_settings)),
        )
        .service(
            web::resource("/env-audits")
                .route(web::get().to(env_audits::list))
                .route(web::post().to(env_audits::create)),
        )
        .service(web::resource("/env-audits/{id}").route(web::get().to(env_audits::page)))
        .service(web::resource("/env-audits/{id}/import").route(web::post().to(env_audits::import)))
        .service(
            web::resource("/env-audits/{id}/ledger.xlsx").route(web::get().to(env_audits::ledger)),
        )
        .service(web::resource("/self-checks").route(web::get().to(self_checks::page)))
        .service(web::resource("/self-checks/ledger").route(web::get().to(self_checks::ledger)))
        .service(web::resource("/self-checks/{id}").route(web::post().to(self_checks::rectify)))
        .service(web::resource("/orders").route(web::get().to(orders::list)))
        .service(
            web::resource("/orders/new")
                .route(web::get().to(orders::new_page))
                .route(web::post().to(orders::create)),
        )
        .service(web::resource("/orders/{id}").route(web::get().to(orders::page)))
        .service(web::resource("/orders/{id}/pdf/{kind}").route(web::get().to(orders::download)))
        .service(web::resource("/orders/{id}/{action}").route(web::post().to(orders::act)))
        .service(web::resource("/c/photos/{id}/{variant}").route(web::get().to(pages::photo)))
        .service(web::resource("/c/documents/{id}").route(web::get().to(pages::document)));
}
