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

/// Every item answered as a passing inspector would.
pub(crate) fn passing(t: &Value) -> Vec<Value> {
    t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| match i["response"].as_str().unwrap() {
            "number" => {
                let v = i["max"].as_f64().or(i["min"].as_f64()).unwrap();
                json!({"item_code": i["code"], "result": "pass", "value": v})
            }
            "text" => {
                json!({"item_code": i["code"], "value": "2026-11-02 熔铸车间铝液泄漏应急演练"})
            }
            _ => json!({"item_code": i["code"], "result": "pass"}),
        })
        .collect()
}

pub(crate) fn inspection(enterprise: &str, t: &Value, answers: Vec<Value>) -> Value {
    json!({
        "enterprise_id": enterprise, "checklist_code": t["code"], "checklist_version": t["version"],
        "started_at": "2026-11-20T01:30:00Z", "finished_at": "2026-11-20T03:05:00Z",
        "lat": 29.5331, "lon": 108.7708, "accuracy_m": 8.5, "answers": answers
    })
}

#[actix_web::test]
async fn a_failed_device_makes_a_general_item_a_major_finding_with_its_clause() {
    let app = TestApp::spawn().await;
    let enterprise = app.create_enterprise("黔江铝棒铸造有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, inspector) = app.user("inspector", None, &[]).await;
    let t: Value = app
        .get("/api/v1/checklists/aluminium-processing", &inspector)
        .await
        .json()
        .await
        .unwrap();
    let items = t["items"].as_array().unwrap();
    // A general item (no criterion of its own) that declares the failed-device clause.
    let device = items
        .iter()
        .find(|i| {
            i["default_level"] == "general"
                && i["major_criterion"].is_null()
                && !i["device_failure_criterion"].is_null()
        })
        .expect("a general item with a failed-device clause");
    let (code, clause) = (
        device["code"].as_str().unwrap(),
        device["device_failure_criterion"].as_str().unwrap(),
    );
    assert!(clause.ends_with("第十四条"), "{clause}");
    // A general item without the clause.
    let plain = items
        .iter()
        .find(|i| {
            i["default_level"] == "general"
                && i["device_failure_criterion"].is_null()
                && i["response"] == "pass_fail"
        })
        .unwrap()["code"]
        .as_str()
        .unwrap();

    // Reporting a failed device on an item that declares no clause is refused.
    let mut answers = passing(&t);
    let at = |answers: &mut Vec<Value>, c: &str| {
        answers.iter().position(|a| a["item_code"] == c).unwrap()
    };
    let i = at(&mut answers, plain);
    answers[i] = json!({"item_code": plain, "result": "fail", "device_failed": true, "photo_ids": [app.photo(&inspector).await]});
    let path = format!("/api/v1/inspections/{}", uuid::Uuid::new_v4());
    let p = assert_problem(
        app.put(
            &path,
            &inspector,
            &inspection(&enterprise, &t, answers.clone()),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert!(
        p["errors"][0]["field"]
            .as_str()
            .unwrap()
            .ends_with(".device_failed"),
        "{p}"
    );

    // The same general failure without a failed device, and the
    // device item failing because its device did not act.
    answers[i] =
        json!({"item_code": plain, "result": "fail", "photo_ids": [app.photo(&inspector).await]});
    let d = at(&mut answers, code);
    answers[d] = json!({"item_code": code, "result": "fail", "device_failed": true,
        "note": "模拟低流量信号，快速切断阀未动作", "photo_ids": [app.photo(&inspector).await]});
    let r = app
        .put(&path, &inspector, &inspection(&enterprise, &t, answers))
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(&format!("{path}/submit"), &inspector, json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let done: Value = r.json().await.unwrap();
    let findings = done["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{findings:?}");
    let of = |c: &str| findings.iter().find(|f| f["item_code"] == c).unwrap();
    assert_eq!(of(code)["level"], "major");
    assert_eq!(of(code)["major_criterion"], clause);
    assert_eq!(of(plain)["level"], "general");
    assert!(of(plain)["major_criterion"].is_null());
    // The stored finding says the same.
    let id = of(code)["id"].as_str().unwrap();
    let f: Value = app
        .get(&format!("/api/v1/findings/{id}"), &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (f["level"].clone(), f["major_criterion"].clone()),
        (json!("major"), json!(clause))
    );
}

#[actix_web::test]
async fn a_changed_shipped_template_loads_as_a_new_version_and_inspections_keep_theirs() {
    let app = TestApp::spawn().await;
    // Pretend the database holds an older shipped file as v1: the current
    // file's content under version 1, with another hash.
    let current: Value = app
        .get("/api/v1/checklists/aluminium-processing", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let shipped = current["version"].as_i64().unwrap();
    assert!(
        shipped >= 2,
        "the shipped aluminium template was changed, so it is a new version"
    );
    app.sql(&format!(
        "UPDATE checklist_templates SET version = 1, content_hash = 'older-file', \
         body = REPLACE(body, '\"version\":{shipped}', '\"version\":1') WHERE code = 'aluminium-processing'"
    ));
    let old: Value = app
        .get(
            "/api/v1/checklists/aluminium-processing/versions/1",
            &app.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["version"], 1);
    // An inspection pinned to v1.
    let enterprise = app.create_enterprise("黔江老版本铝业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, inspector) = app.user("inspector", None, &[]).await;
    let path = format!("/api/v1/inspections/{}", uuid::Uuid::new_v4());
    let first = old["items"][0]["code"].clone();
    let r = app
        .put(
            &path,
            &inspector,
            &inspection(
                &enterprise,
                &old,
                vec![json!({"item_code": first, "result": "pass"})],
            ),
        )
        .await;
    assert_eq!(r.status(), 201);

    // The next start loads the file as its own version beside v1.
    let (ok, out) = app.cli(&["user", "list"], &[]);
    assert!(ok, "{out}");
    let latest: Value = app
        .get("/api/v1/checklists/aluminium-processing", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(latest["version"], shipped);
    assert_eq!(latest["source"], "file");
    let still: Value = app
        .get(
            "/api/v1/checklists/aluminium-processing/versions/1",
            &app.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["content_hash"], "older-file");
    let pinned: Value = app.get(&path, &inspector).await.json().await.unwrap();
    assert_eq!(pinned["checklist"]["version"], 1);
}
