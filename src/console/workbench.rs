//! 工作台 of the safety office and inspectors: what needs doing now, this
//! month's figures, and two charts drawn server-side as SVG.

use super::chrome::{Chrome, Lang};
use super::orders::{row, Row};
use super::pages::{html, PageResult};
use super::session::{OrPage, Session};
use crate::domain::checklist::HazardLevel;
use crate::domain::finding::{FindingStatus, Source};
use crate::domain::major_hazard::ResumptionStatus;
use crate::domain::order::{Action, OrderStatus};
use crate::domain::Role;
use crate::service::enterprises;
use crate::service::findings::{self, FindingQuery};
use crate::service::orders::{self as svc, OrderQuery};
use crate::service::stats::{self, StatsQuery};
use crate::service::Ctx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use askama::Template;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};

/// A major hazard an enterprise reported from its own self-inspection,
/// waiting for the park's order.
pub struct Reported {
    pub enterprise_id: uuid::Uuid,
    pub enterprise: String,
    pub description: String,
    pub found: String,
}

pub struct Waiting {
    pub r: Row,
    pub days: i64,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct Page {
    c: Chrome,
    waiting: Vec<Waiting>,
    overdue: Vec<Row>,
    extensions: Vec<Row>,
    /// 复产 applications waiting for the office's decision.
    resumptions: Vec<Row>,
    self_reported: Vec<Reported>,
    issued_month: i64,
    closed_month: i64,
    overdue_now: i64,
    monthly_svg: String,
    level_svg: String,
}

/// The first moment (UTC) of the park's month `m` months before this one.
fn month_start(today: NaiveDate, back: u32) -> (NaiveDate, chrono::DateTime<Utc>) {
    let mut y = today.year();
    let mut m = today.month() as i32 - back as i32;
    while m <= 0 {
        m += 12;
        y -= 1;
    }
    let d = NaiveDate::from_ymd_opt(y, m as u32, 1).unwrap_or(today);
    let t = Utc.from_utc_datetime(
        &(d.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8)),
    );
    (d, t)
}

fn issued(o: &stats::Overview) -> i64 {
    o.orders_by_status
        .as_object()
        .map(|m| m.values().filter_map(|v| v.as_i64()).sum())
        .unwrap_or(0)
}

pub async fn page(ctx: web::Data<Ctx>, req: HttpRequest, s: Session) -> PageResult {
    s.who.require(Role::is_park_staff).page(&req)?;
    let lang = Lang::of(&req);
    let now = Utc::now();
    let today = crate::domain::time::park_today(now);
    let all = |status: Option<OrderStatus>, overdue: Option<bool>| OrderQuery {
        status,
        overdue,
        limit: Some(crate::service::pagination::MAX_LIMIT),
        ..OrderQuery::default()
    };
    let mut pending = svc::list(
        &ctx,
        &s.who,
        all(Some(OrderStatus::PendingVerification), None),
    )
    .await
    .page(&req)?
    .items;
    pending.sort_by_key(|o| o.submitted_at);
    let waiting = pending
        .iter()
        .map(|o| Waiting {
            r: row(lang, o),
            days: o.submitted_at.map_or(0, |t| (now - t).num_days()),
            late: o.verification_late,
        })
        .collect();
    let overdue_list = svc::list(&ctx, &s.who, all(None, Some(true)))
        .await
        .page(&req)?
        .items;
    let open = svc::list(&ctx, &s.who, all(None, None))
        .await
        .page(&req)?
        .items;
    let extensions = open
        .iter()
        .filter(|o| o.allowed_actions.contains(&Action::ApproveExtension))
        .map(|o| row(lang, o))
        .collect();
    // Shown to whoever may decide: the safety office; open cases only.
    let decides = s.who.role == Role::SafetyOfficer;
    let resumptions = open
        .iter()
        .filter(|_| decides)
        .filter(|o| o.status.is_open())
        .filter(|o| {
            o.major_hazard
                .as_ref()
                .and_then(|m| m.resumption.as_ref())
                .is_some_and(|r| r.status == ResumptionStatus::Pending)
        })
        .map(|o| row(lang, o))
        .collect();
    let self_reported = self_reported(&ctx, &req, &s, lang).await?;
    // Six months of issued vs closed, this month last.
    let mut months = Vec::new();
    for back in (0..6).rev() {
        let (d, from) = month_start(today, back);
        let to = if back == 0 {
            now
        } else {
            month_start(today, back - 1).1
        };
        let o = stats::overview(
            &ctx,
            &s.who,
            StatsQuery {
                from: Some(from),
                to: Some(to),
            },
        )
        .await
        .page(&req)?;
        months.push((
            format!("{}/{}", d.year() % 100, d.month()),
            issued(&o),
            o.closed_in_period,
        ));
    }
    let this = months.last().cloned().unwrap_or_default();
    let overall = stats::overview(&ctx, &s.who, StatsQuery::default())
        .await
        .page(&req)?;
    let open_by_level: Vec<(String, i64)> = [HazardLevel::General, HazardLevel::Major]
        .iter()
        .map(|l| {
            let n = open
                .iter()
                .filter(|o| o.status.is_open() && o.level == *l)
                .count() as i64;
            (lang.t(l.as_str()).to_string(), n)
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &Page {
            c: Chrome::new(&req, Some(&s)),
            waiting,
            overdue: overdue_list.iter().map(|o| row(lang, o)).collect(),
            extensions,
            resumptions,
            self_reported,
            issued_month: this.1,
            closed_month: this.2,
            overdue_now: overall.overdue,
            monthly_svg: monthly_chart(lang, &months),
            level_svg: bar_chart(&open_by_level),
        },
    ))
}

