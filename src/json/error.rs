//! Errors of the values given at run time (principal, tenant, resource, and the team
//! values): reading them from JSON (`bad_input`, at a path into the value) and checking
//! them against a policy (an undeclared role, a scope that cannot be read, ...).
//!
//! Re-exported as `rolegate::InputError` and `rolegate::error::InputError`.

use crate::error::{DocPath, codes};
use serde::Serialize;
use std::fmt;

codes! {
    /// The stable code of a problem in a principal, tenant or resource given at decision time.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum InputErrorCode {
        /// A role the policy does not declare.
        UnknownRole = "unknown_role",
        /// A scope string that cannot be read, or names undeclared levels.
        BadScope = "bad_scope",
        /// A role assigned at a scope of another level than the role's.
        ScopeLevelMismatch = "scope_level_mismatch",
        /// A plan the policy does not declare.
        UnknownPlan = "unknown_plan",
        /// A feature the policy does not declare.
        UnknownFeature = "unknown_feature",
        /// An attribute whose value does not have its declared type.
        BadAttribute = "bad_attribute",
        /// A value of the wrong shape (a number where an object belongs).
        BadInput = "bad_input",
        /// An action the catalog does not declare.
        UnknownAction = "unknown_action",
        /// Over one of the limits of [`limits`](crate::limits): too long, too many.
        LimitExceeded = "limit_exceeded",
    }
}

/// A problem in the values given at decision time (principal, tenant, resource).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputError {
    /// The stable code.
    pub code: InputErrorCode,
    /// Where in the input (`principal.roles[2].scope`).
    pub path: DocPath,
    /// What is wrong.
    pub message: String,
}

impl InputError {
    pub(crate) fn new(code: InputErrorCode, path: DocPath, message: impl Into<String>) -> Self {
        InputError {
            code,
            path,
            message: crate::error::escape_controls(message.into()),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}] at {}: {}", self.code, self.path, self.message)
    }
}

impl std::error::Error for InputError {}
