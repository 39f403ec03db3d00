//! Reading a document from text, and finding where a path points in that text.

use crate::error::{Diagnostic, DocPath, ErrorCode, PathSegment};
use crate::policy::document::Document;

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

fn path_of(path: &serde_path_to_error::Path) -> DocPath {
    let mut segments = Vec::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                segments.push(PathSegment::Index(*index))
            }
            serde_path_to_error::Segment::Map { key } => {
                segments.push(PathSegment::Key(key.clone()))
            }
            serde_path_to_error::Segment::Enum { variant } => {
                segments.push(PathSegment::Key(variant.clone()))
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    DocPath::from_segments(segments)
}

fn classify(message: &str) -> ErrorCode {
    if message.starts_with("duplicate field") {
        ErrorCode::DuplicateName
    } else if message.starts_with("unknown field") {
        ErrorCode::UnknownField
    } else if message.starts_with("missing field") {
        ErrorCode::MissingField
    } else if message.starts_with("invalid type") {
        ErrorCode::BadType
    } else if message.starts_with("unknown variant")
        || message.starts_with("invalid value")
        || message.starts_with("invalid length")
    {
        ErrorCode::BadValue
    } else {
        ErrorCode::Syntax
    }
}

fn too_large(len: usize) -> Diagnostic {
    Diagnostic::error(
        ErrorCode::Syntax,
        DocPath::root(),
        format!("the document is {len} bytes, over the limit of {MAX_DOCUMENT_BYTES}"),
    )
}

/// Reads a document from text. Errors carry line and column.
pub fn read(text: &str, format: Format) -> Result<Document, Diagnostic> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(too_large(text.len()));
    }
    match format {
        Format::Json => read_json(text),
        Format::Toml => read_toml(text),
    }
}

/// Messages of the parsers, in the style of ours: lowercase first letter, no final period.
fn restyle(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    let message = message.strip_prefix("EOF while parsing").map_or_else(
        || message.to_owned(),
        |rest| format!("end of text while parsing{rest}"),
    );
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "the document cannot be read".to_owned(),
    }
}

/// A duplicate field is reported at the field itself, not at the table holding it.
fn refine(code: ErrorCode, path: DocPath, message: &str) -> DocPath {
    if code == ErrorCode::DuplicateName {
        if let Some(field) = message.split('`').nth(1) {
            return path.key(field);
        }
    }
    path
}

