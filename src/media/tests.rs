//! Pipeline tests: shared photo fixtures, orientation cards, hostile inputs.
//!
//! Fixtures come from `$ANHUAN_FIXTURES`, defaulting to
//! `<crate>/../shared/fixtures/photos`; tests that need them print a note
//! and pass when the folder is missing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use image::RgbImage;
use serde_json::Value;

use super::*;

fn fixtures_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ANHUAN_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(crate::manifest_dir()).join("../shared/fixtures/photos"));
    if dir.join("MANIFEST.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "NOTE: photo fixtures not found at {} (set ANHUAN_FIXTURES); skipping",
            dir.display()
        );
        None
    }
}

fn manifest(dir: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["files"].as_array().unwrap().clone()
}

fn fixture(name: &str) -> Option<Vec<u8>> {
    let dir = fixtures_dir()?;
    Some(std::fs::read(dir.join(name)).unwrap())
}

fn decode_jpeg(bytes: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8()
}

/// APPn markers before the first scan, and no "Exif\0\0" anywhere.
fn assert_no_metadata(jpeg: &[u8], what: &str) {
    assert!(jpeg.starts_with(&[0xFF, 0xD8]), "{what}: not a JPEG");
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let m = jpeg[i + 1];
        assert!(
            !(0xE1..=0xEF).contains(&m),
            "{what}: carries APP{} segment",
            m - 0xE0
        );
        if m == 0xDA {
            break;
        }
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    assert!(
        !jpeg.windows(6).any(|w| w == b"Exif\0\0"),
        "{what}: contains Exif"
    );
}

fn long(w: u32, h: u32) -> u32 {
    w.max(h)
}

