#![doc = include_str!("../README.md")]

pub mod compile;
pub mod decide;
pub mod diff;
pub mod document;
pub mod error;
#[cfg(any(feature = "wasm", feature = "team", test))]
mod json;
pub mod matrix;
pub mod number;
mod policy;
pub mod presets;
#[cfg(feature = "team")]
pub mod team;
pub mod typescript;
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
