//! Tokens for the field: short access tokens, refresh tokens that rotate
//! on every use, reuse detection that revokes the whole login, and
//! logout or a password change ending it.

use crate::helpers::*;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

const REFRESH: &str = "/api/v1/auth/refresh";

async fn login_pair(app: &TestApp, username: &str) -> Value {
    let r = app.try_login(username, PASSWORD).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn refresh(app: &TestApp, refresh_token: &Value) -> reqwest::Response {
    app.client
        .post(app.url(REFRESH))
        .json(&json!({"refresh_token": refresh_token}))
        .send()
        .await
        .unwrap()
}

async fn me(app: &TestApp, pair: &Value) -> u16 {
    app.get("/api/v1/me", pair["token"].as_str().unwrap())
        .await
        .status()
        .as_u16()
}

fn at(t: chrono::DateTime<Utc>) -> String {
    t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string()
}

async fn inspector(app: &TestApp) -> String {
    let (u, _) = app.user("inspector", None, &[]).await;
    u["username"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn login_answers_a_short_access_token_and_a_refresh_token() {
    let app = TestApp::spawn().await;
    let name = inspector(&app).await;
    let pair = login_pair(&app, &name).await;
    for field in [
        "token",
        "expires_at",
        "user",
        "refresh_token",
        "refresh_expires_at",
    ] {
        assert!(!pair[field].is_null(), "{field}: {pair}");
    }
    assert_eq!(pair["user"]["username"], name.as_str());
    let expires: chrono::DateTime<Utc> = pair["expires_at"].as_str().unwrap().parse().unwrap();
    let access = Duration::hours(i64::from(app.settings.token_ttl_hours));
    assert!(
        (expires - Utc::now() - access).num_minutes().abs() <= 1,
        "{pair}"
    );
    let refresh_expires: chrono::DateTime<Utc> = pair["refresh_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let days = Duration::days(i64::from(app.settings.refresh_ttl_days));
    assert!((refresh_expires - Utc::now() - days).num_minutes().abs() <= 1);
    assert_ne!(pair["token"], pair["refresh_token"]);
    // A refresh token is no access token, and only hashes are stored.
    assert_eq!(
        app.get("/api/v1/me", pair["refresh_token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    let stored: Vec<String> = app
        .db()
        .run_blocking(|c| {
            use diesel::prelude::*;
            anhuan::db::schema::refresh_tokens::table
                .select(anhuan::db::schema::refresh_tokens::token_hash)
                .load(c)
                .map_err(anhuan::db::DbError::from)
        })
        .unwrap();
    let raw = pair["refresh_token"].as_str().unwrap();
    assert!(stored.contains(&anhuan::service::auth::token_hash(raw)));
    assert!(!stored.iter().any(|h| h == raw));
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let name = inspector(&app).await;
    let first = login_pair(&app, &name).await;
    let r = refresh(&app, &first["refresh_token"]).await;
    assert_eq!(r.status(), 200);
    let second: Value = r.json().await.unwrap();
    assert_ne!(second["token"], first["token"]);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["user"]["username"], name.as_str());
    assert_eq!(me(&app, &second).await, 200);
    let r = refresh(&app, &second["refresh_token"]).await;
    assert_eq!(r.status(), 200);
    let third: Value = r.json().await.unwrap();
    assert_eq!(me(&app, &third).await, 200);

    // Another login of the same user is another family: untouched.
    let other = login_pair(&app, &name).await;

    // The first refresh token again: a stolen copy. Everything of that
    // login stops working, the newest pair included.
    let r = refresh(&app, &first["refresh_token"]).await;
    assert_eq!(r.status(), 401);
    assert_eq!(me(&app, &third).await, 401);
    assert_eq!(me(&app, &first).await, 401);
    assert_eq!(refresh(&app, &third["refresh_token"]).await.status(), 401);
    assert_eq!(me(&app, &other).await, 200);
    assert_eq!(refresh(&app, &other["refresh_token"]).await.status(), 200);
}

#[actix_web::test]
async fn logout_revokes_the_refresh_family() {
    let app = TestApp::spawn().await;
    let name = inspector(&app).await;
    let first = login_pair(&app, &name).await;
    let second: Value = refresh(&app, &first["refresh_token"])
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(second["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(me(&app, &second).await, 401);
    assert_eq!(me(&app, &first).await, 401);
    assert_eq!(refresh(&app, &second["refresh_token"]).await.status(), 401);
}

#[actix_web::test]
async fn a_password_change_revokes_refresh_tokens() {
    let app = TestApp::spawn().await;
    let (u, _) = app.user("inspector", None, &[]).await;
    let name = u["username"].as_str().unwrap();
    let pair = login_pair(&app, name).await;
    let r = app
        .patch(
            &format!("/api/v1/users/{}", u["id"].as_str().unwrap()),
            &app.admin,
            json!({"password": "another-horse-7"}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(me(&app, &pair).await, 401);
    assert_eq!(refresh(&app, &pair["refresh_token"]).await.status(), 401);
}

#[actix_web::test]
async fn a_week_offline_expired_access_is_401_and_the_refresh_still_works() {
    let app = TestApp::spawn().await;
    let name = inspector(&app).await;
    let pair = login_pair(&app, &name).await;
    // Logged in a week ago: the access token ran out days since, the
    // refresh token has three weeks left.
    let week_ago = Utc::now() - Duration::days(7);
    let access_end = week_ago + Duration::hours(i64::from(app.settings.token_ttl_hours));
    let refresh_end = week_ago + Duration::days(i64::from(app.settings.refresh_ttl_days));
    app.sql(&format!(
        "UPDATE sessions SET created_at = '{}', expires_at = '{}';
         UPDATE refresh_tokens SET created_at = '{}', expires_at = '{}';",
        at(week_ago),
        at(access_end),
        at(week_ago),
        at(refresh_end)
    ));
    let r = app.get("/api/v1/me", pair["token"].as_str().unwrap()).await;
    assert_eq!(r.status(), 401);
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("expired"),
        "{problem}"
    );
    let r = refresh(&app, &pair["refresh_token"]).await;
    assert_eq!(r.status(), 200);
    let fresh: Value = r.json().await.unwrap();
    assert_eq!(me(&app, &fresh).await, 200);

    // A refresh token past its own end is refused.
    app.sql(&format!(
        "UPDATE refresh_tokens SET expires_at = '{}';",
        at(Utc::now() - Duration::minutes(1))
    ));
    let r = refresh(&app, &fresh["refresh_token"]).await;
    assert_eq!(r.status(), 401);
}

#[actix_web::test]
async fn unknown_or_malformed_refresh_tokens_are_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(refresh(&app, &json!("ah_nothing")).await.status(), 401);
    let r = app
        .client
        .post(app.url(REFRESH))
        .json(&json!({"token": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}
