//! Draft revisions: a delayed retry of an older inspection or finding
//! draft never overwrites a newer one; the same revision is a replay; a
//! submitted inspection still refuses other content.

use crate::helpers::*;
use serde_json::{json, Value};
use uuid::Uuid;

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

async fn problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    r.json().await.unwrap()
}

#[actix_web::test]
async fn inspection_drafts_never_go_back_to_an_older_revision() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江再生铝有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let t: Value = app
        .get("/api/v1/checklists/aluminium-processing", &insp)
        .await
        .json()
        .await
        .unwrap();
    let answers = passing_answers(&t);
    let draft = |revision: Option<i64>, accuracy: f64| {
        let mut b = json!({"enterprise_id": e, "checklist_code": t["code"], "checklist_version": t["version"],
                           "lat": 29.5331, "lon": 108.7708, "accuracy_m": accuracy, "answers": answers});
        if let Some(r) = revision {
            b["revision"] = json!(r);
        }
        b
    };
    let path = format!("/api/v1/inspections/{}", Uuid::new_v4());
    let r = app.put(&path, &insp, &draft(Some(1), 8.5)).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["revision"], 1);
    let r = app.put(&path, &insp, &draft(Some(3), 5.0)).await;
    assert_eq!(r.status(), 200);
    let newest: Value = r.json().await.unwrap();
    assert_eq!(newest["revision"], 3);

    // Revision 2 arrives late: refused, with the stored record.
    let p = problem(app.put(&path, &insp, &draft(Some(2), 12.0)).await, 409).await;
    assert_eq!(p["code"], "stale_revision");
    assert_eq!(p["current"]["revision"], 3);
    assert_eq!(p["current"]["accuracy_m"], 5.0);
    assert_eq!(p["current"]["id"], newest["id"]);
    let stored: Value = app.get(&path, &insp).await.json().await.unwrap();
    assert_eq!(stored["accuracy_m"], 5.0);

    // The same revision again is a replay; with other content it is stale.
    let r = app.put(&path, &insp, &draft(Some(3), 5.0)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["updated_at"],
        newest["updated_at"]
    );
    let p = problem(app.put(&path, &insp, &draft(Some(3), 6.0)).await, 409).await;
    assert_eq!(p["code"], "stale_revision");
    assert_eq!(p["current"]["accuracy_m"], 5.0);

    // A client that sends no revision keeps today's behaviour; the stored
    // revision stays, so an older numbered draft is still refused.
    let r = app.put(&path, &insp, &draft(None, 4.0)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["revision"], 3);
    let p = problem(app.put(&path, &insp, &draft(Some(2), 12.0)).await, 409).await;
    assert_eq!(p["code"], "stale_revision");
    assert_eq!(p["current"]["accuracy_m"], 4.0);

    // After submit: other content is 409 as before, whatever the revision;
    // the stored content under a newer revision is still a replay.
    let r = app.post(&format!("{path}/submit"), &insp, json!({})).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let p = problem(app.put(&path, &insp, &draft(Some(9), 3.0)).await, 409).await;
    assert_eq!(p["code"], "inspection_already_submitted");
    let r = app.put(&path, &insp, &draft(Some(9), 4.0)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "submitted");

    // Someone else's draft: the stale check never shows them the record.
    let (_, other) = app.user("inspector", None, &[]).await;
    let p = problem(app.put(&path, &other, &draft(Some(1), 1.0)).await, 403).await;
    assert!(p["current"].is_null());
    let bad = problem(app.put(&path, &insp, &draft(Some(-1), 1.0)).await, 422).await;
    assert_eq!(bad["code"], "validation_failed");
}

#[actix_web::test]
async fn finding_drafts_never_go_back_to_an_older_revision() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江铝业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = app.create_enterprise("黔江冷链有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (_, officer) = app.user("safety_officer", None, &[]).await;
    let (_, ent_f) = app.user("enterprise", Some(&f), &[]).await;
    let body = |revision: i64, description: &str| {
        json!({"enterprise_id": e, "category": "safety", "level": "general", "description": description,
               "lat": 29.5331, "lon": 108.7708, "revision": revision})
    };
    let path = format!("/api/v1/findings/{}", Uuid::new_v4());
    assert_eq!(
        app.put(&path, &insp, &body(1, "铝灰堆放区未设防雨设施"))
            .await
            .status(),
        201
    );
    let r = app
        .put(&path, &insp, &body(2, "铝灰堆放区未设防雨防潮设施"))
        .await;
    assert_eq!(r.status(), 200);
    let newest: Value = r.json().await.unwrap();
    assert_eq!(newest["revision"], 2);

    let p = problem(
        app.put(&path, &insp, &body(1, "铝灰堆放区未设防雨设施"))
            .await,
        409,
    )
    .await;
    assert_eq!(p["code"], "stale_revision");
    assert_eq!(p["current"]["description"], "铝灰堆放区未设防雨防潮设施");
    assert_eq!(p["current"]["revision"], 2);
    let r = app
        .put(&path, &insp, &body(2, "铝灰堆放区未设防雨防潮设施"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["updated_at"],
        newest["updated_at"]
    );
    let p = problem(app.put(&path, &insp, &body(2, "另一种描述")).await, 409).await;
    assert_eq!(p["code"], "stale_revision");
    let stored: Value = app.get(&path, &insp).await.json().await.unwrap();
    assert_eq!(stored["description"], "铝灰堆放区未设防雨防潮设施");

    // An enterprise user learns nothing: its role reports no findings (403
    // for any id, before the finding is looked up), and no `current`.
    let p = problem(app.put(&path, &ent_f, &body(1, "x")).await, 403).await;
    assert_eq!(p["code"], "forbidden");
    assert!(p["current"].is_null());

    // In an order: not editable, as before, whatever the revision.
    let deadline =
        anhuan::domain::time::park_today(chrono::Utc::now()) + chrono::Duration::days(10);
    let id = path.rsplit('/').next().unwrap();
    let r = app
        .post(
            "/api/v1/rectification-orders",
            &officer,
            json!({"enterprise_id": e, "finding_ids": [id], "requirements": "设置防雨防潮铝灰暂存间", "deadline": deadline.to_string()}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let p = problem(app.put(&path, &insp, &body(7, "改一下")).await, 409).await;
    assert_eq!(p["code"], "finding_not_editable");
}
