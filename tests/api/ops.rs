//! Health, readiness, metrics, request ids and the API description.

use crate::helpers::*;
use serde_json::Value;

#[actix_web::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["ready"], true);
    assert_eq!(v["database"]["ok"], true);
    assert_eq!(v["photo_store"]["ok"], true);
}

#[actix_web::test]
async fn readiness_fails_when_the_photo_store_is_gone() {
    let app = TestApp::spawn_with(|s| {
        // This test breaks the local folder; it is about readiness, not S3.
        s.storage = anhuan::config::StorageKind::Local;
    })
    .await;
    // A file where the photo folder should be: nothing can be written.
    std::fs::remove_dir_all(app.settings.photo_dir()).unwrap();
    std::fs::write(app.settings.photo_dir(), b"not a folder").unwrap();
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["ready"], false);
    assert_eq!(v["photo_store"]["ok"], false);
    assert_eq!(v["database"]["ok"], true);
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/me", &app.admin).await;
    app.get("/api/v1/me", "bad-token").await;
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await; // pool gauges are sampled every 2 s
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let has = |needle: &str| {
        text.lines()
            .any(|l| l.starts_with("anhuan_http_requests_total") && l.contains(needle))
    };
    assert!(
        has(r#"endpoint="/api/v1/me""#) && has(r#"status="200""#) && has(r#"status="401""#),
        "{text}"
    );
    assert!(text.contains("anhuan_http_requests_duration_seconds_bucket"));
    let pool_max = text
        .lines()
        .find(|l| l.starts_with("anhuan_db_pool_max_connections "))
        .expect("pool gauge");
    assert_eq!(pool_max, "anhuan_db_pool_max_connections 4");
}

#[actix_web::test]
async fn request_ids_are_echoed_or_made() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "phone-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "phone-abc-123");
    let r = app
        .client
        .get(app.url("/api/v1/nowhere"))
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    // An unprintable or absurd id is replaced, not echoed.
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "x".repeat(300))
        .send()
        .await
        .unwrap();
    assert_ne!(r.headers()["x-request-id"].len(), 300);
}

#[actix_web::test]
async fn served_spec_is_the_checked_in_one() {
    let app = TestApp::spawn().await;
    let served = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let file = std::fs::read_to_string(
        std::path::Path::new(&anhuan::manifest_dir()).join("api-spec/openapi.json"),
    )
    .unwrap();
    assert!(
        served == file,
        "api-spec/openapi.json is stale: run `cargo run -- openapi > api-spec/openapi.json`"
    );
    let v: Value = serde_json::from_str(&served).unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
}
