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

/// The answers the JSON body guard gives (413 too large, 422 NUL or no
/// object) pass back
/// out through the request-id and metrics layers like any other answer.
#[actix_web::test]
async fn body_guard_answers_carry_the_request_id_and_are_counted() {
    let app = TestApp::spawn().await;
    let send = |body: String, id: &'static str| {
        app.client
            .post(app.url("/api/v1/enterprises"))
            .bearer_auth(&app.admin)
            .header("content-type", "application/json")
            .header("x-request-id", id)
            .body(body)
            .send()
    };
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(2 << 20));
    let r = send(big, "guard-413").await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.headers()["x-request-id"], "guard-413");
    assert_problem(r, 413, "body_too_large").await;
    let r = send(r#"{"name":"a\u0000b"}"#.into(), "guard-422")
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["x-request-id"], "guard-422");
    assert_problem(r, 422, "validation_failed").await;
    // Well-formed JSON that is no object: serde would read `[]` as a
    // struct of defaults. Malformed JSON is left to the handler.
    for body in ["[]", "[null, []]", "\"x\"", "1"] {
        let r = send(body.into(), "guard-object").await.unwrap();
        let p = assert_problem(r, 422, "validation_failed").await;
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("JSON对象"),
            "{body}: {p}"
        );
    }
    let r = send("[1 2]".into(), "guard-malformed").await.unwrap();
    assert!(r.status().is_client_error());
    let p: Value = r.json().await.unwrap();
    assert!(
        !p["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("JSON对象"),
        "malformed JSON is the handler's: {p}"
    );
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for status in ["413", "422"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("anhuan_http_requests_total")
                    && l.contains(r#"endpoint="/api/v1/enterprises""#)
                    && l.contains(&format!(r#"status="{status}""#))),
            "no {status} counted:\n{text}"
        );
    }
}

/// Only a NUL the JSON decodes to is refused: `"\\u0000"` is a backslash
/// and the letters `u0000`.
#[actix_web::test]
async fn an_escaped_backslash_before_u0000_is_no_nul() {
    let app = TestApp::spawn().await;
    let name = r"C:\u0000 厂区";
    let body = serde_json::to_string(&serde_json::json!({
        "name": name, "credit_code": credit_code(), "industry": "aluminium",
        "address": "黔江", "contacts": [],
    }))
    .unwrap();
    assert!(body.contains(r"\\u0000"), "{body}");
    let r = app
        .client
        .post(app.url("/api/v1/enterprises"))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["name"], name);
}

#[actix_web::test]
async fn swagger_ui_is_served_with_local_assets_only() {
    let app = TestApp::spawn().await;
    let r = app.client.get(app.url("/api-docs/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Every asset the page loads comes from this server.
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            assets.push(part.split('"').next().unwrap().to_string());
        }
    }
    assert!(!assets.is_empty(), "{html}");
    for a in &assets {
        assert!(
            !a.contains("//") && !a.contains(':'),
            "external asset {a:?} in {html}"
        );
        let url = app.url(&format!("/api-docs/{}", a.trim_start_matches("./")));
        let r = app.client.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
    }
    // The initializer points at the spec this server serves, and at no
    // online validator.
    let init = app
        .client
        .get(app.url("/api-docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api-docs/openapi.json"), "{init}");
    assert!(!init.contains("validator.swagger.io"), "{init}");
}

#[actix_web::test]
async fn problem_type_uris_resolve_to_a_page() {
    let app = TestApp::spawn().await;
    // The `type` of a real answer leads to its page.
    let r = app.get("/api/v1/users/not-a-uuid", &app.admin).await;
    let p: Value = r.json().await.unwrap();
    let ty = p["type"].as_str().unwrap().to_string();
    assert_eq!(ty, "/problems/invalid_path_parameter");
    let r = app.client.get(app.url(&ty)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("invalid_path_parameter"), "{html}");
    assert!(html.contains("an id in the path is not a UUID"), "{html}");
    assert!(html.contains("请求无效"), "{html}");
    // Every documented code has one.
    for code in anhuan::error::codes::ALL {
        let r = app
            .client
            .get(app.url(&format!("/problems/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{code}");
    }
    let r = app
        .client
        .get(app.url("/problems/no_such_code"))
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
}

/// The spec's own consistency, without the Python tools of
/// scripts/check-spec.sh: unique operationIds, no dangling `$ref`, and
/// every operation behind a token documents 401 as a problem.
#[test]
fn spec_ids_refs_and_auth_answers_are_consistent() {
    let spec: Value = serde_json::from_str(&anhuan::api::openapi::json()).unwrap();
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path}: no operationId");
            assert!(ids.insert(id.to_string()), "operationId {id} twice");
            if op.get("security").is_some() {
                let ct = &op["responses"]["401"]["content"]["application/problem+json"];
                assert!(ct.is_object(), "{method} {path}: 401 undocumented");
            }
        }
    }
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&spec, &mut all);
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").expect(&r);
        assert!(
            spec["components"]["schemas"][name].is_object(),
            "dangling $ref {r}"
        );
    }
}
