// Hand-maintained: one schema for both backends, in portable SQL types.
// `diesel print-schema` would disagree between SQLite and PostgreSQL.

use diesel::{allow_tables_to_appear_in_same_query, joinable, table};

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    enterprises (id) {
        id -> Uuid,
        name -> Text,
        credit_code -> Text,
        industry -> Text,
        address -> Text,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        contacts -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        industries -> Text,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    users (id) {
        id -> Uuid,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        display_name -> Text,
        enterprise_id -> Nullable<Uuid>,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    user_enterprises (user_id, enterprise_id) {
        user_id -> Uuid,
        enterprise_id -> Uuid,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Uuid,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        family_id -> Nullable<Uuid>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    refresh_tokens (token_hash) {
        token_hash -> Text,
        family_id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    idempotency_keys (user_id, idem_key) {
        user_id -> Uuid,
        idem_key -> Text,
        fingerprint -> Text,
        status -> Nullable<Integer>,
        headers -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
        locked_until -> Timestamp,
        expires_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    login_throttle (username) {
        username -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    checklist_templates (id) {
        id -> Uuid,
        code -> Text,
        version -> Integer,
        category -> Text,
        industry -> Nullable<Text>,
        title_zh -> Text,
        title_en -> Text,
        content_hash -> Text,
        body -> Text,
        source -> Text,
        published_by -> Nullable<Uuid>,
        published_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    inspections (id) {
        id -> Uuid,
        enterprise_id -> Uuid,
        template_id -> Uuid,
        inspector_id -> Uuid,
        kind -> Text,
        state -> Text,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        accuracy_m -> Nullable<Double>,
        answers -> Text,
        body_hash -> Text,
        received_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        revision -> BigInt,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    findings (id) {
        id -> Uuid,
        enterprise_id -> Nullable<Uuid>,
        department -> Nullable<Text>,
        source -> Text,
        category -> Text,
        level -> Text,
        status -> Text,
        description -> Text,
        location_text -> Nullable<Text>,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        photo_ids -> Text,
        inspection_id -> Nullable<Uuid>,
        item_code -> Nullable<Text>,
        template_id -> Nullable<Uuid>,
        regulatory_basis -> Nullable<Text>,
        major_criterion -> Nullable<Text>,
        reported_by -> Uuid,
        body_hash -> Nullable<Text>,
        previous_finding_id -> Nullable<Uuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revision -> BigInt,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    photos (id) {
        id -> Uuid,
        sha256 -> Text,
        uploaded_by -> Uuid,
        format -> Text,
        byte_size -> BigInt,
        width -> Integer,
        height -> Integer,
        orientation -> Integer,
        display_width -> Integer,
        display_height -> Integer,
        thumb_width -> Integer,
        thumb_height -> Integer,
        taken_at -> Nullable<Timestamp>,
        taken_at_source -> Nullable<Text>,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        altitude_m -> Nullable<Double>,
        accuracy_m -> Nullable<Double>,
        location_source -> Nullable<Text>,
        make -> Nullable<Text>,
        model -> Nullable<Text>,
        exif -> Text,
        client -> Text,
        flags -> Text,
        enterprise_id -> Nullable<Uuid>,
        created_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    photo_links (photo_id, enterprise_id) {
        photo_id -> Uuid,
        enterprise_id -> Uuid,
    }
}

table! {
    use diesel::sql_types::*;
    document_counters (kind, year) {
        kind -> Text,
        year -> Integer,
        last -> BigInt,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    rectification_orders (id) {
        id -> Uuid,
        number -> Text,
        year -> Integer,
        seq -> BigInt,
        enterprise_id -> Nullable<Uuid>,
        department -> Nullable<Text>,
        status -> Text,
        level -> Text,
        major_reason -> Nullable<Text>,
        requirements -> Text,
        deadline -> Date,
        effective_deadline -> Date,
        plan -> Nullable<Text>,
        issued_by -> Uuid,
        issued_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        days_to_close -> Nullable<Integer>,
        cancelled_at -> Nullable<Timestamp>,
        reminder_recorded -> Bool,
        overdue_recorded -> Bool,
        supervision_letter_number -> Nullable<Text>,
        supervision_letter_time_limit -> Nullable<Date>,
        supervision_letter_at -> Nullable<Timestamp>,
        public_criticism_number -> Nullable<Text>,
        public_criticism_at -> Nullable<Timestamp>,
        version -> Integer,
        responsible_name -> Nullable<Text>,
        responsible_phone -> Nullable<Text>,
        verification_late_recorded -> Bool,
        updated_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    order_findings (order_id, finding_id) {
        order_id -> Uuid,
        finding_id -> Uuid,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    extension_requests (id) {
        id -> Uuid,
        order_id -> Uuid,
        requested_deadline -> Date,
        reason -> Text,
        status -> Text,
        requested_by -> Uuid,
        requested_at -> Timestamp,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamp>,
        decision_comment -> Nullable<Text>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    order_events (id) {
        id -> Uuid,
        order_id -> Uuid,
        seq -> Integer,
        action -> Text,
        actor_id -> Nullable<Uuid>,
        actor_role -> Text,
        at -> Timestamp,
        comment -> Text,
        photo_ids -> Text,
        data -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    env_audits (id) {
        id -> Uuid,
        level -> Text,
        name -> Text,
        document_number -> Text,
        received_date -> Date,
        default_deadline -> Nullable<Date>,
        created_by -> Uuid,
        created_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    env_audit_items (id) {
        id -> Uuid,
        audit_id -> Uuid,
        item_no -> Text,
        description -> Text,
        enterprise_id -> Nullable<Uuid>,
        department -> Nullable<Text>,
        measures -> Text,
        deadline -> Date,
        target -> Text,
        finding_id -> Uuid,
        content_hash -> Text,
        acceptance_date -> Nullable<Date>,
        acceptance_opinion -> Nullable<Text>,
        disclosure_date -> Nullable<Date>,
        disclosure_place -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    documents (id) {
        id -> Uuid,
        sha256 -> Text,
        uploaded_by -> Uuid,
        kind -> Text,
        byte_size -> BigInt,
        page_count -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    document_links (document_id, enterprise_id) {
        document_id -> Uuid,
        enterprise_id -> Uuid,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    order_documents (order_id, document_id) {
        order_id -> Uuid,
        document_id -> Uuid,
        added_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;

    outbox_messages (id) {
        id -> Uuid,
        event_type -> Text,
        order_id -> Nullable<Uuid>,
        enterprise_id -> Nullable<Uuid>,
        title -> Text,
        body -> Text,
        link -> Text,
        data -> Text,
        created_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;

    notifications (id) {
        id -> Uuid,
        user_id -> Uuid,
        message_id -> Uuid,
        event_type -> Text,
        title -> Text,
        body -> Text,
        link -> Text,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;

    webhooks (id) {
        id -> Uuid,
        kind -> Text,
        enterprise_id -> Nullable<Uuid>,
        url -> Text,
        events -> Text,
        secret -> Text,
        created_by -> Uuid,
        created_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;

    deliveries (id) {
        id -> Uuid,
        message_id -> Uuid,
        channel -> Text,
        webhook_id -> Nullable<Uuid>,
        address -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    uploads (id) {
        id -> Uuid,
        owner_id -> Uuid,
        kind -> Text,
        upload_length -> BigInt,
        upload_offset -> BigInt,
        metadata -> Text,
        state -> Text,
        result_id -> Nullable<Uuid>,
        failure -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    upload_parts (upload_id, start_offset) {
        upload_id -> Uuid,
        start_offset -> BigInt,
        byte_size -> BigInt,
        blob_key -> Text,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;

    change_log (seq) {
        seq -> BigInt,
        txid -> BigInt,
        entity -> Text,
        entity_id -> Uuid,
        op -> Text,
        audience -> Text,
        enterprise_id -> Nullable<Uuid>,
        user_id -> Nullable<Uuid>,
        changed_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;

    notification_preferences (user_id) {
        user_id -> Uuid,
        email -> Nullable<Text>,
        muted -> Text,
        updated_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;

    delivery_messages (delivery_id, message_id) {
        delivery_id -> Uuid,
        message_id -> Uuid,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    major_hazard_files (order_id) {
        order_id -> Uuid,
        listed_unit -> Nullable<Text>,
        listed_number -> Nullable<Text>,
        listed_time_limit -> Nullable<Date>,
        listed_at -> Nullable<Timestamp>,
        listed_by -> Nullable<Uuid>,
        stop_mode -> Nullable<Text>,
        stop_date -> Nullable<Date>,
        stop_scope -> Nullable<Text>,
        interim_measures -> Nullable<Text>,
        stop_by_office -> Bool,
        assessor_kind -> Nullable<Text>,
        assessor_name -> Nullable<Text>,
        assessment_conclusion -> Nullable<Text>,
        assessment_eliminated -> Nullable<Bool>,
        assessment_document_ids -> Text,
        assessed_at -> Nullable<Timestamp>,
        resumption_status -> Nullable<Text>,
        resumption_applied_at -> Nullable<Timestamp>,
        resumption_decide_by -> Nullable<Date>,
        resumption_decided_at -> Nullable<Timestamp>,
        resumption_decided_by -> Nullable<Uuid>,
        resumption_comment -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::db::types::sql_types::Uuid;
    self_rectifications (finding_id) {
        finding_id -> Uuid,
        enterprise_id -> Uuid,
        measures -> Text,
        rectified_by -> Text,
        accepted_by -> Text,
        accepted_on -> Date,
        photo_ids -> Text,
        document_ids -> Text,
        recorded_by -> Uuid,
        recorded_at -> Timestamp,
    }
}

joinable!(self_rectifications -> findings (finding_id));
joinable!(major_hazard_files -> rectification_orders (order_id));
joinable!(order_findings -> rectification_orders (order_id));
joinable!(order_findings -> findings (finding_id));
joinable!(photo_links -> photos (photo_id));
joinable!(document_links -> documents (document_id));
joinable!(order_documents -> documents (document_id));
joinable!(sessions -> users (user_id));
joinable!(idempotency_keys -> users (user_id));
joinable!(refresh_tokens -> users (user_id));
joinable!(uploads -> users (owner_id));
joinable!(upload_parts -> uploads (upload_id));
joinable!(inspections -> checklist_templates (template_id));
joinable!(user_enterprises -> users (user_id));
joinable!(user_enterprises -> enterprises (enterprise_id));
joinable!(notifications -> outbox_messages (message_id));
joinable!(deliveries -> outbox_messages (message_id));
joinable!(deliveries -> webhooks (webhook_id));
allow_tables_to_appear_in_same_query!(
    self_rectifications,
    major_hazard_files,
    delivery_messages,
    notification_preferences,
    change_log,
    uploads,
    upload_parts,
    enterprises,
    users,
    user_enterprises,
    sessions,
    idempotency_keys,
    refresh_tokens,
    login_throttle,
    checklist_templates,
    inspections,
    findings,
    photos,
    photo_links,
    document_counters,
    rectification_orders,
    order_findings,
    extension_requests,
    order_events,
    env_audits,
    env_audit_items,
    documents,
    document_links,
    order_documents,
    outbox_messages,
    notifications,
    webhooks,
    deliveries
);
