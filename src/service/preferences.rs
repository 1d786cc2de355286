//! What each user wants to hear, and where: an e-mail address of their own
//! and the kinds of message they muted. The in-app inbox is always on (it
//! is the record of what was told); the enterprise's registered contacts
//! and the group robots are the park's choice, not a user's. Legal notices
//! (a new 整改通知书, overdue, 督办函, 通报) cannot be muted: the person
//! answerable must not be able to say they were never told.

use super::notify::EVENT_TYPES;
use super::{Ctx, Principal};
use crate::db::outbox::{self as ob, PreferenceRow};
use crate::db::DbUuid;
use crate::domain::enterprise::plausible_email;
use crate::domain::{time, FieldErrors, Label};
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};

/// Event types every recipient gets whatever they muted.
pub const ALWAYS_SENT: &[&str] = &[
    "order.issued",
    "order.overdue",
    "order.supervision_letter",
    "order.public_criticism",
    "order.listed_for_supervision",
    "finding.major_self_reported",
];

/// The name users read for each kind of message.
pub fn event_label(event_type: &str) -> Label {
    let (zh, en) = match event_type {
        "order.issued" => ("收到整改通知书", "order issued"),
        "order.acknowledged" => ("整改通知书已签收", "order acknowledged"),
        "order.submitted" => ("整改已提交待复查", "rectification submitted"),
        "order.rejected" => ("复查未通过", "verification rejected"),
        "order.accepted" => ("复查通过已销号", "accepted and closed"),
        "order.cancelled" => ("整改通知书撤销", "order cancelled"),
        "order.extension_requested" => ("延期申请", "extension requested"),
        "order.extension_decided" => ("延期审批结果", "extension decided"),
        "order.reminder" => ("整改期限临近提醒", "deadline reminder"),
        "order.overdue" => ("整改逾期", "overdue"),
        "order.supervision_letter" => ("督办函", "supervision letter"),
        "order.public_criticism" => ("通报批评", "public criticism"),
        "order.verification_late" => ("复查超时", "verification late"),
        "order.listed_for_supervision" => ("重大隐患挂牌督办", "listed for supervision"),
        "order.production_stopped" => ("重大隐患停产治理", "production stopped"),
        "order.assessed" => ("重大隐患治理评估", "rectification assessed"),
        "order.resumption_applied" => ("复产申请", "resumption applied for"),
        "order.resumption_decided" => ("复产审查结果", "resumption decided"),
        "finding.major_self_reported" => ("企业自查上报重大隐患", "major hazard self-reported"),
        "env_audit.imported" => ("督察反馈清单导入", "feedback list imported"),
        "delivery.dead" => ("消息投递失败", "delivery failed"),
        _ => ("其他消息", "other message"),
    };
    Label { zh, en }
}

/// One kind of message, with its label.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventKind {
    pub event_type: &'static str,
    pub label: Label,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationSettings {
    /// Where this user's e-mail goes; null: no e-mail.
    pub email: Option<String>,
    /// Event types this user does not want (inbox and e-mail).
    pub muted: Vec<String>,
    /// What may be muted.
    pub mutable_events: Vec<EventKind>,
    /// What always arrives (legal notices).
    pub always_sent: Vec<EventKind>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    /// The user's own address; null: no e-mail.
    #[serde(default)]
    #[schema(format = Email)]
    pub email: Option<String>,
    #[serde(default)]
    pub muted: Vec<String>,
}

/// A user's choices, as `notify` applies them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Choice {
    pub email: Option<String>,
    pub muted: Vec<String>,
}

impl Choice {
    pub fn of(row: &PreferenceRow) -> Choice {
        Choice {
            email: row.email.clone(),
            muted: serde_json::from_str(&row.muted).unwrap_or_default(),
        }
    }

    /// Whether this user wants messages of `event_type`.
    pub fn wants(&self, event_type: &str) -> bool {
        ALWAYS_SENT.contains(&event_type) || !self.muted.iter().any(|m| m == event_type)
    }
}

