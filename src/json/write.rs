//! A small JSON writer for the values that cross to JavaScript: strings, numbers, objects
//! field by field, lists; and [`ToJson`] for the values without a `Serialize` impl (the
//! team values). The values with one are written through it by `serialize.rs`, on these
//! same primitives.
//!
//! The WebAssembly build writes its answers with this instead of a generic JSON library,
//! which keeps the module small.

/// Appends `s` as a JSON string.
pub(crate) fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = c as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX.get(n >> 4).copied().unwrap_or(b'0')));
                out.push(char::from(HEX.get(n & 15).copied().unwrap_or(b'0')));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends an unsigned integer.
pub(crate) fn number(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for d in digits.iter().skip(i) {
        out.push(char::from(*d));
    }
}

/// Writes a JSON object field by field.
pub(crate) struct Object<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Object<'a> {
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Object { out, first: true }
    }

    /// Starts a field and returns the buffer to write its value into.
    pub fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        string(self.out, key);
        self.out.push(':');
        self.out
    }

    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        string(self.key(key), value);
        self
    }

    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.str(key, v);
        }
        self
    }

    #[cfg(feature = "wasm")]
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    #[cfg(feature = "team")]
    pub fn num(&mut self, key: &str, value: u64) -> &mut Self {
        number(self.key(key), value);
        self
    }

    pub fn end(self) {
        self.out.push('}');
    }
}

/// Writes a JSON list of items.
pub(crate) fn list<T>(out: &mut String, items: &[T], mut item: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item(out, x);
    }
    out.push(']');
}

/// Values written as JSON (those without a `Serialize` impl).
#[cfg(feature = "team")]
pub(crate) trait ToJson {
    fn write_json(&self, out: &mut String);

    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn writes_strings_and_numbers_as_serde_json_reads_them() {
        let mut s = String::new();
        string(&mut s, "a\"b\\c\n\u{1}é");
        assert_eq!(
            serde_json::from_str::<String>(&s).unwrap(),
            "a\"b\\c\n\u{1}é"
        );
        let mut n = String::new();
        number(&mut n, 0);
        number(&mut n, 1234567890);
        number(&mut n, u64::MAX);
        assert_eq!(n, format!("01234567890{}", u64::MAX));
    }
}
