//! The 整改通知书 and the 督办函 as PDF documents an enterprise can print,
//! file and check: Chinese text in the shipped Noto Sans SC subset
//! (`assets/fonts`, SIL OFL), which the writer subsets again to the glyphs
//! used, so a text-only notice stays a few tens of kilobytes; each
//! finding's photos as their thumbnail derivative (JPEG embedded as is).
//! The last line carries the order's event-chain head, to be compared with
//! `GET /rectification-orders/{id}/events/verify`.

use super::{Ctx, Principal};
use crate::db::{self, enterprises::EnterpriseRow, findings::FindingRow, orders::OrderRow, DbUuid};
use crate::domain::checklist::HazardLevel;
use crate::domain::time;
use crate::error::{AppError, AppResult};
use crate::storage::{self, Variant};
use bytes::Bytes;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use std::sync::LazyLock;
use uuid::Uuid;

/// Photos printed per finding: the PDF stays small and a page holds them.
const PHOTOS_PER_FINDING: usize = 3;

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-GB2312.otf");
static FONT: LazyLock<Font> =
    LazyLock::new(|| Font::new(FONT_BYTES.to_vec().into(), 0).expect("the shipped font parses"));

// A4 in points, with 2 cm margins.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const PHOTO_W: f32 = 150.0;

/// Everything a document shows, read in one database call.
struct Source {
    /// The issuing office (`issuing_office`), printed as 签发单位.
    office: String,
    order: OrderRow,
    enterprise: Option<EnterpriseRow>,
    issuer: Option<String>,
    findings: Vec<(FindingRow, Vec<String>)>,
    chain_head: String,
    events: usize,
}

fn not_found() -> AppError {
    AppError::not_found("整改通知书 rectification order")
}

async fn load(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<Source> {
    let who = who.clone();
    let office = ctx.settings.issuing_office.trim().to_string();
    ctx.db
        .run(move |c| {
            let order = db::orders::find(c, DbUuid(id))?
                .filter(|r| who.can_see(r.enterprise_id.map(|e| e.0)))
                .ok_or_else(not_found)?;
            let enterprise = match order.enterprise_id {
                Some(e) => db::enterprises::find(c, e)?,
                None => None,
            };
            let issuer = db::users::find(c, order.issued_by)?.map(|u| u.display_name);
            let mut findings = Vec::new();
            for f in db::orders::findings_of(c, order.id)? {
                let ids: Vec<Uuid> =
                    serde_json::from_str(&f.photo_ids).map_err(AppError::internal)?;
                let mut shas = Vec::new();
                for p in ids.into_iter().take(PHOTOS_PER_FINDING) {
                    if let Some(row) = db::photos::find(c, DbUuid(p))? {
                        shas.push(row.sha256);
                    }
                }
                findings.push((f, shas));
            }
            let events = db::orders::events_of(c, order.id)?;
            let chain_head = events.last().map(|e| e.hash.clone()).unwrap_or_default();
            Ok(Source {
                office,
                order,
                enterprise,
                issuer,
                findings,
                chain_head,
                events: events.len(),
            })
        })
        .await
}

/// The thumbnails of every finding, in order; a missing blob is an
/// internal error (the photo row says it exists).
async fn thumbnails(ctx: &Ctx, src: &Source) -> AppResult<Vec<Vec<Bytes>>> {
    let mut out = Vec::with_capacity(src.findings.len());
    for (_, shas) in &src.findings {
        let mut photos = Vec::with_capacity(shas.len());
        for sha in shas {
            photos.push(
                ctx.photos
                    .get(&storage::key(sha, Variant::Thumbnail))
                    .await?,
            );
        }
        out.push(photos);
    }
    Ok(out)
}

/// 2026年12月1日, in the park's zone.
pub fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn park_date(t: DateTime<Utc>) -> NaiveDate {
    time::park_today(t)
}

fn level_zh(l: HazardLevel) -> &'static str {
    match l {
        HazardLevel::Major => "重大",
        HazardLevel::General => "一般",
    }
}

fn addressee(src: &Source) -> String {
    match (&src.enterprise, &src.order.department) {
        (Some(e), _) => e.name.clone(),
        (None, Some(d)) => d.clone(),
        (None, None) => String::new(),
    }
}

/// A rendered document and the file name it is downloaded as.
pub struct Pdf {
    pub bytes: Vec<u8>,
    /// e.g. 整改通知书-安环整改〔2026〕0001号.pdf
    pub file_name: String,
}

