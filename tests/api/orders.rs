//! Rectification orders over HTTP: whole lifecycles, extensions, cancel,
//! overdue and escalation, concurrency, tamper evidence, and who may do what.

use crate::helpers::*;
use serde_json::{json, Value};
use uuid::Uuid;

struct Park {
    app: TestApp,
    e: String,
    f: String,
    insp: String,
    officer: String,
    ent_e: String,
    ent_f: String,
    agency_e: String,
}

async fn park_with(tweak: impl FnOnce(&mut anhuan::config::Settings)) -> Park {
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
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    let (_, ent_f) = app.user("enterprise", Some(&f), &[]).await;
    let (_, agency_e) = app.user("third_party", None, &[&e]).await;
    Park {
        app,
        e,
        f,
        insp,
        officer,
        ent_e,
        ent_f,
        agency_e,
    }
}

async fn park() -> Park {
    park_with(|_| {}).await
}

fn today() -> chrono::NaiveDate {
    anhuan::domain::time::park_today(chrono::Utc::now())
}

impl Park {
    async fn finding(&self, enterprise: &str, level: &str) -> String {
        let id = Uuid::new_v4().to_string();
        let body = json!({"enterprise_id": enterprise, "category": "safety", "level": level, "description": "熔铸车间铝灰堆放区未设防雨防潮设施",
                          "lat": 29.5331, "lon": 108.7708});
        let r = self
            .app
            .put(&format!("/api/v1/findings/{id}"), &self.insp, &body)
            .await;
        assert_eq!(r.status(), 201);
        id
    }

    async fn order(&self, level: &str, days: i64) -> Value {
        let fid = self.finding(&self.e, level).await;
        let mut body = json!({"enterprise_id": self.e, "finding_ids": [fid], "requirements": "立即清理并设置防雨防潮铝灰暂存间",
                              "deadline": (today() + chrono::Duration::days(days)).to_string()});
        if level == "major" {
            body["major_reason"] = json!("stop_production");
        }
        let r = self
            .app
            .post("/api/v1/rectification-orders", &self.officer, body)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        r.json().await.unwrap()
    }

    async fn act(
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
        // verify and cancel require If-Match: the version the caller holds.
        let req = match action {
            "verify" | "cancel" => req.header("if-match", etag_of(order)),
            _ => req,
        };
        req.json(&body).send().await.unwrap()
    }

    async fn ok(&self, order: &Value, action: &str, token: &str, body: Value) -> Value {
        let r = self.act(order, action, token, body).await;
        assert_eq!(r.status(), 200, "{action}: {}", r.text().await.unwrap());
        r.json().await.unwrap()
    }

