//! Photos the tests make themselves, over HTTP: every EXIF orientation in
//! JPEG, PNG and WebP, WebP EXIF with the `Exif\0\0` header, which clock
//! `taken_at` comes from, corrupt scan data, and odd multipart file names.

use crate::helpers::*;
use serde_json::Value;

async fn created(r: reqwest::Response, what: &str) -> Value {
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, 201, "{what}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[actix_web::test]
async fn every_orientation_in_every_format_comes_back_upright() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    // Landscape card: a red bar along the top.
    let upright = sample::card(160, 100, 40);
    for o in 1..=8u16 {
        let stored = sample::stored_for(&upright, o);
        let exif = ExifSpec {
            orientation: Some(o),
            ..ExifSpec::default()
        };
        for (what, bytes) in [
            ("jpeg", sample::jpeg(&stored, Some(&exif))),
            ("png", sample::png(&stored, Some(&exif))),
            ("webp", sample::webp(&stored, Some(&exif), false)),
        ] {
            let what = format!("{what} orientation {o}");
            let p = created(app.upload(&insp, bytes, "").await, &what).await;
            assert_eq!(p["orientation"], o, "{what}");
            assert_eq!(
                (p["width"].as_u64(), p["height"].as_u64()),
                (Some(160), Some(100)),
                "{what}"
            );
            let thumb = app
                .get(p["urls"]["thumbnail"].as_str().unwrap(), &insp)
                .await
                .bytes()
                .await
                .unwrap();
            let img = image::load_from_memory(&thumb).unwrap().to_rgb8();
            assert_eq!(img.dimensions(), (160, 100), "{what}: never upscaled");
            let top = img.get_pixel(80, 3);
            let bottom = img.get_pixel(80, 96);
            assert!(top[0] > 150 && top[1] < 90, "{what}: top {top:?}");
            assert!(bottom[0] < 150, "{what}: bottom {bottom:?}");
        }
    }
}

#[actix_web::test]
async fn webp_exif_with_the_jpeg_style_header_is_read() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let exif = ExifSpec {
        orientation: Some(6),
        date_time_original: Some("2026:11:20 10:15:30".into()),
        offset_time_original: Some("+08:00".into()),
        lat: Some(29.533),
        lon: Some(108.771),
        ..ExifSpec::default()
    };
    for (seed, header) in [(41, false), (42, true)] {
        let bytes = sample::webp(&sample::card(90, 60, seed), Some(&exif), header);
        let p = created(app.upload(&insp, bytes, "").await, "webp").await;
        assert_eq!(p["format"], "webp");
        assert_eq!(p["orientation"], 6, "Exif header {header}: {p}");
        assert_eq!(
            (p["width"].as_u64(), p["height"].as_u64()),
            (Some(60), Some(90))
        );
        assert_eq!(p["taken_at"], "2026-11-20T02:15:30Z", "{p}");
        assert_eq!(p["taken_at_source"], "exif");
        assert_eq!(p["location_source"], "exif");
        assert!((p["lat"].as_f64().unwrap() - 29.533).abs() < 1e-6);
        assert!((p["lon"].as_f64().unwrap() - 108.771).abs() < 1e-6);
    }
}

