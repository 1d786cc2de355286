//! Environmental inspection feedback ledger over HTTP: import (XLSX and
//! GB18030 CSV), all-or-nothing validation, re-import and update, one item
//! from import to 销号 with acceptance and disclosure, and the ledger
//! exported and read back cell by cell.

use crate::helpers::*;
use calamine::{Data, Reader};
use serde_json::{json, Value};

/// `verify` needs `If-Match`; these calls are about the body, so any version.
async fn post_verify(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("if-match", "*")
        .json(&body)
        .send()
        .await
        .unwrap()
}

struct Setup {
    app: TestApp,
    officer: String,
    insp: String,
    alu: Value,
    glass: Value,
    ent_alu: String,
    batch: String,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let alu = app.create_enterprise("重庆黔江再生铝业有限公司").await;
    let glass = app.create_enterprise("重庆三磊玻纤股份有限公司").await;
    let (_, officer) = app.user("safety_officer", None, &[]).await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (_, ent_alu) = app
        .user("enterprise", Some(alu["id"].as_str().unwrap()), &[])
        .await;
    let batch = app
        .env_audit_batch(&officer, "第二轮中央生态环境保护督察", "渝督改〔2026〕3号")
        .await;
    Setup {
        app,
        officer,
        insp,
        alu,
        glass,
        ent_alu,
        batch,
    }
}

