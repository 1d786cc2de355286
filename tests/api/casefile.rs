//! The case file (issue 12) over HTTP: documents as evidence on progress,
//! submit and verify (listed on the order, downloaded byte-identical),
//! evidence required on submit, and separation of duties on 复查 with
//! every rule allowed and refused, and the one-person-office switch.

use crate::documents::pdf_doc;
use crate::helpers::*;
use serde_json::{json, Value};
use uuid::Uuid;

pub(crate) struct Case {
    pub app: TestApp,
    pub e: String,
    pub insp: String,
    pub officer: String,
    pub officer2: String,
    pub officer3: String,
    pub ent_e: String,
    pub ent_f: String,
}

pub(crate) async fn case_with(tweak: impl FnOnce(&mut anhuan::config::Settings)) -> Case {
    let app = TestApp::spawn_with(tweak).await;
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
    let (_, officer2) = app.user("safety_officer", None, &[]).await;
    let (_, officer3) = app.user("safety_officer", None, &[]).await;
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    let (_, ent_f) = app.user("enterprise", Some(&f), &[]).await;
    Case {
        app,
        e,
        insp,
        officer,
        officer2,
        officer3,
        ent_e,
        ent_f,
    }
}

pub(crate) fn today() -> chrono::NaiveDate {
    anhuan::domain::time::park_today(chrono::Utc::now())
}

pub(crate) fn etag_of(order: &Value) -> String {
    format!(
        "\"{}-v{}\"",
        order["id"].as_str().unwrap(),
        order["version"].as_i64().unwrap()
    )
}

impl Case {
    /// A finding reported by `reporter`, ordered by `issuer`; acknowledged.
    pub async fn order(&self, reporter: &str, issuer: &str, level: &str) -> Value {
        let fid = Uuid::new_v4().to_string();
        let body = json!({"enterprise_id": self.e, "category": "safety", "level": level,
                          "description": "除尘系统未设泄爆装置"});
        let r = self
            .app
            .put(&format!("/api/v1/findings/{fid}"), reporter, &body)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let mut body = json!({"enterprise_id": self.e, "finding_ids": [fid], "requirements": "加装泄爆片",
                              "deadline": (today() + chrono::Duration::days(20)).to_string()});
        if level == "major" {
            body["major_reason"] = json!("stop_production");
        }
        let r = self
            .app
            .post("/api/v1/rectification-orders", issuer, body)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let o: Value = r.json().await.unwrap();
        let o = self.ok(&o, "acknowledge", &self.ent_e, json!({})).await;
        if level == "major" {
            let plan = json!({"goal": "消除粉尘爆炸隐患", "measures": "加装泄爆片", "funds": "自筹50万元",
                              "responsible_people": "设备部李某", "time_limit": (today() + chrono::Duration::days(15)).to_string(),
                              "safety_measures": "停用打磨工段", "contingency_plan": "粉尘爆炸专项预案"});
            let r = self
                .app
                .put(
                    &format!(
                        "/api/v1/rectification-orders/{}/plan",
                        o["id"].as_str().unwrap()
                    ),
                    &self.ent_e,
                    &plan,
                )
                .await;
            assert_eq!(r.status(), 200);
            return r.json().await.unwrap();
        }
        o
    }

    pub async fn act(
        &self,
        order: &Value,
        action: &str,
        token: &str,
        body: Value,
    ) -> reqwest::Response {
        let path = format!(
            "/api/v1/rectification-orders/{}/{action}",
            order["id"].as_str().unwrap()
        );
        let req = self.app.client.post(self.app.url(&path)).bearer_auth(token);
        let req = match action {
            "verify" | "cancel" => req.header("if-match", etag_of(order)),
            _ => req,
        };
        req.json(&body).send().await.unwrap()
    }

    pub async fn ok(&self, order: &Value, action: &str, token: &str, body: Value) -> Value {
        let r = self.act(order, action, token, body).await;
        assert_eq!(r.status(), 200, "{action}: {}", r.text().await.unwrap());
        r.json().await.unwrap()
    }

