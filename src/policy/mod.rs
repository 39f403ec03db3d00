//! The policy document and its validation.
pub mod document;
