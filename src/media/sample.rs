//! Photos made from nothing: a picture with a clear "up", stored under any
//! EXIF orientation, with EXIF written as a camera would (APP1 in JPEG,
//! `eXIf` in PNG, `EXIF` in WebP, with or without the `Exif\0\0` header).
//!
//! Used by `anhuan demo files` (the README's walkthrough photo) and by the
//! test suites, so that a fresh clone needs no photo folder. The TIFF/EXIF
//! bytes are written by kamadak-exif's writer, the pixels by `image`.

use std::io::Cursor;

use ::exif::experimental::Writer;
use ::exif::{Field, In, Rational, Tag, Value};
use image::{ImageEncoder, RgbImage};

/// What a sample photo's EXIF says. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifSpec {
    /// 1..=8 (written as is, even when out of range, to test readers).
    pub orientation: Option<u16>,
    /// DateTimeOriginal, "YYYY:MM:DD HH:MM:SS".
    pub date_time_original: Option<String>,
    /// OffsetTimeOriginal, "+08:00".
    pub offset_time_original: Option<String>,
    /// GPSDateStamp "YYYY:MM:DD" and GPSTimeStamp (h, m, s) in UTC.
    pub gps_date: Option<String>,
    pub gps_time: Option<(u32, u32, u32)>,
    /// WGS84 degrees, S/W negative.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub altitude_m: Option<f64>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// Byte order of the TIFF structure.
    pub little_endian: bool,
}

fn ascii(tag: Tag, s: &str) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![s.as_bytes().to_vec()]),
    }
}

fn rationals(tag: Tag, v: &[(u32, u32)]) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Rational(
            v.iter()
                .map(|&(num, denom)| Rational { num, denom })
                .collect(),
        ),
    }
}

/// Degrees as EXIF degrees/minutes/seconds (seconds to 1/10000).
fn dms(deg: f64) -> [(u32, u32); 3] {
    let deg = deg.abs();
    let d = deg.trunc();
    let m = ((deg - d) * 60.0).trunc();
    let s = ((deg - d) * 60.0 - m) * 60.0;
    [
        (d as u32, 1),
        (m as u32, 1),
        ((s * 10_000.0).round() as u32, 10_000),
    ]
}

impl ExifSpec {
    /// The TIFF structure (what follows `Exif\0\0` in a JPEG APP1).
    pub fn tiff(&self) -> Vec<u8> {
        let mut fields = Vec::new();
        if let Some(o) = self.orientation {
            fields.push(Field {
                tag: Tag::Orientation,
                ifd_num: In::PRIMARY,
                value: Value::Short(vec![o]),
            });
        }
        if let Some(m) = &self.make {
            fields.push(ascii(Tag::Make, m));
        }
        if let Some(m) = &self.model {
            fields.push(ascii(Tag::Model, m));
        }
        if let Some(t) = &self.date_time_original {
            fields.push(ascii(Tag::DateTimeOriginal, t));
        }
        if let Some(o) = &self.offset_time_original {
            fields.push(ascii(Tag::OffsetTimeOriginal, o));
        }
        if let Some(d) = &self.gps_date {
            fields.push(ascii(Tag::GPSDateStamp, d));
        }
        if let Some((h, m, s)) = self.gps_time {
            fields.push(rationals(Tag::GPSTimeStamp, &[(h, 1), (m, 1), (s, 1)]));
        }
        if let (Some(lat), Some(lon)) = (self.lat, self.lon) {
            fields.push(ascii(
                Tag::GPSLatitudeRef,
                if lat < 0.0 { "S" } else { "N" },
            ));
            fields.push(rationals(Tag::GPSLatitude, &dms(lat)));
            fields.push(ascii(
                Tag::GPSLongitudeRef,
                if lon < 0.0 { "W" } else { "E" },
            ));
            fields.push(rationals(Tag::GPSLongitude, &dms(lon)));
        }
        if let Some(alt) = self.altitude_m {
            fields.push(Field {
                tag: Tag::GPSAltitudeRef,
                ifd_num: In::PRIMARY,
                value: Value::Byte(vec![u8::from(alt < 0.0)]),
            });
            fields.push(rationals(
                Tag::GPSAltitude,
                &[((alt.abs() * 100.0).round() as u32, 100)],
            ));
        }
        if fields.is_empty() {
            // A TIFF needs one IFD with one entry.
            fields.push(ascii(Tag::Software, "anhuan"));
        }
        let mut w = Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut out = Cursor::new(Vec::new());
        w.write(&mut out, self.little_endian)
            .expect("writing EXIF to memory cannot fail");
        out.into_inner()
    }
}

/// A landscape test card `w`×`h` with an unmistakable "up": a red bar along
/// the top edge, a blue block in the top-left corner, a gradient elsewhere
/// (varied with `seed`, so each seed hashes differently).
pub fn card(w: u32, h: u32, seed: u32) -> RgbImage {
    let bar = (h / 8).max(1);
    let block = (w / 4).max(1);
    RgbImage::from_fn(w, h, |x, y| {
        if y < bar {
            image::Rgb([220, 30, 30])
        } else if x < block && y < bar * 3 {
            image::Rgb([30, 30, 220])
        } else {
            image::Rgb([
                (x * 200 / w) as u8 ^ (seed as u8 & 0x0F),
                (y * 200 / h) as u8,
                100u8.wrapping_add((seed >> 4) as u8),
            ])
        }
    })
}

