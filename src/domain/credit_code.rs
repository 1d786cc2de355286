//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters from a 31-symbol alphabet (digits and upper-case letters
//! without I, O, Z, S, V). The last character is a check character over the
//! first 17, weighted by 3^i mod 31.

use std::fmt;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditCodeError {
    Length(usize),
    Character { position: usize, found: char },
    Checksum { expected: char, found: char },
}

impl fmt::Display for CreditCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(
                f,
                "统一社会信用代码应为18位，实际为{n}位 / must be 18 characters, got {n}"
            ),
            Self::Character { position, found } => write!(
                f,
                "第{position}位字符“{found}”不合法 / character {found:?} at position {position} is not allowed"
            ),
            Self::Checksum { expected, found } => write!(
                f,
                "校验码错误：应为{expected}，实际为{found} / check character should be {expected}, found {found}"
            ),
        }
    }
}

impl std::error::Error for CreditCodeError {}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, if they are all valid.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        sum += value_of(b)? * WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

impl CreditCode {
    /// Parses a code, accepting lower case and surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code: String = input.trim().to_ascii_uppercase();
        let n = code.chars().count();
        if n != 18 {
            return Err(CreditCodeError::Length(n));
        }
        for (i, c) in code.chars().enumerate() {
            if !c.is_ascii() || value_of(c as u8).is_none() {
                return Err(CreditCodeError::Character {
                    position: i + 1,
                    found: c,
                });
            }
        }
        let expected = check_character(&code[..17]).expect("validated above");
        let found = code.as_bytes()[17] as char;
        if expected != found {
            return Err(CreditCodeError::Checksum { expected, found });
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published codes of real organisations (from their public registrations).
    const REAL: &[&str] = &[
        "91350100M000100Y43", // example in GB 32100-2015 appendix
        "911100001000080343", // 中国石油天然气股份有限公司
        "914403001922038216", // 华为技术有限公司
    ];

    #[test]
    fn accepts_real_codes() {
        for code in REAL {
            let parsed = CreditCode::parse(code);
            assert!(parsed.is_ok(), "{code}: {parsed:?}");
        }
    }

    #[test]
    fn accepts_lower_case_and_spaces() {
        assert_eq!(
            CreditCode::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn rejects_wrong_check_character() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::Checksum {
                expected: '3',
                found: '4'
            })
        );
    }

    #[test]
    fn every_single_character_change_is_caught() {
        let good = "914403001922038216";
        for pos in 0..18 {
            for &c in ALPHABET.iter() {
                let mut bytes = good.as_bytes().to_vec();
                if bytes[pos] == c {
                    continue;
                }
                bytes[pos] = c;
                let s = String::from_utf8(bytes).unwrap();
                assert!(CreditCode::parse(&s).is_err(), "{s} should fail");
            }
        }
    }

    #[test]
    fn rejects_bad_length_and_letters() {
        assert_eq!(
            CreditCode::parse("9135010"),
            Err(CreditCodeError::Length(7))
        );
        assert_eq!(
            CreditCode::parse("91350100M000100I43"),
            Err(CreditCodeError::Character {
                position: 16,
                found: 'I'
            })
        );
        assert!(matches!(
            CreditCode::parse("９１350100M000100Y43"),
            Err(CreditCodeError::Character { position: 1, .. })
        ));
    }

    #[test]
    fn check_character_matches_standard_example() {
        assert_eq!(check_character("91350100M000100Y4"), Some('3'));
    }
}