#[actix_web::test]
async fn capture_time_basis_offset_then_gps_then_park_zone() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let local = || Some("2026:11:20 10:15:30".to_string());
    let cases = [
        (
            "offset wins over GPS",
            ExifSpec {
                date_time_original: local(),
                offset_time_original: Some("+05:00".into()),
                gps_date: Some("2026:11:20".into()),
                gps_time: Some((2, 15, 29)),
                ..ExifSpec::default()
            },
            "2026-11-20T05:15:30Z",
            "exif_offset",
        ),
        (
            "GPS stamp (UTC) when no offset",
            ExifSpec {
                date_time_original: local(),
                gps_date: Some("2026:11:20".into()),
                gps_time: Some((3, 15, 29)),
                ..ExifSpec::default()
            },
            "2026-11-20T03:15:29Z",
            "gps_utc",
        ),
        (
            "camera time alone: the park's zone (UTC+8)",
            ExifSpec {
                date_time_original: local(),
                ..ExifSpec::default()
            },
            "2026-11-20T02:15:30Z",
            "park_zone",
        ),
    ];
    for (seed, (what, exif, at, basis)) in cases.into_iter().enumerate() {
        let p = created(
            app.upload(&insp, exif_jpeg(50 + seed as u32, &exif), "")
                .await,
            what,
        )
        .await;
        assert_eq!(p["taken_at"], at, "{what}: {p}");
        assert_eq!(p["taken_at_source"], "exif", "{what}");
        assert_eq!(p["taken_at_basis"], basis, "{what}");
        // The same answer when read back.
        let again: Value = app
            .get(
                &format!("/api/v1/photos/{}", p["id"].as_str().unwrap()),
                &insp,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["taken_at_basis"], basis, "{what}");
    }
    // No EXIF time: the phone's.
    let p = created(
        app.upload(
            &insp,
            exif_jpeg(60, &ExifSpec::default()),
            "?taken_at=2026-11-20T01:00:00Z",
        )
        .await,
        "client",
    )
    .await;
    assert_eq!(
        (&p["taken_at"], &p["taken_at_source"], &p["taken_at_basis"]),
        (
            &"2026-11-20T01:00:00Z".into(),
            &"client".into(),
            &"client".into()
        )
    );
    let p = created(
        app.upload(&insp, exif_jpeg(61, &ExifSpec::default()), "")
            .await,
        "none",
    )
    .await;
    assert!(
        p["taken_at"].is_null() && p["taken_at_basis"].is_null(),
        "{p}"
    );
}

#[actix_web::test]
async fn corrupt_scan_data_is_refused_and_nothing_stored() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let mut jpeg = sample::jpeg(&sample::card(320, 240, 70), None);
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let (a, b) = (sos + 40, jpeg.len() - 200);
    let mut x = 0x9E37_79B9u32;
    for byte in &mut jpeg[a..b] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *byte = x as u8;
    }
    assert_problem(app.upload(&insp, jpeg, "").await, 422, "image_corrupt").await;
    assert_eq!(app.photo_rows(), 0);
    let blobs = app.store().list().await.unwrap();
    assert!(
        blobs
            .iter()
            .all(|o| anhuan::storage::parse_key(&o.key).is_none()),
        "nothing stored"
    );
}

/// A multipart body written byte for byte, so the file name carries
/// exactly the bytes under test.
fn raw_multipart(filename: &[u8], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "anhuan-test-boundary-7f3a";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"")
            .into_bytes();
    body.extend_from_slice(filename);
    body.extend_from_slice(b"\"\r\nContent-Type: image/jpeg\r\n\r\n");
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[actix_web::test]
async fn odd_file_names_are_sanitised_not_refused() {
    let app = TestApp::spawn().await;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let names: Vec<(&str, Vec<u8>)> = vec![
        ("bell and escape", b"a\x07b\x1b[31m.jpg".to_vec()),
        ("tab and DEL", b"a\tb\x7f.jpg".to_vec()),
        (
            "right-to-left override",
            "invoice\u{202E}gpj.exe".as_bytes().to_vec(),
        ),
        (
            "bidi isolates and marks",
            "\u{2066}照片\u{2069}\u{200F}.jpg".as_bytes().to_vec(),
        ),
    ];
    for (seed, (what, name)) in names.into_iter().enumerate() {
        let (ct, body) = raw_multipart(&name, &exif_jpeg(80 + seed as u32, &ExifSpec::default()));
        let r = app
            .client
            .post(app.url("/api/v1/photos"))
            .bearer_auth(&insp)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        created(r, what).await;
    }
    // reqwest's own encoding of CR/LF and a bell in a file name.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(exif_jpeg(90, &ExifSpec::default()))
            .file_name("a\u{7}\r\nb.jpg"),
    );
    let r = app
        .client
        .post(app.url("/api/v1/photos"))
        .bearer_auth(&insp)
        .multipart(form)
        .send()
        .await
        .unwrap();
    created(r, "reqwest CR LF").await;
    assert_eq!(app.photo_rows(), 5);
}
