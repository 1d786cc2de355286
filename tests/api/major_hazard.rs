//! The major-hazard path (issue 12, item 4) over HTTP: 挂牌督办, the stop,
//! the 评估, 复产 applied for, refused once and approved, then 销号; what
//! closing needs; the steps refused on a general hazard; the report to the
//! supervising authority as PDF and XLSX (read back by openpyxl).

use crate::casefile::{case_with, today, Case};
use crate::helpers::*;
use serde_json::{json, Value};

fn allowed(o: &Value) -> Vec<String> {
    o["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn needed(o: &Value) -> Vec<String> {
    o["major_hazard"]["needed_to_close"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_string())
        .collect()
}

async fn refused(
    c: &Case,
    o: &Value,
    action: &str,
    token: &str,
    body: Value,
    status: u16,
    code: &str,
) -> Value {
    assert_problem(c.act(o, action, token, body).await, status, code).await
}

fn stop_body() -> Value {
    json!({"mode": "partial_stop", "date": today().to_string(), "scope": "打磨抛光工段及其除尘系统",
           "interim_measures": "撤出作业人员，切断电源，设置警戒标志，专人看护"})
}

#[actix_web::test]
async fn a_major_hazard_goes_from_listing_through_stop_assessment_and_resumption_to_close() {
    let c = case_with(|_| {}).await;
    // Reported by officer2, issued by officer; officer3 reviews.
    let o = c.order(&c.officer2, &c.officer, "major").await;
    assert_eq!(
        needed(&o),
        ["assessment"],
        "nothing stopped yet: only the assessment"
    );
    assert!(allowed(
        &c.ok(&o, "progress", &c.ent_e, json!({"comment": "开始整改"}))
            .await
    )
    .contains(&"record_stop".to_string()));

    // 挂牌督办 by the office, once; not by the enterprise.
    let listing = json!({"supervising_unit": "区应急管理局", "number": "区安督〔2026〕7号",
                         "time_limit": (today() + chrono::Duration::days(30)).to_string()});
    refused(
        &c,
        &o,
        "supervision-listing",
        &c.ent_e,
        listing.clone(),
        403,
        "forbidden",
    )
    .await;
    let o = c
        .ok(&o, "supervision-listing", &c.officer, listing.clone())
        .await;
    assert_eq!(
        o["major_hazard"]["supervision"]["supervising_unit"],
        "区应急管理局"
    );
    assert_eq!(
        o["major_hazard"]["supervision"]["number"],
        "区安督〔2026〕7号"
    );
    assert!(!allowed(&o).contains(&"list_for_supervision".to_string()));
    refused(
        &c,
        &o,
        "supervision-listing",
        &c.officer,
        listing,
        409,
        "major_hazard_step_refused",
    )
    .await;
    // Listed shows in the list too, for every reader of the order.
    let list: Value = c
        .app
        .get(
            &format!("/api/v1/rectification-orders?enterprise_id={}", c.e),
            &c.ent_e,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"][0]["major_hazard"]["supervision"]["number"],
        "区安督〔2026〕7号"
    );

    // The stop: checked, then recorded.
    let mut future = stop_body();
    future["date"] = json!((today() + chrono::Duration::days(1)).to_string());
    let pr = refused(
        &c,
        &o,
        "production-stop",
        &c.ent_e,
        future,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(pr["errors"][0]["field"], "date");
    let o = c.ok(&o, "production-stop", &c.ent_e, stop_body()).await;
    assert_eq!(o["major_hazard"]["production_stop"]["mode"], "partial_stop");
    assert_eq!(
        o["major_hazard"]["production_stop"]["mode_label"],
        "局部停产"
    );
    assert_eq!(needed(&o), ["assessment", "resumption_approval"]);

    // No 复产 before an assessment that found the hazard eliminated.
    assert!(!allowed(&o).contains(&"apply_resumption".to_string()));
    let pr = refused(
        &c,
        &o,
        "resumption",
        &c.ent_e,
        json!({"comment": "申请复产"}),
        409,
        "major_hazard_step_refused",
    )
    .await;
    assert!(pr["detail"].as_str().unwrap().contains("评估"), "{pr}");
    let o = c.submit(&o, &c.ent_e).await;
    assert_eq!(o["status"], "pending_verification");
    let pr = refused(
        &c,
        &o,
        "verify",
        &c.officer3,
        json!({"decision": "accept", "opinion": "合格"}),
        422,
        "major_hazard_path_incomplete",
    )
    .await;
    assert!(
        pr["detail"]
            .as_str()
            .unwrap()
            .contains("resumption_approval"),
        "{pr}"
    );
    assert!(!allowed(
        &c.app
            .get(
                &format!("/api/v1/rectification-orders/{}", o["id"].as_str().unwrap()),
                &c.officer3
            )
            .await
            .json::<Value>()
            .await
            .unwrap()
    )
    .contains(&"accept".to_string()));

    // An assessment needs its report; one that finds the hazard remaining
    // does not open 复产.
    let pr = refused(&c, &o, "assessment", &c.ent_e,
        json!({"assessor_kind": "experts", "assessor": "专家组", "conclusion": "未消除", "eliminated": false, "document_ids": []}),
        422, "validation_failed").await;
    assert_eq!(pr["errors"][0]["field"], "document_ids");
    let o = c.assess(&o, false).await;
    assert!(!allowed(&o).contains(&"apply_resumption".to_string()));
    let o = c.assess(&o, true).await;
    assert_eq!(o["major_hazard"]["assessment"]["eliminated"], true);
    assert_eq!(
        o["major_hazard"]["assessment"]["assessor_kind_label"],
        "安全评价机构"
    );
    assert_eq!(needed(&o), ["resumption_approval"]);

    // 复产 applied for: the clock runs 10 days; the file is frozen.
    let o = c
        .ok(
            &o,
            "resumption",
            &c.ent_e,
            json!({"comment": "治理完成，经评估符合安全生产条件，申请恢复生产"}),
        )
        .await;
    let r = &o["major_hazard"]["resumption"];
    assert_eq!(r["status"], "pending");
    assert_eq!(
        r["decide_by"],
        (today() + chrono::Duration::days(10)).to_string()
    );
    assert_eq!(r["overdue"], false);
    refused(
        &c,
        &o,
        "resumption",
        &c.ent_e,
        json!({"comment": "再次申请"}),
        409,
        "major_hazard_step_refused",
    )
    .await;
    let pr = refused(&c, &o, "assessment", &c.ent_e,
        json!({"assessor_kind": "agency", "assessor": "x", "conclusion": "x", "eliminated": true, "document_ids": [crate::documents::pdf_doc(&c.app, &c.ent_e).await.0]}),
        409, "major_hazard_step_refused").await;
    assert!(pr["detail"].as_str().unwrap().contains("复产"), "{pr}");

    // The decision: not by whoever issued or reported it; a refusal needs reasons.
    for (token, rule) in [
        (&c.officer, "issuer_verifies_major"),
        (&c.officer2, "reporter_verifies_major"),
    ] {
        let pr = refused(
            &c,
            &o,
            "resumption/decision",
            token,
            json!({"approve": true}),
            403,
            "separation_of_duties",
        )
        .await;
        assert!(pr["detail"].as_str().unwrap().contains(rule), "{pr}");
    }
    refused(
        &c,
        &o,
        "resumption/decision",
        &c.ent_e,
        json!({"approve": true}),
        403,
        "forbidden",
    )
    .await;
    let pr = refused(
        &c,
        &o,
        "resumption/decision",
        &c.officer3,
        json!({"approve": false}),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(pr["errors"][0]["field"], "comment");
    let o = c
        .ok(
            &o,
            "resumption/decision",
            &c.officer3,
            json!({"approve": false, "comment": "现场审查：泄爆口朝向人员通道，须调整"}),
        )
        .await;
    assert_eq!(o["major_hazard"]["resumption"]["status"], "rejected");
    // A failed on-site review sends the submitted case back to rectification.
    assert_eq!(o["status"], "rectifying");
    assert_eq!(needed(&o), ["resumption_approval"]);

    // Corrected, submitted and assessed again, applied again, approved, closed.
    let o = c
        .ok(
            &o,
            "progress",
            &c.ent_e,
            json!({"comment": "已调整泄爆口朝向"}),
        )
        .await;
    let o = c.submit(&o, &c.ent_e).await;
    refused(
        &c,
        &o,
        "verify",
        &c.officer3,
        json!({"decision": "accept"}),
        422,
        "major_hazard_path_incomplete",
    )
    .await;
    let o = c.assess(&o, true).await;
    let o = c
        .ok(
            &o,
            "resumption",
            &c.ent_e,
            json!({"comment": "已按审查意见整改，再次申请复产"}),
        )
        .await;
    let o = c
        .ok(
            &o,
            "resumption/decision",
            &c.officer3,
            json!({"approve": true, "comment": "同意恢复生产"}),
        )
        .await;
    assert_eq!(o["major_hazard"]["resumption"]["status"], "approved");
    assert!(needed(&o).is_empty());
    assert!(allowed(&o).contains(&"accept".to_string()));
    let o = c
        .ok(
            &o,
            "verify",
            &c.officer3,
            json!({"decision": "accept", "opinion": "复查合格，予以销号"}),
        )
        .await;
    assert_eq!(o["status"], "closed");

    let chain: Vec<&str> = o["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        chain,
        [
            "issue",
            "acknowledge",
            "save_plan",
            "progress",
            "list_for_supervision",
            "record_stop",
            "submit",
            "assess",
            "assess",
            "apply_resumption",
            "reject_resumption",
            "progress",
            "submit",
            "assess",
            "apply_resumption",
            "approve_resumption",
            "accept"
        ]
    );
    let id = o["id"].as_str().unwrap();
    let v: Value = c
        .app
        .get(
            &format!("/api/v1/rectification-orders/{id}/events/verify"),
            &c.officer,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], true, "{v}");
    // The enterprise heard of the listing and of both decisions.
    let inbox: Value = c
        .app
        .get("/api/v1/me/notifications?limit=100", &c.ent_e)
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event_type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"order.listed_for_supervision"), "{kinds:?}");
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "order.resumption_decided")
            .count(),
        2,
        "{kinds:?}"
    );
    let inbox: Value = c
        .app
        .get("/api/v1/me/notifications?limit=100", &c.officer)
        .await
        .json()
        .await
        .unwrap();
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["event_type"] == "order.resumption_applied"));
}

