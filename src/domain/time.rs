//! Time conventions: every instant is UTC with microsecond precision, the
//! finest both SQLite (text) and PostgreSQL (`timestamp`) keep, so a value
//! written and read back compares equal on either backend.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SubsecRound, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn normalise(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// The park keeps its calendar in Asia/Shanghai (UTC+8, no DST).
pub fn park_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// The next `hour`:00 in park time after `now` (today's if still ahead).
pub fn next_park_hour(now: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    let local = now.with_timezone(&park_offset());
    let at = |d: NaiveDate| {
        d.and_hms_opt(hour.min(23), 0, 0)
            .expect("valid hour")
            .and_local_timezone(park_offset())
            .single()
            .expect("a fixed offset has one")
            .with_timezone(&Utc)
    };
    let today = at(local.date_naive());
    if today > now {
        today
    } else {
        at(local.date_naive().succ_opt().expect("not the end of time"))
    }
}

/// The calendar day in the park at `now`.
pub fn park_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&park_offset()).date_naive()
}

/// The calendar year in the park at `now` (document numbers count per year).
pub fn park_year(now: DateTime<Utc>) -> i32 {
    park_today(now).year()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_next_digest_hour_is_in_park_time() {
        // 07:59 in the park (23:59 UTC the day before): today's 08:00.
        let t = Utc.with_ymd_and_hms(2026, 12, 3, 23, 59, 0).unwrap();
        assert_eq!(
            next_park_hour(t, 8),
            Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap()
        );
        // 08:00 exactly has passed: tomorrow's.
        let t = Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap();
        assert_eq!(
            next_park_hour(t, 8),
            Utc.with_ymd_and_hms(2026, 12, 5, 0, 0, 0).unwrap()
        );
        // 23:30 in the park, digest at 0: half an hour later, the next park day.
        let t = Utc.with_ymd_and_hms(2026, 12, 4, 15, 30, 0).unwrap();
        assert_eq!(
            next_park_hour(t, 0),
            Utc.with_ymd_and_hms(2026, 12, 4, 16, 0, 0).unwrap()
        );
    }

    #[test]
    fn the_park_day_starts_at_16_utc() {
        let before = Utc.with_ymd_and_hms(2026, 11, 30, 15, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap();
        assert_eq!(park_today(before).to_string(), "2026-11-30");
        assert_eq!(park_today(after).to_string(), "2026-12-01");
        assert_eq!(park_offset().local_minus_utc(), 8 * 3600);
        assert_eq!(
            park_year(Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap()),
            2027
        );
    }
}
