//! Settings: defaults that need nothing installed, then an optional TOML
//! file, then `ANHUAN_*` environment variables and `DATABASE_URL`.

use crate::db::DbUrl;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    #[serde(deserialize_with = "scalar_string")]
    pub bind: String,
    /// Folder for the SQLite file and local photo storage.
    pub data_dir: PathBuf,
    /// `sqlite://PATH`, a file path, or `postgres://…`; default SQLite in the data dir.
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub database_url: Option<String>,
    /// Password of the first `admin` account, created when there are no users.
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub bootstrap_password: Option<String>,
    /// The address users open (e.g. `https://anhuan.example.cn`): console
    /// cookies are `Secure` when it is https.
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub public_url: Option<String>,
    pub log_format: LogFormat,
    /// tracing filter (overridden by RUST_LOG).
    pub log_level: String,
    /// Access (bearer) token lifetime.
    pub token_ttl_hours: u32,
    /// Console (browser) session lifetime: a working day at a desk.
    pub console_session_hours: u32,
    /// Refresh token lifetime: how long a phone may stay offline and
    /// still renew its access token.
    pub refresh_ttl_days: u32,
    /// How long the answer under an `Idempotency-Key` is kept for replay.
    pub idempotency_ttl_hours: u32,
    /// How long a request holds its key before a retry may take it over
    /// (a request that crashed releases nothing).
    pub idempotency_lease_secs: u64,
    /// Largest JSON body accepted.
    pub max_json_bytes: usize,
    pub db_pool_size: u32,
    pub db_timeout_secs: u64,
    /// HTTP worker threads; default = number of cores.
    pub workers: Option<usize>,
    /// Failed logins allowed before an account is slowed down.
    pub login_max_failures: u32,
    /// First lock-out; doubles with every further failure.
    pub login_lockout_secs: u64,
    /// Longest lock-out, so the owner is never locked out for good.
    pub login_lockout_max_secs: u64,
    /// Peers (IP addresses, comma-separated) whose `X-Forwarded-For` names
    /// the client for login throttling; from anyone else it is ignored.
    #[serde(deserialize_with = "scalar_string")]
    pub trusted_proxies: String,
    /// Seconds in-flight requests get to finish on SIGTERM/SIGINT.
    pub shutdown_timeout_secs: u64,
    /// Photo blobs: `local` (under data_dir/photos) or `s3`.
    pub storage: StorageKind,
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub s3_endpoint: Option<String>,
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub s3_bucket: Option<String>,
    #[serde(deserialize_with = "scalar_string")]
    pub s3_region: String,
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub s3_access_key_id: Option<String>,
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub s3_secret_access_key: Option<String>,
    /// Path-style URLs (most self-hosted S3 servers want this).
    pub s3_path_style: bool,
    /// Plain HTTP to the endpoint (local testing only).
    pub s3_allow_http: bool,
    /// Key prefix inside the bucket.
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub s3_prefix: Option<String>,
    /// Largest photo upload; 413 as soon as it is passed.
    pub photo_max_bytes: u64,
    /// Largest document upload (PDF, DOCX, XLSX, OFD); 413 as soon as passed.
    pub max_document_bytes: u64,
    /// A resumable upload left unfinished this long is deleted with its
    /// bytes (tus expiration; each part received extends it).
    pub upload_expiry_hours: u32,
    /// Resumable uploads one user may have unfinished at once.
    pub upload_max_pending: u32,
    /// Bytes one user's unfinished resumable uploads may declare in all.
    pub upload_max_pending_bytes: u64,
    /// A one-person safety office may verify its own work; each such step
    /// is then marked on its event and counted.
    pub allow_self_verification: bool,
    /// Days the safety office has to decide a 复产 (resumption) application
    /// of a major hazard (16号令 第二十三条: 10); later shows as overdue.
    pub resumption_review_days: u32,
    /// Finding categories whose rectification must be shown by a photo (a
    /// document alone is not proof there), comma-separated: safety,
    /// stability, environment. Empty: a photo or a document will do.
    pub photo_required_categories: String,
    /// The park office that issues orders, as the console and every
    /// document (整改通知书, 督办函, 重大事故隐患报告) name it.
    pub issuing_office: String,
    /// Largest decoded image (width × height).
    pub photo_max_pixels: u64,
    /// Longest image side in pixels.
    pub photo_max_side: u32,
    /// Photos processed at once; default the number of cores.
    pub image_workers: Option<usize>,
    /// Wait for a free image worker before answering 503.
    pub image_queue_timeout_secs: u64,
    /// EXIF capture time older than this before upload is flagged.
    pub photo_max_age_days: u32,
    /// EXIF GPS farther than this from the enterprise is flagged.
    pub photo_max_distance_m: f64,
    /// Evidence photos farther than this from the finding are flagged on submit.
    pub evidence_max_distance_m: f64,
    /// Days before a deadline when the reminder event is recorded.
    pub reminder_days: u32,
    /// How often the deadline job looks for reminders and overdue orders.
    pub deadline_job_secs: u64,
    /// The hour (0–23, park time) when the day's deadline reminders go
    /// out by e-mail, one digest per address; urgent kinds never wait.
    pub digest_hour: u32,
    /// SMTP server for e-mail: `smtp://host:port` (plain, or STARTTLS
    /// with `?tls=required`), `smtps://user:pass@host` (TLS). Unset: no
    /// e-mail (deliveries are marked `skipped`).
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub smtp_url: Option<String>,
    /// The sender, e.g. `安环 <anhuan@park.example.cn>`.
    #[serde(default, deserialize_with = "opt_scalar_string")]
    pub smtp_from: Option<String>,
    /// Webhook targets on private, loopback or link-local addresses are
    /// refused unless this is set (SSRF).
    pub webhook_allow_private: bool,
    /// Attempts of one delivery before it is marked dead.
    pub outbox_max_attempts: u32,
    /// First retry delay; doubles per attempt (with jitter), capped at an hour.
    pub outbox_retry_base_ms: u64,
    /// How often each process looks for due deliveries.
    pub outbox_poll_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Local,
    S3,
}

