//! The policy artifact: the compiled index in a compact, versioned binary form.
//!
//! `rolegate build` (and [`Policy::to_artifact`](crate::Policy::to_artifact)) writes it;
//! [`Policy::from_artifact`](crate::Policy::from_artifact) loads it without reading or
//! validating any text, so that the modules that only decide (the npm package's page
//! module, edge functions) carry the loader and the decision code but no TOML or JSON
//! reader, no validator and none of their messages. Backends, edge functions and pages
//! share the artifact byte for byte; its hash is the policy fingerprint.
//!
//! # Format (version 2)
//!
//! | bytes | what |
//! |---|---|
//! | 0..8 | the magic `rolegate` |
//! | 8..10 | the format version, little-endian (`1`) |
//! | 10..42 | SHA-256 of bytes 0..10 followed by the body: the policy fingerprint |
//! | 42.. | the body |
//!
//! The body is a sequence of values: unsigned integers as LEB128 varints; strings as
//! their byte length then UTF-8; optional strings and ids as `0` for none or `n + 1`;
//! lists as their count then the items; bitsets as their 64-bit words, each a varint (the
//! count of words follows from the set's bound); numbers as 8 little-endian bytes of a
//! 64-bit float. In order: the name; the scope levels (name, label, parent) and the root;
//! features (name, label, hint, enabling action, its hint); plans (name, label,
//! features); declared attributes (entity, name, type); actions (name, label, group,
//! level, tags, feature, plans, feature hint, plan hint); roles (name, label, level,
//! cascade, expansion, allowed actions); rules (name, effect, roles, actions, condition
//! and its text); then the team rules (ending, since version 2, with the least numbers of
//! holders: the count of roles that have one, then each role id and its number) and the
//! route table, each preceded by its byte
//! length, so that a build without them (the page module) can step over them.
//!
//! What the compiler derives from the rules (each role's allow rules, the deny list, the
//! actions whose rules read the resource) is derived again on load, by the same code.
//!
//! Loading checks, in this order: the magic (`not_artifact`), the version
//! (`artifact_version`), the digest over the rest (`corrupt_artifact`: a truncated or
//! altered artifact), then every value: each id within its table, each bitset within its
//! bound, names unique, the level tree a tree, conditions nested at most
//! [`MAX_NESTING`] deep, counts within the limits a document has, nothing left over
//! (`corrupt_artifact` with the path of the value). An artifact that loads decides
//! exactly as the policy it was built from.

mod read;
mod write;

pub(crate) use read::load;
pub(crate) use write::build;

/// The first bytes of every artifact.
pub(crate) const MAGIC: &[u8; 8] = b"rolegate";

/// The format version this release writes and reads.
pub const ARTIFACT_VERSION: u16 = 3;

/// Bytes before the body: magic, version, digest.
pub(crate) const HEADER: usize = 8 + 2 + 32;

/// The deepest condition a loaded artifact may hold (compiled conditions are far
/// shallower: the condition language nests at most 64 deep).
pub(crate) const MAX_NESTING: usize = 256;

/// Tags of the encoded condition nodes.
mod tag {
    pub const LITERAL: u8 = 0;
    pub const ATTR: u8 = 1;
    pub const EQ: u8 = 2;
    pub const NE: u8 = 3;
    pub const IN: u8 = 4;
    pub const AND: u8 = 5;
    pub const OR: u8 = 6;
    pub const NOT: u8 = 7;
    pub const HAS: u8 = 8;

    pub const NULL: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const NUMBER: u8 = 3;
    pub const STRING: u8 = 4;
    pub const LIST: u8 = 5;
}

/// The digest of an artifact: SHA-256 over its magic and version, then its body.
pub(crate) fn digest(artifact: &[u8]) -> [u8; 32] {
    crate::fingerprint::sha256(&[
        artifact.get(..10).unwrap_or_default(),
        artifact.get(HEADER..).unwrap_or_default(),
    ])
}

/// The byte of an attribute type.
fn attr_type_byte(t: crate::document::AttrType) -> u8 {
    use crate::document::AttrType;
    match t {
        AttrType::String => 0,
        AttrType::Number => 1,
        AttrType::Bool => 2,
        AttrType::StringList => 3,
        AttrType::NumberList => 4,
    }
}

/// The byte of an entity.
fn entity_byte(e: crate::document::condition::Entity) -> u8 {
    use crate::document::condition::Entity;
    match e {
        Entity::Principal => 0,
        Entity::Resource => 1,
        Entity::Tenant => 2,
    }
}
