//! The policy document: its serde model, reading it from text, and the condition language.

pub mod condition;
pub mod document;
pub(crate) mod read;
pub mod source;
pub mod tree;
