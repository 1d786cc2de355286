//! The OpenAPI 3.1 description, generated from the handlers and types.
//! Checked in at `api-spec/openapi.json`; regenerate with
//! `cargo run -- openapi > api-spec/openapi.json`.

use crate::domain::enterprise::Contact;
use crate::domain::{checklist, env_audit, finding, hash_chain, inspection, order};
use crate::domain::{FieldError, Industry, Label, Role};
use crate::error::Problem;
use crate::service::{
    auth, checklists, documents, enterprises, env_audits, findings, health, inspections, orders,
    photos, users,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The answers an operation behind a bearer token can give whatever it
/// does: declared once, listed in each such operation's `responses`.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // a description for the spec, never built
pub enum Authenticated {
    /// No token, or an unknown, expired or revoked one, or a disabled
    /// account (`unauthenticated`).
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Problem),
    /// The caller's role may not do this, or not on this record (`forbidden`).
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// The database is unavailable or overloaded (`service_unavailable`); retry later.
    #[response(status = 503, content_type = "application/problem+json",
        headers(("Retry-After" = Option<u32>, description = "seconds to wait")))]
    Unavailable(Problem),
}

/// 400: the request cannot be read as it stands.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Malformed {
    /// A path id that is no UUID (`invalid_path_parameter`), an unknown or
    /// mistyped query parameter (`invalid_query`), or a body that cannot be
    /// read (`malformed_json`, `malformed_multipart`, `bad_body`).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
}

/// 404: the record named in the path.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum NotFound {
    /// No such record, or one outside the caller's scope (`not_found`).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
}

/// 422 for query parameters that parse but break a rule.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum QueryRules {
    /// A query parameter is out of range (e.g. `limit`), or two disagree
    /// (`from` after `to`); `errors` names each (`validation_failed`).
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// What a JSON body can be refused for, besides 400.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum JsonBody {
    /// The body is larger than `max_json_bytes` (`body_too_large`).
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// The body is not `application/json` (`unsupported_content_type`).
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// A field broke a rule (`validation_failed`, `errors` names each
    /// field), or a rule of the operation.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// 428: an action that closes or ends a case (`verify`, `cancel`) was sent
/// without `If-Match`.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum PreconditionRequired {
    /// No `If-Match` (`precondition_required`): closing or ending a case
    /// must name the version it was decided on.
    #[response(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Problem),
}

/// The photo upload's multipart form.
#[derive(utoipa::ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct DocumentForm {
    /// The document: PDF, DOCX, XLSX or OFD (judged from the bytes).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(utoipa::ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PhotoForm {
    /// The image (JPEG, PNG, WebP, or HEIC in builds with it).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// When the phone took it (RFC 3339), if the image does not say.
    pub taken_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The phone's position when it was taken.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The position's accuracy in metres.
    pub accuracy_m: Option<f64>,
    /// The enterprise the photo is evidence about.
    pub enterprise_id: Option<uuid::Uuid>,
}

/// A file sent as multipart `file`.
#[derive(utoipa::ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct FileForm {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Raw bytes as the body.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct Binary(pub Vec<u8>);

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// Every POST that changes something takes `Idempotency-Key`
/// (`api::idempotency`); logging in does not.
struct IdempotencyKey;

