//! Column types shared by both backends. UUIDs are native `uuid` on
//! PostgreSQL and hyphenated TEXT on SQLite; both sort the same way, so
//! v7 ids order by creation time on either backend.

use super::MultiBackend;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::HasSqlType;
use diesel::sqlite::Sqlite;
use std::io::Write;

pub mod sql_types {
    #[derive(Copy, Clone, Debug, diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
    #[diesel(postgres_type(oid = 2950, array_oid = 2951))]
    #[diesel(sqlite_type(name = "Text"))]
    pub struct Uuid;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::Uuid)]
pub struct DbUuid(pub uuid::Uuid);

impl From<uuid::Uuid> for DbUuid {
    fn from(u: uuid::Uuid) -> Self {
        DbUuid(u)
    }
}

impl From<DbUuid> for uuid::Uuid {
    fn from(u: DbUuid) -> Self {
        u.0
    }
}

impl ToSql<sql_types::Uuid, Pg> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<sql_types::Uuid, Pg> for DbUuid {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(DbUuid(uuid::Uuid::from_slice(bytes.as_bytes())?))
    }
}

impl ToSql<sql_types::Uuid, Sqlite> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<sql_types::Uuid, Sqlite> for DbUuid {
    fn from_sql(value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let s = <String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(value)?;
        Ok(DbUuid(uuid::Uuid::parse_str(&s)?))
    }
}

impl HasSqlType<sql_types::Uuid> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<sql_types::Uuid>(lookup)
    }
}

impl FromSql<sql_types::Uuid, MultiBackend> for DbUuid {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<DbUuid, sql_types::Uuid>()
    }
}

impl ToSql<sql_types::Uuid, MultiBackend> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((sql_types::Uuid, self));
        Ok(IsNull::No)
    }
}

/// Stores a domain enum as TEXT on both backends through its own
/// `as_str`/`parse`, so rows carry typed state while the stored values stay
/// the plain snake_case codes (no migration of data). The proxy struct lets
/// diesel's derives write the expression impls for a type `domain` owns
/// without `domain` knowing diesel.
macro_rules! text_enum {
    ($($ty:ty),* $(,)?) => {$(
        const _: () = {
            #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
            #[diesel(foreign_derive)]
            #[diesel(sql_type = diesel::sql_types::Text)]
            #[allow(dead_code)]
            struct Proxy($ty);

            impl<DB> ToSql<diesel::sql_types::Text, DB> for $ty
            where
                DB: Backend,
                str: ToSql<diesel::sql_types::Text, DB>,
            {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                    <str as ToSql<diesel::sql_types::Text, DB>>::to_sql((*self).as_str(), out)
                }
            }

            impl<DB> FromSql<diesel::sql_types::Text, DB> for $ty
            where
                DB: Backend,
                String: FromSql<diesel::sql_types::Text, DB>,
            {
                fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                    let s = <String as FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                    <$ty>::parse(&s).ok_or_else(|| {
                        format!("unknown {} {s:?} in the database", stringify!($ty)).into()
                    })
                }
            }
        };
    )*};
}

use crate::domain::checklist::{Category, HazardLevel};
use crate::domain::env_audit::AuditLevel;
use crate::domain::finding::{FindingStatus, Source};
use crate::domain::inspection::{InspectionKind, InspectionState};
use crate::domain::major_hazard::{AssessorKind, ResumptionStatus, StopMode};
use crate::domain::order::{Action, ExtensionStatus, MajorReason, OrderStatus};
use crate::domain::Role;

text_enum!(
    OrderStatus,
    Action,
    ExtensionStatus,
    MajorReason,
    HazardLevel,
    Category,
    Source,
    FindingStatus,
    InspectionKind,
    InspectionState,
    AuditLevel,
    Role,
    StopMode,
    AssessorKind,
    ResumptionStatus,
);
