//! Inspection answers checked against the pinned checklist version:
//! shape on every save, completeness on submit, and which answers become
//! findings (隐患) at what level.

use super::checklist::{HazardLevel, Item, ResponseType, Template};
use super::{FieldError, FieldErrors};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// A draft can change until it is submitted; then it is the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InspectionState {
    Draft,
    Submitted,
}

impl InspectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionState::Draft => "draft",
            InspectionState::Submitted => "submitted",
        }
    }
    pub fn parse(s: &str) -> Option<InspectionState> {
        [InspectionState::Draft, InspectionState::Submitted]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Who ran the inspection, which decides the source of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// 检查 by the park or an agency.
    Inspection,
    /// 企业自查.
    SelfInspection,
}

impl InspectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionKind::Inspection => "inspection",
            InspectionKind::SelfInspection => "self_inspection",
        }
    }
    pub fn parse(s: &str) -> Option<InspectionKind> {
        [InspectionKind::Inspection, InspectionKind::SelfInspection]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// An enterprise inspecting itself is a 企业自查.
    pub fn of_runner(role: super::Role) -> InspectionKind {
        if role == super::Role::Enterprise {
            InspectionKind::SelfInspection
        } else {
            InspectionKind::Inspection
        }
    }

    pub fn finding_source(self) -> super::finding::Source {
        match self {
            InspectionKind::Inspection => super::finding::Source::Inspection,
            InspectionKind::SelfInspection => super::finding::Source::SelfInspection,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerResult {
    Pass,
    Fail,
    Na,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub item_code: String,
    #[serde(default)]
    pub result: Option<AnswerResult>,
    /// Number items: the measured value; text items: the text.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub value: Option<serde_json::Value>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
    /// Raises the item's default hazard level (never lowers a criterion-major item).
    #[serde(default)]
    pub level: Option<HazardLevel>,
    /// The device the item checks is present but failed or ineffective
    /// (monitoring, alarm, protection). Only on items that declare a
    /// `device_failure_criterion`, and only with a `fail` result: the
    /// finding is then major under that clause.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub device_failed: bool,
    /// 部位: where in the plant a failed item was seen; the finding it
    /// becomes carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_text: Option<String>,
}

pub const NOTE_MAX: usize = 2000;

/// Shape checks that apply to drafts too: known items, no duplicates,
/// values of the right type, levels that respect the criteria.
pub fn check_answers(t: &Template, answers: &[Answer]) -> FieldErrors {
    let mut e = FieldErrors::new();
    let mut seen = HashSet::new();
    for (i, a) in answers.iter().enumerate() {
        let f = |n: &str| format!("answers[{i}].{n}");
        let Some(item) = t.item(&a.item_code) else {
            e.add(
                f("item_code"),
                format!(
                    "检查表{}第{}版没有检查项{} / no item {} in {} v{}",
                    t.code, t.version, a.item_code, a.item_code, t.code, t.version
                ),
            );
            continue;
        };
        if !seen.insert(a.item_code.as_str()) {
            e.add(
                f("item_code"),
                format!("检查项{}重复作答 / item answered twice", a.item_code),
            );
        }
        match (item.response, &a.value) {
            (_, None) | (_, Some(serde_json::Value::Null)) => {}
            (ResponseType::Number, Some(v)) if v.as_f64().is_some_and(f64::is_finite) => {}
            (ResponseType::Number, Some(_)) => {
                e.add(f("value"), "应为数值 / value must be a number")
            }
            (ResponseType::Text, Some(serde_json::Value::String(s)))
                if s.chars().count() <= NOTE_MAX => {}
            (ResponseType::Text, Some(_)) => e.add(
                f("value"),
                format!(
                    "应为不超过{NOTE_MAX}字的文本 / value must be text up to {NOTE_MAX} characters"
                ),
            ),
            (ResponseType::PassFail, Some(_)) => e.add(
                f("value"),
                "合格/不合格项不填数值 / pass/fail items take no value",
            ),
        }
        if a.note
            .as_deref()
            .is_some_and(|n| n.chars().count() > NOTE_MAX)
        {
            e.add(
                f("note"),
                format!("备注不超过{NOTE_MAX}字 / note up to {NOTE_MAX} characters"),
            );
        }
        if a.location_text
            .as_deref()
            .is_some_and(|l| l.chars().count() > super::finding::LOCATION_TEXT_MAX)
        {
            e.add(
                f("location_text"),
                format!(
                    "部位不超过{}字 / location_text up to {} characters",
                    super::finding::LOCATION_TEXT_MAX,
                    super::finding::LOCATION_TEXT_MAX
                ),
            );
        }
        if item.criterion_major() && a.level == Some(HazardLevel::General) {
            e.add(
                f("level"),
                format!("{}属重大事故隐患判定标准情形，不能降为一般隐患 / a criterion-major item cannot be graded general", item.code),
            );
        }
        if a.device_failed {
            if item.device_failure_criterion.is_none() {
                e.add(
                    f("device_failed"),
                    format!(
                        "{}未声明装置失效判定依据 / item declares no failed-device clause",
                        item.code
                    ),
                );
            } else if a.result != Some(AnswerResult::Fail) {
                e.add(
                    f("device_failed"),
                    "装置失效须判为不合格 / a failed device is a fail result",
                );
            }
        }
        if a.photo_ids.len() > 20 {
            e.add(
                f("photo_ids"),
                "每项最多20张照片 / at most 20 photos per item",
            );
        }
    }
    e
}

/// The effective outcome of one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<'a> {
    pub item: &'a Item,
    pub answer: &'a Answer,
    pub failed: bool,
    /// The measured value was outside the item's limits.
    pub out_of_range: bool,
    pub level: HazardLevel,
    /// The clause that made it major, if one did: the item's criterion, or
    /// its failed-device clause when the answer reports a failed device.
    pub major_criterion: Option<&'a str>,
}

/// The failed-device rule: a failed answer that reports the checked device
/// failed or ineffective is 重大隐患 under the item's failed-device clause,
/// whatever the item's default level; the item's own criterion, if any,
/// stays the recorded clause.
pub fn outcome<'a>(item: &'a Item, a: &'a Answer) -> Outcome<'a> {
    let out_of_range = item.response == ResponseType::Number
        && a.result != Some(AnswerResult::Na)
        && a.value
            .as_ref()
            .and_then(|v| v.as_f64())
            .is_some_and(|v| !item.in_range(v));
    let failed = a.result == Some(AnswerResult::Fail) || out_of_range;
    let major_criterion = item.major_clause(failed && a.device_failed);
    let level = a
        .level
        .map_or(item.default_level, |l| l.max(item.default_level))
        .max(if major_criterion.is_some() {
            HazardLevel::Major
        } else {
            HazardLevel::General
        });
    Outcome {
        item,
        answer: a,
        failed,
        out_of_range,
        level,
        major_criterion,
    }
}

/// Completeness on submit; every offending item is reported by its code.
pub fn check_complete(t: &Template, answers: &[Answer]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut add = |code: &str, message: String| {
        errs.push(FieldError {
            field: format!("items.{code}"),
            message,
        })
    };
    for item in &t.items {
        let a = answers.iter().find(|a| a.item_code == item.code);
        let Some(a) = a else {
            if item.required {
                add(
                    &item.code,
                    "必检项未作答 / required item not answered".into(),
                );
            }
            continue;
        };
        let has_value = a
            .value
            .as_ref()
            .is_some_and(|v| !v.is_null() && v.as_str() != Some(""));
        match (item.response, a.result) {
            (_, Some(AnswerResult::Na)) => continue,
            (ResponseType::PassFail, None) => {
                add(
                    &item.code,
                    "未选择合格/不合格/不适用 / result missing".into(),
                );
                continue;
            }
            (ResponseType::Number | ResponseType::Text, _) if !has_value && a.result.is_none() => {
                add(&item.code, "未填写数值或内容 / value missing".into());
                continue;
            }
            (ResponseType::Number, _) if !has_value => {
                add(&item.code, "未填写测量值 / measured value missing".into());
                continue;
            }
            _ => {}
        }
        let o = outcome(item, a);
        if o.failed && item.photo_on_fail && a.photo_ids.is_empty() {
            add(
                &item.code,
                "不合格项须附现场照片 / a failed item needs a photo".into(),
            );
        }
    }
    errs
}

/// Whether an existing finding (its item code and recorded clause) is the
/// same case as a failure of `item`: the same item, or, for an item citing
/// a major-hazard case of its own, a finding recorded under that case —
/// the templates run at one visit share such cases (e.g. 第十二条第（一）项
/// in both the food and the cold-chain add-on). A failed-device clause is
/// not a case of its own: two failed devices are two findings.
pub fn same_case(item: &Item, finding_item: Option<&str>, finding_clause: Option<&str>) -> bool {
    finding_item == Some(item.code.as_str())
        || item
            .major_criterion
            .as_deref()
            .is_some_and(|c| finding_clause == Some(c))
}

/// How long an open finding from an inspection stands for its case at the
/// same enterprise: the templates of one visit (one day) are submitted
/// one after another.
pub const SAME_VISIT_HOURS: i64 = 24;

/// Answers that become findings, in template order.
pub fn failures<'a>(t: &'a Template, answers: &'a [Answer]) -> Vec<Outcome<'a>> {
    t.items
        .iter()
        .filter_map(|item| {
            answers
                .iter()
                .find(|a| a.item_code == item.code)
                .map(|a| outcome(item, a))
        })
        .filter(|o| o.failed)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        toml::from_str(
            r#"
code = "demo"
version = 1
title_zh = "示例"
title_en = "Demo"
category = "safety"
[[items]]
code = "D-01"
group_zh = "组"
group_en = "G"
text_zh = "粉尘清扫"
text_en = "Dust"
response = "pass_fail"
required = true
photo_on_fail = true
default_level = "major"
major_criterion = "第十二条"
[[items]]
code = "D-02"
group_zh = "组"
group_en = "G"
text_zh = "氨浓度"
text_en = "Ammonia"
response = "number"
unit = "ppm"
max = 20.0
required = true
photo_on_fail = false
default_level = "general"
[[items]]
code = "D-03"
group_zh = "组"
group_en = "G"
text_zh = "演练"
text_en = "Drill"
response = "text"
required = false
photo_on_fail = false
default_level = "general"
"#,
        )
        .unwrap()
    }

    fn answer(
        code: &str,
        result: Option<AnswerResult>,
        value: Option<serde_json::Value>,
    ) -> Answer {
        Answer {
            item_code: code.into(),
            result,
            value,
            note: None,
            photo_ids: vec![],
            level: None,
            device_failed: false,
            location_text: None,
        }
    }

    #[test]
    fn the_same_case_is_the_same_item_or_the_items_own_criterion() {
        let mut t = template();
        t.items[1].device_failure_criterion = Some("第十四条".into());
        let (crit, plain) = (&t.items[0], &t.items[1]);
        assert!(same_case(crit, Some("D-01"), None));
        assert!(
            same_case(crit, Some("X-07"), Some("第十二条")),
            "another template's item, same case"
        );
        assert!(!same_case(crit, Some("X-07"), Some("第十三条")));
        assert!(same_case(plain, Some("D-02"), Some("第十四条")));
        assert!(
            !same_case(plain, Some("X-08"), Some("第十四条")),
            "two failed devices are two findings"
        );
    }

    #[test]
    fn a_failed_device_makes_a_general_item_major_with_its_clause() {
        let mut t = template();
        t.items[1].device_failure_criterion = Some("第十四条".into());
        let mut failed_device = answer(
            "D-02",
            Some(AnswerResult::Fail),
            Some(serde_json::json!(3.0)),
        );
        failed_device.device_failed = true;
        let o = outcome(&t.items[1], &failed_device);
        assert!(o.failed);
        assert_eq!(o.level, HazardLevel::Major);
        assert_eq!(o.major_criterion, Some("第十四条"));
        // The same failure without a failed device stays general, with no clause.
        let plain = answer(
            "D-02",
            Some(AnswerResult::Fail),
            Some(serde_json::json!(3.0)),
        );
        let o = outcome(&t.items[1], &plain);
        assert_eq!((o.level, o.major_criterion), (HazardLevel::General, None));
        // A criterion-major item keeps its own clause.
        let mut own = answer("D-01", Some(AnswerResult::Fail), None);
        own.device_failed = false;
        assert_eq!(outcome(&t.items[0], &own).major_criterion, Some("第十二条"));
        // Refused: on an item without the clause, and with a pass result.
        let mut undeclared = answer("D-03", Some(AnswerResult::Fail), None);
        undeclared.device_failed = true;
        let mut passed = answer(
            "D-02",
            Some(AnswerResult::Pass),
            Some(serde_json::json!(3.0)),
        );
        passed.device_failed = true;
        let fields: Vec<_> = check_answers(&t, &[undeclared, passed])
            .into_vec()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["answers[0].device_failed", "answers[1].device_failed"]
        );
    }

    #[test]
    fn unknown_duplicate_and_lowered_items_are_refused() {
        let t = template();
        let mut lowered = answer("D-01", Some(AnswerResult::Fail), None);
        lowered.level = Some(HazardLevel::General);
        let answers = vec![
            answer("X-99", None, None),
            lowered,
            answer("D-02", None, Some(serde_json::json!("high"))),
            answer("D-02", None, None),
        ];
        let fields: Vec<_> = check_answers(&t, &answers)
            .into_vec()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "answers[0].item_code",
                "answers[1].level",
                "answers[2].value",
                "answers[3].item_code"
            ]
        );
    }

    #[test]
    fn completeness_names_every_item() {
        let t = template();
        let errs = check_complete(&t, &[answer("D-01", Some(AnswerResult::Fail), None)]);
        let fields: Vec<_> = errs.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["items.D-01", "items.D-02"]); // photo missing; required number missing
    }

    #[test]
    fn out_of_range_numbers_fail_and_levels_only_rise() {
        let t = template();
        let mut a = answer(
            "D-02",
            Some(AnswerResult::Pass),
            Some(serde_json::json!(35.5)),
        );
        a.level = Some(HazardLevel::Major);
        let answers = vec![
            answer("D-01", Some(AnswerResult::Pass), None),
            a,
            answer(
                "D-03",
                None,
                Some(serde_json::json!("2026-10-12 氨泄漏演练")),
            ),
        ];
        assert!(check_complete(&t, &answers).is_empty());
        let f = failures(&t, &answers);
        assert_eq!(f.len(), 1);
        assert!(f[0].out_of_range);
        assert_eq!(f[0].level, HazardLevel::Major);
        let ok = vec![
            answer("D-01", Some(AnswerResult::Na), None),
            answer("D-02", None, Some(serde_json::json!(12))),
        ];
        assert!(check_complete(&t, &ok).is_empty());
        assert!(failures(&t, &ok).is_empty());
    }
}
