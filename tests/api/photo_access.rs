//! What each role reads of a photo (issue 17): an enterprise never gets
//! the location or device of a photo park staff took; the upload reads
//! its metadata from the query and the form; `Range: bytes=-0` is 416.

use crate::helpers::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// A little-endian TIFF/EXIF block with Make, Model and a GPS position
/// and altitude, as an APP1 segment.
fn exif_app1() -> Vec<u8> {
    fn entry(t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: u32) {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&typ.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    }
    const ASCII: u16 = 2;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    const BYTE: u16 = 1;
    let make = b"TestMake\0";
    let model = b"TestModel\0";
    // Layout: header 8, IFD0 (3 entries) 42, make 9, model 10, pad 1, GPS IFD (6 entries) 78, data.
    let (make_at, model_at, gps_at) = (50u32, 59u32, 70u32);
    let (lat_at, lon_at, alt_at) = (148u32, 172u32, 196u32);
    let mut t = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    t.extend_from_slice(&3u16.to_le_bytes());
    entry(&mut t, 0x010f, ASCII, make.len() as u32, make_at);
    entry(&mut t, 0x0110, ASCII, model.len() as u32, model_at);
    entry(&mut t, 0x8825, LONG, 1, gps_at);
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(make);
    t.extend_from_slice(model);
    t.push(0);
    assert_eq!(t.len() as u32, gps_at);
    t.extend_from_slice(&6u16.to_le_bytes());
    entry(&mut t, 0x0001, ASCII, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, RATIONAL, 3, lat_at);
    entry(&mut t, 0x0003, ASCII, 2, u32::from_le_bytes(*b"E\0\0\0"));
    entry(&mut t, 0x0004, RATIONAL, 3, lon_at);
    entry(&mut t, 0x0005, BYTE, 1, 0);
    entry(&mut t, 0x0006, RATIONAL, 1, alt_at);
    t.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(t.len() as u32, lat_at);
    for (n, d) in [
        (29u32, 1u32),
        (32, 1),
        (0, 1),
        (108, 1),
        (46, 1),
        (0, 1),
        (3215, 10),
    ] {
        t.extend_from_slice(&n.to_le_bytes());
        t.extend_from_slice(&d.to_le_bytes());
    }
    let mut seg = vec![0xff, 0xe1];
    seg.extend_from_slice(&((2 + 6 + t.len()) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&t);
    seg
}

/// A unique small JPEG carrying that EXIF block.
fn jpeg_with_exif(seed: u32) -> Vec<u8> {
    let plain = small_jpeg(seed);
    assert_eq!(&plain[..2], [0xff, 0xd8]);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&exif_app1());
    out.extend_from_slice(&plain[2..]);
    out
}

async fn attach_to_finding(app: &TestApp, insp: &str, enterprise: &str, photo: &str) {
    let body = json!({"enterprise_id": enterprise, "category": "safety", "level": "general",
                      "description": "消防通道堵塞", "photo_ids": [photo]});
    let r = app
        .put(&format!("/api/v1/findings/{}", Uuid::new_v4()), insp, &body)
        .await;
    assert_eq!(r.status(), 201);
}

#[actix_web::test]
async fn enterprise_view_of_staff_photo_hides_location_and_device() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("甲企业").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (_, ent) = app.user("enterprise", Some(&e), &[]).await;
    let r = app.upload(&insp, jpeg_with_exif(77), "").await;
    assert_eq!(r.status(), 201);
    let staff: Value = r.json().await.unwrap();
    for k in ["lat", "lon", "altitude_m", "make", "model"] {
        assert!(
            !staff[k].is_null(),
            "the EXIF block is read: {k} in {staff}"
        );
    }
    let id = staff["id"].as_str().unwrap().to_string();
    attach_to_finding(&app, &insp, &e, &id).await;
    let path = format!("/api/v1/photos/{id}");
    let seen: Value = app.get(&path, &ent).await.json().await.unwrap();
    for k in ["lat", "lon", "altitude_m", "make", "model"] {
        assert!(seen[k].is_null(), "{k} withheld: {seen}");
    }
    for k in ["taken_at", "width", "height", "flags", "sha256"] {
        assert_eq!(seen[k], staff[k], "{k} kept");
    }
    // Park staff still see everything.
    let again: Value = app.get(&path, &app.admin).await.json().await.unwrap();
    assert_eq!(again["make"], staff["make"]);
    assert_eq!(again["lat"], staff["lat"]);
    // The enterprise's own upload comes back whole.
    let r = app.upload(&ent, jpeg_with_exif(78), "").await;
    assert_eq!(r.status(), 201);
    let own: Value = r.json().await.unwrap();
    let own_id = own["id"].as_str().unwrap();
    let own_seen: Value = app
        .get(&format!("/api/v1/photos/{own_id}"), &ent)
        .await
        .json()
        .await
        .unwrap();
    for k in ["lat", "lon", "altitude_m", "make", "model"] {
        assert!(!own_seen[k].is_null(), "own upload keeps {k}: {own_seen}");
    }
}

#[actix_web::test]
async fn suffix_range_of_zero_bytes_is_416() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let id = app.photo(&insp).await;
    let url = app.url(&format!("/api/v1/photos/{id}/original"));
    let whole = app
        .client
        .get(&url)
        .bearer_auth(&insp)
        .send()
        .await
        .unwrap();
    let size = whole.bytes().await.unwrap().len();
    let r = app
        .client
        .get(&url)
        .bearer_auth(&insp)
        .header("range", "bytes=-0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-range"], format!("bytes */{size}"));
    assert_problem(r, 416, "range_not_satisfiable").await;
}

fn form_with(seed: u32) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(small_jpeg(seed)).file_name("p.jpg"),
    )
}

async fn post_form(
    app: &TestApp,
    token: &str,
    query: &str,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/photos{query}")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn multipart_upload_reads_the_documented_query_parameters() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江示例企业").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let q = format!(
        "?enterprise_id={e}&lat=29.5331&lon=108.7708&accuracy_m=6.5&taken_at=2026-11-20T02:00:00Z"
    );
    let r = post_form(&app, &insp, &q, form_with(901)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["enterprise_id"], e.as_str());
    assert_eq!(p["lat"], 29.5331);
    assert_eq!(p["lon"], 108.7708);
    assert_eq!(p["accuracy_m"], 6.5);
    assert_eq!(p["taken_at"], "2026-11-20T02:00:00Z");
    assert_eq!(p["location_source"], "client");
    // Both places with the same value: fine; with different values: refused.
    let both = "?lat=29.5&lon=108.7";
    let r = post_form(&app, &insp, both, form_with(902).text("lat", "29.5")).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = post_form(&app, &insp, both, form_with(903).text("lat", "30.1")).await;
    let p = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(p["errors"][0]["field"], "lat");
    // An invalid query parameter is an error, not ignored.
    let r = post_form(&app, &insp, "?lat=north", form_with(904)).await;
    assert!(r.status().is_client_error(), "{}", r.status());
}
