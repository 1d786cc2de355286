//! One user command against an order: the shared prologue (scope, role
//! rule, `If-Match`, transition) and epilogue (save under the version, append
//! the event). What each command does is its own function in `answers`
//! (the addressee's side) or `decisions` (the park's side).

use super::answers::{self, AcknowledgeBody, CommentBody, ExtensionBody, ProgressBody, SubmitBody};
use super::chain::{append, EventBody};
use super::decisions::{
    self, CancelBody, Decision, ExtensionDecisionBody, SupervisionBody, VerifyBody,
};
use super::major;
use super::view::{allowed_for, etag, extension_pending, view, Plan};
use super::{scoped, OrderView};
use crate::config::Settings;
use crate::db::{self, orders::OrderRow, DbConn, DbUuid};
use crate::domain::checklist::HazardLevel;
use crate::domain::order::{self as rules, Action};
use crate::domain::time;
use crate::error::{codes, AppError, AppResult};
use crate::service::evidence::{self, Evidence};
use crate::service::{Ctx, Principal};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One user request against an order.
#[derive(Debug, Clone)]
pub enum Command {
    Acknowledge(AcknowledgeBody),
    Progress(ProgressBody),
    SavePlan(Plan),
    Submit(SubmitBody),
    Verify(VerifyBody),
    RequestExtension(ExtensionBody),
    DecideExtension(Uuid, ExtensionDecisionBody),
    Cancel(CancelBody),
    SupervisionLetter(SupervisionBody),
    PublicCriticism(CommentBody),
    ListForSupervision(major::ListingBody),
    RecordStop(major::StopBody),
    Assess(major::AssessmentBody),
    ApplyResumption(major::ResumptionBody),
    DecideResumption(major::ResumptionDecisionBody),
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::Acknowledge(_) => Action::Acknowledge,
            Command::Progress(_) => Action::Progress,
            Command::SavePlan(_) => Action::SavePlan,
            Command::Submit(_) => Action::Submit,
            Command::Verify(v) if v.decision == Decision::Accept => Action::Accept,
            Command::Verify(_) => Action::Reject,
            Command::RequestExtension(_) => Action::RequestExtension,
            Command::DecideExtension(_, d) if d.approve => Action::ApproveExtension,
            Command::DecideExtension(..) => Action::DenyExtension,
            Command::Cancel(_) => Action::Cancel,
            Command::SupervisionLetter(_) => Action::SupervisionLetter,
            Command::PublicCriticism(_) => Action::PublicCriticism,
            Command::ListForSupervision(_) => Action::ListForSupervision,
            Command::RecordStop(_) => Action::RecordStop,
            Command::Assess(_) => Action::Assess,
            Command::ApplyResumption(_) => Action::ApplyResumption,
            Command::DecideResumption(d) if d.approve => Action::ApproveResumption,
            Command::DecideResumption(_) => Action::RejectResumption,
        }
    }

    /// The commands that close or end a case must name the version they
    /// were decided on (`If-Match`): 428 without it.
    pub fn requires_if_match(&self) -> bool {
        matches!(self, Command::Verify(_) | Command::Cancel(_))
    }
}

/// What a command works with: the transaction, the caller, the order as
/// loaded (the command changes it in place) and the time of the request.
pub(super) struct Act<'a> {
    pub c: &'a mut DbConn,
    pub who: &'a Principal,
    pub row: &'a mut OrderRow,
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
}

impl Act<'_> {
    pub fn today(&self) -> chrono::NaiveDate {
        rules::park_today(self.now)
    }

    pub fn enterprise(&self) -> Option<Uuid> {
        self.row.enterprise_id.map(|e| e.0)
    }

    /// Evidence of this order: checked, then linked to its enterprise;
    /// documents also join the order's file.
    pub fn attach(&mut self, refs: &Evidence) -> AppResult<()> {
        let enterprise = self.enterprise();
        evidence::attach(self.c, self.who, refs, enterprise)?;
        let docs: Vec<DbUuid> = refs.document_ids().into_iter().map(DbUuid).collect();
        db::documents::add_to_order(self.c, self.row.id, &docs, self.now.naive_utc())?;
        Ok(())
    }
}

fn forbidden(action: Action, level: HazardLevel) -> AppError {
    let why = if matches!(action, Action::Accept | Action::Reject) && level == HazardLevel::Major {
        "重大隐患的复查销号须由安全办进行 / major hazards are verified by the safety office"
    } else {
        "当前角色不能执行此操作 / your role may not do this"
    };
    AppError::forbidden(format!("{why} ({})", action.as_str()))
}

fn not_allowed(
    c: &mut DbConn,
    who: &Principal,
    row: &OrderRow,
    action: Action,
) -> AppResult<AppError> {
    let pending = extension_pending(c, row)?;
    let file = major::file_of(c, row)?;
    let allowed: Vec<&str> = allowed_for(who, row, pending, file.as_ref())
        .iter()
        .map(|a| a.as_str())
        .collect();
    let list = allowed.join(", ");
    Ok(AppError::conflict(
        codes::ACTION_NOT_ALLOWED,
        format!(
            "当前状态“{}”不能执行{}；可执行：{list} / not allowed in state {}; allowed: [{list}]",
            row.status.label_zh(),
            action.as_str(),
            row.status.as_str(),
        ),
    ))
}

