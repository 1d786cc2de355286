//! Enterprises with more than one industry: the register, the CSV import
//! and the checklists each one calls for.

use crate::helpers::*;
use serde_json::{json, Value};

async fn addons(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let v: Value = app
        .get(&format!("/api/v1/checklists?{query}"), token)
        .await
        .json()
        .await
        .unwrap();
    let items = v["items"].as_array().unwrap();
    assert!(
        items.iter().any(|t| t["industry"].is_null()),
        "the base templates come too"
    );
    let mut out: Vec<String> = items
        .iter()
        .filter_map(|t| t["industry"].as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

#[actix_web::test]
async fn an_enterprise_with_two_industries_gets_both_add_ons() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "黔江冷鲜食品有限公司", "credit_code": credit_code(), "industries": ["food", "cold_chain"]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["industries"], json!(["food", "cold_chain"]));
    assert_eq!(e["industry"], "food", "the first is the primary");
    let id = e["id"].as_str().unwrap().to_string();

    let (_, inspector) = app.user("inspector", None, &[]).await;
    assert_eq!(
        addons(&app, &inspector, &format!("enterprise_id={id}")).await,
        ["cold_chain", "food"]
    );
    // The enterprise's own account sees the same; another enterprise's does not.
    let (_, own) = app.user("enterprise", Some(&id), &[]).await;
    assert_eq!(
        addons(&app, &own, &format!("enterprise_id={id}")).await,
        ["cold_chain", "food"]
    );
    let other = app.create_enterprise("黔江别家铝业有限公司").await;
    let (_, stranger) = app
        .user("enterprise", Some(other["id"].as_str().unwrap()), &[])
        .await;
    assert_problem(
        app.get(&format!("/api/v1/checklists?enterprise_id={id}"), &stranger)
            .await,
        404,
        "not_found",
    )
    .await;

    // Listing by industry finds it under either one.
    for ind in ["food", "cold_chain"] {
        let v: Value = app
            .get(&format!("/api/v1/enterprises?industry={ind}"), &app.admin)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == id.as_str()),
            "{ind}"
        );
    }

    // PATCH `industry` alone changes the primary and keeps the others;
    // `industries` replaces the set.
    let path = format!("/api/v1/enterprises/{id}");
    let e: Value = app
        .patch(&path, &app.admin, json!({"industry": "gas_power"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["industries"], json!(["gas_power", "food", "cold_chain"]));
    let e: Value = app
        .patch(
            &path,
            &app.admin,
            json!({"industries": ["aluminium", "gas_power"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["industries"], json!(["aluminium", "gas_power"]));
    assert_eq!(e["industry"], "aluminium");
    assert_eq!(
        addons(&app, &inspector, &format!("enterprise_id={id}")).await,
        ["aluminium", "gas_power"]
    );
    let p = assert_problem(
        app.patch(
            &path,
            &app.admin,
            json!({"industries": ["aluminium", "mining"]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "industries[1]");

    // A single `industry` still works as before.
    let e = app.create_enterprise("黔江单一铝业有限公司").await;
    assert_eq!(e["industries"], json!(["aluminium"]));
}

#[actix_web::test]
async fn the_csv_import_reads_several_industries_in_one_cell() {
    let app = TestApp::spawn().await;
    let code = credit_code();
    let csv =
        format!("企业名称,统一社会信用代码,行业\n黔江铝材有限公司,{code},铝加工；燃气、食品\n");
    let file = app.dir.path().join("multi.csv");
    std::fs::write(&file, csv).unwrap();
    let (ok, out) = app.cli(&["enterprise", "import", file.to_str().unwrap()], &[]);
    assert!(ok && out.contains("1 created"), "{out}");
    let v: Value = app
        .get("/api/v1/enterprises?industry=gas_power", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["items"][0]["industries"],
        json!(["aluminium", "gas_power", "food"])
    );
}

/// Submits one inspection of `t`, failing `fails`; answers its findings.
async fn submit(
    app: &TestApp,
    inspector: &str,
    enterprise: &str,
    t: &Value,
    fails: &[&str],
) -> Vec<Value> {
    use crate::checklists::{inspection, passing};
    let mut answers = passing(t);
    for code in fails {
        let photo = app.photo(inspector).await;
        let a = answers
            .iter_mut()
            .find(|a| a["item_code"] == *code)
            .unwrap();
        *a = json!({"item_code": code, "result": "fail", "photo_ids": [photo]});
    }
    let path = format!("/api/v1/inspections/{}", uuid::Uuid::new_v4());
    let r = app
        .put(&path, inspector, &inspection(enterprise, t, answers))
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(&format!("{path}/submit"), inspector, json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let done: Value = r.json().await.unwrap();
    done["findings"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn templates_run_at_one_visit_record_a_shared_case_once() {
    let app = TestApp::spawn().await;
    let e: Value = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "黔江冷链食品有限公司", "credit_code": credit_code(), "industries": ["food", "cold_chain"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = e["id"].as_str().unwrap();
    let (_, inspector) = app.user("inspector", None, &[]).await;
    let template = |code: &'static str| {
        let (app, inspector) = (&app, &inspector);
        async move {
            let t: Value = app
                .get(&format!("/api/v1/checklists/{code}"), inspector)
                .await
                .json()
                .await
                .unwrap();
            t
        }
    };
    let (food, cold) = (
        template("prepared-food-condiments").await,
        template("cold-chain-logistics").await,
    );
    // The case both add-ons check: ammonia direct evaporation where people work.
    let case_of = |t: &Value| {
        t["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| {
                i["major_criterion"]
                    .as_str()
                    .is_some_and(|c| c.ends_with("第十二条第（一）项"))
            })
            .unwrap()["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (f_item, c_item) = (case_of(&food), case_of(&cold));
    assert_ne!(f_item, c_item);
    let general = cold["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["default_level"] == "general" && i["response"] == "pass_fail")
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();

    let first = submit(&app, &inspector, id, &food, &[&f_item]).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["level"], "major");
    // The cold-chain template at the same visit: its item for the same case
    // adds nothing; its own general failure is recorded.
    let second = submit(&app, &inspector, id, &cold, &[&c_item, &general]).await;
    let codes: Vec<&str> = second
        .iter()
        .map(|f| f["item_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [general.as_str()]);
    let all: Value = app
        .get(&format!("/api/v1/findings?enterprise_id={id}"), &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let major: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "major")
        .collect();
    assert_eq!(major.len(), 1, "{all}");
    assert_eq!(major[0]["item_code"], f_item.as_str());
}
