//! Document evidence over HTTP: PDF, DOCX and XLSX accepted and served
//! byte for byte as attachments; hostile files (truncated, JavaScript,
//! encrypted, ZIP bomb named .docx, EXE named .pdf, oversize) refused
//! quickly with nothing stored; retries deduplicated; access like photos.

use crate::helpers::*;
use crate::spreadsheet_bombs::{deflate_piece, stored, zip_of, Part};
use reqwest::multipart::{Form, Part as FormPart};
use reqwest::Response;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// A minimal PDF with a correct xref offset; `pages` page objects, `extra`
/// further objects and `trailer_extra` inside the trailer dictionary.
pub fn pdf(pages: usize, extra: &[&str], trailer_extra: &str) -> Vec<u8> {
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", i + 3)).collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        ),
    ];
    for _ in 0..pages {
        objects.push("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".into());
    }
    objects.extend(extra.iter().map(|s| s.to_string()));
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

pub async fn upload_doc(app: &TestApp, token: &str, bytes: Vec<u8>, name: &str) -> Response {
    let form = Form::new().part("file", FormPart::bytes(bytes).file_name(name.to_string()));
    app.client
        .post(app.url("/api/v1/documents"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

/// Uploads a unique PDF; answers (id, bytes).
pub async fn pdf_doc(app: &TestApp, token: &str) -> (String, Vec<u8>) {
    let bytes = pdf(1, &[&format!("({})", uuid::Uuid::new_v4())], "");
    let r = upload_doc(app, token, bytes.clone(), "验收意见.pdf").await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    (v["id"].as_str().unwrap().to_string(), bytes)
}

fn docx() -> Vec<u8> {
    zip_of(&[
        stored("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#.to_vec()),
        stored("word/document.xml", r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>验收意见</w:t></w:r></w:p></w:body></w:document>"#.as_bytes().to_vec()),
    ])
}

/// A .docx whose document part inflates to 256 MiB ('A's) from ~256 KiB,
/// its directory telling the truth or lying (1000 bytes).
fn docx_bomb(lying: bool) -> Vec<u8> {
    const CHUNK: usize = 1 << 20;
    let chunk = vec![b'A'; CHUNK];
    let piece = deflate_piece(&chunk, false);
    let mut data = Vec::new();
    let mut crc = crc32fast::Hasher::new();
    for _ in 0..256 {
        data.extend_from_slice(&piece);
        crc.update(&chunk);
    }
    data.extend_from_slice(&deflate_piece(b"", true));
    zip_of(&[
        stored("[Content_Types].xml", b"<Types/>".to_vec()),
        Part {
            name: "word/document.xml".into(),
            method: 8,
            crc: crc.finalize(),
            declared: if lying { 1000 } else { (256 * CHUNK) as u32 },
            data,
        },
    ])
}

async fn count_rows(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    app.db()
        .run_blocking(|c| {
            anhuan::db::schema::documents::table
                .count()
                .get_result::<i64>(c)
                .map_err(anhuan::db::DbError::from)
        })
        .unwrap()
}

async fn document_blobs(app: &TestApp) -> usize {
    app.store()
        .list()
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.key.as_ref().starts_with("document/"))
        .count()
}

#[actix_web::test]
async fn pdf_docx_xlsx_are_stored_byte_for_byte_and_served_as_attachments() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "检测结果").unwrap();
    let xlsx = book.save_to_buffer().unwrap();
    let cases = [
        (pdf(3, &[], ""), "检测报告.pdf", "pdf", Some(3)),
        (docx(), "验收意见.docx", "docx", None),
        // The name lies; the bytes decide.
        (xlsx, "公示.pdf", "xlsx", None),
    ];
    for (bytes, name, kind, pages) in cases {
        let r = upload_doc(&app, &insp, bytes.clone(), name).await;
        assert_eq!(r.status(), 201, "{name}: {}", r.text().await.unwrap());
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["kind"], kind, "{name}");
        assert_eq!(v["page_count"], serde_json::json!(pages), "{name}");
        assert_eq!(v["byte_size"], bytes.len());
        assert_eq!(v["sha256"], hex::encode(Sha256::digest(&bytes)));
        let id = v["id"].as_str().unwrap();
        let meta = app.get(&format!("/api/v1/documents/{id}"), &insp).await;
        assert_eq!(meta.status(), 200);
        let r = app.get(v["content_url"].as_str().unwrap(), &insp).await;
        assert_eq!(r.status(), 200);
        let h = r.headers().clone();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(
            h["content-disposition"].to_str().unwrap(),
            format!("attachment; filename=\"{id}.{kind}\"")
        );
        assert_eq!(h["content-type"], v["content_type"].as_str().unwrap());
        assert_eq!(r.bytes().await.unwrap().to_vec(), bytes, "{name}");
        // A retry of the same bytes answers the earlier record.
        let again = upload_doc(&app, &insp, bytes, name).await;
        assert_eq!(again.status(), 200);
        assert_eq!(again.json::<Value>().await.unwrap()["id"], id);
    }
    assert_eq!(count_rows(&app).await, 3);
    assert_eq!(document_blobs(&app).await, 3);
    // The photo gc never takes a document blob.
    let (ok, out) = app.cli(&["photos", "gc", "--grace-hours", "0"], &[]);
    assert!(ok, "{out}");
    assert_eq!(document_blobs(&app).await, 3);
}

#[actix_web::test]
async fn hostile_documents_are_refused_quickly_and_nothing_is_stored() {
    let app = TestApp::spawn_with(|s| s.max_document_bytes = 512 * 1024).await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let good = pdf(1, &[], "");
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00PE\0\0".to_vec();
    exe.resize(4096, 0);
    let mut big = pdf(1, &[], "");
    let tail = big.split_off(20);
    big.extend(vec![b' '; 600 * 1024]);
    big.extend(tail);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "truncated.pdf",
            good[..good.len() / 2].to_vec(),
            422,
            "document_malformed",
        ),
        (
            "no-header.pdf",
            good[9..].to_vec(),
            415,
            "unsupported_document_type",
        ),
        (
            "bad-xref.pdf",
            String::from_utf8_lossy(&good)
                .replace("startxref\n", "startxref\n9")
                .into_bytes(),
            422,
            "document_malformed",
        ),
        (
            "script.pdf",
            pdf(
                1,
                &["<< /Type /Action /S /JavaScript /JS (app.alert('x')) >>"],
                "",
            ),
            422,
            "document_active_content",
        ),
        (
            "escaped.pdf",
            pdf(1, &["<< /S /J#61vaScript /J#53 (x) >>"], ""),
            422,
            "document_active_content",
        ),
        (
            "launch.pdf",
            pdf(1, &["<< /S /Launch /F (cmd.exe) >>"], ""),
            422,
            "document_active_content",
        ),
        (
            "encrypted.pdf",
            pdf(
                1,
                &["<< /Filter /Standard /V 2 /R 3 /O (x) /U (y) /P -4 >>"],
                "/Encrypt 4 0 R ",
            ),
            422,
            "document_encrypted",
        ),
        ("bomb.docx", docx_bomb(false), 413, "document_too_large"),
        ("lying-bomb.docx", docx_bomb(true), 0, ""),
        ("setup.pdf", exe, 415, "unsupported_document_type"),
        (
            "plain.zip",
            zip_of(&[stored("readme.txt", b"hi".to_vec())]),
            415,
            "unsupported_document_type",
        ),
        ("huge.pdf", big, 413, "document_too_large"),
    ];
    for (name, bytes, status, code) in cases {
        let t = Instant::now();
        let r = upload_doc(&app, &insp, bytes, name).await;
        let took = t.elapsed();
        let got = r.status().as_u16();
        if status == 0 {
            // A lying directory: refused as too large or as broken.
            assert!(got == 413 || got == 422, "{name}: {got}");
        } else {
            assert_problem(r, status, code).await;
        }
        assert!(took < Duration::from_secs(10), "{name} took {took:?}");
    }
    assert_eq!(count_rows(&app).await, 0);
    assert_eq!(document_blobs(&app).await, 0);
    // The server keeps serving.
    assert_eq!(upload_doc(&app, &insp, good, "ok.pdf").await.status(), 201);
}

#[actix_web::test]
async fn documents_are_seen_by_their_uploader_and_those_on_linked_orders() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江铝业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = app.create_enterprise("黔江冷链有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    let (_, ent_f) = app.user("enterprise", Some(&f), &[]).await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (id, _) = pdf_doc(&app, &ent_e).await;
    for path in [
        format!("/api/v1/documents/{id}"),
        format!("/api/v1/documents/{id}/content"),
    ] {
        assert_eq!(app.get(&path, &ent_e).await.status(), 200);
        // Not yet attached to anything: only its uploader sees it.
        assert_problem(app.get(&path, &ent_f).await, 404, "not_found").await;
        assert_problem(app.get(&path, &insp).await, 404, "not_found").await;
    }
    let r = app
        .client
        .get(app.url(&format!("/api/v1/documents/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_problem(
        app.get(
            &format!("/api/v1/documents/{}", uuid::Uuid::new_v4()),
            &ent_e,
        )
        .await,
        404,
        "not_found",
    )
    .await;
}
