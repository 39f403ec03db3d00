//! The roles pass: each role's level, its own grants and the roles it includes.
//!
//! A role's `allow` patterns are expanded against the catalog into one bitset. Inclusion
//! is checked (a role includes only roles of its own level or below, and never itself,
//! directly or not) and flattened into one expansion list per role.

use super::catalog::Catalog;
use super::context::{Context, NAME_RULE, is_name};
use super::levels::LevelTree;
use super::{BitSet, Role, RoleId};
use crate::document::RoleDoc;
use crate::error::{DocPath, ErrorCode};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the roles pass produces.
pub(super) struct RoleTable {
    pub roles: Vec<Role>,
    pub index: BTreeMap<Arc<str>, RoleId>,
}

/// Runs the pass.
#[inline(always)] // Called once, by `compile`: see there why it is inlined.
pub(super) fn compile_roles(
    cx: &mut Context<'_>,
    levels: &LevelTree,
    catalog: &Catalog,
) -> RoleTable {
    let doc = cx.doc;
    let index = cx.names(&doc.roles, "roles", "role", is_name, NAME_RULE);
    let mut roles = Vec::new();
    let mut includes: Vec<Vec<RoleId>> = Vec::new();
    for (name, r) in doc.roles.iter() {
        let (role, direct) = compile_role(cx, levels, catalog, &index, name, r);
        roles.push(role);
        includes.push(direct);
    }
    check_includes(cx, levels, &roles, &includes);
    for (id, role) in roles.iter_mut().enumerate() {
        let mut expansion = Vec::new();
        expand_role(id, &includes, &mut expansion);
        role.expansion = expansion;
    }
    RoleTable { roles, index }
}

/// One role, and the roles it includes directly.
fn compile_role(
    cx: &mut Context<'_>,
    levels: &LevelTree,
    catalog: &Catalog,
    index: &BTreeMap<Arc<str>, RoleId>,
    name: &str,
    r: &RoleDoc,
) -> (Role, Vec<RoleId>) {
    let base = DocPath::root().key("roles").key(name);
    let level = levels
        .level_of(cx, &r.scope, base.key("scope"))
        .unwrap_or(levels.root);
    let mut allow = BitSet::new(catalog.actions.len());
    for (i, pattern) in r.allow.iter().enumerate() {
        match catalog.expand(pattern) {
            Ok(set) => allow.union_with(&set),
            Err((code, message)) => cx.error(code, base.key("allow").index(i), message),
        }
    }
    let mut direct = Vec::new();
    for (i, included) in r.includes.iter().enumerate() {
        match index.get(included.as_str()) {
            Some(&id) => direct.push(id),
            None => cx.error(
                ErrorCode::UnknownRole,
                base.key("includes").index(i),
                format!("role `{included}` is not declared"),
            ),
        }
    }
    let role = Role {
        name: Arc::from(name),
        label: r.label.clone(),
        level,
        cascade: r.cascade,
        expansion: Vec::new(),
        allow,
        allow_rules: Vec::new(),
    };
    (role, direct)
}

/// Reports inclusions of roles of a level that is not at or below the includer's, and
/// inclusion cycles (once per role on one, at its edge that leads back).
fn check_includes(
    cx: &mut Context<'_>,
    levels: &LevelTree,
    roles: &[Role],
    includes: &[Vec<RoleId>],
) {
    let root = levels.root;
    for (id, direct) in includes.iter().enumerate() {
        let Some((name, _)) = cx.doc.roles.0.get(id) else {
            continue;
        };
        let base = DocPath::root().key("roles").key(name).key("includes");
        let level = roles.get(id).map_or(root, |r| r.level);
        for (i, &inc) in direct.iter().enumerate() {
            let inc_level = roles.get(inc).map_or(root, |r| r.level);
            if !levels.levels.is_empty() && !levels.within(inc_level, level) {
                let inc_name = roles.get(inc).map_or("", |r| &r.name);
                let level_name = levels.levels.get(level).map_or("", |l| &l.name);
                cx.error_help(
                    ErrorCode::BadIncludeLevel,
                    base.index(i),
                    format!(
                        "role `{name}` (level `{level_name}`) includes `{inc_name}`, a role of a level that is not at or below `{level_name}`"
                    ),
                    "a role may include roles of its own level or of levels below it".into(),
                );
            }
        }
        if let Some(index) = find_cycle(id, includes) {
            let target = direct
                .get(index)
                .and_then(|&r| roles.get(r))
                .map_or("", |r| &r.name);
            cx.error(
                ErrorCode::IncludeCycle,
                base.index(index),
                format!("role `{name}` includes `{target}`, which includes `{name}` again"),
            );
        }
    }
}

/// The index in `includes[start]` of an edge that leads back to `start`, if any (a
/// depth-first search from each edge).
fn find_cycle(start: RoleId, includes: &[Vec<RoleId>]) -> Option<usize> {
    let direct = includes.get(start)?;
    for (i, &next) in direct.iter().enumerate() {
        let mut seen = vec![false; includes.len()];
        let mut stack = vec![next];
        while let Some(r) = stack.pop() {
            if r == start {
                return Some(i);
            }
            if seen.get(r).copied().unwrap_or(true) {
                continue;
            }
            if let Some(s) = seen.get_mut(r) {
                *s = true;
            }
            if let Some(more) = includes.get(r) {
                stack.extend(more.iter().copied());
            }
        }
    }
    None
}

/// `id` and every role it includes, depth first, each once.
fn expand_role(id: RoleId, includes: &[Vec<RoleId>], out: &mut Vec<RoleId>) {
    if out.contains(&id) {
        return;
    }
    out.push(id);
    if let Some(direct) = includes.get(id) {
        for &next in direct {
            expand_role(next, includes, out);
        }
    }
}
