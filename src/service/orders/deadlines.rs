//! The background duty of the order deadlines: a `reminder` event when a
//! deadline comes near and one `overdue` event once it has passed.

use super::chain::{append, EventBody};
use super::not_found;
use crate::db::{self, DbConn, DbUuid};
use crate::domain::order::{self as rules, Action};
use crate::domain::time;
use crate::error::{AppError, AppResult};
use crate::service::Ctx;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Default, Serialize)]
pub struct DeadlineRun {
    pub reminders: usize,
    pub overdue: usize,
    /// Submissions told to the park as waiting too long for 复查.
    pub verification_late: usize,
}

/// The days of one run of the job.
#[derive(Debug, Clone, Copy)]
struct Window {
    now: DateTime<Utc>,
    today: NaiveDate,
    remind_until: NaiveDate,
    /// When the reminders of this run are e-mailed (the next digest).
    digest_at: DateTime<Utc>,
}

/// Claims the flag of `id` and, when this process won it, records the
/// event. Answers whether it recorded one.
fn mark(c: &mut DbConn, id: DbUuid, overdue: bool, w: Window) -> AppResult<bool> {
    c.write_tx(|c| {
        let at = w.now.naive_utc();
        if db::orders::claim_flag(c, id, overdue, w.today, w.remind_until, at)? != 1 {
            return Ok::<_, AppError>(false);
        }
        let row = db::orders::find(c, id)?.ok_or_else(not_found)?;
        let (action, data) = if overdue {
            (Action::Overdue, json!({"deadline": row.effective_deadline}))
        } else {
            let left = (row.effective_deadline - w.today).num_days();
            let data = json!({"deadline": row.effective_deadline, "days_left": left});
            (Action::Reminder, data)
        };
        append(c, id, action, None, EventBody::new("", data))?;
        match action {
            Action::Reminder => crate::service::notify::reminder(c, id, w.digest_at)?,
            _ => crate::service::notify::order_event(c, id, action, None)?,
        }
        Ok(true)
    })
}

/// Records `reminder` events (deadline within `reminder_days`) and one
/// `overdue` event per order once its deadline has passed. Safe to run in
/// every process at once: each flag is claimed by a conditional update.
pub async fn deadline_job(ctx: &Ctx) -> AppResult<DeadlineRun> {
    let days = i64::from(ctx.settings.reminder_days);
    let digest_hour = ctx.settings.digest_hour;
    ctx.db
        .run(move |c| {
            let now = time::now();
            let today = rules::park_today(now);
            let w = Window {
                now,
                today,
                remind_until: today + chrono::Duration::days(days),
                digest_at: time::next_park_hour(now, digest_hour),
            };
            let mut run = DeadlineRun::default();
            for id in db::orders::due_for_overdue(c, w.today)? {
                run.overdue += usize::from(mark(c, id, true, w)?);
            }
            for id in db::orders::due_for_reminder(c, w.today, w.remind_until)? {
                run.reminders += usize::from(mark(c, id, false, w)?);
            }
            let cutoff = (now - chrono::Duration::days(rules::VERIFICATION_DAYS)).naive_utc();
            for id in db::orders::due_for_verification_late(c, cutoff)? {
                run.verification_late += usize::from(c.write_tx(|c| {
                    if db::orders::claim_verification_late(c, id, cutoff)? != 1 {
                        return Ok::<_, AppError>(false);
                    }
                    crate::service::notify::verification_late(c, id)?;
                    Ok(true)
                })?);
            }
            Ok(run)
        })
        .await
}
