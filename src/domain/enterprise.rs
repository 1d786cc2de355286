//! Enterprise register entries and their validation.

use super::{CreditCode, FieldErrors, Industry};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Orders and deadlines of the enterprise are e-mailed here (when the
    /// server has `smtp_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A plausible single address: one `@`, a dotted domain, no spaces or
/// header-breaking characters (the SMTP server has the last word).
pub fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !"<>,;\\\"()[]".contains(c))
}

/// A plausible telephone number: digits, spaces and `+ - ( )` only, at
/// least 7 digits (a local number), at most 32 characters.
pub fn plausible_phone(p: &str) -> bool {
    p.chars()
        .all(|ch| ch.is_ascii_digit() || "+- ()".contains(ch))
        && p.len() <= 32
        && p.chars().filter(char::is_ascii_digit).count() >= 7
}

/// Fields of an enterprise after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct EnterpriseFields {
    pub name: String,
    pub credit_code: CreditCode,
    /// The primary industry: the first of `industries`.
    pub industry: Industry,
    /// One or more, no duplicates, the primary first.
    pub industries: Vec<Industry>,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub contacts: Vec<Contact>,
}

/// Raw, unvalidated input (from JSON or a CSV row).
#[derive(Debug, Clone, Default)]
pub struct EnterpriseInput {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    /// Several industries; with `industry` too, that one is the primary.
    pub industries: Option<Vec<String>>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub contacts: Vec<Contact>,
}

pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
pub const CONTACTS_MAX: usize = 20;

