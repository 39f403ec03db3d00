#![doc = include_str!("../README.md")]

pub mod compile;
pub mod decide;
pub mod error;
pub mod fixtures;
#[cfg(any(feature = "wasm", feature = "team", test))]
mod json;
pub mod matrix;
pub mod number;
pub mod policy;
pub mod presets;
#[cfg(feature = "team")]
pub mod team;
pub mod value;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use compile::policy::Policy;
pub use decide::{
    Decision, Effect, ExplainStep, Explanation, Principal, Reason, Resource, RoleAssignment, Scope,
    Session, Tenant, Verdict,
};
pub use error::{
    Diagnostic, DocPath, ErrorCode, InputError, InputErrorCode, PolicyErrors, Severity,
};
pub use policy::source::Format;
pub use value::Value;
