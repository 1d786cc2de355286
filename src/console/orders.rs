//! Orders: the list (我的整改通知 for an enterprise), the order page read
//! like the paper notice, its action forms, and issuing a new order.

use super::chrome::{Chrome, Lang};
use super::pages::{html, see_other, PageResult};
use super::refusal::{shown_in_form, Refusal};
use super::session::{ConsoleError, OrPage, Session};
use crate::domain::checklist::HazardLevel;
use crate::domain::finding::FindingStatus;
use crate::domain::major_hazard::{AssessorKind, StopMode};
use crate::domain::order::{Action, MajorReason, OrderStatus};
use crate::error::AppError;
use crate::service::findings::{self, FindingQuery};
use crate::service::major_report::{self, ReportFormat, ReportQuery};
use crate::service::orders::{self as svc, Command, OrderQuery, OrderView};
use crate::service::{documents, enterprises, notice_pdf, photos, Ctx};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub struct Row {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub status_class: &'static str,
    pub major: bool,
    pub level: &'static str,
    pub deadline: String,
    pub days_left: String,
    pub overdue: bool,
}

pub fn status_label(lang: Lang, s: OrderStatus) -> String {
    match lang {
        Lang::Zh => s.label_zh().to_string(),
        Lang::En => s.as_str().replace('_', " "),
    }
}

pub fn row(lang: Lang, o: &OrderView) -> Row {
    Row {
        id: o.id,
        number: o.number.clone(),
        status: status_label(lang, o.status),
        status_class: o.status.as_str(),
        major: o.level == HazardLevel::Major,
        level: lang.t(o.level.as_str()),
        deadline: lang.date(o.effective_deadline),
        days_left: days_cell(lang, o),
        overdue: o.overdue,
    }
}

