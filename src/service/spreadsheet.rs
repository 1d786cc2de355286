//! Uploaded tables: XLSX (what inspection feedback lists arrive as) or CSV
//! (UTF-8 with or without BOM, or GB18030), read into plain cells. Row and
//! column positions are kept absolute, so errors name the row the office
//! sees in Excel.

use super::text_file;
use crate::domain::env_audit::Cell;
use calamine::{Data, DataType, Reader};
use std::io::Cursor;

/// XLSX files are ZIP archives.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

pub fn read(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, String> {
    if is_xlsx(bytes) {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, String> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| format!("无法读取XLSX文件 / cannot read the XLSX file: {e}"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("XLSX文件没有工作表 / the workbook has no sheet")?
        .map_err(|e| format!("无法读取工作表 / cannot read the first sheet: {e}"))?;
    let (row0, col0) = range
        .start()
        .map(|(r, c)| (r as usize, c as usize))
        .unwrap_or((0, 0));
    let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); row0];
    for r in range.rows() {
        let mut cells = vec![Cell::Empty; col0];
        cells.extend(r.iter().map(cell));
        rows.push(cells);
    }
    Ok(rows)
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            d.as_date().map(Cell::Date).unwrap_or(Cell::Empty)
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) => s
            .get(..10)
            .and_then(|s| s.parse().ok())
            .map(Cell::Date)
            .unwrap_or_else(|| Cell::Text(s.clone())),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, String> {
    let (text, _) = text_file::decode(bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| format!("CSV格式错误 / malformed CSV: {e}"))?;
        rows.push(
            rec.iter()
                .map(|f| {
                    if f.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(f.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(rows)
}