/// What a camera holding the card stores for EXIF orientation `o`: the
/// inverse of the transform a viewer applies (so that applying `o` gives
/// the card back).
pub fn stored_for(upright: &RgbImage, o: u16) -> RgbImage {
    use image::imageops::{flip_horizontal, flip_vertical, rotate180, rotate270, rotate90};
    match o {
        2 => flip_horizontal(upright),
        3 => rotate180(upright),
        4 => flip_vertical(upright),
        // 5 = transpose (its own inverse)
        5 => flip_horizontal(&rotate90(upright)),
        // viewer rotates 90° clockwise: store 90° anticlockwise
        6 => rotate270(upright),
        // 7 = transverse (its own inverse)
        7 => flip_horizontal(&rotate270(upright)),
        8 => rotate90(upright),
        _ => upright.clone(),
    }
}

/// A baseline JPEG (quality 90) with an APP1 EXIF segment right after SOI.
pub fn jpeg(img: &RgbImage, exif: Option<&ExifSpec>) -> Vec<u8> {
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(img)
        .expect("encoding a JPEG to memory cannot fail");
    let Some(exif) = exif else { return plain };
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&exif.tiff());
    let len = u16::try_from(payload.len() + 2).expect("EXIF fits one APP1 segment");
    let mut out = Vec::with_capacity(plain.len() + payload.len() + 4);
    out.extend_from_slice(&plain[..2]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
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

/// A PNG with an `eXIf` chunk (bare TIFF, as the PNG spec says) after IHDR.
pub fn png(img: &RgbImage, exif: Option<&ExifSpec>) -> Vec<u8> {
    let mut plain = Vec::new();
    image::codecs::png::PngEncoder::new(&mut plain)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encoding a PNG to memory cannot fail");
    let Some(exif) = exif else { return plain };
    let tiff = exif.tiff();
    // Signature (8) + IHDR chunk (4 + 4 + 13 + 4).
    let at = 8 + 25;
    let mut chunk = (tiff.len() as u32).to_be_bytes().to_vec();
    let mut body = b"eXIf".to_vec();
    body.extend_from_slice(&tiff);
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32(&body).to_be_bytes());
    let mut out = plain[..at].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&plain[at..]);
    out
}

/// A lossless WebP in the extended format (VP8X) with an `EXIF` chunk;
/// `exif_header` puts `Exif\0\0` before the TIFF bytes, as many tools do.
pub fn webp(img: &RgbImage, exif: Option<&ExifSpec>, exif_header: bool) -> Vec<u8> {
    let mut plain = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut plain)
        .encode(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encoding a WebP to memory cannot fail");
    let Some(exif) = exif else { return plain };
    // plain = RIFF size WEBP VP8L…; rebuild as RIFF WEBP VP8X VP8L EXIF.
    let vp8l = &plain[12..];
    let mut payload = if exif_header {
        b"Exif\0\0".to_vec()
    } else {
        Vec::new()
    };
    payload.extend_from_slice(&exif.tiff());
    let mut vp8x = b"VP8X".to_vec();
    vp8x.extend_from_slice(&10u32.to_le_bytes());
    vp8x.extend_from_slice(&[0x08, 0, 0, 0]); // EXIF flag
    let (w1, h1) = (img.width() - 1, img.height() - 1);
    vp8x.extend_from_slice(&w1.to_le_bytes()[..3]);
    vp8x.extend_from_slice(&h1.to_le_bytes()[..3]);
    let mut exif_chunk = b"EXIF".to_vec();
    exif_chunk.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    exif_chunk.extend_from_slice(&payload);
    if payload.len() % 2 == 1 {
        exif_chunk.push(0);
    }
    let mut body = b"WEBP".to_vec();
    body.extend_from_slice(&vp8x);
    body.extend_from_slice(vp8l);
    body.extend_from_slice(&exif_chunk);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The walkthrough's photo: a 1600×1200 card stored as a phone held
/// upright would (orientation 6, so it is 1200×1600 upright), taken
/// `date_time_original` park time (+08:00) at (`lat`, `lon`).
pub fn demo_photo(date_time_original: &str, lat: f64, lon: f64) -> Vec<u8> {
    let upright = card(1200, 1600, 17);
    let exif = ExifSpec {
        orientation: Some(6),
        date_time_original: Some(date_time_original.to_string()),
        offset_time_original: Some("+08:00".into()),
        lat: Some(lat),
        lon: Some(lon),
        altitude_m: Some(512.0),
        make: Some("anhuan".into()),
        model: Some("demo".into()),
        ..ExifSpec::default()
    };
    jpeg(&stored_for(&upright, 6), Some(&exif))
}
