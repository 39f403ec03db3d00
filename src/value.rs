//! Attribute values: what principals, tenants and resources carry for conditions, and
//! reading them from the tree.

use crate::error::{DocPath, ErrorCode};
use crate::json::deserialize::through_reader;
use crate::json::read::Reader;
use crate::json::tree::{Kind, Node};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// An attribute value. Numbers are 64-bit floats, as in JavaScript, so that every runtime
/// compares them the same way.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Absent.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    String(String),
    /// A list.
    List(Vec<Value>),
}

/// A borrowed view of a [`Value`], so that conditions read inputs without copying them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    /// Absent.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    Str(&'a str),
    /// A list.
    List(&'a [Value]),
}

impl Value {
    /// A borrowed view.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Number(n) => ValueRef::Number(*n),
            Value::String(s) => ValueRef::Str(s),
            Value::List(items) => ValueRef::List(items),
        }
    }
}

/// Named attribute values.
pub type Attrs = BTreeMap<String, Value>;

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => serializer.serialize_f64(*n),
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) => items.serialize(serializer),
        }
    }
}

/// Reads an attribute value from the tree; a table (or a TOML date) is an error at
/// `path`, and reads as `null`.
pub(crate) fn read(r: &mut Reader, node: &Node, path: &DocPath) -> Value {
    match &node.kind {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Integer(n) => Value::Number(*n as f64),
        Kind::Float(n) => Value::Number(*n),
        Kind::String(s) => Value::String(s.clone()),
        Kind::Array(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| read(r, item, &path.index(i)))
                .collect(),
        ),
        other => {
            r.error(
                ErrorCode::BadType,
                path.clone(),
                node.start,
                format!(
                    "attribute values are strings, numbers, booleans, null or lists, found {}",
                    other.describe()
                ),
            );
            Value::Null
        }
    }
}

/// Through the same reader as the attributes of `from_json`.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        through_reader(deserializer, |node| {
            let mut r = Reader::default();
            let value = read(&mut r, node, &DocPath::root());
            r.into_input(value)
        })
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            // Integral numbers print as integers; others as `a number`, which keeps float
            // formatting (and its tables) out of the WebAssembly build.
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{}", *n as i64),
            Value::Number(_) => f.write_str("a number"),
            Value::String(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"")
            }
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}
