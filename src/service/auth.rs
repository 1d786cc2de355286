//! Login, logout, bearer-token authentication and the bootstrap account.

use super::password_hash::{dummy_hash, hash_password, verify_password};
use super::users::UserView;
use super::Ctx;
use crate::db::{self, sessions::RefreshRow, sessions::SessionRow, users::UserRow, DbUuid};
use crate::domain::{login_policy, time, Role, RoleRule};
use crate::error::{codes, AppError, AppResult};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::time::Duration;
use uuid::Uuid;

pub use crate::domain::principal::{Principal, Scope};

/// The service half of [`Principal`]: answers in `AppError` and database
/// types, which the pure domain type does not know.
impl Principal {
    /// 403 unless the caller's role passes `rule`: a named predicate such
    /// as `Role::manages_users`, or (still accepted) a list of roles.
    pub fn require(&self, rule: impl RoleRule) -> AppResult<()> {
        if self.may(rule) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "角色“{}”无权执行此操作 / role {} may not do this",
                self.role.label_zh(),
                self.role
            )))
        }
    }

    /// The scope as a query filter: `None` = every enterprise.
    pub fn scope_filter(&self) -> Option<Vec<DbUuid>> {
        self.enterprise_filter()
            .map(|ids| ids.into_iter().map(DbUuid).collect())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginUser {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub enterprise_id: Option<Uuid>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResult {
    /// Bearer token: send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: LoginUser,
    /// Exchange at `POST /api/v1/auth/refresh` for a new pair before
    /// `refresh_expires_at`; each refresh token works once.
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("ah_{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn invalid_credentials() -> AppError {
    AppError::Unauthenticated {
        code: codes::INVALID_CREDENTIALS,
        detail: "用户名或密码错误 / wrong username or password".into(),
    }
}

fn locked(until: chrono::NaiveDateTime, now: chrono::NaiveDateTime) -> AppError {
    let secs = (until - now).num_seconds().max(1) as u64;
    AppError::TooManyRequests {
        detail: format!(
            "登录失败次数过多，请{secs}秒后再试 / too many failed logins, retry in {secs} s"
        ),
        retry_after_secs: secs,
    }
}

/// When an account with `failures` failed logins is locked until, per the
/// settings (`None`: not locked).
fn lockout_until(
    s: &crate::config::Settings,
    max_failures: u32,
    failures: i32,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    login_policy::lockout_after(
        failures.max(0) as u32,
        max_failures,
        Duration::from_secs(s.login_lockout_secs),
        Duration::from_secs(s.login_lockout_max_secs),
    )
    .map(|d| now + chrono::Duration::from_std(d).unwrap_or_default())
}

/// What a login attempt is counted under: the client's address (a
/// budget for spraying many accounts), the account from that address (the
/// owner elsewhere is not locked out by an attacker's guesses) and the
/// account alone (a slower absolute cap). Throttle keys are lower-cased.
fn throttle_keys(
    s: &crate::config::Settings,
    username: &str,
    client: Option<IpAddr>,
) -> Vec<(String, u32)> {
    let account = username.to_lowercase();
    let addr = client.map_or_else(|| "-".to_string(), |a| a.to_string());
    let per = s.login_max_failures;
    vec![
        (format!("addr:{addr}"), per.saturating_mul(ADDRESS_FACTOR)),
        (format!("account:{account}@{addr}"), per),
        (
            format!("account:{account}"),
            per.saturating_mul(ACCOUNT_FACTOR),
        ),
    ]
}

/// An address may fail this many times the per-account budget (many
/// accounts, one address: spraying).
const ADDRESS_FACTOR: u32 = 4;
/// An account may fail this many times the budget from all addresses
/// together before it is slowed down everywhere.
const ACCOUNT_FACTOR: u32 = 10;

/// Counts the attempt under every key before any password work,
/// atomically, so parallel guesses cannot all slip through before the
/// first failure is written. Answers the longest lock in force, if any.
async fn count_attempt(
    ctx: &Ctx,
    keys: &[(String, u32)],
    now: NaiveDateTime,
) -> AppResult<Option<NaiveDateTime>> {
    let keys = keys.to_vec();
    let settings = ctx.settings.clone();
    super::retry_once_on_duplicate(ctx, move |c| {
        let mut lock = None;
        for (key, max) in &keys {
            let row = db::throttle::bump(c, key, now)?;
            let until = match row.locked_until {
                Some(until) if until > now => Some(until),
                None if row.failures > *max as i32 => {
                    let until = lockout_until(&settings, *max, row.failures, now);
                    db::throttle::set_lock(c, key, until)?;
                    until
                }
                // The lock ran out: one attempt goes through.
                Some(_) => {
                    db::throttle::set_lock(c, key, None)?;
                    None
                }
                None => None,
            };
            lock = lock.max(until);
        }
        Ok(lock)
    })
    .await
}

/// The active account the password opens, if any (a dummy hash for
/// unknown users keeps the timing equal).
async fn check_password(ctx: &Ctx, username: &str, password: String) -> AppResult<Option<UserRow>> {
    let u = username.to_string();
    let user = ctx
        .db
        .run(move |c| Ok::<_, AppError>(db::users::find_by_username(c, &u)?))
        .await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = actix_web::web::block(move || {
        verify_password(&password, hash.as_deref().unwrap_or_else(|| dummy_hash()))
    })
    .await?;
    Ok(user.filter(|u| ok && !u.disabled))
}

/// A failed attempt: lock each key that has failed too often.
async fn record_failure(
    ctx: &Ctx,
    username: &str,
    keys: &[(String, u32)],
    now: NaiveDateTime,
) -> AppError {
    let keys = keys.to_vec();
    let settings = ctx.settings.clone();
    let until = ctx
        .db
        .run(move |c| {
            c.write_tx(|c| {
                let mut lock = None;
                for (key, max) in &keys {
                    let failures = db::throttle::find(c, key)?.map_or(1, |r| r.failures);
                    let until = lockout_until(&settings, *max, failures, now);
                    if until.is_some() {
                        db::throttle::set_lock(c, key, until)?;
                    }
                    lock = lock.max(until);
                }
                Ok::<_, AppError>(lock)
            })
        })
        .await;
    tracing::warn!(username = %username, "failed login");
    match until {
        Ok(Some(until)) => locked(until, now),
        Ok(None) => invalid_credentials(),
        Err(e) => e,
    }
}

/// A new access token and refresh token for `user` in `family`, as rows
/// to insert and the answer to give.
fn issue_pair(
    settings: &crate::config::Settings,
    access_hours: u32,
    user: &UserRow,
    family: DbUuid,
    now: NaiveDateTime,
) -> (SessionRow, RefreshRow, LoginResult) {
    let token = new_token();
    let refresh = new_token();
    let now_utc = now.and_utc();
    let expires = now_utc + chrono::Duration::hours(i64::from(access_hours));
    let refresh_expires = now_utc + chrono::Duration::days(i64::from(settings.refresh_ttl_days));
    let session = SessionRow {
        token_hash: token_hash(&token),
        user_id: user.id,
        created_at: now,
        expires_at: expires.naive_utc(),
        revoked_at: None,
        family_id: Some(family),
    };
    let refresh_row = RefreshRow {
        token_hash: token_hash(&refresh),
        family_id: family,
        user_id: user.id,
        created_at: now,
        expires_at: refresh_expires.naive_utc(),
        used_at: None,
        revoked_at: None,
    };
    let answer = LoginResult {
        token,
        expires_at: expires,
        user: LoginUser {
            id: user.id.0,
            username: user.username.clone(),
            role: user.role,
            enterprise_id: user.enterprise_id.map(|e| e.0),
        },
        refresh_token: refresh,
        refresh_expires_at: refresh_expires,
    };
    (session, refresh_row, answer)
}

/// A new session (and refresh family) for `user`; success resets the
/// failure count.
async fn open_session(
    ctx: &Ctx,
    access_hours: u32,
    user: UserRow,
    keys: &[(String, u32)],
    now: NaiveDateTime,
) -> AppResult<LoginResult> {
    let keys = keys.to_vec();
    let family = DbUuid(Uuid::now_v7());
    let (session, refresh, answer) = issue_pair(&ctx.settings, access_hours, &user, family, now);
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                // The account's counts start over; the address keeps its
                // budget minus this attempt (a valid login of one's own
                // does not buy more guesses at others).
                let (address, accounts) = keys.split_first().expect("address key first");
                db::throttle::unbump(c, &address.0)?;
                for (key, _) in accounts {
                    db::throttle::clear(c, key)?;
                }
                db::sessions::insert(c, &session)?;
                db::sessions::insert_refresh(c, &refresh)?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    tracing::info!(user = %user.username, role = %user.role, "login");
    Ok(answer)
}

/// What presenting a refresh token came to.
enum Refreshed {
    Pair(Box<LoginResult>),
    /// A token already exchanged: its family is now revoked.
    Reused,
    Refused(&'static str),
}

/// Exchanges a refresh token for a new access token and refresh token in
/// the same family. A token that was already exchanged is a stolen copy
/// or a replay: the whole family is revoked, the newest pair included.
pub async fn refresh(ctx: &Ctx, refresh_token: String) -> AppResult<LoginResult> {
    refresh_at(ctx, refresh_token, time::now()).await
}

/// [`refresh`] as if it ran at `now`.
pub async fn refresh_at(
    ctx: &Ctx,
    refresh_token: String,
    now: DateTime<Utc>,
) -> AppResult<LoginResult> {
    let now = time::normalise(now).naive_utc();
    let hash = token_hash(&refresh_token);
    let settings = ctx.settings.clone();
    let outcome = ctx
        .db
        .run(move |c| {
            c.write_tx(|c| {
                let Some((row, user)) = db::sessions::find_refresh_with_user(c, &hash)? else {
                    return Ok::<_, AppError>(Refreshed::Refused(
                        "刷新令牌无效 / invalid refresh token",
                    ));
                };
                if row.revoked_at.is_some() {
                    return Ok(Refreshed::Refused("刷新令牌已撤销 / refresh token revoked"));
                }
                let reuse = |c: &mut db::DbConn| {
                    db::sessions::revoke_family(c, row.family_id, now)?;
                    Ok::<_, AppError>(Refreshed::Reused)
                };
                if row.used_at.is_some() {
                    return reuse(c);
                }
                if row.expires_at <= now {
                    return Ok(Refreshed::Refused(
                        "刷新令牌已过期，请重新登录 / refresh token expired",
                    ));
                }
                if user.disabled {
                    return Ok(Refreshed::Refused("账号已停用 / account disabled"));
                }
                // A concurrent exchange of the same token won: reuse too.
                if db::sessions::use_refresh(c, &hash, now)? == 0 {
                    return reuse(c);
                }
                let hours = settings.token_ttl_hours;
                let (session, next, answer) =
                    issue_pair(&settings, hours, &user, row.family_id, now);
                db::sessions::insert(c, &session)?;
                db::sessions::insert_refresh(c, &next)?;
                Ok(Refreshed::Pair(Box::new(answer)))
            })
        })
        .await?;
    match outcome {
        Refreshed::Pair(answer) => Ok(*answer),
        Refreshed::Reused => {
            tracing::warn!("refresh token reused: family revoked");
            Err(unauthenticated(
                "刷新令牌已被使用，此登录的全部令牌已撤销 / refresh token reused: every token of this login is revoked",
            ))
        }
        Refreshed::Refused(detail) => Err(unauthenticated(detail)),
    }
}

/// Logs in; `client` is the address the attempt came from (the socket's,
/// or the forwarded one behind a trusted proxy), for throttling.
pub async fn login(
    ctx: &Ctx,
    username: String,
    password: String,
    client: Option<IpAddr>,
) -> AppResult<LoginResult> {
    login_for(
        ctx,
        username,
        password,
        client,
        ctx.settings.token_ttl_hours,
    )
    .await
}

/// The console's login: the same accounts, rules and throttling, with a
/// session of `console_session_hours` (a working day at a desk) instead
/// of the phones' short access token, since a browser keeps no refresh
/// token (one cookie, nothing for a script or a second tab to race over).
pub async fn console_login(
    ctx: &Ctx,
    username: String,
    password: String,
    client: Option<IpAddr>,
) -> AppResult<LoginResult> {
    login_for(
        ctx,
        username,
        password,
        client,
        ctx.settings.console_session_hours,
    )
    .await
}

async fn login_for(
    ctx: &Ctx,
    username: String,
    password: String,
    client: Option<IpAddr>,
    access_hours: u32,
) -> AppResult<LoginResult> {
    // Nothing a real account could have: answer without touching the database.
    if username.is_empty()
        || username.chars().count() > 128
        || username.chars().any(char::is_control)
    {
        return Err(invalid_credentials());
    }
    let now = time::now().naive_utc();
    let keys = throttle_keys(&ctx.settings, &username, client);
    if let Some(until) = count_attempt(ctx, &keys, now).await? {
        return Err(locked(until, now));
    }
    match check_password(ctx, &username, password).await? {
        Some(user) => open_session(ctx, access_hours, user, &keys, now).await,
        None => Err(record_failure(ctx, &username, &keys, now).await),
    }
}

/// A user row, its agency assignments and the token it came with.
fn principal(user: UserRow, assigned: Vec<DbUuid>, token_hash: String) -> AppResult<Principal> {
    Ok(Principal {
        user_id: user.id.0,
        username: user.username,
        role: user.role,
        enterprise_id: user.enterprise_id.map(|e| e.0),
        assigned_enterprises: assigned.into_iter().map(|e| e.0).collect(),
        token_hash,
    })
}

fn unauthenticated(detail: &str) -> AppError {
    AppError::Unauthenticated {
        code: codes::UNAUTHENTICATED,
        detail: detail.into(),
    }
}

/// Resolves a bearer token to its principal; expired, revoked and disabled
/// all answer 401.
pub async fn authenticate(ctx: &Ctx, token: &str) -> AppResult<Principal> {
    let hash = token_hash(token);
    let now = time::now().naive_utc();
    let found = ctx
        .db
        .run(move |c| {
            let Some((session, user)) = db::sessions::find_with_user(c, &hash)? else {
                return Ok::<_, AppError>(None);
            };
            let assigned = if user.role == Role::ThirdParty {
                db::users::assigned_enterprises(c, user.id)?
            } else {
                Vec::new()
            };
            Ok(Some((session, user, assigned)))
        })
        .await?;
    let Some((session, user, assigned)) = found else {
        return Err(unauthenticated("令牌无效 / invalid token"));
    };
    if session.revoked_at.is_some() {
        return Err(unauthenticated("已退出登录 / token revoked"));
    }
    if session.expires_at <= now {
        return Err(unauthenticated("登录已过期，请重新登录 / token expired"));
    }
    if user.disabled {
        return Err(unauthenticated("账号已停用 / account disabled"));
    }
    principal(user, assigned, session.token_hash)
}

pub async fn logout(ctx: &Ctx, who: &Principal) -> AppResult<()> {
    let hash = who.token_hash.clone();
    let now = time::now().naive_utc();
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                let family = db::sessions::find_session(c, &hash)?.and_then(|s| s.family_id);
                db::sessions::revoke(c, &hash, now)?;
                if let Some(family) = family {
                    db::sessions::revoke_family(c, family, now)?;
                }
                Ok::<_, AppError>(())
            })
        })
        .await?;
    Ok(())
}