/// Days left while open; for a closed case the days it took (issue to
/// 销号, in the park's calendar), for a cancelled one a dash.
fn days_cell(lang: Lang, o: &OrderView) -> String {
    let day = crate::domain::time::park_today;
    match (o.days_left, o.closed_at, o.cancelled_at) {
        (Some(d), _, _) => d.to_string(),
        (None, Some(closed), _) => {
            let took = (day(closed) - day(o.issued_at)).num_days();
            format!("{} {took}", lang.t("closed_in_days"))
        }
        (None, None, Some(_)) => "—".into(),
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "orders.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    statuses: Vec<(&'static str, String, bool)>,
    q: String,
    /// The next page's link (the same filters, the cursor), if any.
    more: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    q: web::Query<ListQuery>,
) -> PageResult {
    let lang = Lang::of(&req);
    let status = q.status.as_deref().and_then(OrderStatus::parse);
    let text = q.q.clone().unwrap_or_default().trim().to_string();
    let page = svc::list(
        &ctx,
        &s.who,
        OrderQuery {
            status,
            q: Some(text.clone()).filter(|t| !t.is_empty()),
            cursor: q.cursor.clone(),
            limit: Some(50),
            ..OrderQuery::default()
        },
    )
    .await
    .page(&req)?;
    let rows = page.items.iter().map(|o| row(lang, o)).collect();
    let more = page.next_cursor.map(|cur| {
        format!(
            "/orders?status={}&q={}&cursor={cur}",
            status.map_or("", |s| s.as_str()),
            super::chrome::url_encode(&text)
        )
    });
    let statuses = OrderStatus::ALL
        .iter()
        .map(|st| (st.as_str(), status_label(lang, *st), Some(*st) == status))
        .collect();
    Ok(html(
        StatusCode::OK,
        &ListPage {
            c: Chrome::new(&req, Some(&s)),
            rows,
            statuses,
            q: text,
            more,
        },
    ))
}

pub struct PhotoCell {
    pub id: Uuid,
    pub flags: Vec<&'static str>,
}

pub struct FindingCell {
    pub id: Uuid,
    pub description: String,
    pub level: &'static str,
    pub location: String,
    pub basis: String,
    pub photos: Vec<PhotoCell>,
    /// The latest submission's answer for this finding.
    pub done: String,
    pub evidence: Vec<PhotoCell>,
}

pub struct EventCell {
    pub at: String,
    pub label: String,
    pub comment: String,
    pub photos: Vec<Uuid>,
}

pub struct ExtCell {
    pub id: Uuid,
    pub requested: String,
    pub reason: String,
    pub pending: bool,
}

struct DocCell {
    id: Uuid,
    /// PDF · 3页 · 120 KB · 2026年12月1日
    label: String,
}

fn doc_cell(lang: Lang, d: &documents::DocumentView) -> DocCell {
    let mut label = d.kind.to_ascii_uppercase();
    if let Some(pages) = d.page_count {
        label.push_str(&format!(" · {pages}{}", lang.t("pages_unit")));
    }
    label.push_str(&format!(" · {} KB", (d.byte_size + 1023) / 1024));
    let day = crate::domain::time::park_today(d.created_at);
    label.push_str(&format!(" · {}", lang.date(day)));
    DocCell { id: d.id, label }
}

/// The major-hazard path as the page states it, one line per step.
struct PathCells {
    listing: String,
    stop: String,
    assessment: String,
    resumption: String,
    resumption_overdue: bool,
    needed: Vec<String>,
}

fn path_cells(lang: Lang, m: &svc::MajorHazardView) -> PathCells {
    let listing = m.supervision.as_ref().map_or(String::new(), |s| {
        format!(
            "{} · {} · {} {}",
            s.supervising_unit,
            s.number,
            lang.t("listing_time_limit"),
            lang.date(s.time_limit)
        )
    });
    let stop = m.production_stop.as_ref().map_or(String::new(), |s| {
        let mode = lang.t(match s.mode {
            StopMode::StopProduction => "stop_mode_stop_production",
            StopMode::PartialStop => "stop_mode_partial_stop",
            StopMode::StopUse => "stop_mode_stop_use",
        });
        format!(
            "{mode} · {} · {} · {}",
            lang.date(s.date),
            s.scope,
            s.interim_measures
        )
    });
    let assessment = m.assessment.as_ref().map_or(String::new(), |a| {
        let verdict = lang.t(if a.eliminated {
            "eliminated"
        } else {
            "hazard_remains"
        });
        format!("{} · {} · {verdict}", a.assessor, a.conclusion)
    });
    let resumption = m.resumption.as_ref().map_or(String::new(), |r| {
        let status = match lang {
            Lang::Zh => r.status_label.clone(),
            Lang::En => r.status.as_str().to_string(),
        };
        format!(
            "{status} · {} {}",
            lang.t("decide_by"),
            lang.date(r.decide_by)
        )
    });
    PathCells {
        listing,
        stop,
        assessment,
        resumption,
        resumption_overdue: m.resumption.as_ref().is_some_and(|r| r.overdue),
        needed: m
            .needed_to_close
            .iter()
            .map(|n| match lang {
                Lang::Zh => n.label.clone(),
                Lang::En => n.code.replace('_', " "),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    c: Chrome,
    o: Row,
    version: i32,
    issued_at: String,
    requirements: String,
    /// 整改责任人 "name · phone", once the enterprise named one.
    responsible: String,
    findings: Vec<FindingCell>,
    events: Vec<EventCell>,
    extensions: Vec<ExtCell>,
    can: Vec<&'static str>,
    is_major: bool,
    /// A 督办函 was issued, so it can be downloaded.
    has_letter: bool,
    /// Documents attached through the order's events, oldest first.
    documents: Vec<DocCell>,
    today: String,
    /// A major-hazard order's path so far.
    path: Option<PathCells>,
    /// Carries 督察反馈问题: closing records their 验收 and 公示.
    env_audit: bool,
    /// The form just refused, if any.
    refusal: Option<Refusal>,
    /// The issuing office (`issuing_office`), as the documents print it.
    office: String,
}

impl OrderPage {
    fn may(&self, action: &str) -> bool {
        self.can.contains(&action)
    }

    fn refused(&self, form: &str) -> String {
        Refusal::box_for(self.refusal.as_ref(), form)
    }

    fn fe(&self, form: &str, field: &str) -> String {
        Refusal::field_for(self.refusal.as_ref(), form, field)
    }

    fn v(&self, form: &str, name: &str) -> &str {
        Refusal::value_for(self.refusal.as_ref(), form, name)
    }
}

fn flag_key(f: &str) -> &'static str {
    match f {
        "taken_before_order" => "flag_taken_before_order",
        "far_from_finding" => "flag_far_from_finding",
        _ => "flag_no_camera_time",
    }
}

pub async fn page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<String>,
) -> PageResult {
    let id = parse_id(&req, &path)?;
    let o = svc::get(&ctx, &s.who, id).await.page(&req)?;
    Ok(html(StatusCode::OK, &order_page(&ctx, &req, &s, &o)))
}

/// 下载整改通知书 / 督办函: the same PDFs as the API, for the page's reader.
pub async fn download(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, String)>,
) -> PageResult {
    let (id, kind) = path.into_inner();
    let id = parse_id(&req, &id)?;
    let report = |format| ReportQuery {
        format: Some(format),
    };
    let pdf = match kind.as_str() {
        "notice" => notice_pdf::notice_pdf(&ctx, &s.who, id).await,
        "supervision-letter" => notice_pdf::supervision_letter_pdf(&ctx, &s.who, id).await,
        "major-hazard-report" | "major-hazard-report-xlsx" => {
            let format = match kind.as_str() {
                "major-hazard-report" => ReportFormat::Pdf,
                _ => ReportFormat::Xlsx,
            };
            let r = major_report::report(&ctx, &s.who, id, report(format))
                .await
                .page(&req)?;
            return Ok(crate::api::orders::report_response(r));
        }
        _ => Err(AppError::not_found("文书 document")),
    }
    .page(&req)?;
    Ok(crate::api::orders::pdf_response(pdf))
}

fn order_page(ctx: &Ctx, req: &HttpRequest, s: &Session, o: &OrderView) -> OrderPage {
    let lang = Lang::of(req);
    let events = o.events.as_deref().unwrap_or_default();
    // The latest submission: what was done per finding, with its flags.
    let last_submit = events.iter().rev().find(|e| e.action == Action::Submit);
    let answer = |fid: Uuid| -> (String, Vec<PhotoCell>) {
        let Some(e) = last_submit else {
            return (String::new(), Vec::new());
        };
        let Some(item) = e.data["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|i| i["finding_id"].as_str() == Some(&fid.to_string()))
        }) else {
            return (String::new(), Vec::new());
        };
        let photos = item["photo_ids"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str())
                    .filter_map(|p| p.parse::<Uuid>().ok())
                    .map(|pid| PhotoCell {
                        id: pid,
                        flags: item["photo_flags"][pid.to_string()]
                            .as_array()
                            .map(|fl| {
                                fl.iter()
                                    .filter_map(|f| f.as_str())
                                    .map(|f| lang.t(flag_key(f)))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        (
            item["description"].as_str().unwrap_or("").to_string(),
            photos,
        )
    };
    let findings = o
        .findings
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let (done, evidence) = answer(f.id);
            FindingCell {
                id: f.id,
                description: f.description.clone(),
                level: lang.t(f.level.as_str()),
                location: f.location_text.clone().unwrap_or_default(),
                basis: f.regulatory_basis.clone().unwrap_or_default(),
                photos: f
                    .photo_ids
                    .iter()
                    .map(|p| PhotoCell {
                        id: *p,
                        flags: Vec::new(),
                    })
                    .collect(),
                done,
                evidence,
            }
        })
        .collect();
    let events = events
        .iter()
        .map(|e| EventCell {
            at: lang.datetime(e.at),
            label: match lang {
                Lang::Zh => e.action.label_zh().to_string(),
                Lang::En => e.action.as_str().replace('_', " "),
            },
            comment: e.comment.clone(),
            photos: e.photo_ids.clone(),
        })
        .collect();
    let extensions = o
        .extension_requests
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|x| ExtCell {
            id: x.id,
            requested: lang.date(x.requested_deadline),
            reason: x.reason.clone(),
            pending: x.status == crate::domain::order::ExtensionStatus::Pending,
        })
        .collect();
    OrderPage {
        c: Chrome::new(req, Some(s)),
        o: row(lang, o),
        version: o.version,
        issued_at: lang.date((o.issued_at + chrono::Duration::hours(8)).date_naive()),
        requirements: o.requirements.clone(),
        responsible: o
            .responsible_person
            .as_ref()
            .map(|p| format!("{} · {}", p.name, p.phone))
            .unwrap_or_default(),
        findings,
        events,
        extensions,
        can: o.allowed_actions.iter().map(|a| a.as_str()).collect(),
        is_major: o.level == HazardLevel::Major,
        documents: o
            .documents
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|d| doc_cell(lang, d))
            .collect(),
        has_letter: o
            .escalation
            .as_ref()
            .is_some_and(|e| e.supervision_letter.is_some()),
        today: crate::domain::time::park_today(chrono::Utc::now()).to_string(),
        path: o.major_hazard.as_ref().map(|m| path_cells(lang, m)),
        refusal: None,
        office: ctx.settings.issuing_office.trim().to_string(),
        env_audit: o
            .findings
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|f| f.source == crate::domain::finding::Source::EnvAudit),
    }
}

