//! A compact JSON serializer for serde, over the writer's primitives: the boundary writes
//! the values that serde already describes (decisions, explanations, diagnostics, input
//! errors, the matrix) through their one `Serialize` impl, the same one the command line
//! and Rust users serialize with. No generic JSON library goes into the WebAssembly.
//!
//! It writes what the crate's types need: booleans, integers, strings, options, unit
//! variants, lists, maps and structs. Floats, bytes and data-carrying enum variants are
//! refused (none of the written types has them).

use super::write::{number, string};
use serde::ser::{self, Impossible, Serialize};
use std::fmt;

/// Appends `value` as JSON; false (and a partial text) for a shape the writer refuses.
pub(crate) fn write<T: Serialize + ?Sized>(out: &mut String, value: &T) -> bool {
    value.serialize(Writer { out }).is_ok()
}

/// `value` as JSON text.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

/// A shape the writer does not write.
#[derive(Debug)]
pub(crate) struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value the JSON writer does not write")
    }
}

impl std::error::Error for Refused {}

impl ser::Error for Refused {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Refused
    }
}

struct Writer<'a> {
    out: &'a mut String,
}

/// An open list, map or struct.
struct Compound<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Writer<'a> {
    #[inline(never)]
    fn open(self, bracket: char) -> Compound<'a> {
        self.out.push(bracket);
        Compound {
            out: self.out,
            first: true,
        }
    }

    fn raw(self, text: &str) -> Result<(), Refused> {
        self.out.push_str(text);
        Ok(())
    }

    fn unsigned(self, n: u64) -> Result<(), Refused> {
        number(self.out, n);
        Ok(())
    }

    fn signed(self, n: i64) -> Result<(), Refused> {
        if n < 0 {
            self.out.push('-');
        }
        self.unsigned(n.unsigned_abs())
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Refused;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Impossible<(), Refused>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Impossible<(), Refused>;

    fn serialize_bool(self, v: bool) -> Result<(), Refused> {
        self.raw(if v { "true" } else { "false" })
    }

    fn serialize_i8(self, v: i8) -> Result<(), Refused> {
        self.signed(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), Refused> {
        self.signed(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), Refused> {
        self.signed(i64::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<(), Refused> {
        self.signed(v)
    }

    fn serialize_u8(self, v: u8) -> Result<(), Refused> {
        self.unsigned(u64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), Refused> {
        self.unsigned(u64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), Refused> {
        self.unsigned(u64::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<(), Refused> {
        self.unsigned(v)
    }

    fn serialize_f32(self, _: f32) -> Result<(), Refused> {
        Err(Refused)
    }

    fn serialize_f64(self, _: f64) -> Result<(), Refused> {
        Err(Refused)
    }

    fn serialize_char(self, v: char) -> Result<(), Refused> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Refused> {
        string(self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Refused> {
        Err(Refused)
    }

    fn serialize_none(self) -> Result<(), Refused> {
        self.raw("null")
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Refused> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Refused> {
        self.raw("null")
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Refused> {
        self.raw("null")
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Refused> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Refused> {
        Err(Refused)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Refused> {
        Ok(self.open('['))
    }

    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, Refused> {
        Ok(self.open('['))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Refused> {
        Ok(self.open('['))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Refused> {
        Err(Refused)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Refused> {
        Ok(self.open('{'))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Refused> {
        Ok(self.open('{'))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Refused> {
        Err(Refused)
    }
}

// The non-generic parts stay out of line: they would otherwise be repeated in every
// field and item of every type written.
impl Compound<'_> {
    /// Starts the next item or key.
    #[inline(never)]
    fn next(&mut self) -> Writer<'_> {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        Writer { out: self.out }
    }

    /// Starts the next field: its key and the colon.
    #[inline(never)]
    fn key(&mut self, key: &str) -> Writer<'_> {
        let out = self.next().out;
        string(out, key);
        out.push(':');
        Writer { out }
    }

    #[inline(never)]
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        value.serialize(self.next())
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Refused> {
        value.serialize(self.key(key))
    }

    #[inline(never)]
    fn close(self, bracket: char) -> Result<(), Refused> {
        self.out.push(bracket);
        Ok(())
    }
}

/// Lists, tuples and tuple structs are all written as lists.
macro_rules! list_like {
    ($($trait:ident :: $method:ident,)*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Refused;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
                self.item(value)
            }

            fn end(self) -> Result<(), Refused> {
                self.close(']')
            }
        }
    )*};
}

list_like! {
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Refused;

    /// Keys are written as they serialize: strings, for every map the crate writes.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Refused> {
        self.item(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.out.push(':');
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result<(), Refused> {
        self.close('}')
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Refused;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Refused> {
        self.close('}')
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use crate::matrix::Matrix;
    use crate::presets::PRESETS;
    use crate::{Policy, Principal, Resource, Tenant};

    /// The boundary's text is serde_json's, to the byte.
    fn same<T: Serialize + ?Sized>(value: &T) {
        assert_eq!(to_json(value), serde_json::to_string(value).unwrap());
    }

    #[test]
    fn writes_what_serde_json_writes() {
        same(&[-3i64, 0, i64::MIN]);
        same(&(Some("a\u{1}"), None::<bool>, 'x'));
        assert!(!write(&mut String::new(), &1.5));
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
            .session_with(
                &Principal::new("u").with_role("ghost", ""),
                &Tenant::new("t"),
                crate::SessionOptions::strict(),
            )
            .unwrap_err();
        same(&error);
    }
}
