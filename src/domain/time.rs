//! Time conventions: every instant is UTC with microsecond precision, the
//! finest both SQLite (text) and PostgreSQL (`timestamp`) keep, so a value
//! written and read back compares equal on either backend.

use chrono::{DateTime, SubsecRound, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn normalise(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}
