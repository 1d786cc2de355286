//! Findings (隐患/问题): the unit that gets rectified.

use super::checklist::{Category, HazardLevel};
use super::enterprise::validate_location;
use super::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Inspection,
    SelfInspection,
    EnvAudit,
    AdHoc,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Inspection => "inspection",
            Source::SelfInspection => "self_inspection",
            Source::EnvAudit => "env_audit",
            Source::AdHoc => "ad_hoc",
        }
    }
    pub fn parse(s: &str) -> Option<Source> {
        [
            Source::Inspection,
            Source::SelfInspection,
            Source::EnvAudit,
            Source::AdHoc,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Where a finding stands. Orders move it on; `closed` (销号) and
/// `cancelled` are counted apart everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Open,
    InOrder,
    Closed,
    Cancelled,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::InOrder => "in_order",
            FindingStatus::Closed => "closed",
            FindingStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<FindingStatus> {
        [
            FindingStatus::Open,
            FindingStatus::InOrder,
            FindingStatus::Closed,
            FindingStatus::Cancelled,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

pub const DESCRIPTION_MAX: usize = 4000;
/// 部位: where in the plant the hazard is.
pub const LOCATION_TEXT_MAX: usize = 500;

pub fn check_fields(
    description: &str,
    location_text: Option<&str>,
    lat: Option<f64>,
    lon: Option<f64>,
    photos: usize,
) -> FieldErrors {
    let mut e = FieldErrors::new();
    let n = description.trim().chars().count();
    if n == 0 {
        e.add("description", "隐患描述不能为空 / description is required");
    } else if n > DESCRIPTION_MAX {
        e.add("description", format!("隐患描述不超过{DESCRIPTION_MAX}字 / description up to {DESCRIPTION_MAX} characters"));
    }
    if location_text.is_some_and(|l| l.chars().count() > LOCATION_TEXT_MAX) {
        e.add(
            "location_text",
            "位置描述不超过500字 / location_text up to 500 characters",
        );
    }
    validate_location(lat, lon, &mut e);
    if photos > 20 {
        e.add("photo_ids", "最多20张照片 / at most 20 photos");
    }
    e
}

/// Labels shown to users next to the codes.
pub fn level_label(l: HazardLevel) -> (&'static str, &'static str) {
    match l {
        HazardLevel::General => ("一般隐患", "General hazard"),
        HazardLevel::Major => ("重大隐患", "Major hazard"),
    }
}

pub fn category_label(c: Category) -> (&'static str, &'static str) {
    match c {
        Category::Safety => ("安全生产", "Work safety"),
        Category::Stability => ("和谐稳定", "Social stability"),
        Category::Environment => ("生态环境", "Ecology and environment"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in [
            Source::Inspection,
            Source::SelfInspection,
            Source::EnvAudit,
            Source::AdHoc,
        ] {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
        for s in [
            FindingStatus::Open,
            FindingStatus::InOrder,
            FindingStatus::Closed,
            FindingStatus::Cancelled,
        ] {
            assert_eq!(FindingStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn field_rules() {
        assert!(check_fields("配电箱未接地", None, None, None, 1).is_empty());
        assert_eq!(
            check_fields(" ", None, Some(1.0), None, 21)
                .into_vec()
                .len(),
            3
        );
    }
}