impl Modify for IdempotencyKey {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Required, Type};
        for (path, item) in api.paths.paths.iter_mut() {
            let Some(op) = item.post.as_mut() else {
                continue;
            };
            if path.starts_with("/api/v1/auth/") && !path.ends_with("/logout") {
                continue;
            }
            let param = ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: the same key with the same request (method, path, body) \
                     within `idempotency_ttl_hours` replays the first answer with \
                     `Idempotent-Replayed: true`; with another request 422 \
                     `idempotency_key_reused`; while the first still runs 409 \
                     `idempotency_key_in_flight`. Keys are per user.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(crate::service::idempotency::MAX_KEY_LEN))
                        // Printable ASCII; no spaces, which HTTP may trim at the ends.
                        .pattern(Some("^[!-~]+$")),
                ))
                .build();
            op.parameters.get_or_insert_with(Vec::new).push(param);
            // What the key itself can answer, on every operation that takes it.
            for (status, what) in [
                (
                    "400",
                    "`idempotency_key_invalid` (or another malformed request)",
                ),
                ("409", "`idempotency_key_in_flight` (or another conflict)"),
                ("422", "`idempotency_key_reused` (or invalid content)"),
            ] {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem_response(what).into());
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "anhuan 安环 API",
        description = "Safety and environmental inspection backend for an industrial park: inspections, hazards, rectification orders. Errors are RFC 9457 application/problem+json with a stable `code`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::auth::login,
        super::auth::refresh,
        super::auth::logout,
        super::auth::me,
        super::users::create,
        super::users::list,
        super::users::get,
        super::users::update,
        super::enterprises::create,
        super::enterprises::list,
        super::enterprises::get,
        super::enterprises::update,
        super::checklists::list,
        super::checklists::latest,
        super::checklists::version,
        super::checklists::publish,
        super::inspections::put,
        super::inspections::submit,
        super::inspections::get,
        super::inspections::list,
        super::findings::put,
        super::findings::get,
        super::findings::list,
        super::photos::upload,
        super::photos::get,
        super::photos::original,
        super::photos::display,
        super::photos::thumbnail,
        super::documents::upload,
        super::documents::get,
        super::documents::content,
        super::uploads::options,
        super::uploads::create,
        super::uploads::head,
        super::uploads::get,
        super::uploads::patch,
        super::uploads::terminate,
        super::orders::create,
        super::orders::list,
        super::orders::get,
        super::orders::events,
        super::orders::verify_chain,
        super::orders::acknowledge,
        super::orders::progress,
        super::orders::plan,
        super::orders::submit,
        super::orders::verify,
        super::orders::request_extension,
        super::orders::decide_extension,
        super::orders::cancel,
        super::orders::supervision_letter,
        super::orders::public_criticism,
        super::orders::list_for_supervision,
        super::orders::record_stop,
        super::orders::assess,
        super::orders::apply_resumption,
        super::orders::decide_resumption,
        super::orders::major_hazard_report,
        super::findings::self_rectify,
        super::findings::get_self_rectification,
        super::enterprises::hazard_ledger,
        super::orders::notice_pdf,
        super::orders::supervision_letter_pdf,
        super::stats::overview,
        super::stats::enterprises,
        super::sync::changes,
        super::env_audits::create,
        super::env_audits::list,
        super::env_audits::get,
        super::env_audits::import,
        super::env_audits::ledger,
        super::notifications::inbox,
        super::notifications::read,
        super::notifications::read_all,
        super::notifications::settings,
        super::notifications::save_settings,
        super::notifications::create_webhook,
        super::notifications::list_webhooks,
        super::notifications::delete_webhook,
        super::notifications::deliveries,
        super::notifications::replay,
        super::notifications::email_deliveries,
        super::notifications::replay_email,
    ),
    components(schemas(
        Problem, FieldError, Role, Industry, Contact,
        super::auth::LoginRequest, super::auth::RefreshRequest, auth::LoginResult, auth::LoginUser,
        users::UserView, users::NewUser, users::UserPatch,
        enterprises::EnterpriseView, enterprises::NewEnterprise, enterprises::EnterprisePatch, Label,
        health::Readiness, health::Check,
        checklist::Template, checklist::Item, checklist::Category, checklist::HazardLevel, checklist::ResponseType,
        checklists::TemplateSummary, checklists::TemplateView, checklists::ChecklistList,
        inspection::Answer, inspection::AnswerResult,
        inspections::InspectionInput, inspections::InspectionView, inspections::AnswerView, inspections::ChecklistRef, crate::domain::inspection::InspectionKind, crate::domain::inspection::InspectionState,
        finding::Source, finding::FindingStatus,
        findings::FindingInput, findings::FindingView, findings::PhotoLinks,
        photos::PhotoView, photos::PhotoUrls, documents::DocumentView, DocumentForm,
        crate::service::uploads::UploadView, crate::service::uploads::UploadKind, crate::service::uploads::UploadState, super::uploads::TusResumable,
        orders::NewOrder, orders::OrderView, orders::EventView, orders::ExtensionView, orders::Plan, orders::ChainReport,
        orders::CommentBody, orders::AcknowledgeBody, orders::ResponsiblePerson, orders::ProgressBody, orders::SubmitBody, orders::SubmitItem, orders::VerifyBody, orders::Decision,
        orders::ExtensionBody, orders::ExtensionDecisionBody, orders::CancelBody, orders::SupervisionBody,
        orders::ListingBody, orders::StopBody, orders::AssessmentBody, orders::ResumptionBody, orders::ResumptionDecisionBody,
        orders::MajorHazardView, orders::ListingView, orders::StopView, orders::AssessmentView, orders::ResumptionView, orders::MissingStep,
        crate::service::major_report::ReportFormat,
        crate::service::self_rectification::SelfRectificationBody,
        crate::service::self_rectification::SelfRectificationView,
        crate::domain::major_hazard::StopMode, crate::domain::major_hazard::AssessorKind, crate::domain::major_hazard::ResumptionStatus,
        crate::service::stats::Overview, crate::service::stats::EnterpriseStats,
        crate::service::sync::SyncPage, crate::service::sync::Change, crate::service::sync::EntityType, crate::service::sync::ChangeOp, crate::service::sync::Record, crate::service::sync::OrderEventRecord,
        order::OrderStatus, order::Action, order::MajorReason, hash_chain::Break,
        orders::Acceptance, orders::Disclosure,
        env_audit::AuditLevel, env_audits::NewAudit, env_audits::AuditView, env_audits::Figures, env_audits::UnitFigures,
        env_audits::LedgerRow, env_audits::ImportReport, env_audits::ItemChange, super::env_audits::AuditList,
        crate::service::outbox::NotificationView, crate::service::outbox::MarkedRead,
        crate::service::preferences::NotificationSettings, crate::service::preferences::SettingsInput, crate::service::preferences::EventKind,
        crate::service::outbox::NewWebhook, crate::service::outbox::WebhookView, crate::service::outbox::DeliveryView,
    )),
    modifiers(&BearerAuth, &IdempotencyKey),
    tags(
        (name = "auth", description = "登录与会话 / login and sessions"),
        (name = "users", description = "账号管理 / accounts"),
        (name = "enterprises", description = "企业名录 / enterprise register"),
        (name = "checklists", description = "检查表 / checklists"),
        (name = "inspections", description = "检查记录 / inspections"),
        (name = "findings", description = "隐患 / findings"),
        (name = "photos", description = "照片证据 / photo evidence"),
        (name = "documents", description = "文件证据（检测报告、验收意见、评估报告、公示截图）/ document evidence"),
        (name = "uploads", description = "可续传上传（tus 1.0）/ resumable uploads (tus 1.0)"),
        (name = "orders", description = "整改通知书 / rectification orders"),
        (name = "stats", description = "统计 / statistics"),
        (name = "sync", description = "变更同步 / change feed"),
        (name = "env-audits", description = "督察反馈问题整改台账 / environmental inspection feedback ledger"),
        (name = "notifications", description = "站内通知 / in-app notifications"),
        (name = "webhooks", description = "Webhook 推送 / webhook endpoints and deliveries"),
        (name = "health", description = "健康检查 / health"),
    )
)]
pub struct ApiDoc;

/// The spec as pretty JSON with a trailing newline (the checked-in form).
pub fn json() -> String {
    let mut s = ApiDoc::openapi().to_pretty_json().expect("serialisable");
    s.push('\n');
    s
}
