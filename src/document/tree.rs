//! A document tree with byte spans: what JSON and TOML text are read into before the
//! policy model is built from it.
//!
//! One small tree for both formats keeps the reader in one place (same codes, paths and
//! messages whatever the format), lets every error point at a line and column, and keeps
//! the WebAssembly build small: no generic deserializer is instantiated for the model.

use crate::error::{DocPath, PathSegment};

/// Deepest nesting of lists and tables read.
pub const MAX_DEPTH: usize = 64;

/// A value of the document, with where it starts in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: Kind,
    /// Byte offset of its first character.
    pub start: usize,
}

/// The kinds of values.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null` (JSON only).
    Null,
    /// `true`, `false`.
    Bool(bool),
    /// A number without fraction or exponent, when it fits.
    Integer(i64),
    /// Any other number.
    Float(f64),
    /// Text.
    String(String),
    /// A list.
    Array(Vec<Node>),
    /// A table: entries in document order, each with the offset of its key; repeated keys
    /// are kept, for the reader to report.
    Table(Vec<Entry>),
    /// A TOML date or time (not used by policies).
    Datetime,
}

/// A table entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Byte offset of the key.
    pub key_start: usize,
    /// The value.
    pub value: Node,
}

impl Kind {
    /// "a string", "a list", ...: for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Integer(_) | Kind::Float(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "a list",
            Kind::Table(_) => "a table",
            Kind::Datetime => "a date",
        }
    }
}

impl Node {
    /// The byte offset that `path` points at: the key of the last table entry or the list
    /// item; the `nth` (0-based) entry where the last key is repeated. The deepest part
    /// of the path that exists is used.
    pub fn locate(&self, path: &DocPath, nth: usize) -> Option<usize> {
        let mut node = self;
        let mut best = None;
        let segments = path.segments();
        for (i, segment) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            match (segment, &node.kind) {
                (PathSegment::Key(key), Kind::Table(entries)) => {
                    let mut matches = entries.iter().filter(|e| e.key == *key);
                    let entry = if last {
                        matches
                            .nth(nth)
                            .or_else(|| entries.iter().find(|e| e.key == *key))
                    } else {
                        matches.next()
                    };
                    let Some(entry) = entry else { return best };
                    best = Some(entry.key_start);
                    node = &entry.value;
                }
                (PathSegment::Index(index), Kind::Array(items)) => {
                    let Some(item) = items.get(*index) else {
                        return best;
                    };
                    best = Some(item.start);
                    node = item;
                }
                _ => return best,
            }
        }
        best.or(Some(node.start))
    }
}

/// An error of the text itself, at a byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// Where.
    pub offset: usize,
    /// What.
    pub message: String,
}

/// Reads JSON text into a tree.
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let mut p = JsonParser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.pos < p.bytes.len() {
        return Err(p.error("unexpected text after the document"));
    }
    Ok(node)
}

