//! tus 1.0 resumable uploads over real HTTP: creation, parts with and
//! without checksums, a part cut off midway and resumed, the ingest of
//! `POST /photos` at the last byte (hostile content refused the same way),
//! termination, expiry, per-user limits, owner-only access — and a real
//! tus client (tuspy) sending photos through a proxy that cuts
//! connections at random.

use crate::documents::pdf;
use crate::flaky::{Cut, FlakyProxy};
use crate::helpers::*;
use base64::Engine;
use image::RgbImage;
use rand::{rngs::StdRng, Rng, SeedableRng};
use reqwest::Response;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const UPLOADS: &str = "/api/v1/uploads";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn sha_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// A photo that does not compress away: camera-like noise, some hundred KB.
pub fn noisy_jpeg(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let img = RgbImage::from_fn(w, h, |_, _| image::Rgb([rng.gen(), rng.gen(), rng.gen()]));
    sample::jpeg(&img, None)
}

async fn create(app: &TestApp, token: &str, length: usize, meta: &[(&str, &str)]) -> Response {
    let meta: Vec<String> = meta
        .iter()
        .map(|(k, v)| format!("{k} {}", b64(v)))
        .collect();
    app.client
        .post(app.url(UPLOADS))
        .bearer_auth(token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", length.to_string())
        .header("upload-metadata", meta.join(","))
        .send()
        .await
        .unwrap()
}

/// Creates a photo upload; answers its path.
async fn new_upload(app: &TestApp, token: &str, length: usize) -> String {
    let r = create(
        app,
        token,
        length,
        &[("filename", "现场.jpg"), ("filetype", "image/jpeg")],
    )
    .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()["tus-resumable"], "1.0.0");
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn patch(
    app: &TestApp,
    token: &str,
    path: &str,
    offset: usize,
    bytes: &[u8],
    checksum: Option<&[u8]>,
) -> Response {
    let mut req = app
        .client
        .patch(app.url(path))
        .bearer_auth(token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", offset.to_string())
        .header("content-type", "application/offset+octet-stream")
        .body(bytes.to_vec());
    if let Some(c) = checksum {
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(c));
        req = req.header("upload-checksum", format!("sha256 {digest}"));
    }
    req.send().await.unwrap()
}

async fn head(app: &TestApp, token: &str, path: &str) -> Response {
    app.client
        .head(app.url(path))
        .bearer_auth(token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap()
}

fn offset_of(r: &Response) -> usize {
    r.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn upload_blobs(app: &TestApp) -> usize {
    app.store()
        .list()
        .await
        .unwrap()
        .iter()
        .filter(|o| o.key.as_ref().starts_with("upload/"))
        .count()
}

#[actix_web::test]
async fn options_advertise_the_protocol_without_a_token() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, app.url(UPLOADS))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let h = r.headers();
    assert_eq!(h["tus-version"], "1.0.0");
    assert_eq!(h["tus-resumable"], "1.0.0");
    assert_eq!(h["tus-checksum-algorithm"], "sha256");
    let ext = h["tus-extension"].to_str().unwrap();
    for e in ["creation", "expiration", "termination", "checksum"] {
        assert!(ext.split(',').any(|x| x == e), "{ext}");
    }
    let max: u64 = h["tus-max-size"].to_str().unwrap().parse().unwrap();
    assert_eq!(
        max,
        app.settings
            .photo_max_bytes
            .max(app.settings.max_document_bytes)
    );
    // Everything else needs a token and the protocol version.
    let r = app.client.post(app.url(UPLOADS)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .post(app.url(UPLOADS))
        .bearer_auth(&app.admin)
        .header("upload-length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(code_of(r).await, "tus_version_unsupported");
    let r = app
        .client
        .post(app.url(UPLOADS))
        .bearer_auth(&app.admin)
        .header("tus-resumable", "0.2.2")
        .header("upload-length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    assert_eq!(r.headers()["tus-version"], "1.0.0");
    assert_eq!(code_of(r).await, "tus_version_unsupported");
}

#[actix_web::test]
async fn a_photo_arrives_in_checksummed_parts_and_becomes_the_same_photo_as_a_plain_upload() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let jpeg = noisy_jpeg(320, 240, 1);
    let path = new_upload(&app, &insp, jpeg.len()).await;
    let r = head(&app, &insp, &path).await;
    assert_eq!(r.status(), 200);
    assert_eq!(offset_of(&r), 0);
    assert_eq!(
        r.headers()["upload-length"],
        jpeg.len().to_string().as_str()
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers().contains_key("upload-expires"));

    let third = jpeg.len() / 3;
    let mut at = 0;
    for end in [third, 2 * third] {
        let part = &jpeg[at..end];
        let r = patch(&app, &insp, &path, at, part, Some(part)).await;
        assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
        assert_eq!(offset_of(&r), end);
        assert!(!r.headers().contains_key("upload-result"));
        at = end;
    }
    // A wrong offset, and a part whose checksum does not match, change nothing.
    let r = patch(&app, &insp, &path, 0, &jpeg[..10], None).await;
    assert_eq!(r.status(), 409);
    assert_eq!(code_of(r).await, "upload_offset_mismatch");
    let r = patch(&app, &insp, &path, at, &jpeg[at..], Some(b"other bytes")).await;
    assert_eq!(r.status(), 460);
    assert_eq!(code_of(r).await, "upload_checksum_mismatch");
    assert_eq!(offset_of(&head(&app, &insp, &path).await), at);

    let r = patch(&app, &insp, &path, at, &jpeg[at..], Some(&jpeg[at..])).await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
    assert_eq!(offset_of(&r), jpeg.len());
    assert_eq!(r.headers()["upload-state"], "done");
    let photo_path = r.headers()["upload-result"].to_str().unwrap().to_string();
    let photo: Value = app.get(&photo_path, &insp).await.json().await.unwrap();
    assert_eq!(photo["sha256"], sha_hex(&jpeg));
    let original = app
        .get(photo["urls"]["original"].as_str().unwrap(), &insp)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha_hex(&original), sha_hex(&jpeg));
    // The upload names what it became; its parts are gone from the store.
    let v: Value = app.get(&path, &insp).await.json().await.unwrap();
    assert_eq!(v["state"], "done");
    assert_eq!(v["photo_id"], photo["id"]);
    assert_eq!(v["filename"], "现场.jpg");
    assert_eq!(upload_blobs(&app).await, 0);
    // The last PATCH replayed (its answer was lost) changes nothing.
    let r = patch(&app, &insp, &path, jpeg.len(), b"", None).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["upload-result"], photo_path.as_str());
    // The same bytes sent plainly are the same photo (dedupe by content).
    let r = app.upload(&insp, jpeg.clone(), "").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], photo["id"]);
    assert_eq!(app.photo_rows(), 1);
}

