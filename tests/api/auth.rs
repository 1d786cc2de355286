use crate::helpers::*;
use serde_json::Value;

#[actix_web::test]
async fn login_answers_token_user_and_expiry() {
    let app = TestApp::spawn().await;
    let r = app.try_login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["token"].as_str().unwrap().len() >= 40);
    assert_eq!(v["user"]["username"], "admin");
    assert_eq!(v["user"]["role"], "admin");
    assert!(v["user"]["enterprise_id"].is_null());
    let exp = chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
    let hours = (exp.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!(
        (3.9..=4.1).contains(&hours),
        "{hours}: token_ttl_hours is 4"
    );
    // The token is stored only as a hash.
    let token = v["token"].as_str().unwrap().to_string();
    let stored: Vec<String> = app
        .db()
        .run_blocking(|c| {
            use anhuan::db::schema::sessions::dsl::*;
            use diesel::prelude::*;
            sessions
                .select(token_hash)
                .load::<String>(c)
                .map_err(anhuan::db::DbError::from)
        })
        .unwrap();
    assert!(!stored.is_empty());
    assert!(stored.iter().all(|h| h.len() == 64 && *h != token));
}

#[actix_web::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = TestApp::spawn().await;
    let a = assert_problem(
        app.try_login("admin", "wrong-password").await,
        401,
        "invalid_credentials",
    )
    .await;
    let b = assert_problem(
        app.try_login("nobody", "wrong-password").await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(a["detail"], b["detail"]);
}

#[actix_web::test]
async fn missing_or_bad_token_is_401() {
    let app = TestApp::spawn().await;
    let r = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert!(r.headers().get("www-authenticate").is_some());
    assert_problem(r, 401, "unauthenticated").await;
    assert_problem(
        app.get("/api/v1/me", "ah_forged").await,
        401,
        "unauthenticated",
    )
    .await;
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic YWRtaW46eA==")
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "unauthenticated").await;
}

#[actix_web::test]
async fn logout_revokes_only_that_token() {
    let app = TestApp::spawn().await;
    let second = app.login("admin", ADMIN_PASSWORD).await;
    let r = app
        .post("/api/v1/auth/logout", &app.admin, serde_json::json!({}))
        .await;
    assert_eq!(r.status(), 204);
    assert_problem(
        app.get("/api/v1/me", &app.admin).await,
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(app.get("/api/v1/me", &second).await.status(), 200);
}

#[actix_web::test]
async fn expired_token_is_401() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("inspector", None, &[]).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
    app.sql("UPDATE sessions SET expires_at = '2020-01-01 00:00:00'");
    let p = assert_problem(app.get("/api/v1/me", &token).await, 401, "unauthenticated").await;
    assert!(p["detail"].as_str().unwrap().contains("expired"));
}

