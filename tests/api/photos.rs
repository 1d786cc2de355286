//! Photo evidence over HTTP: hostile files, retries, access per role,
//! serving, gc and verify, with photos the tests make themselves; then
//! every real-camera fixture when the team's folder is there (see
//! `real_fixtures`) — on the local store, and on S3 when
//! ANHUAN_TEST_S3_ENDPOINT is set.

use crate::helpers::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn manifest(dir: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["files"]
        .as_array()
        .unwrap()
        .clone()
}

/// GPS near the README's enterprise, with a time and offset.
fn gps_exif() -> ExifSpec {
    ExifSpec {
        orientation: Some(1),
        date_time_original: Some("2026:11:20 10:00:00".into()),
        offset_time_original: Some("+08:00".into()),
        lat: Some(29.533),
        lon: Some(108.771),
        make: Some("TestCam".into()),
        ..ExifSpec::default()
    }
}

fn heic_enabled() -> bool {
    cfg!(feature = "heic")
}

async fn stored_blobs(app: &TestApp) -> usize {
    app.store()
        .list()
        .await
        .unwrap()
        .into_iter()
        .filter(|o| anhuan::storage::parse_key(&o.key).is_some())
        .count()
}

#[actix_web::test]
async fn every_real_fixture_is_ingested_as_the_manifest_says() {
    let Some(dir) = real_fixtures() else { return };
    let app = TestApp::spawn().await;
    let (_, inspector) = app.user("inspector", None, &[]).await;
    for f in manifest(&dir) {
        let name = f["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let r = app.upload(&inspector, bytes.clone(), "").await;
        if f["format"] == "HEIC" && !heic_enabled() {
            assert_problem(r, 415, "heic_not_supported").await;
            continue;
        }
        assert_eq!(r.status(), 201, "{name}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["sha256"], f["sha256"], "{name}");
        assert_eq!(
            p["format"],
            f["format"].as_str().unwrap().to_lowercase(),
            "{name}"
        );
        assert_eq!(
            (p["width"].as_u64(), p["height"].as_u64()),
            (f["display_width"].as_u64(), f["display_height"].as_u64()),
            "{name}: size after orientation"
        );
        match f["date_time_original"].as_str() {
            // No offset in these files: read in the park's time zone
            // (UTC+8) unless the GPS stamp gives the UTC time.
            Some(dto) => {
                let local =
                    chrono::NaiveDateTime::parse_from_str(dto, "%Y:%m:%d %H:%M:%S").unwrap();
                let utc = local
                    .and_local_timezone(anhuan::domain::time::park_offset())
                    .unwrap()
                    .to_utc();
                let got = chrono::DateTime::parse_from_rfc3339(
                    p["taken_at"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{name}: no taken_at {p}")),
                )
                .unwrap();
                assert_eq!(p["taken_at_source"], "exif");
                match p["taken_at_basis"].as_str() {
                    Some("park_zone") => assert_eq!(got, utc, "{name}"),
                    // The camera's own zone, or its GPS clock: some real
                    // zone away from the camera's wall-clock time.
                    Some("exif_offset" | "gps_utc") => {
                        let off = local.and_utc() - got.to_utc();
                        assert!(off.num_hours().abs() <= 14, "{name}: {off}");
                    }
                    other => panic!("{name}: taken_at_basis {other:?}"),
                }
            }
            None => {
                assert!(p["taken_at"].is_null(), "{name}");
                assert!(p["flags"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("exif_time_missing")));
            }
        }
        match f["gps"].as_object() {
            Some(g) => {
                assert!(
                    (p["lat"].as_f64().unwrap() - g["lat"].as_f64().unwrap()).abs() < 1e-4,
                    "{name}"
                );
                assert!(
                    (p["lon"].as_f64().unwrap() - g["lon"].as_f64().unwrap()).abs() < 1e-4,
                    "{name}"
                );
                assert_eq!(p["location_source"], "exif");
            }
            None => assert!(p["lat"].is_null(), "{name}"),
        }
        if let Some(make) = f["camera_make"].as_str() {
            assert!(
                p["make"]
                    .as_str()
                    .unwrap_or("")
                    .contains(make.split_whitespace().next().unwrap()),
                "{name}"
            );
        }
        // The original comes back byte for byte.
        let orig = app
            .get(p["urls"]["original"].as_str().unwrap(), &inspector)
            .await;
        assert_eq!(
            orig.headers()["content-type"],
            f["mime_type"].as_str().unwrap()
        );
        let got = orig.bytes().await.unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(&got)),
            f["sha256"].as_str().unwrap(),
            "{name}"
        );
        // Derivatives: upright (same aspect as the display size), bounded, without EXIF.
        let landscape = f["display_width"].as_u64() > f["display_height"].as_u64();
        for (variant, max) in [("display", 2048u32), ("thumbnail", 320)] {
            let r = app
                .get(p["urls"][variant].as_str().unwrap(), &inspector)
                .await;
            assert_eq!(r.headers()["content-type"], "image/jpeg");
            let body = r.bytes().await.unwrap();
            assert!(
                !body.windows(6).any(|w| w == b"Exif\0\0"),
                "{name} {variant} carries EXIF"
            );
            let img = image::load_from_memory(&body).unwrap();
            let long = img.width().max(img.height());
            assert!(long <= max, "{name} {variant} {long}");
            let expect_long = (f["display_width"]
                .as_u64()
                .unwrap()
                .max(f["display_height"].as_u64().unwrap()) as u32)
                .min(max);
            assert!(
                long + 1 >= expect_long,
                "{name} {variant}: {long} < {expect_long}"
            );
            assert_eq!(
                img.width() > img.height(),
                landscape,
                "{name} {variant} orientation"
            );
        }
    }
}

#[actix_web::test]
async fn retries_and_identical_content() {
    let app = TestApp::spawn().await;
    let (_, a) = app.user("inspector", None, &[]).await;
    let (_, b) = app.user("inspector", None, &[]).await;
    let bytes = exif_jpeg(1, &gps_exif());
    let first: Value = {
        let r = app.upload(&a, bytes.clone(), "").await;
        assert_eq!(r.status(), 201);
        r.json().await.unwrap()
    };
    let r = app.upload(&a, bytes.clone(), "").await;
    assert_eq!(r.status(), 200, "a retry answers the earlier record");
    assert_eq!(r.json::<Value>().await.unwrap()["id"], first["id"]);
    let r = app.upload(&b, bytes.clone(), "").await;
    assert_eq!(r.status(), 201, "another user's upload is its own record");
    let second: Value = r.json().await.unwrap();
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["sha256"], first["sha256"]);
    assert_eq!(app.photo_rows(), 2);
    assert_eq!(
        stored_blobs(&app).await,
        3,
        "one original, one display, one thumbnail"
    );
}

