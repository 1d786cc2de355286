use super::extract::Auth;
use crate::error::AppResult;
use crate::service::stats::{self, EnterpriseStats, Overview, StatsQuery};
use crate::service::Ctx;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/stats/overview").route(web::get().to(overview)))
        .service(web::resource("/stats/enterprises").route(web::get().to(enterprises)));
}

/// Counts by status, level, category and source; overdue; closed in the period; median days to close.
#[utoipa::path(get, path = "/api/v1/stats/overview", operation_id = "get_stats_overview", tag = "stats", security(("bearer" = [])), params(StatsQuery), responses(
    (status = 200, body = Overview),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn overview(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<StatsQuery>,
) -> AppResult<web::Json<Overview>> {
    Ok(web::Json(
        stats::overview(&ctx, &who, q.into_inner()).await?,
    ))
}

/// Per enterprise: open, overdue, closed, on-time rate.
#[utoipa::path(get, path = "/api/v1/stats/enterprises", operation_id = "get_enterprise_stats", tag = "stats", security(("bearer" = [])), params(StatsQuery), responses(
    (status = 200, body = Vec<EnterpriseStats>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn enterprises(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<StatsQuery>,
) -> AppResult<web::Json<Vec<EnterpriseStats>>> {
    Ok(web::Json(
        stats::per_enterprise(&ctx, &who, q.into_inner()).await?,
    ))
}
