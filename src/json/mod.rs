//! The one JSON layer: the spanned tree and its parser (`tree`), the typed reader with
//! errors at a path (`read`), the errors of values read at run time (`error`), a tree
//! from any serde deserializer (`deserialize`), and the writer (`write`, with a serde
//! serializer over it in `serialize`).
//!
//! Every JSON the crate reads goes through the tree and the reader: policy documents
//! (TOML is converted to the same tree, see `document/toml.rs`), principals, tenants,
//! resources, teams and changes; `Deserialize` of the input types too, so a backend that
//! deserializes a `Principal` gets the rules and messages of `Principal::from_json`. Every
//! JSON the WebAssembly boundary writes goes through the writer, which keeps the module
//! small (no generic JSON library in it); a type with a `Serialize` impl is written
//! through that impl, so it has one encoder for the boundary, the command line and Rust
//! users alike.

pub(crate) mod deserialize;
pub(crate) mod error;
pub(crate) mod read;
pub(crate) mod tree;
// The serde serializer serves the WebAssembly boundary (and its tests run natively).
#[cfg(any(feature = "wasm", test))]
mod serialize;
// Without the boundary or team values, only the serializer's primitives are used.
#[cfg_attr(not(any(feature = "wasm", feature = "team")), allow(dead_code))]
mod write;

// `Object`, `ToJson`, `list`, `number`, `string`, and `to_json`, `write` for `Serialize`
// values: at `crate::json::`, as the writers of each module (team, lint, the boundary)
// import them.
#[cfg(feature = "wasm")]
pub(crate) use serialize::to_json;
#[cfg(feature = "wasm")]
pub(crate) use serialize::write;
#[cfg(any(feature = "wasm", feature = "team", test))]
pub(crate) use write::*;
