use crate::helpers::*;
use serde_json::{json, Value};

#[actix_web::test]
async fn create_validates_every_field_at_once() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/users",
            &app.admin,
            json!({"username": "x", "password": "short", "role": "enterprise"}),
        )
        .await;
    let p = assert_problem(r, 422, "validation_failed").await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["username", "password", "enterprise_id"]);
    // Unknown role is a body error too.
    let r = app
        .post(
            "/api/v1/users",
            &app.admin,
            json!({"username": "abc", "password": PASSWORD, "role": "root"}),
        )
        .await;
    assert_problem(r, 422, "validation_failed").await;
    // Binding to an enterprise that does not exist.
    let r = app
        .post("/api/v1/users", &app.admin, json!({"username": "qiye", "password": PASSWORD, "role": "enterprise", "enterprise_id": uuid::Uuid::now_v7()}))
        .await;
    let p = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(p["errors"][0]["field"], "enterprise_id");
    // Nothing was written by any of these.
    let list: Value = app
        .get("/api/v1/users", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn usernames_are_unique() {
    let app = TestApp::spawn().await;
    let body = json!({"username": "张检查", "password": PASSWORD, "role": "inspector"});
    assert_eq!(
        app.post("/api/v1/users", &app.admin, body.clone())
            .await
            .status(),
        201
    );
    assert_problem(
        app.post("/api/v1/users", &app.admin, body).await,
        409,
        "username_taken",
    )
    .await;
    app.login("张检查", PASSWORD).await;
}

#[actix_web::test]
async fn password_change_ends_sessions() {
    let app = TestApp::spawn().await;
    let (u, token) = app.user("safety_officer", None, &[]).await;
    let id = u["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin,
            json!({"password": "a-new-password"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_problem(app.get("/api/v1/me", &token).await, 401, "unauthenticated").await;
    app.login(u["username"].as_str().unwrap(), "a-new-password")
        .await;
}

#[actix_web::test]
async fn third_party_assignments_and_role_rules() {
    let app = TestApp::spawn().await;
    let a = app.create_enterprise("甲企业").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = app.create_enterprise("乙企业").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (u, token) = app.user("third_party", None, &[&a]).await;
    assert_eq!(u["assigned_enterprise_ids"], json!([a]));
    let id = u["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/enterprises/{b}"), &token)
            .await
            .status(),
        404
    );
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin,
            json!({"assigned_enterprise_ids": [a, b]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get(&format!("/api/v1/enterprises/{b}"), &token)
            .await
            .status(),
        200
    );
    // Only agency inspectors are assigned enterprises.
    let r = app
        .post("/api/v1/users", &app.admin, json!({"username": "insp-x", "password": PASSWORD, "role": "inspector", "assigned_enterprise_ids": [a]}))
        .await;
    assert_problem(r, 422, "validation_failed").await;
    // An admin cannot lock themselves out.
    let me: Value = app
        .get("/api/v1/me", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .patch(
            &format!("/api/v1/users/{}", me["id"].as_str().unwrap()),
            &app.admin,
            json!({"disabled": true}),
        )
        .await;
    assert_problem(r, 409, "cannot_demote_self").await;
}

#[actix_web::test]
async fn user_list_pages_and_filters() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.user("inspector", None, &[]).await;
    }
    app.user("safety_officer", None, &[]).await;
    let v: Value = app
        .get("/api/v1/users?role=inspector&limit=2", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let cursor = v["next_cursor"].as_str().unwrap();
    let v2: Value = app
        .get(
            &format!("/api/v1/users?role=inspector&limit=2&cursor={cursor}"),
            &app.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v2["items"].as_array().unwrap().len(), 1);
    assert!(v2["next_cursor"].is_null());
    assert!(v2["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["role"] == "inspector"));
}
