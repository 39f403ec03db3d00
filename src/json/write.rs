//! A small JSON writer for the values that cross to JavaScript.
//!
//! The WebAssembly build writes its answers with this instead of a generic serializer,
//! which keeps the module small; a test holds its output equal to the serde form that the
//! command line prints.

use crate::decide::{Decision, ExplainStep, Explanation};
use crate::error::{Diagnostic, InputError, Severity};
use crate::matrix::Matrix;

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

    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    pub fn num(&mut self, key: &str, value: u64) -> &mut Self {
        number(self.key(key), value);
        self
    }

    pub fn opt_num(&mut self, key: &str, value: Option<u32>) -> &mut Self {
        if let Some(v) = value {
            self.num(key, u64::from(v));
        }
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

/// Values written as JSON.
pub(crate) trait ToJson {
    fn write_json(&self, out: &mut String);

    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

impl ToJson for Decision {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.bool("allowed", self.allowed())
            .str("effect", self.effect.as_str())
            .str("reason", self.reason.as_str())
            .opt_str("role", self.role.as_deref())
            .opt_str("scope", self.scope.as_deref())
            .opt_str("rule", self.rule.as_deref())
            .opt_str("hint", self.hint.as_deref());
        o.end();
    }
}

impl ToJson for Diagnostic {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str(
            "severity",
            match self.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
        )
        .str("code", self.code.as_str())
        .str("path", &self.path.to_string())
        .opt_num("line", self.line)
        .opt_num("column", self.column)
        .str("message", &self.message)
        .opt_str("help", self.help.as_deref());
        o.end();
    }
}

impl ToJson for [Diagnostic] {
    fn write_json(&self, out: &mut String) {
        list(out, self, |out, d| d.write_json(out));
    }
}

impl ToJson for InputError {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str("code", self.code.as_str())
            .str("path", &self.path.to_string())
            .str("message", &self.message);
        o.end();
    }
}

impl ToJson for ExplainStep {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.num("step", u64::from(self.step))
            .str("title", self.title)
            .str("finding", &self.finding)
            .bool("decided", self.decided);
        o.end();
    }
}

impl ToJson for Explanation {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str("action", &self.action).str("scope", &self.scope);
        self.decision.write_json(o.key("decision"));
        list(o.key("steps"), &self.steps, |out, s| s.write_json(out));
        o.end();
    }
}

impl ToJson for Matrix {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        list(o.key("roles"), &self.roles, |out, s| string(out, s));
        list(o.key("columns"), &self.columns, |out, s| string(out, s));
        list(o.key("rows"), &self.rows, |out, row| {
            let mut r = Object::new(out);
            r.str("action", &row.action).str("label", &row.label);
            list(r.key("cells"), &row.cells, |out, c| string(out, c.code()));
            r.end();
        });
        o.end();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use crate::presets::PRESETS;
    use crate::{Policy, Principal, Resource, Tenant};

    fn same<T: ToJson + serde::Serialize + ?Sized>(value: &T) {
        let ours: serde_json::Value = serde_json::from_str(&value.to_json()).unwrap();
        let theirs = serde_json::to_value(value).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn writes_what_serde_writes() {
        let mut s = String::new();
        string(&mut s, "a\"b\\c\n\u{1}é");
        assert_eq!(
            serde_json::from_str::<String>(&s).unwrap(),
            "a\"b\\c\n\u{1}é"
        );
        let mut n = String::new();
        number(&mut n, 0);
        number(&mut n, 1234567890);
        assert_eq!(n, "01234567890");
        for (_, text) in PRESETS {
            let policy = Policy::from_toml(text).unwrap();
            same(&Matrix::of(&policy));
            let root = policy.root_level().to_owned();
            let role = policy
                .roles()
                .iter()
                .find(|r| *policy.levels()[r.level].name == *root)
                .unwrap()
                .name
                .to_string();
            let principal = Principal::new("u1").with_role(role, "");
            let session = policy.session(&principal, &Tenant::new("t")).unwrap();
            for (_, decision) in session.permissions("") {
                same(&decision);
            }
            let action = policy.actions().first().unwrap().name.to_string();
            same(&session.explain(&action, &Resource::at("org")));
        }
        let errors = Policy::from_toml("version = 2\n[roles.a]\nscope = \"x\"\n").unwrap_err();
        same(&errors.0[..]);
        let error = Policy::from_toml(PRESETS[0].1)
            .unwrap()
            .session(
                &Principal::new("u").with_role("ghost", ""),
                &Tenant::new("t"),
            )
            .unwrap_err();
        same(&error);
    }
}