impl EnterpriseInput {
    pub fn validate(self) -> Result<EnterpriseFields, FieldErrors> {
        let mut errs = FieldErrors::new();
        let name = self.name.unwrap_or_default().trim().to_string();
        if name.is_empty() {
            errs.add("name", "企业名称不能为空 / name is required");
        } else if name.chars().count() > NAME_MAX {
            errs.add(
                "name",
                format!("企业名称过长 / name longer than {NAME_MAX} characters"),
            );
        }
        let credit_code = match self.credit_code.as_deref().map(CreditCode::parse) {
            None => {
                errs.add(
                    "credit_code",
                    "统一社会信用代码不能为空 / credit_code is required",
                );
                None
            }
            Some(Err(e)) => {
                errs.add("credit_code", e.to_string());
                None
            }
            Some(Ok(c)) => Some(c),
        };
        // The primary industry (`industry`, else the first of `industries`),
        // then the others; none given is `other`.
        let unknown = |s: &str| {
            format!("未知行业 / unknown industry {s:?}; expected one of aluminium, glass_fibre, tobacco, food, cold_chain, gas_power, other")
        };
        let mut industries: Vec<Industry> = Vec::new();
        match self.industry.as_deref().map(str::trim) {
            None | Some("") => {}
            Some(s) => match Industry::parse_loose(s) {
                Some(i) => industries.push(i),
                None => errs.add("industry", unknown(s)),
            },
        }
        if let Some(list) = &self.industries {
            if list.is_empty() {
                errs.add("industries", "至少一个行业 / at least one industry");
            }
            for (i, s) in list.iter().enumerate() {
                match Industry::parse_loose(s) {
                    Some(ind) => industries.push(ind),
                    None => errs.add(format!("industries[{i}]"), unknown(s)),
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        industries.retain(|i| seen.insert(*i));
        // `other` means "none of the named ones": next to a named one it goes.
        if industries.len() > 1 {
            industries.retain(|i| *i != Industry::Other);
        }
        if industries.is_empty() {
            industries.push(Industry::Other);
        }
        let address = self.address.unwrap_or_default().trim().to_string();
        if address.chars().count() > ADDRESS_MAX {
            errs.add(
                "address",
                format!("地址过长 / address longer than {ADDRESS_MAX} characters"),
            );
        }
        validate_location(self.lat, self.lon, &mut errs);
        if self.contacts.len() > CONTACTS_MAX {
            errs.add(
                "contacts",
                format!("联系人最多{CONTACTS_MAX}个 / at most {CONTACTS_MAX} contacts"),
            );
        }
        for (i, c) in self.contacts.iter().enumerate() {
            if c.name.trim().is_empty() {
                errs.add(
                    format!("contacts[{i}].name"),
                    "联系人姓名不能为空 / contact name is required",
                );
            }
            if c.email.as_deref().is_some_and(|e| !plausible_email(e)) {
                errs.add(
                    format!("contacts[{i}].email"),
                    "电子邮箱格式不正确 / not an e-mail address",
                );
            }
            if let Some(p) = &c.phone {
                if !plausible_phone(p) {
                    errs.add(
                        format!("contacts[{i}].phone"),
                        "电话号码格式不正确 / phone may contain digits, spaces and + - ( ) only",
                    );
                }
            }
        }
        errs.finish()?;
        Ok(EnterpriseFields {
            name,
            credit_code: credit_code.expect("no errors"),
            industry: industries[0],
            industries,
            address,
            lat: self.lat,
            lon: self.lon,
            contacts: self.contacts,
        })
    }
}

/// Latitude and longitude come together and within WGS-84 range.
pub fn validate_location(lat: Option<f64>, lon: Option<f64>, errs: &mut FieldErrors) {
    match (lat, lon) {
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) || !lat.is_finite() {
                errs.add("lat", "纬度应在-90到90之间 / lat must be within -90..90");
            }
            if !(-180.0..=180.0).contains(&lon) || !lon.is_finite() {
                errs.add(
                    "lon",
                    "经度应在-180到180之间 / lon must be within -180..180",
                );
            }
        }
        (None, None) => {}
        (None, Some(_)) => errs.add(
            "lat",
            "经纬度须同时提供 / lat and lon must be given together",
        ),
        (Some(_), None) => errs.add(
            "lon",
            "经纬度须同时提供 / lat and lon must be given together",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> EnterpriseInput {
        EnterpriseInput {
            name: Some("重庆黔江铝业有限公司".into()),
            credit_code: Some("91350100M000100Y43".into()),
            industry: Some("aluminium".into()),
            industries: None,
            address: Some("黔江高新区正阳工业园".into()),
            lat: Some(29.53),
            lon: Some(108.77),
            contacts: vec![Contact {
                name: "张三".into(),
                title: Some("安全环保部经理".into()),
                phone: Some("138 0000 0000".into()),
                email: Some("zhang.san@example.cn".into()),
            }],
        }
    }

    #[test]
    fn valid_input_passes() {
        let f = good().validate().unwrap();
        assert_eq!(f.industry, Industry::Aluminium);
        assert_eq!(f.industries, [Industry::Aluminium]);
    }

    #[test]
    fn several_industries_primary_first_without_duplicates() {
        let mut i = good();
        i.industry = None;
        i.industries = Some(vec!["food".into(), "冷链物流".into(), "food".into()]);
        let f = i.clone().validate().unwrap();
        assert_eq!(f.industries, [Industry::Food, Industry::ColdChain]);
        assert_eq!(f.industry, Industry::Food);
        // An explicit `industry` is the primary; `other` goes next to a named one.
        i.industry = Some("cold_chain".into());
        i.industries = Some(vec!["other".into(), "food".into()]);
        let f = i.clone().validate().unwrap();
        assert_eq!(f.industries, [Industry::ColdChain, Industry::Food]);
        // Nothing given is `other`.
        i.industry = None;
        i.industries = None;
        assert_eq!(i.clone().validate().unwrap().industries, [Industry::Other]);
        i.industries = Some(vec![]);
        i.industry = Some("mining".into());
        let errs = i.validate().unwrap_err().into_vec();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["industry", "industries"]);
    }

    #[test]
    fn reports_every_bad_field() {
        let mut i = good();
        i.name = Some("  ".into());
        i.credit_code = Some("91350100M000100Y44".into());
        i.lat = Some(95.0);
        i.contacts[0].phone = Some("call me".into());
        let errs = i.validate().unwrap_err().into_vec();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "credit_code", "lat", "contacts[0].phone"]);
    }

    #[test]
    fn half_a_location_is_rejected() {
        let mut i = good();
        i.lon = None;
        let errs = i.validate().unwrap_err().into_vec();
        assert_eq!(errs[0].field, "lon");
    }
}
