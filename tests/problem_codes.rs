//! The problem `code`s are one list, `anhuan::error::codes::ALL`, and it
//! agrees with api-spec/problems.md in both directions. Code literals may
//! not come back into `src/`: constructors take `codes::X`.

use anhuan::error::codes::{self, ALL};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(anhuan::manifest_dir())
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The codes in the first column of the table in problems.md (`` | `code` | ``).
fn documented() -> Vec<String> {
    read(&root().join("api-spec/problems.md"))
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(code, _)| code.to_string())
        .collect()
}

fn looks_like_code(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_') && s.contains('_')
}

#[test]
fn all_has_no_duplicates() {
    let mut seen = BTreeSet::new();
    let dups: Vec<&str> = ALL.iter().copied().filter(|c| !seen.insert(*c)).collect();
    assert!(
        dups.is_empty(),
        "codes listed twice in codes::ALL: {dups:?}"
    );
    assert!(ALL.len() >= 50, "{ALL:?}");
    let bad: Vec<&str> = ALL
        .iter()
        .copied()
        .filter(|c| {
            c.is_empty()
                || c.starts_with('_')
                || c.ends_with('_')
                || !c.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
        .collect();
    assert!(bad.is_empty(), "codes must be snake_case: {bad:?}");
}

#[test]
fn every_code_is_documented() {
    let doc = read(&root().join("api-spec/problems.md"));
    let missing: Vec<&str> = ALL
        .iter()
        .copied()
        .filter(|c| !doc.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from api-spec/problems.md: {missing:?}"
    );
}

#[test]
fn every_documented_code_is_in_all() {
    let documented = documented();
    assert!(documented.len() >= 50, "{documented:?}");
    let unknown: Vec<&String> = documented
        .iter()
        .filter(|c| !ALL.contains(&c.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "api-spec/problems.md documents codes not in codes::ALL: {unknown:?}"
    );
}

/// Every `pub const NAME: &str = "name";` in codes.rs is in `ALL`, and each
/// constant is named after its value.
#[test]
fn every_constant_is_in_all() {
    let src = read(&root().join("src/error/codes.rs"));
    let mut consts = Vec::new();
    for line in src.lines() {
        let Some(rest) = line.strip_prefix("pub const ") else {
            continue;
        };
        let Some((name, value)) = rest.split_once(": &str = \"") else {
            continue;
        };
        let value = value.trim_end_matches("\";");
        assert_eq!(name, value.to_ascii_uppercase(), "{line}");
        consts.push(value.to_string());
    }
    assert_eq!(
        consts.len(),
        ALL.len(),
        "constants {consts:?} vs ALL {ALL:?}"
    );
    for c in &consts {
        assert!(ALL.contains(&c.as_str()), "{c} is not in codes::ALL");
    }
}

/// Codes computed at run time (status table, media errors) are all in `ALL`.
#[test]
fn derived_codes_are_in_all() {
    use actix_web::http::StatusCode;
    for s in 400..600u16 {
        let status = StatusCode::from_u16(s).unwrap();
        let (code, title) = anhuan::error::status_info(status);
        assert!(ALL.contains(&code), "{s}: {code}");
        assert_eq!(anhuan::error::title_for(status), title);
        assert_eq!(anhuan::error::default_code_for(status), code);
    }
    use anhuan::media::MediaError;
    for e in [
        MediaError::Unsupported { what: None },
        MediaError::HeicUnsupported,
        MediaError::TooManyPixels {
            width: 1,
            height: 1,
        },
        MediaError::TooLarge {
            width: 1,
            height: 1,
        },
        MediaError::Corrupt("x".into()),
    ] {
        assert!(ALL.contains(&e.code()), "{e:?}");
    }
    assert_eq!(
        anhuan::error::AppError::field("x", "y").code(),
        codes::VALIDATION_FAILED
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// String literals given as a code: `conflict("x"`, `bad_request("x"`,
/// `code: "x"`, `Problem::new(status, "x"` (any snake_case literal, so an
/// undocumented new code is caught too), and match arms `=> "x"` whose
/// value is a known code (`code()` and status tables).
fn literal_codes(src: &str) -> Vec<String> {
    // Calls wrapped over lines read the same as one-liners.
    let src = src
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(");
    let mut found = Vec::new();
    let mut take = |rest: &str, known_only: bool| {
        let Some(end) = rest.find('"') else { return };
        let lit = &rest[..end];
        if ALL.contains(&lit) || (!known_only && looks_like_code(lit)) {
            found.push(lit.to_string());
        }
    };
    for marker in ["conflict(\"", "bad_request(\"", "code: \""] {
        for (i, _) in src.match_indices(marker) {
            take(&src[i + marker.len()..], false);
        }
    }
    for (i, _) in src.match_indices("=> \"") {
        take(&src[i + 4..], true);
    }
    for (i, _) in src.match_indices("Problem::new(") {
        let args = &src[i + "Problem::new(".len()..];
        if let Some((_, second)) = args.split_once(", ") {
            if let Some(rest) = second.strip_prefix('"') {
                take(rest, false);
            }
        }
    }
    found
}

#[test]
fn guard_finds_literals() {
    let src = r#"AppError::conflict(
        "username_taken", "x"); AppError::bad_request("bad_body", d);
        AppError::PayloadTooLarge { code: "body_too_large", detail };
        Problem::new(StatusCode::NOT_FOUND, "route_not_found", d);
        Variant::Original => "original", E::X => "internal_error",
        AppError::conflict(codes::USERNAME_TAKEN, "not_a_code x")"#;
    assert_eq!(
        literal_codes(src),
        [
            "username_taken",
            "bad_body",
            "body_too_large",
            "internal_error",
            "route_not_found"
        ]
    );
}

#[test]
fn no_code_literals_in_src() {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let offenders: Vec<String> = files
        .iter()
        .filter(|p| !p.ends_with("error/codes.rs"))
        .filter_map(|p| {
            let lits = literal_codes(&read(p));
            let rel = p.strip_prefix(&root).unwrap_or(p).display().to_string();
            (!lits.is_empty()).then(|| format!("{rel}: {lits:?}"))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "use anhuan::error::codes constants, not string literals, for problem codes:\n  {}",
        offenders.join("\n  ")
    );
}
