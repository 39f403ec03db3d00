//! Scope instances: `workspace:w1/project:p7`.

use crate::compile::{Compiled, LevelId};
use std::fmt::Write;

/// A parsed scope instance: the path of `(level, id)` from just below the root.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ScopePath {
    pub segments: Vec<(LevelId, Box<str>)>,
}

/// Longest scope text read.
pub(crate) const MAX_SCOPE_LEN: usize = 1024;

impl ScopePath {
    /// The root: the tenant itself.
    pub const ROOT: ScopePath = ScopePath {
        segments: Vec::new(),
    };

    /// The level of the instance (the root for the empty path).
    pub fn level(&self, policy: &Compiled) -> LevelId {
        self.segments.last().map_or(policy.root, |(l, _)| *l)
    }

    /// Whether `self` is `other` or one of its ancestors.
    pub fn is_prefix_of(&self, other: &ScopePath) -> bool {
        self.segments.len() <= other.segments.len()
            && self
                .segments
                .iter()
                .zip(other.segments.iter())
                .all(|(a, b)| a == b)
    }

    /// The ancestor of `self` (or `self`) at `level`; `self` when none is at that level.
    pub fn cut_to_level(&self, policy: &Compiled, level: LevelId) -> ScopePath {
        if level == policy.root {
            return ScopePath::default();
        }
        match self.segments.iter().position(|(l, _)| *l == level) {
            Some(i) => ScopePath {
                segments: self.segments.iter().take(i + 1).cloned().collect(),
            },
            None => self.clone(),
        }
    }

    /// The canonical text: the root level's name for the root, else `level:id/...`.
    pub fn render(&self, policy: &Compiled) -> String {
        if self.segments.is_empty() {
            return policy
                .levels
                .get(policy.root)
                .map_or(String::new(), |l| l.name.to_string());
        }
        let mut out = String::new();
        for (i, (level, id)) in self.segments.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            let name = policy.levels.get(*level).map_or("", |l| &l.name);
            let _ = write!(out, "{name}:{id}");
        }
        out
    }

    /// Reads a scope instance.
    pub fn parse(policy: &Compiled, text: &str) -> Result<ScopePath, String> {
        let root_name = policy.levels.get(policy.root).map_or("", |l| &l.name);
        if text.is_empty() || text == root_name {
            return Ok(ScopePath::default());
        }
        if text.len() > MAX_SCOPE_LEN {
            return Err(format!(
                "scope is {} bytes long, over the limit of {MAX_SCOPE_LEN}",
                text.len()
            ));
        }
        let mut segments = Vec::new();
        let mut parent = policy.root;
        for part in text.split('/') {
            let Some((level_name, id)) = part.split_once(':') else {
                return Err(format!(
                    "`{part}` is not a scope segment: write `level:id`, as in `workspace:w1`"
                ));
            };
            let Some(&level) = policy.level_index.get(level_name) else {
                return Err(format!(
                    "scope level `{level_name}` is not declared{}",
                    crate::suggest::did_you_mean(
                        level_name,
                        policy.level_index.keys().map(|k| &**k)
                    )
                ));
            };
            if id.is_empty() {
                return Err(format!("scope segment `{part}` has an empty id"));
            }
            let level_parent = policy.levels.get(level).and_then(|l| l.parent);
            if level == policy.root {
                return Err(format!(
                    "`{root_name}` is the root level, the tenant itself: write the scope as `{root_name}` or leave it empty"
                ));
            }
            if level_parent != Some(parent) {
                let parent_name = policy.levels.get(parent).map_or("", |l| &l.name);
                return Err(format!(
                    "scope level `{level_name}` cannot stand directly below `{parent_name}`"
                ));
            }
            segments.push((level, Box::from(id)));
            parent = level;
        }
        Ok(ScopePath { segments })
    }
}
