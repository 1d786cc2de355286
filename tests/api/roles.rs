//! Every role against every endpoint of the foundation: allowed, 401, 403,
//! or 404 when the record is outside an enterprise user's scope.

use crate::helpers::*;
use serde_json::{json, Value};

struct World {
    app: TestApp,
    own: String,
    other: String,
    tokens: Vec<(&'static str, String, String)>, // role, token, user id
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let own = app.create_enterprise("黔江再生铝业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app.create_enterprise("黔江冷链物流有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut tokens = Vec::new();
    for role in [
        "inspector",
        "third_party",
        "enterprise",
        "safety_officer",
        "admin",
    ] {
        let (u, t) = match role {
            "enterprise" => app.user(role, Some(&own), &[]).await,
            "third_party" => app.user(role, None, &[&own]).await,
            _ => app.user(role, None, &[]).await,
        };
        tokens.push((role, t, u["id"].as_str().unwrap().to_string()));
    }
    World {
        app,
        own,
        other,
        tokens,
    }
}

fn expect(role: &str, table: &[(&str, u16)]) -> u16 {
    table
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, s)| *s)
        .unwrap()
}

#[actix_web::test]
async fn user_administration_is_admin_only() {
    let w = world().await;
    let app = &w.app;
    let some_user = w.tokens[0].2.clone();
    for (role, token, my_id) in &w.tokens {
        let body =
            json!({"username": format!("new-{role}"), "password": PASSWORD, "role": "inspector"});
        let allowed = *role == "admin";
        let r = app.post("/api/v1/users", token, body).await;
        assert_eq!(
            r.status(),
            if allowed { 201 } else { 403 },
            "POST /users as {role}"
        );
        let r = app.get("/api/v1/users", token).await;
        assert_eq!(
            r.status(),
            if allowed { 200 } else { 403 },
            "GET /users as {role}"
        );
        // Reading someone else: admin only; everyone else is told it does not exist.
        let r = app.get(&format!("/api/v1/users/{some_user}"), token).await;
        let want = if allowed || *my_id == some_user {
            200
        } else {
            404
        };
        assert_eq!(r.status(), want, "GET /users/id as {role}");
        // Reading yourself is fine for everyone.
        assert_eq!(
            app.get(&format!("/api/v1/users/{my_id}"), token)
                .await
                .status(),
            200
        );
        let r = app
            .patch(
                &format!("/api/v1/users/{some_user}"),
                token,
                json!({"display_name": "改名"}),
            )
            .await;
        assert_eq!(
            r.status(),
            if allowed { 200 } else { 403 },
            "PATCH /users as {role}"
        );
        assert_eq!(app.get("/api/v1/me", token).await.status(), 200);
    }
    // Without a token: 401 everywhere.
    for path in [
        "/api/v1/users",
        "/api/v1/enterprises",
        "/api/v1/me",
        &format!("/api/v1/users/{some_user}"),
    ] {
        assert_problem(
            app.client.get(app.url(path)).send().await.unwrap(),
            401,
            "unauthenticated",
        )
        .await;
    }
}

#[actix_web::test]
async fn enterprise_register_by_role_and_scope() {
    let w = world().await;
    let app = &w.app;
    let read = [
        ("inspector", 200),
        ("third_party", 200),
        ("enterprise", 200),
        ("safety_officer", 200),
        ("admin", 200),
    ];
    let read_other = [
        ("inspector", 200),
        ("third_party", 404),
        ("enterprise", 404),
        ("safety_officer", 200),
        ("admin", 200),
    ];
    let create = [
        ("inspector", 403),
        ("third_party", 403),
        ("enterprise", 403),
        ("safety_officer", 201),
        ("admin", 201),
    ];
    let patch_own = [
        ("inspector", 403),
        ("third_party", 403),
        ("enterprise", 403),
        ("safety_officer", 200),
        ("admin", 200),
    ];
    let patch_other = [
        ("inspector", 403),
        ("third_party", 404),
        ("enterprise", 404),
        ("safety_officer", 200),
        ("admin", 200),
    ];
    let visible = [
        ("inspector", 2),
        ("third_party", 1),
        ("enterprise", 1),
        ("safety_officer", 2),
        ("admin", 2),
    ];
    for (role, token, _) in &w.tokens {
        let r = app
            .get(&format!("/api/v1/enterprises/{}", w.own), token)
            .await;
        assert_eq!(
            r.status().as_u16(),
            expect(role, &read),
            "GET own as {role}"
        );
        let r = app
            .get(&format!("/api/v1/enterprises/{}", w.other), token)
            .await;
        assert_eq!(
            r.status().as_u16(),
            expect(role, &read_other),
            "GET other as {role}"
        );
        if expect(role, &read_other) == 404 {
            // Indistinguishable from an id that does not exist at all.
            let a = assert_problem(r, 404, "not_found").await;
            let b = assert_problem(
                app.get(
                    &format!("/api/v1/enterprises/{}", uuid::Uuid::now_v7()),
                    token,
                )
                .await,
                404,
                "not_found",
            )
            .await;
            assert_eq!(a["detail"], b["detail"]);
        }
        let body = json!({"name": format!("{role}新企业"), "credit_code": credit_code()});
        let r = app.post("/api/v1/enterprises", token, body).await;
        assert_eq!(r.status().as_u16(), expect(role, &create), "POST as {role}");
        let r = app
            .patch(
                &format!("/api/v1/enterprises/{}", w.own),
                token,
                json!({"address": format!("{role}改")}),
            )
            .await;
        assert_eq!(
            r.status().as_u16(),
            expect(role, &patch_own),
            "PATCH own as {role}"
        );
        let r = app
            .patch(
                &format!("/api/v1/enterprises/{}", w.other),
                token,
                json!({"address": "改"}),
            )
            .await;
        assert_eq!(
            r.status().as_u16(),
            expect(role, &patch_other),
            "PATCH other as {role}"
        );
    }
    // Listing: scoped users see only their enterprises (count before the creations above is 2).
    for (role, token, _) in &w.tokens {
        let v: Value = app
            .get("/api/v1/enterprises?q=黔江", token)
            .await
            .json()
            .await
            .unwrap();
        let items = v["items"].as_array().unwrap();
        assert_eq!(
            items.len(),
            expect(role, &visible) as usize,
            "list as {role}: {v}"
        );
        if matches!(*role, "enterprise" | "third_party") {
            assert_eq!(items[0]["id"], w.own.as_str());
        }
    }
}