/// The 整改通知书 of an order the caller may see (404 otherwise).
pub async fn notice_pdf(ctx: &Ctx, who: &Principal, order_id: Uuid) -> AppResult<Pdf> {
    let src = load(ctx, who, order_id).await?;
    let photos = thumbnails(ctx, &src).await?;
    let blocks = notice_blocks(&src, photos);
    let number = &src.order.number;
    Ok(Pdf {
        bytes: render_blocking(blocks, format!("隐患整改通知书 {number}")).await?,
        file_name: format!("整改通知书-{number}.pdf"),
    })
}

/// The 督办函 of an order the caller may see; 404 when none was issued.
pub async fn supervision_letter_pdf(ctx: &Ctx, who: &Principal, order_id: Uuid) -> AppResult<Pdf> {
    let src = load(ctx, who, order_id).await?;
    let (Some(number), Some(limit), Some(at)) = (
        src.order.supervision_letter_number.clone(),
        src.order.supervision_letter_time_limit,
        src.order.supervision_letter_at,
    ) else {
        return Err(AppError::not_found("督办函 supervision letter"));
    };
    let blocks = letter_blocks(&src, &number, limit, at.and_utc());
    Ok(Pdf {
        bytes: render_blocking(blocks, format!("督办函 {number}")).await?,
        file_name: format!("督办函-{number}.pdf"),
    })
}

/// A report made of headed sections of label and text pairs (the
/// major-hazard report), printed in order under its title.
#[derive(Debug, Clone)]
pub struct ReportSection {
    pub heading: String,
    pub rows: Vec<(String, String)>,
}

/// `sections` as a PDF under `title` and `subtitle`, closed by `notes`
/// in small print (rendered off the async threads).
pub(crate) async fn report_pdf(
    title: &str,
    subtitle: &str,
    sections: &[ReportSection],
    notes: &[String],
) -> AppResult<Vec<u8>> {
    let blocks = report_blocks(title, subtitle, sections, notes);
    render_blocking(blocks, format!("{title} {subtitle}")).await
}

/// `report_pdf` on the caller's thread (the demo files).
pub fn report_pdf_now(
    title: &str,
    subtitle: &str,
    sections: &[ReportSection],
    notes: &[String],
) -> AppResult<Vec<u8>> {
    let blocks = report_blocks(title, subtitle, sections, notes);
    render(&blocks, &format!("{title} {subtitle}"))
}

fn report_blocks(
    title: &str,
    subtitle: &str,
    sections: &[ReportSection],
    notes: &[String],
) -> Vec<Block> {
    let mut b = vec![
        Block::Title(title.to_string()),
        Block::Subtitle(subtitle.to_string()),
        Block::Rule,
    ];
    for sec in sections {
        b.push(Block::Heading(sec.heading.clone()));
        for (label, text) in &sec.rows {
            let text = if text.trim().is_empty() { "—" } else { text };
            b.push(Block::Para(format!("{label}：{text}")));
        }
    }
    b.push(Block::Gap(12.0));
    b.push(Block::Rule);
    for n in notes {
        b.push(Block::Small(n.clone()));
    }
    b
}

async fn render_blocking(blocks: Vec<Block>, title: String) -> AppResult<Vec<u8>> {
    tokio::task::spawn_blocking(move || render(&blocks, &title))
        .await
        .map_err(AppError::internal)?
}

/// What a document is made of, top to bottom.
enum Block {
    Title(String),
    /// Centred, smaller: the document number.
    Subtitle(String),
    Heading(String),
    Para(String),
    /// A small grey line (notes, the verification line).
    Small(String),
    Photos(Vec<Bytes>),
    Rule,
    Gap(f32),
}

fn notice_blocks(src: &Source, photos: Vec<Vec<Bytes>>) -> Vec<Block> {
    let o = &src.order;
    let mut b = vec![
        Block::Title("隐患整改通知书".into()),
        Block::Subtitle(o.number.clone()),
        Block::Rule,
        Block::Para(format!("{}：", addressee(src))),
        Block::Para(format!(
            "经检查，你单位存在下列{}事故隐患，现责令你单位按以下要求进行整改。",
            level_zh(o.level)
        )),
        Block::Heading("一、存在的隐患".into()),
    ];
    for (i, ((f, _), pics)) in src.findings.iter().zip(photos).enumerate() {
        b.push(Block::Para(format!(
            "{}. 【{}隐患】{}",
            i + 1,
            level_zh(f.level),
            f.description
        )));
        if let Some(loc) = f.location_text.as_deref().filter(|s| !s.is_empty()) {
            b.push(Block::Small(format!("位置：{loc}")));
        }
        if let Some(basis) = f.regulatory_basis.as_deref().filter(|s| !s.is_empty()) {
            b.push(Block::Small(format!("依据：{basis}")));
        }
        if let Some(c) = f.major_criterion.as_deref().filter(|s| !s.is_empty()) {
            b.push(Block::Small(format!("重大隐患判定：{c}")));
        }
        if !pics.is_empty() {
            b.push(Block::Photos(pics));
        }
        b.push(Block::Gap(4.0));
    }
    b.push(Block::Heading("二、整改要求".into()));
    b.push(Block::Para(o.requirements.clone()));
    b.push(Block::Heading("三、整改期限".into()));
    b.push(Block::Para(format!(
        "请于{}前完成整改，并将整改情况报送{}复查。",
        date_zh(o.effective_deadline),
        src.office
    )));
    if o.effective_deadline != o.deadline {
        b.push(Block::Small(format!(
            "（原定期限{}，已批准延期）",
            date_zh(o.deadline)
        )));
    }
    signature(&mut b, src, park_date(o.issued_at.and_utc()));
    verification(&mut b, src);
    b
}

