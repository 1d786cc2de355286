//! The caller's inbox and, for admins, webhook endpoints and deliveries.

use super::extract::Auth;
use crate::error::{AppResult, Problem};
use crate::service::outbox::{
    self, DeliveryQuery, DeliveryView, InboxQuery, MarkedRead, NewWebhook, NotificationView,
    WebhookView,
};
use crate::service::preferences::{self, NotificationSettings, SettingsInput};
use crate::service::{Ctx, Page};
use actix_web::{web, HttpResponse};
use uuid::Uuid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/me/notifications").route(web::get().to(inbox)))
        .service(web::resource("/me/notifications/read-all").route(web::post().to(read_all)))
        .service(web::resource("/me/notifications/{id}/read").route(web::post().to(read)))
        .service(
            web::resource("/me/notification-settings")
                .route(web::get().to(settings))
                .route(web::put().to(save_settings)),
        )
        .service(
            web::resource("/webhooks")
                .route(web::post().to(create_webhook))
                .route(web::get().to(list_webhooks)),
        )
        .service(web::resource("/webhooks/{id}").route(web::delete().to(delete_webhook)))
        .service(web::resource("/webhooks/{id}/deliveries").route(web::get().to(deliveries)))
        .service(
            web::resource("/webhooks/{id}/deliveries/{delivery_id}/replay")
                .route(web::post().to(replay)),
        )
        .service(web::resource("/email-deliveries").route(web::get().to(email_deliveries)))
        .service(
            web::resource("/email-deliveries/{id}/replay").route(web::post().to(replay_email)),
        );
}

/// The caller's notifications: unread first, each part newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", operation_id = "list_my_notifications", tag = "notifications", security(("bearer" = [])), params(InboxQuery), responses(
    (status = 200, body = Page<NotificationView>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn inbox(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<InboxQuery>,
) -> AppResult<web::Json<Page<NotificationView>>> {
    Ok(web::Json(outbox::inbox(&ctx, &who, q.into_inner()).await?))
}

/// Mark one of the caller's notifications read (someone else's is 404).
#[utoipa::path(post, path = "/api/v1/me/notifications/{id}/read", operation_id = "read_my_notification", tag = "notifications", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = MarkedRead),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn read(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<MarkedRead>> {
    Ok(web::Json(
        outbox::mark_read(&ctx, &who, Some(id.into_inner())).await?,
    ))
}

/// Mark all of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/me/notifications/read-all", operation_id = "read_all_my_notifications", tag = "notifications", security(("bearer" = [])), responses(
    (status = 200, body = MarkedRead),
    super::openapi::Authenticated,
))]
pub async fn read_all(ctx: web::Data<Ctx>, Auth(who): Auth) -> AppResult<web::Json<MarkedRead>> {
    Ok(web::Json(outbox::mark_read(&ctx, &who, None).await?))
}

/// The caller's own e-mail address for notifications and the kinds of
/// message they muted (legal notices always arrive).
#[utoipa::path(get, path = "/api/v1/me/notification-settings", operation_id = "get_my_notification_settings", tag = "notifications", security(("bearer" = [])), responses(
    (status = 200, body = NotificationSettings),
    super::openapi::Authenticated,
))]
pub async fn settings(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
) -> AppResult<web::Json<NotificationSettings>> {
    Ok(web::Json(preferences::get(&ctx, &who).await?))
}

/// Replace the caller's notification settings: `email` (null: none) and
/// `muted` event types.
#[utoipa::path(put, path = "/api/v1/me/notification-settings", operation_id = "put_my_notification_settings", tag = "notifications", security(("bearer" = [])), request_body = SettingsInput, responses(
    (status = 200, body = NotificationSettings),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::JsonBody,
))]
pub async fn save_settings(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    body: web::Json<SettingsInput>,
) -> AppResult<web::Json<NotificationSettings>> {
    Ok(web::Json(
        preferences::put(&ctx, &who, body.into_inner()).await?,
    ))
}

/// Register a webhook endpoint (admin). Deliveries are signed as Standard
/// Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "create_webhook", tag = "webhooks", security(("bearer" = [])), request_body = NewWebhook, responses(
    (status = 201, body = WebhookView),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::JsonBody,
))]
pub async fn create_webhook(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    body: web::Json<NewWebhook>,
) -> AppResult<HttpResponse> {
    let w = outbox::create_webhook(&ctx, &who, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/webhooks/{}", w.id)))
        .json(w))
}

/// Webhook endpoints (admin); secrets are never shown again.
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "list_webhooks", tag = "webhooks", security(("bearer" = [])), responses(
    (status = 200, body = Vec<WebhookView>),
    super::openapi::Authenticated,
))]
pub async fn list_webhooks(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
) -> AppResult<web::Json<Vec<WebhookView>>> {
    Ok(web::Json(outbox::list_webhooks(&ctx, &who).await?))
}

/// Remove a webhook endpoint and its deliveries (admin).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 204, description = "deleted"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn delete_webhook(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    outbox::delete_webhook(&ctx, &who, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deliveries of an endpoint, newest first; `status=dead` lists the ones
/// that gave up (admin).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", operation_id = "list_webhook_deliveries", tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path), DeliveryQuery), responses(
    (status = 200, body = Page<DeliveryView>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound, super::openapi::QueryRules,
))]
pub async fn deliveries(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
    q: web::Query<DeliveryQuery>,
) -> AppResult<web::Json<Page<DeliveryView>>> {
    Ok(web::Json(
        outbox::deliveries(&ctx, &who, id.into_inner(), q.into_inner()).await?,
    ))
}

/// Queue a dead delivery again, with a fresh attempt count (admin).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", operation_id = "replay_webhook_delivery", tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path), ("delivery_id" = Uuid, Path)), responses(
    (status = 200, body = DeliveryView),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "the delivery is not dead (`delivery_not_dead`)"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn replay(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<web::Json<DeliveryView>> {
    let (w, d) = path.into_inner();
    Ok(web::Json(outbox::replay(&ctx, &who, w, d).await?))
}

/// Every e-mail (single or daily digest), newest first; `status=dead`
/// lists the ones that gave up, `skipped` those sent with no SMTP set (admin).
#[utoipa::path(get, path = "/api/v1/email-deliveries", operation_id = "list_email_deliveries", tag = "notifications", security(("bearer" = [])), params(DeliveryQuery), responses(
    (status = 200, body = Page<DeliveryView>),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::QueryRules,
))]
pub async fn email_deliveries(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    q: web::Query<DeliveryQuery>,
) -> AppResult<web::Json<Page<DeliveryView>>> {
    Ok(web::Json(
        outbox::email_deliveries(&ctx, &who, q.into_inner()).await?,
    ))
}

/// Queue a dead e-mail again, with a fresh attempt count (admin).
#[utoipa::path(post, path = "/api/v1/email-deliveries/{id}/replay", operation_id = "replay_email_delivery", tag = "notifications", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = DeliveryView),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "the delivery is not dead (`delivery_not_dead`)"),
    super::openapi::Authenticated, super::openapi::Malformed, super::openapi::NotFound,
))]
pub async fn replay_email(
    ctx: web::Data<Ctx>,
    Auth(who): Auth,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<DeliveryView>> {
    Ok(web::Json(
        outbox::replay_email(&ctx, &who, id.into_inner()).await?,
    ))
}
