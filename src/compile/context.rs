//! What every compilation pass shares: the document, the diagnostics collected so far, and
//! the checks of names that several sections repeat.

use crate::document::{Document, NamedMap};
use crate::error::{Diagnostic, DocPath, ErrorCode};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The rule for role, level, feature, plan, rule, tag and attribute names.
pub(super) const NAME_RULE: &str = "use letters, digits, `_` and `-`";
/// The rule for action names.
pub(super) const ACTION_RULE: &str =
    "use dot-separated lowercase segments of letters, digits, `_` and `-`, like `campaign.create`";

/// Whether `name` follows [`NAME_RULE`].
pub(super) fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= crate::limits::MAX_POLICY_NAME_BYTES
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `name` follows [`ACTION_RULE`].
pub(super) fn is_action_name(name: &str) -> bool {
    let segments: Vec<&str> = name.split('.').collect();
    name.len() <= crate::limits::MAX_POLICY_NAME_BYTES
        && segments.len() >= 2
        && segments.iter().all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        })
}

/// The document being compiled and the diagnostics found in it, in the order found.
///
/// What a pass produces (the level tree, the catalog, the roles, the rules) is its return
/// value, handed by reference to the passes after it.
pub(super) struct Context<'d> {
    pub doc: &'d Document,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl<'d> Context<'d> {
    pub fn new(doc: &'d Document) -> Self {
        Context {
            doc,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn error(&mut self, code: ErrorCode, path: DocPath, message: String) {
        self.errors.push(Diagnostic::error(code, path, message));
    }

    pub fn error_help(&mut self, code: ErrorCode, path: DocPath, message: String, help: String) {
        self.errors
            .push(Diagnostic::error(code, path, message).with_help(help));
    }

    /// Checks names and duplicates of a table; returns the index of first occurrences.
    pub fn names<T>(
        &mut self,
        table: &NamedMap<T>,
        section: &str,
        what: &str,
        valid: fn(&str) -> bool,
        rule: &str,
    ) -> BTreeMap<Arc<str>, usize> {
        let names: Vec<&str> = table.0.iter().map(|(n, _)| n.as_str()).collect();
        self.check_names(&names, section, what, valid, rule)
    }

    /// The part of [`Context::names`] that does not depend on the table's type.
    fn check_names(
        &mut self,
        names: &[&str],
        section: &str,
        what: &str,
        valid: fn(&str) -> bool,
        rule: &str,
    ) -> BTreeMap<Arc<str>, usize> {
        let mut index = BTreeMap::new();
        let base = DocPath::root().key(section);
        for (i, &name) in names.iter().enumerate() {
            let path = base.key(name);
            if !valid(name) {
                self.error(
                    ErrorCode::BadName,
                    path.clone(),
                    format!("{what} name `{name}` is not valid: {rule}"),
                );
            }
            if index.contains_key(name) {
                self.error(
                    ErrorCode::DuplicateName,
                    path,
                    format!("{what} `{name}` is declared twice"),
                );
            } else {
                index.insert(Arc::from(name), i);
            }
        }
        index
    }
}