fn letter_blocks(src: &Source, number: &str, limit: NaiveDate, at: DateTime<Utc>) -> Vec<Block> {
    let o = &src.order;
    let mut b = vec![
        Block::Title("督办函".into()),
        Block::Subtitle(number.to_string()),
        Block::Rule,
        Block::Para(format!("{}：", addressee(src))),
        Block::Para(format!(
            "我办于{}向你单位下达《隐患整改通知书》（{}），要求于{}前完成整改。截至目前，你单位逾期未完成整改。",
            date_zh(park_date(o.issued_at.and_utc())),
            o.number,
            date_zh(o.effective_deadline)
        )),
        Block::Para(format!(
            "现对该事项进行督办，请你单位于{}前完成整改并报送整改情况；逾期仍未完成的，将予以通报批评。",
            date_zh(limit)
        )),
        Block::Heading("督办事项".into()),
    ];
    for (i, (f, _)) in src.findings.iter().enumerate() {
        b.push(Block::Para(format!(
            "{}. 【{}隐患】{}",
            i + 1,
            level_zh(f.level),
            f.description
        )));
        if let Some(loc) = f.location_text.as_deref().filter(|s| !s.is_empty()) {
            b.push(Block::Small(format!("位置：{loc}")));
        }
    }
    b.push(Block::Heading("原整改要求".into()));
    b.push(Block::Para(o.requirements.clone()));
    // The person the enterprise named when it signed answers for it.
    if let (Some(name), Some(phone)) = (&o.responsible_name, &o.responsible_phone) {
        b.push(Block::Para(format!("整改责任人：{name}（{phone}）")));
    }
    signature(&mut b, src, park_date(at));
    verification(&mut b, src);
    b
}

fn signature(b: &mut Vec<Block>, src: &Source, date: NaiveDate) {
    b.push(Block::Gap(16.0));
    b.push(Block::Para(format!("签发单位：{}", src.office)));
    if let Some(name) = &src.issuer {
        b.push(Block::Para(format!("签发人：{name}")));
    }
    b.push(Block::Para(format!("签发日期：{}", date_zh(date))));
    b.push(Block::Gap(12.0));
    b.push(Block::Rule);
}

fn verification(b: &mut Vec<Block>, src: &Source) {
    b.push(Block::Small(format!(
        "核验 / verification: 事件链哈希 chain hash {} （共{}条事件 events）",
        src.chain_head, src.events
    )));
    b.push(Block::Small(format!(
        "可与 GET /api/v1/rectification-orders/{}/events/verify 及其事件列表核对。",
        src.order.id.0
    )));
}

/// The width of `c` in ems: CJK and full-width forms are square, the rest
/// (Latin, digits) narrower. An estimate on the safe side, for wrapping.
fn em_width(c: char) -> f32 {
    match c as u32 {
        0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF => 1.0,
        0x2000..=0x206F => 1.0,
        _ if c.is_ascii_uppercase() || c == 'm' || c == 'w' || c == 'W' => 0.7,
        _ => 0.56,
    }
}

/// Lines of at most `width` points at `size` points per em.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        let mut w = 0.0;
        for c in para.chars() {
            let cw = em_width(c) * size;
            if w + cw > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                w = 0.0;
            }
            line.push(c);
            w += cw;
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn text_width(s: &str, size: f32) -> f32 {
    s.chars().map(|c| em_width(c) * size).sum()
}

/// One drawing operation at a place on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: Image,
    },
    Rule {
        y: f32,
    },
}

