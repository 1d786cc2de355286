//! Every problem `code` the code can emit is documented in
//! api-spec/problems.md, so clients can rely on the list.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(std::fs::read_to_string(&p).unwrap());
        }
    }
}

/// The string literal right after each marker, e.g. `conflict("username_taken"`.
fn codes(src: &str) -> Vec<String> {
    // Calls wrapped over lines read the same as one-liners.
    let src = src
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(");
    let src = src.as_str();
    let mut found = Vec::new();
    for marker in ["conflict(\"", "bad_request(\"", "code: \"", "=> \""] {
        for (i, _) in src.match_indices(marker) {
            let rest = &src[i + marker.len()..];
            let end = rest.find('"').unwrap();
            let lit = &rest[..end];
            if !lit.is_empty()
                && lit.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && lit.contains('_')
            {
                found.push(lit.to_string());
            }
        }
    }
    found
}

#[test]
fn every_code_is_documented() {
    let root_dir = anhuan::manifest_dir();
    let root = Path::new(&root_dir);
    let doc = std::fs::read_to_string(root.join("api-spec/problems.md")).unwrap();
    let mut sources = Vec::new();
    rust_files(&root.join("src/api"), &mut sources);
    rust_files(&root.join("src/service"), &mut sources);
    rust_files(&root.join("src/media"), &mut sources);
    sources.push(std::fs::read_to_string(root.join("src/error.rs")).unwrap());
    let mut all: Vec<String> = sources.iter().flat_map(|s| codes(s)).collect();
    all.sort();
    all.dedup();
    assert!(all.len() >= 15, "{all:?}");
    let missing: Vec<&String> = all
        .iter()
        .filter(|c| !doc.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from api-spec/problems.md: {missing:?}"
    );
}