/// A feedback list as these arrive: a title row, then Chinese headers.
fn xlsx(rows: &[[&str; 7]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write_string(0, 0, "第二轮中央生态环境保护督察反馈问题整改清单")
        .unwrap();
    for (i, h) in [
        "序号",
        "问题描述",
        "责任单位",
        "责任部门",
        "整改措施",
        "整改时限",
        "整改目标",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, i as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 2) as u32;
        for (c, v) in row.iter().enumerate() {
            if c == 0 {
                if let Ok(n) = v.parse::<f64>() {
                    sheet.write_number(r, 0, n).unwrap();
                    continue;
                }
            }
            if c == 5 {
                if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                    use chrono::Datelike;
                    let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(
                        d.year() as u16,
                        d.month() as u8,
                        d.day() as u8,
                    )
                    .unwrap();
                    sheet
                        .write_datetime_with_format(
                            r,
                            5,
                            &dt,
                            &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
                        )
                        .unwrap();
                    continue;
                }
            }
            if !v.is_empty() {
                sheet.write_string(r, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

impl Setup {
    fn list(&self) -> Vec<u8> {
        let code = self.alu["credit_code"].as_str().unwrap();
        xlsx(&[
            [
                "1",
                "铝灰渣露天堆存，未按危险废物规范化管理",
                code,
                "",
                "建设规范化危废暂存库，委托有资质单位处置",
                "2027-03-31",
                "铝灰渣全部规范贮存处置",
            ],
            [
                "2",
                "玻纤窑炉烟气氮氧化物间歇超标",
                "重庆三磊玻纤股份有限公司",
                "",
                "实施SCR脱硝改造",
                "2027-05-31",
                "稳定达标排放",
            ],
            [
                "3",
                "园区污水管网雨污混流",
                "",
                "园区管委会建设局",
                "实施雨污分流改造",
                "",
                "雨污分流全覆盖",
            ],
            [
                "4",
                "再生铝熔炼废气收集率低",
                code,
                "",
                "加装集气罩并接入除尘系统",
                "2027-03-31",
                "收集率达到90%以上",
            ],
        ])
    }

    async fn import(&self, bytes: Vec<u8>, query: &str) -> reqwest::Response {
        self.app
            .client
            .post(
                self.app
                    .url(&format!("/api/v1/env-audits/{}/import{query}", self.batch)),
            )
            .bearer_auth(&self.officer)
            .header(
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    async fn batch(&self) -> Value {
        self.app
            .get(&format!("/api/v1/env-audits/{}", self.batch), &self.officer)
            .await
            .json()
            .await
            .unwrap()
    }
}

#[actix_web::test]
async fn xlsx_import_creates_findings_and_orders_per_unit() {
    let s = setup().await;
    let r = s.import(s.list(), "").await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["created"], json!(["1", "2", "3", "4"]));
    // Items 1 and 4 share an enterprise and a deadline: one order; 2 and 3 one each.
    assert_eq!(report["orders"].as_array().unwrap().len(), 3);
    let b = s.batch().await;
    assert_eq!(b["figures"]["total"], 4);
    assert_eq!(b["figures"]["closed"], 0);
    assert_eq!(b["figures"]["on_schedule"], 4);
    assert_eq!(b["figures"]["by_unit"].as_array().unwrap().len(), 3);
    // The enterprise sees its own order with both items, nothing else.
    let orders: Value = s
        .app
        .get("/api/v1/rectification-orders?source=env_audit", &s.ent_alu)
        .await
        .json()
        .await
        .unwrap();
    let items = orders["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let of_batch: Value = s
        .app
        .get(
            &format!("/api/v1/rectification-orders?audit_id={}", s.batch),
            &s.officer,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(of_batch["items"].as_array().unwrap().len(), 3);
    let other: Value = s
        .app
        .get(
            &format!(
                "/api/v1/rectification-orders?audit_id={}",
                uuid::Uuid::now_v7()
            ),
            &s.officer,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(other["items"].as_array().unwrap().is_empty());
    let o: Value = s
        .app
        .get(
            &format!(
                "/api/v1/rectification-orders/{}",
                items[0]["id"].as_str().unwrap()
            ),
            &s.ent_alu,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(o["findings"].as_array().unwrap().len(), 2);
    assert_eq!(o["findings"][0]["source"], "env_audit");
    assert_eq!(o["findings"][0]["category"], "environment");
    assert_eq!(o["effective_deadline"], "2027-03-31");
    // The department item uses the batch's default deadline and has no enterprise.
    let all: Value = s
        .app
        .get("/api/v1/findings?source=env_audit", &s.officer)
        .await
        .json()
        .await
        .unwrap();
    let dept = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["department"] == "园区管委会建设局")
        .unwrap()
        .clone();
    assert!(dept["enterprise_id"].is_null());
    // Enterprises and agencies do not read the ledger; inspectors do; only the safety office imports.
    assert_problem(
        s.app
            .get(&format!("/api/v1/env-audits/{}", s.batch), &s.ent_alu)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        s.app
            .get(&format!("/api/v1/env-audits/{}", s.batch), &s.insp)
            .await
            .status(),
        200
    );
    let r = s
        .app
        .client
        .post(s.app.url(&format!("/api/v1/env-audits/{}/import", s.batch)))
        .bearer_auth(&s.insp)
        .body(s.list())
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
}

#[actix_web::test]
async fn gb18030_csv_with_english_headers() {
    let s = setup().await;
    let csv = format!(
        "item_no,description,responsible_enterprise,responsible_department,measures,deadline,target\n\
         1,冷库氨制冷系统泄漏风险,{},,更换老化阀门,2027/4/30,消除泄漏隐患\n\
         2,燃气发电机组噪声扰民,,区生态环境局,加装隔声屏障,2027年5月31日,厂界噪声达标\n",
        s.glass["credit_code"].as_str().unwrap()
    );
    let (gb, _, _) = encoding_rs::GB18030.encode(&csv);
    let r = s.import(gb.into_owned(), "").await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["created"], json!(["1", "2"]));
    let ledger: Value = s
        .app
        .get(
            &format!("/api/v1/env-audits/{}/ledger?format=json", s.batch),
            &s.officer,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["rows"][0]["description"], "冷库氨制冷系统泄漏风险");
    assert_eq!(ledger["rows"][1]["deadline"], "2027-05-31");
}

#[actix_web::test]
async fn a_bad_file_writes_nothing_and_names_every_bad_row() {
    let s = setup().await;
    let code = s.alu["credit_code"].as_str().unwrap();
    let bad = xlsx(&[
        ["1", "问题一", code, "", "措施", "2027-03-31", "目标"],
        ["2", "", code, "", "措施", "2027-03-31", "目标"],
        [
            "3",
            "问题三",
            "不存在的企业有限公司",
            "",
            "措施",
            "2027-03-31",
            "目标",
        ],
        ["4", "问题四", code, "", "措施", "下半年", "目标"],
        ["1", "问题五", code, "", "措施", "2027-03-31", "目标"],
        ["6", "问题六", "", "", "措施", "2027-03-31", "目标"],
    ]);
    let p = assert_problem(s.import(bad, "").await, 422, "validation_failed").await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "row 4.description",
            "row 5.responsible_enterprise",
            "row 6.deadline",
            "row 7.item_no",
            "row 8.responsible_enterprise"
        ],
        "{p}"
    );
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("第4行"));
    // Unknown enterprises are found once the rows themselves are well-formed.
    let unknown = xlsx(&[
        ["1", "问题一", code, "", "措施", "2027-03-31", "目标"],
        [
            "3",
            "问题三",
            "不存在的企业有限公司",
            "",
            "措施",
            "2027-03-31",
            "目标",
        ],
    ]);
    let p = assert_problem(s.import(unknown, "").await, 422, "validation_failed").await;
    assert_eq!(p["errors"][0]["field"], "row 4.responsible_enterprise");
    assert_eq!(s.batch().await["figures"]["total"], 0, "nothing written");
    let f: Value = s
        .app
        .get("/api/v1/findings?source=env_audit", &s.officer)
        .await
        .json()
        .await
        .unwrap();
    assert!(f["items"].as_array().unwrap().is_empty());
    // A sheet that claims a cell at XFD1048576 is refused, never allocated.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "序号").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let p = assert_problem(
        s.import(book.save_to_buffer().unwrap(), "").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "file");
    assert_problem(
        s.import(b"not a spreadsheet at all".to_vec(), "").await,
        422,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn merged_cells_give_their_value_to_every_row() {
    let s = setup().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let fmt = rust_xlsxwriter::Format::new();
    sheet
        .merge_range(
            0,
            0,
            0,
            6,
            "第二轮中央生态环境保护督察反馈问题整改清单",
            &fmt,
        )
        .unwrap();
    for (i, h) in [
        "序号",
        "问题描述",
        "责任单位",
        "责任部门",
        "整改措施",
        "整改时限",
        "整改目标",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, i as u16, *h).unwrap();
    }
    for (r, (no, desc)) in [(1.0, "铝灰渣露天堆存"), (2.0, "熔炼废气收集率低")]
        .iter()
        .enumerate()
    {
        sheet.write_number(2 + r as u32, 0, *no).unwrap();
        sheet.write_string(2 + r as u32, 1, *desc).unwrap();
        sheet.write_string(2 + r as u32, 4, "整改").unwrap();
    }
    // One responsible enterprise and one deadline for both items, as merged cells.
    sheet
        .merge_range(2, 2, 3, 2, s.alu["name"].as_str().unwrap(), &fmt)
        .unwrap();
    sheet.merge_range(2, 5, 3, 5, "2027-02-28", &fmt).unwrap();
    let r = s.import(book.save_to_buffer().unwrap(), "").await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let ledger: Value = s
        .app
        .get(
            &format!("/api/v1/env-audits/{}/ledger?format=json", s.batch),
            &s.officer,
        )
        .await
        .json()
        .await
        .unwrap();
    let rows = ledger["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert_eq!(r["responsible_unit"], "重庆黔江再生铝业有限公司");
        assert_eq!(r["deadline"], "2027-02-28", "not the batch default");
    }
}

#[actix_web::test]
async fn reimport_is_a_no_op_and_changes_need_update_mode() {
    let s = setup().await;
    assert_eq!(s.import(s.list(), "").await.status(), 200);
    let again: Value = s.import(s.list(), "").await.json().await.unwrap();
    assert_eq!(again["created"], json!([]));
    assert_eq!(again["unchanged"], 4);
    assert!(again["orders"].as_array().unwrap().is_empty());
    let code = s.alu["credit_code"].as_str().unwrap();
    let changed = xlsx(&[
        [
            "1",
            "铝灰渣露天堆存，未按危险废物规范化管理",
            code,
            "",
            "建设规范化危废暂存库，委托有资质单位处置",
            "2027-03-31",
            "铝灰渣全部规范贮存处置并建立台账",
        ],
        [
            "5",
            "新增问题：厂区初期雨水未收集",
            code,
            "",
            "建设初期雨水池",
            "2027-03-31",
            "初期雨水全收集",
        ],
    ]);
    let p = assert_problem(
        s.import(changed.clone(), "").await,
        409,
        "import_changes_existing",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains('1'));
    assert_eq!(s.batch().await["figures"]["total"], 4, "refused whole");
    let r: Value = s
        .import(changed, "?mode=update")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        r["updated"],
        json!([{"item_no": "1", "fields": ["target"]}])
    );
    assert_eq!(r["created"], json!(["5"]));
    assert_eq!(s.batch().await["figures"]["total"], 5);
    // A deadline under an order moves only through an extension request.
    let later = xlsx(&[[
        "1",
        "铝灰渣露天堆存，未按危险废物规范化管理",
        code,
        "",
        "建设规范化危废暂存库，委托有资质单位处置",
        "2027-09-30",
        "铝灰渣全部规范贮存处置并建立台账",
    ]]);
    let p = assert_problem(
        s.import(later, "?mode=update").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "row 3.deadline");
    assert_problem(
        s.import(s.list(), "?mode=replace").await,
        422,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn an_item_closes_only_with_acceptance_and_disclosure_and_the_ledger_shows_it() {
    let s = setup().await;
    let app = &s.app;
    assert_eq!(s.import(s.list(), "").await.status(), 200);
    let orders: Value = app
        .get("/api/v1/rectification-orders?source=env_audit", &s.ent_alu)
        .await
        .json()
        .await
        .unwrap();
    let oid = orders["items"][0]["id"].as_str().unwrap().to_string();
    let url = |a: &str| format!("/api/v1/rectification-orders/{oid}/{a}");
    assert_eq!(
        app.post(
            &url("acknowledge"),
            &s.ent_alu,
            json!({"comment": "已签收"})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.post(
            &url("progress"),
            &s.ent_alu,
            json!({"comment": "危废暂存库主体完工"})
        )
        .await
        .status(),
        200
    );
    let o: Value = app
        .get(&format!("/api/v1/rectification-orders/{oid}"), &s.ent_alu)
        .await
        .json()
        .await
        .unwrap();
    let photo = app.photo(&s.ent_alu).await;
    let items: Vec<Value> = o["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| json!({"finding_id": f["id"], "description": "已建成并投用，铝灰渣委托处置", "photo_ids": [photo]}))
        .collect();
    assert_eq!(
        app.post(
            &url("submit"),
            &s.ent_alu,
            json!({"comment": "申请验收", "items": items})
        )
        .await
        .status(),
        200
    );
    let p = assert_problem(
        post_verify(
            app,
            &url("verify"),
            &s.officer,
            json!({"decision": "accept"}),
        )
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
    assert_eq!(fields, ["acceptance", "disclosure"]);
    // Closing a feedback item is the safety office's acceptance, not an inspector's.
    assert_problem(
        post_verify(app, &url("verify"), &s.insp, json!({"decision": "accept"})).await,
        403,
        "forbidden",
    )
    .await;
    let today = anhuan::domain::time::park_today(chrono::Utc::now()).to_string();
    let r = post_verify(
        app,
        &url("verify"),
        &s.officer,
        json!({"decision": "accept", "opinion": "现场验收合格",
                   "acceptance": {"date": today, "opinion": "区生态环境局组织现场验收，同意销号"},
                   "disclosure": {"date": today, "place": "黔江区人民政府网站"}}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // The department item: the safety office answers for the department and closes it.
    let all: Value = app
        .get("/api/v1/rectification-orders?source=env_audit", &s.officer)
        .await
        .json()
        .await
        .unwrap();
    let dept = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["department"] == "园区管委会建设局")
        .unwrap()
        .clone();
    let did = dept["id"].as_str().unwrap();
    let d = |a: &str| format!("/api/v1/rectification-orders/{did}/{a}");
    assert_eq!(
        app.post(&d("acknowledge"), &s.officer, json!({}))
            .await
            .status(),
        200
    );
    let dv: Value = app
        .get(&format!("/api/v1/rectification-orders/{did}"), &s.officer)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        dv["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("submit")),
        "{dv}"
    );
    let fid = dv["findings"][0]["id"].clone();
    let photo = app.photo(&s.officer).await;
    assert_eq!(
        app.post(
            &d("submit"),
            &s.officer,
            json!({"items": [{"finding_id": fid, "description": "雨污分流改造完成", "photo_ids": [photo]}]})
        )
        .await
        .status(),
        200
    );
    assert_problem(
        app.get(&format!("/api/v1/rectification-orders/{did}"), &s.ent_alu)
            .await,
        404,
        "not_found",
    )
    .await;

    let b = s.batch().await;
    assert_eq!(b["figures"]["closed"], 2);
    assert_eq!(b["figures"]["completion_rate"], 0.5);

    // The ledger as XLSX, read back cell by cell.
    let r = app
        .get(
            &format!("/api/v1/env-audits/{}/ledger?format=xlsx", s.batch),
            &s.officer,
        )
        .await;
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("filename*=UTF-8''"));
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["整改台账"]);
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let cell = |r: u32, c: u32| match range.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let headers: Vec<String> = (0..12).map(|c| cell(0, c)).collect();
    assert_eq!(
        headers,
        [
            "序号",
            "问题描述",
            "责任单位",
            "整改措施",
            "整改时限",
            "整改目标",
            "整改状态",
            "最新进展",
            "销号日期",
            "验收情况",
            "公示情况",
            "是否逾期"
        ]
    );
    assert_eq!(range.height(), 5);
    let row1: Vec<String> = (0..12).map(|c| cell(1, c)).collect();
    assert_eq!(row1[0], "1");
    assert_eq!(row1[1], "铝灰渣露天堆存，未按危险废物规范化管理");
    assert_eq!(row1[2], "重庆黔江再生铝业有限公司");
    assert_eq!(row1[3], "建设规范化危废暂存库，委托有资质单位处置");
    assert_eq!(row1[4], "2027-03-31");
    assert_eq!(row1[5], "铝灰渣全部规范贮存处置");
    assert_eq!(row1[6], "已销号");
    assert_eq!(row1[7], "申请验收");
    assert_eq!(row1[8], today);
    assert_eq!(
        row1[9],
        format!("{today} 区生态环境局组织现场验收，同意销号")
    );
    assert_eq!(row1[10], format!("{today} 黔江区人民政府网站"));
    assert_eq!(row1[11], "否");
    let row3: Vec<String> = (0..12).map(|c| cell(3, c)).collect();
    assert_eq!(
        (
            row3[0].as_str(),
            row3[2].as_str(),
            row3[4].as_str(),
            row3[6].as_str()
        ),
        ("3", "园区管委会建设局", "2027-06-30", "待复查")
    );
    assert_eq!(cell(2, 6), "已下达");

    // CSV for Excel: BOM and Chinese headers.
    let csv = app
        .get(
            &format!("/api/v1/env-audits/{}/ledger?format=csv", s.batch),
            &s.officer,
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("序号,问题描述,责任单位"));
    assert_problem(
        app.get(
            &format!("/api/v1/env-audits/{}/ledger?format=pdf", s.batch),
            &s.officer,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn cli_imports_the_same_way() {
    let s = setup().await;
    let file = s.app.dir.path().join("清单.xlsx");
    std::fs::write(&file, s.list()).unwrap();
    let me: Value = s
        .app
        .get("/api/v1/me", &s.officer)
        .await
        .json()
        .await
        .unwrap();
    let (ok, out) = s.app.cli(
        &[
            "import",
            "env-audit",
            &s.batch,
            file.to_str().unwrap(),
            "--as",
            me["username"].as_str().unwrap(),
        ],
        &[],
    );
    assert!(ok && out.contains("4 new items"), "{out}");
    let (ok, out) = s.app.cli(
        &[
            "import",
            "env-audit",
            &s.batch,
            file.to_str().unwrap(),
            "--as",
            me["username"].as_str().unwrap(),
        ],
        &[],
    );
    assert!(ok && out.contains("0 new items, 4 unchanged"), "{out}");
    let (ok, out) = s.app.cli(
        &[
            "import",
            "env-audit",
            &s.batch,
            file.to_str().unwrap(),
            "--as",
            "admin",
        ],
        &[],
    );
    assert!(!ok && out.contains("forbidden"), "{out}");
}
