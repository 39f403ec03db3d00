//! A tree from any serde deserializer, so that `Deserialize` of the values given at run
//! time (principal, tenant, resource, attribute values) goes through the one typed reader:
//! same rules and same messages as their `from_json`.
//!
//! The tree has no text here, so every node starts at offset 0; messages carry the path.

use super::tree::{Entry, Kind, MAX_DEPTH, Node};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Builds a tree node; `depth` bounds nesting as the JSON parser does.
struct NodeVisitor {
    depth: usize,
}

impl NodeVisitor {
    fn node(kind: Kind) -> Node {
        Node { kind, start: 0 }
    }

    fn nested(&self) -> Result<NodeSeed, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        Ok(NodeSeed {
            depth: self.depth + 1,
        })
    }
}

/// A node at a given depth, for the items of lists and tables.
#[derive(Clone, Copy)]
struct NodeSeed {
    depth: usize,
}

impl<'de> de::DeserializeSeed<'de> for NodeSeed {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor { depth: self.depth })
    }
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Self::node(Kind::Null))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Self::node(Kind::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Self::node(Kind::Bool(b)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node, E> {
        Ok(Self::node(Kind::Integer(n)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node, E> {
        Ok(Self::node(match i64::try_from(n) {
            Ok(n) => Kind::Integer(n),
            Err(_) => Kind::Float(n as f64),
        }))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Node, E> {
        Ok(Self::node(Kind::Float(n)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Self::node(Kind::String(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Self::node(Kind::String(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let seed = self.nested().map_err(de::Error::custom)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(seed)? {
            items.push(item);
        }
        Ok(Self::node(Kind::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let seed = self.nested().map_err(de::Error::custom)?;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(seed)?;
            entries.push(Entry {
                key,
                key_start: 0,
                value,
            });
        }
        Ok(Self::node(Kind::Table(entries)))
    }
}

impl Node {
    /// Reads a tree from a serde deserializer (JSON from `serde_json`, or any other format).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor { depth: 0 })
    }
}

/// Reads a value through the typed reader from a serde deserializer: `read` gets the tree;
/// its error becomes the deserializer's, as `path: message`.
pub(crate) fn through_reader<'de, D, T>(
    deserializer: D,
    read: impl FnOnce(&Node) -> Result<T, super::error::InputError>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let node = Node::deserialize(deserializer)?;
    read(&node).map_err(|e| {
        if e.path.segments().is_empty() {
            de::Error::custom(e.message)
        } else {
            de::Error::custom(format_args!("{}: {}", e.path, e.message))
        }
    })
}
