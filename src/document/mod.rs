//! The policy document: its model, reading it from text, and the condition language.

pub(crate) mod condition;
pub(crate) mod error;
mod model;
pub(crate) mod read;
pub(crate) mod source;
#[cfg(feature = "toml")]
mod toml;

pub use model::*;
