//! The spanned tree that JSON (and TOML) text is read into, and the JSON parser.
//!
//! One small tree for every format and every reader (policy documents, inputs, teams)
//! keeps the typed reader ([`super::read`]) in one place: same codes, paths and messages
//! whatever the format; every error can point at a line and column; and the WebAssembly
//! build stays small, since no generic deserializer is instantiated for the model.

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
    /// A TOML date or time (not used by policies; only the TOML reader makes one).
    #[cfg(feature = "toml")]
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
            #[cfg(feature = "toml")]
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
    /// Whether it is a limit that was reached (the nesting), not a mistake in the text.
    pub limit: bool,
}

/// Reads JSON text into a tree.
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let mut p = JsonParser {
        bytes: text.as_bytes(),
        text,
        // A byte-order mark at the start is not part of the document (RFC 8259, 8.1).
        pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
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
            limit: false,
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
            let mut e = self.error(&format!("nesting deeper than {MAX_DEPTH} levels"));
            e.limit = true;
            return Err(e);
        }
        let start = self.pos;
        let kind = match self.peek() {
            None => return Err(self.error("end of text where a value was expected")),
            Some(b'{') => Kind::Table(self.object(depth)?),
            Some(b'[') => Kind::Array(self.array(depth)?),
            Some(b'"') => Kind::String(self.string()?),
            Some(b't') => self.word("true", Kind::Bool(true))?,
            Some(b'f') => self.word("false", Kind::Bool(false))?,
            Some(b'n') => self.word("null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a value")),
        };
        Ok(Node { kind, start })
    }

    fn object(&mut self, depth: usize) -> Result<Vec<Entry>, SyntaxError> {
        self.items(b'}', |p| {
            let key_start = p.pos;
            match p.peek() {
                Some(b'"') => {}
                None => return Err(p.error("end of text inside an object")),
                Some(_) => return Err(p.error("expected a key in double quotes")),
            }
            let key = p.string()?;
            p.ws();
            p.expect(b':', "`:` after the key")?;
            p.ws();
            let value = p.value(depth + 1)?;
            Ok(Entry {
                key,
                key_start,
                value,
            })
        })
    }

    fn array(&mut self, depth: usize) -> Result<Vec<Node>, SyntaxError> {
        self.items(b']', |p| p.value(depth + 1))
    }

    /// The items of a list or object, each read by `item`, up to the `close` bracket.
    fn items<T>(
        &mut self,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Result<T, SyntaxError>,
    ) -> Result<Vec<T>, SyntaxError> {
        let mut items = Vec::new();
        if self.open(close) {
            return Ok(items);
        }
        loop {
            self.ws();
            items.push(item(self)?);
            if !self.next_item(close)? {
                return Ok(items);
            }
        }
    }

    /// Steps over the opening bracket; true when the list or object is empty (and its
    /// closing bracket read too).
    fn open(&mut self, close: u8) -> bool {
        self.pos += 1;
        self.ws();
        let empty = self.peek() == Some(close);
        if empty {
            self.pos += 1;
        }
        empty
    }

    /// After an item of a list or object: `,` (true: another item follows) or the
    /// closing bracket (false).
    fn next_item(&mut self, close: u8) -> Result<bool, SyntaxError> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            None if close == b'}' => Err(self.error("end of text inside an object")),
            None => Err(self.error("end of text inside a list")),
            Some(_) if close == b'}' => Err(self.error("expected `,` or `}`")),
            Some(_) => Err(self.error("expected `,` or `]`")),
        }
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
        let int_digits = self.digits();
        if int_digits == 0 || (int_digits > 1 && self.bytes.get(digits_start) == Some(&b'0')) {
            return Err(SyntaxError {
                offset: start,
                message: "invalid number".into(),
                limit: false,
            });
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integral = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
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
                limit: false,
            }),
        }
    }

    /// Steps over a run of decimal digits; how many there were.
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        // Exactly four hex digits: `from_str_radix` alone would also take a sign (`\u+041`).
        let raw = self.bytes.get(self.pos..self.pos + 4).unwrap_or(&[]);
        let mut value = 0;
        for &b in raw {
            let digit = char::from(b).to_digit(16);
            value = value * 16 + digit.ok_or_else(|| self.error("invalid `\\u` escape"))?;
        }
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
        assert!(parse_json("1.").is_err());
        assert!(parse_json("1e+").is_err());
        assert!(parse_json("-").is_err());
        assert_eq!(parse_json("-1.5e+2").unwrap().kind, Kind::Float(-150.0));
        assert_eq!(parse_json("[ ]").unwrap().kind, Kind::Array(Vec::new()));
        assert!(parse_json("{\"a\" 1}").is_err());
        assert!(parse_json("{\"a\":1,}").is_err());
    }
}