#[actix_web::test]
async fn multipart_with_phone_metadata() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江示例企业").await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            // A screenshot: EXIF without time or place.
            reqwest::multipart::Part::bytes(sample::png(
                &sample::card(64, 48, 2),
                Some(&ExifSpec {
                    orientation: Some(1),
                    ..ExifSpec::default()
                }),
            ))
            .file_name("../../etc/passwd.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
        )
        .text("taken_at", "2026-11-20T02:00:00Z")
        .text("lat", "29.5331")
        .text("lon", "108.7708")
        .text("accuracy_m", "6.5")
        .text("enterprise_id", e["id"].as_str().unwrap().to_string());
    let r = app
        .client
        .post(app.url("/api/v1/photos"))
        .bearer_auth(&insp)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        p["format"], "png",
        "decided from the bytes, not the name or content type"
    );
    assert_eq!(p["taken_at"], "2026-11-20T02:00:00Z");
    assert_eq!(p["taken_at_source"], "client");
    assert_eq!(p["location_source"], "client");
    assert_eq!(p["accuracy_m"], 6.5);
    assert_eq!(p["enterprise_id"], e["id"]);
    // EXIF far from the enterprise is flagged, not refused.
    let r = app
        .upload(
            &insp,
            // Years old, taken in Beijing.
            exif_jpeg(
                3,
                &ExifSpec {
                    date_time_original: Some("2015:05:01 12:00:00".into()),
                    lat: Some(39.9042),
                    lon: Some(116.4074),
                    ..ExifSpec::default()
                },
            ),
            &format!(
                "?enterprise_id={}&lat=29.53&lon=108.77",
                e["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(r.status(), 201);
    let flags = r.json::<Value>().await.unwrap()["flags"].clone();
    for f in [
        "exif_time_too_old",
        "gps_far_from_enterprise",
        "client_location_mismatch",
    ] {
        assert!(flags.as_array().unwrap().contains(&json!(f)), "{flags}");
    }
    // Bad metadata is a field error.
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(small_jpeg(7)))
        .text("lat", "north");
    let r = app
        .client
        .post(app.url("/api/v1/photos"))
        .bearer_auth(&insp)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_problem(r, 422, "validation_failed").await["errors"][0]["field"],
        "lat"
    );
    let form = reqwest::multipart::Form::new().text("lat", "29.5");
    let r = app
        .client
        .post(app.url("/api/v1/photos"))
        .bearer_auth(&insp)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_problem(r, 422, "validation_failed").await["errors"][0]["field"],
        "file"
    );
}

fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend_from_slice(&13u32.to_be_bytes());
    v.extend_from_slice(&ihdr);
    v.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    v
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A baseline JPEG whose SOF0 claims `w`×`h` (no real scan data).
fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&[
        0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
    ]);
    v
}

#[actix_web::test]
async fn hostile_files_are_refused_and_leave_nothing() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let jpeg = exif_jpeg(4, &gps_exif());
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("truncated jpeg", jpeg[..jpeg.len() / 2].to_vec(), 422, "image_corrupt"),
        ("text named .jpg", b"just some notes, saved as photo.jpg\n".to_vec(), 415, "unsupported_image_type"),
        ("png bomb", png_header(100_000, 100_000), 413, ""),
        ("jpeg claiming 60000x60000", jpeg_claiming(60_000, 60_000), 413, ""),
        ("html as jpeg", b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec(), 415, "unsupported_image_type"),
        ("svg", br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#.to_vec(), 415, "unsupported_image_type"),
        ("tiff", b"II*\x00\x08\x00\x00\x00\x00\x00".to_vec(), 415, "unsupported_image_type"),
        ("gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), 415, "unsupported_image_type"),
        ("random bytes", (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect(), 415, "unsupported_image_type"),
    ];
    for (what, bytes, status, code) in cases {
        let r = app.upload(&insp, bytes, "").await;
        assert_eq!(r.status().as_u16(), status, "{what}");
        let p: Value = r.json().await.unwrap();
        if !code.is_empty() {
            assert_eq!(p["code"], code, "{what}");
        } else {
            assert!(
                ["image_too_many_pixels", "image_dimensions_too_large"]
                    .contains(&p["code"].as_str().unwrap()),
                "{what}: {p}"
            );
        }
    }
    // 30 MB of noise: 413 as soon as the limit is passed.
    let big: Vec<u8> = (0..30 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
        .collect();
    assert_problem(app.upload(&insp, big, "").await, 413, "photo_too_large").await;
    assert_problem(
        app.upload(&insp, Vec::new(), "").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(app.photo_rows(), 0);
    assert_eq!(stored_blobs(&app).await, 0, "nothing stored");
    let tmp = std::fs::read_dir(app.settings.upload_tmp_dir())
        .unwrap()
        .count();
    assert_eq!(tmp, 0, "no spooled files left behind");
    // And the server is still fine.
    assert_eq!(app.upload(&insp, small_jpeg(1), "").await.status(), 201);
}

#[actix_web::test]
async fn who_sees_which_photo() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("甲企业").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = app.create_enterprise("乙企业").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (_, other_insp) = app.user("inspector", None, &[]).await;
    let (_, officer) = app.user("safety_officer", None, &[]).await;
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    let (_, ent_f) = app.user("enterprise", Some(&f), &[]).await;
    let (_, agency_e) = app.user("third_party", None, &[&e]).await;
    let (_, agency_f) = app.user("third_party", None, &[&f]).await;
    let id = app.photo(&insp).await;
    let path = |v: &str| format!("/api/v1/photos/{id}{v}");
    // Unattached: only the uploader.
    assert_eq!(app.get(&path(""), &insp).await.status(), 200);
    for t in [&other_insp, &officer, &ent_e, &agency_e, &app.admin] {
        assert_problem(app.get(&path(""), t).await, 404, "not_found").await;
    }
    // Attached to a finding of enterprise E.
    let body = json!({"enterprise_id": e, "category": "safety", "level": "general", "description": "消防通道堵塞", "photo_ids": [id]});
    assert_eq!(
        app.put(
            &format!("/api/v1/findings/{}", Uuid::new_v4()),
            &insp,
            &body
        )
        .await
        .status(),
        201
    );
    for t in [&insp, &other_insp, &officer, &app.admin, &agency_e] {
        for v in ["", "/display", "/thumbnail", "/original"] {
            assert_eq!(app.get(&path(v), t).await.status(), 200, "{v}");
        }
    }
    // The enterprise sees display and thumbnail, never the original.
    for v in ["", "/display", "/thumbnail"] {
        assert_eq!(app.get(&path(v), &ent_e).await.status(), 200, "{v}");
    }
    let meta: Value = app.get(&path(""), &ent_e).await.json().await.unwrap();
    assert!(meta["urls"]["original"].is_null());
    assert_problem(app.get(&path("/original"), &ent_e).await, 404, "not_found").await;
    // Other enterprises and agencies: nothing.
    for t in [&ent_f, &agency_f] {
        for v in ["", "/display", "/thumbnail", "/original"] {
            assert_problem(app.get(&path(v), t).await, 404, "not_found").await;
        }
    }
    assert_problem(
        app.client
            .get(app.url(&path("/display")))
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    assert_problem(
        app.get("/api/v1/photos/not-a-uuid", &insp).await,
        400,
        "invalid_path_parameter",
    )
    .await;
}

#[actix_web::test]
async fn serving_validators_and_ranges() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let r = app
        .upload(
            &insp,
            exif_jpeg(
                5,
                &ExifSpec {
                    orientation: Some(8),
                    ..gps_exif()
                },
            ),
            "",
        )
        .await;
    let p: Value = r.json().await.unwrap();
    let url = app.url(p["urls"]["original"].as_str().unwrap());
    let full = app
        .client
        .get(&url)
        .bearer_auth(&insp)
        .send()
        .await
        .unwrap();
    let etag = full.headers()["etag"].to_str().unwrap().to_string();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "strong ETag"
    );
    assert!(full.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("private"));
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    let all = full.bytes().await.unwrap();
    let r = app
        .client
        .get(&url)
        .bearer_auth(&insp)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = app
        .client
        .get(&url)
        .bearer_auth(&insp)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 100-199/{}", all.len())
    );
    assert_eq!(r.bytes().await.unwrap(), all.slice(100..200));
    let r = app
        .client
        .get(&url)
        .bearer_auth(&insp)
        .header("range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap(), all.slice(all.len() - 10..));
    let r = app
        .client
        .get(&url)
        .bearer_auth(&insp)
        .header("range", format!("bytes={}-", all.len() + 5))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{}", all.len())
    );
    assert_problem(r, 416, "range_not_satisfiable").await;
    let thumb = app
        .client
        .get(app.url(p["urls"]["thumbnail"].as_str().unwrap()))
        .bearer_auth(&insp)
        .send()
        .await
        .unwrap();
    assert_ne!(
        thumb.headers()["etag"].to_str().unwrap(),
        etag,
        "each variant has its own validator"
    );
}

