//! The policy document: its model, reading it from text, and the condition language.

pub(crate) mod condition;
mod model;
pub(crate) mod read;
pub(crate) mod source;
pub mod tree;

pub use model::*;
