//! `anhuan demo files DIR`: the files the README's walkthrough uploads,
//! made from nothing so a fresh clone needs no folder beside it.

use std::path::{Path, PathBuf};

use crate::media::sample;

/// The walkthrough's enterprise (as registered in the README).
pub const ENTERPRISE_NAME: &str = "重庆黔江示例铝业有限公司";
pub const ENTERPRISE_LAT: f64 = 29.533;
pub const ENTERPRISE_LON: f64 = 108.771;

/// The sample photo's name: a phone's portrait shot (EXIF orientation 6,
/// time with +08:00, GPS a few metres from the enterprise).
pub const PHOTO: &str = "demo_orient6.jpg";
/// The enterprise's evidence photo of the fix (taken later, a few metres on).
pub const AFTER_PHOTO: &str = "demo_after.jpg";
/// The sample feedback list, in the import format.
pub const FEEDBACK: &str = "反馈问题清单.xlsx";
/// The sample 评估报告 of a major hazard's fix (a PDF the enterprise attaches).
pub const ASSESSMENT_REPORT: &str = "评估报告.pdf";

/// The sample assessment report: who assessed, what was checked, the
/// conclusion — a real PDF, as an agency would send it.
pub fn assessment_pdf() -> crate::error::AppResult<Vec<u8>> {
    use crate::service::notice_pdf::{report_pdf_now, ReportSection};
    let row = |l: &str, t: &str| (l.to_string(), t.to_string());
    let sections = [
        ReportSection {
            heading: "一、评估对象".into(),
            rows: vec![
                row("企业", ENTERPRISE_NAME),
                row("隐患", "铝粉尘除尘系统未采用负压湿式除尘"),
                row("治理措施", "改造为负压湿式除尘系统，加装泄爆片与隔爆阀"),
            ],
        },
        ReportSection {
            heading: "二、现场核查".into(),
            rows: vec![
                row("除尘方式", "负压湿式，风机位于除尘器之后"),
                row("泄爆与隔爆", "泄爆片朝向室外安全区域，隔爆阀动作试验合格"),
            ],
        },
        ReportSection {
            heading: "三、评估结论".into(),
            rows: vec![row("结论", "隐患已消除，具备恢复生产的安全条件")],
        },
    ];
    let notes = ["示例文件：由 anhuan demo files 生成，仅供演示。".to_string()];
    report_pdf_now(
        "重大事故隐患治理评估报告",
        "示例安全评价有限公司",
        &sections,
        &notes,
    )
}

/// The sample feedback list (反馈问题清单): Chinese headers as the
/// documents arrive, one item for the walkthrough's enterprise, one for a
/// park department.
pub fn feedback_xlsx() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("反馈问题清单")?;
    let bold = Format::new().set_bold();
    let headers = [
        "序号",
        "问题描述",
        "责任单位",
        "责任部门",
        "整改措施",
        "整改时限",
        "整改目标",
    ];
    for (i, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    let rows: [[&str; 7]; 2] = [
        [
            "1",
            "铝粉尘除尘系统未采用负压湿式除尘，存在粉尘爆炸风险",
            ENTERPRISE_NAME,
            "",
            "改造为负压湿式除尘系统，完善泄爆和隔爆设施",
            "2027-06-30",
            "消除粉尘爆炸隐患",
        ],
        [
            "2",
            "园区雨污分流管网不完善，部分雨水排口检出超标",
            "",
            "园区安全环保办公室",
            "排查错接混接点位，完成雨污分流改造",
            "2027-03-31",
            "雨水排口水质稳定达标",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if c == 0 {
                sheet.write_number((r + 1) as u32, 0, v.parse::<f64>().unwrap_or(0.0))?;
            } else if !v.is_empty() {
                sheet.write_string((r + 1) as u32, c as u16, *v)?;
            }
        }
    }
    for (i, w) in [6.0, 44.0, 26.0, 20.0, 40.0, 12.0, 24.0].iter().enumerate() {
        sheet.set_column_width(i as u16, *w)?;
    }
    book.save_to_buffer()
}

/// The sample photo: taken an hour ago (park time), beside the enterprise,
/// so it carries no plausibility flag when uploaded soon after.
pub fn photo() -> Vec<u8> {
    use crate::domain::time;
    let taken = (time::now() - chrono::Duration::hours(1))
        .with_timezone(&time::park_offset())
        .format("%Y:%m:%d %H:%M:%S")
        .to_string();
    sample::demo_photo(&taken, ENTERPRISE_LAT + 0.0002, ENTERPRISE_LON - 0.0001)
}

/// The evidence photo: stamped five minutes after the files are written
/// (inside the upload's ten-minute clock tolerance), beside the enterprise,
/// so an order issued soon after the files were made precedes it and the
/// evidence carries no 拍摄早于下达 flag.
pub fn after_photo() -> Vec<u8> {
    use crate::domain::time;
    let taken = (time::now() + chrono::Duration::minutes(5))
        .with_timezone(&time::park_offset())
        .format("%Y:%m:%d %H:%M:%S")
        .to_string();
    sample::demo_photo(&taken, ENTERPRISE_LAT + 0.0001, ENTERPRISE_LON + 0.0001)
}

/// Writes the sample photos, feedback list and assessment report into `dir` (created if
/// needed); answers the paths written.
pub fn write_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let photo_path = dir.join(PHOTO);
    std::fs::write(&photo_path, photo())?;
    let after_path = dir.join(AFTER_PHOTO);
    std::fs::write(&after_path, after_photo())?;
    let xlsx_path = dir.join(FEEDBACK);
    std::fs::write(&xlsx_path, feedback_xlsx()?)?;
    let report_path = dir.join(ASSESSMENT_REPORT);
    let report = assessment_pdf().map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(&report_path, report)?;
    Ok(vec![photo_path, after_path, xlsx_path, report_path])
}
