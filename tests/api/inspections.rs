use crate::helpers::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// Answers every item of a template as a passing inspector would.
fn passing_answers(t: &Value) -> Vec<Value> {
    t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| match i["response"].as_str().unwrap() {
            "number" => {
                let v = match (i["min"].as_f64(), i["max"].as_f64()) {
                    (Some(a), Some(b)) => (a + b) / 2.0,
                    (Some(a), None) => a,
                    (None, Some(b)) => b,
                    _ => 0.0,
                };
                json!({"item_code": i["code"], "result": "pass", "value": v})
            }
            "text" => json!({"item_code": i["code"], "value": "2026-10-12 液氨泄漏应急演练"}),
            _ => json!({"item_code": i["code"], "result": "pass"}),
        })
        .collect()
}

fn find<'a>(answers: &'a mut [Value], code: &str) -> &'a mut Value {
    answers.iter_mut().find(|a| a["item_code"] == code).unwrap()
}

struct Setup {
    app: TestApp,
    enterprise: String,
    inspector: String,
    template: Value,
}

async fn setup(code: &str) -> Setup {
    let app = TestApp::spawn().await;
    let enterprise = app.create_enterprise("黔江再生铝有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, inspector) = app.user("inspector", None, &[]).await;
    let template: Value = app
        .get(&format!("/api/v1/checklists/{code}"), &inspector)
        .await
        .json()
        .await
        .unwrap();
    Setup {
        app,
        enterprise,
        inspector,
        template,
    }
}

fn body(s: &Setup, answers: Vec<Value>) -> Value {
    json!({
        "enterprise_id": s.enterprise, "checklist_code": s.template["code"], "checklist_version": s.template["version"],
        "started_at": "2026-11-20T01:30:00Z", "finished_at": "2026-11-20T03:05:00Z",
        "lat": 29.5331, "lon": 108.7708, "accuracy_m": 8.5, "answers": answers
    })
}

#[actix_web::test]
async fn phone_flow_from_draft_to_findings() {
    let s = setup("aluminium-processing").await;
    let app = &s.app;
    let items = s.template["items"].as_array().unwrap().clone();
    let major = items
        .iter()
        .find(|i| !i["major_criterion"].is_null())
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let number = items
        .iter()
        .find(|i| i["response"] == "number")
        .unwrap()
        .clone();
    let general = items
        .iter()
        .find(|i| i["major_criterion"].is_null() && i["response"] == "pass_fail")
        .map(|i| i["code"].as_str().unwrap().to_string());
    let id = Uuid::new_v4(); // any UUID version from a phone
    let path = format!("/api/v1/inspections/{id}");

    // A first, partial draft from the field.
    let r = app
        .put(
            &path,
            &s.inspector,
            &body(&s, vec![json!({"item_code": major, "result": "fail"})]),
        )
        .await;
    assert_eq!(r.status(), 201);
    let draft: Value = r.json().await.unwrap();
    assert_eq!(draft["state"], "draft");
    assert_eq!(draft["kind"], "inspection");
    assert_eq!(draft["checklist"]["code"], "aluminium-processing");

    // Submitting now names every missing item and the missing photo.
    let p = assert_problem(
        app.post(&format!("{path}/submit"), &s.inspector, json!({}))
            .await,
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
    assert!(
        fields.contains(&format!("items.{major}").as_str()),
        "{fields:?}"
    );
    let required = items.iter().filter(|i| i["required"] == true).count();
    assert!(fields.len() >= required - 1, "{fields:?}");

    // Grading a criterion-major failure down is refused.
    let mut answers = passing_answers(&s.template);
    *find(&mut answers, &major) = json!({"item_code": major, "result": "fail", "level": "general", "photo_ids": [app.photo(&s.inspector).await]});
    let r = app
        .put(&path, &s.inspector, &body(&s, answers.clone()))
        .await;
    let p = assert_problem(r, 422, "validation_failed").await;
    assert!(p["errors"][0]["field"]
        .as_str()
        .unwrap()
        .ends_with(".level"));

    // The full record: one major failure with a photo, one measured value out of range, one general failure raised to major.
    *find(&mut answers, &major) = json!({"item_code": major, "result": "fail", "note": "泄爆片被杂物遮挡", "location_text": "抛光车间2号除尘器", "photo_ids": [app.photo(&s.inspector).await]});
    let over = number["max"]
        .as_f64()
        .map(|m| m + 1.0)
        .unwrap_or_else(|| number["min"].as_f64().unwrap() - 1.0);
    *find(&mut answers, number["code"].as_str().unwrap()) = json!({"item_code": number["code"], "result": "pass", "value": over, "photo_ids": [app.photo(&s.inspector).await]});
    if let Some(g) = &general {
        *find(&mut answers, g) = json!({"item_code": g, "result": "fail", "level": "major", "photo_ids": [app.photo(&s.inspector).await]});
    }
    let full = body(&s, answers);
    let r = app.put(&path, &s.inspector, &full).await;
    assert_eq!(r.status(), 200);
    let saved: Value = r.json().await.unwrap();
    let flagged = saved["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["item_code"] == number["code"])
        .unwrap()
        .clone();
    assert_eq!(flagged["out_of_range"], true);
    assert_eq!(flagged["failed"], true);
    assert_eq!(
        saved["received_at"], draft["received_at"],
        "first receipt time is kept"
    );

    let r = app
        .post(&format!("{path}/submit"), &s.inspector, json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["state"], "submitted");
    let findings = done["findings"].as_array().unwrap();
    let expected = 2 + usize::from(general.is_some());
    assert_eq!(findings.len(), expected, "{findings:?}");
    let f_major = findings
        .iter()
        .find(|f| f["item_code"] == major.as_str())
        .unwrap();
    assert_eq!(f_major["level"], "major");
    assert_eq!(f_major["level_label"]["zh"], "重大隐患");
    assert_eq!(f_major["source"], "inspection");
    assert_eq!(f_major["status"], "open");
    assert!(f_major["major_criterion"]
        .as_str()
        .unwrap()
        .contains("重大事故隐患判定标准"));
    assert!(f_major["description"]
        .as_str()
        .unwrap()
        .contains("泄爆片被杂物遮挡"));
    assert_eq!(
        f_major["location_text"], "抛光车间2号除尘器",
        "the answer's 部位"
    );
    assert_eq!(f_major["enterprise_id"], s.enterprise.as_str());
    let f_num = findings
        .iter()
        .find(|f| f["item_code"] == number["code"])
        .unwrap();
    assert!(f_num["description"].as_str().unwrap().contains("超出限值"));
    if let Some(g) = &general {
        assert_eq!(
            findings
                .iter()
                .find(|f| f["item_code"] == g.as_str())
                .unwrap()["level"],
            "major",
            "raised by the inspector"
        );
    }

    // Retries: submit again, and PUT the same body again — nothing new.
    let again: Value = app
        .post(&format!("{path}/submit"), &s.inspector, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["findings"].as_array().unwrap().len(), expected);
    let r = app.put(&path, &s.inspector, &full).await;
    assert_eq!(r.status(), 200);
    let list: Value = app
        .get(
            &format!("/api/v1/findings?inspection_id={id}"),
            &s.inspector,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), expected);
    // A different body after submission is a conflict.
    let mut changed = full.clone();
    changed["accuracy_m"] = json!(3.0);
    let r = app.put(&path, &s.inspector, &changed).await;
    assert_problem(r, 409, "inspection_already_submitted").await;
}

#[actix_web::test]
async fn drafts_belong_to_their_inspector() {
    let s = setup("safety-production").await;
    let app = &s.app;
    let id = Uuid::now_v7();
    let path = format!("/api/v1/inspections/{id}");
    let b = body(&s, vec![]);
    assert_eq!(app.put(&path, &s.inspector, &b).await.status(), 201);
    let (_, other) = app.user("inspector", None, &[]).await;
    let mut b2 = b.clone();
    b2["accuracy_m"] = json!(1.0);
    assert_problem(app.put(&path, &other, &b2).await, 403, "forbidden").await;
    assert_problem(
        app.post(&format!("{path}/submit"), &other, json!({})).await,
        403,
        "forbidden",
    )
    .await;
    // …but every inspector may read it.
    assert_eq!(app.get(&path, &other).await.status(), 200);
    // Admins do not run inspections.
    let r = app
        .put(
            &format!("/api/v1/inspections/{}", Uuid::now_v7()),
            &app.admin,
            &b,
        )
        .await;
    assert_problem(r, 403, "forbidden").await;
    // Unknown checklist versions and items are field errors.
    let mut bad = b.clone();
    bad["checklist_version"] = json!(42);
    let r = app
        .put(
            &format!("/api/v1/inspections/{}", Uuid::now_v7()),
            &s.inspector,
            &bad,
        )
        .await;
    assert_eq!(
        assert_problem(r, 422, "validation_failed").await["errors"][0]["field"],
        "checklist_version"
    );
    let bad = body(&s, vec![json!({"item_code": "XX-99", "result": "pass"})]);
    let r = app
        .put(
            &format!("/api/v1/inspections/{}", Uuid::now_v7()),
            &s.inspector,
            &bad,
        )
        .await;
    assert_eq!(
        assert_problem(r, 422, "validation_failed").await["errors"][0]["field"],
        "answers[0].item_code"
    );
}

#[actix_web::test]
async fn self_inspections_stay_inside_the_enterprise() {
    let s = setup("ecology-environment").await;
    let app = &s.app;
    let other = app.create_enterprise("乙公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, mine) = app.user("enterprise", Some(&s.enterprise), &[]).await;
    let (_, theirs) = app.user("enterprise", Some(&other), &[]).await;

    let mut answers = passing_answers(&s.template);
    let first_pf = s.template["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["response"] == "pass_fail")
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    *find(&mut answers, &first_pf) = json!({"item_code": first_pf, "result": "fail", "photo_ids": [app.photo(&mine).await], "note": "自查发现"});
    let id = Uuid::now_v7();
    let path = format!("/api/v1/inspections/{id}");
    let r = app.put(&path, &mine, &body(&s, answers.clone())).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["kind"], "self_inspection");
    let done: Value = app
        .post(&format!("{path}/submit"), &mine, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["findings"][0]["source"], "self_inspection");
    let fid = done["findings"][0]["id"].as_str().unwrap().to_string();

    // The other enterprise can neither see it nor run one for us.
    assert_problem(app.get(&path, &theirs).await, 404, "not_found").await;
    assert_problem(
        app.get(&format!("/api/v1/findings/{fid}"), &theirs).await,
        404,
        "not_found",
    )
    .await;
    let list: Value = app
        .get("/api/v1/inspections", &theirs)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    let r = app
        .put(
            &format!("/api/v1/inspections/{}", Uuid::now_v7()),
            &theirs,
            &body(&s, answers),
        )
        .await;
    assert_eq!(
        assert_problem(r, 422, "validation_failed").await["errors"][0]["field"],
        "enterprise_id"
    );
    // An inspector and the enterprise itself see it.
    assert_eq!(app.get(&path, &s.inspector).await.status(), 200);
    let list: Value = app
        .get("/api/v1/inspections?state=submitted", &mine)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn inspection_list_filters_and_pages() {
    let s = setup("social-stability").await;
    let app = &s.app;
    let (_, second) = app.user("third_party", None, &[&s.enterprise]).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let token = if i % 2 == 0 { &s.inspector } else { &second };
        let id = Uuid::new_v4();
        let r = app
            .put(
                &format!("/api/v1/inspections/{id}"),
                token,
                &body(&s, vec![]),
            )
            .await;
        assert_eq!(r.status(), 201);
        ids.push(id.to_string());
    }
    let mut seen = Vec::new();
    let mut url = "/api/v1/inspections?limit=2&checklist_code=social-stability".to_string();
    loop {
        let v: Value = app.get(&url, &s.inspector).await.json().await.unwrap();
        seen.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => {
                url = format!(
                    "/api/v1/inspections?limit=2&checklist_code=social-stability&cursor={c}"
                )
            }
            None => break,
        }
    }
    ids.reverse(); // newest first
    assert_eq!(seen, ids);
    let me: Value = app.get("/api/v1/me", &second).await.json().await.unwrap();
    let v: Value = app
        .get(
            &format!(
                "/api/v1/inspections?inspector_id={}",
                me["id"].as_str().unwrap()
            ),
            &s.inspector,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let v: Value = app
        .get(
            "/api/v1/inspections?checklist_code=safety-production",
            &s.inspector,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(v["items"].as_array().unwrap().is_empty());
}
