//! Document evidence (检测报告, 验收意见, 评估报告, 公示截图): what the
//! bytes are, judged from the bytes alone, and the few checks that keep a
//! dangerous file out. Pure: no I/O, every scan bounded by the input.
//!
//! A document is never parsed beyond this. PDF: header, trailer (`%%EOF`,
//! `startxref` pointing at an `xref` table or an xref stream object),
//! `/Encrypt`, active content (`/JavaScript`, `/JS`, `/Launch`, also with
//! `#xx`-escaped names and inside Flate-compressed object streams, which
//! are inflated under a bound) and the page count (`/Type /Page` objects).
//! DOCX, XLSX and OFD are ZIP archives told apart by their entries; the
//! directory is read under bounds and every entry inflated into nothing,
//! at most one byte past its bound, so a ZIP bomb is refused.

use std::io::{Cursor, Read};

/// The kinds of document accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Pdf,
    Docx,
    Xlsx,
    Ofd,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Docx => "docx",
            DocKind::Xlsx => "xlsx",
            DocKind::Ofd => "ofd",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        [DocKind::Pdf, DocKind::Docx, DocKind::Xlsx, DocKind::Ofd]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            DocKind::Pdf => "application/pdf",
            DocKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            DocKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            DocKind::Ofd => "application/ofd",
        }
    }
}

/// What sniffing found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocInfo {
    pub kind: DocKind,
    /// PDF only.
    pub pages: Option<u32>,
}

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocError {
    /// Neither PDF nor one of the accepted ZIP-based formats.
    Unsupported,
    /// Looks like the kind but is broken (header, trailer, xref, archive).
    Malformed(String),
    /// An encrypted PDF (its content cannot be checked or read by others).
    Encrypted,
    /// Scripts or launch actions, named.
    ActiveContent(&'static str),
    /// The archive inflates beyond the bounds.
    TooLarge(String),
}

/// ZIP bounds: entries, each entry's inflated size, the whole.
pub const MAX_ZIP_ENTRIES: usize = 2_000;
pub const MAX_ZIP_ENTRY_BYTES: u64 = 64 << 20;
pub const MAX_ZIP_INFLATED_BYTES: u64 = 128 << 20;
/// PDF object streams inflated for the active-content scan, in all.
pub const MAX_PDF_INFLATED_BYTES: usize = 64 << 20;

pub fn inspect(bytes: &[u8]) -> Result<DocInfo, DocError> {
    if bytes.starts_with(b"%PDF-") {
        return pdf(bytes).map(|pages| DocInfo {
            kind: DocKind::Pdf,
            pages: Some(pages),
        });
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return zip_kind(bytes).map(|kind| DocInfo { kind, pages: None });
    }
    // A PDF header somewhere near the start, after junk: readers accept
    // it, we do not (it is how polyglot files slip through).
    if bytes.len() > 5 && find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
        return Err(DocError::Malformed(
            "PDF文件头不在开头 / the %PDF- header is not at the start".into(),
        ));
    }
    Err(DocError::Unsupported)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn malformed(m: &str) -> DocError {
    DocError::Malformed(format!("PDF文件已损坏 / the PDF is malformed: {m}"))
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    is_ws(b) || b"()<>[]{}/%".contains(&b)
}

/// The last `startxref N %%EOF` must sit at the end and point at an
/// `xref` table or an `n g obj` (xref stream) inside the file.
fn check_trailer(b: &[u8]) -> Result<(), DocError> {
    let tail_start = b.len().saturating_sub(2048);
    let tail = &b[tail_start..];
    let eof = rfind(tail, b"%%EOF").ok_or_else(|| malformed("没有%%EOF / no %%EOF"))?;
    let sx = rfind(&tail[..eof], b"startxref")
        .ok_or_else(|| malformed("没有startxref / no startxref"))?;
    let num: Vec<u8> = tail[sx + 9..eof]
        .iter()
        .copied()
        .filter(|c| !is_ws(*c))
        .collect();
    let off: usize = std::str::from_utf8(&num)
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| malformed("startxref不是数字 / startxref is not a number"))?;
    if off >= b.len() {
        return Err(malformed(
            "交叉引用表位置超出文件 / xref offset past the end",
        ));
    }
    let at = &b[off..b.len().min(off + 64)];
    let at = &at[at.iter().take_while(|c| is_ws(**c)).count()..];
    if at.starts_with(b"xref") || starts_with_obj_header(at) {
        Ok(())
    } else {
        Err(malformed(
            "startxref未指向交叉引用表 / startxref does not point at an xref section",
        ))
    }
}

/// `12 0 obj` at the start.
fn starts_with_obj_header(s: &[u8]) -> bool {
    let mut parts = s.split(|c| is_ws(*c)).filter(|p| !p.is_empty()).take(3);
    let num = |p: Option<&[u8]>| p.is_some_and(|p| p.iter().all(u8::is_ascii_digit));
    num(parts.next()) && num(parts.next()) && parts.next().is_some_and(|p| p.starts_with(b"obj"))
}

