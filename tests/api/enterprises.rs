use crate::helpers::*;
use serde_json::{json, Value};
use std::collections::HashSet;

#[actix_web::test]
async fn create_read_update_round_trip() {
    let app = TestApp::spawn().await;
    let code = credit_code();
    let body = json!({
        "name": "重庆黔江卷烟厂", "credit_code": code.to_lowercase(), "industry": "tobacco",
        "address": "黔江高新区正阳大道1号", "lat": 29.5331, "lon": 108.7708,
        "contacts": [{"name": "王安全", "title": "安全科科长", "phone": "023-79200000"}]
    });
    let r = app.post("/api/v1/enterprises", &app.admin, body).await;
    assert_eq!(r.status(), 201);
    let loc = r
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["credit_code"], code, "stored upper-case");
    assert_eq!(e["industry"], "tobacco");
    assert_eq!(e["industry_label"]["zh"], "卷烟");
    assert_eq!(
        uuid::Uuid::parse_str(e["id"].as_str().unwrap())
            .unwrap()
            .get_version_num(),
        7
    );
    let id = e["id"].as_str().unwrap();
    assert_eq!(loc, format!("/api/v1/enterprises/{id}"));
    let got: Value = app.get(&loc, &app.admin).await.json().await.unwrap();
    assert_eq!(got, e);

    let r = app
        .patch(
            &loc,
            &app.admin,
            json!({"lat": null, "lon": null, "contacts": [], "name": "重庆中烟黔江卷烟厂"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let u: Value = r.json().await.unwrap();
    assert!(u["lat"].is_null() && u["lon"].is_null());
    assert_eq!(u["contacts"], json!([]));
    assert_eq!(
        u["address"], "黔江高新区正阳大道1号",
        "untouched fields stay"
    );
    assert_eq!(u["created_at"], e["created_at"]);
    assert!(u["updated_at"].as_str().unwrap() >= e["updated_at"].as_str().unwrap());
}

#[actix_web::test]
async fn credit_code_is_checked_and_unique() {
    let app = TestApp::spawn().await;
    // Real codes with a correct check character pass…
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "示例", "credit_code": "91350100M000100Y43"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    // …the same code twice is a conflict…
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "重复", "credit_code": "91350100M000100Y43"}),
        )
        .await;
    assert_problem(r, 409, "credit_code_taken").await;
    // …and a wrong check character, bad letters or length are field errors.
    for bad in ["91350100M000100Y44", "91350100M000100I43", "9135010"] {
        let r = app
            .post(
                "/api/v1/enterprises",
                &app.admin,
                json!({"name": "坏", "credit_code": bad}),
            )
            .await;
        let p = assert_problem(r, 422, "validation_failed").await;
        assert_eq!(p["errors"][0]["field"], "credit_code", "{bad}");
    }
    // Changing another enterprise to a taken code is refused as well.
    let e = app.create_enterprise("另一家").await;
    let r = app
        .patch(
            &format!("/api/v1/enterprises/{}", e["id"].as_str().unwrap()),
            &app.admin,
            json!({"credit_code": "91350100M000100Y43"}),
        )
        .await;
    assert_problem(r, 409, "credit_code_taken").await;
}

#[actix_web::test]
async fn validation_lists_every_bad_field() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "", "credit_code": "91350100M000100Y44", "industry": "mining", "lat": 91.0, "lon": 108.0,
                   "contacts": [{"name": "", "phone": "call me"}]}),
        )
        .await;
    let p = assert_problem(r, 422, "validation_failed").await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "credit_code",
            "industry",
            "lat",
            "contacts[0].name",
            "contacts[0].phone"
        ]
    );
    let list: Value = app
        .get("/api/v1/enterprises", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );
}

#[actix_web::test]
async fn list_filters_and_pages_without_gaps() {
    let app = TestApp::spawn().await;
    let mut made = Vec::new();
    for i in 0..7 {
        let e = app.create_enterprise(&format!("黔江测试企业{i:02}")).await;
        made.push(e["id"].as_str().unwrap().to_string());
    }
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "正阳冷库", "credit_code": credit_code(), "industry": "cold_chain"}),
        )
        .await;
    assert_eq!(r.status(), 201);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/enterprises?q=测试企业&limit=3&cursor={c}"),
            None => "/api/v1/enterprises?q=测试企业&limit=3".to_string(),
        };
        let v: Value = app.get(&path, &app.admin).await.json().await.unwrap();
        pages += 1;
        seen.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string()),
        );
        // Rows inserted while paging sort after the cursor and are seen, never skipped.
        if pages == 1 {
            let e = app.create_enterprise("黔江测试企业-新").await;
            made.push(e["id"].as_str().unwrap().to_string());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, made, "every item exactly once, in creation order");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());

    let v: Value = app
        .get("/api/v1/enterprises?industry=cold_chain", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["name"], "正阳冷库");
    // LIKE wildcards in the search text are literal.
    let v: Value = app
        .get("/api/v1/enterprises?q=%25", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(v["items"].as_array().unwrap().is_empty());
}
