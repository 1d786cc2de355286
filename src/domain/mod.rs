//! Pure types and rules: no I/O, no framework types. Everything here is
//! unit-tested in place.

pub mod checklist;
pub mod credit_code;
pub mod duties;
pub mod enterprise;
pub mod env_audit;
pub mod finding;
pub mod geo;
pub mod hash_chain;
pub mod industry;
pub mod inspection;
pub mod label;
pub mod login_policy;
pub mod major_hazard;
pub mod order;
pub mod password;
pub mod photo_flags;
pub mod principal;
pub mod role;
pub mod self_check;
pub mod time;
pub mod user;
pub mod validation;

pub use credit_code::CreditCode;
pub use industry::Industry;
pub use label::Label;
pub use principal::{Principal, Scope};
pub use role::{Role, RoleRule};
pub use validation::{FieldError, FieldErrors};
