//! Embeds the checklist templates (checklists/*.toml) into the binary, so
//! `anhuan serve` loads them wherever it is started from.

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=checklists");
    // Read at run time: `env!` would bake in the path of whichever clone
    // first compiled this script, and a shared target folder reuses it.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("checklists");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("checklists/ folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("pub const FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            f.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("checklists.rs");
    std::fs::write(dest, out).unwrap();
}
