//! Every limit the engine enforces, in one place (docs/POLICY.md, "Limits").
//!
//! The limits bound what one policy costs to compile and to keep, and what one decision
//! costs, whoever wrote the policy or the request: an edge worker cannot be stalled or run
//! out of memory through them. Beyond a limit the input is refused with the code
//! `limit_exceeded` and a path to what is over it; nothing is read further.
//!
//! Policy documents (compile errors, [`ErrorCode::LimitExceeded`](crate::ErrorCode)):
//! [`MAX_DOCUMENT_BYTES`], [`MAX_NESTING`], [`MAX_LEVELS`], [`MAX_ACTIONS`], [`MAX_ROLES`],
//! [`MAX_RULES`], [`MAX_FEATURES`], [`MAX_PLANS`], [`MAX_CONDITION_BYTES`],
//! [`MAX_CONDITION_NESTING`], [`MAX_LIST_ITEMS`]; and names, [`MAX_POLICY_NAME_BYTES`]
//! (`bad_name`, as any other name that breaks the naming rule).
//!
//! Values given at run time, a principal, a tenant, a resource (input errors,
//! [`InputErrorCode::LimitExceeded`](crate::InputErrorCode)), however they are given: read
//! from JSON (`from_json`, `Deserialize`, the npm package), or built in Rust and handed to
//! [`Policy::session`](crate::Policy::session): [`MAX_INPUT_BYTES`],
//! [`MAX_PRINCIPAL_ROLES`], [`MAX_ATTRIBUTES`], [`MAX_TENANT_FEATURES`],
//! [`MAX_NAME_BYTES`], [`MAX_STRING_BYTES`], [`MAX_LIST_VALUE_ITEMS`]. A scope string over
//! [`MAX_SCOPE_BYTES`] is unreadable: `bad_scope`, as any other unreadable scope.
//!
//! Counts that need no limit of their own, because others bound them: the depth of
//! includes (a role includes other roles, at most [`MAX_ROLES`] - 1 deep, and includes
//! are expanded without recursion), the levels of a scope instance (one segment per level:
//! at most [`MAX_LEVELS`], within [`MAX_SCOPE_BYTES`]), routes and their segments (a route
//! has at most 32 segments; the number of routes is bounded by [`MAX_DOCUMENT_BYTES`], and
//! they compile in linear time), the members and scopes of a team (the application's own
//! data, read and checked in `n log n` of their size).

pub use crate::document::condition::{MAX_CONDITION_LEN as MAX_CONDITION_BYTES, MAX_LIST_ITEMS};
pub use crate::document::source::MAX_DOCUMENT_BYTES;

/// The deepest nesting of lists and objects in a JSON (or TOML) document or value.
pub const MAX_NESTING: usize = crate::json::tree::MAX_DEPTH;

/// The deepest nesting of a condition (parentheses and `!`).
pub const MAX_CONDITION_NESTING: usize = crate::document::condition::MAX_DEPTH;

/// The longest name in a policy, in bytes: of an action, a role, a level, a feature, a
/// plan, a rule, a tag or an attribute (beyond it the name is `bad_name`).
pub const MAX_POLICY_NAME_BYTES: usize = 128;

/// The most scope levels (`scopes`) of a policy.
pub const MAX_LEVELS: usize = 64;
/// The most actions of a policy's catalog.
pub const MAX_ACTIONS: usize = 10_000;
/// The most roles of a policy.
pub const MAX_ROLES: usize = 1_000;
/// The most rules of a policy.
pub const MAX_RULES: usize = 1_000;
/// The most features of a policy.
pub const MAX_FEATURES: usize = 1_000;
/// The most plans of a policy.
pub const MAX_PLANS: usize = 1_000;

/// The longest JSON text of a principal, a tenant, a resource or a list of resources, in
/// bytes. (Teams, team changes and audit events have no limit of their own: they are the
/// application's data, read and checked in `n log n` of their size.)
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;
/// The most roles a principal holds (`principal.roles`).
pub const MAX_PRINCIPAL_ROLES: usize = 10_000;
/// The most attributes of a principal, a tenant or a resource (`attrs`).
pub const MAX_ATTRIBUTES: usize = 1_000;
/// The most features a tenant lists (`tenant.features`).
pub const MAX_TENANT_FEATURES: usize = 1_000;
/// The longest id or name given at run time, in bytes: the ids of a principal, a tenant
/// and a resource, a resource's type, role names in a principal, feature and plan names in
/// a tenant, attribute names.
pub const MAX_NAME_BYTES: usize = 1_024;
/// The longest string attribute value (or string in a list value), in bytes.
pub const MAX_STRING_BYTES: usize = 4_096;
/// The most items of one list attribute value.
pub const MAX_LIST_VALUE_ITEMS: usize = 1_000;
/// The longest scope string read, in bytes (`workspace:w1/project:p7`).
pub const MAX_SCOPE_BYTES: usize = crate::decide::scope::MAX_SCOPE_LEN;
