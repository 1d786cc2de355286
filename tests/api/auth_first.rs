//! Authentication comes first (issue 17): every operation the spec marks
//! as needing a bearer token answers 401 to an unknown token, whatever
//! the body (even one the NUL guard would refuse), the content type of
//! the body, a malformed path id or query, or the state of the record.

use crate::helpers::*;
use serde_json::{json, Value};

#[actix_web::test]
async fn every_authenticated_route_answers_401_to_an_unknown_token_before_reading_the_body() {
    let app = TestApp::spawn().await;
    let spec: Value = serde_json::from_str(&anhuan::api::openapi::json()).unwrap();
    let bad = "no-such-token-0123456789abcdef";
    let mut walked = 0;
    let mut wrong = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if !secured {
                continue;
            }
            // Valid path parameters (a number for `{version}`, a UUID fits
            // every other `{…}`), so
            // only the token and the body can be wrong.
            let concrete: String = path
                .split('/')
                .map(|seg| {
                    if seg == "{version}" {
                        "1".to_string()
                    } else if seg.starts_with('{') {
                        uuid::Uuid::now_v7().to_string()
                    } else {
                        seg.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            // The same route again with ids that are no UUIDs and a query
            // that does not parse: still 401 first.
            let malformed: String = concrete
                .split('/')
                .map(|seg| {
                    if uuid::Uuid::parse_str(seg).is_ok() {
                        "not-a-uuid"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            for url in [
                app.url(&concrete),
                app.url(&format!("{malformed}?limit=abc&cursor=%25%25")),
            ] {
                let req = match method.as_str() {
                    "get" => app.client.get(&url),
                    "post" => app.client.post(&url),
                    "put" => app.client.put(&url),
                    "patch" => app.client.patch(&url),
                    "delete" => app.client.delete(&url),
                    _ => continue,
                };
                let invalid_bodies = [
                    (
                        "application/json",
                        json!({"bogus": [1, 2, 3], "decision": 7}).to_string(),
                    ),
                    ("application/json", "{not json".to_string()),
                    ("application/json", "[]".to_string()),
                    ("application/json", r#"{"comment":"\u0000"}"#.to_string()),
                    ("text/plain", "x".to_string()),
                ];
                for (ct, body) in &invalid_bodies {
                    let r = req
                        .try_clone()
                        .unwrap()
                        .bearer_auth(bad)
                        .header("content-type", *ct)
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    let status = r.status().as_u16();
                    let v: Value = r.json().await.unwrap_or(Value::Null);
                    if status != 401 || v["code"] != "unauthenticated" {
                        wrong.push(format!("{method} {path} {body}: {status} {}", v["code"]));
                    }
                    walked += 1;
                }
            }
        }
    }
    assert!(walked > 60, "walked {walked} requests");
    assert!(
        wrong.is_empty(),
        "authenticated after the body:\n{}",
        wrong.join("\n")
    );
}
