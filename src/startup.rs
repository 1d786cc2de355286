//! Wiring: settings → pool, migrations, photo store, bootstrap account,
//! HTTP server on a pre-bound listener. `main` and the tests share it.

use crate::api;
use crate::config::Settings;
use crate::db::Db;
use crate::service::{auth, Ctx};
use crate::storage::PhotoStore;
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::IntGauge;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tracing_actix_web::TracingLogger;

pub struct Application {
    port: u16,
    server: Server,
}

/// Builds the shared context: data folder, database (migrated), photo store,
/// and the first admin account.
pub fn build_context(settings: &Settings) -> anyhow::Result<Ctx> {
    std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create data folder {}: {e}",
            settings.data_dir.display()
        )
    })?;
    let url = settings
        .db_url()
        .map_err(|e| anyhow::anyhow!("invalid setting `database_url` (DATABASE_URL): {e}"))?;
    tracing::info!(database = %url.redacted(), "opening database");
    let db = Db::connect(
        &url,
        settings.db_pool_size,
        Duration::from_secs(settings.db_timeout_secs),
    )?;
    let photos = match settings.s3() {
        Some(cfg) => PhotoStore::s3(&cfg, settings.s3_prefix.as_deref())?,
        None => PhotoStore::local(&settings.photo_dir())?,
    };
    std::fs::create_dir_all(settings.upload_tmp_dir()).map_err(|e| {
        anyhow::anyhow!(
            "cannot create upload folder {}: {e}",
            settings.upload_tmp_dir().display()
        )
    })?;
    tracing::info!(store = photos.describe(), "photo store");
    let loaded = crate::service::checklists::load_embedded(&db)?;
    if loaded > 0 {
        tracing::info!(loaded, "published checklist versions from checklists/");
    }
    match auth::bootstrap_admin(&db, settings.bootstrap_password.as_deref())? {
        // Printed once, on purpose: this is the only way to learn it.
        Some(Some(generated)) => tracing::warn!("created account `admin` with generated password: {generated}  (change it: anhuan user set-password admin)"),
        Some(None) => tracing::info!("created account `admin` with the password from ANHUAN_BOOTSTRAP_PASSWORD"),
        None => {}
    }
    let workers = settings
        .image_workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let image_slots = Arc::new(tokio::sync::Semaphore::new(workers));
    Ok(Ctx {
        db,
        settings: Arc::new(settings.clone()),
        photos,
        image_slots,
    })
}

fn metrics(ctx: &Ctx) -> anyhow::Result<PrometheusMetrics> {
    let registry = prometheus::Registry::new();
    let size = IntGauge::new("anhuan_db_pool_connections", "open database connections")?;
    let idle = IntGauge::new(
        "anhuan_db_pool_idle_connections",
        "idle database connections",
    )?;
    let max = IntGauge::new("anhuan_db_pool_max_connections", "pool size limit")?;
    registry.register(Box::new(size.clone()))?;
    registry.register(Box::new(idle.clone()))?;
    registry.register(Box::new(max.clone()))?;
    // Pool figures are sampled; a scrape sees values at most 2 s old.
    let db = ctx.db.clone();
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            let s = db.status();
            size.set(i64::from(s.size));
            idle.set(i64::from(s.idle));
            max.set(i64::from(s.max));
        }
    });
    PrometheusMetricsBuilder::new("anhuan")
        .registry(registry)
        .endpoint("/metrics")
        .mask_unmatched_patterns("UNKNOWN")
        .build()
        .map_err(|e| anyhow::anyhow!("metrics: {e}"))
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let addr = settings
            .bind_addr()
            .map_err(|e| anyhow::anyhow!("invalid setting `bind`: {e}"))?;
        let listener = TcpListener::bind(addr)
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (ANHUAN_BIND): {e}"))?;
        let ctx = {
            let s = settings.clone();
            actix_web::web::block(move || build_context(&s)).await??
        };
        Self::with_context(settings, ctx, listener)
    }

    pub fn with_context(
        settings: Settings,
        ctx: Ctx,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();
        let prom = metrics(&ctx)?;
        deadline_job(&ctx);
        delivery_worker(&ctx);
        let data = web::Data::new(ctx);
        let json_limit = settings.max_json_bytes;
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(api::json_config(json_limit))
                .app_data(api::path_config())
                .app_data(api::query_config())
                .app_data(web::PayloadConfig::new(json_limit))
                .wrap(from_fn(move |req, next| {
                    api::body_guard::reject_nul(req, next, json_limit)
                }))
                .wrap(from_fn(api::idempotency::middleware))
                .wrap(from_fn(api::extract::authenticate_first))
                .wrap(from_fn(api::uploads::tus_protocol))
                .wrap(ErrorHandlers::new().default_handler(api::problemize))
                .wrap(prom.clone())
                .wrap(TracingLogger::<api::request_id::RootSpan>::new())
                .wrap(from_fn(api::request_id::middleware))
                .wrap(from_fn(crate::console::security_headers))
                .configure(api::health::routes)
                .service(web::resource("/api-docs/openapi.json").route(web::get().to(openapi_json)))
                .service(api::docs::swagger_ui())
                .service(
                    web::resource("/problems/{code}").route(web::get().to(api::docs::problem_page)),
                )
                .configure(api::v1)
                .configure(crate::console::routes)
                .default_service(web::to(api::not_found_route))
        })
        .listen(listener)?
        .shutdown_timeout(settings.shutdown_timeout_secs);
        if let Some(w) = settings.workers {
            server = server.workers(w);
        }
        Ok(Application {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until SIGINT/SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Reminders and overdue events, recorded by every process; each is
/// claimed once in the database, so several processes never duplicate one.
/// The same tick purges ended sessions and stale login-throttle rows.
fn deadline_job(ctx: &Ctx) {
    let ctx = ctx.clone();
    actix_web::rt::spawn(async move {
        let mut tick =
            actix_web::rt::time::interval(Duration::from_secs(ctx.settings.deadline_job_secs));
        loop {
            tick.tick().await;
            match crate::service::orders::deadline_job(&ctx).await {
                Ok(r) if r.overdue + r.reminders + r.verification_late > 0 => tracing::info!(
                    overdue = r.overdue,
                    reminders = r.reminders,
                    verification_late = r.verification_late,
                    "deadline job"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "deadline job failed"),
            }
            match crate::service::uploads::expire(&ctx).await {
                Ok(n) if n > 0 => tracing::info!(uploads = n, "expired uploads deleted"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "upload expiry failed"),
            }
            match auth::housekeeping(&ctx).await {
                Ok(p) if p.total() > 0 => tracing::info!(
                    sessions = p.sessions,
                    throttle = p.throttle,
                    idempotency_keys = p.idempotency_keys,
                    refresh_tokens = p.refresh_tokens,
                    "housekeeping: purged stale rows"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
        }
    });
}

/// Webhook deliveries, in every process: each due row is claimed once in
/// the database (`service::outbox::deliver_due`).
fn delivery_worker(ctx: &Ctx) {
    let ctx = ctx.clone();
    actix_web::rt::spawn(async move {
        let mut tick =
            actix_web::rt::time::interval(Duration::from_millis(ctx.settings.outbox_poll_ms));
        loop {
            tick.tick().await;
            match crate::service::outbox::deliver_due(&ctx).await {
                Ok(r) if r.delivered + r.failed + r.dead > 0 => tracing::info!(
                    delivered = r.delivered,
                    failed = r.failed,
                    dead = r.dead,
                    "webhook deliveries"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook delivery failed"),
            }
        }
    });
}

async fn openapi_json() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(api::openapi::json())
}
