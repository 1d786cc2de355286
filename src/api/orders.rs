use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::orders::{
    self, CancelBody, ChainReport, Command, CommentBody, EventView, ExtensionBody,
    ExtensionDecisionBody, NewOrder, OrderQuery, OrderView, Plan, ProgressBody, SubmitBody,
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
        web::resource("/rectification-orders/{id}/acknowledge").route(web::post().to(acknowledge)),
    )
    .service(web::resource("/rectification-orders/{id}/progress").route(web::post().to(progress)))
    .service(web::resource("/rectification-orders/{id}/plan").route(web::put().to(plan)))
    .service(web::resource("/rectification-orders/{id}/submit").route(web::post().to(submit)))
    .service(web::resource("/rectification-orders/{id}/verify").route(web::post().to(verify)))
    .service(
        web::resource("/rectification-orders/{id}/extension-requests")
            .route(web::post().to(request_extension)),
    )
    .service(
        web::resource("/rectification-orders/{id}/extension-requests/{rid}/decision")
            .route(web::post().to(decide_extension)),
    )
    .service(web::resource("/rectification-orders/{id}/cancel").route(web::post().to(cancel)))
    .service(
        web::resource("/rectification-orders/{id}/supervision-letter")
            .route(web::post().to(supervision_letter)),
    )
    .service(
        web::resource("/rectification-orders/{id}/public-criticism")
            .route(web::post().to(public_criticism)),
    );
}

fn with_etag(v: OrderView) -> HttpResponse {
    let tag = format!("\"{}-v{}\"", v.id, v.version);
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
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
#[utoipa::path(post, path = "/api/v1/rectification-orders", tag = "orders", security(("bearer" = [])), request_body = NewOrder, responses(
    (status = 201, body = OrderView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    body: web::Json<NewOrder>,
) -> AppResult<HttpResponse> {
    let v = orders::create(&ctx, &who, body.into_inner()).await?;
    let tag = format!("\"{}-v{}\"", v.id, v.version);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/rectification-orders/{}", v.id),
        ))
        .insert_header((header::ETAG, tag))
        .json(v))
}

/// Orders the caller may see, newest first; `overdue` is computed in the park's time zone.
#[utoipa::path(get, path = "/api/v1/rectification-orders", tag = "orders", security(("bearer" = [])), params(OrderQuery), responses((status = 200, body = Page<OrderView>)))]
pub async fn list(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<OrderQuery>,
) -> AppResult<web::Json<Page<OrderView>>> {
    Ok(web::Json(orders::list(&ctx, &who, q.into_inner()).await?))
}

/// One order with findings, events and extension requests; `ETag` for `If-Match`.
#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = OrderView, headers(("ETag" = String))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(with_etag(orders::get(&ctx, &who, id.into_inner()).await?))
}

/// The event history (internal notes hidden from enterprises).
#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}/events", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = 200, body = Vec<EventView>)))]
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
#[utoipa::path(get, path = "/api/v1/rectification-orders/{id}/events/verify", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = 200, body = ChainReport)))]
pub async fn verify_chain(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<ChainReport>> {
    Ok(web::Json(
        orders::verify_chain(&ctx, &who, id.into_inner()).await?,
    ))
}

/// 签收 (enterprise).
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/acknowledge", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = CommentBody, responses(
    (status = 200, body = OrderView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "not allowed in this state; detail lists the allowed actions"),
    (status = 412, body = Problem, content_type = "application/problem+json", description = "stale If-Match"),
))]
pub async fn acknowledge(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<CommentBody>,
) -> AppResult<HttpResponse> {
    run(
        &ctx,
        &who,
        &req,
        id.into_inner(),
        Command::Acknowledge(body.into_inner()),
    )
    .await
}

/// Progress report with photos (enterprise, while rectifying).
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/progress", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ProgressBody, responses((status = 200, body = OrderView)))]
pub async fn progress(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<ProgressBody>,
) -> AppResult<HttpResponse> {
    run(
        &ctx,
        &who,
        &req,
        id.into_inner(),
        Command::Progress(body.into_inner()),
    )
    .await
}

/// Governance plan (治理方案) for a major hazard (enterprise or safety_officer).
#[utoipa::path(put, path = "/api/v1/rectification-orders/{id}/plan", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = Plan, responses((status = 200, body = OrderView)))]
pub async fn plan(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<Plan>,
) -> AppResult<HttpResponse> {
    run(
        &ctx,
        &who,
        &req,
        id.into_inner(),
        Command::SavePlan(body.into_inner()),
    )
    .await
}

/// 整改完成: what was done per finding, with evidence photos (enterprise).
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/submit", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SubmitBody, responses((status = 200, body = OrderView)))]
pub async fn submit(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<SubmitBody>,
) -> AppResult<HttpResponse> {
    run(
        &ctx,
        &who,
        &req,
        id.into_inner(),
        Command::Submit(body.into_inner()),
    )
    .await
}

/// 复查: accept (销号) or reject (inspector for general hazards, safety_officer for major ones).
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/verify", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = VerifyBody, responses((status = 200, body = OrderView)))]
pub async fn verify(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<VerifyBody>,
) -> AppResult<HttpResponse> {
    run(
        &ctx,
        &who,
        &req,
        id.into_inner(),
        Command::Verify(body.into_inner()),
    )
    .await
}

/// Ask for a later deadline (enterprise).
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/extension-requests", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ExtensionBody, responses((status = 200, body = OrderView)))]
pub async fn request_extension(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<ExtensionBody>,
) -> AppResult<HttpResponse> {
    run(
        &ctx,
        &who,
        &req,
        id.into_inner(),
        Command::RequestExtension(body.into_inner()),
    )
    .await
}

/// Approve or deny an extension (safety_officer).
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/extension-requests/{rid}/decision", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path), ("rid" = Uuid, Path)), request_body = ExtensionDecisionBody, responses((status = 200, body = OrderView)))]
pub async fn decide_extension(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ExtensionDecisionBody>,
) -> AppResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    run(
        &ctx,
        &who,
        &req,
        id,
        Command::DecideExtension(rid, body.into_inner()),
    )
    .await
}

/// Cancel with a reason (safety_officer); the findings return to open.
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/cancel", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CancelBody, responses((status = 200, body = OrderView)))]
pub async fn cancel(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<CancelBody>,
) -> AppResult<HttpResponse> {
    run(
        &ctx,
        &who,
        &req,
        id.into_inner(),
        Command::Cancel(body.into_inner()),
    )
    .await
}

/// 督办函 for an overdue order, with a new time limit (safety_officer).
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/supervision-letter", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SupervisionBody, responses((status = 200, body = OrderView)))]
pub async fn supervision_letter(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<SupervisionBody>,
) -> AppResult<HttpResponse> {
    run(
        &ctx,
        &who,
        &req,
        id.into_inner(),
        Command::SupervisionLetter(body.into_inner()),
    )
    .await
}

/// 通报批评 after the supervision letter's time limit passed (safety_officer).
#[utoipa::path(post, path = "/api/v1/rectification-orders/{id}/public-criticism", tag = "orders", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CommentBody, responses((status = 200, body = OrderView)))]
pub async fn public_criticism(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<CommentBody>,
) -> AppResult<HttpResponse> {
    run(
        &ctx,
        &who,
        &req,
        id.into_inner(),
        Command::PublicCriticism(body.into_inner()),
    )
    .await
}