struct JsonParser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl JsonParser<'_> {
    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            message: message.to_owned(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), SyntaxError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else if self.peek().is_none() {
            Err(self.error(&format!("end of text where {what} was expected")))
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let start = self.pos;
        let kind = match self.peek() {
            None => return Err(self.error("end of text where a value was expected")),
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        let key_start = self.pos;
                        if self.peek().is_none() {
                            return Err(self.error("end of text inside an object"));
                        }
                        if self.peek() != Some(b'"') {
                            return Err(self.error("expected a key in double quotes"));
                        }
                        let key = self.string()?;
                        self.ws();
                        self.expect(b':', "`:` after the key")?;
                        self.ws();
                        let value = self.value(depth + 1)?;
                        entries.push(Entry {
                            key,
                            key_start,
                            value,
                        });
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            None => return Err(self.error("end of text inside an object")),
                            _ => return Err(self.error("expected `,` or `}`")),
                        }
                    }
                }
                Kind::Table(entries)
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            None => return Err(self.error("end of text inside a list")),
                            _ => return Err(self.error("expected `,` or `]`")),
                        }
                    }
                }
                Kind::Array(items)
            }
            Some(b'"') => Kind::String(self.string()?),
            Some(b't') => self.word("true", Kind::Bool(true))?,
            Some(b'f') => self.word("false", Kind::Bool(false))?,
            Some(b'n') => self.word("null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a value")),
        };
        Ok(Node { kind, start })
    }

    fn word(&mut self, word: &str, kind: Kind) -> Result<Kind, SyntaxError> {
        if self
            .text
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word))
        {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn number(&mut self) -> Result<Kind, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        let int_digits = self.pos - digits_start;
        if int_digits == 0 || (int_digits > 1 && self.bytes.get(digits_start) == Some(&b'0')) {
            return Err(SyntaxError {
                offset: start,
                message: "invalid number".into(),
            });
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            let s = self.pos;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
            if self.pos == s {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integral = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let s = self.pos;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
            if self.pos == s {
                return Err(self.error("invalid number"));
            }
        }
        let raw = self.text.get(start..self.pos).unwrap_or("");
        if integral {
            if let Ok(n) = raw.parse::<i64>() {
                return Ok(Kind::Integer(n));
            }
        }
        match crate::number::parse_f64(raw) {
            Some(n) => Ok(Kind::Float(n)),
            None => Err(SyntaxError {
                offset: start,
                message: format!("number `{raw}` is out of range"),
            }),
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let raw = self.text.get(self.pos..self.pos + 4).unwrap_or("");
        let value = u32::from_str_radix(raw, 16).map_err(|_| self.error("invalid `\\u` escape"))?;
        if raw.len() != 4 {
            return Err(self.error("invalid `\\u` escape"));
        }
        self.pos += 4;
        Ok(value)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run_start..self.pos).unwrap_or(""));
            match self.peek() {
                None => return Err(self.error("end of text inside a string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = self.peek();
                    self.pos += 1;
                    match escape {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                if self.text.get(self.pos..self.pos + 2) != Some("\\u") {
                                    return Err(self.error("unpaired surrogate in `\\u` escape"));
                                }
                                self.pos += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.error("unpaired surrogate in `\\u` escape"));
                                }
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            };
                            match char::from_u32(code) {
                                Some(c) => out.push(c),
                                None => return Err(self.error("invalid `\\u` escape")),
                            }
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.error("invalid escape"));
                        }
                    }
                }
                Some(_) => return Err(self.error("control character inside a string")),
            }
        }
    }
}

/// Reads TOML text into a tree.
#[cfg(feature = "toml")]
pub fn parse_toml(text: &str) -> Result<Node, SyntaxError> {
    use toml::de::{DeTable, DeValue};

    fn convert(value: &DeValue<'_>, start: usize, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(SyntaxError {
                offset: start,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
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
                    });
                }
            },
            DeValue::Float(f) => match f.as_str().parse::<f64>() {
                Ok(n) if n.is_finite() => Kind::Float(n),
                _ => {
                    return Err(SyntaxError {
                        offset: start,
                        message: format!("number `{f}` is not a finite number"),
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
            DeValue::Table(table) => Kind::Table(convert_table(table, depth + 1)?),
        };
        Ok(Node { kind, start })
    }

    fn convert_table(table: &DeTable<'_>, depth: usize) -> Result<Vec<Entry>, SyntaxError> {
        let mut entries = Vec::new();
        for (key, value) in table.iter() {
            entries.push(Entry {
                key: key.get_ref().to_string(),
                key_start: key.span().start,
                value: convert(value.get_ref(), value.span().start, depth)?,
            });
        }
        // Document order: the parser's map is ordered by key; spans give the text order.
        entries.sort_by_key(|e| e.key_start);
        Ok(entries)
    }

    let root = DeTable::parse(text).map_err(|e| SyntaxError {
        offset: e.span().map_or(0, |s| s.start),
        message: e.message().to_owned(),
    })?;
    Ok(Node {
        kind: Kind::Table(convert_table(root.get_ref(), 0)?),
        start: 0,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    #[test]
    fn json_round_trip_of_values_and_offsets() {
        let text = r#"{ "a": [1, -2.5e1, "x\u00e9\ud83d\ude00", true, null], "b": {} }"#;
        let node = parse_json(text).unwrap();
        let Kind::Table(entries) = &node.kind else {
            panic!()
        };
        assert_eq!(entries[0].key, "a");
        assert_eq!(entries[0].key_start, 2);
        let Kind::Array(items) = &entries[0].value.kind else {
            panic!()
        };
        assert_eq!(items[0].kind, Kind::Integer(1));
        assert_eq!(items[1].kind, Kind::Float(-25.0));
        assert_eq!(items[2].kind, Kind::String("xé😀".into()));
        assert!(parse_json("[1,]").is_err());
        assert!(parse_json("{\"a\":1} x").is_err());
        assert!(parse_json(&"[".repeat(100_000)).is_err());
        assert!(parse_json("\"\\ud800\"").is_err());
        assert!(parse_json("01").is_err());
    }

    #[cfg(feature = "toml")]
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
