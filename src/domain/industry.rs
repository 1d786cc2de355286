use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The park's industries (work plan section 三), used to pick checklist
/// add-ons. `Other` covers everything the plan does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Industry {
    Aluminium,
    GlassFibre,
    Tobacco,
    Food,
    ColdChain,
    GasPower,
    Other,
}

impl Industry {
    pub const ALL: [Industry; 7] = [
        Industry::Aluminium,
        Industry::GlassFibre,
        Industry::Tobacco,
        Industry::Food,
        Industry::ColdChain,
        Industry::GasPower,
        Industry::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Industry::Aluminium => "aluminium",
            Industry::GlassFibre => "glass_fibre",
            Industry::Tobacco => "tobacco",
            Industry::Food => "food",
            Industry::ColdChain => "cold_chain",
            Industry::GasPower => "gas_power",
            Industry::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Industry::Aluminium => "铝加工（含再生铝）",
            Industry::GlassFibre => "玻纤及复合材料",
            Industry::Tobacco => "卷烟",
            Industry::Food => "预制食品及调味品",
            Industry::ColdChain => "冷链物流",
            Industry::GasPower => "燃气供应及燃气发电",
            Industry::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Industry::Aluminium => "Aluminium processing (incl. recycled aluminium)",
            Industry::GlassFibre => "Glass fibre and composites",
            Industry::Tobacco => "Cigarettes",
            Industry::Food => "Prepared food and seasonings",
            Industry::ColdChain => "Cold-chain logistics",
            Industry::GasPower => "Gas supply and gas-fired power",
            Industry::Other => "Other",
        }
    }

    /// Accepts the code, or the Chinese names a park register uses.
    pub fn parse_loose(s: &str) -> Option<Industry> {
        let s = s.trim();
        if let Ok(i) = s.parse() {
            return Some(i);
        }
        let zh: &[(&str, Industry)] = &[
            ("铝", Industry::Aluminium),
            ("玻纤", Industry::GlassFibre),
            ("玻璃纤维", Industry::GlassFibre),
            ("卷烟", Industry::Tobacco),
            ("烟草", Industry::Tobacco),
            ("食品", Industry::Food),
            ("调味", Industry::Food),
            ("预制菜", Industry::Food),
            ("冷链", Industry::ColdChain),
            ("冷库", Industry::ColdChain),
            ("燃气", Industry::GasPower),
            ("发电", Industry::GasPower),
            ("其他", Industry::Other),
        ];
        zh.iter()
            .find(|(needle, _)| s.contains(needle))
            .map(|(_, i)| *i)
    }
}

impl FromStr for Industry {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Industry::ALL
            .into_iter()
            .find(|i| i.as_str() == s)
            .ok_or_else(|| format!("未知行业 / unknown industry {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_chinese_names() {
        for i in Industry::ALL {
            assert_eq!(Industry::parse_loose(i.as_str()), Some(i));
        }
        assert_eq!(Industry::parse_loose("再生铝"), Some(Industry::Aluminium));
        assert_eq!(Industry::parse_loose("冷链物流"), Some(Industry::ColdChain));
        assert_eq!(Industry::parse_loose("燃气发电"), Some(Industry::GasPower));
        assert_eq!(Industry::parse_loose("mining"), None);
    }
}
