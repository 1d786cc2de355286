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

joinable!(sessions -> users (user_id));
joinable!(user_enterprises -> users (user_id));
joinable!(user_enterprises -> enterprises (enterprise_id));
allow_tables_to_appear_in_same_query!(
    enterprises,
    users,
    user_enterprises,
    sessions,
    login_throttle
);
