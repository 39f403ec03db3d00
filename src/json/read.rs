//! The typed reader over the tree: tables whose fields are taken one by one, strings,
//! lists and booleans, and every error at its path (unknown, repeated and missing
//! fields, wrong types), with the offset of the node it points at.
//!
//! The policy document reader (`document/read.rs`), the readers of the values given at
//! run time (principal, tenant, resource) and the team readers are all built on it, so
//! the same mistake gets the same message wherever it is made.

use super::error::{InputError, InputErrorCode};
use super::tree::{self, Entry, Kind, Node};
use crate::error::{Diagnostic, DocPath, ErrorCode};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Collects the errors of one reading.
#[derive(Default)]
pub(crate) struct Reader {
    pub errors: Vec<Diagnostic>,
    /// Offsets of the nodes the errors point at, parallel to `errors`.
    pub offsets: Vec<usize>,
}

/// A table being read: which keys were taken.
pub(crate) struct Table<'a> {
    entries: &'a [Entry],
    path: &'a DocPath,
    start: usize,
    taken: Vec<bool>,
}

impl<'a> Table<'a> {
    /// The first entry with this key, marked as read.
    pub fn take(&mut self, key: &str) -> Option<&'a Node> {
        let index = self.entries.iter().position(|e| e.key == key)?;
        if let Some(t) = self.taken.get_mut(index) {
            *t = true;
        }
        self.entries.get(index).map(|e| &e.value)
    }

    /// The path of an entry of this table.
    pub fn path(&self, key: &str) -> DocPath {
        self.path.key(key)
    }

    /// Every entry, all marked as read.
    pub fn entries(&mut self) -> impl Iterator<Item = (&'a str, &'a Node)> + use<'a> {
        self.taken.iter_mut().for_each(|t| *t = true);
        self.entries.iter().map(|e| (e.key.as_str(), &e.value))
    }
}

impl Reader {
    /// Reads a value given at run time (a principal, a team) from JSON text, as a tree;
    /// a syntax error is a `bad_input` error at `what`.
    /// Nesting over [`MAX_NESTING`](crate::limits::MAX_NESTING) is `limit_exceeded`.
    pub fn parse_input(text: &str, what: &str) -> Result<Node, InputError> {
        tree::parse_json(text).map_err(|e| {
            InputError::new(
                if e.limit {
                    InputErrorCode::LimitExceeded
                } else {
                    InputErrorCode::BadInput
                },
                DocPath::root().key(what),
                format!(
                    "{what} is not valid JSON: {} (at byte {})",
                    e.message, e.offset
                ),
            )
        })
    }

    /// `value`, or the first error found while reading it, as a `bad_input` error.
    pub fn into_input<T>(self, value: T) -> Result<T, InputError> {
        match self.errors.into_iter().next() {
            Some(Diagnostic { path, message, .. }) => {
                Err(InputError::new(InputErrorCode::BadInput, path, message))
            }
            None => Ok(value),
        }
    }

    pub fn error(&mut self, code: ErrorCode, path: DocPath, offset: usize, message: String) {
        self.errors.push(Diagnostic::error(code, path, message));
        self.offsets.push(offset);
    }

    pub fn bad_type(&mut self, node: &Node, path: DocPath, expected: &str) {
        self.error(
            ErrorCode::BadType,
            path,
            node.start,
            format!("expected {expected}, found {}", node.kind.describe()),
        );
    }

