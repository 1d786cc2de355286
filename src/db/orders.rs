use super::schema::{
    document_counters as dc, extension_requests as xr, findings, order_events as ev,
    order_findings as of, rectification_orders as o,
};
use super::{findings::FindingRow, DbConn, DbUuid, QueryResult, Seek};
use crate::domain::checklist::HazardLevel;
use crate::domain::finding::{FindingStatus, Source};
use crate::domain::order::{Action, ExtensionStatus, MajorReason, OrderStatus};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = o)]
pub struct OrderRow {
    pub id: DbUuid,
    pub number: String,
    pub year: i32,
    pub seq: i64,
    pub enterprise_id: Option<DbUuid>,
    pub department: Option<String>,
    pub status: OrderStatus,
    pub level: HazardLevel,
    pub major_reason: Option<MajorReason>,
    pub requirements: String,
    pub deadline: NaiveDate,
    pub effective_deadline: NaiveDate,
    pub plan: Option<String>,
    pub issued_by: DbUuid,
    pub issued_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub days_to_close: Option<i32>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub reminder_recorded: bool,
    pub overdue_recorded: bool,
    pub supervision_letter_number: Option<String>,
    pub supervision_letter_time_limit: Option<NaiveDate>,
    pub supervision_letter_at: Option<NaiveDateTime>,
    pub public_criticism_number: Option<String>,
    pub public_criticism_at: Option<NaiveDateTime>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    /// The enterprise's 整改责任人, named when it signs for the order.
    pub responsible_name: Option<String>,
    pub responsible_phone: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ev)]
pub struct EventRow {
    pub id: DbUuid,
    pub order_id: DbUuid,
    pub seq: i32,
    pub action: Action,
    pub actor_id: Option<DbUuid>,
    pub actor_role: String,
    pub at: NaiveDateTime,
    pub comment: String,
    pub photo_ids: String,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = xr)]
pub struct ExtensionRow {
    pub id: DbUuid,
    pub order_id: DbUuid,
    pub requested_deadline: NaiveDate,
    pub reason: String,
    pub status: ExtensionStatus,
    pub requested_by: DbUuid,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<DbUuid>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_comment: Option<String>,
}

/// Next number of `kind` in `year`. The counter row's update lock is held
/// until the caller's transaction ends, so numbers are unique and, because
/// a failed request rolls the increment back, gapless.
pub fn next_number(conn: &mut DbConn, kind: &str, year: i32) -> QueryResult<i64> {
    let n = diesel::update(dc::table.find((kind, year)))
        .set(dc::last.eq(dc::last + 1))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(dc::table)
            .values((dc::kind.eq(kind), dc::year.eq(year), dc::last.eq(1i64)))
            .execute(conn)?;
    }
    dc::table.find((kind, year)).select(dc::last).first(conn)
}

