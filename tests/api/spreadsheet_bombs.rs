//! Spreadsheet bombs (issue 17): an XLSX of about 1 MiB whose shared
//! strings inflate to 1 GiB, with its ZIP directory telling the truth or
//! lying about the size, answers 413/422 quickly and leaves the server
//! serving. (Memory is measured by scripts/bench-xlsx-bomb.sh, not here.)

use crate::helpers::*;
use flate2::{Compress, Compression, FlushCompress};
use serde_json::Value;
use std::time::{Duration, Instant};

const GIB: usize = 1 << 30;
const CHUNK: usize = 1 << 20;

/// Raw deflate of `data` from an empty window, ending on a byte boundary
/// without a final block: such pieces can be concatenated.
pub(crate) fn deflate_piece(data: &[u8], finish: bool) -> Vec<u8> {
    let mut c = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() + 1024);
    let flush = if finish {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    c.compress_vec(data, &mut out, flush).unwrap();
    assert_eq!(c.total_in() as usize, data.len());
    out
}

pub(crate) struct Part {
    pub name: String,
    pub method: u16,
    pub crc: u32,
    pub declared: u32,
    pub data: Vec<u8>,
}

pub(crate) fn stored(name: &str, data: Vec<u8>) -> Part {
    Part {
        name: name.into(),
        method: 0,
        crc: crc32fast::hash(&data),
        declared: data.len() as u32,
        data,
    }
}

/// A ZIP archive written by hand (so a part may carry a lying size).
pub(crate) fn zip_of(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for p in parts {
        let offset = out.len() as u32;
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&p.method.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // time
            v.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
            v.extend_from_slice(&p.crc.to_le_bytes());
            v.extend_from_slice(&(p.data.len() as u32).to_le_bytes());
            v.extend_from_slice(&p.declared.to_le_bytes());
            v.extend_from_slice(&(p.name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&0x04034b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(p.name.as_bytes());
        out.extend_from_slice(&p.data);
        central.extend_from_slice(&0x02014b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        common(&mut central);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attrs
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(p.name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x06054b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A real one-sheet workbook whose shared strings are replaced by one
/// string of 1 GiB ('A' repeated), deflated to about 1 MiB.
fn bomb(lying_directory: bool) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "序号").unwrap();
    let plain = book.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
    let mut parts = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        if name == "xl/sharedStrings.xml" {
            continue;
        }
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        parts.push(stored(&name, data));
    }
    let head = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#;
    let tail = b"</t></si></sst>";
    let chunk = vec![b'A'; CHUNK];
    let mut data = deflate_piece(head, false);
    let piece = deflate_piece(&chunk, false);
    let mut crc = crc32fast::Hasher::new();
    crc.update(head);
    for _ in 0..GIB / CHUNK {
        data.extend_from_slice(&piece);
        crc.update(&chunk);
    }
    data.extend_from_slice(&deflate_piece(tail, true));
    crc.update(tail);
    let size = head.len() + GIB + tail.len();
    parts.push(Part {
        name: "xl/sharedStrings.xml".into(),
        method: 8,
        crc: crc.finalize(),
        declared: if lying_directory { 1000 } else { size as u32 },
        data,
    });
    zip_of(&parts)
}

#[actix_web::test]
async fn xlsx_bombs_answer_quickly_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    let (_, officer) = app.user("safety_officer", None, &[]).await;
    let batch = app
        .env_audit_batch(&officer, "督察", "渝督改〔2026〕9号")
        .await;
    for lying in [false, true] {
        let bytes = bomb(lying);
        assert!(
            bytes.len() < 2 << 20,
            "a small upload: {} bytes",
            bytes.len()
        );
        let started = Instant::now();
        let r = app
            .client
            .post(app.url(&format!("/api/v1/env-audits/{batch}/import")))
            .bearer_auth(&officer)
            .header(
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .body(bytes)
            .send()
            .await
            .unwrap();
        let took = started.elapsed();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert!(
            matches!(status, 413 | 422),
            "lying={lying}: {status} {body}"
        );
        assert!(
            took < Duration::from_secs(10),
            "lying={lying}: answered after {took:?}"
        );
    }
    // Still serving.
    let r = app
        .get(&format!("/api/v1/env-audits/{batch}"), &officer)
        .await;
    assert_eq!(r.status(), 200);
}