fn mad(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

fn check_derivatives(p: &Processed, orig_w: u32, orig_h: u32, what: &str) {
    let d = &p.display;
    let t = &p.thumbnail;
    assert_eq!(
        long(d.width, d.height),
        long(orig_w, orig_h).min(DISPLAY_MAX),
        "{what}: display long edge"
    );
    assert!(
        long(t.width, t.height) <= THUMB_MAX,
        "{what}: thumbnail long edge"
    );
    // Same orientation (portrait/landscape) and aspect as the original.
    for (w, h, kind) in [
        (d.width, d.height, "display"),
        (t.width, t.height, "thumbnail"),
    ] {
        assert_eq!(w >= h, p.width >= p.height, "{what}: {kind} orientation");
        let expect_h = f64::from(w) * f64::from(p.height) / f64::from(p.width);
        assert!(
            (f64::from(h) - expect_h).abs() <= 1.0,
            "{what}: {kind} aspect {w}x{h} vs {}x{}",
            p.width,
            p.height
        );
    }
    for (der, kind) in [(d, "display"), (t, "thumbnail")] {
        let img = decode_jpeg(&der.jpeg);
        assert_eq!(
            img.dimensions(),
            (der.width, der.height),
            "{what}: {kind} decodes to its size"
        );
        assert_no_metadata(&der.jpeg, &format!("{what} {kind}"));
    }
}

#[test]
fn fixtures_match_manifest() {
    let Some(dir) = fixtures_dir() else { return };
    let files = manifest(&dir);
    assert!(files.len() >= 18);
    for f in &files {
        let name = f["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let expect_fmt = match f["format"].as_str().unwrap() {
            "JPEG" => Format::Jpeg,
            "PNG" => Format::Png,
            "WEBP" => Format::Webp,
            "HEIC" => Format::Heic,
            other => panic!("unexpected format {other}"),
        };
        assert_eq!(sniff(&bytes), Some(expect_fmt), "{name}: sniff");
        assert_eq!(
            sniff(&bytes[..64]),
            Some(expect_fmt),
            "{name}: sniff from 64 bytes"
        );
        assert_eq!(describe_unsupported(&bytes), None);
        assert_eq!(
            sha256_hex(&bytes),
            f["sha256"].as_str().unwrap(),
            "{name}: sha256"
        );

        let (w, h) = (
            f["width"].as_u64().unwrap() as u32,
            f["height"].as_u64().unwrap() as u32,
        );
        let (dw, dh) = (
            f["display_width"].as_u64().unwrap() as u32,
            f["display_height"].as_u64().unwrap() as u32,
        );
        assert_eq!(
            header_dimensions(&bytes, expect_fmt).unwrap(),
            (w, h),
            "{name}: header dims"
        );

        // EXIF, which must work for every format (HEIC too, without the feature).
        let exif = read_exif(&bytes, expect_fmt);
        let taken = exif
            .taken_at_local
            .map(|t| t.format("%Y:%m:%d %H:%M:%S").to_string());
        assert_eq!(
            taken.as_deref(),
            f["date_time_original"].as_str(),
            "{name}: DateTimeOriginal"
        );
        match f["gps"].as_object() {
            Some(g) => {
                let (lat, lon) = (g["lat"].as_f64().unwrap(), g["lon"].as_f64().unwrap());
                assert!(
                    (exif.lat.unwrap() - lat).abs() < 1e-4,
                    "{name}: lat {:?} vs {lat}",
                    exif.lat
                );
                assert!(
                    (exif.lon.unwrap() - lon).abs() < 1e-4,
                    "{name}: lon {:?} vs {lon}",
                    exif.lon
                );
            }
            None => assert_eq!(
                (exif.lat, exif.lon),
                (None, None),
                "{name}: no GPS expected"
            ),
        }
        assert_eq!(
            exif.make.as_deref(),
            f["camera_make"].as_str(),
            "{name}: make"
        );
        assert_eq!(
            exif.model.as_deref(),
            f["camera_model"].as_str(),
            "{name}: model"
        );
        let manifest_orient = f["exif_orientation"].as_u64().map(|o| o as u16);
        match manifest_orient {
            None => assert_eq!(exif.orientation, None, "{name}: no orientation tag"),
            Some(o) => assert_eq!(exif.orientation.unwrap_or(1), o, "{name}: orientation"),
        }

        let t = Instant::now();
        let result = process(&bytes, &Limits::default());
        let elapsed = t.elapsed();
        if expect_fmt == Format::Heic && !cfg!(feature = "heic") {
            let err = result.unwrap_err();
            assert!(
                matches!(err, MediaError::HeicUnsupported),
                "{name}: {err:?}"
            );
            assert_eq!((err.code(), err.status()), ("heic_not_supported", 415));
            eprintln!("{name}: HeicUnsupported (feature off), EXIF still read");
            continue;
        }
        let p = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        eprintln!(
            "{name}: {}x{} o={} display {}x{} ({} KB) thumb {}x{} ({} KB) in {elapsed:?}",
            p.width,
            p.height,
            p.orientation,
            p.display.width,
            p.display.height,
            p.display.jpeg.len() / 1024,
            p.thumbnail.width,
            p.thumbnail.height,
            p.thumbnail.jpeg.len() / 1024
        );
        assert_eq!(p.format, expect_fmt);
        assert_eq!(
            (p.width, p.height),
            (dw, dh),
            "{name}: display size after orientation"
        );
        assert_eq!(p.exif, exif);
        if expect_fmt != Format::Heic {
            assert_eq!(
                p.orientation,
                manifest_orient.unwrap_or(1),
                "{name}: applied orientation"
            );
        }
        check_derivatives(&p, w, h, name);
    }
}

/// HEIC: libheif applies irot; EXIF orientation must not be applied again.
#[cfg(feature = "heic")]
#[test]
fn heic_decodes_upright() {
    let Some(bytes) = fixture("iphone_xr_gps.heic") else {
        return;
    };
    let p = process(&bytes, &Limits::default()).unwrap();
    assert_eq!(p.format, Format::Heic);
    assert_eq!((p.width, p.height), (3024, 4032));
    assert_eq!((p.display.width, p.display.height), (1536, 2048));
    assert_eq!(p.exif.orientation, Some(6));
    assert_eq!(
        p.orientation, 6,
        "irot 270° anti-clockwise reported as EXIF 6"
    );
    let thumb = decode_jpeg(&p.thumbnail.jpeg);
    assert_eq!(thumb.dimensions(), (240, 320));
}

#[cfg(not(feature = "heic"))]
#[test]
fn heic_refused_without_feature() {
    let head = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    let err = process(head, &Limits::default()).unwrap_err();
    assert!(matches!(err, MediaError::HeicUnsupported));
    assert_eq!(err.status(), 415);
}

#[test]
fn heic_header_and_transform() {
    let Some(bytes) = fixture("iphone_xr_gps.heic") else {
        return;
    };
    let h = header::heif_header(&bytes).unwrap();
    assert_eq!((h.width, h.height), (4032, 3024));
    assert_eq!(h.transform.to_exif(), 6);
}

#[test]
fn orientation_cards_are_upright() {
    let Some(dir) = fixtures_dir() else { return };
    let load = |n: u16| std::fs::read(dir.join(format!("orientation_landscape_{n}.jpg"))).unwrap();
    let reference = process(&load(1), &Limits::default()).unwrap();
    let ref_thumb = decode_jpeg(&reference.thumbnail.jpeg);
    assert_eq!(ref_thumb.dimensions(), (320, 213));

    // Threshold between "same picture after JPEG round trips" and "wrong transform".
    const THRESHOLD: f64 = 12.0;
    for n in 1..=8u16 {
        let bytes = load(n);
        let p = process(&bytes, &Limits::default()).unwrap();
        assert_eq!(p.orientation, n);
        assert_eq!((p.width, p.height), (1800, 1200), "card {n}");
        assert_eq!(
            (p.display.width, p.display.height),
            (1800, 1200),
            "card {n}"
        );
        assert_eq!(
            (p.thumbnail.width, p.thumbnail.height),
            (320, 213),
            "card {n}"
        );
        let display = decode_jpeg(&p.display.jpeg);
        let ref_display = decode_jpeg(&reference.display.jpeg);
        let d_display = mad(&display, &ref_display);
        let thumb = decode_jpeg(&p.thumbnail.jpeg);
        let d_right = mad(&thumb, &ref_thumb);

        // Negative control: every other transform of the stored pixels that
        // gives a landscape image must be far from the reference.
        let stored = image::load_from_memory(&bytes).unwrap().to_rgb8();
        let (sw, sh) = stored.dimensions();
        let (tw, th) = derive::fit(sw, sh, THUMB_MAX);
        let small = image::imageops::resize(&stored, tw, th, image::imageops::FilterType::Triangle);
        let mut wrong_min = f64::MAX;
        for k in (1..=8u16).filter(|&k| k != n) {
            let candidate = derive::orient(small.clone(), k);
            if candidate.dimensions() != ref_thumb.dimensions() {
                continue; // portrait: already excluded by the size checks
            }
            wrong_min = wrong_min.min(mad(&candidate, &ref_thumb));
        }
        let right_small = mad(&derive::orient(small, n), &ref_thumb);
        eprintln!(
            "card {n}: MAD display {d_display:.2}, thumb {d_right:.2}, right transform {right_small:.2}, best wrong {wrong_min:.2}"
        );
        assert!(
            d_display < THRESHOLD && d_right < THRESHOLD && right_small < THRESHOLD,
            "card {n} not upright"
        );
        assert!(
            wrong_min > THRESHOLD,
            "card {n}: a wrong transform would also pass"
        );
    }
}

// ---------------------------------------------------------------- hostile

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

fn png_chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut c = ty.to_vec();
    c.extend_from_slice(data);
    out.extend_from_slice(&c);
    out.extend_from_slice(&crc32(&c).to_be_bytes());
}