#[actix_web::test]
async fn the_path_is_for_major_hazards_only_and_the_offices_stop_stands() {
    let c = case_with(|_| {}).await;
    let g = c.order(&c.insp, &c.officer, "general").await;
    assert!(g.get("major_hazard").is_none(), "{g}");
    for a in [
        "list_for_supervision",
        "record_stop",
        "assess",
        "apply_resumption",
    ] {
        assert!(!allowed(&g).contains(&a.to_string()), "{a}");
    }
    let pr = refused(
        &c,
        &g,
        "production-stop",
        &c.ent_e,
        stop_body(),
        409,
        "not_major_hazard",
    )
    .await;
    assert!(pr["detail"].as_str().unwrap().contains("重大"), "{pr}");
    let id = g["id"].as_str().unwrap();
    assert_problem(
        c.app
            .get(
                &format!("/api/v1/rectification-orders/{id}/major-hazard-report"),
                &c.officer,
            )
            .await,
        404,
        "not_found",
    )
    .await;

    // The enterprise corrects the stop it reported; once the office orders
    // a stop, the enterprise cannot narrow it.
    let o = c.order(&c.insp, &c.officer, "major").await;
    let o = c.ok(&o, "production-stop", &c.ent_e, json!({"mode": "stop_use", "date": today().to_string(), "scope": "1号抛光机", "interim_measures": "停用"})).await;
    let o = c.ok(&o, "production-stop", &c.ent_e, stop_body()).await;
    assert_eq!(
        o["major_hazard"]["production_stop"]["scope"],
        "打磨抛光工段及其除尘系统"
    );
    let o = c.ok(&o, "production-stop", &c.officer, json!({"mode": "stop_production", "date": today().to_string(), "scope": "全厂", "interim_measures": "全厂停产"})).await;
    let pr = refused(
        &c,
        &o,
        "production-stop",
        &c.ent_e,
        stop_body(),
        409,
        "major_hazard_step_refused",
    )
    .await;
    assert!(pr["detail"].as_str().unwrap().contains("安全办"), "{pr}");
    assert_eq!(o["major_hazard"]["production_stop"]["scope"], "全厂");
    // Unknown fields and modes are refused before anything is written.
    let r = c.act(&o, "production-stop", &c.ent_e, json!({"mode": "paused", "date": today().to_string(), "scope": "x", "interim_measures": "y"})).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let again: Value = c
        .app
        .get(
            &format!("/api/v1/rectification-orders/{}", o["id"].as_str().unwrap()),
            &c.ent_e,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["version"], o["version"]);
    // Another enterprise sees nothing of it.
    assert_problem(
        c.app
            .get(
                &format!(
                    "/api/v1/rectification-orders/{}/major-hazard-report?format=xlsx",
                    o["id"].as_str().unwrap()
                ),
                &c.ent_f,
            )
            .await,
        404,
        "not_found",
    )
    .await;
    let r = c.act(&o, "assessment", &c.ent_f, json!({"assessor_kind": "agency", "assessor": "x", "conclusion": "x", "eliminated": true, "document_ids": []})).await;
    assert_eq!(r.status(), 404);
}

