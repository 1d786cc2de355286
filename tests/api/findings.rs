use crate::helpers::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use uuid::Uuid;

fn finding(enterprise: &str, description: &str, level: &str) -> Value {
    json!({"enterprise_id": enterprise, "category": "safety", "level": level, "description": description,
           "location_text": "熔铸车间东侧", "lat": 29.53, "lon": 108.77, "photo_ids": []})
}

#[actix_web::test]
async fn ad_hoc_findings_are_idempotent_and_owned() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江燃气发电有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, inspector) = app.user("inspector", None, &[]).await;
    let path = format!("/api/v1/findings/{}", Uuid::new_v4());
    let mut b = finding(&e, "调压站可燃气体报警器未检定", "general");
    b["photo_ids"] = json!([app.photo(&inspector).await]);
    let r = app.put(&path, &inspector, &b).await;
    assert_eq!(r.status(), 201);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["source"], "ad_hoc");
    let pid = first["photo_ids"][0].as_str().unwrap();
    assert_eq!(
        first["photos"][0]["thumbnail"],
        format!("/api/v1/photos/{pid}/thumbnail")
    );
    let r = app.put(&path, &inspector, &b).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        first,
        "a replay answers the stored record"
    );
    let mut b2 = b.clone();
    b2["level"] = json!("major");
    let r = app.put(&path, &inspector, &b2).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["level"], "major");
    let (_, other) = app.user("inspector", None, &[]).await;
    b2["description"] = json!("改写");
    assert_problem(app.put(&path, &other, &b2).await, 403, "forbidden").await;
    let (_, ent) = app.user("enterprise", Some(&e), &[]).await;
    let r = app
        .put(&format!("/api/v1/findings/{}", Uuid::new_v4()), &ent, &b)
        .await;
    assert_problem(r, 403, "forbidden").await;
    assert_eq!(
        app.get(&path, &ent).await.status(),
        200,
        "the enterprise sees its own finding"
    );
    // Another inspector's photo that is attached to nothing cannot be referenced.
    let (_, third) = app.user("inspector", None, &[]).await;
    let mut foreign = finding(&e, "引用他人照片", "general");
    foreign["photo_ids"] = json!([app.photo(&third).await]);
    let r = app
        .put(
            &format!("/api/v1/findings/{}", Uuid::new_v4()),
            &inspector,
            &foreign,
        )
        .await;
    assert_eq!(
        assert_problem(r, 422, "validation_failed").await["errors"][0]["field"],
        "photo_ids"
    );
    let bad = json!({"enterprise_id": e, "category": "safety", "level": "general", "description": " ", "lat": 100.0, "lon": 1.0});
    let r = app
        .put(
            &format!("/api/v1/findings/{}", Uuid::new_v4()),
            &inspector,
            &bad,
        )
        .await;
    let p = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(p["errors"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn filters_search_and_scope() {
    let app = TestApp::spawn().await;
    let a = app.create_enterprise("甲铝业").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = app.create_enterprise("乙冷链").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, inspector) = app.user("inspector", None, &[]).await;
    let (_, agency) = app.user("third_party", None, &[&b]).await;
    let (_, ent_a) = app.user("enterprise", Some(&a), &[]).await;
    for (e, d, l) in [
        (&a, "铝灰渣露天堆放未覆盖", "general"),
        (&a, "深井铸造冷却水无流量报警", "major"),
        (&b, "液氨机房氨气报警器失效", "major"),
    ] {
        let r = app
            .put(
                &format!("/api/v1/findings/{}", Uuid::new_v4()),
                &inspector,
                &finding(e, d, l),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let count = |v: Value| v["items"].as_array().unwrap().len();
    assert_eq!(
        count(
            app.get("/api/v1/findings?level=major", &inspector)
                .await
                .json()
                .await
                .unwrap()
        ),
        2
    );
    assert_eq!(
        count(
            app.get("/api/v1/findings?q=报警", &inspector)
                .await
                .json()
                .await
                .unwrap()
        ),
        2
    );
    assert_eq!(
        count(
            app.get(
                &format!("/api/v1/findings?enterprise_id={a}&level=major"),
                &inspector
            )
            .await
            .json()
            .await
            .unwrap()
        ),
        1
    );
    assert_eq!(
        count(
            app.get("/api/v1/findings?source=inspection", &inspector)
                .await
                .json()
                .await
                .unwrap()
        ),
        0
    );
    assert_eq!(
        count(
            app.get("/api/v1/findings?status=open&category=safety", &inspector)
                .await
                .json()
                .await
                .unwrap()
        ),
        3
    );
    assert_eq!(
        count(
            app.get(
                "/api/v1/findings?created_from=2999-01-01T00:00:00Z",
                &inspector
            )
            .await
            .json()
            .await
            .unwrap()
        ),
        0
    );
    // Scoped users see only their own enterprise — even when they ask for another.
    assert_eq!(
        count(
            app.get("/api/v1/findings", &ent_a)
                .await
                .json()
                .await
                .unwrap()
        ),
        2
    );
    assert_eq!(
        count(
            app.get(&format!("/api/v1/findings?enterprise_id={b}"), &ent_a)
                .await
                .json()
                .await
                .unwrap()
        ),
        0
    );
    let v: Value = app
        .get("/api/v1/findings", &agency)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(v.clone()), 1);
    assert_eq!(v["items"][0]["enterprise_id"], b.as_str());
}

#[actix_web::test]
async fn pages_never_skip_or_repeat_while_rows_arrive() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("丙调味品").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, inspector) = app.user("inspector", None, &[]).await;
    let mut before = HashSet::new();
    for i in 0..9 {
        let id = Uuid::new_v4(); // random ids: order must not depend on them
        let r = app
            .put(
                &format!("/api/v1/findings/{id}"),
                &inspector,
                &finding(&e, &format!("隐患{i}"), "general"),
            )
            .await;
        assert_eq!(r.status(), 201);
        before.insert(id.to_string());
    }
    let mut seen = Vec::new();
    let mut url = "/api/v1/findings?limit=4".to_string();
    loop {
        let v: Value = app.get(&url, &inspector).await.json().await.unwrap();
        seen.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_string()),
        );
        // New findings keep arriving between pages.
        app.put(
            &format!("/api/v1/findings/{}", Uuid::new_v4()),
            &inspector,
            &finding(&e, "新隐患", "general"),
        )
        .await;
        match v["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/findings?limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 9, "{seen:?}");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), before);
}
