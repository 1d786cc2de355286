//! EXIF reading with kamadak-exif. Never fails: broken or missing EXIF
//! degrades to missing fields.

use std::io::Cursor;

use ::exif::{Exif, Field, In, Reader, Tag, Value};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::Format;

/// The EXIF facts the service keeps about an evidence photo.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ExifInfo {
    /// DateTimeOriginal as written (camera local time, no zone).
    pub taken_at_local: Option<NaiveDateTime>,
    /// UTC offset in minutes, from OffsetTimeOriginal when present.
    pub offset_minutes: Option<i32>,
    /// GPSDateStamp + GPSTimeStamp: the satellite fix time, always UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gps_time_utc: Option<DateTime<Utc>>,
    /// WGS84 decimal degrees (S/W negative); all-zero or out of range => None.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Metres above sea level (negative below).
    pub altitude_m: Option<f64>,
    /// 1..=8 when present and valid.
    pub orientation: Option<u16>,
    pub make: Option<String>,
    pub model: Option<String>,
}

/// Reads EXIF from any supported container (JPEG APP1, PNG eXIf, WebP EXIF
/// chunk, HEIF Exif item). `format` is informational: the container is
/// recognised from the bytes. Works for HEIC without the `heic` feature.
pub fn read_exif(bytes: &[u8], format: Format) -> ExifInfo {
    let _ = format;
    // kamadak-exif is careful, but this runs on hostile input: guard anyway.
    let parsed = std::panic::catch_unwind(|| {
        let mut reader = Reader::new();
        reader.continue_on_error(true);
        let read = match webp_exif_chunk(bytes) {
            // kamadak-exif expects the bare TIFF structure in a WebP EXIF
            // chunk; many tools write the JPEG-style `Exif\0\0` first.
            Some(chunk) => reader.read_raw(
                chunk
                    .strip_prefix(b"Exif\0\0".as_slice())
                    .unwrap_or(chunk)
                    .to_vec(),
            ),
            None => reader.read_from_container(&mut Cursor::new(bytes)),
        };
        match read {
            Ok(exif) => Some(exif),
            Err(e) => e.distill_partial_result(|_errors| {}).ok(),
        }
    });
    match parsed {
        Ok(Some(exif)) => from_exif(&exif),
        _ => ExifInfo::default(),
    }
}

/// The payload of a WebP file's `EXIF` chunk (bounded walk over the RIFF
/// chunks; None when the file is not a WebP or has no such chunk).
fn webp_exif_chunk(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return None;
    }
    let mut at = 12usize;
    while at.checked_add(8)? <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        let start = at + 8;
        let end = start.checked_add(size)?;
        if id == b"EXIF" {
            return bytes.get(start..end);
        }
        at = end.checked_add(size % 2)?;
    }
    None
}

fn field(exif: &Exif, tag: Tag) -> Option<&Field> {
    exif.get_field(tag, In::PRIMARY)
}

fn ascii(exif: &Exif, tag: Tag) -> Option<&[u8]> {
    match &field(exif, tag)?.value {
        Value::Ascii(v) => v.first().map(|s| s.as_slice()),
        Value::Undefined(v, _) | Value::Byte(v) => Some(v.as_slice()),
        _ => None,
    }
}