/// Names in PDF syntax (`/Type`), `#xx` escapes decoded, with the byte
/// offset after each.
fn names(b: &[u8]) -> impl Iterator<Item = (Vec<u8>, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            if b[i] != b'/' {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            let mut name = Vec::new();
            while j < b.len() && !is_delim(b[j]) {
                if b[j] == b'#' && j + 2 < b.len() {
                    if let Ok(v) =
                        u8::from_str_radix(&String::from_utf8_lossy(&b[j + 1..j + 3]), 16)
                    {
                        name.push(v);
                        j += 3;
                        continue;
                    }
                }
                name.push(b[j]);
                j += 1;
            }
            i = j;
            return Some((name, j));
        }
        None
    })
}

/// What a scan of some PDF text found.
#[derive(Default)]
struct Scan {
    pages: u32,
    encrypted: bool,
    active: Option<&'static str>,
    /// Offsets (after the name) of `/ObjStm`.
    object_streams: Vec<usize>,
}

fn scan(b: &[u8]) -> Scan {
    let mut s = Scan::default();
    let mut after_type = false;
    for (n, end) in names(b) {
        match n.as_slice() {
            b"Page" if after_type => s.pages += 1,
            b"Encrypt" => s.encrypted = true,
            b"JavaScript" | b"JS" => s.active = s.active.or(Some("JavaScript")),
            b"Launch" => s.active = s.active.or(Some("Launch")),
            b"ObjStm" if after_type => s.object_streams.push(end),
            _ => {}
        }
        after_type = n.as_slice() == b"Type";
    }
    s
}

/// The data of the stream whose dictionary holds the name at `from`,
/// and whether its filter is FlateDecode alone.
fn stream_after(b: &[u8], from: usize) -> Option<(&[u8], bool)> {
    let rest = &b[from..];
    let kw = find(rest, b"stream")?;
    let dict = &rest[..kw];
    let flate = find(dict, b"/FlateDecode").is_some()
        && names(dict).filter(|(n, _)| n.ends_with(b"Decode")).count() == 1;
    let mut start = kw + 6;
    if rest.get(start) == Some(&b'\r') {
        start += 1;
    }
    if rest.get(start) == Some(&b'\n') {
        start += 1;
    }
    let end = find(&rest[start..], b"endstream")? + start;
    Some((&rest[start..end], flate))
}

/// Checks a PDF; answers its page count.
fn pdf(b: &[u8]) -> Result<u32, DocError> {
    check_trailer(b)?;
    let mut s = scan(b);
    if s.encrypted {
        return Err(DocError::Encrypted);
    }
    // Objects inside compressed object streams are invisible to the raw
    // scan: inflate each (bounded in all) and scan it too.
    let mut budget = MAX_PDF_INFLATED_BYTES;
    for at in std::mem::take(&mut s.object_streams) {
        let Some((data, flate)) = stream_after(b, at) else {
            return Err(malformed("对象流不完整 / an object stream is cut off"));
        };
        if !flate {
            return Err(malformed(
                "对象流的编码无法检查 / an object stream has a filter that cannot be checked",
            ));
        }
        let mut out = Vec::new();
        let mut z = flate2::read::ZlibDecoder::new(data).take(budget as u64 + 1);
        z.read_to_end(&mut out)
            .map_err(|_| malformed("对象流无法解压 / an object stream does not inflate"))?;
        if out.len() > budget {
            return Err(DocError::TooLarge(
                "PDF对象流解压后过大 / the PDF's object streams inflate too far".into(),
            ));
        }
        budget -= out.len();
        let inner = scan(&out);
        s.pages += inner.pages;
        s.active = s.active.or(inner.active);
        s.encrypted |= inner.encrypted;
    }
    if let Some(what) = s.active {
        return Err(DocError::ActiveContent(what));
    }
    if s.encrypted {
        return Err(DocError::Encrypted);
    }
    if s.pages == 0 {
        return Err(malformed("没有页面 / no pages"));
    }
    Ok(s.pages)
}

fn zip_bad(e: &dyn std::fmt::Display) -> DocError {
    DocError::Malformed(format!("压缩包已损坏 / the archive is malformed: {e}"))
}

fn zip_too_large() -> DocError {
    DocError::TooLarge(format!(
        "压缩包解压后超过界限（单个部件{}MiB、合计{}MiB、{}个部件）/ the archive inflates past the bounds ({} MiB per part, {} MiB in all, {} parts)",
        MAX_ZIP_ENTRY_BYTES >> 20,
        MAX_ZIP_INFLATED_BYTES >> 20,
        MAX_ZIP_ENTRIES,
        MAX_ZIP_ENTRY_BYTES >> 20,
        MAX_ZIP_INFLATED_BYTES >> 20,
        MAX_ZIP_ENTRIES
    ))
}

