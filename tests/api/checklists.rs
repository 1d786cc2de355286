use crate::helpers::*;
use serde_json::{json, Value};

#[actix_web::test]
async fn templates_are_listed_and_filtered_by_industry() {
    let app = TestApp::spawn().await;
    let (_, token) = app
        .user(
            "enterprise",
            Some(app.create_enterprise("甲").await["id"].as_str().unwrap()),
            &[],
        )
        .await;
    let all: Value = app
        .get("/api/v1/checklists", &token)
        .await
        .json()
        .await
        .unwrap();
    let all = all["items"].as_array().unwrap();
    assert!(all.len() >= 10, "{}", all.len());
    let total_items: u64 = all.iter().map(|t| t["item_count"].as_u64().unwrap()).sum();
    assert!(total_items >= 60);
    let alu: Value = app
        .get("/api/v1/checklists?industry=aluminium", &token)
        .await
        .json()
        .await
        .unwrap();
    let alu = alu["items"].as_array().unwrap();
    assert!(alu
        .iter()
        .all(|t| t["industry"].is_null() || t["industry"] == "aluminium"));
    assert!(alu.iter().any(|t| t["industry"] == "aluminium"));
    assert_eq!(
        alu.iter().filter(|t| t["industry"].is_null()).count(),
        all.iter().filter(|t| t["industry"].is_null()).count()
    );
    let env: Value = app
        .get("/api/v1/checklists?category=environment", &token)
        .await
        .json()
        .await
        .unwrap();
    assert!(env["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["category"] == "environment"));

    let t: Value = app
        .get("/api/v1/checklists/safety-production", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["version"], 1);
    assert_eq!(t["category_label"]["zh"], "安全生产");
    let items = t["items"].as_array().unwrap();
    assert!(items
        .iter()
        .all(|i| i["text_zh"].as_str().is_some_and(|s| !s.is_empty()) && i["code"].is_string()));
    let v1: Value = app
        .get("/api/v1/checklists/safety-production/versions/1", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v1, t);
    assert_problem(
        app.get("/api/v1/checklists/nope", &token).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/checklists/safety-production/versions/9", &token)
            .await,
        404,
        "not_found",
    )
    .await;
}

fn small_template(version: i32, max: f64) -> Value {
    json!({
        "code": "night-shift", "version": version, "title_zh": "夜间巡查", "title_en": "Night patrol", "category": "safety",
        "items": [{
            "code": "NS-01", "group_zh": "巡查", "group_en": "Patrol", "text_zh": "液氨储罐区氨浓度", "text_en": "Ammonia at the tank farm",
            "response": "number", "unit": "mg/m³", "max": max, "required": true, "photo_on_fail": true, "default_level": "general",
            "basis": "GBZ 2.1-2019", "seed_clauses": ["6.1.b"]
        }]
    })
}

#[actix_web::test]
async fn admins_publish_versions_that_never_change() {
    let app = TestApp::spawn().await;
    let (_, officer) = app.user("safety_officer", None, &[]).await;
    assert_problem(
        app.post("/api/v1/checklists", &officer, small_template(1, 30.0))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.post("/api/v1/checklists", &app.admin, small_template(1, 30.0))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.post("/api/v1/checklists", &app.admin, small_template(1, 30.0))
            .await
            .status(),
        200,
        "replay"
    );
    assert_problem(
        app.post("/api/v1/checklists", &app.admin, small_template(1, 20.0))
            .await,
        409,
        "checklist_version_changed",
    )
    .await;
    assert_eq!(
        app.post("/api/v1/checklists", &app.admin, small_template(2, 20.0))
            .await
            .status(),
        201
    );
    let latest: Value = app
        .get("/api/v1/checklists/night-shift", &officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(latest["version"], 2);
    assert_eq!(latest["source"], "api");
    let v1: Value = app
        .get("/api/v1/checklists/night-shift/versions/1", &officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v1["items"][0]["max"], 30.0);
    let mut bad = small_template(3, 20.0);
    bad["items"][0]["unit"] = json!(null);
    bad["items"][0]["default_level"] = json!("major");
    bad["items"][0]["major_criterion"] = json!("x");
    bad["items"][0]["default_level"] = json!("general");
    let p = assert_problem(
        app.post("/api/v1/checklists", &app.admin, bad).await,
        422,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["items[0].unit", "items[0].default_level"]);
}

#[actix_web::test]
async fn a_changed_published_file_is_refused_at_start() {
    let app = TestApp::spawn().await;
    // Pretend the stored v1 differs from the file: the next start must refuse.
    app.sql(
        "UPDATE checklist_templates SET content_hash = 'tampered' WHERE code = 'safety-production'",
    );
    let (ok, out) = app.cli(&["migrate"], &[]);
    assert!(ok, "migrate alone does not load checklists: {out}");
    let (ok, err) = app.cli(&["user", "list"], &[]);
    assert!(
        !ok && err.contains("safety-production") && err.contains("new version"),
        "{err}"
    );
}