fn parse_id(req: &HttpRequest, s: &str) -> Result<Uuid, ConsoleError> {
    s.parse()
        .map_err(|_| ConsoleError::app(AppError::not_found("整改通知书 order"), req))
}

/// A form's fields; files uploaded in it are ingested as photos and their
/// ids listed under the field's name.
pub(super) struct Form {
    text: HashMap<String, String>,
    photos: HashMap<String, Vec<Uuid>>,
    /// Files from inputs named `documents…` (检测报告, 验收意见 …).
    docs: HashMap<String, Vec<Uuid>>,
}

impl Form {
    pub(super) fn photos(&self, k: &str) -> Vec<Uuid> {
        self.photos.get(k).cloned().unwrap_or_default()
    }

    pub(super) fn docs(&self, k: &str) -> Vec<Uuid> {
        self.docs.get(k).cloned().unwrap_or_default()
    }

    /// The text fields, for a refused form to be filled in again.
    pub(super) fn text_fields(&self) -> HashMap<String, String> {
        self.text.clone()
    }

    pub(super) fn get(&self, k: &str) -> String {
        self.text.get(k).cloned().unwrap_or_default()
    }
}

const TEXT_MAX: usize = 64 * 1024;

/// Reads a urlencoded or multipart form. The CSRF field must come before
/// any file: a file is never stored for a forged request.
pub(super) async fn read_form(
    ctx: &Ctx,
    req: &HttpRequest,
    s: &Session,
    payload: web::Payload,
) -> Result<Form, ConsoleError> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let lang = Lang::of(req);
    let mut form = Form {
        text: HashMap::new(),
        photos: HashMap::new(),
        docs: HashMap::new(),
    };
    if !ct.starts_with("multipart/form-data") {
        let mut body = web::BytesMut::new();
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| bad(lang, e.to_string()))?;
            if body.len() + chunk.len() > TEXT_MAX {
                return Err(bad(lang, "表单过大 / form too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&body).map_err(|e| bad(lang, e.to_string()))?;
        form.text.extend(pairs);
        s.check_csrf(req, &form.get("csrf"))?;
        return Ok(form);
    }
    let mut mp = Multipart::new(req.headers(), payload);
    let mut csrf_ok = false;
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(|e| bad(lang, e.to_string()))?;
        let name = field
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or("")
            .to_string();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        match filename {
            Some(f) => {
                if !csrf_ok {
                    return Err(ConsoleError::Csrf(lang));
                }
                if f.is_empty() {
                    // An empty file input: nothing chosen.
                    while field.next().await.is_some() {}
                    continue;
                }
                let body = field.map(|r| r.map_err(|e| e.to_string()));
                if name.starts_with("documents") {
                    let spooled = documents::spool(ctx, body).await.page(req)?;
                    let (_, v) = documents::upload(ctx, &s.who, spooled).await.page(req)?;
                    form.docs.entry(name).or_default().push(v.id);
                } else {
                    let spooled = photos::spool(ctx, body).await.page(req)?;
                    let (_, v) = photos::ingest(ctx, &s.who, spooled, Default::default())
                        .await
                        .page(req)?;
                    form.photos.entry(name).or_default().push(v.id);
                }
            }
            None => {
                let mut text = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|e| bad(lang, e.to_string()))?;
                    text.extend_from_slice(&chunk);
                    if text.len() > TEXT_MAX {
                        return Err(bad(lang, "字段过长 / field too long".into()));
                    }
                }
                let text = String::from_utf8(text)
                    .map_err(|_| bad(lang, "不是UTF-8文本 / not UTF-8 text".into()))?;
                if name == "csrf" {
                    s.check_csrf(req, &text)?;
                    csrf_ok = true;
                }
                form.text.insert(name, text);
            }
        }
    }
    if !csrf_ok {
        return Err(ConsoleError::Csrf(lang));
    }
    Ok(form)
}