fn precondition_required(action: Action) -> AppError {
    AppError::PreconditionRequired {
        detail: format!(
            "此操作须带 If-Match（整改通知书的 ETag）/ {} needs If-Match with the order's ETag",
            action.as_str()
        ),
    }
}

fn stale(version: i32) -> AppError {
    AppError::PreconditionFailed {
        detail: format!("整改通知书已被他人更新（当前版本{version}），请刷新后重试 / the order changed (now version {version}); reload and retry"),
    }
}

/// Someone else saved the order between our read and our write. A client
/// that sent `If-Match` named a version that is now stale: 412. One that
/// did not gets what it would have got had it come second: 409 with the
/// actions allowed now.
fn lost_race(
    c: &mut DbConn,
    who: &Principal,
    id: DbUuid,
    action: Action,
    sent_tag: bool,
) -> AppResult<AppError> {
    let current = scoped(who, db::orders::find(c, id)?)?;
    if sent_tag {
        return Ok(stale(current.version));
    }
    not_allowed(c, who, &current, action)
}

/// Runs the command's own work; answers the event it records.
fn perform(a: &mut Act, cmd: &Command) -> AppResult<EventBody> {
    match cmd {
        Command::Acknowledge(b) => answers::acknowledge(a, b),
        Command::Progress(b) => answers::progress(a, b),
        Command::SavePlan(p) => answers::save_plan(a, p),
        Command::Submit(b) => answers::submit(a, b),
        Command::RequestExtension(b) => answers::request_extension(a, b),
        Command::Verify(b) => decisions::verify(a, b),
        Command::DecideExtension(rid, b) => decisions::decide_extension(a, *rid, b),
        Command::Cancel(b) => decisions::cancel(a, b),
        Command::SupervisionLetter(b) => decisions::supervision_letter(a, b),
        Command::PublicCriticism(b) => decisions::public_criticism(a, b),
        Command::ListForSupervision(b) => major::list_for_supervision(a, b),
        Command::RecordStop(b) => major::record_stop(a, b),
        Command::Assess(b) => major::assess(a, b),
        Command::ApplyResumption(b) => major::apply_resumption(a, b),
        Command::DecideResumption(b) => major::decide_resumption(a, b),
    }
}

fn act_in_tx(
    c: &mut DbConn,
    who: &Principal,
    settings: &Settings,
    id: Uuid,
    cmd: &Command,
    if_match: Option<&str>,
) -> AppResult<()> {
    let mut row = scoped(who, db::orders::find(c, DbUuid(id))?)?;
    let action = cmd.action();
    if !rules::may_on(who.role, action, row.level, row.enterprise_id.is_none()) {
        return Err(forbidden(action, row.level));
    }
    // Preconditions come before the state rules (RFC 9110 §13.2.2): a
    // client holding a stale copy learns that first.
    match if_match.map(str::trim) {
        None if cmd.requires_if_match() => return Err(precondition_required(action)),
        Some(tag) if tag != "*" && tag != etag(row.id.0, row.version) => {
            return Err(stale(row.version));
        }
        _ => {}
    }
    let Some(next) = rules::next(row.status, action) else {
        return Err(not_allowed(c, who, &row, action)?);
    };
    let now = time::now();
    let mut a = Act {
        c,
        who,
        row: &mut row,
        now,
        settings,
    };
    let body = perform(&mut a, cmd)?;
    let old_version = row.version;
    row.status = next;
    row.version += 1;
    row.updated_at = now.naive_utc();
    if db::orders::save_if_version(c, &row, old_version)? == 0 {
        return Err(lost_race(c, who, row.id, action, if_match.is_some())?);
    }
    append(c, row.id, action, Some(who), body)?;
    crate::service::notify::order_event(c, row.id, action, Some(who.user_id))?;
    Ok(())
}

/// `POST /rectification-orders/{id}/{action}` (and `PUT …/plan`).
pub async fn act(
    ctx: &Ctx,
    who: &Principal,
    id: Uuid,
    cmd: Command,
    if_match: Option<String>,
) -> AppResult<OrderView> {
    let viewer = who.clone();
    let who = who.clone();
    let settings = ctx.settings.clone();
    // The year's first supervision letter / criticism inserts its counter
    // row; a concurrent twin on PostgreSQL retries once and finds it.
    crate::service::retry_once_on_duplicate(ctx, move |c| {
        act_in_tx(c, &who, &settings, id, &cmd, if_match.as_deref())
    })
    .await?;
    ctx.db
        .run(move |c| {
            let row = scoped(&viewer, db::orders::find(c, DbUuid(id))?)?;
            view(c, row, &viewer, true)
        })
        .await
}