/// DOCX (`word/document.xml`), XLSX (`xl/workbook.xml`), both with
/// `[Content_Types].xml`; OFD (`OFD.xml` at the root). The declared sizes
/// are checked first, then what each entry really inflates to.
fn zip_kind(b: &[u8]) -> Result<DocKind, DocError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(b)).map_err(|e| zip_bad(&e))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(zip_too_large());
    }
    let mut names = Vec::with_capacity(zip.len());
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|e| zip_bad(&e))?;
        if f.size() > MAX_ZIP_ENTRY_BYTES {
            return Err(zip_too_large());
        }
        declared = declared.saturating_add(f.size());
        names.push(f.name().map_err(|e| zip_bad(&e))?.into_owned());
    }
    if declared > MAX_ZIP_INFLATED_BYTES {
        return Err(zip_too_large());
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    let kind = if has("[Content_Types].xml") && has("word/document.xml") {
        DocKind::Docx
    } else if has("[Content_Types].xml") && has("xl/workbook.xml") {
        DocKind::Xlsx
    } else if has("OFD.xml") {
        DocKind::Ofd
    } else {
        return Err(DocError::Unsupported);
    };
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| zip_bad(&e))?;
        let n = std::io::copy(
            &mut (&mut part).take(MAX_ZIP_ENTRY_BYTES + 1),
            &mut std::io::sink(),
        )
        .map_err(|e| zip_bad(&e))?;
        total += n;
        if n > MAX_ZIP_ENTRY_BYTES || total > MAX_ZIP_INFLATED_BYTES {
            return Err(zip_too_large());
        }
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PDF with a correct xref offset around `body` objects.
    fn pdf_with(objects: &[&str]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        for (i, o) in objects.iter().enumerate() {
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    }

    const CATALOG: &str = "<< /Type /Catalog /Pages 2 0 R >>";
    const PAGES: &str = "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>";
    const PAGE: &str = "<< /Type /Page /Parent 2 0 R >>";

    #[test]
    fn counts_pages_of_a_good_pdf() {
        let b = pdf_with(&[CATALOG, PAGES, PAGE, PAGE]);
        assert_eq!(
            inspect(&b),
            Ok(DocInfo {
                kind: DocKind::Pdf,
                pages: Some(2)
            })
        );
    }

    #[test]
    fn refuses_bad_pdfs() {
        let good = pdf_with(&[CATALOG, PAGES, PAGE]);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (good[..good.len() - 20].to_vec(), "malformed"),
            (pdf_with(&[CATALOG, PAGES]), "malformed"),
            (
                pdf_with(&[
                    "<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
                    PAGE,
                ]),
                "active",
            ),
            (pdf_with(&["<< /S /J#61vaScript >>", PAGE]), "active"),
            (pdf_with(&["<< /S /Launch /F (cmd.exe) >>", PAGE]), "active"),
            (
                pdf_with(&["<< /Filter /Standard /V 2 >>", PAGE]).replace_trailer(),
                "encrypted",
            ),
        ];
        for (b, want) in cases {
            let got = inspect(&b);
            let ok = match want {
                "malformed" => matches!(got, Err(DocError::Malformed(_))),
                "active" => matches!(got, Err(DocError::ActiveContent(_))),
                "encrypted" => got == Err(DocError::Encrypted),
                _ => false,
            };
            assert!(ok, "{want}: {got:?} for {}", String::from_utf8_lossy(&b));
        }
    }

    trait Trailer {
        fn replace_trailer(self) -> Vec<u8>;
    }
    impl Trailer for Vec<u8> {
        fn replace_trailer(self) -> Vec<u8> {
            let s = String::from_utf8(self).unwrap();
            s.replace("<< /Root 1 0 R >>", "<< /Root 1 0 R /Encrypt 1 0 R >>")
                .into_bytes()
        }
    }

    #[test]
    fn javascript_inside_an_object_stream_is_found() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"<< /S /JavaScript /JS (x) >>").unwrap();
        let data = z.finish().unwrap();
        let mut out = b"%PDF-1.7\n1 0 obj\n<< /Type /Page >>\nendobj\n2 0 obj\n".to_vec();
        out.extend_from_slice(
            format!(
                "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream\nendobj\n");
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 1\n0000000000 65535 f \ntrailer\n<< >>\nstartxref\n{xref}\n%%EOF\n")
                .as_bytes(),
        );
        assert_eq!(inspect(&out), Err(DocError::ActiveContent("JavaScript")));
    }

    #[test]
    fn other_bytes_are_unsupported() {
        assert_eq!(
            inspect(b"MZ\x90\x00rest of an exe"),
            Err(DocError::Unsupported)
        );
        assert!(matches!(
            inspect(b"junk%PDF-1.4 ..."),
            Err(DocError::Malformed(_))
        ));
    }
}
