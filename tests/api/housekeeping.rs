//! The periodic clean-up: ended sessions and stale login-throttle rows go,
//! live and recent ones stay.

use crate::helpers::TestApp;
use anhuan::db::{self, sessions::SessionRow, Db, DbError, DbUuid};
use anhuan::domain::time;
use anhuan::service::auth::housekeeping_at;
use chrono::{Duration, NaiveDateTime};
use serde_json::Value;

const STALE_SESSIONS: [&str; 2] = ["hk-expired-long-ago", "hk-revoked-long-ago"];
const FRESH_SESSIONS: [&str; 3] = ["hk-active", "hk-expired-recently", "hk-revoked-recently"];
const STALE_THROTTLE: [&str; 2] = ["hk-old-failure", "hk-old-failure-old-lock"];
const FRESH_THROTTLE: [&str; 2] = ["hk-recent-failure", "hk-old-failure-still-locked"];

async fn admin_id(app: &TestApp) -> uuid::Uuid {
    let me: Value = app
        .get("/api/v1/me", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    me["id"].as_str().unwrap().parse().unwrap()
}

/// Writes one of each kind of session and throttle row, stale or fresh as
/// seen at `now`.
fn seed(db: &Db, user: uuid::Uuid, lockout_max: Duration, now: NaiveDateTime) {
    let session =
        |hash: &str, expires_at: NaiveDateTime, revoked_at: Option<NaiveDateTime>| SessionRow {
            token_hash: hash.into(),
            user_id: DbUuid(user),
            created_at: now - Duration::days(30),
            expires_at,
            revoked_at,
            family_id: None,
        };
    let sessions = [
        session(STALE_SESSIONS[0], now - Duration::hours(25), None),
        session(
            STALE_SESSIONS[1],
            now + Duration::days(5),
            Some(now - Duration::hours(25)),
        ),
        session(FRESH_SESSIONS[0], now + Duration::days(5), None),
        session(FRESH_SESSIONS[1], now - Duration::hours(23), None),
        session(
            FRESH_SESSIONS[2],
            now + Duration::days(5),
            Some(now - Duration::hours(23)),
        ),
    ];
    let old = now - lockout_max - Duration::seconds(60);
    let throttle = [
        (STALE_THROTTLE[0], old, None),
        (STALE_THROTTLE[1], old, Some(old + Duration::seconds(30))),
        (FRESH_THROTTLE[0], now - Duration::seconds(10), None),
        (FRESH_THROTTLE[1], old, Some(now + Duration::seconds(60))),
    ];
    db.run_blocking(move |c| {
        for s in &sessions {
            db::sessions::insert(c, s)?;
        }
        for (name, last_failure, lock) in throttle {
            db::throttle::bump(c, name, last_failure)?;
            db::throttle::set_lock(c, name, lock)?;
        }
        Ok::<_, DbError>(())
    })
    .expect("seed");
}

/// (session hashes, throttle usernames) of the seeded rows still present.
fn remaining(db: &Db) -> (Vec<&'static str>, Vec<&'static str>) {
    db.run_blocking(|c| {
        let mut sessions = Vec::new();
        for h in STALE_SESSIONS.into_iter().chain(FRESH_SESSIONS) {
            if db::sessions::find_with_user(c, h)?.is_some() {
                sessions.push(h);
            }
        }
        let mut throttle = Vec::new();
        for u in STALE_THROTTLE.into_iter().chain(FRESH_THROTTLE) {
            if db::throttle::find(c, u)?.is_some() {
                throttle.push(u);
            }
        }
        Ok::<_, DbError>((sessions, throttle))
    })
    .expect("read back")
}

#[actix_web::test]
async fn housekeeping_removes_stale_sessions_and_throttle_rows_only() {
    // Rows are stale as seen ten days from now, so the server's own
    // periodic run (at the real time) leaves them alone; the admin's session
    // outlives that day.
    let app = TestApp::spawn_with(|s| s.token_ttl_hours = 24 * 365).await;
    let db = app.db();
    let lockout_max = Duration::seconds(app.settings.login_lockout_max_secs as i64);
    let later = time::now() + Duration::days(10);
    seed(&db, admin_id(&app).await, lockout_max, later.naive_utc());
    assert_eq!(remaining(&db).0.len(), 5);
    assert_eq!(remaining(&db).1.len(), 4);

    let ctx = app.ctx();
    let purged = housekeeping_at(&ctx, later).await.unwrap();
    assert_eq!((purged.sessions, purged.throttle), (2, 2));
    assert_eq!(
        remaining(&db),
        (FRESH_SESSIONS.to_vec(), FRESH_THROTTLE.to_vec())
    );
    // Nothing left to do the second time; the admin's own session still works.
    assert_eq!(housekeeping_at(&ctx, later).await.unwrap().total(), 0);
    assert_eq!(app.get("/api/v1/me", &app.admin).await.status(), 200);
}

#[actix_web::test]
async fn the_periodic_job_runs_housekeeping() {
    let app = TestApp::spawn_with(|s| s.deadline_job_secs = 1).await;
    let db = app.db();
    let lockout_max = Duration::seconds(app.settings.login_lockout_max_secs as i64);
    seed(
        &db,
        admin_id(&app).await,
        lockout_max,
        time::now().naive_utc(),
    );
    let want = (FRESH_SESSIONS.to_vec(), FRESH_THROTTLE.to_vec());
    let mut left = remaining(&db);
    for _ in 0..50 {
        if left == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        left = remaining(&db);
    }
    assert_eq!(left, want, "the job did not purge the stale rows");
    assert_eq!(app.get("/api/v1/me", &app.admin).await.status(), 200);
}
