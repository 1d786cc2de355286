//! `TestApp`: the real server (same `Application` as `anhuan serve`) on a
//! random port, with its own fresh database — a SQLite file in a temp dir,
//! or a new PostgreSQL database when `ANHUAN_TEST_DATABASE_URL` points at a
//! server — dropped when the test ends.

use anhuan::config::Settings;
use anhuan::db::{Db, DbUrl};
use anhuan::startup::Application;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use tempfile::TempDir;

pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "correct-horse-9";

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub admin: String,
    pub settings: Settings,
    pub dir: TempDir,
    /// Dropped with the app: removes the PostgreSQL test database.
    _pg: Option<PgTestDb>,
}

struct PgTestDb {
    admin_url: String,
    name: String,
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = PgConnection::establish(&self.admin_url) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

pub fn backend_url() -> Option<String> {
    std::env::var("ANHUAN_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base.rfind('/').expect("postgres URL has a database path");
    let mut out = format!("{}/{}", &base[..cut], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// `TEST_LOG=1` (or a filter such as `TEST_LOG=debug`) prints the server's
/// log; without it the tests stay quiet. `RUST_LOG` still wins when set.
fn init_test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Some(v) = std::env::var("TEST_LOG").ok().filter(|v| !v.is_empty()) {
            let level = match v.as_str() {
                "1" | "true" | "yes" => "info",
                filter => filter,
            };
            anhuan::telemetry::init(anhuan::config::LogFormat::Human, level);
        }
    });
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        init_test_log();
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg) = match backend_url() {
            Some(url) if url.starts_with("postgres") => {
                let name = format!(
                    "anhuan_t_{}_{}",
                    std::process::id(),
                    SEQ.fetch_add(1, Ordering::SeqCst)
                );
                let mut c = PgConnection::establish(&url)
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {url}: {e}"));
                // Separate statements: DROP/CREATE DATABASE refuse to run in a transaction block.
                c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .expect("drop stale test database");
                c.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                (
                    replace_db_name(&url, &name),
                    Some(PgTestDb {
                        admin_url: url,
                        name,
                    }),
                )
            }
            Some(other) => {
                panic!("ANHUAN_TEST_DATABASE_URL must be a postgres:// URL, got {other}")
            }
            None => (
                format!("sqlite://{}", dir.path().join("test.db").display()),
                None,
            ),
        };
        let mut settings = Settings {
            bind: "127.0.0.1:0".into(),
            data_dir: dir.path().join("data"),
            database_url: Some(database_url),
            bootstrap_password: Some(ADMIN_PASSWORD.into()),
            workers: Some(2),
            db_pool_size: 4,
            ..Settings::default()
        };
        if let Some(endpoint) = std::env::var("ANHUAN_TEST_S3_ENDPOINT")
            .ok()
            .filter(|s| !s.is_empty())
        {
            // Every test gets its own key prefix in the shared bucket.
            settings.storage = anhuan::config::StorageKind::S3;
            settings.s3_endpoint = Some(endpoint);
            settings.s3_bucket = Some(
                std::env::var("ANHUAN_TEST_S3_BUCKET").unwrap_or_else(|_| "anhuan-test".into()),
            );
            settings.s3_access_key_id =
                Some(std::env::var("ANHUAN_TEST_S3_ACCESS_KEY").unwrap_or_else(|_| "test".into()));
            settings.s3_secret_access_key = Some(
                std::env::var("ANHUAN_TEST_S3_SECRET_KEY").unwrap_or_else(|_| "testsecret".into()),
            );
            settings.s3_path_style = true;
            settings.s3_allow_http = true;
            settings.s3_prefix = Some(format!(
                "t{}-{}-{}",
                std::process::id(),
                SEQ.fetch_add(1, Ordering::SeqCst),
                uuid::Uuid::new_v4().simple()
            ));
        }
        tweak(&mut settings);
        let app = Application::build(settings.clone())
            .await
            .expect("build app");
        let base = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        let client = Client::new();
        let mut t = TestApp {
            base,
            client,
            admin: String::new(),
            settings,
            dir,
            _pg: pg,
        };
        t.admin = t.login("admin", ADMIN_PASSWORD).await;
        t
    }

    /// A second pool on the same database, for tests that inspect or
    /// tamper with rows directly.
    pub fn db(&self) -> Db {
        let url = DbUrl::parse(self.settings.database_url.as_deref().unwrap()).unwrap();
        Db::connect(&url, 1, std::time::Duration::from_secs(10)).expect("db")
    }

    /// A service context on this app's database, settings and photo store,
    /// for tests that call use cases directly.
    pub fn ctx(&self) -> anhuan::service::Ctx {
        anhuan::service::Ctx {
            db: self.db(),
            settings: std::sync::Arc::new(self.settings.clone()),
            photos: self.store(),
            image_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    /// Photo rows in the database (uploads that became photos).
    pub fn photo_rows(&self) -> i64 {
        use diesel::prelude::*;
        self.db()
            .run_blocking(|c| {
                anhuan::db::schema::photos::table
                    .count()
                    .get_result::<i64>(c)
                    .map_err(anhuan::db::DbError::from)
            })
            .unwrap()
    }

    pub fn sql(&self, statements: &str) {
        let statements = statements.to_string();
        self.db()
            .run_blocking(move |c| {
                c.batch_execute(&statements)
                    .map_err(anhuan::db::DbError::from)
            })
            .expect("sql");
    }

    /// The photo store the server uses (local folder or S3 prefix).
    pub fn store(&self) -> anhuan::storage::PhotoStore {
        match self.settings.s3() {
            Some(cfg) => {
                anhuan::storage::PhotoStore::s3(&cfg, self.settings.s3_prefix.as_deref()).unwrap()
            }
            None => anhuan::storage::PhotoStore::local(&self.settings.photo_dir()).unwrap(),
        }
    }

    pub fn is_s3(&self) -> bool {
        self.settings.s3().is_some()
    }

    /// Environment for running the `anhuan` binary against this app's database and store.
    pub fn cli_env(&self) -> Vec<(String, String)> {
        let s = &self.settings;
        let mut env = vec![
            (
                "ANHUAN_DATA_DIR".to_string(),
                s.data_dir.display().to_string(),
            ),
            ("DATABASE_URL".to_string(), s.database_url.clone().unwrap()),
            ("ANHUAN_LOG_LEVEL".to_string(), "warn".to_string()),
        ];
        if self.is_s3() {
            env.push(("ANHUAN_STORAGE".into(), "s3".into()));
            for (k, v) in [
                ("ANHUAN_S3_ENDPOINT", &s.s3_endpoint),
                ("ANHUAN_S3_BUCKET", &s.s3_bucket),
                ("ANHUAN_S3_ACCESS_KEY_ID", &s.s3_access_key_id),
                ("ANHUAN_S3_SECRET_ACCESS_KEY", &s.s3_secret_access_key),
                ("ANHUAN_S3_PREFIX", &s.s3_prefix),
            ] {
                env.push((k.into(), v.clone().unwrap()));
            }
            env.push(("ANHUAN_S3_PATH_STYLE".into(), "true".into()));
            env.push(("ANHUAN_S3_ALLOW_HTTP".into(), "true".into()));
        }
        env
    }

    /// Runs the `anhuan` binary against this app; answers (success, stdout+stderr).
    pub fn cli(&self, args: &[&str], extra_env: &[(&str, &str)]) -> (bool, String) {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_anhuan"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in self.cli_env() {
            cmd.env(k, v);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run anhuan");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// Uploads raw image bytes; `query` carries the phone's metadata.
    pub async fn upload(&self, token: &str, bytes: Vec<u8>, query: &str) -> Response {
        self.client
            .post(self.url(&format!("/api/v1/photos{query}")))
            .bearer_auth(token)
            .header("content-type", "image/jpeg")
            .body(bytes)
            .send()
            .await
            .expect("request")
    }

    /// Uploads a small, unique JPEG; answers its id.
    pub async fn photo(&self, token: &str) -> String {
        let r = self
            .upload(token, small_jpeg(SEQ.fetch_add(1, Ordering::SeqCst)), "")
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// PUT of a JSON body (`json` is a reference, to replay the same body).
    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    pub async fn try_login(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("request")
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self.try_login(username, password).await;
        assert_eq!(r.status(), StatusCode::OK, "login {username}");
        let v: Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    /// A central-inspection feedback batch made by `officer`; answers its id.
    pub async fn env_audit_batch(
        &self,
        officer: &str,
        name: &str,
        document_number: &str,
    ) -> String {
        let r = self
            .post(
                "/api/v1/env-audits",
                officer,
                json!({"level": "central", "name": name, "document_number": document_number,
                       "received_date": "2026-03-15", "default_deadline": "2027-06-30"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn create_enterprise(&self, name: &str) -> Value {
        let r = self
            .post(
                "/api/v1/enterprises",
                &self.admin,
                json!({"name": name, "credit_code": credit_code(), "industry": "aluminium", "address": "黔江高新区", "lat": 29.53, "lon": 108.77}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.unwrap()
    }

    /// Creates a user of `role` and logs in; answers (user, token).
    pub async fn user(
        &self,
        role: &str,
        enterprise_id: Option<&str>,
        assigned: &[&str],
    ) -> (Value, String) {
        let username = format!("{role}-{}", SEQ.fetch_add(1, Ordering::SeqCst));
        let mut body = json!({"username": username, "password": PASSWORD, "role": role, "display_name": format!("测试{role}")});
        if let Some(e) = enterprise_id {
            body["enterprise_id"] = json!(e);
        }
        if !assigned.is_empty() {
            body["assigned_enterprise_ids"] = json!(assigned);
        }
        let r = self.post("/api/v1/users", &self.admin, body).await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let u: Value = r.json().await.unwrap();
        let token = self.login(&username, PASSWORD).await;
        (u, token)
    }
}

/// A small JPEG whose pixels depend on `seed` (so its hash is unique).
pub fn small_jpeg(seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(96, 64, |x, y| {
        image::Rgb([
            (x * 2) as u8 ^ seed as u8,
            (y * 3) as u8,
            (seed >> 8) as u8 ^ (x + y) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

pub use anhuan::media::sample::{self, ExifSpec};

/// The problem `code` of an error answer.
pub async fn code_of(r: Response) -> String {
    let v: Value = r.json().await.unwrap();
    v["code"].as_str().unwrap_or_default().to_string()
}

/// A JPEG of a test card (unique per `seed`) with the given EXIF.
pub fn exif_jpeg(seed: u32, exif: &ExifSpec) -> Vec<u8> {
    sample::jpeg(&sample::card(120, 80, seed), Some(exif))
}

/// The team's real-camera photos (`../shared/fixtures/photos`, never part
/// of the repository, or `$ANHUAN_FIXTURES`): None when absent, so the
/// tests that use them skip; with `REQUIRE_PHOTO_FIXTURES=1` their absence
/// fails the test instead.
pub fn real_fixtures() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("ANHUAN_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(&anhuan::manifest_dir()).join("../shared/fixtures/photos")
        });
    if dir.join("MANIFEST.json").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var("REQUIRE_PHOTO_FIXTURES").as_deref() != Ok("1"),
        "REQUIRE_PHOTO_FIXTURES=1 but no MANIFEST.json at {}",
        dir.display()
    );
    eprintln!(
        "NOTE: real photo fixtures not found at {}; skipping",
        dir.display()
    );
    None
}

/// A fresh, valid unified social credit code (GB 32100-2015 check character).
pub fn credit_code() -> String {
    let n = SEQ.fetch_add(1, Ordering::SeqCst) as u64 + u64::from(std::process::id()) * 1000;
    let first17 = format!("91500114{:09}", n % 1_000_000_000);
    let check = anhuan::domain::credit_code::check_character(&first17).unwrap();
    format!("{first17}{check}")
}

/// Asserts an RFC 9457 problem with the given status and code; answers the body.
pub async fn assert_problem(r: Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "status for {code}");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    assert_eq!(ct.as_deref(), Some("application/problem+json"));
    let v: Value = r.json().await.expect("problem body is JSON");
    assert_eq!(v["status"], status);
    assert_eq!(v["code"], code, "{v}");
    for k in ["type", "title", "detail"] {
        assert!(
            v[k].as_str().is_some_and(|s| !s.is_empty()),
            "problem lacks {k}: {v}"
        );
    }
    v
}
