//! Checklist templates: versioned, immutable once published. The file
//! format (checklists/*.toml) and the API share these types.

use super::{FieldErrors, Industry};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Safety,
    Stability,
    Environment,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Safety => "safety",
            Category::Stability => "stability",
            Category::Environment => "environment",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        [Category::Safety, Category::Stability, Category::Environment]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// 一般隐患 / 重大隐患.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HazardLevel {
    General,
    Major,
}

impl HazardLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            HazardLevel::General => "general",
            HazardLevel::Major => "major",
        }
    }
    pub fn parse(s: &str) -> Option<HazardLevel> {
        match s {
            "general" => Some(HazardLevel::General),
            "major" => Some(HazardLevel::Major),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResponseType {
    /// 合格 / 不合格 / 不适用.
    PassFail,
    /// A measured value with a unit and limits; outside the limits fails.
    Number,
    /// Free text (e.g. date and subject of the last emergency drill).
    Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub group_zh: String,
    pub group_en: String,
    pub text_zh: String,
    pub text_en: String,
    pub response: ResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    pub required: bool,
    pub photo_on_fail: bool,
    pub default_level: HazardLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// The clause of 《工贸企业重大事故隐患判定标准》 this item checks; a
    /// failure is then 重大隐患 and cannot be graded lower.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_criterion: Option<String>,
    /// The failed-device case: the clause (e.g. 第十四条 of Order No. 10)
    /// under which the device this item checks being present but failed or
    /// ineffective is itself 重大隐患, whatever `default_level` says. An
    /// answer marks it with `device_failed`; the finding is then major and
    /// records this clause as its `major_criterion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_failure_criterion: Option<String>,
    /// Clauses of the park's work plan the item derives from (e.g. "6.1.b").
    #[serde(default)]
    pub seed_clauses: Vec<String>,
}

impl Item {
    pub fn criterion_major(&self) -> bool {
        self.major_criterion.is_some()
    }

    /// The clause that makes a failure of this item major: its own
    /// criterion, or, for a failed device, the failed-device clause.
    pub fn major_clause(&self, device_failed: bool) -> Option<&str> {
        self.major_criterion.as_deref().or(if device_failed {
            self.device_failure_criterion.as_deref()
        } else {
            None
        })
    }

    /// Whether a measured value is within the declared limits.
    pub fn in_range(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub code: String,
    pub version: i32,
    pub title_zh: String,
    pub title_en: String,
    pub category: Category,
    /// Set for an industry add-on; absent for the base templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<Industry>,
    #[serde(default)]
    pub description_zh: String,
    #[serde(default)]
    pub description_en: String,
    pub items: Vec<Item>,
}

fn is_code(s: &str, upper: bool) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars().all(|c| {
            c.is_ascii_digit()
                || c == '-'
                || if upper {
                    c.is_ascii_uppercase()
                } else {
                    c.is_ascii_lowercase()
                }
        })
}

impl Template {
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// SHA-256 over the canonical JSON: what "the same version" means.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("serialisable");
        hex::encode(Sha256::digest(json))
    }

    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if !is_code(&self.code, false) {
            e.add("code", "模板编码应为小写字母、数字和连字符 / code must be lower-case letters, digits and dashes");
        }
        if self.version < 1 {
            e.add("version", "版本号从1开始 / version starts at 1");
        }
        if self.title_zh.trim().is_empty() {
            e.add("title_zh", "标题不能为空 / title_zh is required");
        }
        if self.items.is_empty() {
            e.add("items", "至少需要一个检查项 / at least one item");
        }
        let mut seen = HashSet::new();
        for (i, it) in self.items.iter().enumerate() {
            let f = |name: &str| format!("items[{i}].{name}");
            if !is_code(&it.code, true) {
                e.add(f("code"), "检查项编码应为大写字母、数字和连字符 / item code must be upper-case letters, digits and dashes");
            }
            if !seen.insert(it.code.as_str()) {
                e.add(
                    f("code"),
                    format!("检查项编码{}重复 / duplicate item code", it.code),
                );
            }
            if it.text_zh.trim().is_empty() {
                e.add(f("text_zh"), "检查内容不能为空 / text_zh is required");
            }
            match it.response {
                ResponseType::Number => {
                    if it.unit.as_deref().is_none_or(|u| u.trim().is_empty()) {
                        e.add(f("unit"), "数值型检查项须有单位 / number items need a unit");
                    }
                    if it.min.is_none() && it.max.is_none() {
                        e.add(
                            f("min"),
                            "数值型检查项须有上限或下限 / number items need min and/or max",
                        );
                    }
                    if let (Some(a), Some(b)) = (it.min, it.max) {
                        if a > b {
                            e.add(f("min"), "下限大于上限 / min above max");
                        }
                    }
                }
                _ => {
                    if it.unit.is_some() || it.min.is_some() || it.max.is_some() {
                        e.add(
                            f("unit"),
                            "只有数值型检查项有单位和限值 / only number items have unit/min/max",
                        );
                    }
                }
            }
            if it
                .device_failure_criterion
                .as_deref()
                .is_some_and(|c| c.trim().is_empty())
            {
                e.add(
                    f("device_failure_criterion"),
                    "装置失效判定依据不能为空 / the failed-device clause must name a clause",
                );
            }
            if it.criterion_major() && it.default_level != HazardLevel::Major {
                e.add(f("default_level"), "引用重大隐患判定标准的检查项应为重大隐患 / an item citing the major-hazard criteria must default to major");
            }
        }
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Template {
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
group_en = "Group"
text_zh = "粉尘清扫制度"
text_en = "Dust cleaning"
response = "pass_fail"
required = true
photo_on_fail = true
default_level = "major"
major_criterion = "第十二条"
[[items]]
code = "D-02"
group_zh = "组"
group_en = "Group"
text_zh = "氨浓度"
text_en = "Ammonia"
response = "number"
unit = "ppm"
max = 20.0
required = false
photo_on_fail = false
default_level = "general"
"#,
        )
        .unwrap()
    }

    #[test]
    fn sample_is_valid_and_hash_is_stable() {
        let t = sample();
        t.validate().unwrap();
        assert_eq!(t.content_hash(), sample().content_hash());
        let mut changed = sample();
        changed.items[1].max = Some(25.0);
        assert_ne!(t.content_hash(), changed.content_hash());
    }

    #[test]
    fn rules_are_enforced() {
        let mut t = sample();
        t.items[0].default_level = HazardLevel::General;
        t.items[1].unit = None;
        t.items.push(t.items[0].clone());
        let fields: Vec<_> = t
            .validate()
            .unwrap_err()
            .into_vec()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "items[0].default_level",
                "items[1].unit",
                "items[2].code",
                "items[2].default_level"
            ]
        );
    }

    #[test]
    fn range() {
        let t = sample();
        assert!(t.items[1].in_range(20.0));
        assert!(!t.items[1].in_range(20.5));
    }
}
