//! The policy document: its model, reading it from text, and the condition language.

pub mod condition;
mod model;
pub(crate) mod read;
pub mod source;
#[cfg(feature = "toml")]
mod toml;

pub use model::*;
