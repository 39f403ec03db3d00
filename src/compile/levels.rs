//! The levels pass: the `scopes` section becomes the tree of scope levels.
//!
//! Checks each level's name and parent, that exactly one level (the tenant) is the root,
//! and that no level is its own ancestor; levels on or below a cycle are cut loose so that
//! the passes after this one terminate.

use super::context::{Context, NAME_RULE, is_name};
use super::{Level, LevelId};
use crate::error::{DocPath, ErrorCode};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the levels pass produces.
pub(super) struct LevelTree {
    pub levels: Vec<Level>,
    pub root: LevelId,
    pub index: BTreeMap<Arc<str>, LevelId>,
}

impl LevelTree {
    /// The id of a level named in the document; an undeclared name is an error at `path`.
    pub fn level_of(&self, cx: &mut Context<'_>, name: &str, path: DocPath) -> Option<LevelId> {
        match self.index.get(name) {
            Some(&l) => Some(l),
            None => {
                let known: Vec<&str> = cx.doc.scopes.iter().map(|(n, _)| n).collect();
                cx.error_help(
                    ErrorCode::BadScopeLevel,
                    path,
                    format!(
                        "scope level `{name}` is not declared{}",
                        crate::suggest::did_you_mean(name, known.iter().copied())
                    ),
                    format!("declared levels: {}", known.join(", ")),
                );
                None
            }
        }
    }

    /// Whether `ancestor` is `level` or one of its ancestors.
    pub fn within(&self, level: LevelId, ancestor: LevelId) -> bool {
        level_within(&self.levels, level, ancestor)
    }
}

/// Whether `ancestor` is `level` or one of its ancestors, in a tree that may still hold a
/// cycle (the walk stops after as many steps as there are levels).
pub(super) fn level_within(levels: &[Level], level: LevelId, ancestor: LevelId) -> bool {
    let mut current = Some(level);
    let mut steps = 0;
    while let Some(l) = current {
        if l == ancestor {
            return true;
        }
        steps += 1;
        if steps > levels.len() {
            return false;
        }
        current = levels.get(l).and_then(|l| l.parent);
    }
    false
}

/// Runs the pass.
#[inline(always)] // Called once, by `compile`: see there why it is inlined.
pub(super) fn compile_levels(cx: &mut Context<'_>) -> LevelTree {
    let doc = cx.doc;
    let index = cx.names(&doc.scopes, "scopes", "scope level", is_name, NAME_RULE);
    let mut levels = declare_levels(cx, &index);
    let root = find_root(cx);
    let parents: Vec<Option<LevelId>> = levels.iter().map(|l| l.parent).collect();
    let cyclic: Vec<bool> = (0..levels.len())
        .map(|start| on_cycle(&parents, start))
        .collect();
    report_cycles(cx, &parents, &cyclic);
    cut_cycles(&mut levels, &parents, &cyclic);
    LevelTree {
        levels,
        root,
        index,
    }
}

/// The levels in document order, each linked to its declared parent.
fn declare_levels(cx: &mut Context<'_>, index: &BTreeMap<Arc<str>, LevelId>) -> Vec<Level> {
    let doc = cx.doc;
    let mut levels: Vec<Level> = doc
        .scopes
        .iter()
        .map(|(name, l)| Level {
            name: Arc::from(name),
            label: l.label.clone(),
            parent: None,
            depth: 0,
        })
        .collect();
    for ((name, l), level) in doc.scopes.iter().zip(levels.iter_mut()) {
        if let Some(parent) = &l.parent {
            match index.get(parent.as_str()) {
                Some(&p) => level.parent = Some(p),
                None => cx.error(
                    ErrorCode::BadScopeLevel,
                    DocPath::root().key("scopes").key(name).key("parent"),
                    format!(
                        "scope level `{parent}` is not declared{}",
                        crate::suggest::did_you_mean(parent, doc.scopes.iter().map(|(n, _)| n))
                    ),
                ),
            }
        }
    }
    levels
}

/// The one level declared without a parent; every other case is an error.
fn find_root(cx: &mut Context<'_>) -> LevelId {
    let doc = cx.doc;
    let scopes = DocPath::root().key("scopes");
    // Declared without a parent (an undeclared parent leaves `parent` empty too).
    let roots: Vec<LevelId> = doc
        .scopes
        .iter()
        .enumerate()
        .filter(|(_, (_, l))| l.parent.is_none())
        .map(|(i, _)| i)
        .collect();
    match roots.as_slice() {
        [only] => return *only,
        [] if doc.scopes.is_empty() => cx.error_help(
            ErrorCode::BadScopeTree,
            scopes,
            "no scope level is declared".into(),
            "declare at least the tenant level: `[scopes] org = {}`".into(),
        ),
        [] => cx.error(
            ErrorCode::BadScopeTree,
            scopes,
            "every scope level has a parent: one level (the tenant) must have none".into(),
        ),
        [_, rest @ ..] => {
            for &i in rest {
                let name = doc.scopes.0.get(i).map_or("", |(n, _)| n.as_str());
                cx.error(
                    ErrorCode::BadScopeTree,
                    scopes.key(name),
                    format!(
                        "scope level `{name}` has no parent, but another level is already the root"
                    ),
                );
            }
        }
    }
    0
}

/// Whether the parents of `start` lead back to it.
fn on_cycle(parents: &[Option<LevelId>], start: LevelId) -> bool {
    let mut current = parents.get(start).copied().flatten();
    for _ in 0..parents.len() {
        match current {
            Some(l) if l == start => return true,
            Some(l) => current = parents.get(l).copied().flatten(),
            None => return false,
        }
    }
    false
}

/// Reports each cycle once, at its first member in document order.
fn report_cycles(cx: &mut Context<'_>, parents: &[Option<LevelId>], cyclic: &[bool]) {
    let mut reported = vec![false; parents.len()];
    for i in 0..parents.len() {
        if !cyclic.get(i).copied().unwrap_or(false) || reported.get(i).copied().unwrap_or(true) {
            continue;
        }
        let mut members = vec![i];
        let mut current = parents.get(i).copied().flatten();
        while let Some(l) = current {
            if l == i {
                break;
            }
            members.push(l);
            current = parents.get(l).copied().flatten();
        }
        for &m in &members {
            if let Some(r) = reported.get_mut(m) {
                *r = true;
            }
        }
        let names: Vec<&str> = members
            .iter()
            .filter_map(|&m| cx.doc.scopes.0.get(m).map(|(n, _)| n.as_str()))
            .collect();
        let name = names.first().copied().unwrap_or("");
        let message = if names.len() == 1 {
            format!("scope level `{name}` is its own parent")
        } else {
            format!(
                "scope levels `{}` form a cycle: each is an ancestor of the others",
                names.join("`, `")
            )
        };
        cx.error(
            ErrorCode::ScopeCycle,
            DocPath::root().key("scopes").key(name).key("parent"),
            message,
        );
    }
}

/// Sets each level's depth; levels on or below a cycle lose their parent instead.
fn cut_cycles(levels: &mut [Level], parents: &[Option<LevelId>], cyclic: &[bool]) {
    let count = levels.len();
    for (i, level) in levels.iter_mut().enumerate() {
        let mut depth = 0;
        let mut current = parents.get(i).copied().flatten();
        let mut broken = cyclic.get(i).copied().unwrap_or(false);
        while let Some(l) = current {
            if cyclic.get(l).copied().unwrap_or(false) || depth > count {
                broken = true;
                break;
            }
            depth += 1;
            current = parents.get(l).copied().flatten();
        }
        if broken {
            level.parent = None;
        } else {
            level.depth = depth;
        }
    }
}
