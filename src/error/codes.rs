//! Every stable problem `code` the service can answer, in one place.
//!
//! Clients branch on these strings, so a value never changes meaning once
//! released. Each one is documented in `api-spec/problems.md`;
//! `tests/problem_codes.rs` checks both directions against [`ALL`].

/// The constant for a code read back from storage, if it is one of ours.
pub fn known(code: &str) -> Option<&'static str> {
    ALL.iter().copied().find(|c| *c == code)
}

// --- Request shape (framework-level and body reading) ---

/// 422: the body or a parameter broke a rule; `errors` lists every field.
pub const VALIDATION_FAILED: &str = "validation_failed";
/// 400: the body is not JSON.
pub const MALFORMED_JSON: &str = "malformed_json";
/// 400: the request could not be read (framework-level).
pub const BAD_REQUEST: &str = "bad_request";
/// 408: the request took too long to arrive.
pub const REQUEST_TIMEOUT: &str = "request_timeout";
/// 411: a body was sent without a length.
pub const LENGTH_REQUIRED: &str = "length_required";
/// 414: the URI is too long.
pub const URI_TOO_LONG: &str = "uri_too_long";
/// 431: the headers are too large.
pub const HEADERS_TOO_LARGE: &str = "headers_too_large";
/// 4xx: any other client error the framework raised.
pub const REQUEST_ERROR: &str = "request_error";
/// 400: the body could not be read.
pub const BAD_BODY: &str = "bad_body";
/// 400: an id in the path is not a UUID.
pub const INVALID_PATH_PARAMETER: &str = "invalid_path_parameter";
/// 400: a query parameter is unknown or has the wrong type.
pub const INVALID_QUERY: &str = "invalid_query";
/// 415: a JSON endpoint got another content type.
pub const UNSUPPORTED_CONTENT_TYPE: &str = "unsupported_content_type";
/// 413: the body exceeds the configured limit.
pub const BODY_TOO_LARGE: &str = "body_too_large";
/// 400: the multipart body could not be parsed.
pub const MALFORMED_MULTIPART: &str = "malformed_multipart";
/// 400: the upload stopped before its end.
pub const UPLOAD_INTERRUPTED: &str = "upload_interrupted";

// --- Photos and byte ranges ---

/// 413: the photo is larger than `photo_max_bytes`.
pub const PHOTO_TOO_LARGE: &str = "photo_too_large";
/// 413: the image header declares more than `photo_max_pixels`.
pub const IMAGE_TOO_MANY_PIXELS: &str = "image_too_many_pixels";
/// 413: a side of the image is longer than `photo_max_side`.
pub const IMAGE_DIMENSIONS_TOO_LARGE: &str = "image_dimensions_too_large";
/// 415: not JPEG, PNG, WebP (or HEIC), judged from the bytes.
pub const UNSUPPORTED_IMAGE_TYPE: &str = "unsupported_image_type";
/// 415: a HEIC/HEIF photo, and this build has no HEIC support.
pub const HEIC_NOT_SUPPORTED: &str = "heic_not_supported";
/// 422: truncated, corrupt or undecodable image.
pub const IMAGE_CORRUPT: &str = "image_corrupt";
/// 416: the `Range` lies outside the original.
pub const RANGE_NOT_SATISFIABLE: &str = "range_not_satisfiable";

// --- Documents ---

/// 413: the document is larger than `max_document_bytes`, or its archive inflates past the bounds.
pub const DOCUMENT_TOO_LARGE: &str = "document_too_large";
/// 415: not PDF, DOCX, XLSX or OFD, judged from the bytes.
pub const UNSUPPORTED_DOCUMENT_TYPE: &str = "unsupported_document_type";
/// 422: a broken PDF (header, trailer, xref) or archive.
pub const DOCUMENT_MALFORMED: &str = "document_malformed";
/// 422: an encrypted PDF.
pub const DOCUMENT_ENCRYPTED: &str = "document_encrypted";
/// 422: a PDF with JavaScript or a launch action.
pub const DOCUMENT_ACTIVE_CONTENT: &str = "document_active_content";

