//! Errors as data: a stable code, a path into the document, a position, a message.

use serde::Serialize;
use std::fmt;

/// A location inside a policy document or an input value: `roles.admin.includes[1]`.
///
/// Keys that are not plain names are quoted, as in TOML: `actions."campaign.create".scope`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocPath(Vec<PathSegment>);

/// One step of a [`DocPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// A table key.
    Key(String),
    /// A list index.
    Index(usize),
}

impl DocPath {
    /// The empty path: the whole document.
    pub fn root() -> Self {
        DocPath(Vec::new())
    }

    /// This path extended by a key.
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Key(key.to_owned()));
        DocPath(segments)
    }

    /// This path extended by a list index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Index(index));
        DocPath(segments)
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// Builds a path from segments.
    pub fn from_segments(segments: Vec<PathSegment>) -> Self {
        DocPath(segments)
    }

    /// Parses the text form (`roles.admin.includes[1]`, `actions."a.b".scope`).
    pub fn parse(text: &str) -> Option<Self> {
        let mut segments = Vec::new();
        let mut chars = text.chars().peekable();
        let mut expect_key = true;
        while let Some(&c) = chars.peek() {
            match c {
                '.' if !expect_key => {
                    chars.next();
                    expect_key = true;
                }
                '[' => {
                    chars.next();
                    let mut digits = String::new();
                    for d in chars.by_ref() {
                        if d == ']' {
                            break;
                        }
                        digits.push(d);
                    }
                    segments.push(PathSegment::Index(digits.parse().ok()?));
                    expect_key = false;
                }
                '"' if expect_key => {
                    chars.next();
                    let mut key = String::new();
                    let mut closed = false;
                    while let Some(d) = chars.next() {
                        match d {
                            '"' => {
                                closed = true;
                                break;
                            }
                            '\\' => key.push(chars.next()?),
                            _ => key.push(d),
                        }
                    }
                    if !closed {
                        return None;
                    }
                    segments.push(PathSegment::Key(key));
                    expect_key = false;
                }
                _ if expect_key => {
                    let mut key = String::new();
                    while let Some(&d) = chars.peek() {
                        if d == '.' || d == '[' {
                            break;
                        }
                        key.push(d);
                        chars.next();
                    }
                    segments.push(PathSegment::Key(key));
                    expect_key = false;
                }
                _ => return None,
            }
        }
        Some(DocPath(segments))
    }
}

fn is_bare_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if is_bare_key(key) {
                        f.write_str(key)?;
                    } else {
                        write!(f, "\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))?;
                    }
                }
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl Serialize for DocPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

macro_rules! codes {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$vmeta])* $variant,)*
        }
        impl $name {
            /// Every code, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stable code string (`unknown_role`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// Reads a code string back.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use codes;

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
            message: message.into(),
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

// The errors of values given at run time live with their reader, in the JSON layer.
pub use crate::json::error::{InputError, InputErrorCode};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_round_trips_through_text() {
        let path = DocPath::root()
            .key("actions")
            .key("campaign.create")
            .key("tags")
            .index(2);
        assert_eq!(path.to_string(), "actions.\"campaign.create\".tags[2]");
        assert_eq!(DocPath::parse(&path.to_string()), Some(path));
        assert_eq!(
            DocPath::parse("roles.admin.includes[1]"),
            Some(
                DocPath::root()
                    .key("roles")
                    .key("admin")
                    .key("includes")
                    .index(1)
            )
        );
    }

    #[test]
    fn codes_round_trip() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(code.as_str()), Some(*code));
        }
    }
}