pub async fn me(ctx: &Ctx, who: &Principal) -> AppResult<UserView> {
    super::users::view_by_id(ctx, who.user_id).await
}

/// Creates `admin` when there are no users. `None`: users existed;
/// `Some(None)`: created with the configured password; `Some(Some(p))`:
/// created with generated password `p`, for the caller to print once.
pub fn bootstrap_admin(
    db: &crate::db::Db,
    configured: Option<&str>,
) -> anyhow::Result<Option<Option<String>>> {
    db.run_blocking(|c| {
        if db::users::count(c)? > 0 {
            return Ok(None);
        }
        let (password, generated) = match configured {
            Some(p) => (p.to_string(), false),
            None => {
                let mut b = [0u8; 15];
                rand::thread_rng().fill_bytes(&mut b);
                (URL_SAFE_NO_PAD.encode(b), true)
            }
        };
        let now = time::now().naive_utc();
        db::users::insert(
            c,
            &UserRow {
                id: DbUuid(Uuid::now_v7()),
                username: "admin".into(),
                password_hash: hash_password(&password)?,
                role: Role::Admin,
                display_name: "系统管理员".into(),
                enterprise_id: None,
                disabled: false,
                created_at: now,
                updated_at: now,
            },
        )?;
        Ok::<_, anyhow::Error>(Some(generated.then_some(password)))
    })
}