fn read_json(text: &str) -> Result<Document, Diagnostic> {
    let first = text.trim_start().chars().next();
    if first.is_some() && first != Some('{') {
        let offset = text.len() - text.trim_start().len();
        let (line, column) = position(text, offset);
        let mut d = Diagnostic::error(
            ErrorCode::BadType,
            DocPath::root(),
            "a policy document is a JSON object (`{ \"version\": 1, ... }`)",
        );
        d.line = Some(line);
        d.column = Some(column);
        return Err(d);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<Document, _> = serde_path_to_error::deserialize(&mut de);
    let (path, inner) = match result {
        Ok(doc) => match de.end() {
            Ok(()) => return Ok(doc),
            Err(e) => (DocPath::root(), e),
        },
        Err(err) => (path_of(err.path()), err.into_inner()),
    };
    {
        let inner = &inner;
        let full = inner.to_string();
        // serde_json appends " at line L column C"; the position has fields of its own.
        let message = restyle(match full.rfind(" at line ") {
            Some(i) => full.get(..i).unwrap_or(&full),
            None => &full,
        });
        let code = if inner.is_syntax() || inner.is_eof() {
            ErrorCode::Syntax
        } else {
            classify(&message)
        };
        let path = refine(code, path, &message);
        let mut d = Diagnostic::error(code, path, message);
        if inner.line() > 0 && code != ErrorCode::DuplicateName {
            d.line = u32::try_from(inner.line()).ok();
            d.column = u32::try_from(inner.column().max(1)).ok();
        }
        Err(d)
    }
}

#[cfg(feature = "toml")]
fn read_toml(text: &str) -> Result<Document, Diagnostic> {
    let syntax = |e: toml::de::Error| {
        let mut d = Diagnostic::error(
            ErrorCode::Syntax,
            DocPath::root(),
            e.message().trim().to_owned(),
        );
        if let Some(span) = e.span() {
            let (line, column) = position(text, span.start);
            d.line = Some(line);
            d.column = Some(column);
        }
        d
    };
    let de = toml::Deserializer::parse(text).map_err(syntax)?;
    let result: Result<Document, _> = serde_path_to_error::deserialize(de);
    result.map_err(|err| {
        let path = path_of(err.path());
        let inner = err.inner();
        let message = restyle(inner.message());
        let code = classify(&message);
        let path = refine(code, path, &message);
        let mut d = Diagnostic::error(code, path, message);
        if let Some(span) = inner.span() {
            let (line, column) = position(text, span.start);
            d.line = Some(line);
            d.column = Some(column);
        }
        d
    })
}

#[cfg(not(feature = "toml"))]
fn read_toml(_text: &str) -> Result<Document, Diagnostic> {
    Err(Diagnostic::error(
        ErrorCode::Syntax,
        DocPath::root(),
        "this build reads JSON policies only (the `toml` feature is off)",
    ))
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

/// The byte offset that `path` points at in `text`: the key of the last table entry, or
/// the list item. The deepest part of the path that exists is used.
pub fn locate(text: &str, format: Format, path: &DocPath) -> Option<usize> {
    locate_nth(text, format, path, 0)
}

/// Like [`locate`], at the `nth` (0-based) entry of a key that the document repeats.
fn locate_nth(text: &str, format: Format, path: &DocPath, nth: usize) -> Option<usize> {
    match format {
        Format::Json => json::locate(text, path.segments(), nth),
        #[cfg(feature = "toml")]
        Format::Toml => toml_locate(text, path.segments()),
        #[cfg(not(feature = "toml"))]
        Format::Toml => None,
    }
}

/// Fills line and column of diagnostics from the source text.
pub fn attach_positions(text: &str, format: Format, diagnostics: &mut [Diagnostic]) {
    let mut seen_duplicates: Vec<DocPath> = Vec::new();
    for d in diagnostics {
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
        let Some(offset) =
            locate_nth(text, format, &d.path, nth).or_else(|| locate(text, format, &d.path))
        else {
            continue;
        };
        let (line, column) = position(text, offset);
        // Condition errors carry their column inside the condition string.
        let inner = d.column.take();
        let is_value = matches!(d.path.segments().last(), Some(PathSegment::Key(k)) if k == "when");
        d.line = Some(line);
        d.column = Some(match (inner, is_value) {
            (Some(inner), true) => value_column(text, format, &d.path).unwrap_or(column) + inner,
            _ => column,
        });
    }
}

/// Column of the opening quote of the string value at `path`.
fn value_column(text: &str, format: Format, path: &DocPath) -> Option<u32> {
    let key_offset = locate(text, format, path)?;
    let rest = text.get(key_offset..)?;
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let line = rest.get(..line_end)?;
    let separator = line.find([':', '='])?;
    let quote = separator + line.get(separator..)?.find(['"', '\''])?;
    Some(position(text, key_offset + quote).1)
}

#[cfg(feature = "toml")]
fn toml_locate(text: &str, segments: &[PathSegment]) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let mut table = Some(root.get_ref());
    let mut array: Option<&[toml::Spanned<DeValue<'_>>]> = None;
    let mut best = None;
    for segment in segments {
        match segment {
            PathSegment::Key(key) => {
                let (k, v) = table?.get_key_value(key.as_str())?;
                best = Some(k.span().start);
                table = None;
                array = None;
                match v.get_ref() {
                    DeValue::Table(t) => table = Some(t),
                    DeValue::Array(a) => array = Some(a),
                    _ => {}
                }
            }
            PathSegment::Index(i) => {
                let v = array?.get(*i)?;
                best = Some(v.span().start);
                table = None;
                array = None;
                match v.get_ref() {
                    DeValue::Table(t) => table = Some(t),
                    DeValue::Array(a) => array = Some(a),
                    _ => {}
                }
            }
        }
    }
    best
}

mod json {
    //! Just enough of a JSON scanner to find where a path points.
    use crate::error::PathSegment;

    struct Scanner<'a> {
        bytes: &'a [u8],
        pos: usize,
        depth: usize,
    }

    impl Scanner<'_> {
        fn ws(&mut self) {
            while self
                .bytes
                .get(self.pos)
                .is_some_and(|b| b.is_ascii_whitespace())
            {
                self.pos += 1;
            }
        }

        fn peek(&self) -> Option<u8> {
            self.bytes.get(self.pos).copied()
        }

        fn string(&mut self) -> Option<String> {
            if self.peek()? != b'"' {
                return None;
            }
            let start = self.pos;
            self.pos += 1;
            loop {
                match self.peek()? {
                    b'"' => {
                        self.pos += 1;
                        break;
                    }
                    b'\\' => self.pos += 2,
                    _ => self.pos += 1,
                }
            }
            let raw = std::str::from_utf8(self.bytes.get(start..self.pos)?).ok()?;
            serde_json::from_str(raw).ok()
        }

        fn skip_value(&mut self) -> Option<()> {
            self.depth += 1;
            if self.depth > 256 {
                return None;
            }
            self.ws();
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    let close = if self.peek()? == b'{' { b'}' } else { b']' };
                    self.pos += 1;
                    loop {
                        self.ws();
                        if self.peek()? == close {
                            self.pos += 1;
                            break;
                        }
                        if close == b'}' {
                            self.string()?;
                            self.ws();
                            if self.peek()? != b':' {
                                return None;
                            }
                            self.pos += 1;
                        }
                        self.skip_value()?;
                        self.ws();
                        if self.peek()? == b',' {
                            self.pos += 1;
                        }
                    }
                }
                _ => {
                    while self.peek().is_some_and(|b| {
                        !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace()
                    }) {
                        self.pos += 1;
                    }
                }
            }
            self.depth -= 1;
            Some(())
        }
    }

    pub fn locate(text: &str, segments: &[PathSegment], nth: usize) -> Option<usize> {
        let mut skip = nth;
        let mut s = Scanner {
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
        };
        let mut best = None;
        'segments: for (i, segment) in segments.iter().enumerate() {
            s.ws();
            match segment {
                PathSegment::Key(key) => {
                    if s.peek()? != b'{' {
                        return best;
                    }
                    s.pos += 1;
                    loop {
                        s.ws();
                        if s.peek()? == b'}' {
                            return best;
                        }
                        let key_start = s.pos;
                        let k = s.string()?;
                        s.ws();
                        if s.peek()? != b':' {
                            return best;
                        }
                        s.pos += 1;
                        s.ws();
                        if &k == key {
                            let last = i + 1 == segments.len();
                            if !last || skip == 0 {
                                best = Some(key_start);
                                continue 'segments;
                            }
                            skip -= 1;
                        }
                        s.skip_value()?;
                        s.ws();
                        if s.peek()? == b',' {
                            s.pos += 1;
                        }
                    }
                }
                PathSegment::Index(index) => {
                    if s.peek()? != b'[' {
                        return best;
                    }
                    s.pos += 1;
                    for _ in 0..*index {
                        s.skip_value()?;
                        s.ws();
                        if s.peek()? != b',' {
                            return best;
                        }
                        s.pos += 1;
                    }
                    s.ws();
                    best = Some(s.pos);
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn locates_paths_in_json() {
        let text = "{\n  \"roles\": {\n    \"admin\": { \"includes\": [\"a\", \"b\"] }\n  }\n}";
        let path = DocPath::parse("roles.admin.includes[1]").unwrap();
        let offset = locate(text, Format::Json, &path).unwrap();
        assert_eq!(position(text, offset), (3, 34));
    }

    #[cfg(feature = "toml")]
    #[test]
    fn locates_paths_in_toml() {
        let text = "version = 1\n\n[roles.admin]\nscope = \"org\"\nincludes = [\"a\", \"b\"]\n";
        let path = DocPath::parse("roles.admin.includes[1]").unwrap();
        let offset = locate(text, Format::Toml, &path).unwrap();
        assert_eq!(position(text, offset), (5, 18));
        let path = DocPath::parse("roles.admin.scope").unwrap();
        let offset = locate(text, Format::Toml, &path).unwrap();
        assert_eq!(position(text, offset), (4, 1));
    }
}