    /// Starts reading a table.
    pub fn table<'a>(
        &mut self,
        node: &'a Node,
        path: &'a DocPath,
        what: &str,
    ) -> Option<Table<'a>> {
        match &node.kind {
            Kind::Table(entries) => Some(Table {
                entries,
                path,
                start: node.start,
                taken: vec![false; entries.len()],
            }),
            _ => {
                self.bad_type(node, path.clone(), what);
                None
            }
        }
    }

    /// Ends reading a table: reports repeated and unknown fields.
    pub fn finish(&mut self, table: Table<'_>, fields: &[&str]) {
        // Repeated keys, through an ordered map (a table may hold many keys; the map's
        // type is the one the name checks use, so that the module carries its code once).
        let mut seen: BTreeMap<Arc<str>, usize> = BTreeMap::new();
        for (entry, taken) in table.entries.iter().zip(&table.taken) {
            if seen.contains_key(entry.key.as_str()) {
                self.error(
                    ErrorCode::DuplicateName,
                    table.path(&entry.key),
                    entry.key_start,
                    format!("field `{}` is given twice", entry.key),
                );
                continue;
            }
            seen.insert(Arc::from(entry.key.as_str()), 0);
            if !taken {
                let expected = fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.error(
                    ErrorCode::UnknownField,
                    table.path(&entry.key),
                    entry.key_start,
                    format!("unknown field `{}`, expected one of {expected}", entry.key),
                );
            }
        }
    }

    /// A required field.
    pub fn required<'a>(&mut self, table: &mut Table<'a>, key: &str) -> Option<&'a Node> {
        let node = table.take(key);
        if node.is_none() {
            self.error(
                ErrorCode::MissingField,
                table.path.clone(),
                table.start,
                format!("missing field `{key}`"),
            );
        }
        node
    }

    pub fn string(&mut self, node: &Node, path: DocPath) -> Option<String> {
        let text = text_of(node);
        if text.is_none() {
            self.bad_type(node, path, "a string");
        }
        text
    }

    /// The string at `key` of `table`; the path is built only for an error, so reading
    /// stays free of path allocations when all is well.
    fn field_string(&mut self, node: &Node, table: &Table<'_>, key: &str) -> Option<String> {
        let text = text_of(node);
        if text.is_none() {
            self.bad_type(node, table.path(key), "a string");
        }
        text
    }

    pub fn opt_string(&mut self, table: &mut Table<'_>, key: &str) -> Option<String> {
        let node = table.take(key)?;
        self.field_string(node, table, key)
    }

    /// A required string field; empty when it is missing or not a string (the error is
    /// reported).
    pub fn required_string(&mut self, table: &mut Table<'_>, key: &str) -> String {
        self.required(table, key)
            .and_then(|n| self.field_string(n, table, key))
            .unwrap_or_default()
    }

    /// An optional string field where `null` stands for absent (as in values given at
    /// run time).
    pub fn nullable_string(&mut self, table: &mut Table<'_>, key: &str) -> Option<String> {
        match table.take(key) {
            None
            | Some(Node {
                kind: Kind::Null, ..
            }) => None,
            Some(node) => self.field_string(node, table, key),
        }
    }

    /// The items of a list; none (and the error reported) when `node` is not a list.
    pub fn list<'a>(&mut self, node: &'a Node, path: &DocPath, expected: &str) -> &'a [Node] {
        match &node.kind {
            Kind::Array(items) => items,
            _ => {
                self.bad_type(node, path.clone(), expected);
                &[]
            }
        }
    }

    pub fn bool(&mut self, table: &mut Table<'_>, key: &str) -> bool {
        match table.take(key) {
            None => false,
            Some(Node {
                kind: Kind::Bool(b),
                ..
            }) => *b,
            Some(node) => {
                self.bad_type(node, table.path(key), "`true` or `false`");
                false
            }
        }
    }

    pub fn strings(&mut self, table: &mut Table<'_>, key: &str) -> Vec<String> {
        match table.take(key) {
            Some(node) => self.string_list(node, table.path(key)),
            None => Vec::new(),
        }
    }

    pub fn string_list(&mut self, node: &Node, path: DocPath) -> Vec<String> {
        match &node.kind {
            Kind::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let text = text_of(item);
                    if text.is_none() {
                        self.bad_type(item, path.index(i), "a string");
                    }
                    text
                })
                .collect(),
            _ => {
                self.bad_type(node, path, "a list of strings");
                Vec::new()
            }
        }
    }

    /// The entries of the table at `key`, one by one (not generic, so that the reading of
    /// every kind of table shares this code).
    pub fn each_named(
        &mut self,
        table: &mut Table<'_>,
        key: &str,
        each: &mut dyn FnMut(&mut Reader, &str, &Node, &DocPath),
    ) {
        let Some(node) = table.take(key) else {
            return;
        };
        let path = table.path(key);
        let Some(inner) = self.table(node, &path, "a table keyed by name") else {
            return;
        };
        for entry in inner.entries {
            each(self, &entry.key, &entry.value, &path.key(&entry.key));
        }
    }
}

/// The text of a string node.
fn text_of(node: &Node) -> Option<String> {
    match &node.kind {
        Kind::String(s) => Some(s.clone()),
        _ => None,
    }
}
