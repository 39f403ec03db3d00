//! The errors of a policy document, from reading its text and from validating it: each
//! [`Diagnostic`] has a stable [`ErrorCode`], a path into the document, a line and column
//! where there is text, a message and sometimes help; a rejected document gives
//! [`PolicyErrors`], all of them at once.

use crate::error::{DocPath, codes};
use serde::Serialize;
use std::fmt;

codes! {
    /// The stable code of a problem in a policy document.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ErrorCode {
        /// The text is not valid TOML or JSON.
        Syntax = "syntax",
        /// A field the format does not have.
        UnknownField = "unknown_field",
        /// A required field is absent.
        MissingField = "missing_field",
        /// A value of the wrong type (a string where a list belongs).
        BadType = "bad_type",
        /// A value outside the allowed set.
        BadValue = "bad_value",
        /// `version` is not one this crate reads.
        UnsupportedVersion = "unsupported_version",
        /// Two entries of a table share a name.
        DuplicateName = "duplicate_name",
        /// A name that breaks the naming rules.
        BadName = "bad_name",
        /// A scope level that is not declared, or used at the wrong place.
        BadScopeLevel = "bad_scope_level",
        /// No scope level is the root, or more than one is.
        BadScopeTree = "bad_scope_tree",
        /// Scope levels whose parents form a cycle.
        ScopeCycle = "scope_cycle",
        /// A feature that is not declared.
        UnknownFeature = "unknown_feature",
        /// A plan that is not declared.
        UnknownPlan = "unknown_plan",
        /// A role that is not declared.
        UnknownRole = "unknown_role",
        /// Roles that include each other.
        IncludeCycle = "include_cycle",
        /// A role includes a role of a level above its own.
        BadIncludeLevel = "bad_include_level",
        /// An action name that is not in the catalog.
        UnknownAction = "unknown_action",
        /// An action pattern that cannot be read.
        BadPattern = "bad_pattern",
        /// A wildcard or tag pattern that matches no action of the catalog.
        PatternMatchesNothing = "pattern_matches_nothing",
        /// A rule with no role or no action.
        EmptyRule = "empty_rule",
        /// A condition that cannot be parsed.
        BadCondition = "bad_condition",
        /// A condition reads an attribute that is not declared.
        UnknownAttribute = "unknown_attribute",
        /// A condition compares or combines values of the wrong types.
        TypeMismatch = "type_mismatch",
        /// A route pattern or template that cannot be read.
        BadRoute = "bad_route",
        /// A route template names a parameter its path does not have.
        UnknownParam = "unknown_param",
        /// Two routes match the same requests.
        RouteConflict = "route_conflict",
        /// A section holds more entries than the engine compiles (see docs/POLICY.md,
        /// "Limits").
        LimitExceeded = "limit_exceeded",
        /// Bytes given as a policy artifact that are not one.
        NotArtifact = "not_artifact",
        /// A policy artifact of a format version this release does not read.
        ArtifactVersion = "artifact_version",
        /// A policy artifact that is truncated, altered or inconsistent.
        CorruptArtifact = "corrupt_artifact",
        /// Warning: a grant or rule that no request can ever reach.
        NeverApplies = "never_applies",
        /// Warning: a role that grants nothing.
        EmptyRole = "empty_role",
    }
}

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The document is rejected.
    Error,
    /// The document compiles, but something in it is likely a mistake.
    Warning,
}

/// One problem found in a policy document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code.
    pub code: ErrorCode,
    /// Where in the document.
    pub path: DocPath,
    /// 1-based line, when the document was text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, when the document was text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// What is wrong, lowercase, user input in backticks.
    pub message: String,
    /// How to fix it, where that helps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `path`.
    pub fn error(code: ErrorCode, path: DocPath, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            path,
            line: None,
            column: None,
            message: crate::error::escape_controls(message.into()),
            help: None,
        }
    }

    /// A warning at `path`.
    pub fn warning(code: ErrorCode, path: DocPath, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, message)
        }
    }

    /// Adds help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{kind}[{}]", self.code)?;
        if !self.path.segments().is_empty() {
            write!(f, " at {}", self.path)?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Every error found in a rejected policy document (never empty).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct PolicyErrors(pub Vec<Diagnostic>);

impl PolicyErrors {
    /// The errors, in document order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// The first error's code.
    pub fn code(&self) -> Option<ErrorCode> {
        self.0.first().map(|d| d.code)
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(code.as_str()), Some(*code));
        }
    }
}