/// Open major hazards from enterprises' self-inspections, oldest first:
/// each waits for an order (16号令 第十四条第二款).
async fn self_reported(
    ctx: &Ctx,
    req: &HttpRequest,
    s: &Session,
    lang: Lang,
) -> Result<Vec<Reported>, super::session::ConsoleError> {
    let found = findings::list(
        ctx,
        &s.who,
        FindingQuery {
            source: Some(Source::SelfInspection),
            level: Some(HazardLevel::Major),
            status: Some(FindingStatus::Open),
            limit: Some(crate::service::pagination::MAX_LIMIT),
            ..Default::default()
        },
    )
    .await
    .page(req)?
    .items;
    let names = enterprises::list(
        ctx,
        &s.who,
        enterprises::EnterpriseQuery {
            limit: Some(crate::service::pagination::MAX_LIMIT),
            ..Default::default()
        },
    )
    .await
    .page(req)?
    .items;
    let mut out: Vec<Reported> = found
        .into_iter()
        .filter_map(|f| {
            let e = f.enterprise_id?;
            Some(Reported {
                enterprise_id: e,
                enterprise: names
                    .iter()
                    .find(|n| n.id == e)
                    .map(|n| n.name.clone())
                    .unwrap_or_default(),
                description: f.description,
                found: lang.date(crate::domain::time::park_today(f.created_at)),
            })
        })
        .collect();
    out.reverse();
    Ok(out)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Paired bars per month: issued (dark) and closed (light).
fn monthly_chart(lang: Lang, months: &[(String, i64, i64)]) -> String {
    let max = months
        .iter()
        .map(|m| m.1.max(m.2))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (w, h, base) = (320.0, 160.0, 130.0);
    let slot = w / months.len().max(1) as f64;
    let mut out = format!(
        r#"<svg viewBox="0 0 {w} {h}" role="img" aria-label="{}" class="chart">"#,
        esc(lang.t("issued_vs_closed"))
    );
    for (i, (label, a, b)) in months.iter().enumerate() {
        let x = i as f64 * slot + 6.0;
        for (j, (v, class)) in [(*a, "bar-a"), (*b, "bar-b")].iter().enumerate() {
            let bh = (*v as f64 / max) * 110.0;
            let bx = x + j as f64 * 18.0;
            out.push_str(&format!(
                r#"<rect class="{class}" x="{bx:.1}" y="{:.1}" width="16" height="{bh:.1}"><title>{v}</title></rect><text x="{:.1}" y="{:.1}" class="val">{v}</text>"#,
                base - bh,
                bx + 4.0,
                base - bh - 3.0
            ));
        }
        out.push_str(&format!(
            r#"<text x="{:.1}" y="150" class="lbl">{}</text>"#,
            x + 4.0,
            esc(label)
        ));
    }
    out.push_str(&format!(
        r#"<rect class="bar-a" x="200" y="2" width="10" height="10"/><text x="214" y="11" class="lbl">{}</text><rect class="bar-b" x="250" y="2" width="10" height="10"/><text x="264" y="11" class="lbl">{}</text></svg>"#,
        esc(lang.t("issued_n")),
        esc(lang.t("closed_n"))
    ));
    out
}

/// Horizontal bars, one per label.
fn bar_chart(rows: &[(String, i64)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let h = 30 * rows.len() + 10;
    let mut out = format!(r#"<svg viewBox="0 0 320 {h}" role="img" class="chart">"#);
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = 10 + i * 30;
        let bw = (*n as f64 / max) * 220.0;
        out.push_str(&format!(
            r#"<text x="0" y="{}" class="lbl">{}</text><rect class="bar-{}" x="50" y="{y}" width="{bw:.1}" height="18"><title>{n}</title></rect><text x="{:.1}" y="{}" class="val">{n}</text>"#,
            y + 14,
            esc(label),
            if i == 0 { "b" } else { "a" },
            55.0 + bw,
            y + 14
        ));
    }
    out.push_str("</svg>");
    out
}