/// Sends the request line, headers and `sent` of the body's bytes at a
/// phone's pace, then drops the connection, as a phone losing signal does.
/// (A burst followed at once by the drop can lose the tail still in the
/// HTTP server's read buffer, some tens of KB: those bytes were never read,
/// so the offset does not count them and the client sends them again.)
async fn cut_patch(
    app: &TestApp,
    token: &str,
    path: &str,
    offset: usize,
    body: &[u8],
    sent: usize,
) {
    let addr = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    for chunk in body[..sent].chunks(16 * 1024) {
        s.write_all(chunk).await.unwrap();
        s.flush().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    drop(s);
}

#[actix_web::test]
async fn the_bytes_of_a_part_cut_off_midway_are_kept_and_the_upload_resumes_after_them() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let jpeg = noisy_jpeg(400, 300, 2);
    let path = new_upload(&app, &insp, jpeg.len()).await;
    let sent = jpeg.len() * 9 / 10;
    cut_patch(&app, &insp, &path, 0, &jpeg, sent).await;
    // The server stores what arrived once it sees the connection gone.
    let mut offset = 0;
    for _ in 0..100 {
        offset = offset_of(&head(&app, &insp, &path).await);
        if offset > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(offset, sent, "the offset is every byte that arrived");
    let r = patch(&app, &insp, &path, offset, &jpeg[offset..], None).await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
    let photo_path = r.headers()["upload-result"].to_str().unwrap().to_string();
    let photo: Value = app.get(&photo_path, &insp).await.json().await.unwrap();
    assert_eq!(photo["sha256"], sha_hex(&jpeg));

    // With a checksum, a part that stops short is not kept at all.
    let path = new_upload(&app, &insp, jpeg.len()).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&jpeg));
    let req = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {insp}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nUpload-Checksum: sha256 {digest}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
        jpeg.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(&jpeg[..1000]).await.unwrap();
    s.shutdown().await.unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(offset_of(&head(&app, &insp, &path).await), 0);
}

