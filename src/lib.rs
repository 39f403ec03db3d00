#![doc = include_str!("../README.md")]
//!
//! # Inside the crate
//!
//! A policy travels one way, each stage in its own module with its own errors:
//!
//! | stage | module | what it holds |
//! |---|---|---|
//! | text to tree | `json`, `document::source` | one JSON layer: the reader with byte spans (TOML is read into the same tree), typed reading with errors at a path, input errors, one writer |
//! | tree to document | [`document`] | the document model as written, the reader that reports every error with a code and a path, the condition language |
//! | document to index | `compile` | compilation passes (levels, catalog, roles, rules, team, warnings) into the decision index: interned names, bitsets, expanded patterns |
//! | index | [`Policy`] | the validated, compiled, immutable policy |
//! | decisions | `decide` | [`Session`], [`Verdict`], [`Decision`], [`Explanation`], the input types |
//! | query plans | [`query`] | [`Session::plan`]: which resources a principal may act on, as a condition ([`QueryPlan`]) and as SQL (docs/PLANS.md) |
//! | team changes | [`team`] | `Policy::apply`, `Policy::lint`, [`team::replay`] |
//! | views | [`matrix`], [`diff`], [`typescript`] | the role x action matrix, who gains and loses what, TypeScript unions |
//! | presets | [`presets`] | the seed products' policies |
//!
//! `wasm` (feature `wasm`) is the one module that knows JavaScript: the npm package's
//! boundary. The command line is the `rolegate-cli` crate of this workspace; this crate
//! depends on no command-line, server or JavaScript library by default.
//!
//! # Features
//!
//! - `toml` (default): read policies written in TOML (JSON is always read).
//! - `team` (default): team changes and the hygiene lint at run time.
//! - `wasm`, `wasm-full`: the npm package's decision module and full module.
//! - `test-util`: internals for this repository's own tests (the reference evaluator);
//!   no stability promise.

mod artifact;
mod compile;
mod decide;
pub mod diff;
pub mod document;
mod error;
mod fingerprint;
#[cfg(feature = "routes")]
mod gate;
mod json;
pub mod limits;
pub mod matrix;
mod number;
mod policy;
pub mod presets;
#[cfg(not(all(feature = "wasm", not(feature = "wasm-full"))))]
pub mod query;
pub mod suggest;
#[cfg(feature = "team")]
pub mod team;
pub mod typescript;
mod value;
#[cfg(feature = "wasm")]
mod wasm;

// The npm package's modules allocate with talc: smaller and faster than the default
// WebAssembly allocator (dlmalloc).
#[cfg(all(
    feature = "wasm",
    target_family = "wasm",
    not(target_feature = "atomics")
))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use artifact::ARTIFACT_VERSION;
#[cfg(feature = "routes")]
pub use compile::Route;
pub use compile::{
    Action, ActionId, ActionKey, Feature, FeatureId, Level, LevelId, Limited, Lint, Manage, Plan,
    PlanId, Role, RoleId, Rule, RuleId, TeamRules, Transfer,
};
pub use decide::{
    Decision, Effect, ExplainStep, Explanation, Principal, Reason, Resource, RoleAssignment, Scope,
    Session, SessionOptions, Tenant, Verdict,
};
pub use document::source::Format;
pub use error::{
    Diagnostic, DocPath, ErrorCode, InputError, InputErrorCode, PathSegment, PolicyErrors, Severity,
};
#[cfg(feature = "routes")]
pub use gate::{GateDecision, GateOutcome};
pub use policy::Policy;
#[cfg(not(all(feature = "wasm", not(feature = "wasm-full"))))]
pub use query::QueryPlan;
pub use value::{Attrs, Value};

/// Internals for this repository's own tests (feature `test-util`): not part of the API,
/// no stability promise.
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod test_util {
    pub use crate::decide::reference;

    /// The digest an artifact's header must hold (for fuzz targets that forge artifacts).
    pub fn artifact_digest(artifact: &[u8]) -> [u8; 32] {
        crate::artifact::digest(artifact)
    }

    /// The condition language: parse, and print back (`Display` of [`condition::Expr`]).
    pub mod condition {
        pub use crate::document::condition::{
            AttrRef, ConditionError, ConditionErrorKind, Entity, Expr, MAX_CONDITION_LEN, parse,
        };
    }
}
