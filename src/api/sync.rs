//! The change feed for phones and integrations.

use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::sync::{self, SyncPage, SyncQuery};
use crate::service::Ctx;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/sync").route(web::get().to(changes)));
}

/// Every change in the caller's scope since `cursor`, oldest first:
/// checklist versions, enterprises, inspections, findings, orders, order
/// events, photo and document metadata. Keep `next_cursor` and call again;
/// while `has_more` is true there is more to fetch at once. A cursor never
/// skips a change, also under concurrent writers.
#[utoipa::path(get, path = "/api/v1/sync", operation_id = "sync_changes", tag = "sync", security(("bearer" = [])), params(SyncQuery), responses(
    (status = 200, body = SyncPage),
    (status = 410, content_type = "application/problem+json", body = Problem,
        description = "The cursor belongs to another user, or the caller's role or enterprise changed since it was issued (`sync_cursor_stale`): discard the local copy and sync without a cursor."),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn changes(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<SyncQuery>,
) -> AppResult<web::Json<SyncPage>> {
    Ok(web::Json(sync::changes(&ctx, &who, q.into_inner()).await?))
}
