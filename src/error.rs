//! Errors as data: a stable code, a path into the document, a position, a message.
//!
//! This file holds what every stage's errors share: [`DocPath`] and the `codes!` list that
//! gives each code enum its stable strings.

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

/// `text` with its control characters (NUL, ESC, line breaks) written as escapes
/// (`\u{1b}`): messages quote user input, and must never carry such characters raw to a
/// terminal or a log.
pub(crate) fn escape_controls(text: String) -> String {
    if !text.chars().any(char::is_control) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
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
                        let key = key.replace('\\', "\\\\").replace('"', "\\\"");
                        write!(f, "\"{}\"", escape_controls(key))?;
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

// The errors of each stage live with it and are re-exported here: a policy document's
// (reading and validation) in `document/error.rs`, the values given at run time in the
// JSON layer's `json/error.rs`; a team change's denial in `team/`.
pub use crate::document::error::{Diagnostic, ErrorCode, PolicyErrors, Severity};

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
}