/// Environment values arrive parsed ("12345678" becomes a number); a
/// setting that is text takes any scalar back as its text.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Str(String),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn into_string(self) -> String {
        match self {
            Scalar::Str(s) => s,
            Scalar::Int(i) => i.to_string(),
            Scalar::UInt(u) => u.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

fn scalar_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Scalar::deserialize(d).map(Scalar::into_string)
}

fn opt_scalar_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<Scalar>::deserialize(d).map(|o| o.map(Scalar::into_string))
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            bootstrap_password: None,
            public_url: None,
            log_format: LogFormat::Human,
            log_level: "info".into(),
            token_ttl_hours: 4,
            console_session_hours: 12,
            refresh_ttl_days: 30,
            idempotency_ttl_hours: 24,
            idempotency_lease_secs: 120,
            max_json_bytes: 1024 * 1024,
            db_pool_size: 8,
            db_timeout_secs: 10,
            workers: None,
            login_max_failures: 5,
            login_lockout_secs: 30,
            login_lockout_max_secs: 15 * 60,
            trusted_proxies: String::new(),
            shutdown_timeout_secs: 30,
            storage: StorageKind::Local,
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: "us-east-1".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_path_style: false,
            s3_allow_http: false,
            s3_prefix: None,
            photo_max_bytes: 25 * 1024 * 1024,
            max_document_bytes: 20 * 1024 * 1024,
            upload_expiry_hours: 24,
            upload_max_pending: 50,
            upload_max_pending_bytes: 1024 * 1024 * 1024,
            allow_self_verification: false,
            resumption_review_days: 10,
            photo_required_categories: String::new(),
            issuing_office: "园区安全环保监督管理办公室".into(),
            photo_max_pixels: 100_000_000,
            photo_max_side: 20_000,
            image_workers: None,
            image_queue_timeout_secs: 30,
            photo_max_age_days: 30,
            photo_max_distance_m: 1000.0,
            evidence_max_distance_m: 500.0,
            reminder_days: 3,
            digest_hour: 8,
            deadline_job_secs: 60,
            smtp_url: None,
            smtp_from: None,
            webhook_allow_private: false,
            outbox_max_attempts: 8,
            outbox_retry_base_ms: 10_000,
            outbox_poll_ms: 2_000,
        }
    }
}

