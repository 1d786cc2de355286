//! Uploaded tables: XLSX (what inspection feedback lists arrive as) or CSV
//! (UTF-8 with or without BOM, or GB18030), read into plain cells. Row and
//! column positions are absolute, so errors name the row the office sees
//! in Excel. XLSX cells are read one by one within fixed bounds: a sheet
//! that declares a cell at XFD1048576 never makes us allocate its grid.

use super::text_file;
use crate::domain::env_audit::Cell;
use calamine::{DataRef, DataType, Reader, Xlsx};
use std::io::Cursor;

pub const MAX_ROWS: usize = 10_000;
pub const MAX_COLS: usize = 64;

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

fn too_big() -> String {
    format!("表格超过{MAX_ROWS}行或{MAX_COLS}列 / the sheet is larger than {MAX_ROWS} rows or {MAX_COLS} columns")
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, String> {
    let bad =
        |e: &dyn std::fmt::Display| format!("无法读取XLSX文件 / cannot read the XLSX file: {e}");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| bad(&e))?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("XLSX文件没有工作表 / the workbook has no sheet")?;
    let mut reader = book.worksheet_cells_reader(&name).map_err(|e| bad(&e))?;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    while let Some(c) = reader.next_cell().map_err(|e| bad(&e))? {
        let (r, col) = c.get_position();
        let (r, col) = (r as usize, col as usize);
        if r >= MAX_ROWS || col >= MAX_COLS {
            if matches!(c.get_value(), DataRef::Empty) {
                continue; // formatting far away, no content
            }
            return Err(too_big());
        }
        if rows.len() <= r {
            rows.resize(r + 1, Vec::new());
        }
        let row = &mut rows[r];
        if row.len() <= col {
            row.resize(col + 1, Cell::Empty);
        }
        row[col] = cell(c.get_value());
    }
    drop(reader);
    // Ledgers merge cells (one 责任单位 or 整改时限 over several items): only
    // the top-left cell holds the value, so give it to every merged cell.
    let regions = book.merge_cells_by_sheet_name(&name).map_err(|e| bad(&e))?;
    for m in regions {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        if r0 >= MAX_ROWS || c0 >= MAX_COLS {
            continue;
        }
        let (r1, c1) = (
            (m.end.0 as usize).min(MAX_ROWS - 1),
            (m.end.1 as usize).min(MAX_COLS - 1),
        );
        let value = rows
            .get(r0)
            .and_then(|r| r.get(c0))
            .cloned()
            .unwrap_or(Cell::Empty);
        if value == Cell::Empty {
            continue;
        }
        if rows.len() <= r1 {
            rows.resize(r1 + 1, Vec::new());
        }
        for row in rows.iter_mut().take(r1 + 1).skip(r0) {
            if row.len() <= c1 {
                row.resize(c1 + 1, Cell::Empty);
            }
            for v in row.iter_mut().take(c1 + 1).skip(c0) {
                *v = value.clone();
            }
        }
    }
    Ok(rows)
}

fn cell(d: &DataRef<'_>) -> Cell {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text(s.to_string()),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Text(b.to_string()),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            d.as_date().map(Cell::Date).unwrap_or(Cell::Empty)
        }
        DataRef::DateTime(dt) => Cell::Number(dt.as_f64()),
        DataRef::DateTimeIso(s) => s
            .get(..10)
            .and_then(|s| s.parse().ok())
            .map(Cell::Date)
            .unwrap_or_else(|| Cell::Text(s.clone())),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, String> {
    let (text, _) = text_file::decode(bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| format!("CSV格式错误 / malformed CSV: {e}"))?;
        // Keep the file's own line numbers: the csv reader skips blank lines.
        let line = rec.position().map_or(rows.len(), |p| p.line() as usize - 1);
        if line >= MAX_ROWS || rec.len() > MAX_COLS {
            return Err(too_big());
        }
        if rows.len() < line {
            rows.resize(line, Vec::new());
        }
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
