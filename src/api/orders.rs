use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::orders::{
    self, AcknowledgeBody, AssessmentBody, CancelBody, ChainReport, Command, CommentBody,
    EventView, ExtensionBody, ExtensionDecisionBody, ListingBody, NewOrder, OrderQuery, OrderView,
    Plan, ProgressBody, ResumptionBody, ResumptionDecisionBody, StopBody, SubmitBody,
    SupervisionBody, VerifyBody,
};
use crate::service::{Ctx, Page, Principal};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/rectification-orders")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(web::resource("/rectification-orders/{id}").route(web::get().to(get)))
    .service(web::resource("/rectification-orders/{id}/events").route(web::get().to(events)))
    .service(
        web::resource("/rectification-orders/{id}/events/verify")
            .route(web::get().to(verify_chain)),
    )
    .service(
        web::resource("/rectification-orders/{id}/extension-requests/{rid}/decision")
            .route(web::post().to(decide_extension)),
    );
    action_routes(cfg);
    pdf_routes(cfg);
}

fn with_etag(v: OrderView) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, orders::etag(v.id, v.version)))
        .json(v)
}

fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn run(
    ctx: &Ctx,
    who: &Principal,
    req: &HttpRequest,
    id: Uuid,
    cmd: Command,
) -> AppResult<HttpResponse> {
    Ok(with_etag(
        orders::act(ctx, who, id, cmd, if_match(req)).await?,
    ))
}

/// Issue a rectification order (inspector, safety_officer) for open findings of one enterprise.
#[utoipa::path(post, path = "/api/v1/rectification-orders", operation_id = "create_order", tag = "orders", security(("bearer" = [])), request_body = NewOrder, responses(
    (status = 201, body = OrderView, headers(("ETag" = String, description = "the order's version, for If-Match"), ("Location" = String))),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "a finding is not open or already on an order"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::JsonBody,
))]
pub async fn create(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    body: web::Json<NewOrder>,
) -> AppResult<HttpResponse> {
    let v = orders::create(&ctx, &who, body.into_inner()).await?;
    let tag = orders::etag(v.id, v.version);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/rectification-orders/{}", v.id),
        ))
        .insert_header((header::ETAG, tag))
        .json(v))
}

/// Orders the caller may see, newest first; `overdue` is computed in the park's time zone.
#[utoipa::path(get, path = "/api/v1/rectification-orders", operation_id = "list_orders", tag = "orders", security(("bearer" = [])), params(OrderQuery), responses(
    (status = 200, body = Page<OrderView>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn list(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<OrderQuery>,
) -> AppResult<web::Json<Page<OrderView>>> {
    Ok(web::Json(orders::list(&ctx, &who, q.into_inner()).await?))
}

/// One order with findings, events and extension requests; `ETag` for `If-Match`.
#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}", operation_id = "get_order", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = OrderView, headers(("ETag" = String))),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(with_etag(orders::get(&ctx, &who, id.into_inner()).await?))
}

/// The event history (internal notes hidden from enterprises).
#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}/events", operation_id = "list_order_events", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<EventView>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn events(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<EventView>>> {
    Ok(web::Json(
        orders::events(&ctx, &who, id.into_inner()).await?,
    ))
}

/// Recompute the hash chain and say where it breaks.
#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}/events/verify", operation_id = "verify_order_events", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ChainReport),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn verify_chain(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<ChainReport>> {
    Ok(web::Json(
        orders::verify_chain(&ctx, &who, id.into_inner()).await?,
    ))
}

