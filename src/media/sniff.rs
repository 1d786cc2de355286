//! Format detection from magic bytes only (never file names or the
//! client's content type). Pass at least the first 64 bytes; the whole
//! upload is fine too.

use super::Format;

const HEVC_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
];
const AVIF_BRANDS: &[&[u8; 4]] = &[b"avif", b"avis"];
const HEIF_GENERIC_BRANDS: &[&[u8; 4]] = &[b"mif1", b"msf1", b"mif2"];

/// Detects an accepted format from magic bytes. `None` if unknown or
/// refused (see [`describe_unsupported`]).
pub fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(Format::Webp);
    }
    match ftyp_kind(head) {
        Some(FtypKind::Heic) => Some(Format::Heic),
        _ => None,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum FtypKind {
    Heic,
    Avif,
    Other,
}

/// Classifies an ISO-BMFF file by its `ftyp` brands.
fn ftyp_kind(head: &[u8]) -> Option<FtypKind> {
    if head.len() < 12 || &head[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let end = size.clamp(12, 4096).min(head.len());
    let major = &head[8..12];
    // Compatible brands start after the 4-byte minor version.
    let compat = if end > 16 { &head[16..end] } else { &[][..] };
    let brands = std::iter::once(major).chain(compat.chunks_exact(4));
    let mut heif_generic = false;
    let mut avif = false;
    for b in brands {
        if HEVC_BRANDS.iter().any(|x| &x[..] == b) {
            return Some(FtypKind::Heic);
        }
        avif |= AVIF_BRANDS.iter().any(|x| &x[..] == b);
        heif_generic |= HEIF_GENERIC_BRANDS.iter().any(|x| &x[..] == b);
    }
    Some(if avif {
        FtypKind::Avif
    } else if heif_generic {
        FtypKind::Heic
    } else {
        FtypKind::Other
    })
}

/// Names a recognised but refused type for error messages ("tiff", "gif",
/// "svg/xml", "html", "pdf", "bmp", ...). `None` if unknown or accepted.
pub fn describe_unsupported(head: &[u8]) -> Option<&'static str> {
    if sniff(head).is_some() {
        return None;
    }
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        return Some("tiff");
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some("gif");
    }
    if starts(b"%PDF-") {
        return Some("pdf");
    }
    if head.len() >= 14 && starts(b"BM") && head[6..10] == [0, 0, 0, 0] {
        return Some("bmp");
    }
    if head.len() >= 6 && starts(&[0, 0, 1, 0]) && head[4..6] != [0, 0] {
        return Some("ico");
    }
    if starts(b"8BPS") {
        return Some("psd");
    }
    if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL \r\n\x87\n") {
        return Some("jxl");
    }
    if starts(b"\0\0\0\x0cjP  \r\n\x87\n") || starts(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Some("jpeg2000");
    }
    if head.len() >= 12 && starts(b"RIFF") {
        return Some(match &head[8..12] {
            b"AVI " => "video",
            b"WAVE" => "audio",
            _ => "riff",
        });
    }
    match ftyp_kind(head) {
        Some(FtypKind::Avif) => return Some("avif"),
        Some(FtypKind::Other) => return Some("video"),
        Some(FtypKind::Heic) | None => {}
    }
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some("video");
    }
    if starts(b"PK\x03\x04") {
        return Some("zip");
    }
    markup_kind(head)
}

/// Recognises HTML and SVG/XML text (after an optional BOM and whitespace).
fn markup_kind(head: &[u8]) -> Option<&'static str> {
    let mut s = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    while let Some((&c, rest)) = s.split_first() {
        if c.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    if s.first() != Some(&b'<') {
        return None;
    }
    let window = &s[..s.len().min(1024)];
    let lower: Vec<u8> = window.to_ascii_lowercase();
    let begins = |m: &[u8]| lower.starts_with(m);
    let contains = |m: &[u8]| lower.windows(m.len()).any(|w| w == m);
    if begins(b"<!doctype html")
        || begins(b"<html")
        || begins(b"<head")
        || begins(b"<body")
        || begins(b"<script")
        || begins(b"<meta")
        || begins(b"<title")
    {
        return Some("html");
    }
    if begins(b"<svg") || begins(b"<?xml") || begins(b"<!doctype svg") {
        return Some(if contains(b"<html") && !contains(b"<svg") {
            "html"
        } else {
            "svg/xml"
        });
    }
    if begins(b"<!--") {
        if contains(b"<svg") {
            return Some("svg/xml");
        }
        if contains(b"<html") || contains(b"<!doctype html") {
            return Some("html");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_accepted_formats() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Format::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            Some(Format::Heic)
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic"),
            Some(Format::Heic)
        );
        assert_eq!(sniff(b"\0\0\0\x14ftypmif1\0\0\0\0mif1"), Some(Format::Heic));
    }

    #[test]
    fn refuses_and_names_others() {
        let cases: &[(&[u8], &str)] = &[
            (b"II*\0\x08\0\0\0", "tiff"),
            (b"MM\0*\0\0\0\x08", "tiff"),
            (b"GIF89a\x01\0\x01\0", "gif"),
            (b"%PDF-1.7\n", "pdf"),
            (b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0", "bmp"),
            (
                b"\xEF\xBB\xBF  <?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                "svg/xml",
            ),
            (
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
                "svg/xml",
            ),
            (b"\n<!DOCTYPE html><html><body>x</body></html>", "html"),
            (b"<HTML><HEAD>", "html"),
            (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf", "avif"),
            (b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2", "video"),
            (b"PK\x03\x04\x14\0", "zip"),
        ];
        for (bytes, what) in cases {
            assert_eq!(sniff(bytes), None, "{what}");
            assert_eq!(
                describe_unsupported(bytes),
                Some(*what),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn unknown_and_short_inputs() {
        for b in [
            &b""[..],
            &b"\xFF"[..],
            &b"\xFF\xD8"[..],
            &b"RIFF"[..],
            &b"\0\0\0\x08ftyp"[..],
            &b"hello world"[..],
            &b"<p>"[..],
        ] {
            assert_eq!(sniff(b), None);
            assert_eq!(describe_unsupported(b), None, "{b:?}");
        }
        assert_eq!(
            describe_unsupported(b"\xFF\xD8\xFF"),
            None,
            "accepted types are not 'unsupported'"
        );
    }
}
