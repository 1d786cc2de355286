//! The ledger (整改台账) as files: XLSX for the government format and CSV
//! for Excel, the same text in both.

use super::{AuditView, LedgerRow};
use crate::domain::order as order_rules;
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;

/// A ledger row as the text both exports write.
struct LedgerCells {
    /// 序号 … 最新进展, the same in every format.
    leading: [String; 8],
    /// 销号日期 in the park's calendar.
    closed: String,
    acceptance_date: String,
    acceptance_opinion: String,
    disclosure_date: String,
    disclosure_place: String,
    /// 是 / 否
    overdue: String,
}

impl LedgerCells {
    fn of(r: &LedgerRow) -> LedgerCells {
        let park = order_rules::park_offset();
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let date = |v: &Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
        LedgerCells {
            leading: [
                r.item_no.clone(),
                r.description.clone(),
                r.responsible_unit.clone(),
                r.measures.clone(),
                r.deadline.to_string(),
                r.target.clone(),
                r.status_label.clone(),
                text(&r.latest_progress),
            ],
            closed: r
                .closed_at
                .map(|t| t.with_timezone(&park).date_naive().to_string())
                .unwrap_or_default(),
            acceptance_date: date(&r.acceptance_date),
            acceptance_opinion: text(&r.acceptance_opinion),
            disclosure_date: date(&r.disclosure_date),
            disclosure_place: text(&r.disclosure_place),
            overdue: if r.overdue { "是" } else { "否" }.to_string(),
        }
    }
}

/// The ledger as a government 台账 in XLSX: Chinese headers, frozen header
/// row, widths that fit the content.
pub fn ledger_xlsx(audit: &AuditView, rows: &[LedgerRow]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("整改台账").map_err(AppError::internal)?;
    let head = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin)
        .set_background_color("D9E1F2")
        .set_text_wrap();
    let body = Format::new()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let headers = [
        ("序号", 6.0),
        ("问题描述", 40.0),
        ("责任单位", 22.0),
        ("整改措施", 36.0),
        ("整改时限", 12.0),
        ("整改目标", 24.0),
        ("整改状态", 10.0),
        ("最新进展", 30.0),
        ("销号日期", 12.0),
        ("验收情况", 28.0),
        ("公示情况", 28.0),
        ("是否逾期", 8.0),
    ];
    for (i, (h, w)) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, i as u16, *h, &head)
            .map_err(AppError::internal)?;
        sheet
            .set_column_width(i as u16, *w)
            .map_err(AppError::internal)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
    for (n, r) in rows.iter().enumerate() {
        let row = (n + 1) as u32;
        let c = LedgerCells::of(r);
        let joined = |a: &str, b: &str| {
            if a.is_empty() {
                String::new()
            } else {
                format!("{a} {b}")
            }
        };
        let [no, desc, unit, measures, deadline, target, status, progress] = c.leading;
        let cells = [
            no,
            desc,
            unit,
            measures,
            deadline,
            target,
            status,
            progress,
            c.closed,
            joined(&c.acceptance_date, &c.acceptance_opinion),
            joined(&c.disclosure_date, &c.disclosure_place),
            c.overdue,
        ];
        for (i, v) in cells.iter().enumerate() {
            sheet
                .write_string_with_format(row, i as u16, v, &body)
                .map_err(AppError::internal)?;
        }
    }
    // `&` starts a printing code in Excel headers: escape the batch's own.
    let title = format!("{}（{}）整改台账", audit.name, audit.document_number).replace('&', "&&");
    sheet.set_header(format!("&C{title}"));
    book.save_to_buffer().map_err(AppError::internal)
}

/// Text that Excel would run as a formula is shown as text instead.
fn no_formula(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

/// CSV for Excel: UTF-8 with a BOM so Chinese headers open correctly.
pub fn ledger_csv(rows: &[LedgerRow]) -> AppResult<Vec<u8>> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record([
            "序号",
            "问题描述",
            "责任单位",
            "整改措施",
            "整改时限",
            "整改目标",
            "整改状态",
            "最新进展",
            "销号日期",
            "验收日期",
            "验收意见",
            "公示日期",
            "公示方式",
            "是否逾期",
        ])
        .map_err(AppError::internal)?;
        for r in rows {
            let c = LedgerCells::of(r);
            let mut record: Vec<String> = c.leading.to_vec();
            record.extend([
                c.closed,
                c.acceptance_date,
                c.acceptance_opinion,
                c.disclosure_date,
                c.disclosure_place,
                c.overdue,
            ]);
            w.write_record(record.into_iter().map(no_formula))
                .map_err(AppError::internal)?;
        }
        w.flush().map_err(AppError::internal)?;
    }
    Ok(out)
}