// --- Resumable uploads (tus 1.0) ---

/// 412: a resumable-upload request with a `Tus-Resumable` other than 1.0.0 (400 without one).
pub const TUS_VERSION_UNSUPPORTED: &str = "tus_version_unsupported";
/// 400: creating a resumable upload without a positive integer `Upload-Length`.
pub const UPLOAD_LENGTH_INVALID: &str = "upload_length_invalid";
/// 400: `Upload-Metadata` is not comma-separated `key base64value` pairs, or a value is not UTF-8, or `kind` is not `photo` or `document`.
pub const UPLOAD_METADATA_INVALID: &str = "upload_metadata_invalid";
/// 413: `Upload-Length` is over the largest photo or document, or a `PATCH` carries more bytes than remain.
pub const UPLOAD_TOO_LARGE: &str = "upload_too_large";
/// 429: the user already holds `upload_max_pending` unfinished uploads, or `upload_max_pending_bytes` declared bytes.
pub const UPLOAD_LIMIT_REACHED: &str = "upload_limit_reached";
/// 409: a `PATCH` whose `Upload-Offset` is not the offset stored.
pub const UPLOAD_OFFSET_MISMATCH: &str = "upload_offset_mismatch";
/// 415: a `PATCH` whose body is not `application/offset+octet-stream`.
pub const UPLOAD_CONTENT_TYPE: &str = "upload_content_type";
/// 400: `Upload-Checksum` names an algorithm other than `sha256`, or its value is not base64 of 32 bytes.
pub const CHECKSUM_ALGORITHM_UNSUPPORTED: &str = "checksum_algorithm_unsupported";
/// 460: the bytes of a `PATCH` do not match its `Upload-Checksum`.
pub const UPLOAD_CHECKSUM_MISMATCH: &str = "upload_checksum_mismatch";
/// 410: the resumable upload expired.
pub const UPLOAD_EXPIRED: &str = "upload_expired";

// --- Authentication and authorization ---

/// 401: no token, or an unknown, expired or revoked one, or a disabled account.
pub const UNAUTHENTICATED: &str = "unauthenticated";
/// 401: login with a wrong username or password.
pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
/// 429: too many failed logins for this account.
pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
/// 403: the caller's role may not do this.
pub const FORBIDDEN: &str = "forbidden";
/// 403: the same person may not do both steps (separation of duties).
pub const SEPARATION_OF_DUTIES: &str = "separation_of_duties";

// --- Missing things ---

/// 404: no such record, or one outside an enterprise user's scope.
pub const NOT_FOUND: &str = "not_found";
/// 404: no such endpoint.
pub const ROUTE_NOT_FOUND: &str = "route_not_found";
/// 405: the endpoint exists but not with this method.
pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";

// --- Conflicts with the current state ---