/// What every order action answers: the order as it now is, or why not.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code, clippy::large_enum_variant)] // a description for the spec, never built
pub enum ActionResponses {
    /// The order after the action, with its new `ETag`.
    #[response(status = 200, headers(("ETag" = String, description = "the order's new version, for the next If-Match")))]
    Done(#[to_schema] OrderView),
    /// Not this role's action, or not on this order.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(#[to_schema] Problem),
    /// No such order in the caller's scope.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(#[to_schema] Problem),
    /// Not allowed in the order's state (`action_not_allowed`, the detail
    /// lists the allowed actions) or a rule of the action (e.g.
    /// `governance_plan_required`, `extension_pending`).
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(#[to_schema] Problem),
    /// `If-Match` names an older version (`etag_mismatch`): someone acted first.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(#[to_schema] Problem),
    /// The body is invalid; `errors` names each field.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(#[to_schema] Problem),
}

/// The optional `If-Match` every order action reads: the order's `ETag`
/// as last seen (or `*`); a stale one answers 412.
#[derive(utoipa::IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatch(Option<String>);

/// The `If-Match` `verify` and `cancel` require: the order's `ETag` as
/// last seen (or `*`); 428 without it, 412 when stale.
#[derive(utoipa::IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatchRequired(String);

/// The order actions, declared once: handler, method, path, body, and the
/// command it becomes. Each is documented with the same `If-Match`
/// parameter and the same answers ([`ActionResponses`]); those that close
/// or end a case name [`IfMatchRequired`] and add the 428 answer.
macro_rules! order_actions {
    ($( $(#[doc = $doc:literal])* $name:ident: $method:ident $path:literal, $body:ty => $cmd:path, $if_match:ident, [$($answers:path),+]; )*) => {
        $(
            $(#[doc = $doc])*
            #[utoipa::path($method, path = $path, context_path = "/api/v1", tag = "orders",
                operation_id = concat!("order_", stringify!($name)),
                security(("bearer" = [])), params(("id" = Uuid, Path), $if_match),
                request_body = $body, responses(super::openapi::Authenticated,
                    super::openapi::Malformed, super::openapi::JsonBody, $($answers),+))]
            pub async fn $name(
                ctx: web::Data<Ctx>,
                Auth(who): Auth,
                req: HttpRequest,
                id: web::Path<Uuid>,
                body: web::Json<$body>,
            ) -> AppResult<HttpResponse> {
                run(&ctx, &who, &req, id.into_inner(), $cmd(body.into_inner())).await
            }
        )*

        fn action_routes(cfg: &mut web::ServiceConfig) {
            $( cfg.service(web::resource($path).route(web::$method().to($name))); )*
        }
    };
}

order_actions! {
    /// 签收 (enterprise).
    acknowledge: post "/rectification-orders/{id}/acknowledge", AcknowledgeBody => Command::Acknowledge, IfMatch, [ActionResponses];
    /// Progress report with photos (enterprise, while rectifying).
    progress: post "/rectification-orders/{id}/progress", ProgressBody => Command::Progress, IfMatch, [ActionResponses];
    /// Governance plan (治理方案) for a major hazard (enterprise or safety_officer).
    plan: put "/rectification-orders/{id}/plan", Plan => Command::SavePlan, IfMatch, [ActionResponses];
    /// 整改完成: what was done per finding, with evidence photos (enterprise).
    submit: post "/rectification-orders/{id}/submit", SubmitBody => Command::Submit, IfMatch, [ActionResponses];
    /// 复查: accept (销号) or reject (inspector for general hazards, safety_officer for major ones); needs `If-Match`.
    verify: post "/rectification-orders/{id}/verify", VerifyBody => Command::Verify, IfMatchRequired, [ActionResponses, super::openapi::PreconditionRequired];
    /// Ask for a later deadline (enterprise).
    request_extension: post "/rectification-orders/{id}/extension-requests", ExtensionBody => Command::RequestExtension, IfMatch, [ActionResponses];
    /// Cancel with a reason (safety_officer); the findings return to open; needs `If-Match`.
    cancel: post "/rectification-orders/{id}/cancel", CancelBody => Command::Cancel, IfMatchRequired, [ActionResponses, super::openapi::PreconditionRequired];
    /// 督办函 for an overdue order, with a new time limit (safety_officer).
    supervision_letter: post "/rectification-orders/{id}/supervision-letter", SupervisionBody => Command::SupervisionLetter, IfMatch, [ActionResponses];
    /// 通报批评 after the supervision letter's time limit passed (safety_officer).
    public_criticism: post "/rectification-orders/{id}/public-criticism", CommentBody => Command::PublicCriticism, IfMatch, [ActionResponses];
    /// 挂牌督办 of a major hazard: supervising unit, 督办 number, time limit (safety_officer, once).
    list_for_supervision: post "/rectification-orders/{id}/supervision-listing", ListingBody => Command::ListForSupervision, IfMatch, [ActionResponses];
    /// Production or use stopped while a major hazard is fixed (停产停业 / 局部停产 / 停止使用), with the date, the scope and the measures meanwhile (enterprise or safety_officer; may be corrected until 复产 is applied for).
    record_stop: post "/rectification-orders/{id}/production-stop", StopBody => Command::RecordStop, IfMatch, [ActionResponses];
    /// 治理评估 of a major hazard's fix: who assessed, the conclusion and the 评估报告 document (enterprise; the latest counts).
    assess: post "/rectification-orders/{id}/assessment", AssessmentBody => Command::Assess, IfMatch, [ActionResponses];
    /// 复产申请 after a stop, once an assessment found the hazard eliminated (enterprise); the office's clock starts.
    apply_resumption: post "/rectification-orders/{id}/resumption", ResumptionBody => Command::ApplyResumption, IfMatch, [ActionResponses];
    /// The 复产 decision: approve, or refuse with reasons (safety_officer, not the order's issuer or reporter).
    decide_resumption: post "/rectification-orders/{id}/resumption/decision", ResumptionDecisionBody => Command::DecideResumption, IfMatch, [ActionResponses];
}

/// Approve or deny an extension (safety_officer).
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/extension-requests/{rid}/decision", operation_id = "order_decide_extension", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("rid" = Uuid, Path), IfMatch), request_body = ExtensionDecisionBody,
    responses(super::openapi::Authenticated, super::openapi::Malformed, super::openapi::JsonBody, ActionResponses))]
pub async fn decide_extension(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ExtensionDecisionBody>,
) -> AppResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let cmd = Command::DecideExtension(rid, body.into_inner());
    run(&ctx, &who, &req, id, cmd).await
}

