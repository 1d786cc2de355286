//! 下载整改通知书 / 督办函 over HTTP: the PDF parses, its text carries the
//! order, the enterprise, the findings and the event-chain head; it stays
//! small; other enterprises get 404.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Instant;
use uuid::Uuid;

const ENTERPRISE: &str = "黔江铝业有限公司";
const DESCRIPTION: &str = "熔铸车间铝灰堆放区未设防雨防潮设施";

struct Park {
    app: TestApp,
    e: String,
    insp: String,
    officer: String,
    ent_e: String,
    ent_f: String,
}

async fn park() -> Park {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise(ENTERPRISE).await["id"]
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
    Park {
        app,
        e,
        insp,
        officer,
        ent_e,
        ent_f,
    }
}

fn today() -> chrono::NaiveDate {
    anhuan::domain::time::park_today(chrono::Utc::now())
}

impl Park {
    /// An order over one finding with `photos` camera-sized photos.
    async fn order(&self, photos: u32) -> Value {
        let mut ids = Vec::new();
        for seed in 0..photos {
            let jpeg = sample::jpeg(&sample::card(1600, 1200, 40 + seed), None);
            let r = self.app.upload(&self.insp, jpeg, "").await;
            assert_eq!(r.status(), 201);
            ids.push(r.json::<Value>().await.unwrap()["id"].clone());
        }
        let fid = Uuid::new_v4().to_string();
        let body = json!({"enterprise_id": self.e, "category": "safety", "level": "general",
                          "description": DESCRIPTION, "location_text": "熔铸车间东侧", "photo_ids": ids});
        let r = self
            .app
            .put(&format!("/api/v1/findings/{fid}"), &self.insp, &body)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let body = json!({"enterprise_id": self.e, "finding_ids": [fid], "requirements": "立即清理并设置防雨防潮铝灰暂存间",
                          "deadline": (today() + chrono::Duration::days(10)).to_string()});
        let r = self
            .app
            .post("/api/v1/rectification-orders", &self.officer, body)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        r.json().await.unwrap()
    }

    async fn pdf(&self, order: &Value, which: &str, token: &str) -> reqwest::Response {
        let id = order["id"].as_str().unwrap();
        self.app
            .get(&format!("/api/v1/rectification-orders/{id}/{which}"), token)
            .await
    }