fn png_with_header(w: u32, h: u32) -> Vec<u8> {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut p, b"IHDR", &ihdr);
    png_chunk(
        &mut p,
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut p, b"IEND", &[]);
    p
}

fn jpeg_with_sof(w: u16, h: u16) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
    j.extend_from_slice(&h.to_be_bytes());
    j.extend_from_slice(&w.to_be_bytes());
    j.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    j.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
    j.extend_from_slice(&[0x00; 64]);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

fn assert_fast(t: Instant, what: &str) {
    let e = t.elapsed();
    assert!(
        e < Duration::from_millis(200),
        "{what} took {e:?}: limits must be checked before decoding"
    );
}

#[test]
fn refuses_huge_png_header_before_decoding() {
    let png = png_with_header(100_000, 100_000);
    let t = Instant::now();
    let err = process(&png, &Limits::default()).unwrap_err();
    assert_fast(t, "100000x100000 PNG");
    assert!(
        matches!(
            err,
            MediaError::TooLarge { .. } | MediaError::TooManyPixels { .. }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), 413);

    // Under max_side but over max_pixels.
    let png = png_with_header(15_000, 15_000);
    let t = Instant::now();
    let err = process(&png, &Limits::default()).unwrap_err();
    assert_fast(t, "15000x15000 PNG");
    assert!(
        matches!(
            err,
            MediaError::TooManyPixels {
                width: 15_000,
                height: 15_000
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "image_too_many_pixels");
}

#[test]
fn refuses_huge_jpeg_sof_before_decoding() {
    let t = Instant::now();
    let err = process(&jpeg_with_sof(30_000, 30_000), &Limits::default()).unwrap_err();
    assert_fast(t, "30000x30000 JPEG");
    assert!(
        matches!(
            err,
            MediaError::TooLarge {
                width: 30_000,
                height: 30_000
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        (err.code(), err.status()),
        ("image_dimensions_too_large", 413)
    );

    let err = process(&jpeg_with_sof(12_000, 9_000), &Limits::default()).unwrap_err();
    assert!(matches!(err, MediaError::TooManyPixels { .. }), "{err:?}");

    // Within limits but the scan data is garbage / too short.
    let err = process(&jpeg_with_sof(4_000, 3_000), &Limits::default()).unwrap_err();
    assert!(matches!(err, MediaError::Corrupt(_)), "{err:?}");
}

#[test]
fn zero_sized_headers_are_corrupt() {
    let err = process(&png_with_header(0, 10), &Limits::default()).unwrap_err();
    assert!(matches!(err, MediaError::Corrupt(_)), "{err:?}");
    assert_eq!((err.code(), err.status()), ("image_corrupt", 422));
    let err = process(&jpeg_with_sof(10, 0), &Limits::default()).unwrap_err();
    assert!(matches!(err, MediaError::Corrupt(_)), "{err:?}");
}

#[test]
fn custom_limits_apply_to_real_photos() {
    let Some(bytes) = fixture("orientation_landscape_6.jpg") else {
        return;
    };
    let small = Limits {
        max_pixels: 1_000_000,
        ..Limits::default()
    };
    let err = process(&bytes, &small).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::TooManyPixels {
                width: 1200,
                height: 1800
            }
        ),
        "{err:?}"
    );
    let narrow = Limits {
        max_side: 1500,
        ..Limits::default()
    };
    assert!(matches!(
        process(&bytes, &narrow),
        Err(MediaError::TooLarge { .. })
    ));
    let alloc = Limits {
        max_alloc_bytes: 4_000_000,
        ..Limits::default()
    };
    assert!(matches!(
        process(&bytes, &alloc),
        Err(MediaError::TooManyPixels { .. })
    ));
}

#[test]
fn truncated_files_are_corrupt() {
    let Some(dir) = fixtures_dir() else { return };
    for name in [
        "orientation_landscape_1.jpg",
        "canon_a85_orient8.jpg",
        "photo_screenshot_exif.png",
        "htc_desire_gps.webp",
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let half = &bytes[..bytes.len() / 2];
        let err = process(half, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, MediaError::Corrupt(_)),
            "{name} half: {err:?}"
        );
        assert_eq!(err.status(), 422);
    }
}

fn lcg_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) as u8
        })
        .collect()
}