fn pdf_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/rectification-orders/{id}/notice.pdf").route(web::get().to(notice_pdf)),
    )
    .service(
        web::resource("/rectification-orders/{id}/supervision-letter.pdf")
            .route(web::get().to(supervision_letter_pdf)),
    )
    .service(
        web::resource("/rectification-orders/{id}/major-hazard-report")
            .route(web::get().to(major_hazard_report)),
    );
}

/// RFC 5987 `filename*`: everything but the unreserved characters percent-encoded.
fn attachment(name: &str) -> String {
    let mut out = String::from("attachment; filename*=UTF-8''");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A document sent for download; the console sends its PDFs the same way.
pub(crate) fn pdf_response(pdf: crate::service::notice_pdf::Pdf) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, attachment(&pdf.file_name)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(pdf.bytes)
}

/// 下载整改通知书: the notice as a PDF (Chinese text, the findings' photos, and the event-chain head to check against `events/verify`).
#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}/notice.pdf", operation_id = "order_notice_pdf", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, description = "the 整改通知书 as PDF (sent as an attachment)", body = super::openapi::Binary, content_type = "application/pdf"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn notice_pdf(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let pdf = crate::service::notice_pdf::notice_pdf(&ctx, &who, id.into_inner()).await?;
    Ok(pdf_response(pdf))
}

/// 督办函 as a PDF; 404 when the order has none.
#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}/supervision-letter.pdf", operation_id = "order_supervision_letter_pdf", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, description = "the 督办函 as PDF (sent as an attachment)", body = super::openapi::Binary, content_type = "application/pdf"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn supervision_letter_pdf(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let pdf =
        crate::service::notice_pdf::supervision_letter_pdf(&ctx, &who, id.into_inner()).await?;
    Ok(pdf_response(pdf))
}

/// 重大事故隐患报告 to the supervising authority (《安全生产事故隐患排查治理暂行规定》第十四条第二款): the hazard's state and cause, its danger and difficulty, and the governance plan, with the path so far; PDF or XLSX. 404 for a general-hazard order.
#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}/major-hazard-report", operation_id = "order_major_hazard_report", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path), crate::service::major_report::ReportQuery), responses(
    (status = 200, description = "the report (sent as an attachment)", content(
        (super::openapi::Binary = "application/pdf"),
        (super::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound, super::openapi::QueryRules,
))]
pub async fn major_hazard_report(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
    q: web::Query<crate::service::major_report::ReportQuery>,
) -> AppResult<HttpResponse> {
    let r =
        crate::service::major_report::report(&ctx, &who, id.into_inner(), q.into_inner()).await?;
    Ok(report_response(r))
}

/// A generated report sent for download (API and console alike).
pub(crate) fn report_response(r: crate::service::major_report::Report) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(r.content_type)
        .insert_header((header::CONTENT_DISPOSITION, attachment(&r.file_name)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(r.bytes)
}