/// The Python that has openpyxl (scripts/test.sh installs it), or None.
pub(crate) fn openpyxl_python() -> Option<String> {
    let found = std::env::var("ANHUAN_TEST_OPENPYXL_PYTHON")
        .ok()
        .filter(|p| !p.is_empty());
    if found.is_none() {
        assert!(
            std::env::var("REQUIRE_OPENPYXL").as_deref() != Ok("1"),
            "no Python with openpyxl (ANHUAN_TEST_OPENPYXL_PYTHON) and REQUIRE_OPENPYXL=1"
        );
        eprintln!("\n## WARNING: openpyxl not found (ANHUAN_TEST_OPENPYXL_PYTHON): the report is read by calamine only\n");
    }
    found
}

/// Every cell's text of the report's first sheet, as openpyxl reads it.
pub(crate) fn openpyxl_cells(python: &str, xlsx: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    std::fs::write(&path, xlsx).unwrap();
    let script = "import sys, json, openpyxl\n\
        wb = openpyxl.load_workbook(sys.argv[1])\n\
        ws = wb.worksheets[0]\n\
        print(json.dumps([ws.title] + [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None], ensure_ascii=False))\n";
    let out = std::process::Command::new(python)
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .expect("run openpyxl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[actix_web::test]
async fn the_report_to_the_authority_holds_the_three_sections_in_xlsx_and_pdf() {
    let c = case_with(|_| {}).await;
    let fid = uuid::Uuid::new_v4().to_string();
    let body = json!({"enterprise_id": c.e, "category": "safety", "level": "major",
                      "description": "铝镁粉尘除尘系统采用正压吹送，未设置泄爆装置", "location_text": "二车间抛光线"});
    let r = c
        .app
        .put(&format!("/api/v1/findings/{fid}"), &c.insp, &body)
        .await;
    assert_eq!(r.status(), 201);
    let order = json!({"enterprise_id": c.e, "finding_ids": [fid], "requirements": "立即停用抛光线，加装泄爆装置",
                       "deadline": (today() + chrono::Duration::days(20)).to_string(), "major_reason": "stop_production"});
    let o: Value = c
        .app
        .post("/api/v1/rectification-orders", &c.officer, order)
        .await
        .json()
        .await
        .unwrap();
    let o = c
        .ok(
            &o,
            "acknowledge",
            &c.ent_e,
            json!({"responsible_person": {"name": "王建国", "phone": "13800000000"}}),
        )
        .await;
    let plan = json!({"goal": "消除铝镁粉尘爆炸隐患", "measures": "改为负压吸尘并加装泄爆片", "funds": "自筹80万元",
                      "responsible_people": "设备部王建国", "time_limit": (today() + chrono::Duration::days(15)).to_string(),
                      "safety_measures": "抛光线停用，设置警戒", "contingency_plan": "粉尘爆炸专项应急预案"});
    let id = o["id"].as_str().unwrap().to_string();
    let r = c
        .app
        .put(
            &format!("/api/v1/rectification-orders/{id}/plan"),
            &c.ent_e,
            &plan,
        )
        .await;
    assert_eq!(r.status(), 200);
    let o: Value = r.json().await.unwrap();
    let o = c.ok(&o, "production-stop", &c.ent_e, stop_body()).await;
    let _ = c.ok(&o, "supervision-listing", &c.officer, json!({"supervising_unit": "区应急管理局", "number": "区安督〔2026〕9号", "time_limit": (today() + chrono::Duration::days(30)).to_string()})).await;

    let url = format!("/api/v1/rectification-orders/{id}/major-hazard-report?format=xlsx");
    let r = c.app.get(&url, &c.ent_e).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let xlsx = r.bytes().await.unwrap().to_vec();
    // calamine always; openpyxl (the reader the authority's staff would
    // use) when scripts/test.sh installed it.
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.clone())).unwrap();
    use calamine::Reader;
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let mut cells: Vec<String> = range
        .cells()
        .map(|(_, _, v)| v.to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(py) = openpyxl_python() {
        let from_openpyxl = openpyxl_cells(&py, &xlsx);
        assert_eq!(from_openpyxl[0], "重大事故隐患报告");
        assert_eq!(
            &from_openpyxl[1..],
            &cells[..],
            "openpyxl and calamine read the same cells"
        );
        cells = from_openpyxl;
    }
    let text = cells.join("\n");
    for want in [
        "一、隐患的现状及其产生原因",
        "二、隐患的危害程度和整改难易程度分析",
        "三、隐患的治理方案",
        "铝镁粉尘除尘系统采用正压吹送，未设置泄爆装置",
        "二车间抛光线",
        "须全部或局部停产停业",
        "局部停产",
        "改为负压吸尘并加装泄爆片",
        "粉尘爆炸专项应急预案",
        "区安督〔2026〕9号",
        "王建国（13800000000）",
        o["number"].as_str().unwrap(),
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    let pos = |s: &str| text.find(s).unwrap();
    assert!(
        pos("一、隐患的现状") < pos("二、隐患的危害")
            && pos("二、隐患的危害") < pos("三、隐患的治理方案")
    );

    let r = c
        .app
        .get(
            &format!("/api/v1/rectification-orders/{id}/major-hazard-report"),
            &c.officer2,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    let text = crate::notice_pdf::pdf_text(&pdf);
    for want in [
        "一、隐患的现状及其产生原因",
        "二、隐患的危害程度和整改难易程度分析",
        "三、隐患的治理方案",
        "区安督〔2026〕9号",
    ] {
        assert!(text.contains(want), "{want} in the PDF's text");
    }
    assert_problem(
        c.app
            .get(
                &format!("/api/v1/rectification-orders/{id}/major-hazard-report?format=doc"),
                &c.officer,
            )
            .await,
        400,
        "invalid_query",
    )
    .await;
}

#[actix_web::test]
async fn a_failed_verification_after_resumption_was_granted_reopens_the_file() {
    let c = case_with(|_| {}).await;
    let o = c.order(&c.officer2, &c.officer, "major").await;
    let o = c.ok(&o, "production-stop", &c.ent_e, stop_body()).await;
    let o = c.submit(&o, &c.ent_e).await;
    let o = c.assess(&o, true).await;
    let o = c
        .ok(&o, "resumption", &c.ent_e, json!({"comment": "申请复产"}))
        .await;
    let o = c
        .ok(
            &o,
            "resumption/decision",
            &c.officer3,
            json!({"approve": true}),
        )
        .await;
    assert!(needed(&o).is_empty());
    // The 复查 finds the fix wanting: the grant falls with it.
    let o = c
        .ok(
            &o,
            "verify",
            &c.officer3,
            json!({"decision": "reject", "opinion": "泄爆片规格不符"}),
        )
        .await;
    assert_eq!(o["status"], "rectifying");
    let r = &o["major_hazard"]["resumption"];
    assert_eq!(r["status"], "rejected");
    assert!(
        r["comment"].as_str().unwrap().contains("泄爆片规格不符"),
        "{r}"
    );
    assert_eq!(needed(&o), ["resumption_approval"]);
    // The file is open again: a new stop, assessment and application.
    let o = c.ok(&o, "production-stop", &c.ent_e, stop_body()).await;
    let o = c.assess(&o, true).await;
    assert!(allowed(&o).contains(&"apply_resumption".to_string()));
}
