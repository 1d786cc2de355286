//! Rectification orders (整改通知书): issue, the enterprise's answers,
//! verification and closing (销号), extensions, cancellation, escalation —
//! every change one hash-chained event, every state change guarded by the
//! order's version. One file per concern:
//! - `issue`: numbering and the first event;
//! - `view`: what callers read, lists and the ETag;
//! - `chain`: appending and verifying the event chain;
//! - `actions` / `answers` / `decisions`: the user commands;
//! - `deadlines`: reminders and overdue marks, run in the background.

mod actions;
mod answers;
mod chain;
mod deadlines;
mod decisions;
mod issue;
mod major;
mod view;

pub use actions::{act, Command};
pub use answers::{
    AcknowledgeBody, CommentBody, ExtensionBody, ProgressBody, ResponsiblePerson, SubmitBody,
    SubmitItem,
};
pub use chain::{events, verify_chain, ChainReport};
pub use deadlines::{deadline_job, DeadlineRun};
pub use decisions::{CancelBody, Decision, ExtensionDecisionBody, SupervisionBody, VerifyBody};
pub use issue::{create, NewOrder};
pub(crate) use issue::{issue_in_tx, Addressee};
pub use major::{
    AssessmentBody, AssessmentView, ListingBody, ListingView, MajorHazardView, MissingStep,
    ResumptionBody, ResumptionDecisionBody, ResumptionView, StopBody, StopView,
};
pub use view::{etag, get, list, EventView, ExtensionView, OrderQuery, OrderView, Plan};
pub(crate) use view::{event_view, view};

pub use crate::domain::env_audit::{Acceptance, Disclosure};

use super::Principal;
use crate::db::orders::OrderRow;
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;

fn not_found() -> AppError {
    AppError::not_found("整改通知书 rectification order")
}

/// The order if the caller may see it; 404 otherwise (never 403: an
/// enterprise must not learn that another's order exists).
fn scoped(who: &Principal, row: Option<OrderRow>) -> AppResult<OrderRow> {
    row.filter(|r| who.can_see(r.enterprise_id.map(|e| e.0)))
        .ok_or_else(not_found)
}

fn text_ok(s: &str, max: usize) -> bool {
    let n = s.trim().chars().count();
    n > 0 && n <= max
}

fn require_text(field: &str, s: &str, max: usize) -> AppResult<()> {
    if text_ok(s, max) {
        Ok(())
    } else {
        Err(AppError::field(
            field,
            format!("应为1到{max}字 / must be 1..{max} characters"),
        ))
    }
}

/// Free text that may be empty but not huge.
fn optional_text(field: &str, s: &str, max: usize) -> AppResult<()> {
    if s.chars().count() > max {
        return Err(AppError::field(
            field,
            format!("不超过{max}字 / at most {max} characters"),
        ));
    }
    Ok(())
}

/// Deadlines and time limits: from today up to ten years ahead (the
/// database compares dates as text on SQLite, so years must stay 4-digit).
fn future_date(field: &str, d: NaiveDate, today: NaiveDate) -> AppResult<()> {
    if d < today || d > today + chrono::Duration::days(3653) {
        return Err(AppError::field(
            field,
            "日期应在今天到十年之内 / must be between today and ten years ahead",
        ));
    }
    Ok(())
}