/// The principal of an active account, for CLI commands that act as a
/// named user (e.g. `anhuan import env-audit --as officer`).
pub async fn principal_for(ctx: &Ctx, username: String) -> AppResult<Principal> {
    let row = ctx
        .db
        .run(move |c| Ok::<_, AppError>(db::users::find_by_username(c, &username)?))
        .await?
        .filter(|u| !u.disabled)
        .ok_or(AppError::not_found("用户 user"))?;
    let id = row.id;
    let assigned = ctx
        .db
        .run(move |c| Ok::<_, AppError>(db::users::assigned_enterprises(c, id)?))
        .await?;
    principal(row, assigned, String::new())
}

/// Sessions stay this long after they expire or are revoked, so a client
/// with an old token still hears "expired"/"revoked" rather than "invalid".
const SESSION_GRACE: chrono::Duration = chrono::Duration::days(1);

/// What one housekeeping run removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sessions: usize,
    pub throttle: usize,
    pub idempotency_keys: usize,
    pub refresh_tokens: usize,
}

impl Purged {
    pub fn total(&self) -> usize {
        self.sessions + self.throttle + self.idempotency_keys + self.refresh_tokens
    }
}

/// Periodic clean-up: drops sessions that expired or were revoked more than
/// a day ago (refresh tokens too), login-throttle rows whose last failure (and lock) is more
/// than `login_lockout_max_secs` old, and idempotency keys past their
/// `idempotency_ttl_hours`.
pub async fn housekeeping(ctx: &Ctx) -> AppResult<Purged> {
    housekeeping_at(ctx, time::now()).await
}

/// [`housekeeping`] as if it ran at `now`.
pub async fn housekeeping_at(ctx: &Ctx, now: DateTime<Utc>) -> AppResult<Purged> {
    let now = time::normalise(now).naive_utc();
    let sessions_before = now - SESSION_GRACE;
    // An absurdly long lockout setting: keep every throttle row.
    let throttle_before =
        chrono::Duration::from_std(Duration::from_secs(ctx.settings.login_lockout_max_secs))
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .filter(|t| t.year() >= 1970);
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                let sessions = db::sessions::purge_expired(c, sessions_before)?
                    + db::sessions::purge_revoked(c, sessions_before)?;
                let throttle = match throttle_before {
                    Some(t) => db::throttle::purge_stale(c, t)?,
                    None => 0,
                };
                let idempotency_keys = super::idempotency::purge(c, now)?;
                let refresh_tokens = db::sessions::purge_refresh(c, sessions_before)?;
                Ok::<_, AppError>(Purged {
                    sessions,
                    throttle,
                    idempotency_keys,
                    refresh_tokens,
                })
            })
        })
        .await
}