    async fn submit_body(&self, order: &Value) -> Value {
        let photo = self.app.photo(&self.ent_e).await;
        let items: Vec<Value> = order["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| json!({"finding_id": f["id"], "description": "已建成封闭式铝灰暂存间并加装防雨棚", "photo_ids": [photo]}))
            .collect();
        json!({"comment": "整改完成，请复查", "items": items})
    }
}

fn etag_of(order: &Value) -> String {
    format!(
        "\"{}-v{}\"",
        order["id"].as_str().unwrap(),
        order["version"].as_i64().unwrap()
    )
}

fn actions(order: &Value) -> Vec<String> {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn general_hazard_from_issue_to_close_with_a_rejection() {
    let p = park().await;
    let app = &p.app;
    let o = p.order("general", 14).await;
    let year = today().format("%Y").to_string();
    assert_eq!(o["number"], format!("安环整改〔{year}〕0001号"));
    assert_eq!(o["status"], "issued");
    assert_eq!(o["overdue"], false);
    assert_eq!(o["days_left"], 14);
    let o = p
        .ok(&o, "acknowledge", &p.ent_e, json!({"comment": "已签收"}))
        .await;
    assert_eq!(o["status"], "rectifying");
    let photo = app.photo(&p.ent_e).await;
    let o = p
        .ok(
            &o,
            "progress",
            &p.ent_e,
            json!({"comment": "已清理铝灰，暂存间施工中", "photo_ids": [photo]}),
        )
        .await;
    let body = p.submit_body(&o).await;
    let o = p.ok(&o, "submit", &p.ent_e, body.clone()).await;
    assert_eq!(o["status"], "pending_verification");
    // Evidence without a camera time is flagged for the verifier, not refused.
    let submit = o["events"].as_array().unwrap().last().unwrap().clone();
    assert!(
        submit["data"]["items"][0]["photo_flags"]
            .to_string()
            .contains("no_camera_time"),
        "{submit}"
    );
    // 复查不通过 needs an opinion.
    assert_problem(
        p.act(&o, "verify", &p.insp, json!({"decision": "reject"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    let o = p.ok(&o, "verify", &p.insp, json!({"decision": "reject", "opinion": "防雨棚未完全覆盖暂存区", "internal_note": "企业负责人态度敷衍"})).await;
    assert_eq!(o["status"], "rectifying");
    let o = p.ok(&o, "submit", &p.ent_e, p.submit_body(&o).await).await;
    let o = p
        .ok(
            &o,
            "verify",
            &p.insp,
            json!({"decision": "accept", "opinion": "复查合格，同意销号"}),
        )
        .await;
    assert_eq!(o["status"], "closed");
    assert!(o["closed_at"].is_string());
    assert_eq!(o["findings"][0]["status"], "closed");
    assert!(o["allowed_actions"].as_array().unwrap().is_empty());
    assert_eq!(
        actions(&o),
        [
            "issue",
            "acknowledge",
            "progress",
            "submit",
            "reject",
            "submit",
            "accept"
        ]
    );
    // Closed is final: 409 naming what is allowed (nothing).
    let pr = assert_problem(
        p.act(&o, "progress", &p.ent_e, json!({"comment": "x"}))
            .await,
        409,
        "action_not_allowed",
    )
    .await;
    assert!(
        pr["detail"].as_str().unwrap().contains("allowed: []"),
        "{pr}"
    );
    // The history verifies; the enterprise never sees the internal note.
    let id = o["id"].as_str().unwrap();
    let v: Value = app
        .get(
            &format!("/api/v1/rectification-orders/{id}/events/verify"),
            &p.ent_e,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v, json!({"valid": true, "events": 7, "broken_at": null}));
    let seen_by_ent = app
        .get(
            &format!("/api/v1/rectification-orders/{id}/events"),
            &p.ent_e,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(!seen_by_ent.contains("敷衍"));
    let seen_by_insp = app
        .get(
            &format!("/api/v1/rectification-orders/{id}/events"),
            &p.insp,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(seen_by_insp.contains("敷衍"));
    // A recurrence is a new finding linked to the closed one, never a reopened case.
    let fid = o["findings"][0]["id"].as_str().unwrap();
    let again = json!({"enterprise_id": p.e, "category": "safety", "level": "general", "description": "铝灰再次露天堆放", "previous_finding_id": fid});
    let r = app
        .put(
            &format!("/api/v1/findings/{}", Uuid::new_v4()),
            &p.insp,
            &again,
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["previous_finding_id"], fid);
}

#[actix_web::test]
async fn major_hazard_needs_reason_plan_and_the_safety_office() {
    let p = park().await;
    let app = &p.app;
    let fid = p.finding(&p.e, "major").await;
    let body = json!({"enterprise_id": p.e, "finding_ids": [fid], "requirements": "停产整改除尘系统", "deadline": (today() + chrono::Duration::days(30)).to_string()});
    let pr = assert_problem(
        app.post("/api/v1/rectification-orders", &p.insp, body.clone())
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(pr["errors"][0]["field"], "major_reason");
    let mut body = body;
    body["major_reason"] = json!("stop_production");
    let r = app
        .post("/api/v1/rectification-orders", &p.insp, body)
        .await;
    assert_eq!(r.status(), 201);
    let o: Value = r.json().await.unwrap();
    assert_eq!(o["level"], "major");
    let o = p.ok(&o, "acknowledge", &p.ent_e, json!({})).await;
    let sb = p.submit_body(&o).await;
    assert_problem(
        p.act(&o, "submit", &p.ent_e, sb.clone()).await,
        409,
        "governance_plan_required",
    )
    .await;
    let plan = json!({"goal": "消除除尘系统粉尘爆炸隐患", "measures": "改造为负压湿式除尘，加装泄爆片", "funds": "自筹资金120万元",
                      "responsible_people": "总经理张某（第一责任人）、设备部李某", "time_limit": (today() + chrono::Duration::days(25)).to_string(),
                      "safety_measures": "整改期间停用打磨工段，设警戒区", "contingency_plan": "粉尘爆炸专项应急预案（2026版）"});
    let r = app
        .client
        .put(app.url(&format!(
            "/api/v1/rectification-orders/{}/plan",
            o["id"].as_str().unwrap()
        )))
        .bearer_auth(&p.ent_e)
        .json(&plan)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let o: Value = r.json().await.unwrap();
    assert_eq!(o["plan"]["funds"], "自筹资金120万元");
    let o = p.ok(&o, "submit", &p.ent_e, sb).await;
    let pr = assert_problem(
        p.act(&o, "verify", &p.insp, json!({"decision": "accept"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert!(pr["detail"].as_str().unwrap().contains("安全办"));
    assert_problem(
        p.act(&o, "verify", &p.agency_e, json!({"decision": "accept"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    // 销号 of a major hazard needs its 治理评估 with the 评估报告.
    let (report, _) = crate::documents::pdf_doc(&p.app, &p.ent_e).await;
    let o = p
        .ok(
            &o,
            "assessment",
            &p.ent_e,
            json!({"assessor_kind": "own_staff", "assessor": "本公司技术人员与外聘专家", "conclusion": "隐患已消除", "eliminated": true, "document_ids": [report]}),
        )
        .await;
    let o = p
        .ok(
            &o,
            "verify",
            &p.officer,
            json!({"decision": "accept", "opinion": "验收合格"}),
        )
        .await;
    assert_eq!(o["status"], "closed");
}

#[actix_web::test]
async fn extensions_denied_then_approved() {
    let p = park().await;
    let o = p.order("general", 7).await;
    let o = p.ok(&o, "acknowledge", &p.ent_e, json!({})).await;
    let later = (today() + chrono::Duration::days(20)).to_string();
    let pr = assert_problem(
        p.act(
            &o,
            "extension-requests",
            &p.ent_e,
            json!({"requested_deadline": today().to_string(), "reason": "设备到货延迟"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(pr["errors"][0]["field"], "requested_deadline");
    let o = p
        .ok(
            &o,
            "extension-requests",
            &p.ent_e,
            json!({"requested_deadline": later, "reason": "防爆风机供货周期45天"}),
        )
        .await;
    assert_problem(
        p.act(
            &o,
            "extension-requests",
            &p.ent_e,
            json!({"requested_deadline": later, "reason": "再次申请"}),
        )
        .await,
        409,
        "extension_pending",
    )
    .await;
    let rid = o["extension_requests"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let decide = |who: &str, body: Value| {
        let url = format!(
            "/api/v1/rectification-orders/{}/extension-requests/{rid}/decision",
            o["id"].as_str().unwrap()
        );
        let who = who.to_string();
        let app = &p.app;
        async move { app.post(&url, &who, body).await }
    };
    assert_problem(
        decide(&p.ent_e, json!({"approve": true})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        decide(&p.insp, json!({"approve": true})).await,
        403,
        "forbidden",
    )
    .await;
    let r = decide(
        &p.officer,
        json!({"approve": false, "comment": "可先采购临时替代设备"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let o: Value = r.json().await.unwrap();
    assert_eq!(o["extension_requests"][0]["status"], "denied");
    assert_eq!(o["effective_deadline"], o["deadline"]);
    assert_problem(
        decide(&p.officer, json!({"approve": true})).await,
        409,
        "extension_decided",
    )
    .await;
    let o = p
        .ok(
            &o,
            "extension-requests",
            &p.ent_e,
            json!({"requested_deadline": later, "reason": "补充说明：替代设备亦需定制"}),
        )
        .await;
    let rid2 = o["extension_requests"][1]["id"].as_str().unwrap();
    let r = p
        .app
        .post(
            &format!(
                "/api/v1/rectification-orders/{}/extension-requests/{rid2}/decision",
                o["id"].as_str().unwrap()
            ),
            &p.officer,
            json!({"approve": true, "comment": "同意"}),
        )
        .await;
    let o: Value = r.json().await.unwrap();
    assert_eq!(o["effective_deadline"], later);
    assert_eq!(o["days_left"], 20);
}

#[actix_web::test]
async fn cancel_releases_the_findings() {
    let p = park().await;
    let o = p.order("general", 7).await;
    assert_problem(
        p.act(&o, "cancel", &p.insp, json!({"reason": "x"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        p.act(&o, "cancel", &p.officer, json!({"reason": " "}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    let o = p
        .ok(
            &o,
            "cancel",
            &p.officer,
            json!({"reason": "隐患主体认定错误，应为相邻企业"}),
        )
        .await;
    assert_eq!(o["status"], "cancelled");
    assert_eq!(o["findings"][0]["status"], "open");
    // The finding can be ordered again; closed and cancelled are counted apart.
    let fid = o["findings"][0]["id"].as_str().unwrap();
    let body = json!({"enterprise_id": p.e, "finding_ids": [fid], "requirements": "重新下达", "deadline": (today() + chrono::Duration::days(5)).to_string()});
    assert_eq!(
        p.app
            .post("/api/v1/rectification-orders", &p.officer, body.clone())
            .await
            .status(),
        201
    );
    let pr = assert_problem(
        p.app
            .post("/api/v1/rectification-orders", &p.officer, body)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert!(pr["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("already in an order"));
    let s: Value = p
        .app
        .get("/api/v1/stats/overview", &p.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["orders_by_status"]["cancelled"], 1);
    assert_eq!(s["orders_by_status"]["issued"], 1);
    assert_eq!(s["orders_by_status"]["closed"], 0);
}

#[actix_web::test]
async fn overdue_is_computed_recorded_once_and_escalated() {
    let p = park_with(|s| s.deadline_job_secs = 1).await;
    let app = &p.app;
    let o = p.order("general", 2).await;
    let id = o["id"].as_str().unwrap().to_string();
    // Reminder: the deadline is within the default 3 days.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let v: Value = app
        .get(&format!("/api/v1/rectification-orders/{id}"), &p.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        actions(&v).iter().filter(|a| *a == "reminder").count(),
        1,
        "{:?}",
        actions(&v)
    );
    assert_problem(
        p.act(
            &v,
            "supervision-letter",
            &p.officer,
            json!({"time_limit": (today() + chrono::Duration::days(5)).to_string()}),
        )
        .await,
        409,
        "not_overdue",
    )
    .await;
    // Let the deadline pass (yesterday in the park).
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    app.sql(&format!("UPDATE rectification_orders SET deadline = '{yesterday}', effective_deadline = '{yesterday}'"));
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let v: Value = app
        .get(&format!("/api/v1/rectification-orders/{id}"), &p.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["overdue"], true);
    assert_eq!(v["days_left"], -1);
    assert_eq!(
        actions(&v).iter().filter(|a| *a == "overdue").count(),
        1,
        "recorded once: {:?}",
        actions(&v)
    );
    let list: Value = app
        .get("/api/v1/rectification-orders?overdue=true", &p.ent_e)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let list: Value = app
        .get("/api/v1/rectification-orders?overdue=false", &p.officer)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    let late: Value = app
        .get("/api/v1/findings?overdue=true", &p.ent_e)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(late["items"].as_array().unwrap().len(), 1);
    assert_eq!(late["items"][0]["id"], v["findings"][0]["id"]);
    let on_time: Value = app
        .get("/api/v1/findings?overdue=false", &p.officer)
        .await
        .json()
        .await
        .unwrap();
    assert!(on_time["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["id"] != v["findings"][0]["id"]));
    let s: Value = app
        .get("/api/v1/stats/overview", &p.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["overdue"], 1);
    let per: Value = app
        .get("/api/v1/stats/enterprises", &p.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(per[0]["overdue"], 1);
    assert_eq!(per[0]["enterprise_id"], p.e.as_str());
    // Escalation ladder: 督办函 with a new limit, then 通报批评 once it has passed.
    assert_problem(
        p.act(&v, "public-criticism", &p.officer, json!({})).await,
        409,
        "supervision_letter_required",
    )
    .await;
    let v = p.ok(&v, "supervision-letter", &p.officer, json!({"time_limit": (today() + chrono::Duration::days(5)).to_string(), "comment": "限5日内完成整改"})).await;
    let year = today().format("%Y").to_string();
    assert_eq!(
        v["escalation"]["supervision_letter"]["number"],
        format!("安环督办〔{year}〕0001号")
    );
    assert_problem(
        p.act(&v, "public-criticism", &p.officer, json!({})).await,
        409,
        "supervision_time_limit_running",
    )
    .await;
    app.sql(&format!(
        "UPDATE rectification_orders SET supervision_letter_time_limit = '{yesterday}'"
    ));
    let v = p
        .ok(
            &v,
            "public-criticism",
            &p.officer,
            json!({"comment": "全园区通报"}),
        )
        .await;
    assert_eq!(
        v["escalation"]["public_criticism"]["number"],
        format!("安环通报〔{year}〕0001号")
    );
    let s: Value = app
        .get("/api/v1/stats/overview", &p.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            s["supervision_letters"].as_i64(),
            s["public_criticisms"].as_i64()
        ),
        (Some(1), Some(1))
    );
}

#[actix_web::test]
async fn concurrent_verifications_with_one_etag_have_one_winner() {
    let p = park().await;
    let (_, officer2) = p.app.user("safety_officer", None, &[]).await;
    let o = p.order("general", 7).await;
    let o = p.ok(&o, "acknowledge", &p.ent_e, json!({})).await;
    let o = p.ok(&o, "submit", &p.ent_e, p.submit_body(&o).await).await;
    let url = p.app.url(&format!(
        "/api/v1/rectification-orders/{}/verify",
        o["id"].as_str().unwrap()
    ));
    let r = p
        .app
        .client
        .get(p.app.url(&format!(
            "/api/v1/rectification-orders/{}",
            o["id"].as_str().unwrap()
        )))
        .bearer_auth(&p.officer)
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let send = |token: String, decision: &'static str| {
        let (client, url, etag) = (p.app.client.clone(), url.clone(), etag.clone());
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("if-match", etag)
                .json(&json!({"decision": decision, "opinion": "复查"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let (a, b) = tokio::join!(send(p.officer.clone(), "accept"), send(officer2, "reject"));
    let mut codes = [a, b];
    codes.sort();
    assert_eq!(codes, [200, 412]);
    let v: Value = p
        .app
        .get(
            &format!("/api/v1/rectification-orders/{}", o["id"].as_str().unwrap()),
            &p.officer,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        actions(&v)
            .iter()
            .filter(|a| *a == "accept" || *a == "reject")
            .count(),
        1
    );
}

#[actix_web::test]
async fn concurrent_orders_get_unique_gapless_numbers() {
    let p = park().await;
    let mut fids = Vec::new();
    for _ in 0..8 {
        fids.push(p.finding(&p.e, "general").await);
    }
    let deadline = (today() + chrono::Duration::days(10)).to_string();
    let futs = fids.iter().map(|fid| {
        let body = json!({"enterprise_id": p.e, "finding_ids": [fid], "requirements": "整改", "deadline": deadline});
        let (client, url, token) = (p.app.client.clone(), p.app.url("/api/v1/rectification-orders"), p.officer.clone());
        async move {
            let r = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()["number"].as_str().unwrap().to_string()
        }
    });
    let mut numbers = futures_util::future::join_all(futs).await;
    numbers.sort();
    let year = today().format("%Y").to_string();
    let expected: Vec<String> = (1..=8)
        .map(|n| format!("安环整改〔{year}〕{n:04}号"))
        .collect();
    assert_eq!(numbers, expected);
}

#[actix_web::test]
async fn tampering_with_history_is_detected() {
    let p = park().await;
    let o = p.order("general", 7).await;
    let o = p
        .ok(&o, "acknowledge", &p.ent_e, json!({"comment": "已签收"}))
        .await;
    let o = p
        .ok(&o, "progress", &p.ent_e, json!({"comment": "已完成一半"}))
        .await;
    let id = o["id"].as_str().unwrap();
    let url = format!("/api/v1/rectification-orders/{id}/events/verify");
    assert_eq!(
        p.app
            .get(&url, &p.officer)
            .await
            .json::<Value>()
            .await
            .unwrap()["valid"],
        true
    );
    p.app
        .sql("UPDATE order_events SET comment = '全部完成' WHERE seq = 3");
    let v: Value = p.app.get(&url, &p.officer).await.json().await.unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["broken_at"], json!({"seq": 3, "reason": "hash"}));
    p.app.sql("DELETE FROM order_events WHERE seq = 2");
    let v: Value = p.app.get(&url, &p.officer).await.json().await.unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["broken_at"]["seq"], 3);
    // Removing the latest event (e.g. a rejection) leaves a consistent-looking
    // prefix; the order's version still gives it away.
    let o2 = p.order("general", 7).await;
    let o2 = p.ok(&o2, "acknowledge", &p.ent_e, json!({})).await;
    let id2 = o2["id"].as_str().unwrap();
    p.app.sql(&format!("DELETE FROM order_events WHERE seq = 2 AND action = 'acknowledge' AND comment = '' AND order_id IN (SELECT id FROM rectification_orders WHERE number = '{}')", o2["number"].as_str().unwrap()));
    let v: Value = p
        .app
        .get(
            &format!("/api/v1/rectification-orders/{id2}/events/verify"),
            &p.officer,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["broken_at"], json!({"seq": 2, "reason": "missing"}));
}

#[actix_web::test]
async fn ordered_findings_and_foreign_evidence_stay_put() {
    let p = park().await;
    let o = p.order("general", 7).await;
    let o = p
        .ok(&o, "cancel", &p.officer, json!({"reason": "重新梳理"}))
        .await;
    // The cancelled order's finding cannot be rewritten or moved to another enterprise.
    let fid = o["findings"][0]["id"].as_str().unwrap();
    let moved = json!({"enterprise_id": p.f, "category": "safety", "level": "general", "description": "改到乙企业"});
    assert_problem(
        p.app
            .put(&format!("/api/v1/findings/{fid}"), &p.insp, &moved)
            .await,
        409,
        "finding_not_editable",
    )
    .await;
    // A photo attached to enterprise E's record cannot become evidence for F.
    let photo = p.app.photo(&p.insp).await;
    let on_e = json!({"enterprise_id": p.e, "category": "safety", "level": "general", "description": "甲", "photo_ids": [photo]});
    assert_eq!(
        p.app
            .put(
                &format!("/api/v1/findings/{}", Uuid::new_v4()),
                &p.insp,
                &on_e
            )
            .await
            .status(),
        201
    );
    let on_f = json!({"enterprise_id": p.f, "category": "safety", "level": "general", "description": "乙", "photo_ids": [photo]});
    let pr = assert_problem(
        p.app
            .put(
                &format!("/api/v1/findings/{}", Uuid::new_v4()),
                &p.insp,
                &on_f,
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(pr["errors"][0]["field"], "photo_ids");
    // Far-future and ancient dates are field errors, never 500s.
    let fid2 = p.finding(&p.e, "general").await;
    let body = json!({"enterprise_id": p.e, "finding_ids": [fid2], "requirements": "r", "deadline": "9999-12-31"});
    assert_problem(
        p.app
            .post("/api/v1/rectification-orders", &p.officer, body)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        p.app
            .get(
                "/api/v1/rectification-orders?deadline_from=0001-01-01",
                &p.officer,
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
}

/// Expected answer for `role` trying `action` when the order is visible:
/// 403 if the role may never do it, else 409 if the state forbids it (sent
/// without If-Match), else 412 (sent with a stale If-Match, so nothing changes).
fn role_may(role: &str, action: &str) -> bool {
    match action {
        "acknowledge" | "progress" | "submit" | "extension-requests" => role == "enterprise",
        "plan" => matches!(role, "enterprise" | "safety_officer"),
        "verify" => matches!(role, "inspector" | "safety_officer"), // general hazards
        "decision"
        | "cancel"
        | "supervision-letter"
        | "public-criticism"
        | "supervision-listing"
        | "resumption/decision" => role == "safety_officer",
        // The major-hazard path (its rules of level and file come after these).
        "production-stop" => matches!(role, "enterprise" | "safety_officer"),
        "assessment" | "resumption" => role == "enterprise",
        _ => unreachable!(),
    }
}

fn state_allows(state: &str, action: &str) -> bool {
    match action {
        "acknowledge" => state == "issued",
        "progress" | "submit" => state == "rectifying",
        "plan" | "extension-requests" | "supervision-letter" | "public-criticism" => {
            matches!(state, "issued" | "rectifying")
        }
        "verify" => state == "pending_verification",
        "decision" | "cancel" | "supervision-listing" | "resumption/decision" => {
            matches!(state, "issued" | "rectifying" | "pending_verification")
        }
        "production-stop" => matches!(state, "issued" | "rectifying"),
        "assessment" | "resumption" => matches!(state, "rectifying" | "pending_verification"),
        _ => unreachable!(),
    }
}

#[actix_web::test]
async fn every_action_by_every_role_in_every_state() {
    let p = park().await;
    let (_, admin) = (0, p.app.admin.clone());
    let (_, agency_f) = p.app.user("third_party", None, &[&p.f]).await;
    // One order per state.
    let issued = p.order("general", 7).await;
    let rectifying = p
        .ok(
            &p.order("general", 7).await,
            "acknowledge",
            &p.ent_e,
            json!({}),
        )
        .await;
    let pending = {
        let o = p
            .ok(
                &p.order("general", 7).await,
                "acknowledge",
                &p.ent_e,
                json!({}),
            )
            .await;
        p.ok(&o, "submit", &p.ent_e, p.submit_body(&o).await).await
    };
    let closed = p
        .ok(
            &pending.clone(),
            "verify",
            &p.insp,
            json!({"decision": "accept"}),
        )
        .await;
    let pending = {
        let o = p
            .ok(
                &p.order("general", 7).await,
                "acknowledge",
                &p.ent_e,
                json!({}),
            )
            .await;
        p.ok(&o, "submit", &p.ent_e, p.submit_body(&o).await).await
    };
    let cancelled = p
        .ok(
            &p.order("general", 7).await,
            "cancel",
            &p.officer,
            json!({"reason": "误发"}),
        )
        .await;
    let later = (today() + chrono::Duration::days(30)).to_string();
    let bodies: Vec<(&str, Value)> = vec![
        ("acknowledge", json!({})),
        ("progress", json!({"comment": "进展"})),
        (
            "plan",
            json!({"goal": "g", "measures": "m", "funds": "f", "responsible_people": "r", "time_limit": later, "safety_measures": "s", "contingency_plan": "c"}),
        ),
        ("submit", json!({"items": []})),
        ("verify", json!({"decision": "accept"})),
        (
            "extension-requests",
            json!({"requested_deadline": later, "reason": "r"}),
        ),
        ("decision", json!({"approve": true})),
        ("cancel", json!({"reason": "r"})),
        ("supervision-letter", json!({"time_limit": later})),
        ("public-criticism", json!({})),
        (
            "supervision-listing",
            json!({"supervising_unit": "区应急管理局", "number": "区安督〔2026〕1号", "time_limit": later}),
        ),
        (
            "production-stop",
            json!({"mode": "stop_use", "date": today().to_string(), "scope": "一号熔炼炉", "interim_measures": "撤离人员，设置警戒"}),
        ),
        (
            "assessment",
            json!({"assessor_kind": "agency", "assessor": "某安全评价公司", "conclusion": "已消除", "eliminated": true, "document_ids": []}),
        ),
        ("resumption", json!({"comment": "申请复产"})),
        ("resumption/decision", json!({"approve": true})),
    ];
    let roles: Vec<(&str, &str, bool)> = vec![
        ("inspector", p.insp.as_str(), true),
        ("third_party", p.agency_e.as_str(), true),
        ("enterprise", p.ent_e.as_str(), true),
        ("enterprise", p.ent_f.as_str(), false),
        ("third_party", agency_f.as_str(), false),
        ("safety_officer", p.officer.as_str(), true),
        ("admin", admin.as_str(), true),
    ];
    let mut checked = 0;
    for (state, order) in [
        ("issued", &issued),
        ("rectifying", &rectifying),
        ("pending_verification", &pending),
        ("closed", &closed),
        ("cancelled", &cancelled),
    ] {
        let id = order["id"].as_str().unwrap();
        for (role, token, sees) in &roles {
            let r = p
                .app
                .get(&format!("/api/v1/rectification-orders/{id}"), token)
                .await;
            assert_eq!(
                r.status().as_u16(),
                if *sees { 200 } else { 404 },
                "GET as {role} ({state})"
            );
            for (action, body) in &bodies {
                let path = if *action == "decision" {
                    format!(
                        "/api/v1/rectification-orders/{id}/extension-requests/{}/decision",
                        Uuid::now_v7()
                    )
                } else {
                    format!("/api/v1/rectification-orders/{id}/{action}")
                };
                let req = if *action == "plan" {
                    p.app.client.put(p.app.url(&path))
                } else {
                    p.app.client.post(p.app.url(&path))
                };
                let want = if !sees {
                    404
                } else if !role_may(role, action) {
                    403
                } else if !state_allows(state, action) {
                    409
                } else {
                    412
                };
                let req = req.bearer_auth(token).json(body);
                let req = if want == 409 && matches!(*action, "verify" | "cancel") {
                    req.header("if-match", "*") // required; the state decides
                } else if want == 409 {
                    req
                } else {
                    req.header("if-match", "\"stale\"")
                };
                let r = req.send().await.unwrap();
                assert_eq!(r.status().as_u16(), want, "{action} as {role} in {state}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 7 * 15);
    // Nothing changed: every order is still in its state.
    for (state, order) in [
        ("issued", &issued),
        ("rectifying", &rectifying),
        ("pending_verification", &pending),
        ("closed", &closed),
        ("cancelled", &cancelled),
    ] {
        let v: Value = p
            .app
            .get(
                &format!(
                    "/api/v1/rectification-orders/{}",
                    order["id"].as_str().unwrap()
                ),
                &p.officer,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["status"], state);
        assert!(!p
            .app
            .get("/api/v1/rectification-orders", &p.ent_f)
            .await
            .text()
            .await
            .unwrap()
            .contains(order["id"].as_str().unwrap()));
    }
}

fn allowed(order: &Value) -> Vec<String> {
    order["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

async fn fetch(p: &Park, order: &Value, token: &str) -> Value {
    let r = p
        .app
        .get(
            &format!(
                "/api/v1/rectification-orders/{}",
                order["id"].as_str().unwrap()
            ),
            token,
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[actix_web::test]
async fn internal_notes_are_for_park_staff_only() {
    let p = park().await;
    let o = p.order("general", 7).await;
    let o = p.ok(&o, "acknowledge", &p.ent_e, json!({})).await;
    let o = p.ok(&o, "submit", &p.ent_e, p.submit_body(&o).await).await;
    let note = "企业负责人态度敷衍";
    p.ok(
        &o,
        "verify",
        &p.insp,
        json!({"decision": "reject", "opinion": "未完全整改", "internal_note": note}),
    )
    .await;
    let events_path = format!(
        "/api/v1/rectification-orders/{}/events",
        o["id"].as_str().unwrap()
    );
    for (who, token, sees) in [
        ("inspector", &p.insp, true),
        ("safety_officer", &p.officer, true),
        ("admin", &p.app.admin, true),
        ("third_party", &p.agency_e, false),
        ("enterprise", &p.ent_e, false),
    ] {
        let full = fetch(&p, &o, token).await;
        let events: Value = p.app.get(&events_path, token).await.json().await.unwrap();
        for list in [&full["events"], &events] {
            let shown = list.to_string().contains(note);
            assert_eq!(shown, sees, "{who}: {list}");
        }
    }
}

#[actix_web::test]
async fn verify_and_cancel_without_if_match_answer_428() {
    let p = park().await;
    let o = p.order("general", 7).await;
    let o = p.ok(&o, "acknowledge", &p.ent_e, json!({})).await;
    let o = p.ok(&o, "submit", &p.ent_e, p.submit_body(&o).await).await;
    let bare = |action: &str, token: &str, body: Value| {
        let url = p.app.url(&format!(
            "/api/v1/rectification-orders/{}/{action}",
            o["id"].as_str().unwrap()
        ));
        p.app.client.post(url).bearer_auth(token).json(&body).send()
    };
    for (action, token, body) in [
        ("verify", &p.insp, json!({"decision": "accept"})),
        ("cancel", &p.officer, json!({"reason": "误发"})),
    ] {
        let r = bare(action, token, body).await.unwrap();
        assert_problem(r, 428, "precondition_required").await;
    }
    // Nothing happened; with the ETag it goes through.
    let v = fetch(&p, &o, &p.insp).await;
    assert_eq!(v["status"], "pending_verification");
    assert_eq!(v["version"], o["version"]);
    let v = p
        .ok(&v, "verify", &p.insp, json!({"decision": "accept"}))
        .await;
    assert_eq!(v["status"], "closed");
    // The other actions need no If-Match.
    let o = p.order("general", 7).await;
    let r = p.act(&o, "acknowledge", &p.ent_e, json!({})).await;
    assert_eq!(r.status(), 200);
}

#[actix_web::test]
async fn racers_without_if_match_get_409_with_the_allowed_actions() {
    let p = park().await;
    for _ in 0..3 {
        let o = p.order("general", 7).await;
        let url = p.app.url(&format!(
            "/api/v1/rectification-orders/{}/acknowledge",
            o["id"].as_str().unwrap()
        ));
        let futs = (0..6).map(|_| {
            let (client, url, token) = (p.app.client.clone(), url.clone(), p.ent_e.clone());
            async move {
                let r = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"comment": "已签收"}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let body: Value = r.json().await.unwrap();
                (status, body)
            }
        });
        let answers = futures_util::future::join_all(futs).await;
        let ok = answers.iter().filter(|(s, _)| *s == 200).count();
        assert_eq!(ok, 1, "{answers:?}");
        for (status, body) in answers.iter().filter(|(s, _)| *s != 200) {
            assert_eq!(*status, 409, "{body}");
            assert_eq!(body["code"], "action_not_allowed", "{body}");
            assert!(
                body["detail"].as_str().unwrap().contains("allowed: ["),
                "{body}"
            );
        }
    }
}

#[actix_web::test]
async fn allowed_actions_are_only_those_that_would_succeed() {
    let p = park().await;
    let o = p.order("general", 7).await;
    let o = p.ok(&o, "acknowledge", &p.ent_e, json!({})).await;
    let v = fetch(&p, &o, &p.officer).await;
    let officer_sees = allowed(&v);
    for a in [
        "supervision_letter",
        "public_criticism",
        "approve_extension",
        "deny_extension",
    ] {
        assert!(
            !officer_sees.contains(&a.to_string()),
            "{a}: {officer_sees:?}"
        );
    }
    assert!(officer_sees.contains(&"cancel".to_string()));
    // Every action offered to anyone succeeds (probed: supervision letter).
    assert_problem(
        p.act(
            &v,
            "supervision-letter",
            &p.officer,
            json!({"time_limit": (today() + chrono::Duration::days(5)).to_string()}),
        )
        .await,
        409,
        "not_overdue",
    )
    .await;
    // A pending extension request: the office may decide, the enterprise may not ask again.
    assert!(allowed(&fetch(&p, &o, &p.ent_e).await).contains(&"request_extension".to_string()));
    let later = (today() + chrono::Duration::days(30)).to_string();
    let v = p
        .ok(
            &o,
            "extension-requests",
            &p.ent_e,
            json!({"requested_deadline": later, "reason": "设备到货延迟"}),
        )
        .await;
    let officer_sees = allowed(&fetch(&p, &v, &p.officer).await);
    assert!(
        officer_sees.contains(&"approve_extension".to_string()),
        "{officer_sees:?}"
    );
    assert!(officer_sees.contains(&"deny_extension".to_string()));
    assert!(
        !allowed(&v).contains(&"request_extension".to_string()),
        "{:?}",
        allowed(&v)
    );
    // Overdue: the letter is offered; criticism only after its time limit.
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    p.app.sql(&format!(
        "UPDATE rectification_orders SET effective_deadline = '{yesterday}'"
    ));
    let v = fetch(&p, &o, &p.officer).await;
    assert!(
        allowed(&v).contains(&"supervision_letter".to_string()),
        "{:?}",
        allowed(&v)
    );
    assert!(!allowed(&v).contains(&"public_criticism".to_string()));
    let v = p
        .ok(
            &v,
            "supervision-letter",
            &p.officer,
            json!({"time_limit": (today() + chrono::Duration::days(5)).to_string()}),
        )
        .await;
    assert!(
        !allowed(&v).contains(&"supervision_letter".to_string()),
        "{:?}",
        allowed(&v)
    );
    assert!(!allowed(&v).contains(&"public_criticism".to_string()));
    p.app.sql(&format!(
        "UPDATE rectification_orders SET supervision_letter_time_limit = '{yesterday}'"
    ));
    let v = fetch(&p, &o, &p.officer).await;
    assert!(
        allowed(&v).contains(&"public_criticism".to_string()),
        "{:?}",
        allowed(&v)
    );
}

#[actix_web::test]
async fn orders_are_searched_by_number_requirements_and_finding_text_within_scope() {
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
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    let deadline = (anhuan::domain::time::park_today(chrono::Utc::now())
        + chrono::Duration::days(9))
    .to_string();
    let mut numbers = Vec::new();
    for (ent, text, req) in [
        (&e, "熔铸车间铝灰堆放区未设防雨设施", "设置防雨铝灰暂存间"),
        (&e, "配电箱未接地", "加装接地线，100%复核"),
        (&f, "冷库氨气报警器失效", "更换氨气报警器"),
    ] {
        let fid = Uuid::new_v4();
        let r = app
            .put(&format!("/api/v1/findings/{fid}"), &insp,
                &json!({"enterprise_id": ent, "category": "safety", "level": "general", "description": text}))
            .await;
        assert_eq!(r.status(), 201);
        let r = app
            .post("/api/v1/rectification-orders", &insp,
                json!({"enterprise_id": ent, "finding_ids": [fid], "requirements": req, "deadline": deadline}))
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        numbers.push(
            r.json::<Value>().await.unwrap()["number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let found = |token: String, q: String| {
        let app = &app;
        async move {
            let url = format!("/api/v1/rectification-orders?q={}", urlencode(&q));
            let r = app.get(&url, &token).await;
            assert_eq!(r.status(), 200, "{q}");
            let v: Value = r.json().await.unwrap();
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["number"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        found(insp.clone(), "铝灰堆放".into()).await,
        [numbers[0].clone()],
        "a finding's text"
    );
    assert_eq!(
        found(insp.clone(), "接地线".into()).await,
        [numbers[1].clone()],
        "the requirements"
    );
    assert_eq!(
        found(insp.clone(), numbers[2].clone()).await,
        [numbers[2].clone()],
        "the number"
    );
    assert_eq!(
        found(insp.clone(), "100%".into()).await,
        [numbers[1].clone()],
        "a literal %"
    );
    assert!(
        found(insp.clone(), "_".into()).await.is_empty(),
        "_ is no wildcard"
    );
    // An enterprise searches only its own.
    assert!(found(ent_e.clone(), "氨气".into()).await.is_empty());
    assert_eq!(
        found(ent_e.clone(), "铝灰".into()).await,
        [numbers[0].clone()]
    );
    let r = app
        .get(
            &format!("/api/v1/rectification-orders?q={}", "长".repeat(101)),
            &insp,
        )
        .await;
    assert_problem(r, 422, "validation_failed").await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
