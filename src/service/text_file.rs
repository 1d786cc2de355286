//! Uploaded text (CSV) in whatever encoding a Chinese office PC saved it:
//! a BOM wins; otherwise strict UTF-8; otherwise GB18030 (a superset of
//! GBK and GB2312). Bytes that are neither are refused, never stored as
//! replacement characters.

use encoding_rs::{Encoding, GB18030};

pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
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
}
