#![doc = include_str!("../README.md")]

pub mod compile;
pub mod decide;
pub mod document;
pub mod error;
pub mod fixtures;
mod json;
pub mod matrix;
pub mod number;
mod policy;
pub mod presets;
#[cfg(feature = "team")]
pub mod team;
pub mod value;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use decide::{
    Decision, Effect, ExplainStep, Explanation, Principal, Reason, Resource, RoleAssignment, Scope,
    Session, Tenant, Verdict,
};
pub use document::source::Format;
pub use error::{
    Diagnostic, DocPath, ErrorCode, InputError, InputErrorCode, PolicyErrors, Severity,
};
pub use policy::Policy;
pub use value::Value;