/// Lays the blocks out on A4 pages, top to bottom.
fn layout(blocks: &[Block]) -> AppResult<Vec<Vec<Op>>> {
    let mut pages: Vec<Vec<Op>> = vec![Vec::new()];
    let mut y = MARGIN;
    let bottom = PAGE_H - MARGIN;
    let width = PAGE_W - 2.0 * MARGIN;
    let need = |pages: &mut Vec<Vec<Op>>, y: &mut f32, h: f32| {
        if *y + h > bottom {
            pages.push(Vec::new());
            *y = MARGIN;
        }
    };
    for block in blocks {
        match block {
            Block::Title(t) | Block::Subtitle(t) => {
                let size = if matches!(block, Block::Title(_)) {
                    22.0
                } else {
                    11.0
                };
                need(&mut pages, &mut y, size * 1.8);
                y += size * 1.3;
                let x = (PAGE_W - text_width(t, size)) / 2.0;
                let page = pages.last_mut().expect("a page");
                page.push(Op::Text {
                    x: x.max(MARGIN),
                    y,
                    size,
                    text: t.clone(),
                });
                y += size * 0.6;
            }
            Block::Heading(t) | Block::Para(t) | Block::Small(t) => {
                let (size, before) = match block {
                    Block::Heading(_) => (13.0, 8.0),
                    Block::Para(_) => (11.0, 2.0),
                    _ => (8.5, 1.0),
                };
                y += before;
                for line in wrap(t, size, width) {
                    need(&mut pages, &mut y, size * 1.6);
                    y += size * 1.25;
                    let page = pages.last_mut().expect("a page");
                    page.push(Op::Text {
                        x: MARGIN,
                        y,
                        size,
                        text: line,
                    });
                    y += size * 0.35;
                }
            }
            Block::Photos(pics) => {
                let mut x = MARGIN + 12.0;
                let mut row_h: f32 = 0.0;
                y += 4.0;
                for bytes in pics {
                    let image = Image::from_jpeg(bytes.to_vec().into(), true)
                        .map_err(|e| AppError::internal(anyhow::anyhow!("thumbnail: {e}")))?;
                    let (iw, ih) = image.size();
                    let h = PHOTO_W * ih as f32 / iw.max(1) as f32;
                    let h = h.min(PHOTO_W * 1.4);
                    let w = h * iw as f32 / ih.max(1) as f32;
                    if x + w > PAGE_W - MARGIN {
                        x = MARGIN + 12.0;
                        y += row_h + 6.0;
                        row_h = 0.0;
                    }
                    need(&mut pages, &mut y, h);
                    let page = pages.last_mut().expect("a page");
                    page.push(Op::Image { x, y, w, h, image });
                    x += w + 8.0;
                    row_h = row_h.max(h);
                }
                y += row_h + 4.0;
            }
            Block::Rule => {
                need(&mut pages, &mut y, 10.0);
                y += 5.0;
                pages.last_mut().expect("a page").push(Op::Rule { y });
                y += 5.0;
            }
            Block::Gap(g) => y += g,
        }
    }
    Ok(pages)
}

fn render(blocks: &[Block], title: &str) -> AppResult<Vec<u8>> {
    let pages = layout(blocks)?;
    let mut doc = Document::new();
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title.to_string())
            .language("zh-CN".into())
            .creator("anhuan 安环".into()),
    );
    let font = FONT.clone();
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("page size")))?;
    for ops in pages {
        let mut page = doc.start_page_with(settings.clone());
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, size, text } => s.draw_text(
                    Point::from_xy(x, y),
                    font.clone(),
                    size,
                    &text,
                    false,
                    TextDirection::Auto,
                ),
                Op::Image { x, y, w, h, image } => {
                    s.push_transform(&Transform::from_translate(x, y));
                    if let Some(size) = Size::from_wh(w, h) {
                        s.draw_image(image, size);
                    }
                    s.pop();
                }
                Op::Rule { y } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(MARGIN, y);
                    pb.line_to(PAGE_W - MARGIN, y);
                    if let Some(path) = pb.finish() {
                        s.set_stroke(Some(Stroke {
                            width: 0.6,
                            ..Default::default()
                        }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
            }
        }
        s.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| AppError::internal(anyhow::anyhow!("PDF: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_the_chinese_way() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(date_zh(d), "2026年12月1日");
    }

    #[test]
    fn long_text_wraps_within_the_width() {
        let text = "消防通道被货物堵塞".repeat(20);
        let lines = wrap(&text, 11.0, 483.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 11.0) <= 483.0));
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn a_text_only_document_is_small_and_has_its_text() {
        let blocks = vec![
            Block::Title("隐患整改通知书".into()),
            Block::Para("安环整改〔2026〕0001号 消防通道堵塞".into()),
        ];
        let pdf = render(&blocks, "t").unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
    }
}