/// 409: the username is in use.
pub const USERNAME_TAKEN: &str = "username_taken";
/// 409: an enterprise with this credit code is registered.
pub const CREDIT_CODE_TAKEN: &str = "credit_code_taken";
/// 409: an admin tried to disable or demote their own account.
pub const CANNOT_DEMOTE_SELF: &str = "cannot_demote_self";
/// 409: a checklist version is published again with other content.
pub const CHECKLIST_VERSION_CHANGED: &str = "checklist_version_changed";
/// 409: a new checklist version must be above the latest.
pub const CHECKLIST_VERSION_NOT_NEWER: &str = "checklist_version_not_newer";
/// 409: a submitted inspection was sent again with different content.
pub const INSPECTION_ALREADY_SUBMITTED: &str = "inspection_already_submitted";
/// 409: a draft's `revision` is older than the stored one (or the same
/// revision with other content); `current` holds the stored record.
pub const STALE_REVISION: &str = "stale_revision";
/// 409: the finding is in rectification or was made by an inspection.
pub const FINDING_NOT_EDITABLE: &str = "finding_not_editable";
/// 409: the order's state does not allow this action.
pub const ACTION_NOT_ALLOWED: &str = "action_not_allowed";
/// 412: `If-Match` no longer matches the order.
pub const ETAG_MISMATCH: &str = "etag_mismatch";
/// 428: the action (verify, cancel) needs `If-Match` with the order's ETag.
pub const PRECONDITION_REQUIRED: &str = "precondition_required";
/// 409: a finding went into another open order meanwhile.
pub const FINDING_ALREADY_ORDERED: &str = "finding_already_ordered";
/// 409: a major hazard needs its governance plan before submit.
pub const GOVERNANCE_PLAN_REQUIRED: &str = "governance_plan_required";
/// 422: a submitted finding has no photo or document as evidence.
pub const EVIDENCE_REQUIRED: &str = "evidence_required";
/// 409: a step of the major-hazard path only a major-hazard order has.
pub const NOT_MAJOR_HAZARD: &str = "not_major_hazard";
/// 409: a step of the major-hazard path that its file does not allow now.
pub const MAJOR_HAZARD_STEP_REFUSED: &str = "major_hazard_step_refused";
/// 422: closing a major hazard before its assessment, report or 复产 approval.
pub const MAJOR_HAZARD_PATH_INCOMPLETE: &str = "major_hazard_path_incomplete";
/// 409: a finding the enterprise may not close itself (not its own
/// self-inspection's, a major hazard, or no longer open).
pub const SELF_RECTIFICATION_REFUSED: &str = "self_rectification_refused";
/// 409: an extension request is already waiting for a decision.
pub const EXTENSION_PENDING: &str = "extension_pending";
/// 409: the extension request was already decided.
pub const EXTENSION_DECIDED: &str = "extension_decided";
/// 409: a supervision letter needs an overdue order.
pub const NOT_OVERDUE: &str = "not_overdue";
/// 409: this escalation step was already taken.
pub const ALREADY_ESCALATED: &str = "already_escalated";
/// 409: a public criticism comes after a supervision letter.
pub const SUPERVISION_LETTER_REQUIRED: &str = "supervision_letter_required";
/// 409: the supervision letter's time limit has not passed yet.
pub const SUPERVISION_TIME_LIMIT_RUNNING: &str = "supervision_time_limit_running";
/// 409: the requested extension date has already passed.
pub const EXTENSION_EXPIRED: &str = "extension_expired";
/// 409: a re-imported feedback list changes items already imported.
pub const IMPORT_CHANGES_EXISTING: &str = "import_changes_existing";
/// 409: `mode=update` tried to change an item that is already closed.
pub const AUDIT_ITEM_CLOSED: &str = "audit_item_closed";
/// 409: a request with this `Idempotency-Key` is still running.
pub const IDEMPOTENCY_KEY_IN_FLIGHT: &str = "idempotency_key_in_flight";
/// 422: the `Idempotency-Key` was used before for another request.
pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
/// 400: the `Idempotency-Key` header is empty, too long or not plain text.
pub const IDEMPOTENCY_KEY_INVALID: &str = "idempotency_key_invalid";
/// 410: a sync cursor of another user, or of a role or enterprise binding that has changed.
pub const SYNC_CURSOR_STALE: &str = "sync_cursor_stale";
/// 409: a uniqueness rule of the database was hit.
pub const ALREADY_EXISTS: &str = "already_exists";
/// 409: a referenced record does not exist.
pub const REFERENCED_RECORD_MISSING: &str = "referenced_record_missing";
/// 409: only a dead webhook delivery can be replayed.
pub const DELIVERY_NOT_DEAD: &str = "delivery_not_dead";

// --- Server side ---