#[test]
fn random_and_empty_inputs_are_unsupported() {
    for seed in 1..20 {
        let junk = lcg_bytes(seed, 4096);
        if sniff(&junk).is_some() {
            continue;
        }
        let err = process(&junk, &Limits::default()).unwrap_err();
        assert!(matches!(err, MediaError::Unsupported { .. }), "{err:?}");
        assert_eq!((err.code(), err.status()), ("unsupported_image_type", 415));
    }
    let err = process(&lcg_bytes(7, 4096), &Limits::default()).unwrap_err();
    assert!(
        matches!(err, MediaError::Unsupported { what: None }),
        "{err:?}"
    );
    let err = process(&[], &Limits::default()).unwrap_err();
    assert!(
        matches!(err, MediaError::Unsupported { what: None }),
        "{err:?}"
    );
}

#[test]
fn refused_types_are_named() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><img src=x></body></html>".to_vec(), "html"),
        (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>alert(1)</script></svg>".to_vec(), "svg/xml"),
        (b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(), "svg/xml"),
        ([&b"II*\0\x08\0\0\0"[..], &[0u8; 64]].concat(), "tiff"),
        ([&b"MM\0*\0\0\0\x08"[..], &[0u8; 64]].concat(), "tiff"),
        (b"GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff\0\0\0!\xf9\x04\x01\0\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;".to_vec(), "gif"),
        (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF".to_vec(), "pdf"),
        ([&b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0"[..], &[0u8; 40]].concat(), "bmp"),
    ];
    for (bytes, what) in cases {
        let err = process(&bytes, &Limits::default()).unwrap_err();
        match err {
            MediaError::Unsupported { what: Some(w) } => assert_eq!(w, what),
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(MediaError::Unsupported { what: Some(what) }.status(), 415);
    }
}

#[test]
fn corrupted_exif_segment_still_processes() {
    let Some(mut bytes) = fixture("canon_a85_orient8.jpg") else {
        return;
    };
    assert_eq!(read_exif(&bytes, Format::Jpeg).orientation, Some(8));
    let at = bytes
        .windows(6)
        .position(|w| w == b"Exif\0\0")
        .expect("fixture has EXIF")
        + 6;
    // Destroy the TIFF header and the first IFD; keep the segment length intact.
    for (i, b) in bytes[at..at + 200].iter_mut().enumerate() {
        *b = 0xA5 ^ (i as u8);
    }
    assert_eq!(read_exif(&bytes, Format::Jpeg), ExifInfo::default());
    let p = process(&bytes, &Limits::default()).unwrap();
    assert_eq!(p.exif, ExifInfo::default());
    assert_eq!(p.orientation, 1);
    assert_eq!((p.width, p.height), (1704, 2272), "stored orientation kept");
    check_derivatives(&p, 1704, 2272, "broken-exif canon");

    // A lying segment length inside APP1 (points past the end of the file).
    let Some(mut bytes) = fixture("orientation_landscape_1.jpg") else {
        return;
    };
    let mut app1 = vec![0xFF, 0xE1, 0x00, 0x20];
    app1.extend_from_slice(b"Exif\0\0MM\0*\0\0\0\x08\xff\xff");
    app1.extend_from_slice(&[0xEE; 12]);
    bytes.splice(2..2, app1);
    let p = process(&bytes, &Limits::default()).unwrap();
    assert_eq!(p.exif.orientation, None);
    assert_eq!((p.width, p.height), (1800, 1200));
}

#[test]
fn png_alpha_is_composited_onto_white_and_16_bit_works() {
    use image::codecs::png::PngEncoder;
    use image::{ExtendedColorType, ImageEncoder};

    // 40x30 RGBA: left half fully transparent black, right half opaque red.
    let mut rgba = Vec::new();
    for _y in 0..30 {
        for x in 0..40 {
            rgba.extend_from_slice(if x < 20 {
                &[0, 0, 0, 0]
            } else {
                &[200, 10, 10, 255]
            });
        }
    }
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&rgba, 40, 30, ExtendedColorType::Rgba8)
        .unwrap();
    let p = process(&png, &Limits::default()).unwrap();
    assert_eq!((p.width, p.height, p.format), (40, 30, Format::Png));
    let d = decode_jpeg(&p.display.jpeg);
    let left = d.get_pixel(5, 15);
    let right = d.get_pixel(35, 15);
    assert!(
        left.0.iter().all(|&c| c > 240),
        "transparent -> white, got {left:?}"
    );
    assert!(
        right[0] > 170 && right[1] < 50,
        "opaque red kept, got {right:?}"
    );

    // 16-bit grey + alpha (image takes native-endian samples).
    let mut la16 = Vec::new();
    for _ in 0..(16 * 8) {
        la16.extend_from_slice(&30000u16.to_ne_bytes());
        la16.extend_from_slice(&65535u16.to_ne_bytes());
    }
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&la16, 16, 8, ExtendedColorType::La16)
        .unwrap();
    let p = process(&png, &Limits::default()).unwrap();
    let px = *decode_jpeg(&p.display.jpeg).get_pixel(8, 4);
    assert!(
        px.0.iter().all(|&c| (c as i32 - 117).abs() <= 4),
        "grey 30000/65535 ≈ 117, got {px:?}"
    );
}

#[test]
fn mutated_inputs_never_panic() {
    // Seeds: a small real JPEG (a thumbnail), a PNG and a lossless WebP.
    let img = RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x ^ y) * 3) as u8])
    });
    let jpeg = derive::encode_jpeg(&img).unwrap().jpeg;
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img.clone())
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let mut webp = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut webp),
            image::ImageFormat::WebP,
        )
        .unwrap();
    assert!(process(&jpeg, &Limits::default()).is_ok());
    assert!(process(&png, &Limits::default()).is_ok());
    assert!(process(&webp, &Limits::default()).is_ok());

    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for (seed_no, seed) in [&jpeg, &png, &webp].into_iter().enumerate() {
        for cut in (0..seed.len()).step_by(7) {
            let r = process(&seed[..cut], &Limits::default());
            *outcomes
                .entry(r.as_ref().map(|_| "ok").unwrap_or_else(|e| e.code()))
                .or_default() += 1;
        }
        for round in 0..150u64 {
            let mut m = seed.clone();
            let noise = lcg_bytes(round * 31 + seed_no as u64, 8);
            for k in 0..4 {
                let pos =
                    (usize::from(noise[2 * k]) << 8 | usize::from(noise[2 * k + 1])) % m.len();
                m[pos] = noise[(2 * k + 3) % 8];
            }
            let t = Instant::now();
            let r = process(&m, &Limits::default());
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "mutation took {:?}",
                t.elapsed()
            );
            *outcomes
                .entry(r.as_ref().map(|_| "ok").unwrap_or_else(|e| e.code()))
                .or_default() += 1;
        }
    }
    eprintln!("mutation outcomes: {outcomes:?}");
}

