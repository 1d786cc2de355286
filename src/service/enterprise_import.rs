//! Bulk load of the park's enterprise register from CSV (`anhuan
//! enterprise import`). All or nothing: every row is validated first and
//! every bad row reported; rows whose credit code is already registered
//! update that enterprise, so re-running the same file changes nothing.

use super::enterprises::{to_row, view};
use super::text_file;
use super::Ctx;
use crate::db;
use crate::domain::enterprise::{Contact, EnterpriseFields, EnterpriseInput};
use crate::domain::{time, FieldError};
use crate::error::{AppError, AppResult};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub encoding: String,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Col {
    Name,
    CreditCode,
    Industry,
    Address,
    Lat,
    Lon,
    ContactName,
    ContactTitle,
    ContactPhone,
    ContactEmail,
}

fn column_for(header: &str) -> Option<Col> {
    let h = header.trim().to_lowercase();
    Some(match h.as_str() {
        "name" | "企业名称" | "单位名称" | "名称" => Col::Name,
        "credit_code" | "统一社会信用代码" | "信用代码" => Col::CreditCode,
        "industry" | "industries" | "行业" | "所属行业" => Col::Industry,
        "address" | "地址" | "企业地址" => Col::Address,
        "lat" | "纬度" => Col::Lat,
        "lon" | "lng" | "经度" => Col::Lon,
        "contact_name" | "联系人" => Col::ContactName,
        "contact_title" | "职务" | "联系人职务" => Col::ContactTitle,
        "contact_phone" | "联系电话" | "电话" => Col::ContactPhone,
        "contact_email" | "电子邮箱" | "邮箱" | "联系人邮箱" => Col::ContactEmail,
        _ => return None,
    })
}

/// The columns of the header row; every unknown and every missing
/// required column at once.
fn columns(headers: &csv::StringRecord) -> Result<HashMap<Col, usize>, Vec<FieldError>> {
    let mut cols: HashMap<Col, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        match column_for(h) {
            Some(c) => {
                cols.insert(c, i);
            }
            None => errors.push(FieldError {
                field: format!("header[{}]", i + 1),
                message: format!("未知列“{h}” / unknown column {h:?}"),
            }),
        }
    }
    for (c, name) in [
        (Col::Name, "企业名称/name"),
        (Col::CreditCode, "统一社会信用代码/credit_code"),
    ] {
        if !cols.contains_key(&c) {
            errors.push(FieldError {
                field: "header".into(),
                message: format!("缺少必需列 {name} / missing required column {name}"),
            });
        }
    }
    if errors.is_empty() {
        Ok(cols)
    } else {
        Err(errors)
    }
}

/// The register entry one data row describes (row `line` of the file);
/// numbers that are not numbers go to `errors`.
fn row_input(
    cols: &HashMap<Col, usize>,
    rec: &csv::StringRecord,
    line: usize,
    errors: &mut Vec<FieldError>,
) -> EnterpriseInput {
    let get = |c: Col| {
        cols.get(&c)
            .and_then(|&i| rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let num = |c: Col, errors: &mut Vec<FieldError>| -> Option<f64> {
        let s = get(c)?;
        match s.parse::<f64>() {
            Ok(v) => Some(v),
            Err(_) => {
                let field = if c == Col::Lat { "lat" } else { "lon" };
                errors.push(FieldError {
                    field: format!("row {line}.{field}"),
                    message: format!("不是数字 / not a number: {s:?}"),
                });
                None
            }
        }
    };
    let before = errors.len();
    let (mut lat, mut lon) = (num(Col::Lat, errors), num(Col::Lon, errors));
    if errors.len() > before {
        // Already reported; don't add "lat and lon must come together".
        (lat, lon) = (None, None);
    }
    let contacts = match get(Col::ContactName) {
        Some(name) => vec![Contact {
            name,
            title: get(Col::ContactTitle),
            phone: get(Col::ContactPhone),
            email: get(Col::ContactEmail),
        }],
        None => Vec::new(),
    };
    EnterpriseInput {
        name: get(Col::Name),
        credit_code: get(Col::CreditCode),
        // Several industries in one cell: 铝加工;燃气 or 食品、冷链 (a comma
        // would split the CSV cell).
        industry: None,
        industries: get(Col::Industry).map(|cell| {
            cell.split([';', '；', '、', '|', '/'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        }),
        address: get(Col::Address),
        lat,
        lon,
        contacts,
    }
}

/// Parses and validates the whole file; row numbers count the header as 1.
pub fn parse(bytes: &[u8]) -> Result<(String, Vec<EnterpriseFields>), Vec<FieldError>> {
    let err = |field: String, message: String| vec![FieldError { field, message }];
    let (text, encoding) = text_file::decode(bytes).map_err(|m| err("file".into(), m))?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| {
            err(
                "file".into(),
                format!("无法读取表头 / cannot read header: {e}"),
            )
        })?
        .clone();
    let cols = columns(&headers)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError {
                    field: format!("row {line}"),
                    message: format!("CSV格式错误 / malformed CSV: {e}"),
                });
                continue;
            }
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        match row_input(&cols, &rec, line, &mut errors).validate() {
            Ok(f) => {
                if let Some(first) = seen.insert(f.credit_code.to_string(), line) {
                    errors.push(FieldError {
                        field: format!("row {line}.credit_code"),
                        message: format!("与第{first}行重复 / duplicates row {first}"),
                    });
                }
                out.push(f);
            }
            Err(errs) => errors.extend(errs.into_vec().into_iter().map(|e| FieldError {
                field: format!("row {line}.{}", e.field),
                message: e.message,
            })),
        }
    }
    if errors.is_empty() {
        Ok((encoding.to_string(), out))
    } else {
        Err(errors)
    }
}