fn bad(lang: Lang, detail: String) -> ConsoleError {
    ConsoleError::App(
        AppError::bad_request(crate::error::codes::MALFORMED_MULTIPART, detail),
        lang,
        None,
    )
}

pub(super) fn date_field(f: &Form, name: &str) -> Result<NaiveDate, AppError> {
    f.get(name)
        .parse()
        .map_err(|_| AppError::field(name, "请填写日期 / enter a date"))
}

fn uuid_field(f: &Form, name: &str) -> Result<Uuid, AppError> {
    f.get(name)
        .parse()
        .map_err(|_| AppError::field(name, "无效 / invalid"))
}

/// The command a form asks for.
fn command(action: &str, o: &OrderView, f: &Form) -> Result<Command, AppError> {
    Ok(match action {
        "acknowledge" => Command::Acknowledge(svc::AcknowledgeBody {
            comment: f.get("comment"),
            // Both or neither: one without the other is refused, naming it.
            responsible_person: match (f.get("responsible_name"), f.get("responsible_phone")) {
                (n, p) if n.trim().is_empty() && p.trim().is_empty() => None,
                (name, phone) => Some(svc::ResponsiblePerson { name, phone }),
            },
        }),
        "progress" => Command::Progress(svc::ProgressBody {
            comment: f.get("comment"),
            photo_ids: f.photos("photos"),
            document_ids: f.docs("documents"),
        }),
        "submit" => Command::Submit(svc::SubmitBody {
            comment: f.get("comment"),
            items: o
                .findings
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|fi| svc::SubmitItem {
                    finding_id: fi.id,
                    description: f.get(&format!("done_{}", fi.id)),
                    photo_ids: f.photos(&format!("photos_{}", fi.id)),
                    document_ids: f.docs(&format!("documents_{}", fi.id)),
                })
                .collect(),
        }),
        "extension" => Command::RequestExtension(svc::ExtensionBody {
            requested_deadline: date_field(f, "requested_deadline")?,
            reason: f.get("reason"),
        }),
        "plan" => Command::SavePlan(svc::Plan {
            goal: f.get("goal"),
            measures: f.get("measures"),
            funds: f.get("funds"),
            responsible_people: f.get("responsible_people"),
            time_limit: date_field(f, "time_limit")?,
            safety_measures: f.get("safety_measures"),
            contingency_plan: f.get("contingency_plan"),
        }),
        "verify" => Command::Verify(svc::VerifyBody {
            decision: if f.get("decision") == "accept" {
                svc::Decision::Accept
            } else {
                svc::Decision::Reject
            },
            opinion: f.get("opinion"),
            photo_ids: f.photos("photos"),
            document_ids: f.docs("documents"),
            internal_note: None,
            // Sent when the form had them (an order of 督察反馈问题).
            acceptance: match f.get("acceptance_date").as_str() {
                "" => None,
                _ => Some(svc::Acceptance {
                    date: date_field(f, "acceptance_date")?,
                    opinion: f.get("acceptance_opinion"),
                }),
            },
            disclosure: match f.get("disclosure_date").as_str() {
                "" => None,
                _ => Some(svc::Disclosure {
                    date: date_field(f, "disclosure_date")?,
                    place: f.get("disclosure_place"),
                }),
            },
        }),
        "decide-extension" => Command::DecideExtension(
            uuid_field(f, "extension_id")?,
            svc::ExtensionDecisionBody {
                approve: f.get("approve") == "true",
                comment: f.get("comment"),
            },
        ),
        "list-for-supervision" => Command::ListForSupervision(svc::ListingBody {
            supervising_unit: f.get("supervising_unit"),
            number: f.get("number"),
            time_limit: date_field(f, "time_limit")?,
            comment: f.get("comment"),
        }),
        "record-stop" => Command::RecordStop(svc::StopBody {
            mode: StopMode::parse(&f.get("mode"))
                .ok_or_else(|| AppError::field("mode", "请选择停产方式 / choose how it stopped"))?,
            date: date_field(f, "date")?,
            scope: f.get("scope"),
            interim_measures: f.get("interim_measures"),
            photo_ids: f.photos("photos"),
            document_ids: f.docs("documents"),
        }),
        "assess" => Command::Assess(svc::AssessmentBody {
            assessor_kind: AssessorKind::parse(&f.get("assessor_kind")).ok_or_else(|| {
                AppError::field("assessor_kind", "请选择评估方 / choose who assessed")
            })?,
            assessor: f.get("assessor"),
            conclusion: f.get("conclusion"),
            eliminated: f.get("eliminated") == "true",
            document_ids: f.docs("documents"),
            photo_ids: f.photos("photos"),
        }),
        "apply-resumption" => Command::ApplyResumption(svc::ResumptionBody {
            comment: f.get("comment"),
            document_ids: f.docs("documents"),
            photo_ids: f.photos("photos"),
        }),
        "decide-resumption" => Command::DecideResumption(svc::ResumptionDecisionBody {
            approve: f.get("approve") == "true",
            comment: f.get("comment"),
            document_ids: f.docs("documents"),
            photo_ids: f.photos("photos"),
        }),
        "supervision-letter" => Command::SupervisionLetter(svc::SupervisionBody {
            time_limit: date_field(f, "time_limit")?,
            comment: f.get("comment"),
        }),
        "public-criticism" => Command::PublicCriticism(svc::CommentBody {
            comment: f.get("comment"),
        }),
        "cancel" => Command::Cancel(svc::CancelBody {
            reason: f.get("reason"),
            internal_note: None,
        }),
        _ => return Err(AppError::not_found("页面 page")),
    })
}