    async fn chain_head(&self, order: &Value) -> String {
        let id = order["id"].as_str().unwrap();
        let events: Value = self
            .app
            .get(
                &format!("/api/v1/rectification-orders/{id}/events"),
                &self.ent_e,
            )
            .await
            .json()
            .await
            .unwrap();
        let verify: Value = self
            .app
            .get(
                &format!("/api/v1/rectification-orders/{id}/events/verify"),
                &self.ent_e,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(verify["valid"], true);
        events.as_array().unwrap().last().unwrap()["hash"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// The text of every page, with the gaps a text extractor may put between
/// glyphs removed.
pub(crate) fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert!(!pages.is_empty());
    let text = doc.extract_text(&pages).expect("text extracts");
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Leaves the document under `target/tmp/notice-pdfs/` for a person to look at.
fn keep_for_review(name: &str, bytes: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("notice-pdfs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

async fn pdf_bytes(r: reqwest::Response) -> Vec<u8> {
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.starts_with("attachment; filename*=UTF-8''"), "{cd}");
    r.bytes().await.unwrap().to_vec()
}

#[actix_web::test]
async fn the_notice_carries_the_order_its_findings_photos_and_chain_head() {
    let p = park().await;
    let order = p.order(3).await;
    p.act_acknowledge(&order).await;
    let started = Instant::now();
    let bytes = pdf_bytes(p.pdf(&order, "notice.pdf", &p.ent_e).await).await;
    eprintln!(
        "notice.pdf with 3 photos: {} bytes in {:?}",
        bytes.len(),
        started.elapsed()
    );
    assert!(bytes.starts_with(b"%PDF"));
    keep_for_review("notice-3-photos.pdf", &bytes);
    assert!(bytes.len() < 500_000, "{} bytes", bytes.len());
    // The thumbnails are embedded (one image object each).
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let images = doc
        .objects
        .values()
        .filter(|o| {
            o.as_stream()
                .ok()
                .and_then(|s| s.dict.get(b"Subtype").ok())
                .and_then(|t| t.as_name().ok())
                == Some(b"Image".as_slice())
        })
        .count();
    assert_eq!(images, 3);
    let text = pdf_text(&bytes);
    let number = order["number"].as_str().unwrap();
    assert!(text.contains(number), "{number} not in {text}");
    assert!(text.contains(ENTERPRISE), "{text}");
    assert!(text.contains(DESCRIPTION), "{text}");
    assert!(text.contains("隐患整改通知书"), "{text}");
    assert!(text.contains("一般隐患"), "{text}");
    let head = p.chain_head(&order).await;
    assert!(text.contains(&head), "chain head {head} not in {text}");
    // The park's staff may download it too; another enterprise may not.
    assert_eq!(p.pdf(&order, "notice.pdf", &p.officer).await.status(), 200);
    assert_problem(
        p.pdf(&order, "notice.pdf", &p.ent_f).await,
        404,
        "not_found",
    )
    .await;
    let unknown = json!({"id": Uuid::new_v4().to_string()});
    assert_problem(
        p.pdf(&unknown, "notice.pdf", &p.officer).await,
        404,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn a_text_only_notice_is_small() {
    let p = park().await;
    let order = p.order(0).await;
    let started = Instant::now();
    let bytes = pdf_bytes(p.pdf(&order, "notice.pdf", &p.ent_e).await).await;
    eprintln!(
        "notice.pdf text only: {} bytes in {:?}",
        bytes.len(),
        started.elapsed()
    );
    assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
    let text = pdf_text(&bytes);
    assert!(text.contains(order["number"].as_str().unwrap()), "{text}");
    assert!(text.contains(&p.chain_head(&order).await), "{text}");
}

#[actix_web::test]
async fn the_supervision_letter_exists_once_issued() {
    let p = park().await;
    let order = p.order(0).await;
    let id = order["id"].as_str().unwrap();
    let r = p
        .app
        .post(
            &format!("/api/v1/rectification-orders/{id}/acknowledge"),
            &p.ent_e,
            json!({"responsible_person": {"name": "王建国", "phone": "13823456789"}}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_problem(
        p.pdf(&order, "supervision-letter.pdf", &p.ent_e).await,
        404,
        "not_found",
    )
    .await;
    let yesterday = today() - chrono::Duration::days(1);
    p.app.sql(&format!(
        "UPDATE rectification_orders SET deadline = '{yesterday}', effective_deadline = '{yesterday}'"
    ));
    let current: Value = p
        .app
        .get(&format!("/api/v1/rectification-orders/{id}"), &p.officer)
        .await
        .json()
        .await
        .unwrap();
    let limit = (today() + chrono::Duration::days(5)).to_string();
    let r = p
        .app
        .post(
            &format!("/api/v1/rectification-orders/{id}/supervision-letter"),
            &p.officer,
            json!({"time_limit": limit, "comment": "限5日内完成整改"}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_ne!(v["version"], current["version"]);
    let bytes = pdf_bytes(p.pdf(&order, "supervision-letter.pdf", &p.ent_e).await).await;
    keep_for_review("supervision-letter.pdf", &bytes);
    assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
    let text = pdf_text(&bytes);
    let letter = v["escalation"]["supervision_letter"]["number"]
        .as_str()
        .unwrap();
    assert!(text.contains(letter), "{letter} not in {text}");
    assert!(text.contains(order["number"].as_str().unwrap()), "{text}");
    assert!(text.contains(ENTERPRISE), "{text}");
    assert!(text.contains(&p.chain_head(&order).await), "{text}");
    assert!(text.contains("整改责任人：王建国（13823456789）"), "{text}");
    assert!(text.contains("位置：熔铸车间东侧"), "{text}");
    assert_problem(
        p.pdf(&order, "supervision-letter.pdf", &p.ent_f).await,
        404,
        "not_found",
    )
    .await;
}

impl Park {
    /// 签收 by the enterprise, so the chain has more than the first event.
    async fn act_acknowledge(&self, order: &Value) {
        let id = order["id"].as_str().unwrap();
        let r = self
            .app
            .post(
                &format!("/api/v1/rectification-orders/{id}/acknowledge"),
                &self.ent_e,
                json!({"comment": "已签收"}),
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
}
