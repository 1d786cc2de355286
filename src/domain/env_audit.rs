//! Environmental inspection feedback lists (督察反馈问题清单): the columns
//! they arrive with, and the validation of every row before anything is
//! written. Pure: the spreadsheet is already read into cells.

use super::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// 验收: who accepted the measures, when, with what opinion.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub date: NaiveDate,
    pub opinion: String,
}

/// 公示: when and where the closing was made public.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    pub date: NaiveDate,
    /// Where it was made public (e.g. 区政府网站、园区公示栏).
    pub place: String,
}

fn text_within(s: &str, max: usize) -> bool {
    let n = s.trim().chars().count();
    n > 0 && n <= max
}

/// A 督察反馈问题 closes (销号) only with its acceptance (验收) and its public
/// disclosure (公示), both dated no later than today. Answers both, or every
/// missing part as a field error.
pub fn check_closing<'a>(
    acceptance: Option<&'a Acceptance>,
    disclosure: Option<&'a Disclosure>,
    today: NaiveDate,
) -> Result<(&'a Acceptance, &'a Disclosure), Vec<FieldError>> {
    let a = acceptance.filter(|a| text_within(&a.opinion, 4000) && a.date <= today);
    let d = disclosure.filter(|d| text_within(&d.place, 500) && d.date <= today);
    let mut errors = Vec::new();
    if a.is_none() {
        errors.push(FieldError {
            field: "acceptance".into(),
            message: "督察反馈问题销号须有验收日期（不晚于今天）和验收意见 / acceptance date and opinion are required".into(),
        });
    }
    if d.is_none() {
        errors.push(FieldError {
            field: "disclosure".into(),
            message: "督察反馈问题销号须有公示日期（不晚于今天）和公示方式/地点 / disclosure date and place are required".into(),
        });
    }
    match (a, d) {
        (Some(a), Some(d)) => Ok((a, d)),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditLevel {
    /// 中央生态环境保护督察
    Central,
    /// 市级生态环境保护督察
    Municipal,
}

impl AuditLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditLevel::Central => "central",
            AuditLevel::Municipal => "municipal",
        }
    }
    pub fn parse(s: &str) -> Option<AuditLevel> {
        [AuditLevel::Central, AuditLevel::Municipal]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// One spreadsheet cell as read from XLSX or CSV.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

impl Cell {
    fn text(&self) -> Option<String> {
        match self {
            Cell::Empty => None,
            Cell::Text(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", *n as i64)),
            Cell::Number(n) => Some(n.to_string()),
            Cell::Date(d) => Some(d.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Col {
    ItemNo,
    Description,
    Enterprise,
    Department,
    Measures,
    Deadline,
    Target,
}

impl Col {
    /// The Chinese header, used in error messages and in the ledger.
    pub fn zh(self) -> &'static str {
        match self {
            Col::ItemNo => "序号",
            Col::Description => "问题描述",
            Col::Enterprise => "责任单位",
            Col::Department => "责任部门",
            Col::Measures => "整改措施",
            Col::Deadline => "整改时限",
            Col::Target => "整改目标",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Col::ItemNo => "item_no",
            Col::Description => "description",
            Col::Enterprise => "responsible_enterprise",
            Col::Department => "responsible_department",
            Col::Measures => "measures",
            Col::Deadline => "deadline",
            Col::Target => "target",
        }
    }
}

pub fn column_for(header: &str) -> Option<Col> {
    // "Item No", "item_no" and "ITEM-NO" all read the same.
    let h: String = header
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-'))
        .collect::<String>()
        .to_lowercase();
    Some(match h.as_str() {
        "序号" | "编号" | "问题序号" | "itemno" | "no" | "no." => Col::ItemNo,
        "问题描述" | "反馈问题" | "问题" | "存在问题" | "description" => {
            Col::Description
        }
        "责任单位" | "责任企业" | "responsibleenterprise" | "enterprise" => Col::Enterprise,
        "责任部门" | "牵头部门" | "responsibledepartment" | "department" => Col::Department,
        "整改措施" | "measures" => Col::Measures,
        "整改时限" | "完成时限" | "deadline" => Col::Deadline,
        "整改目标" | "target" => Col::Target,
        _ => return None,
    })
}

/// A validated row, before the enterprise reference is resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemInput {
    /// Spreadsheet row number (1-based, as the office sees it).
    pub row: usize,
    pub item_no: String,
    pub description: String,
    /// Credit code or exact name, as written.
    pub enterprise: Option<String>,
    pub department: Option<String>,
    pub measures: String,
    pub deadline: NaiveDate,
    pub target: String,
}

/// Dates as they appear in these lists: a date cell, an Excel serial, or
/// text like 2026-06-30, 2026/6/30, 2026.6.30, 2026年6月30日.
pub fn parse_date(c: &Cell) -> Option<NaiveDate> {
    match c {
        Cell::Date(d) => Some(*d),
        Cell::Number(n) if (20_000.0..80_000.0).contains(n) && n.fract() == 0.0 => {
            NaiveDate::from_ymd_opt(1899, 12, 30)?
                .checked_add_signed(chrono::Duration::days(*n as i64))
        }
        Cell::Text(s) => {
            let s = s.trim();
            ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        }
        _ => None,
    }
}

const MAX_TEXT: usize = 4000;

fn err(row: usize, col: Col, message: impl Into<String>) -> FieldError {
    FieldError {
        field: format!("row {row}.{}", col.key()),
        message: format!("第{row}行“{}”：{}", col.zh(), message.into()),
    }
}

/// Finds the header (within the first five rows: lists often start with a
/// title row) and validates every data row; all errors at once.
pub fn parse_table(
    rows: &[Vec<Cell>],
    default_deadline: Option<NaiveDate>,
) -> Result<Vec<ItemInput>, Vec<FieldError>> {
    let (items, errors) = parse_rows(rows, default_deadline);
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// The good rows and the errors of the bad ones, so a caller that checks
/// more (that enterprises exist) can report everything together.
pub fn parse_rows(
    rows: &[Vec<Cell>],
    default_deadline: Option<NaiveDate>,
) -> (Vec<ItemInput>, Vec<FieldError>) {
    match parse_inner(rows, default_deadline) {
        Ok(v) => v,
        Err(e) => (Vec::new(), e),
    }
}

type Parsed = (Vec<ItemInput>, Vec<FieldError>);

fn parse_inner(
    rows: &[Vec<Cell>],
    default_deadline: Option<NaiveDate>,
) -> Result<Parsed, Vec<FieldError>> {
    let header = rows.iter().take(5).position(|r| {
        let cols: Vec<Col> = r
            .iter()
            .filter_map(|c| c.text())
            .filter_map(|t| column_for(&t))
            .collect();
        cols.contains(&Col::ItemNo) && cols.contains(&Col::Description)
    });
    let Some(h) = header else {
        return Err(vec![FieldError {
            field: "header".into(),
            message:
                "找不到表头：须含“序号”和“问题描述”列 / no header row with item_no and description"
                    .into(),
        }]);
    };
    let mut cols: HashMap<Col, usize> = HashMap::new();
    for (i, c) in rows[h].iter().enumerate() {
        if let Some(col) = c.text().and_then(|t| column_for(&t)) {
            cols.entry(col).or_insert(i);
        }
    }
    if !cols.contains_key(&Col::Enterprise) && !cols.contains_key(&Col::Department) {
        return Err(vec![FieldError { field: "header".into(), message: "须有“责任单位”或“责任部门”列 / a responsible_enterprise or responsible_department column is required".into() }]);
    }
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate().skip(h + 1) {
        let row = i + 1;
        let get = |c: Col| {
            cols.get(&c)
                .and_then(|&i| r.get(i))
                .cloned()
                .unwrap_or(Cell::Empty)
        };
        let text = |c: Col| get(c).text();
        if r.iter().all(|c| c.text().is_none()) {
            continue;
        }
        let before = errors.len();
        let item_no = text(Col::ItemNo);
        if item_no.is_none() {
            errors.push(err(row, Col::ItemNo, "序号不能为空 / item_no is required"));
        }
        let description = text(Col::Description).unwrap_or_default();
        if description.is_empty() {
            errors.push(err(
                row,
                Col::Description,
                "问题描述不能为空 / description is required",
            ));
        }
        let (enterprise, department) = (text(Col::Enterprise), text(Col::Department));
        match (&enterprise, &department) {
            (None, None) => errors.push(err(
                row,
                Col::Enterprise,
                "须填写责任单位或责任部门 / a responsible enterprise or department is required",
            )),
            (Some(_), Some(_)) => errors.push(err(
                row,
                Col::Department,
                "责任单位和责任部门只能填一个 / give either an enterprise or a department",
            )),
            _ => {}
        }
        let deadline_cell = get(Col::Deadline);
        let deadline = match (&deadline_cell, default_deadline) {
            (Cell::Empty, Some(d)) => Some(d),
            (Cell::Empty, None) => {
                errors.push(err(
                    row,
                    Col::Deadline,
                    "整改时限不能为空（批次未设默认时限） / deadline is required",
                ));
                None
            }
            (c, _) => {
                let d = parse_date(c);
                if d.is_none() {
                    errors.push(err(
                        row,
                        Col::Deadline,
                        format!(
                            "无法识别的日期“{}” / not a date",
                            c.text().unwrap_or_default()
                        ),
                    ));
                }
                d
            }
        };
        let measures = text(Col::Measures).unwrap_or_default();
        let target = text(Col::Target).unwrap_or_default();
        let short = |v: &Option<String>| v.clone().unwrap_or_default();
        for (c, v, max) in [
            (Col::ItemNo, short(&item_no), 64),
            (Col::Enterprise, short(&enterprise), 200),
            (Col::Department, short(&department), 200),
            (Col::Description, description.clone(), MAX_TEXT),
            (Col::Measures, measures.clone(), MAX_TEXT),
            (Col::Target, target.clone(), MAX_TEXT),
        ] {
            let control = v
                .chars()
                .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'));
            if v.chars().count() > max || control {
                errors.push(err(row, c, format!("超过{max}字或含控制字符 / longer than {max} characters or has control characters")));
            }
        }
        if deadline.is_some_and(|d| !(2000..=2100).contains(&chrono::Datelike::year(&d))) {
            errors.push(err(
                row,
                Col::Deadline,
                "年份应在2000到2100之间 / the year must be 2000..2100",
            ));
        }
        if let Some(no) = &item_no {
            if let Some(first) = seen.insert(no.clone(), row) {
                errors.push(err(
                    row,
                    Col::ItemNo,
                    format!("序号{no}与第{first}行重复 / duplicates row {first}"),
                ));
            }
        }
        if errors.len() == before {
            let deadline = deadline.expect("checked");
            out.push(ItemInput {
                row,
                item_no: item_no.expect("checked"),
                description,
                enterprise,
                department,
                measures,
                deadline,
                target,
            });
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(FieldError {
            field: "file".into(),
            message: "文件中没有问题条目 / the list has no items".into(),
        });
    }
    Ok((out, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.into())
        }
    }

    #[test]
    fn reads_a_list_with_a_title_row() {
        let rows = vec![
            vec![t("第二轮中央生态环境保护督察反馈问题整改台账")],
            vec![
                t("序号"),
                t("问题描述"),
                t("责任单位"),
                t("责任部门"),
                t("整改措施"),
                t("整改时限"),
                t("整改目标"),
            ],
            vec![
                Cell::Number(1.0),
                t("铝灰渣露天堆存"),
                t("91350100M000100Y43"),
                t(""),
                t("建设规范暂存库"),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
                t("规范处置"),
            ],
            vec![
                Cell::Number(2.0),
                t("园区污水管网雨污混流"),
                t(""),
                t("园区建设局"),
                t("管网改造"),
                t("2026年9月30日"),
                t("雨污分流"),
            ],
            vec![t(""), t(""), t("")],
        ];
        let items = parse_table(&rows, None).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].item_no, "1");
        assert_eq!(items[0].row, 3);
        assert_eq!(items[1].department.as_deref(), Some("园区建设局"));
        assert_eq!(
            items[1].deadline,
            NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()
        );
    }

    #[test]
    fn reports_every_bad_row_and_column() {
        let rows = vec![
            vec![
                t("item_no"),
                t("description"),
                t("responsible_enterprise"),
                t("deadline"),
            ],
            vec![t("1"), t(""), t("甲企业"), t("2026-01-01")],
            vec![t("2"), t("问题"), t(""), t("明年")],
            vec![t("1"), t("问题"), t("乙企业"), t("")],
        ];
        let errs = parse_table(&rows, None).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "row 2.description",
                "row 3.responsible_enterprise",
                "row 3.deadline",
                "row 4.deadline",
                "row 4.item_no"
            ]
        );
        assert!(errs[4].message.contains("第4行") && errs[4].message.contains("第2行"));
    }

    #[test]
    fn dates_in_every_usual_form() {
        let d = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        for c in [
            t("2026-06-30"),
            t("2026/6/30"),
            t("2026.6.30"),
            t("2026年6月30日"),
            Cell::Number(46203.0),
            Cell::Date(d),
        ] {
            assert_eq!(parse_date(&c), Some(d), "{c:?}");
        }
        assert_eq!(parse_date(&t("六月底")), None);
        assert_eq!(parse_date(&Cell::Number(3.5)), None);
    }

    #[test]
    fn closing_needs_acceptance_and_disclosure() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let a = Acceptance {
            date: today,
            opinion: "验收合格".into(),
        };
        let d = Disclosure {
            date: today,
            place: "园区公示栏".into(),
        };
        assert!(check_closing(Some(&a), Some(&d), today).is_ok());
        assert_eq!(check_closing(None, None, today).unwrap_err().len(), 2);
        let future = Acceptance {
            date: today.succ_opt().unwrap(),
            ..a.clone()
        };
        let errs = check_closing(Some(&future), Some(&d), today).unwrap_err();
        assert_eq!(errs[0].field, "acceptance");
        let blank = Disclosure {
            place: " ".into(),
            ..d.clone()
        };
        assert_eq!(
            check_closing(Some(&a), Some(&blank), today).unwrap_err()[0].field,
            "disclosure"
        );
    }
}
