//! 自查自改 (issue 12, item 5) over HTTP: an enterprise's self-inspection
//! finds a general and a major hazard; it closes the general one itself
//! (with evidence and a 验收 by someone else), the major one is reported to
//! the office at once and can only be taken into a park order; the park
//! sees and counts them apart; the enterprise's ledger comes as XLSX.

use crate::helpers::*;
use crate::major_hazard::{openpyxl_cells, openpyxl_python};
use serde_json::{json, Value};
use uuid::Uuid;

fn today() -> chrono::NaiveDate {
    anhuan::domain::time::park_today(chrono::Utc::now())
}

pub(crate) struct Plant {
    pub app: TestApp,
    pub e: String,
    pub mine: String,
    pub theirs: String,
    pub officer: String,
    pub insp: String,
    /// The general and the major finding of the self-inspection.
    pub general: String,
    pub major: String,
    /// Usernames, for the console.
    pub mine_name: String,
    pub theirs_name: String,
    pub officer_name: String,
}

/// An enterprise's self-inspection with one general and one major failure.
pub(crate) async fn plant() -> Plant {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江再生铝有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = app.create_enterprise("黔江冷链有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (mine_u, mine) = app.user("enterprise", Some(&e), &[]).await;
    let (theirs_u, theirs) = app.user("enterprise", Some(&f), &[]).await;
    let (officer_u, officer) = app.user("safety_officer", None, &[]).await;
    let name = |u: &Value| u["username"].as_str().unwrap().to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let t: Value = app
        .get("/api/v1/checklists/aluminium-processing", &mine)
        .await
        .json()
        .await
        .unwrap();
    let items = t["items"].as_array().unwrap();
    let major_code = items
        .iter()
        .find(|i| !i["major_criterion"].is_null() && i["response"] == "pass_fail")
        .unwrap()["code"]
        .clone();
    let general_code = items
        .iter()
        .find(|i| {
            i["major_criterion"].is_null()
                && i["response"] == "pass_fail"
                && i["default_level"] == "general"
        })
        .unwrap()["code"]
        .clone();
    let mut answers = Vec::new();
    for i in items {
        let code = i["code"].clone();
        let a = if code == major_code || code == general_code {
            json!({"item_code": code, "result": "fail", "photo_ids": [app.photo(&mine).await], "note": "自查发现", "location_text": "熔铸车间"})
        } else {
            match i["response"].as_str().unwrap() {
                "number" => {
                    let v = match (i["min"].as_f64(), i["max"].as_f64()) {
                        (Some(a), Some(b)) => (a + b) / 2.0,
                        (Some(a), None) => a,
                        (None, Some(b)) => b,
                        _ => 0.0,
                    };
                    json!({"item_code": code, "result": "pass", "value": v})
                }
                "text" => json!({"item_code": code, "value": "已检查"}),
                _ => json!({"item_code": code, "result": "pass"}),
            }
        };
        answers.push(a);
    }
    let id = Uuid::now_v7();
    let body = json!({"enterprise_id": e, "checklist_code": t["code"], "checklist_version": t["version"], "answers": answers});
    let r = app
        .put(&format!("/api/v1/inspections/{id}"), &mine, &body)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let done: Value = app
        .post(
            &format!("/api/v1/inspections/{id}/submit"),
            &mine,
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let found = done["findings"].as_array().unwrap();
    assert_eq!(found.len(), 2, "{done}");
    let of = |level: &str| {
        found.iter().find(|f| f["level"] == level).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(found.iter().all(|f| f["source"] == "self_inspection"));
    Plant {
        mine_name: name(&mine_u),
        theirs_name: name(&theirs_u),
        officer_name: name(&officer_u),
        general: of("general"),
        major: of("major"),
        app,
        e,
        mine,
        theirs,
        officer,
        insp,
    }
}

fn fix(photo: &str) -> Value {
    json!({"measures": "已更换破损的安全联锁并试验合格", "rectified_by": "李工", "accepted_by": "王经理",
           "accepted_on": today().to_string(), "photo_ids": [photo]})
}

impl Plant {
    async fn rectify(&self, finding: &str, token: &str, body: Value) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/findings/{finding}/self-rectification"),
                token,
                body,
            )
            .await
    }
}

#[actix_web::test]
async fn the_enterprise_closes_its_general_hazards_and_reports_its_major_ones() {
    let p = plant().await;
    let app = &p.app;
    // The major one reached the office at once, with the way to order it.
    let inbox: Value = app
        .get("/api/v1/me/notifications", &p.officer)
        .await
        .json()
        .await
        .unwrap();
    let told = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["event_type"] == "finding.major_self_reported")
        .expect("the office was told");
    assert!(
        told["title"]
            .as_str()
            .unwrap()
            .contains("黔江再生铝有限公司"),
        "{told}"
    );
    assert_eq!(told["link"], format!("/orders/new?enterprise_id={}", p.e));

    let photo = app.photo(&p.mine).await;
    // A major hazard is not the enterprise's to close.
    let pr = assert_problem(
        p.rectify(&p.major, &p.mine, fix(&photo)).await,
        409,
        "self_rectification_refused",
    )
    .await;
    assert!(pr["detail"].as_str().unwrap().contains("重大"), "{pr}");
    // Only the enterprise, only its own, with evidence, accepted by someone else.
    assert_problem(
        p.rectify(&p.general, &p.officer, fix(&photo)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        p.rectify(&p.general, &p.theirs, fix(&photo)).await,
        404,
        "not_found",
    )
    .await;
    let mut bare = fix(&photo);
    bare["photo_ids"] = json!([]);
    assert_problem(
        p.rectify(&p.general, &p.mine, bare).await,
        422,
        "evidence_required",
    )
    .await;
    let mut own = fix(&photo);
    own["accepted_by"] = json!("李 工");
    let pr = assert_problem(
        p.rectify(&p.general, &p.mine, own).await,
        403,
        "separation_of_duties",
    )
    .await;
    assert!(
        pr["detail"].as_str().unwrap().contains("own_rectification"),
        "{pr}"
    );
    let mut later = fix(&photo);
    later["accepted_on"] = json!((today() + chrono::Duration::days(1)).to_string());
    let pr = assert_problem(
        p.rectify(&p.general, &p.mine, later).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(pr["errors"][0]["field"], "accepted_on");
    let theirs_photo = app.photo(&p.theirs).await;
    let pr = assert_problem(
        p.rectify(&p.general, &p.mine, fix(&theirs_photo)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(pr["errors"][0]["field"], "photo_ids");
    let still: Value = app
        .get(&format!("/api/v1/findings/{}", p.general), &p.mine)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], "open", "nothing was half-written");

    let r = p.rectify(&p.general, &p.mine, fix(&photo)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let rec: Value = r.json().await.unwrap();
    assert_eq!(rec["finding"]["status"], "closed");
    assert_eq!(rec["accepted_by"], "王经理");
    assert_problem(
        p.rectify(&p.general, &p.mine, fix(&photo)).await,
        409,
        "self_rectification_refused",
    )
    .await;
    // The park sees the record; the other enterprise sees nothing.
    let url = format!("/api/v1/findings/{}/self-rectification", p.general);
    let seen: Value = app.get(&url, &p.officer).await.json().await.unwrap();
    assert_eq!(seen["measures"], "已更换破损的安全联锁并试验合格");
    assert_eq!(seen["photo_ids"], json!([photo]));
    assert_problem(app.get(&url, &p.theirs).await, 404, "not_found").await;
    assert_problem(
        app.get(
            &format!("/api/v1/findings/{}/self-rectification", p.major),
            &p.officer,
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // A hazard the park found is closed by the park's order, not by the enterprise.
    let ad_hoc = Uuid::new_v4().to_string();
    let r = app
        .put(&format!("/api/v1/findings/{ad_hoc}"), &p.insp,
             &json!({"enterprise_id": p.e, "category": "safety", "level": "general", "description": "消防通道堆放杂物"}))
        .await;
    assert_eq!(r.status(), 201);
    let pr = assert_problem(
        p.rectify(&ad_hoc, &p.mine, fix(&photo)).await,
        409,
        "self_rectification_refused",
    )
    .await;
    assert!(pr["detail"].as_str().unwrap().contains("自查"), "{pr}");

    // Counted apart: the park's figure, the other enterprise's nothing.
    let s: Value = app
        .get("/api/v1/stats/overview", &p.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["self_rectified_findings"], 1);
    assert_eq!(s["findings_by_source"]["self_inspection"], 2);
    let s: Value = app
        .get("/api/v1/stats/overview", &p.theirs)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["self_rectified_findings"], 0);
    let listed: Value = app
        .get(
            &format!(
                "/api/v1/findings?source=self_inspection&enterprise_id={}",
                p.e
            ),
            &p.officer,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    // The office takes the major one over into a park order.
    let r = app
        .post("/api/v1/rectification-orders", &p.officer,
              json!({"enterprise_id": p.e, "finding_ids": [p.major], "requirements": "按重大隐患治理",
                     "deadline": (today() + chrono::Duration::days(30)).to_string(), "major_reason": "stop_production"}))
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let order: Value = r.json().await.unwrap();

    // The ledger: everything found at the enterprise and how it ended.
    let r = app
        .get(
            &format!("/api/v1/enterprises/{}/hazard-ledger", p.e),
            &p.mine,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let xlsx = r.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.clone())).unwrap();
    use calamine::Reader;
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][0], "序号");
    assert_eq!(rows[0][8], "治理方式");
    assert_eq!(rows.len(), 4, "three findings and the header: {rows:?}");
    let line = |needle: &str| {
        rows.iter()
            .find(|r| r.iter().any(|c| c.contains(needle)))
            .cloned()
            .unwrap_or_default()
    };
    let selfed = line("企业自改自验");
    assert_eq!(
        (
            selfed[10].as_str(),
            selfed[11].as_str(),
            selfed[13].as_str()
        ),
        ("李工", "王经理", "已销号"),
        "{selfed:?}"
    );
    let ordered = line(order["number"].as_str().unwrap());
    assert_eq!(
        (ordered[2].as_str(), ordered[6].as_str()),
        ("企业自查", "重大隐患"),
        "{ordered:?}"
    );
    if let Some(py) = openpyxl_python() {
        let cells = openpyxl_cells(&py, &xlsx);
        assert_eq!(cells[0], "隐患排查治理台账");
        assert!(cells.iter().any(|c| c == "企业自改自验"));
    }
    let r = app
        .get(
            &format!(
                "/api/v1/enterprises/{}/hazard-ledger?source=self_inspection",
                p.e
            ),
            &p.officer,
        )
        .await;
    assert_eq!(r.status(), 200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().await.unwrap().to_vec()))
            .unwrap();
    assert_eq!(
        book.worksheet_range_at(0).unwrap().unwrap().rows().count(),
        3,
        "the park's own finding left out"
    );
    assert_problem(
        app.get(
            &format!("/api/v1/enterprises/{}/hazard-ledger", p.e),
            &p.theirs,
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn a_finding_the_park_once_ordered_is_not_the_enterprises_to_close() {
    let p = plant().await;
    let app = &p.app;
    let r = app
        .post(
            "/api/v1/rectification-orders",
            &p.officer,
            json!({"enterprise_id": p.e, "finding_ids": [p.general], "requirements": "立即整改",
                     "deadline": (today() + chrono::Duration::days(10)).to_string()}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let order: Value = r.json().await.unwrap();
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/rectification-orders/{}/cancel",
            order["id"].as_str().unwrap()
        )))
        .bearer_auth(&p.officer)
        .header("if-match", "*")
        .json(&json!({"reason": "重新下达"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let f: Value = app
        .get(&format!("/api/v1/findings/{}", p.general), &p.mine)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        f["status"], "open",
        "a cancelled order releases its findings"
    );
    let photo = app.photo(&p.mine).await;
    let pr = assert_problem(
        p.rectify(&p.general, &p.mine, fix(&photo)).await,
        409,
        "self_rectification_refused",
    )
    .await;
    assert!(pr["detail"].as_str().unwrap().contains("园区"), "{pr}");
}