#[actix_web::test]
async fn hostile_content_is_refused_at_the_last_byte_like_a_plain_upload() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    // Not an image at all.
    let bytes = b"#!/bin/sh\necho not a photo\n".repeat(50);
    let path = new_upload(&app, &insp, bytes.len()).await;
    let r = patch(&app, &insp, &path, 0, &bytes, None).await;
    assert_eq!(r.status(), 415);
    assert_eq!(code_of(r).await, "unsupported_image_type");
    let v: Value = app.get(&path, &insp).await.json().await.unwrap();
    assert_eq!(v["state"], "failed");
    assert_eq!(v["failure"]["code"], "unsupported_image_type");
    assert!(v["photo_id"].is_null());
    // A retry of the last part hears the same refusal.
    let r = patch(&app, &insp, &path, bytes.len(), b"", None).await;
    assert_eq!(r.status(), 415);
    // A truncated JPEG: refused as corrupt, as POST /photos refuses it.
    let jpeg = noisy_jpeg(200, 150, 3);
    let truncated = &jpeg[..jpeg.len() / 2];
    let path = new_upload(&app, &insp, truncated.len()).await;
    let r = patch(&app, &insp, &path, 0, truncated, None).await;
    assert_eq!(r.status(), 422);
    assert_eq!(code_of(r).await, "image_corrupt");
    assert_eq!(app.photo_rows(), 0);
    assert_eq!(upload_blobs(&app).await, 0);
    // More bytes than the upload declared.
    let path = new_upload(&app, &insp, 10).await;
    let r = patch(&app, &insp, &path, 0, &[0u8; 11], None).await;
    assert_eq!(r.status(), 413);
    assert_eq!(code_of(r).await, "upload_too_large");
    // Wrong body type, and an upload larger than the photo limit.
    let r = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&insp)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .header("content-type", "image/jpeg")
        .body(vec![0u8; 5])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(code_of(r).await, "upload_content_type");
    let r = create(&app, &insp, app.settings.photo_max_bytes as usize + 1, &[]).await;
    assert_eq!(r.status(), 413);
    assert_eq!(code_of(r).await, "upload_too_large");
    // Bad metadata is refused before a byte is sent.
    let r = create(&app, &insp, 100, &[("lat", "north")]).await;
    assert_eq!(r.status(), 422);
    let r = create(&app, &insp, 100, &[("kind", "video")]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(code_of(r).await, "upload_metadata_invalid");
}

#[actix_web::test]
async fn an_upload_is_its_owners_alone() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江铝业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (_, other) = app.user("inspector", None, &[]).await;
    let (_, ent) = app.user("enterprise", Some(&e), &[]).await;
    let path = new_upload(&app, &insp, 100).await;
    for token in [&other, &ent, &app.admin] {
        assert_eq!(head(&app, token, &path).await.status(), 404);
        assert_eq!(app.get(&path, token).await.status(), 404);
        assert_eq!(
            patch(&app, token, &path, 0, &[1; 10], None).await.status(),
            404
        );
    }
    // An enterprise user uploads its own evidence, for its own enterprise only.
    let jpeg = noisy_jpeg(120, 90, 4);
    let mine = create(&app, &ent, jpeg.len(), &[("enterprise_id", &e)]).await;
    assert_eq!(mine.status(), 201);
    let other_ent = app.create_enterprise("正阳食品有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = create(&app, &ent, jpeg.len(), &[("enterprise_id", &other_ent)]).await;
    assert_eq!(
        r.status(),
        422,
        "an enterprise it cannot see is refused as absent"
    );
}

#[actix_web::test]
async fn termination_expiry_and_limits() {
    let app = TestApp::spawn_with(|s| {
        s.upload_max_pending = 2;
        s.upload_max_pending_bytes = 1_000_000;
    })
    .await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let jpeg = noisy_jpeg(200, 150, 5);
    let a = new_upload(&app, &insp, jpeg.len()).await;
    let r = patch(&app, &insp, &a, 0, &jpeg[..1000], None).await;
    assert_eq!(r.status(), 204);
    assert_eq!(upload_blobs(&app).await, 1);
    let b = new_upload(&app, &insp, 10).await;
    // A third unfinished upload, or too many declared bytes, wait.
    let r = create(&app, &insp, 10, &[]).await;
    assert_eq!(r.status(), 429);
    assert_eq!(code_of(r).await, "upload_limit_reached");
    // Termination frees a slot and deletes the bytes.
    let r = app
        .client
        .delete(app.url(&a))
        .bearer_auth(&insp)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(head(&app, &insp, &a).await.status(), 404);
    assert_eq!(upload_blobs(&app).await, 0);
    let r = create(&app, &insp, 999_999, &[]).await;
    assert_eq!(r.status(), 429, "the declared bytes are over the limit");
    let c = new_upload(&app, &insp, jpeg.len()).await;
    assert_eq!(
        patch(&app, &insp, &c, 0, &jpeg[..500], None).await.status(),
        204
    );

    // Expiry: past its time an upload answers 410, and the job deletes it
    // with its bytes.
    app.sql(&format!(
        "UPDATE uploads SET expires_at = '2020-01-01 00:00:00' WHERE id = '{}'",
        c.rsplit('/').next().unwrap()
    ));
    let r = head(&app, &insp, &c).await;
    assert_eq!(r.status(), 410);
    let r = patch(&app, &insp, &c, 500, &jpeg[500..], None).await;
    assert_eq!(r.status(), 410);
    assert_eq!(code_of(r).await, "upload_expired");
    let n = anhuan::service::uploads::expire(&app.ctx()).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(upload_blobs(&app).await, 0);
    assert_eq!(head(&app, &insp, &c).await.status(), 404);
    assert_eq!(
        head(&app, &insp, &b).await.status(),
        200,
        "the fresh one stays"
    );
}

