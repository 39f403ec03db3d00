//! Reading a document from text, and finding where a path points in that text.

use super::read;
use crate::document::Document;
use crate::error::{Diagnostic, DocPath, ErrorCode, PathSegment};
use crate::json::tree::{self, Node};

/// The text format of a policy document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML.
    Toml,
    /// JSON.
    Json,
}

/// Largest document read, in bytes: a guard against feeding the parser anything huge.
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

/// Messages of the parsers, in the style of ours: lowercase first letter, no final period.
fn restyle(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => std::iter::once(first.to_ascii_lowercase())
            .chain(chars)
            .collect(),
        None => "the document cannot be read".to_owned(),
    }
}

fn at(text: &str, mut d: Diagnostic, offset: usize) -> Diagnostic {
    let (line, column) = position(text, offset);
    d.line = Some(line);
    d.column = Some(column);
    d
}

/// Reads text into a document tree; syntax errors carry line and column.
pub fn parse(text: &str, format: Format) -> Result<Node, Diagnostic> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Diagnostic::error(
            ErrorCode::LimitExceeded,
            DocPath::root(),
            format!(
                "the document is {} bytes, over the limit of {MAX_DOCUMENT_BYTES}",
                text.len()
            ),
        ));
    }
    let parsed = match format {
        Format::Json => tree::parse_json(text),
        #[cfg(feature = "toml")]
        Format::Toml => super::toml::parse_toml(text),
        #[cfg(not(feature = "toml"))]
        Format::Toml => Err(tree::SyntaxError {
            offset: 0,
            message: "this build reads JSON policies only (the `toml` feature is off)".into(),
            limit: false,
        }),
    };
    parsed.map_err(|e| {
        let code = if e.limit {
            ErrorCode::LimitExceeded
        } else {
            ErrorCode::Syntax
        };
        at(
            text,
            Diagnostic::error(code, DocPath::root(), restyle(&e.message)),
            e.offset,
        )
    })
}

/// Reads a document from text: the model and the tree it was read from (to locate later
/// errors). All structural errors are reported, with line and column.
pub fn read(text: &str, format: Format) -> Result<(Document, Node), Vec<Diagnostic>> {
    let node = parse(text, format).map_err(|d| vec![d])?;
    match read::document(&node) {
        Ok(doc) => Ok((doc, node)),
        Err((errors, offsets)) => Err(errors
            .into_iter()
            .zip(offsets)
            .enumerate()
            .map(|(i, (d, offset))| {
                // Positions cost a scan of the text each: the first ones get theirs.
                if i < MAX_POSITIONED {
                    at(text, d, offset)
                } else {
                    d
                }
            })
            .collect()),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn position(text: &str, offset: usize) -> (u32, u32) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before, |i| before.get(i + 1..).unwrap_or(""))
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Fills line and column of diagnostics from the tree of the source text.
pub fn attach_positions(text: &str, tree: &Node, diagnostics: &mut [Diagnostic]) {
    let mut seen_duplicates: Vec<DocPath> = Vec::new();
    // Locating is linear in the document: the first diagnostics get their line and column,
    // so that a hostile document with tens of thousands of errors is still answered at once.
    for d in diagnostics.iter_mut().take(MAX_POSITIONED) {
        if d.line.is_some() {
            continue;
        }
        // A duplicate points at its repetition, not at the first entry.
        let nth = if d.code == ErrorCode::DuplicateName {
            let before = seen_duplicates.iter().filter(|p| **p == d.path).count();
            seen_duplicates.push(d.path.clone());
            before + 1
        } else {
            0
        };
        let Some(offset) = tree.locate(&d.path, nth) else {
            continue;
        };
        let (line, column) = position(text, offset);
        // Condition errors carry their column inside the condition string.
        let inner = d.column.take();
        let is_value = matches!(d.path.segments().last(), Some(PathSegment::Key(k)) if k == "when");
        d.line = Some(line);
        d.column = Some(match (inner, is_value) {
            (Some(inner), true) => value_column(text, offset).unwrap_or(column) + inner,
            _ => column,
        });
    }
}

/// How many diagnostics of one document get a line and column.
const MAX_POSITIONED: usize = 200;

/// Column of the opening quote of the string value whose key starts at `key_offset`.
fn value_column(text: &str, key_offset: usize) -> Option<u32> {
    let rest = text.get(key_offset..)?;
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let line = rest.get(..line_end)?;
    let separator = line.find([':', '='])?;
    let quote = separator + line.get(separator..)?.find(['"', '\''])?;
    Some(position(text, key_offset + quote).1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn locate(text: &str, format: Format, path: &str) -> (u32, u32) {
        let tree = parse(text, format).unwrap();
        position(
            text,
            tree.locate(&DocPath::parse(path).unwrap(), 0).unwrap(),
        )
    }

    #[test]
    fn locates_paths_in_json() {
        let text = "{\n  \"roles\": {\n    \"admin\": { \"includes\": [\"a\", \"b\"] }\n  }\n}";
        assert_eq!(
            locate(text, Format::Json, "roles.admin.includes[1]"),
            (3, 34)
        );
    }

    #[cfg(feature = "toml")]
    #[test]
    fn locates_paths_in_toml() {
        let text = "version = 1\n\n[roles.admin]\nscope = \"org\"\nincludes = [\"a\", \"b\"]\n";
        assert_eq!(
            locate(text, Format::Toml, "roles.admin.includes[1]"),
            (5, 18)
        );
        assert_eq!(locate(text, Format::Toml, "roles.admin.scope"), (4, 1));
    }
}