#[actix_web::test]
async fn disabled_user_loses_sessions_and_cannot_log_in() {
    let app = TestApp::spawn().await;
    let (u, token) = app.user("inspector", None, &[]).await;
    let id = u["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin,
            serde_json::json!({"disabled": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_problem(app.get("/api/v1/me", &token).await, 401, "unauthenticated").await;
    assert_problem(
        app.try_login(u["username"].as_str().unwrap(), PASSWORD)
            .await,
        401,
        "invalid_credentials",
    )
    .await;
    // Re-enabled, the same password works again.
    app.patch(
        &format!("/api/v1/users/{id}"),
        &app.admin,
        serde_json::json!({"disabled": false}),
    )
    .await;
    app.login(u["username"].as_str().unwrap(), PASSWORD).await;
}

#[actix_web::test]
async fn repeated_failures_are_slowed_down_but_not_forever() {
    let app = TestApp::spawn_with(|s| {
        s.login_max_failures = 3;
        s.login_lockout_secs = 1;
        s.login_lockout_max_secs = 2;
    })
    .await;
    let (u, _) = app.user("inspector", None, &[]).await;
    let name = u["username"].as_str().unwrap();
    for _ in 0..2 {
        assert_problem(
            app.try_login(name, "nope-nope-nope").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let r = app.try_login(name, "nope-nope-nope").await;
    let retry: u64 = r
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    assert_problem(r, 429, "too_many_requests").await;
    // Even the right password waits while locked…
    assert_problem(
        app.try_login(name, PASSWORD).await,
        429,
        "too_many_requests",
    )
    .await;
    // …another account is not affected…
    app.login("admin", ADMIN_PASSWORD).await;
    // …and the owner gets back in once the lock runs out.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    app.login(name, PASSWORD).await;
    // A success resets the count: one more failure is a plain 401 again.
    assert_problem(
        app.try_login(name, "nope-nope-nope").await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[actix_web::test]
async fn me_shows_role_and_enterprise() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江玻纤有限公司").await;
    let eid = e["id"].as_str().unwrap();
    let (_, token) = app.user("enterprise", Some(eid), &[]).await;
    let me: Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["role"], "enterprise");
    assert_eq!(me["enterprise_id"], eid);
    assert!(me.get("password_hash").is_none());
}

async fn login_from(
    app: &TestApp,
    forwarded: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded)
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn spraying_many_accounts_from_one_address_is_throttled() {
    let app = TestApp::spawn().await; // login_max_failures 5: the 20th failure of an address locks it
    let mut answers = Vec::new();
    for i in 0..30 {
        let r = app
            .try_login(&format!("sprayed.user{i}"), "Winter2026!")
            .await;
        answers.push(r.status().as_u16());
    }
    assert!(answers[..19].iter().all(|s| *s == 401), "{answers:?}");
    assert!(answers[19..].iter().all(|s| *s == 429), "{answers:?}");
}

#[actix_web::test]
async fn an_attacker_elsewhere_does_not_lock_the_owner_out() {
    let app = TestApp::spawn_with(|s| s.trusted_proxies = "127.0.0.1".into()).await;
    let attacker = "203.0.113.9";
    for i in 0..6 {
        let r = login_from(&app, attacker, "admin", "guess-guess-guess").await;
        let want = if i < 4 { 401 } else { 429 }; // the 5th failure locks
        assert_eq!(r.status().as_u16(), want, "attempt {i}");
    }
    // Still locked for the attacker, even with the right password…
    let r = login_from(&app, attacker, "admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 429);
    // …while the owner, from another address, logs in.
    let r = login_from(&app, "198.51.100.7", "admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 200);
}

#[actix_web::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let app = TestApp::spawn().await; // no trusted proxies
    for i in 0..6 {
        // A spoofed header per attempt changes nothing: the socket's address counts.
        let r = login_from(
            &app,
            &format!("203.0.113.{i}"),
            "admin",
            "guess-guess-guess",
        )
        .await;
        let want = if i < 4 { 401 } else { 429 }; // the 5th failure locks
        assert_eq!(r.status().as_u16(), want, "attempt {i}");
    }
}

#[actix_web::test]
async fn usernames_are_unique_and_log_in_regardless_of_case() {
    let app = TestApp::spawn().await;
    let body = |name: &str| serde_json::json!({"username": name, "password": PASSWORD, "role": "inspector", "display_name": "检查员"});
    let r = app.post("/api/v1/users", &app.admin, body("ADMIN")).await;
    assert_problem(r, 409, "username_taken").await;
    let r = app
        .post("/api/v1/users", &app.admin, body("Li.Jiancha"))
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post("/api/v1/users", &app.admin, body("li.jiancha"))
        .await;
    assert_problem(r, 409, "username_taken").await;
    app.login("LI.JIANCHA", PASSWORD).await;
    app.login("Admin", ADMIN_PASSWORD).await;
    // The database refuses a case twin too, whatever the service checks.
    let dup = app.db().run_blocking(|c| {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE users SET username = 'ADMIN' WHERE username = 'Li.Jiancha'")
            .execute(c)
            .map_err(anhuan::db::DbError::from)
    });
    assert!(dup.is_err(), "unique index on lower(username)");
}