#[actix_web::test]
async fn gc_and_verify() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let kept: Value = app
        .upload(
            &insp,
            exif_jpeg(
                6,
                &ExifSpec {
                    orientation: Some(3),
                    ..gps_exif()
                },
            ),
            "",
        )
        .await
        .json()
        .await
        .unwrap();
    let store = app.store();
    // An orphan: blobs written, then the request died before its row.
    let orphan_sha = hex::encode(Sha256::digest(b"orphan"));
    let orphan = anhuan::storage::key(&orphan_sha, anhuan::storage::Variant::Original);
    store
        .put_once(&orphan, bytes::Bytes::from_static(b"orphan"))
        .await
        .unwrap();
    let (ok, out) = app.cli(&["photos", "gc"], &[]);
    assert!(
        ok && out.contains("0 deleted") && out.contains("1 unreferenced"),
        "{out}"
    );
    let (ok, out) = app.cli(&["photos", "gc", "--grace-hours", "0"], &[]);
    assert!(ok && out.contains("1 deleted"), "{out}");
    assert_eq!(
        stored_blobs(&app).await,
        3,
        "the referenced photo is untouched"
    );

    let (ok, out) = app.cli(&["photos", "verify"], &[]);
    assert!(ok && out.contains("1 intact"), "{out}");
    // Tamper with the evidence and lose a derivative: verify says so and fails.
    let sha = kept["sha256"].as_str().unwrap();
    let okey = anhuan::storage::key(sha, anhuan::storage::Variant::Original);
    store.delete(&okey).await.unwrap();
    store
        .put_once(&okey, bytes::Bytes::from_static(b"not the original"))
        .await
        .unwrap();
    store
        .delete(&anhuan::storage::key(
            sha,
            anhuan::storage::Variant::Thumbnail,
        ))
        .await
        .unwrap();
    let (ok, out) = app.cli(&["photos", "verify"], &[]);
    assert!(
        !ok && out.contains(&format!("MISMATCH original {sha}"))
            && out.contains("MISSING thumbnail/"),
        "{out}"
    );
}