/// The environment variable that sets `key`, as the README documents it.
pub fn env_name(key: &str) -> String {
    match key {
        "database_url" => "DATABASE_URL".into(),
        k => format!("ANHUAN_{}", k.to_uppercase()),
    }
}

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// A tracing filter: comma-separated directives, each a level (`info`) or
/// `target=level` (`anhuan=debug`). A bare word that is no level (`loud`)
/// would silently mean "trace for target loud"; it is refused instead.
fn check_log_level(v: &str) -> Result<(), String> {
    let levels = LEVELS.join(", ");
    if v.trim().is_empty() {
        return Err(format!("empty; use one of {levels}"));
    }
    for d in v.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = d.rsplit_once('=').map_or(d, |(_, l)| l);
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "{d:?} names no level; use one of {levels} (or target=level)"
            ));
        }
    }
    tracing_subscriber::EnvFilter::try_new(v).map_err(|e| format!("{v:?}: {e}"))?;
    Ok(())
}

/// Variables read from the environment besides `ANHUAN_*` settings.
const NOT_SETTINGS: &[&str] = &["CONFIG", "NEW_PASSWORD"];

impl Settings {
    /// The `photo_required_categories` setting as categories.
    pub fn photo_required(&self) -> Result<Vec<crate::domain::checklist::Category>, String> {
        self.photo_required_categories
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                crate::domain::checklist::Category::parse(c).ok_or_else(|| {
                    format!("not a category: {c:?} (safety, stability, environment)")
                })
            })
            .collect()
    }

    /// The `trusted_proxies` setting as addresses.
    pub fn trusted_proxy_addrs(&self) -> Result<Vec<std::net::IpAddr>, String> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| a.parse().map_err(|_| format!("not an IP address: {a:?}")))
            .collect()
    }

    /// Loads and validates settings. `file` (or `ANHUAN_CONFIG`) names an
    /// optional TOML file; a named file that is missing is an error.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let env_file = std::env::var_os("ANHUAN_CONFIG").map(PathBuf::from);
        let file = file.map(Path::to_path_buf).or(env_file);
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(f) = &file {
            if !f.is_file() {
                anyhow::bail!(
                    "configuration file {} not found (ANHUAN_CONFIG / --config)",
                    f.display()
                );
            }
            fig = fig.merge(Toml::file(f));
        }
        fig = fig
            .merge(Env::prefixed("ANHUAN_").ignore(NOT_SETTINGS).filter(|k| {
                // Test-harness variables are not settings.
                !k.as_str().to_ascii_lowercase().starts_with("test_")
            }))
            .merge(Env::raw().only(&["DATABASE_URL"]));
        let s: Settings = fig.extract().map_err(|e| {
            let key = e.path.join(".");
            let env = if key.is_empty() {
                String::new()
            } else {
                format!(" ({})", env_name(&key))
            };
            anyhow::anyhow!("invalid setting `{key}`{env}: {}", e.kind)
        })?;
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        let bad = |key: &str, msg: String| {
            anyhow::anyhow!("invalid setting `{key}` ({}): {msg}", env_name(key))
        };
        self.bind_addr().map_err(|e| bad("bind", e))?;
        self.db_url().map_err(|e| bad("database_url", e))?;
        if self.token_ttl_hours == 0 {
            return Err(bad("token_ttl_hours", "must be at least 1".into()));
        }
        if self.console_session_hours == 0 {
            return Err(bad("console_session_hours", "must be at least 1".into()));
        }
        if self.refresh_ttl_days == 0 {
            return Err(bad("refresh_ttl_days", "must be at least 1".into()));
        }
        if self.upload_expiry_hours == 0 {
            return Err(bad("upload_expiry_hours", "must be at least 1".into()));
        }
        if self.upload_max_pending == 0 {
            return Err(bad("upload_max_pending", "must be at least 1".into()));
        }
        if self.idempotency_ttl_hours == 0 {
            return Err(bad("idempotency_ttl_hours", "must be at least 1".into()));
        }
        if self.idempotency_lease_secs == 0 {
            return Err(bad("idempotency_lease_secs", "must be at least 1".into()));
        }
        if self.digest_hour > 23 {
            return Err(bad("digest_hour", "must be 0..=23".into()));
        }
        if self.db_pool_size == 0 {
            return Err(bad("db_pool_size", "must be at least 1".into()));
        }
        if self.max_json_bytes < 1024 {
            return Err(bad("max_json_bytes", "must be at least 1024".into()));
        }
        if self.workers == Some(0) {
            return Err(bad("workers", "must be at least 1".into()));
        }
        if self.login_max_failures == 0 {
            return Err(bad("login_max_failures", "must be at least 1".into()));
        }
        if let Err(e) = self.trusted_proxy_addrs() {
            return Err(bad("trusted_proxies", e));
        }
        let office = self.issuing_office.trim().chars().count();
        if office == 0 || office > 100 {
            return Err(bad("issuing_office", "must be 1 to 100 characters".into()));
        }
        if let Err(e) = self.photo_required() {
            return Err(bad("photo_required_categories", e));
        }
        if self.login_lockout_max_secs < self.login_lockout_secs {
            return Err(bad(
                "login_lockout_max_secs",
                "must not be below login_lockout_secs".into(),
            ));
        }
        if self.storage == StorageKind::S3 && self.s3_bucket.as_deref().is_none_or(str::is_empty) {
            return Err(bad("s3_bucket", "required when storage = s3".into()));
        }
        if self.photo_max_bytes < 1024 {
            return Err(bad("photo_max_bytes", "must be at least 1024".into()));
        }
        if self.max_document_bytes < 1024 {
            return Err(bad("max_document_bytes", "must be at least 1024".into()));
        }
        if self.photo_max_pixels == 0 || self.photo_max_side == 0 {
            return Err(bad("photo_max_pixels", "limits must be above 0".into()));
        }
        if let Some(url) = &self.smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(bad(
                    "smtp_url",
                    "must start with smtp:// or smtps://".into(),
                ));
            }
            let from_ok = self
                .smtp_from
                .as_deref()
                .is_some_and(|f| f.parse::<lettre::message::Mailbox>().is_ok());
            if !from_ok {
                return Err(bad(
                    "smtp_from",
                    "needs a sender address when smtp_url is set, e.g. 安环 <anhuan@park.example.cn>".into(),
                ));
            }
        }
        if self.outbox_max_attempts == 0 {
            return Err(bad("outbox_max_attempts", "must be at least 1".into()));
        }
        if self.outbox_poll_ms == 0 {
            return Err(bad("outbox_poll_ms", "must be at least 1".into()));
        }
        if !(1..=90).contains(&self.resumption_review_days) {
            return Err(bad("resumption_review_days", "must be 1 to 90 days".into()));
        }
        if self.deadline_job_secs == 0 {
            return Err(bad("deadline_job_secs", "must be at least 1".into()));
        }
        if self.image_workers == Some(0) {
            return Err(bad("image_workers", "must be at least 1".into()));
        }
        check_log_level(&self.log_level).map_err(|e| bad("log_level", e))?;
        for (key, v) in [
            ("photo_max_distance_m", self.photo_max_distance_m),
            ("evidence_max_distance_m", self.evidence_max_distance_m),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(
                    key,
                    format!("{v} is not a distance in metres (0 or more)"),
                ));
            }
        }
        if let Some(p) = &self.bootstrap_password {
            if p.chars().count() < 8 {
                return Err(bad(
                    "bootstrap_password",
                    "must be at least 8 characters".into(),
                ));
            }
        }
        Ok(())
    }

    pub fn bind_addr(&self) -> Result<SocketAddr, String> {
        self.bind
            .parse()
            .map_err(|e| format!("{:?} is not HOST:PORT: {e}", self.bind))
    }

    pub fn db_url(&self) -> Result<DbUrl, String> {
        match &self.database_url {
            Some(u) => DbUrl::parse(u),
            None => Ok(DbUrl::Sqlite(self.data_dir.join("anhuan.db"))),
        }
    }

    pub fn photo_dir(&self) -> PathBuf {
        self.data_dir.join("photos")
    }

    /// Where uploads are spooled while they arrive.
    pub fn upload_tmp_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }

    pub fn s3(&self) -> Option<crate::storage::S3Config> {
        (self.storage == StorageKind::S3).then(|| crate::storage::S3Config {
            endpoint: self.s3_endpoint.clone(),
            bucket: self.s3_bucket.clone().unwrap_or_default(),
            region: self.s3_region.clone(),
            access_key_id: self.s3_access_key_id.clone(),
            secret_access_key: self.s3_secret_access_key.clone(),
            path_style: self.s3_path_style,
            allow_http: self.s3_allow_http,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let s = Settings::default();
        s.validate().unwrap();
        assert_eq!(
            s.db_url().unwrap(),
            DbUrl::Sqlite("./data/anhuan.db".into())
        );
    }

    #[test]
    fn invalid_values_name_the_setting() {
        let s = Settings {
            bind: "nowhere".into(),
            ..Settings::default()
        };
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("`bind`") && e.contains("ANHUAN_BIND"), "{e}");
        let s = Settings {
            database_url: Some("mysql://x".into()),
            ..Settings::default()
        };
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("database_url"));
    }

    #[test]
    fn photo_required_categories_and_the_resumption_clock_are_checked() {
        let s = Settings {
            photo_required_categories: " safety, environment ".into(),
            ..Settings::default()
        };
        s.validate().unwrap();
        assert_eq!(s.photo_required().unwrap().len(), 2);
        for bad in [
            Settings {
                photo_required_categories: "safety,fire".into(),
                ..Settings::default()
            },
            Settings {
                resumption_review_days: 0,
                ..Settings::default()
            },
        ] {
            let e = bad.validate().unwrap_err().to_string();
            assert!(
                e.contains("photo_required_categories") || e.contains("resumption_review_days"),
                "{e}"
            );
        }
    }

    #[test]
    fn database_url_names_its_documented_variable() {
        let s = Settings {
            database_url: Some("mysql://x".into()),
            ..Settings::default()
        };
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("(DATABASE_URL)"), "{e}");
        assert!(!e.contains("ANHUAN_DATABASE_URL"), "{e}");
    }

    #[test]
    fn log_levels_and_distances_are_checked() {
        for ok in ["info", "warn,anhuan=debug", "DEBUG", "actix_web=warn, info"] {
            let s = Settings {
                log_level: ok.into(),
                ..Settings::default()
            };
            s.validate().unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in ["loud", "", "anhuan=loud", "info,[", "info=="] {
            let s = Settings {
                log_level: bad.into(),
                ..Settings::default()
            };
            let e = s.validate().expect_err(bad).to_string();
            assert!(e.contains("ANHUAN_LOG_LEVEL"), "{e}");
        }
        let s = Settings {
            photo_max_distance_m: -1.0,
            ..Settings::default()
        };
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("ANHUAN_PHOTO_MAX_DISTANCE_M"), "{e}");
        let s = Settings {
            evidence_max_distance_m: f64::NAN,
            ..Settings::default()
        };
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("ANHUAN_EVIDENCE_MAX_DISTANCE_M"), "{e}");
    }
}
