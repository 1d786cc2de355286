//! Uploaded text (CSV) in whatever encoding a Chinese office PC saved it:
//! a BOM wins; otherwise strict UTF-8; otherwise GB18030 (a superset of
//! GBK and GB2312). Bytes that are neither are refused, never stored as
//! replacement characters.

use encoding_rs::{Encoding, GB18030};

/// The longest line a table may have (64 columns of long text fit).
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// The most fields a line of an uploaded table may have.
pub const MAX_FIELDS: usize = 64;

/// Refuses a text with a line longer than [`MAX_LINE_BYTES`] or with more
/// than `max_fields` separators' worth of fields on one line (counted
/// before any quoting, so a bound, not the parse). Runs in one pass over
/// the text, before a CSV parser holds any record.
pub fn check_lines(text: &str, max_fields: usize) -> Result<(), String> {
    // Quoted commas count too: allow generously more than the columns.
    let max_commas = max_fields * 16;
    for (i, line) in text.split('\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            return Err(format!(
                "第{}行超过{}KiB / line {} is longer than {} KiB",
                i + 1,
                MAX_LINE_BYTES >> 10,
                i + 1,
                MAX_LINE_BYTES >> 10
            ));
        }
        if bytecount_commas(line) > max_commas {
            return Err(format!(
                "第{}行的字段过多 / line {} has too many fields",
                i + 1,
                i + 1
            ));
        }
    }
    Ok(())
}

fn bytecount_commas(line: &str) -> usize {
    line.bytes().filter(|b| *b == b',').count()
}

/// Decodes an uploaded table's text and bounds its lines and fields
/// ([`check_lines`] with [`MAX_FIELDS`]): every CSV reader (the feedback
/// import, the enterprise register import) goes through here.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    let (text, encoding) = decode_text(bytes)?;
    check_lines(&text, MAX_FIELDS)?;
    Ok((text, encoding))
}

fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(format!(
                "文件声明为{}但内容无法解码 / not valid {}",
                enc.name(),
                enc.name()
            ));
        }
        return Ok((text.into_owned(), enc.name()));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8"));
    }
    let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err("文件既不是UTF-8也不是GB18030编码 / file is neither UTF-8 nor GB18030".into());
    }
    Ok((text.into_owned(), GB18030.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_encodings() {
        let s = "企业名称,统一社会信用代码\n黔江铝业,91350100M000100Y43\n";
        let (gb, _, _) = GB18030.encode(s);
        assert_eq!(decode(&gb).unwrap(), (s.to_string(), "gb18030"));
        assert_eq!(decode(s.as_bytes()).unwrap(), (s.to_string(), "UTF-8"));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(s.as_bytes());
        assert_eq!(decode(&bom).unwrap().0, s);
        assert!(decode(&[0xFF, 0xFF, 0xFF, 0x30]).is_err());
    }

    #[test]
    fn bounds_lines_and_fields() {
        assert!(check_lines("a,b,c\n1,2,3\n", 64).is_ok());
        let long = "x".repeat(MAX_LINE_BYTES + 1);
        assert!(check_lines(&format!("a\n{long}\n"), 64)
            .unwrap_err()
            .contains("line 2"));
        let wide = ",".repeat(64 * 16 + 1);
        assert!(check_lines(&wide, 64)
            .unwrap_err()
            .contains("too many fields"));
    }
}
