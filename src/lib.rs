//! rolegate: one role and permission policy, decided identically everywhere.
pub mod policy;
