//! The Chinese label of a code with its English alongside, as the API
//! returns next to every enum value users read.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Label {
    pub zh: &'static str,
    pub en: &'static str,
}

impl From<(&'static str, &'static str)> for Label {
    fn from((zh, en): (&'static str, &'static str)) -> Self {
        Label { zh, en }
    }
}