fn mutable_events() -> Vec<&'static str> {
    EVENT_TYPES
        .iter()
        .copied()
        .filter(|t| !ALWAYS_SENT.contains(t))
        .collect()
}

fn kinds(types: &[&'static str]) -> Vec<EventKind> {
    types
        .iter()
        .map(|t| EventKind {
            event_type: t,
            label: event_label(t),
        })
        .collect()
}

fn settings(choice: Choice) -> NotificationSettings {
    NotificationSettings {
        email: choice.email,
        muted: choice.muted,
        mutable_events: kinds(&mutable_events()),
        always_sent: kinds(ALWAYS_SENT),
    }
}

fn validated(input: SettingsInput) -> AppResult<Choice> {
    let mut errs = FieldErrors::default();
    let email = input.email.map(|e| e.trim().to_string());
    if email.as_deref().is_some_and(|e| !plausible_email(e)) {
        errs.add(
            "email",
            "不是有效的电子邮箱地址 / not a valid e-mail address",
        );
    }
    for (i, m) in input.muted.iter().enumerate() {
        if !EVENT_TYPES.contains(&m.as_str()) {
            errs.add(format!("muted[{i}]"), "未知的消息类型 / unknown event type");
        } else if ALWAYS_SENT.contains(&m.as_str()) {
            errs.add(
                format!("muted[{i}]"),
                "依法送达的通知不能屏蔽 / legal notices cannot be muted",
            );
        }
    }
    errs.finish().map_err(AppError::validation)?;
    let mut muted = input.muted;
    muted.sort();
    muted.dedup();
    Ok(Choice { email, muted })
}

pub async fn get(ctx: &Ctx, who: &Principal) -> AppResult<NotificationSettings> {
    let me = DbUuid(who.user_id);
    ctx.db
        .run(move |c| {
            let row = ob::preferences_of(c, &[me])?.pop();
            Ok(settings(row.as_ref().map(Choice::of).unwrap_or_default()))
        })
        .await
}

pub async fn put(
    ctx: &Ctx,
    who: &Principal,
    input: SettingsInput,
) -> AppResult<NotificationSettings> {
    let choice = validated(input)?;
    let row = PreferenceRow {
        user_id: DbUuid(who.user_id),
        email: choice.email.clone(),
        muted: serde_json::to_string(&choice.muted).map_err(AppError::internal)?,
        updated_at: time::now().naive_utc(),
    };
    ctx.db
        .run(move |c| c.write_tx(|c| ob::save_preferences(c, &row).map_err(AppError::from)))
        .await?;
    Ok(settings(choice))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_notices_cannot_be_muted_and_others_can() {
        let c = Choice {
            email: None,
            muted: vec!["order.cancelled".into(), "order.issued".into()],
        };
        assert!(!c.wants("order.cancelled"));
        assert!(
            c.wants("order.issued"),
            "a stored mute of a legal notice is ignored"
        );
        assert!(c.wants("order.reminder"));
        for t in ALWAYS_SENT {
            assert!(EVENT_TYPES.contains(t), "{t}");
            assert!(!mutable_events().contains(t));
        }
        for t in EVENT_TYPES {
            assert_ne!(event_label(t).en, "other message", "{t} has a label");
        }
        let bad = validated(SettingsInput {
            email: Some("li si@qj".into()),
            muted: vec!["order.overdue".into(), "nope".into()],
        });
        match bad {
            Err(AppError::Validation(errs)) => {
                let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["email", "muted[0]", "muted[1]"]);
            }
            other => panic!("{other:?}"),
        }
        let ok = validated(SettingsInput {
            email: None,
            muted: vec!["order.reminder".into(), "order.reminder".into()],
        })
        .unwrap();
        assert_eq!(
            (ok.email, ok.muted),
            (None, vec!["order.reminder".to_string()])
        );
    }
}