/// `import_csv` for a signed-in user: the enterprise register's keepers only.
pub async fn import_csv_as(
    ctx: &Ctx,
    who: &super::Principal,
    bytes: Vec<u8>,
) -> AppResult<ImportReport> {
    who.require(crate::domain::Role::manages_enterprises)?;
    import_csv(ctx, bytes).await
}

pub async fn import_csv(ctx: &Ctx, bytes: Vec<u8>) -> AppResult<ImportReport> {
    let (encoding, rows) = parse(&bytes).map_err(AppError::Validation)?;
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                let mut report = ImportReport {
                    encoding,
                    ..Default::default()
                };
                let now = time::now().naive_utc();
                for f in &rows {
                    match db::enterprises::find_by_credit_code(c, f.credit_code.as_str())? {
                        None => {
                            db::enterprises::insert(c, &to_row(Uuid::now_v7(), f, now, now)?)?;
                            report.created += 1;
                        }
                        Some(cur) => {
                            let next = to_row(cur.id.0, f, cur.created_at, now)?;
                            let same = {
                                let a = view(cur.clone())?;
                                let b = view(next.clone())?;
                                (a.name, a.industries, a.address, a.lat, a.lon, a.contacts)
                                    == (b.name, b.industries, b.address, b.lat, b.lon, b.contacts)
                            };
                            if same {
                                report.unchanged += 1;
                            } else {
                                db::enterprises::replace(c, &next)?;
                                report.updated += 1;
                            }
                        }
                    }
                }
                Ok(report)
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_bad_row() {
        let csv = "企业名称,统一社会信用代码,行业,纬度,经度\n\
                   黔江铝业,91350100M000100Y43,铝加工,29.5,108.7\n\
                   ,914403001922038216,食品,,\n\
                   坏代码,91350100M000100Y44,其他,abc,108\n\
                   重复,91350100M000100Y43,其他,,\n";
        let errs = parse(csv.as_bytes()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "row 3.name",
                "row 4.lat",
                "row 4.credit_code",
                "row 5.credit_code"
            ]
        );
    }

    #[test]
    fn reads_gb18030_with_english_headers_too() {
        let csv = "name,credit_code,industry,contact_name,contact_phone\n玻纤公司,914403001922038216,glass_fibre,李四,023-79000000\n";
        let (gb, _, _) = encoding_rs::GB18030.encode(csv);
        let (enc, rows) = parse(&gb).unwrap();
        assert_eq!(enc, "gb18030");
        assert_eq!(rows[0].name, "玻纤公司");
        assert_eq!(rows[0].contacts[0].name, "李四");
    }

    #[test]
    fn one_cell_names_several_industries() {
        use crate::domain::Industry;
        let csv = "企业名称,统一社会信用代码,行业\n黔江食品,914403001922038216,食品；冷链、燃气\n";
        let (_, rows) = parse(csv.as_bytes()).unwrap();
        assert_eq!(
            rows[0].industries,
            [Industry::Food, Industry::ColdChain, Industry::GasPower]
        );
        assert_eq!(rows[0].industry, Industry::Food);
    }

    #[test]
    fn unknown_columns_are_refused() {
        let errs = parse("企业名称,统一社会信用代码,老板\n".as_bytes()).unwrap_err();
        assert_eq!(errs[0].field, "header[3]");
    }
}