/// `POST /orders/{id}/{action}`: the form's command under the version the
/// page was rendered from (`If-Match`), then back to the order.
pub async fn act(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> PageResult {
    let (id, action) = path.into_inner();
    let id = parse_id(&req, &id)?;
    // Scope first: an order outside it answers 404 before the body is read.
    let o = svc::get(&ctx, &s.who, id).await.page(&req)?;
    let form = read_form(&ctx, &req, &s, payload).await?;
    let done = match command(&action, &o, &form) {
        Ok(cmd) => {
            let version: i32 = form.get("version").parse().unwrap_or(o.version);
            let if_match = Some(svc::etag(id, version));
            svc::act(&ctx, &s.who, id, cmd, if_match).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(see_other(&format!("/orders/{id}"))),
        Err(e) if shown_in_form(&e) => {
            // The order as it now is, with the refused form filled in again.
            let now = svc::get(&ctx, &s.who, id).await.page(&req)?;
            let mut page = order_page(&ctx, &req, &s, &now);
            let values = form
                .text
                .into_iter()
                .filter(|(k, _)| k != "csrf" && k != "version")
                .collect();
            page.refusal = Some(Refusal::of(Lang::of(&req), &action, &e, values));
            let status = Refusal::status(&e);
            Ok(Refusal::respond(html(status, &page), &action))
        }
        Err(e) => Err(ConsoleError::app(e, &req)),
    }
}

pub struct Choice {
    pub id: Uuid,
    pub name: String,
    pub selected: bool,
}

pub struct OpenFinding {
    pub id: Uuid,
    pub description: String,
    pub level: &'static str,
    pub major: bool,
    pub photos: Vec<Uuid>,
}

#[derive(Template)]
#[template(path = "new_order.html")]
struct NewPage {
    c: Chrome,
    enterprises: Vec<Choice>,
    enterprise: Option<Uuid>,
    findings: Vec<OpenFinding>,
    min_date: String,
}

#[derive(Deserialize)]
pub struct NewQuery {
    enterprise_id: Option<Uuid>,
}

/// Issue an order: pick an enterprise, then tick its open findings.
pub async fn new_page(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    q: web::Query<NewQuery>,
) -> PageResult {
    let lang = Lang::of(&req);
    s.who
        .require(crate::domain::Role::is_park_staff)
        .page(&req)?;
    let list = enterprises::list(
        &ctx,
        &s.who,
        enterprises::EnterpriseQuery {
            limit: Some(crate::service::pagination::MAX_LIMIT),
            ..Default::default()
        },
    )
    .await
    .page(&req)?;
    let findings = match q.enterprise_id {
        Some(e) => findings::list(
            &ctx,
            &s.who,
            FindingQuery {
                enterprise_id: Some(e),
                status: Some(FindingStatus::Open),
                limit: Some(crate::service::pagination::MAX_LIMIT),
                ..Default::default()
            },
        )
        .await
        .page(&req)?
        .items
        .into_iter()
        .map(|f| OpenFinding {
            id: f.id,
            description: f.description,
            level: lang.t(f.level.as_str()),
            major: f.level == HazardLevel::Major,
            photos: f.photo_ids,
        })
        .collect(),
        None => Vec::new(),
    };
    Ok(html(
        StatusCode::OK,
        &NewPage {
            c: Chrome::new(&req, Some(&s)),
            enterprises: list
                .items
                .into_iter()
                .map(|e| Choice {
                    selected: Some(e.id) == q.enterprise_id,
                    id: e.id,
                    name: e.name,
                })
                .collect(),
            enterprise: q.enterprise_id,
            findings,
            min_date: crate::domain::time::park_today(chrono::Utc::now()).to_string(),
        },
    ))
}

/// `POST /orders/new`.
pub async fn create(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    s: Session,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|e| bad(Lang::of(&req), e.to_string()))?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    s.check_csrf(&req, &get("csrf"))?;
    let input = (|| {
        Ok::<_, AppError>(svc::NewOrder {
            enterprise_id: get("enterprise_id").parse().map_err(|_| {
                AppError::field("enterprise_id", "请选择企业 / choose an enterprise")
            })?,
            finding_ids: pairs
                .iter()
                .filter(|(n, _)| n == "finding_id")
                .filter_map(|(_, v)| v.parse().ok())
                .collect(),
            requirements: get("requirements"),
            deadline: get("deadline")
                .parse()
                .map_err(|_| AppError::field("deadline", "请填写日期 / enter a date"))?,
            major_reason: MajorReason::parse(&get("major_reason")),
        })
    })()
    .page(&req)?;
    let o = svc::create(&ctx, &s.who, input).await.page(&req)?;
    Ok(see_other(&format!("/orders/{}", o.id)))
}