pub fn insert(conn: &mut DbConn, row: &OrderRow) -> QueryResult<()> {
    diesel::insert_into(o::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<OrderRow>> {
    o::table
        .find(id)
        .select(OrderRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[DbUuid]) -> QueryResult<Vec<OrderRow>> {
    o::table
        .filter(o::id.eq_any(ids.to_vec()))
        .select(OrderRow::as_select())
        .load(conn)
}

/// Events by id, each with the enterprise of its order (None: a department's).
pub fn events_by_id(
    conn: &mut DbConn,
    ids: &[DbUuid],
) -> QueryResult<Vec<(EventRow, Option<DbUuid>)>> {
    ev::table
        .inner_join(o::table.on(o::id.eq(ev::order_id)))
        .filter(ev::id.eq_any(ids.to_vec()))
        .select((EventRow::as_select(), o::enterprise_id))
        .load(conn)
}

/// Writes `row` only if the stored version is still `expected` (optimistic
/// concurrency: of two verifiers holding the same ETag exactly one wins).
pub fn save_if_version(conn: &mut DbConn, row: &OrderRow, expected: i32) -> QueryResult<usize> {
    diesel::update(o::table.find(row.id).filter(o::version.eq(expected)))
        .set((
            o::status.eq(&row.status),
            o::effective_deadline.eq(row.effective_deadline),
            o::plan.eq(&row.plan),
            o::submitted_at.eq(row.submitted_at),
            o::closed_at.eq(row.closed_at),
            o::days_to_close.eq(row.days_to_close),
            o::cancelled_at.eq(row.cancelled_at),
            o::reminder_recorded.eq(row.reminder_recorded),
            o::overdue_recorded.eq(row.overdue_recorded),
            o::supervision_letter_number.eq(&row.supervision_letter_number),
            o::supervision_letter_time_limit.eq(row.supervision_letter_time_limit),
            o::supervision_letter_at.eq(row.supervision_letter_at),
            o::public_criticism_number.eq(&row.public_criticism_number),
            o::public_criticism_at.eq(row.public_criticism_at),
            o::version.eq(row.version),
            o::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
}

/// Records the enterprise's 整改责任人 (at 签收, in the action's transaction).
pub fn set_responsible(
    conn: &mut DbConn,
    id: DbUuid,
    name: &str,
    phone: &str,
) -> QueryResult<usize> {
    diesel::update(o::table.find(id))
        .set((o::responsible_name.eq(name), o::responsible_phone.eq(phone)))
        .execute(conn)
}

/// Moves open findings into the order; answers how many moved.
pub fn claim_findings(
    conn: &mut DbConn,
    order: DbUuid,
    ids: &[DbUuid],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let moved = diesel::update(
        findings::table
            .filter(findings::id.eq_any(ids.to_vec()))
            .filter(findings::status.eq(FindingStatus::Open)),
    )
    .set((
        findings::status.eq(FindingStatus::InOrder),
        findings::updated_at.eq(now),
    ))
    .execute(conn)?;
    for id in ids {
        diesel::insert_into(of::table)
            .values((of::order_id.eq(order), of::finding_id.eq(*id)))
            .execute(conn)?;
    }
    Ok(moved)
}

pub fn findings_of(conn: &mut DbConn, order: DbUuid) -> QueryResult<Vec<FindingRow>> {
    findings::table
        .inner_join(of::table)
        .filter(of::order_id.eq(order))
        .order(findings::created_at.asc())
        .select(FindingRow::as_select())
        .load(conn)
}

pub fn set_findings_status(
    conn: &mut DbConn,
    order: DbUuid,
    status: FindingStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let ids: Vec<DbUuid> = of::table
        .filter(of::order_id.eq(order))
        .select(of::finding_id)
        .load(conn)?;
    diesel::update(findings::table.filter(findings::id.eq_any(ids)))
        .set((findings::status.eq(status), findings::updated_at.eq(now)))
        .execute(conn)
}

pub fn last_event(conn: &mut DbConn, order: DbUuid) -> QueryResult<Option<(i32, String)>> {
    ev::table
        .filter(ev::order_id.eq(order))
        .order(ev::seq.desc())
        .select((ev::seq, ev::hash))
        .first(conn)
        .optional()
}

pub fn insert_event(conn: &mut DbConn, row: &EventRow) -> QueryResult<()> {
    diesel::insert_into(ev::table).values(row).execute(conn)?;
    Ok(())
}

pub fn events_of(conn: &mut DbConn, order: DbUuid) -> QueryResult<Vec<EventRow>> {
    ev::table
        .filter(ev::order_id.eq(order))
        .order(ev::seq.asc())
        .select(EventRow::as_select())
        .load(conn)
}

pub fn insert_extension(conn: &mut DbConn, row: &ExtensionRow) -> QueryResult<()> {
    diesel::insert_into(xr::table).values(row).execute(conn)?;
    Ok(())
}

pub fn extensions_of(conn: &mut DbConn, order: DbUuid) -> QueryResult<Vec<ExtensionRow>> {
    xr::table
        .filter(xr::order_id.eq(order))
        .order(xr::requested_at.asc())
        .select(ExtensionRow::as_select())
        .load(conn)
}

pub fn find_extension(conn: &mut DbConn, id: DbUuid) -> QueryResult<Option<ExtensionRow>> {
    xr::table
        .find(id)
        .select(ExtensionRow::as_select())
        .first(conn)
        .optional()
}

pub fn decide_extension(
    conn: &mut DbConn,
    id: DbUuid,
    status: ExtensionStatus,
    by: DbUuid,
    at: NaiveDateTime,
    comment: &str,
) -> QueryResult<usize> {
    diesel::update(
        xr::table
            .find(id)
            .filter(xr::status.eq(ExtensionStatus::Pending)),
    )
    .set((
        xr::status.eq(status),
        xr::decided_by.eq(Some(by)),
        xr::decided_at.eq(Some(at)),
        xr::decision_comment.eq(Some(comment)),
    ))
    .execute(conn)
}

#[derive(Debug, Default)]
pub struct OrderFilter {
    pub only_enterprises: Option<Vec<DbUuid>>,
    pub enterprise_id: Option<DbUuid>,
    pub statuses: Option<Vec<OrderStatus>>,
    pub level: Option<HazardLevel>,
    /// Some(today): only open orders past their deadline; Some(false) via `not_overdue_on`.
    pub overdue_on: Option<NaiveDate>,
    pub not_overdue_on: Option<NaiveDate>,
    pub deadline_from: Option<NaiveDate>,
    pub deadline_to: Option<NaiveDate>,
    /// Orders containing a finding of this source.
    pub source: Option<Source>,
    pub audit_id: Option<DbUuid>,
    /// In the number, the requirements or a finding's description.
    pub text: Option<String>,
    pub submitted_before: Option<NaiveDateTime>,
    pub before: Option<Seek>,
    pub limit: i64,
}

/// `%text%` with the LIKE wildcards in `text` escaped (by `\\`).
fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

pub fn list(conn: &mut DbConn, f: &OrderFilter) -> QueryResult<Vec<OrderRow>> {
    let mut q = o::table.select(OrderRow::as_select()).into_boxed();
    if let Some(only) = &f.only_enterprises {
        q = q.filter(o::enterprise_id.eq_any(only.clone()));
    }
    if let Some(e) = f.enterprise_id {
        q = q.filter(o::enterprise_id.eq(e));
    }
    if let Some(s) = &f.statuses {
        q = q.filter(o::status.eq_any(s.clone()));
    }
    if let Some(l) = &f.level {
        q = q.filter(o::level.eq(*l));
    }
    if let Some(today) = f.overdue_on {
        q = q
            .filter(o::status.eq_any(OrderStatus::RUNNING))
            .filter(o::effective_deadline.lt(today));
    }
    if let Some(today) = f.not_overdue_on {
        q = q.filter(
            o::status
                .ne_all(OrderStatus::RUNNING)
                .or(o::effective_deadline.ge(today)),
        );
    }
    if let Some(d) = f.deadline_from {
        q = q.filter(o::effective_deadline.ge(d));
    }
    if let Some(d) = f.deadline_to {
        q = q.filter(o::effective_deadline.le(d));
    }
    if let Some(s) = &f.source {
        let with_source = of::table
            .inner_join(findings::table)
            .filter(findings::source.eq(*s))
            .select(of::order_id);
        q = q.filter(o::id.eq_any(with_source));
    }
    if let Some(a) = f.audit_id {
        use super::schema::env_audit_items as it;
        let of_batch = of::table
            .inner_join(it::table.on(it::finding_id.eq(of::finding_id)))
            .filter(it::audit_id.eq(a))
            .select(of::order_id);
        q = q.filter(o::id.eq_any(of_batch));
    }
    if let Some(t) = &f.text {
        let pattern = like_pattern(t);
        let in_findings = of::table
            .inner_join(findings::table)
            .filter(findings::description.like(pattern.clone()).escape('\\'))
            .select(of::order_id);
        q = q.filter(
            o::number
                .like(pattern.clone())
                .escape('\\')
                .or(o::requirements.like(pattern).escape('\\'))
                .or(o::id.eq_any(in_findings)),
        );
    }
    if let Some(t) = f.submitted_before {
        q = q
            .filter(o::status.eq(OrderStatus::PendingVerification))
            .filter(o::submitted_at.lt(t));
    }
    if let Some((t, id)) = f.before {
        q = q.filter(o::issued_at.lt(t).or(o::issued_at.eq(t).and(o::id.lt(id))));
    }
    q.order((o::issued_at.desc(), o::id.desc()))
        .limit(f.limit)
        .load(conn)
}

/// Open orders past their deadline that have no `overdue` event yet.
pub fn due_for_overdue(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<DbUuid>> {
    o::table
        .filter(o::status.eq_any(OrderStatus::RUNNING))
        .filter(o::effective_deadline.lt(today))
        .filter(o::overdue_recorded.eq(false))
        .select(o::id)
        .load(conn)
}

/// Submissions waiting for 复查 since before `cutoff`, not yet told late.
pub fn due_for_verification_late(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
) -> QueryResult<Vec<DbUuid>> {
    o::table
        .filter(o::status.eq(OrderStatus::PendingVerification))
        .filter(o::submitted_at.lt(cutoff))
        .filter(o::verification_late_recorded.eq(false))
        .select(o::id)
        .load(conn)
}

/// Claims the late-复查 flag of a submission still waiting since before
/// `cutoff` (1 when this caller won it). The order itself does not change:
/// its version stays.
pub fn claim_verification_late(
    conn: &mut DbConn,
    id: DbUuid,
    cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        o::table
            .find(id)
            .filter(o::status.eq(OrderStatus::PendingVerification))
            .filter(o::submitted_at.lt(cutoff))
            .filter(o::verification_late_recorded.eq(false)),
    )
    .set(o::verification_late_recorded.eq(true))
    .execute(conn)
}

/// A new submission starts a new 复查 clock.
pub fn clear_verification_late(conn: &mut DbConn, id: DbUuid) -> QueryResult<usize> {
    diesel::update(o::table.find(id))
        .set(o::verification_late_recorded.eq(false))
        .execute(conn)
}

/// Open orders whose deadline is within `until` and not yet reminded.
pub fn due_for_reminder(
    conn: &mut DbConn,
    today: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<DbUuid>> {
    o::table
        .filter(o::status.eq_any(OrderStatus::RUNNING))
        .filter(o::effective_deadline.ge(today))
        .filter(o::effective_deadline.le(until))
        .filter(o::reminder_recorded.eq(false))
        .select(o::id)
        .load(conn)
}

/// Counts per status among orders issued in [from, to).
pub fn count_by_status(
    conn: &mut DbConn,
    only: Option<&[DbUuid]>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> QueryResult<Vec<(OrderStatus, i64)>> {
    let mut q = o::table
        .group_by(o::status)
        .select((o::status, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(only) = only {
        q = q.filter(o::enterprise_id.eq_any(only.to_vec()));
    }
    if let Some(t) = from {
        q = q.filter(o::issued_at.ge(t));
    }
    if let Some(t) = to {
        q = q.filter(o::issued_at.lt(t));
    }
    q.load(conn)
}

pub fn count_overdue(
    conn: &mut DbConn,
    only: Option<&[DbUuid]>,
    today: NaiveDate,
) -> QueryResult<i64> {
    let mut q = o::table
        .filter(o::status.eq_any(OrderStatus::RUNNING))
        .filter(o::effective_deadline.lt(today))
        .count()
        .into_boxed();
    if let Some(only) = only {
        q = q.filter(o::enterprise_id.eq_any(only.to_vec()));
    }
    q.get_result(conn)
}

/// Orders closed in [from, to), and the median of their days to close
/// (computed by the database: one ORDER BY … OFFSET row).
pub fn closed_stats(
    conn: &mut DbConn,
    only: Option<&[DbUuid]>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> QueryResult<(i64, Option<i32>)> {
    let base = || {
        let mut q = o::table
            .filter(o::status.eq(OrderStatus::Closed))
            .into_boxed();
        if let Some(only) = only {
            q = q.filter(o::enterprise_id.eq_any(only.to_vec()));
        }
        if let Some(t) = from {
            q = q.filter(o::closed_at.ge(t));
        }
        if let Some(t) = to {
            q = q.filter(o::closed_at.lt(t));
        }
        q
    };
    let n: i64 = base().count().get_result(conn)?;
    if n == 0 {
        return Ok((0, None));
    }
    let median: Option<i32> = base()
        .select(o::days_to_close)
        .order(o::days_to_close.asc())
        .offset((n - 1) / 2)
        .first(conn)?;
    Ok((n, median))
}

/// Per enterprise counts: open, overdue, closed, closed on time.
#[derive(Debug, Clone, Copy)]
pub struct EnterpriseCounts {
    pub enterprise_id: DbUuid,
    pub open: i64,
    pub overdue: i64,
    pub closed: i64,
    pub closed_on_time: i64,
}

pub fn per_enterprise(
    conn: &mut DbConn,
    only: Option<&[DbUuid]>,
    today: NaiveDate,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> QueryResult<Vec<EnterpriseCounts>> {
    // One grouped count per column, all computed by the database.
    let mut count = |statuses: &[OrderStatus],
                     overdue: bool,
                     on_time: bool|
     -> QueryResult<Vec<(DbUuid, i64)>> {
        let mut q = o::table
            .group_by(o::enterprise_id)
            .select((o::enterprise_id, diesel::dsl::count_star()))
            .filter(o::status.eq_any(statuses.to_vec()))
            .into_boxed();
        if let Some(only) = only {
            q = q.filter(o::enterprise_id.eq_any(only.to_vec()));
        }
        if let Some(t) = from {
            q = q.filter(o::issued_at.ge(t));
        }
        if let Some(t) = to {
            q = q.filter(o::issued_at.lt(t));
        }
        if overdue {
            q = q.filter(o::effective_deadline.lt(today));
        }
        if on_time {
            q = q.filter(o::overdue_recorded.eq(false));
        }
        let rows: Vec<(Option<DbUuid>, i64)> = q.load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(e, n)| e.map(|e| (e, n)))
            .collect())
    };
    let open = count(&OrderStatus::OPEN, false, false)?;
    let overdue = count(&OrderStatus::RUNNING, true, false)?;
    let closed = count(&[OrderStatus::Closed], false, false)?;
    let on_time = count(&[OrderStatus::Closed], false, true)?;
    let mut ids: Vec<DbUuid> = open
        .iter()
        .chain(&overdue)
        .chain(&closed)
        .map(|(e, _)| *e)
        .collect();
    ids.sort();
    ids.dedup();
    let get =
        |v: &[(DbUuid, i64)], id: DbUuid| v.iter().find(|(e, _)| *e == id).map_or(0, |(_, n)| *n);
    Ok(ids
        .into_iter()
        .map(|id| EnterpriseCounts {
            enterprise_id: id,
            open: get(&open, id),
            overdue: get(&overdue, id),
            closed: get(&closed, id),
            closed_on_time: get(&on_time, id),
        })
        .collect())
}

/// Sets a once-only flag if it is still false *and* the order still
/// qualifies (it may have been submitted, cancelled or extended since the
/// job listed it); 1 means this caller won and records the event.
pub fn claim_flag(
    conn: &mut DbConn,
    id: DbUuid,
    overdue: bool,
    today: NaiveDate,
    remind_until: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let open = o::table
        .find(id)
        .filter(o::status.eq_any(OrderStatus::RUNNING));
    if overdue {
        diesel::update(
            open.filter(o::overdue_recorded.eq(false))
                .filter(o::effective_deadline.lt(today)),
        )
        .set((
            o::overdue_recorded.eq(true),
            o::version.eq(o::version + 1),
            o::updated_at.eq(now),
        ))
        .execute(conn)
    } else {
        diesel::update(
            open.filter(o::reminder_recorded.eq(false))
                .filter(o::effective_deadline.ge(today))
                .filter(o::effective_deadline.le(remind_until)),
        )
        .set((
            o::reminder_recorded.eq(true),
            o::version.eq(o::version + 1),
            o::updated_at.eq(now),
        ))
        .execute(conn)
    }
}

/// Has this finding ever been part of an order (open, closed or cancelled)?
pub fn ever_ordered(conn: &mut DbConn, finding: DbUuid) -> QueryResult<bool> {
    Ok(of::table
        .filter(of::finding_id.eq(finding))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// The order a finding is (or was last) part of.
pub fn order_of_finding(conn: &mut DbConn, finding: DbUuid) -> QueryResult<Option<OrderRow>> {
    o::table
        .inner_join(of::table)
        .filter(of::finding_id.eq(finding))
        .order(o::issued_at.desc())
        .select(OrderRow::as_select())
        .first(conn)
        .optional()
}

/// The latest progress comment of an order, for the ledger.
pub fn latest_progress(
    conn: &mut DbConn,
    order: DbUuid,
) -> QueryResult<Option<(String, NaiveDateTime)>> {
    ev::table
        .filter(ev::order_id.eq(order))
        .filter(ev::action.eq_any([Action::Progress, Action::Submit]))
        .filter(ev::comment.ne(""))
        .order(ev::seq.desc())
        .select((ev::comment, ev::at))
        .first(conn)
        .optional()
}

/// Orders (issued in the period) that got a supervision letter, and a
/// public criticism — the escalation steps shown in the statistics.
pub fn count_escalations(
    conn: &mut DbConn,
    only: Option<&[DbUuid]>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> QueryResult<(i64, i64)> {
    let in_period = || {
        let mut q = o::table.into_boxed();
        if let Some(only) = only {
            q = q.filter(o::enterprise_id.eq_any(only.to_vec()));
        }
        if let Some(t) = from {
            q = q.filter(o::issued_at.ge(t));
        }
        if let Some(t) = to {
            q = q.filter(o::issued_at.lt(t));
        }
        q
    };
    let letters = in_period()
        .filter(o::supervision_letter_number.is_not_null())
        .count()
        .get_result(conn)?;
    let criticisms = in_period()
        .filter(o::public_criticism_number.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((letters, criticisms))
}

/// Verifications let through by `allow_self_verification` (marked in the
/// event data) on orders issued in the period.
pub fn count_self_verified(
    conn: &mut DbConn,
    only: Option<&[DbUuid]>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> QueryResult<i64> {
    let mut q = o::table.into_boxed().filter(diesel::dsl::exists(
        ev::table
            .filter(ev::order_id.eq(o::id))
            // The key, followed by its colon: text a user typed is a JSON
            // string value, never followed by ':' (a quote inside it is escaped).
            .filter(ev::data.like("%\"self_verification\":%")),
    ));
    if let Some(only) = only {
        q = q.filter(o::enterprise_id.eq_any(only.to_vec()));
    }
    if let Some(t) = from {
        q = q.filter(o::issued_at.ge(t));
    }
    if let Some(t) = to {
        q = q.filter(o::issued_at.lt(t));
    }
    q.count().get_result(conn)
}