fn text(exif: &Exif, tag: Tag) -> Option<String> {
    let raw = ascii(exif, tag)?;
    let s: String = String::from_utf8_lossy(raw)
        .chars()
        .filter(|c| !c.is_control())
        .take(128)
        .collect();
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn from_exif(exif: &Exif) -> ExifInfo {
    let orientation = field(exif, Tag::Orientation)
        .and_then(|f| f.value.get_uint(0))
        .filter(|o| (1..=8).contains(o))
        .map(|o| o as u16);
    let (lat, lon) = gps_position(exif).unzip();
    ExifInfo {
        taken_at_local: ascii(exif, Tag::DateTimeOriginal).and_then(parse_datetime),
        offset_minutes: ascii(exif, Tag::OffsetTimeOriginal).and_then(parse_offset),
        gps_time_utc: gps_time(exif),
        lat,
        lon,
        altitude_m: gps_altitude(exif),
        orientation,
        make: text(exif, Tag::Make),
        model: text(exif, Tag::Model),
    }
}

/// "YYYY:MM:DD HH:MM:SS" (dashes tolerated); zeros/blank => None.
pub(crate) fn parse_datetime(raw: &[u8]) -> Option<NaiveDateTime> {
    let s = std::str::from_utf8(raw)
        .ok()?
        .trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let sep_ok = matches!(b[4], b':' | b'-')
        && matches!(b[7], b':' | b'-')
        && matches!(b[10], b' ' | b'T')
        && b[13] == b':'
        && b[16] == b':';
    if !sep_ok {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)
}

/// "+HH:MM" / "-HH:MM" => minutes east of UTC.
pub(crate) fn parse_offset(raw: &[u8]) -> Option<i32> {
    let s = std::str::from_utf8(raw)
        .ok()?
        .trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let b = s.as_bytes();
    if b.len() != 6 || b[3] != b':' {
        return None;
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hh: i32 = s.get(1..3)?.parse().ok()?;
    let mm: i32 = s.get(4..6)?.parse().ok()?;
    if !(0..=14).contains(&hh) || !(0..60).contains(&mm) || hh * 60 + mm > 14 * 60 {
        return None;
    }
    Some(sign * (hh * 60 + mm))
}

fn rationals(exif: &Exif, tag: Tag) -> Option<Vec<f64>> {
    match &field(exif, tag)?.value {
        Value::Rational(v) if !v.is_empty() => v
            .iter()
            .take(3)
            .map(|r| (r.denom != 0).then(|| f64::from(r.num) / f64::from(r.denom)))
            .collect(),
        Value::SRational(v) if !v.is_empty() => v
            .iter()
            .take(3)
            .map(|r| (r.denom != 0).then(|| f64::from(r.num) / f64::from(r.denom)))
            .collect(),
        _ => None,
    }
}

fn dms(exif: &Exif, tag: Tag) -> Option<f64> {
    let v = rationals(exif, tag)?;
    let deg =
        v[0] + v.get(1).copied().unwrap_or(0.0) / 60.0 + v.get(2).copied().unwrap_or(0.0) / 3600.0;
    deg.is_finite().then_some(deg)
}

fn gps_position(exif: &Exif) -> Option<(f64, f64)> {
    let mut lat = dms(exif, Tag::GPSLatitude)?;
    let mut lon = dms(exif, Tag::GPSLongitude)?;
    let reference = |tag| {
        ascii(exif, tag)
            .and_then(|r| r.first().copied())
            .map(|c| c.to_ascii_uppercase())
    };
    if reference(Tag::GPSLatitudeRef) == Some(b'S') {
        lat = -lat;
    }
    if reference(Tag::GPSLongitudeRef) == Some(b'W') {
        lon = -lon;
    }
    let valid = lat.abs() <= 90.0 && lon.abs() <= 180.0 && !(lat == 0.0 && lon == 0.0);
    valid.then_some((lat, lon))
}

/// GPSDateStamp ("YYYY:MM:DD") and GPSTimeStamp (three rationals) as UTC.
fn gps_time(exif: &Exif) -> Option<DateTime<Utc>> {
    let date = ascii(exif, Tag::GPSDateStamp)?;
    let hms = rationals(exif, Tag::GPSTimeStamp)?;
    let (h, m, s) = (*hms.first()?, *hms.get(1)?, *hms.get(2)?);
    let whole = |v: f64, max: f64| (v.is_finite() && (0.0..max).contains(&v)).then_some(v);
    let (h, m, s) = (whole(h, 24.0)?, whole(m, 60.0)?, whole(s, 61.0)?);
    let raw = format!(
        "{} {:02}:{:02}:{:02}",
        std::str::from_utf8(date)
            .ok()?
            .trim_matches(|c: char| c == '\0' || c.is_whitespace()),
        h as u32,
        m as u32,
        (s as u32).min(59)
    );
    Some(parse_datetime(raw.as_bytes())?.and_utc())
}

fn gps_altitude(exif: &Exif) -> Option<f64> {
    let alt = *rationals(exif, Tag::GPSAltitude)?.first()?;
    let below = field(exif, Tag::GPSAltitudeRef).and_then(|f| f.value.get_uint(0)) == Some(1);
    let alt = if below { -alt } else { alt };
    (alt.is_finite() && (-12_000.0..=100_000.0).contains(&alt)).then_some(alt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_parsing() {
        let dt = parse_datetime(b"2022:07:16 16:27:30\0").unwrap();
        assert_eq!(
            dt.format("%Y-%m-%d %H:%M:%S").to_string(),
            "2022-07-16 16:27:30"
        );
        assert!(parse_datetime(b"0000:00:00 00:00:00").is_none());
        assert!(parse_datetime(b"    :  :     :  :  ").is_none());
        assert!(parse_datetime(b"2022:13:16 16:27:30").is_none());
        assert!(parse_datetime(b"2022:07:16 16:27:+1").is_none());
        assert!(parse_datetime("2022:07:16 16:27:3é".as_bytes()).is_none());
        assert!(parse_datetime(b"").is_none());
    }

    #[test]
    fn offset_parsing() {
        assert_eq!(parse_offset(b"+08:00"), Some(480));
        assert_eq!(parse_offset(b"-03:30\0"), Some(-210));
        assert_eq!(parse_offset(b"+15:00"), None);
        assert_eq!(parse_offset(b"08:00"), None);
        assert_eq!(parse_offset(b"+0a:00"), None);
    }

    #[test]
    fn garbage_never_fails() {
        let junk: Vec<&[u8]> = vec![
            b"",
            b"\xFF\xD8\xFF\xE1\x00\x10Exif\0\0MM\0*\xff\xff\xff\xff",
            b"\xFF\xD8\xFF\xE1\xFF\xFFExif\0\0II*\0",
            b"\x89PNG\r\n\x1a\n\xff\xff\xff\xffeXIf",
            b"RIFF\xff\xff\xff\xffWEBPEXIF\xff\xff\xff\x7f",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x01meta\xff\xff\xff\xff\xff\xff\xff\xff",
        ];
        for j in junk {
            assert_eq!(read_exif(j, Format::Jpeg), ExifInfo::default());
        }
    }
}
