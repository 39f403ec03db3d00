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
    let expansions = expand_roles(&includes);
    check_includes(cx, levels, &roles, &includes, &expansions);
    for (role, expansion) in roles.iter_mut().zip(expansions) {
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
                format!(
                    "role `{included}` is not declared{}",
                    crate::suggest::did_you_mean(included, index.keys().map(|k| &**k))
                ),
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
    expansions: &[Vec<RoleId>],
) {
    let root = levels.root;
    let sets: Vec<BitSet> = expansions
        .iter()
        .map(|e| {
            let mut set = BitSet::new(roles.len());
            e.iter().for_each(|&r| set.insert(r));
            set
        })
        .collect();
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
        // One error per cycle: at the first role of the roles that reach each other, at
        // its first edge that leads back.
        let reaches = |from: RoleId, to: RoleId| sets.get(from).is_some_and(|e| e.contains(to));
        let back = direct.iter().position(|&next| reaches(next, id));
        let first = || (0..id).all(|j| !(reaches(id, j) && reaches(j, id)));
        if let Some(index) = back.filter(|_| first()) {
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

/// For each role: itself and every role it includes, depth first, each once. Iterative
/// (no recursion, whatever the depth), and linear in what it produces: a role reached
/// again is recognized by the mark of the expansion in progress.
fn expand_roles(includes: &[Vec<RoleId>]) -> Vec<Vec<RoleId>> {
    let mut mark = vec![usize::MAX; includes.len()];
    let mut stack = Vec::new();
    let mut out = Vec::with_capacity(includes.len());
    for id in 0..includes.len() {
        let mut expansion = Vec::new();
        stack.push(id);
        while let Some(r) = stack.pop() {
            match mark.get_mut(r) {
                Some(m) if *m != id => *m = id,
                _ => continue,
            }
            expansion.push(r);
            if let Some(next) = includes.get(r) {
                stack.extend(next.iter().rev());
            }
        }
        out.push(expansion);
    }
    out
}
