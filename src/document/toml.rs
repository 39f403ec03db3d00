//! TOML text into the spanned tree of the JSON layer: only policy documents are written
//! in TOML, so the conversion lives with the document (feature `toml`).
//!
//! Entries keep document order and the offsets of keys and values, so that errors of
//! TOML policies get lines and columns as those of JSON policies do.

use crate::json::tree::{Entry, Kind, MAX_DEPTH, Node, SyntaxError};
use ::toml::de::{DeTable, DeValue};

/// Reads TOML text into a tree.
pub(crate) fn parse_toml(text: &str) -> Result<Node, SyntaxError> {
    let root = DeTable::parse(text).map_err(|e| SyntaxError {
        offset: e.span().map_or(0, |s| s.start),
        message: e.message().to_owned(),
        // The parser's own bound on nesting (beyond ours, which the tree conversion checks).
        limit: e.message().contains("recursion"),
    })?;
    Ok(Node {
        kind: Kind::Table(convert_table(root.get_ref(), 0)?),
        start: 0,
    })
}

fn convert(value: &DeValue<'_>, start: usize, depth: usize) -> Result<Node, SyntaxError> {
    if depth > MAX_DEPTH {
        return Err(SyntaxError {
            offset: start,
            message: format!("nesting deeper than {MAX_DEPTH} levels"),
            limit: true,
        });
    }
    let kind = match value {
        DeValue::String(s) => Kind::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Kind::Integer(n),
            Err(_) => {
                return Err(SyntaxError {
                    offset: start,
                    message: format!("integer `{i}` is out of range"),
                    limit: false,
                });
            }
        },
        DeValue::Float(f) => match f.as_str().parse::<f64>() {
            Ok(n) if n.is_finite() => Kind::Float(n),
            _ => {
                return Err(SyntaxError {
                    offset: start,
                    message: format!("number `{f}` is not a finite number"),
                    limit: false,
                });
            }
        },
        DeValue::Boolean(b) => Kind::Bool(*b),
        DeValue::Datetime(_) => Kind::Datetime,
        DeValue::Array(items) => Kind::Array(
            items
                .iter()
                .map(|item| convert(item.get_ref(), item.span().start, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(table) => Kind::Table(convert_table(table, depth)?),
    };
    Ok(Node { kind, start })
}

fn convert_table(table: &DeTable<'_>, depth: usize) -> Result<Vec<Entry>, SyntaxError> {
    let mut entries = Vec::new();
    for (key, value) in table.iter() {
        entries.push(Entry {
            key: key.get_ref().to_string(),
            key_start: key.span().start,
            value: convert(value.get_ref(), value.span().start, depth + 1)?,
        });
    }
    // Document order: the parser's map is ordered by key; spans give the text order.
    entries.sort_by_key(|e| e.key_start);
    Ok(entries)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use crate::error::DocPath;

    #[test]
    fn toml_keeps_document_order_and_spans() {
        let text = "b = 1\na = \"x\"\n[t]\nz = [1, 2]\n";
        let node = parse_toml(text).unwrap();
        let Kind::Table(entries) = &node.kind else {
            panic!()
        };
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["b", "a", "t"]);
        let path = DocPath::parse("t.z[1]").unwrap();
        assert_eq!(node.locate(&path, 0), Some(text.find("2]").unwrap()));
    }
}