#[test]
fn error_codes_and_statuses() {
    let cases = [
        (
            MediaError::Unsupported { what: None },
            "unsupported_image_type",
            415,
        ),
        (MediaError::HeicUnsupported, "heic_not_supported", 415),
        (
            MediaError::TooManyPixels {
                width: 1,
                height: 1,
            },
            "image_too_many_pixels",
            413,
        ),
        (
            MediaError::TooLarge {
                width: 1,
                height: 1,
            },
            "image_dimensions_too_large",
            413,
        ),
        (MediaError::Corrupt("x".into()), "image_corrupt", 422),
    ];
    for (e, code, status) in cases {
        assert_eq!((e.code(), e.status()), (code, status));
        assert!(!e.to_string().is_empty());
    }
    assert_eq!(
        MediaError::Unsupported { what: Some("gif") }.to_string(),
        "unsupported image type (gif)"
    );
    assert_eq!(Format::Webp.as_str(), "webp");
    assert_eq!(Format::Heic.mime(), "image/heic");
    let l = Limits::default();
    assert_eq!(
        (l.max_pixels, l.max_side, l.max_alloc_bytes),
        (100_000_000, 20_000, 1 << 30)
    );
}

#[test]
fn sha256_known_vector() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

/// Release timing: `cargo test --release -- --ignored --nocapture bench_process`.
#[test]
#[ignore]
fn bench_process() {
    fn median(mut v: Vec<Duration>) -> Duration {
        v.sort();
        v[v.len() / 2]
    }
    let time = |bytes: &[u8], runs: usize| -> (Duration, Processed) {
        let mut last = None;
        let v = (0..runs)
            .map(|_| {
                let t = Instant::now();
                last = Some(process(bytes, &Limits::default()).unwrap());
                t.elapsed()
            })
            .collect();
        (median(v), last.unwrap())
    };
    if let Some(bytes) = fixture("xiaomi_mi9t_orient6.jpg") {
        let (d, p) = time(&bytes, 9);
        eprintln!(
            "xiaomi_mi9t_orient6.jpg ({} KB): process median {d:?}; display {}x{} {} KB, thumb {}x{}",
            bytes.len() / 1024, p.display.width, p.display.height, p.display.jpeg.len() / 1024,
            p.thumbnail.width, p.thumbnail.height
        );
        // Stage breakdown.
        let t = Instant::now();
        let dec = decode::decode(&bytes, Format::Jpeg, (4000, 3000), &Limits::default()).unwrap();
        let t_dec = t.elapsed();
        let t = Instant::now();
        let _ = derive::derive(dec.image, 6).unwrap();
        eprintln!(
            "  decode {t_dec:?}, derive (resize+orient+thumb+2 encodes) {:?}",
            t.elapsed()
        );
    }
    #[cfg(feature = "heic")]
    if let Some(bytes) = fixture("iphone_xr_gps.heic") {
        let (d, _) = time(&bytes, 5);
        eprintln!("iphone_xr_gps.heic: process median {d:?}");
    }
    // Synthetic 12 MP photo-like JPEG (4032x3024, q90, 4:2:0): gradient, shapes, noise.
    let (w, h) = (4032u32, 3024u32);
    let noise = lcg_bytes(42, (w * h) as usize);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let n = i32::from(noise[(y * w + x) as usize] % 48) - 24;
        let cx = (x as i32 - 2000).pow(2) + (y as i32 - 1500).pow(2);
        let base = [
            (x / 16) as i32,
            (y / 12) as i32,
            if cx < 1_000_000 { 220 } else { 60 },
        ];
        image::Rgb(base.map(|c| (c + n).clamp(0, 255) as u8))
    });
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90)
        .encode(
            img.as_raw(),
            w as u16,
            h as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    let mut jpeg420 = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut jpeg420, 90);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    enc.encode(
        img.as_raw(),
        w as u16,
        h as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .unwrap();
    let (d, _) = time(&jpeg420, 9);
    eprintln!(
        "synthetic 4032x3024 q90 4:2:0 ({} KB): process median {d:?}",
        jpeg420.len() / 1024
    );
    let (d, _) = time(&jpeg, 5);
    eprintln!(
        "synthetic 4032x3024 q90 4:4:4 ({} KB): process median {d:?}",
        jpeg.len() / 1024
    );
}
