//! Every kind of bad input answers problem+json with a stable code.

use crate::helpers::*;
use serde_json::json;

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .post(app.url("/api/v1/enterprises"))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "malformed_json").await;
}

#[actix_web::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .post(app.url("/api/v1/enterprises"))
        .bearer_auth(&app.admin)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, "unsupported_content_type").await;
}

#[actix_web::test]
async fn oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let big = "字".repeat(600_000); // ~1.8 MB of UTF-8, over the 1 MiB default
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": big, "credit_code": credit_code()}),
        )
        .await;
    assert_problem(r, 413, "body_too_large").await;
}

#[actix_web::test]
async fn unknown_fields_in_writes_are_rejected() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "甲", "credit_code": credit_code(), "boss": "x"}),
        )
        .await;
    let p = assert_problem(r, 422, "validation_failed").await;
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("boss"));
    let r = app.try_login_with_extra().await;
    assert_problem(r, 422, "validation_failed").await;
}

#[actix_web::test]
async fn bad_path_ids_and_queries_are_400() {
    let app = TestApp::spawn().await;
    assert_problem(
        app.get("/api/v1/enterprises/not-a-uuid", &app.admin).await,
        400,
        "invalid_path_parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/users/123", &app.admin).await,
        400,
        "invalid_path_parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/enterprises?limit=abc", &app.admin).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/enterprises?industry=mining", &app.admin)
            .await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/enterprises?colour=red", &app.admin).await,
        400,
        "invalid_query",
    )
    .await;
    let p = assert_problem(
        app.get("/api/v1/enterprises?limit=1000", &app.admin).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "limit");
    let p = assert_problem(
        app.get("/api/v1/enterprises?cursor=zzz", &app.admin).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "cursor");
}

#[actix_web::test]
async fn unknown_routes_and_methods() {
    let app = TestApp::spawn().await;
    assert_problem(
        app.get("/api/v1/nowhere", &app.admin).await,
        404,
        "route_not_found",
    )
    .await;
    assert_problem(
        app.client.get(app.url("/index.html")).send().await.unwrap(),
        404,
        "route_not_found",
    )
    .await;
    let r = app
        .client
        .delete(app.url("/api/v1/enterprises"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("allow").is_some());
    assert_problem(r, 405, "method_not_allowed").await;
}

impl TestApp {
    async fn try_login_with_extra(&self) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD, "remember": true}))
            .send()
            .await
            .unwrap()
    }
}
