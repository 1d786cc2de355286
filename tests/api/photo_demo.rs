//! `anhuan demo files DIR`: the README walkthrough's photo and feedback
//! list, made by the binary, work against the server as the README says.

use crate::helpers::*;
use serde_json::{json, Value};

#[actix_web::test]
async fn demo_files_upload_and_import_as_the_readme_says() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let (ok, printed) = app.cli(&["demo", "files", out.to_str().unwrap()], &[]);
    assert!(ok, "{printed}");
    let photo = std::fs::read(out.join("demo_orient6.jpg")).unwrap();
    let xlsx = std::fs::read(out.join("反馈问题清单.xlsx")).unwrap();
    assert!(printed.contains("demo_orient6.jpg") && printed.contains("反馈问题清单.xlsx"));
    assert!(printed.contains("demo_after.jpg") && printed.contains("评估报告.pdf"));
    let after = std::fs::read(out.join("demo_after.jpg")).unwrap();
    let report = std::fs::read(out.join("评估报告.pdf")).unwrap();

    // The photo: upright 1200x1600 from orientation 6, time with its
    // offset, GPS beside the README's enterprise, nothing flagged.
    let (_, insp) = app.user("inspector", None, &[]).await;
    let r = app.upload(&insp, photo, "?lat=29.533&lon=108.771").await;
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        (p["width"].as_u64(), p["height"].as_u64()),
        (Some(1200), Some(1600))
    );
    assert_eq!(p["orientation"], 6);
    assert_eq!(p["taken_at_basis"], "exif_offset");
    assert_eq!(p["location_source"], "exif");
    assert!((p["lat"].as_f64().unwrap() - 29.533).abs() < 0.001, "{p}");
    assert!((p["lon"].as_f64().unwrap() - 108.771).abs() < 0.001, "{p}");
    assert_eq!(p["flags"], json!([]), "{p}");
    // The evidence photo the enterprise uploads in the walkthrough: its own, unflagged.
    let e = app.create_enterprise("黔江示例二厂").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, ent) = app.user("enterprise", Some(&e), &[]).await;
    let r = app.upload(&ent, after, "").await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["flags"], json!([]), "{a}");
    assert_ne!(a["sha256"], p["sha256"]);
    // The assessment report is a document the enterprise can attach: a
    // one-page PDF that passes the document checks.
    let r = crate::documents::upload_doc(&app, &ent, report, "评估报告.pdf").await;
    assert_eq!(r.status(), 201);
    let d: Value = r.json().await.unwrap();
    assert_eq!(
        (d["kind"].as_str(), d["page_count"].as_i64()),
        (Some("pdf"), Some(1)),
        "{d}"
    );

    // The feedback list imports into a batch: one item for the enterprise
    // (by name), one for a park department.
    app.create_enterprise("重庆黔江示例铝业有限公司").await;
    let (_, officer) = app.user("safety_officer", None, &[]).await;
    let batch = app
        .env_audit_batch(&officer, "第二轮中央生态环境保护督察", "渝督改〔2026〕3号")
        .await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(xlsx).file_name("反馈问题清单.xlsx"),
    );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/env-audits/{batch}/import")))
        .bearer_auth(&officer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], json!(["1", "2"]), "{body}");
}