#[actix_web::test]
async fn a_document_goes_up_resumably_too() {
    let app = TestApp::spawn().await;
    let (_, officer) = app.user("safety_officer", None, &[]).await;
    let report = pdf(3, &["(评估报告)"], "");
    let r = create(
        &app,
        &officer,
        report.len(),
        &[("kind", "document"), ("filename", "评估报告.pdf")],
    )
    .await;
    assert_eq!(r.status(), 201);
    let path = r.headers()["location"].to_str().unwrap().to_string();
    let half = report.len() / 2;
    assert_eq!(
        patch(&app, &officer, &path, 0, &report[..half], None)
            .await
            .status(),
        204
    );
    let r = patch(&app, &officer, &path, half, &report[half..], None).await;
    assert_eq!(r.status(), 204);
    let doc_path = r.headers()["upload-result"].to_str().unwrap().to_string();
    assert!(doc_path.starts_with("/api/v1/documents/"), "{doc_path}");
    let doc: Value = app.get(&doc_path, &officer).await.json().await.unwrap();
    assert_eq!(doc["kind"], "pdf");
    assert_eq!(doc["page_count"], 3);
    assert_eq!(doc["sha256"], sha_hex(&report));
}

/// The Python that has tuspy (scripts/test.sh installs it), or None.
fn tus_python() -> Option<String> {
    let found = std::env::var("ANHUAN_TEST_TUSPY_PYTHON")
        .ok()
        .filter(|p| !p.is_empty());
    if found.is_none() {
        assert!(
            std::env::var("REQUIRE_TUS_CLIENT").as_deref() != Ok("1"),
            "no Python with tuspy (ANHUAN_TEST_TUSPY_PYTHON) and REQUIRE_TUS_CLIENT=1"
        );
        eprintln!("\n## WARNING: tuspy not found (ANHUAN_TEST_TUSPY_PYTHON): the real tus client test is skipped\n");
    }
    found
}

#[actix_web::test]
async fn twenty_photos_through_a_connection_cutting_proxy_arrive_once_each_byte_identical() {
    let Some(python) = tus_python() else {
        return;
    };
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for i in 0..20u64 {
        let jpeg = noisy_jpeg(240 + (i as u32 % 5) * 16, 180, 100 + i);
        let p = dir.path().join(format!("photo-{i}.jpg"));
        std::fs::write(&p, &jpeg).unwrap();
        files.push((p, sha_hex(&jpeg)));
    }
    // Each connection carrying a part is cut somewhere in its first 8–120 KB;
    // small requests (HEAD, POST) pass.
    let proxy = FlakyProxy::start(
        &app.base,
        Cut::Request {
            min: 8_000,
            max: 120_000,
        },
        7,
    )
    .await;
    let script = std::path::Path::new(&anhuan::manifest_dir()).join("tests/tus_client.py");
    let out = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(format!("{}{UPLOADS}", proxy.base))
        .arg(&insp)
        .args(files.iter().map(|(p, _)| p.as_os_str()))
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "tuspy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        proxy.cuts() >= 5,
        "the proxy cut only {} connections",
        proxy.cuts()
    );
    let urls: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(urls.len(), 20);
    let mut photos = std::collections::BTreeSet::new();
    for (url, (_, sha)) in urls.iter().zip(&files) {
        let path = url.trim_start_matches(&proxy.base);
        let r = head(&app, &insp, path).await;
        assert_eq!(r.headers()["upload-state"], "done");
        let photo_path = r.headers()["upload-result"].to_str().unwrap().to_string();
        let photo: Value = app.get(&photo_path, &insp).await.json().await.unwrap();
        assert_eq!(&photo["sha256"], sha.as_str());
        let original = app
            .get(photo["urls"]["original"].as_str().unwrap(), &insp)
            .await
            .bytes()
            .await
            .unwrap();
        assert_eq!(&sha_hex(&original), sha);
        photos.insert(photo_path);
    }
    assert_eq!(photos.len(), 20);
    assert_eq!(app.photo_rows(), 20, "no photo twice");
    assert_eq!(upload_blobs(&app).await, 0);
}