/// 503: the database or photo store is unreachable or busy.
pub const SERVICE_UNAVAILABLE: &str = "service_unavailable";
/// 500: a bug; the cause is in the log.
pub const INTERNAL_ERROR: &str = "internal_error";

/// Every code above, once each.
pub const ALL: &[&str] = &[
    VALIDATION_FAILED,
    MALFORMED_JSON,
    BAD_REQUEST,
    REQUEST_TIMEOUT,
    LENGTH_REQUIRED,
    URI_TOO_LONG,
    HEADERS_TOO_LARGE,
    REQUEST_ERROR,
    BAD_BODY,
    INVALID_PATH_PARAMETER,
    INVALID_QUERY,
    UNSUPPORTED_CONTENT_TYPE,
    BODY_TOO_LARGE,
    MALFORMED_MULTIPART,
    UPLOAD_INTERRUPTED,
    PHOTO_TOO_LARGE,
    IMAGE_TOO_MANY_PIXELS,
    IMAGE_DIMENSIONS_TOO_LARGE,
    UNSUPPORTED_IMAGE_TYPE,
    HEIC_NOT_SUPPORTED,
    IMAGE_CORRUPT,
    RANGE_NOT_SATISFIABLE,
    DOCUMENT_TOO_LARGE,
    UNSUPPORTED_DOCUMENT_TYPE,
    DOCUMENT_MALFORMED,
    DOCUMENT_ENCRYPTED,
    DOCUMENT_ACTIVE_CONTENT,
    TUS_VERSION_UNSUPPORTED,
    UPLOAD_LENGTH_INVALID,
    UPLOAD_METADATA_INVALID,
    UPLOAD_TOO_LARGE,
    UPLOAD_LIMIT_REACHED,
    UPLOAD_OFFSET_MISMATCH,
    UPLOAD_CONTENT_TYPE,
    CHECKSUM_ALGORITHM_UNSUPPORTED,
    UPLOAD_CHECKSUM_MISMATCH,
    UPLOAD_EXPIRED,
    UNAUTHENTICATED,
    INVALID_CREDENTIALS,
    TOO_MANY_REQUESTS,
    FORBIDDEN,
    SEPARATION_OF_DUTIES,
    NOT_FOUND,
    ROUTE_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    USERNAME_TAKEN,
    CREDIT_CODE_TAKEN,
    CANNOT_DEMOTE_SELF,
    CHECKLIST_VERSION_CHANGED,
    CHECKLIST_VERSION_NOT_NEWER,
    INSPECTION_ALREADY_SUBMITTED,
    STALE_REVISION,
    FINDING_NOT_EDITABLE,
    ACTION_NOT_ALLOWED,
    ETAG_MISMATCH,
    PRECONDITION_REQUIRED,
    FINDING_ALREADY_ORDERED,
    GOVERNANCE_PLAN_REQUIRED,
    EVIDENCE_REQUIRED,
    NOT_MAJOR_HAZARD,
    MAJOR_HAZARD_STEP_REFUSED,
    MAJOR_HAZARD_PATH_INCOMPLETE,
    SELF_RECTIFICATION_REFUSED,
    EXTENSION_PENDING,
    EXTENSION_DECIDED,
    NOT_OVERDUE,
    ALREADY_ESCALATED,
    SUPERVISION_LETTER_REQUIRED,
    SUPERVISION_TIME_LIMIT_RUNNING,
    EXTENSION_EXPIRED,
    IMPORT_CHANGES_EXISTING,
    AUDIT_ITEM_CLOSED,
    IDEMPOTENCY_KEY_IN_FLIGHT,
    IDEMPOTENCY_KEY_REUSED,
    SYNC_CURSOR_STALE,
    IDEMPOTENCY_KEY_INVALID,
    ALREADY_EXISTS,
    REFERENCED_RECORD_MISSING,
    DELIVERY_NOT_DEAD,
    SERVICE_UNAVAILABLE,
    INTERNAL_ERROR,
];
