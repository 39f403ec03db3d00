//! Decisions: [`Session`], [`Decision`], [`Explanation`].
//!
//! - `session`: a principal in a tenant, validated once, and the questions it answers;
//! - `steps`: the steps of one decision, in the order `docs/POLICY.md` states them;
//! - `verdict`: the decision by value ([`Decision`]) and by ids ([`Verdict`]);
//! - `explain`: the readable account of each step;
//! - [`reference`](mod@reference): a deliberately simple evaluator, compared with the compiled index by
//!   the property tests.

mod explain;
mod input;
#[cfg(not(all(feature = "wasm", not(feature = "wasm-full"))))]
mod plan;
#[cfg(feature = "wasm")]
mod program;
#[cfg(any(test, feature = "test-util"))]
pub mod reference;
pub(crate) mod scope;
mod session;
pub(crate) mod steps;
mod verdict;

pub use explain::{ExplainStep, Explanation};
#[cfg(feature = "wasm")]
pub(crate) use input::limits as input_limits;
pub use input::{Principal, Resource, RoleAssignment, Tenant};
pub use session::{Scope, Session, SessionOptions};
pub use verdict::{Decision, Effect, Reason, Verdict};