#[actix_web::test]
async fn a_retried_creation_with_its_key_gets_the_same_upload_and_its_headers_count() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let send = |length: &'static str| {
        app.client
            .post(app.url(UPLOADS))
            .bearer_auth(&insp)
            .header("tus-resumable", "1.0.0")
            .header("idempotency-key", "create-1")
            .header("upload-length", length)
            .send()
    };
    let first = send("1000").await.unwrap();
    assert_eq!(first.status(), 201);
    let again = send("1000").await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], first.headers()["location"]);
    // The request is in its headers: another length is another request.
    let other = send("2000").await.unwrap();
    assert_eq!(other.status(), 422);
    assert_eq!(code_of(other).await, "idempotency_key_reused");
}

#[actix_web::test]
async fn parts_racing_for_one_offset_one_wins_and_the_losers_leave_nothing() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let a = noisy_jpeg(300, 200, 21);
    let mut b = a.clone();
    let k = a.len() / 2;
    b[k / 2] ^= 0x55; // same size, other bytes
    let path = new_upload(&app, &insp, a.len()).await;
    // Six phones' worth of the same-sized first half, at once.
    let sends = (0..6).map(|i| {
        let part = if i % 2 == 0 { &a[..k] } else { &b[..k] };
        patch(&app, &insp, &path, 0, part, None)
    });
    let answers = futures_util::future::join_all(sends).await;
    let won: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status() == 204)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(won.len(), 1, "exactly one part counts");
    for r in &answers {
        assert!(r.status() == 204 || r.status() == 409, "{}", r.status());
    }
    assert_eq!(upload_blobs(&app).await, 1, "the losers' blobs are deleted");
    let winner = if won[0] % 2 == 0 { &a } else { &b };
    let r = patch(&app, &insp, &path, k, &winner[k..], None).await;
    assert_eq!(r.status(), 204);
    let photo: Value = app
        .get(r.headers()["upload-result"].to_str().unwrap(), &insp)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        photo["sha256"],
        sha_hex(winner),
        "the winner's bytes, whole"
    );
    assert_eq!(upload_blobs(&app).await, 0);
}

#[actix_web::test]
async fn refusals_before_the_handler_still_speak_tus() {
    let app = TestApp::spawn().await;
    let r = app.client.post(app.url(UPLOADS)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["tus-resumable"], "1.0.0");
    // A replayed creation repeats the upload's headers too.
    let send = || {
        app.client
            .post(app.url(UPLOADS))
            .bearer_auth(&app.admin)
            .header("tus-resumable", "1.0.0")
            .header("idempotency-key", "c-2")
            .header("upload-length", "77")
            .send()
    };
    let first = send().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    for h in [
        "tus-resumable",
        "location",
        "upload-offset",
        "upload-length",
        "upload-expires",
    ] {
        assert_eq!(again.headers().get(h), first.headers().get(h), "{h}");
    }
    // A document takes no photo fields.
    let r = create(
        &app,
        &app.admin,
        100,
        &[("kind", "document"), ("lat", "29.5")],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(code_of(r).await, "upload_metadata_invalid");
}

#[actix_web::test]
async fn photos_gc_collects_part_blobs_nothing_records() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let jpeg = noisy_jpeg(160, 120, 31);
    let path = new_upload(&app, &insp, jpeg.len()).await;
    assert_eq!(
        patch(&app, &insp, &path, 0, &jpeg[..700], None)
            .await
            .status(),
        204
    );
    // What a process killed between writing a part and recording it leaves.
    let orphan = anhuan::storage::upload_part_key(uuid::Uuid::new_v4(), 0, uuid::Uuid::new_v4());
    app.store()
        .put(&orphan, bytes::Bytes::from_static(b"half a photo"))
        .await
        .unwrap();
    assert_eq!(upload_blobs(&app).await, 2);
    let ctx = app.ctx();
    let kept = anhuan::service::photos::gc(&ctx, chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(
        kept.deleted.is_empty(),
        "recent blobs wait out the grace period"
    );
    let r = anhuan::service::photos::gc(&ctx, chrono::Duration::zero())
        .await
        .unwrap();
    assert_eq!(r.deleted, vec![orphan.to_string()]);
    assert_eq!(upload_blobs(&app).await, 1, "the live part stays");
    assert_eq!(
        patch(&app, &insp, &path, 700, &jpeg[700..], None)
            .await
            .status(),
        204
    );
}