    /// Submits every finding with a fresh PDF by `token`.
    pub async fn submit(&self, order: &Value, token: &str) -> Value {
        let (doc, _) = pdf_doc(&self.app, token).await;
        let items: Vec<Value> = order["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| json!({"finding_id": f["id"], "description": "已加装泄爆片", "document_ids": [doc]}))
            .collect();
        self.ok(order, "submit", token, json!({"items": items}))
            .await
    }

    /// The enterprise's 治理评估 of a major hazard, with a fresh PDF as its
    /// 评估报告: what closing a major hazard needs.
    pub async fn assess(&self, order: &Value, eliminated: bool) -> Value {
        let (doc, _) = pdf_doc(&self.app, &self.ent_e).await;
        let body = json!({"assessor_kind": "agency", "assessor": "黔江安全评价有限公司",
                          "conclusion": "泄爆装置已按GB/T 15605设置，隐患已消除",
                          "eliminated": eliminated, "document_ids": [doc]});
        self.ok(order, "assessment", &self.ent_e, body).await
    }
}

#[actix_web::test]
async fn a_pdf_on_progress_submit_and_verify_is_listed_and_downloads_byte_identical() {
    let c = case_with(|_| {}).await;
    let app = &c.app;
    let o = c.order(&c.insp, &c.officer, "general").await;
    let (report, report_bytes) = pdf_doc(app, &c.ent_e).await;
    let o = c
        .ok(
            &o,
            "progress",
            &c.ent_e,
            json!({"comment": "检测报告已出具", "document_ids": [report]}),
        )
        .await;
    // Another enterprise's document is not evidence for this order.
    let (foreign, _) = pdf_doc(app, &c.ent_f).await;
    let fid = o["findings"][0]["id"].clone();
    let pr = assert_problem(
        c.act(&o, "submit", &c.ent_e, json!({"items": [{"finding_id": fid, "description": "已整改", "document_ids": [foreign]}]}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(pr["errors"][0]["field"], "items[0].document_ids");
    let (acceptance, acceptance_bytes) = pdf_doc(app, &c.ent_e).await;
    let o = c
        .ok(&o, "submit", &c.ent_e, json!({"items": [{"finding_id": fid, "description": "已整改", "document_ids": [acceptance]}]}))
        .await;
    assert_eq!(o["status"], "pending_verification");
    let submit = o["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        submit["data"]["items"][0]["document_ids"],
        json!([acceptance])
    );
    let (opinion, opinion_bytes) = pdf_doc(app, &c.insp).await;
    let o = c
        .ok(
            &o,
            "verify",
            &c.insp,
            json!({"decision": "accept", "opinion": "复查合格", "document_ids": [opinion]}),
        )
        .await;
    assert_eq!(o["status"], "closed");
    let listed: Vec<&str> = o["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [report.as_str(), acceptance.as_str(), opinion.as_str()]
    );
    // The park and the enterprise download each byte-identical; the other
    // enterprise sees none of them.
    for (id, bytes) in [
        (&report, &report_bytes),
        (&acceptance, &acceptance_bytes),
        (&opinion, &opinion_bytes),
    ] {
        for token in [&c.ent_e, &c.officer2, &c.insp] {
            let r = app
                .get(&format!("/api/v1/documents/{id}/content"), token)
                .await;
            assert_eq!(r.status(), 200);
            assert!(r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment"));
            assert_eq!(&r.bytes().await.unwrap().to_vec(), bytes);
        }
        assert_problem(
            app.get(&format!("/api/v1/documents/{id}"), &c.ent_f).await,
            404,
            "not_found",
        )
        .await;
    }
    let id = o["id"].as_str().unwrap();
    let seen: Value = app
        .get(&format!("/api/v1/rectification-orders/{id}"), &c.ent_e)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["documents"].as_array().unwrap().len(), 3);
    assert_problem(
        app.get(&format!("/api/v1/rectification-orders/{id}"), &c.ent_f)
            .await,
        404,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn submit_without_evidence_is_refused_naming_the_finding() {
    let c = case_with(|_| {}).await;
    let o = c.order(&c.insp, &c.officer, "general").await;
    let fid = o["findings"][0]["id"].as_str().unwrap().to_string();
    let pr = assert_problem(
        c.act(
            &o,
            "submit",
            &c.ent_e,
            json!({"items": [{"finding_id": fid, "description": "已整改"}]}),
        )
        .await,
        422,
        "evidence_required",
    )
    .await;
    assert!(pr["detail"].as_str().unwrap().contains(&fid), "{pr}");
    // A photo alone is evidence too.
    let photo = c.app.photo(&c.ent_e).await;
    let o = c
        .ok(
            &o,
            "submit",
            &c.ent_e,
            json!({"items": [{"finding_id": fid, "description": "已整改", "photo_ids": [photo]}]}),
        )
        .await;
    assert_eq!(o["status"], "pending_verification");
}

#[actix_web::test]
async fn major_hazard_is_verified_by_an_officer_who_neither_issued_nor_reported_it() {
    let c = case_with(|_| {}).await;
    // Reported by officer2, issued by officer: officer3 alone may verify.
    let o = c.order(&c.officer2, &c.officer, "major").await;
    let o = c.submit(&o, &c.ent_e).await;
    let o = c.assess(&o, true).await;
    for (token, rule) in [
        (&c.officer, "issuer_verifies_major"),
        (&c.officer2, "reporter_verifies_major"),
    ] {
        for decision in ["accept", "reject"] {
            let pr = assert_problem(
                c.act(
                    &o,
                    "verify",
                    token,
                    json!({"decision": decision, "opinion": "验收意见"}),
                )
                .await,
                403,
                "separation_of_duties",
            )
            .await;
            assert!(pr["detail"].as_str().unwrap().contains(rule), "{pr}");
        }
    }
    let o = c
        .ok(
            &o,
            "verify",
            &c.officer3,
            json!({"decision": "accept", "opinion": "验收合格"}),
        )
        .await;
    assert_eq!(o["status"], "closed");
    // A general hazard may be verified by whoever reported and issued it.
    let g = c.order(&c.insp, &c.insp, "general").await;
    let g = c.submit(&g, &c.ent_e).await;
    let g = c
        .ok(&g, "verify", &c.insp, json!({"decision": "accept"}))
        .await;
    assert_eq!(g["status"], "closed");
    let s: Value = c
        .app
        .get("/api/v1/stats/overview", &c.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["self_verified_orders"], 0);
}

/// A department-owned feedback item, acknowledged by `officer`.
async fn department_item(c: &Case) -> Value {
    let batch = c
        .app
        .env_audit_batch(
            &c.officer,
            "第二轮中央生态环境保护督察反馈问题",
            "渝督改〔2026〕3号",
        )
        .await;
    let csv = "item_no,description,responsible_enterprise,responsible_department,measures,deadline,target\n\
               1,园区雨污管网混接,,园区管委会建设局,雨污分流改造,2027/4/30,雨污分流\n";
    let r = c
        .app
        .client
        .post(c.app.url(&format!("/api/v1/env-audits/{batch}/import")))
        .bearer_auth(&c.officer)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let all: Value = c
        .app
        .get("/api/v1/rectification-orders?source=env_audit", &c.officer)
        .await
        .json()
        .await
        .unwrap();
    let id = all["items"][0]["id"].as_str().unwrap().to_string();
    let o: Value = c
        .app
        .get(&format!("/api/v1/rectification-orders/{id}"), &c.officer)
        .await
        .json()
        .await
        .unwrap();
    assert!(o["enterprise_id"].is_null());
    c.ok(&o, "acknowledge", &c.officer, json!({})).await
}

fn closing() -> Value {
    let d = today().to_string();
    json!({"decision": "accept", "opinion": "现场验收合格",
           "acceptance": {"date": d, "opinion": "同意销号"},
           "disclosure": {"date": d, "place": "园区网站"}})
}

#[actix_web::test]
async fn a_department_item_needs_two_safety_office_accounts() {
    let c = case_with(|_| {}).await;
    let o = department_item(&c).await;
    let o = c.submit(&o, &c.officer).await;
    let pr = assert_problem(
        c.act(&o, "verify", &c.officer, closing()).await,
        403,
        "separation_of_duties",
    )
    .await;
    assert!(
        pr["detail"]
            .as_str()
            .unwrap()
            .contains("department_two_accounts"),
        "{pr}"
    );
    let o = c.ok(&o, "verify", &c.officer2, closing()).await;
    assert_eq!(o["status"], "closed");
}

#[actix_web::test]
async fn a_one_person_office_may_verify_its_own_work_marked_and_counted() {
    let c = case_with(|s| s.allow_self_verification = true).await;
    let o = department_item(&c).await;
    let o = c.submit(&o, &c.officer).await;
    let o = c.ok(&o, "verify", &c.officer, closing()).await;
    assert_eq!(o["status"], "closed");
    let last = o["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["data"]["self_verification"],
        json!(["department_two_accounts"])
    );
    let m = c.order(&c.officer, &c.officer, "major").await;
    let m = c.submit(&m, &c.ent_e).await;
    let m = c.assess(&m, true).await;
    let m = c
        .ok(
            &m,
            "verify",
            &c.officer,
            json!({"decision": "accept", "opinion": "验收合格"}),
        )
        .await;
    let last = m["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["data"]["self_verification"],
        json!(["issuer_verifies_major", "reporter_verifies_major"])
    );
    // A step that breaks no rule is not marked.
    let g = c.order(&c.insp, &c.officer, "general").await;
    let g = c.submit(&g, &c.ent_e).await;
    let g = c
        .ok(&g, "verify", &c.officer2, json!({"decision": "accept"}))
        .await;
    assert!(g["events"].as_array().unwrap().last().unwrap()["data"]
        .get("self_verification")
        .is_none());
    let s: Value = c
        .app
        .get("/api/v1/stats/overview", &c.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["self_verified_orders"], 2, "{s}");
}

#[actix_web::test]
async fn the_enterprise_names_its_responsible_person_when_it_signs() {
    let c = case_with(|_| {}).await;
    let fid = Uuid::new_v4().to_string();
    let body = json!({"enterprise_id": c.e, "category": "safety", "level": "general",
                      "description": "铝灰暂存间无防雨设施", "location_text": "熔铸车间东侧铝灰暂存间"});
    assert_eq!(
        c.app
            .put(&format!("/api/v1/findings/{fid}"), &c.insp, &body)
            .await
            .status(),
        201
    );
    let r = c
        .app
        .post(
            "/api/v1/rectification-orders",
            &c.insp,
            json!({"enterprise_id": c.e, "finding_ids": [fid], "requirements": "加设防雨棚",
                   "deadline": (today() + chrono::Duration::days(10)).to_string()}),
        )
        .await;
    let o: Value = r.json().await.unwrap();
    assert!(o["responsible_person"].is_null());
    // A phone that is no phone, and a blank name, are refused naming the fields.
    let r = c
        .act(
            &o,
            "acknowledge",
            &c.ent_e,
            json!({"responsible_person": {"name": " ", "phone": "call"}}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["responsible_person.name", "responsible_person.phone"]
    );
    let o = c
        .ok(&o, "acknowledge", &c.ent_e,
            json!({"comment": "已签收", "responsible_person": {"name": "王建国", "phone": "138 2345 6789"}}))
        .await;
    assert_eq!(o["status"], "rectifying");
    assert_eq!(
        o["responsible_person"],
        json!({"name": "王建国", "phone": "138 2345 6789"})
    );
    // The office sees it on the order, and the chain records it on 签收.
    let id = o["id"].as_str().unwrap();
    let seen: Value = c
        .app
        .get(&format!("/api/v1/rectification-orders/{id}"), &c.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["responsible_person"]["name"], "王建国");
    assert_eq!(
        seen["findings"][0]["location_text"],
        "熔铸车间东侧铝灰暂存间"
    );
    let events: Value = c
        .app
        .get(
            &format!("/api/v1/rectification-orders/{id}/events"),
            &c.officer,
        )
        .await
        .json()
        .await
        .unwrap();
    let events = events
        .as_array()
        .or(events["items"].as_array())
        .unwrap()
        .clone();
    let ack = events
        .iter()
        .find(|e| e["action"] == "acknowledge")
        .unwrap();
    assert_eq!(ack["data"]["responsible_person"]["phone"], "138 2345 6789");
}

#[actix_web::test]
async fn a_submission_waiting_too_long_for_review_is_told_to_the_park_once() {
    let c = case_with(|_| {}).await;
    let o = c.order(&c.insp, &c.insp, "general").await;
    let o = c.submit(&o, &c.ent_e).await;
    let id = o["id"].as_str().unwrap();
    let late_of = |token: &str| {
        let app = &c.app;
        let token = token.to_string();
        async move {
            let page: Value = app
                .get("/api/v1/me/notifications", &token)
                .await
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["event_type"] == "order.verification_late")
                .cloned()
                .collect::<Vec<Value>>()
        }
    };
    let ctx = c.app.ctx();
    let run = anhuan::service::orders::deadline_job(&ctx).await.unwrap();
    assert_eq!(run.verification_late, 0, "submitted just now");
    // Eleven days later (复查 is due within ten), nobody has reviewed it.
    let before = (chrono::Utc::now() - chrono::Duration::days(11)).naive_utc();
    c.app.sql(&format!(
        "UPDATE rectification_orders SET submitted_at = '{}' WHERE id = '{id}'",
        before.format("%Y-%m-%d %H:%M:%S")
    ));
    let run = anhuan::service::orders::deadline_job(&ctx).await.unwrap();
    assert_eq!(run.verification_late, 1);
    let told = late_of(&c.insp).await;
    assert_eq!(told.len(), 1, "the issuing inspector hears of it");
    assert!(
        told[0]["title"].as_str().unwrap().starts_with("复查超时"),
        "{}",
        told[0]
    );
    assert_eq!(late_of(&c.officer).await.len(), 1, "and the safety office");
    assert!(late_of(&c.ent_e).await.is_empty(), "not the enterprise");
    // Once per submission: the next runs stay quiet; the ETag did not move.
    let run = anhuan::service::orders::deadline_job(&ctx).await.unwrap();
    assert_eq!(run.verification_late, 0);
    let now: Value = c
        .app
        .get(&format!("/api/v1/rectification-orders/{id}"), &c.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["version"], o["version"]);
    assert_eq!(now["verification_late"], true);
}

#[actix_web::test]
async fn where_the_park_says_so_a_photo_is_the_proof() {
    let c = case_with(|s| s.photo_required_categories = "safety".into()).await;
    let o = c.order(&c.insp, &c.officer, "general").await;
    let fid = o["findings"][0]["id"].as_str().unwrap().to_string();
    let (doc, _) = pdf_doc(&c.app, &c.ent_e).await;
    let pr = assert_problem(
        c.act(
            &o,
            "submit",
            &c.ent_e,
            json!({"items": [{"finding_id": fid, "description": "已整改", "document_ids": [doc]}]}),
        )
        .await,
        422,
        "evidence_required",
    )
    .await;
    assert!(pr["detail"].as_str().unwrap().contains("照片"), "{pr}");
    let photo = c.app.photo(&c.ent_e).await;
    let o = c
        .ok(
            &o,
            "submit",
            &c.ent_e,
            json!({"items": [{"finding_id": fid, "description": "已整改", "document_ids": [doc], "photo_ids": [photo]}]}),
        )
        .await;
    assert_eq!(o["status"], "pending_verification");
}

#[actix_web::test]
async fn the_issuing_office_is_the_parks_own_on_every_document() {
    let office = "黔江区正阳工业园区管理委员会安全环保科";
    let c = case_with(|s| s.issuing_office = office.into()).await;
    let o = c.order(&c.insp, &c.officer, "major").await;
    let id = o["id"].as_str().unwrap();
    for path in ["notice.pdf", "major-hazard-report"] {
        let r = c
            .app
            .get(
                &format!("/api/v1/rectification-orders/{id}/{path}"),
                &c.ent_e,
            )
            .await;
        assert_eq!(r.status(), 200, "{path}");
        let text = crate::notice_pdf::pdf_text(&r.bytes().await.unwrap());
        assert!(text.contains(office), "{path}: {text}");
    }
}
