//! Uploaded tables: XLSX (what inspection feedback lists arrive as) or CSV
//! (UTF-8 with or without BOM, or GB18030), read into plain cells. Row and
//! column positions are absolute, so errors name the row the office sees
//! in Excel. XLSX cells are read one by one within fixed bounds: a sheet
//! that declares a cell at XFD1048576 never makes us allocate its grid.
//!
//! An XLSX is a ZIP archive, so a 1 MiB upload may inflate to gigabytes.
//! Before calamine reads anything, every part is checked twice: its size
//! as the ZIP directory declares it, and the bytes it really inflates to
//! (inflated into nothing, stopped one byte past its bound). Shared
//! strings, styles, each sheet, any other part and the total have their
//! own bound; then cells, their text and the text of merged regions are
//! bounded while reading. CSV lines and fields are bounded the same way.

use super::text_file;
use crate::domain::env_audit::Cell;
use calamine::{DataRef, DataType, Reader, Xlsx};
use std::io::Cursor;

pub const MAX_ROWS: usize = 10_000;
pub const MAX_COLS: usize = 64;
/// Inflated size bounds per XLSX part, and in all.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 8 << 20;
pub const MAX_STYLES_BYTES: u64 = 4 << 20;
pub const MAX_SHEET_BYTES: u64 = 16 << 20;
pub const MAX_OTHER_PART_BYTES: u64 = 4 << 20;
pub const MAX_INFLATED_BYTES: u64 = 32 << 20;
pub const MAX_PARTS: usize = 512;
/// Excel's own limit for the text of one cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Cells with content, and the text of all cells (merged regions included).
pub const MAX_CELLS: usize = 200_000;
pub const MAX_TEXT_BYTES: usize = 32 << 20;

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

fn bad(e: &dyn std::fmt::Display) -> String {
    format!("无法读取XLSX文件 / cannot read the XLSX file: {e}")
}

fn total_too_big() -> String {
    format!(
        "XLSX文件解压后共超过{}MiB / the parts inflate to more than {} MiB in all",
        MAX_INFLATED_BYTES >> 20,
        MAX_INFLATED_BYTES >> 20
    )
}

fn part_too_big(name: &str, limit: u64) -> String {
    format!(
        "XLSX文件的“{name}”解压后超过{}MiB / part {name} inflates to more than {} MiB",
        limit >> 20,
        limit >> 20
    )
}

/// The inflated bound of one part of the archive.
fn part_limit(name: &str) -> u64 {
    match name {
        "xl/sharedStrings.xml" => MAX_SHARED_STRINGS_BYTES,
        "xl/styles.xml" => MAX_STYLES_BYTES,
        n if n.starts_with("xl/worksheets/") => MAX_SHEET_BYTES,
        _ => MAX_OTHER_PART_BYTES,
    }
}

/// Checks every part of the archive against its bound: first the size the
/// directory declares, then what it really inflates to (read into nothing,
/// at most one byte past the bound), so a lying directory cannot pass.
pub fn check_archive(bytes: &[u8]) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(&e))?;
    if zip.len() > MAX_PARTS {
        return Err(format!(
            "XLSX文件的部件超过{MAX_PARTS}个 / more than {MAX_PARTS} parts in the archive"
        ));
    }
    let declared: u64 = (0..zip.len())
        .map(|i| zip.by_index_raw(i).map(|f| f.size()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&e))?
        .into_iter()
        .fold(0u64, u64::saturating_add);
    if declared > MAX_INFLATED_BYTES {
        return Err(total_too_big());
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| bad(&e))?;
        let name = part.name().map_err(|e| bad(&e))?.into_owned();
        let limit = part_limit(&name);
        if part.size() > limit {
            return Err(part_too_big(&name, limit));
        }
        let n = std::io::copy(
            &mut std::io::Read::take(&mut part, limit + 1),
            &mut std::io::sink(),
        )
        .map_err(|e| bad(&e))?;
        if n > limit {
            return Err(part_too_big(&name, limit));
        }
        total += n;
        if total > MAX_INFLATED_BYTES {
            return Err(total_too_big());
        }
    }
    Ok(())
}

fn cell_too_long(r: usize, c: usize) -> String {
    format!(
        "第{}行第{}列超过{MAX_CELL_CHARS}个字符 / row {}, column {}: more than {MAX_CELL_CHARS} characters",
        r + 1,
        c + 1,
        r + 1,
        c + 1
    )
}

fn too_much_text() -> String {
    format!("表格内容超过{MAX_CELLS}个单元格或{}MiB文字 / more than {MAX_CELLS} cells or {} MiB of text", MAX_TEXT_BYTES >> 20, MAX_TEXT_BYTES >> 20)
}

/// What the cells read so far hold; refuses past the bounds.
#[derive(Default)]
struct Budget {
    cells: usize,
    text: usize,
}

impl Budget {
    fn take(&mut self, v: &Cell) -> Result<(), String> {
        self.cells += 1;
        if let Cell::Text(s) = v {
            self.text += s.len();
        }
        if self.cells > MAX_CELLS || self.text > MAX_TEXT_BYTES {
            return Err(too_much_text());
        }
        Ok(())
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, String> {
    check_archive(bytes)?;
    let mut budget = Budget::default();
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
        let value = cell(c.get_value());
        if matches!(&value, Cell::Text(s) if s.chars().count() > MAX_CELL_CHARS) {
            return Err(cell_too_long(r, col));
        }
        if value != Cell::Empty {
            budget.take(&value)?;
        }
        let row = &mut rows[r];
        if row.len() <= col {
            row.resize(col + 1, Cell::Empty);
        }
        row[col] = value;
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
                budget.take(&value)?;
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
    let (text, _) = text_file::decode(bytes)?; // lines and fields bounded
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
        if let Some(c) = rec.iter().position(|f| f.chars().count() > MAX_CELL_CHARS) {
            return Err(cell_too_long(line, c));
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
