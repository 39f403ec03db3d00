//! The warnings pass: what compiles but is likely a mistake. Grants and rules that no
//! request can reach (a role held below the level of the action it grants), and roles that
//! grant nothing. Runs only on a document without errors.

use super::catalog::Catalog;
use super::context::Context;
use super::levels::LevelTree;
use super::rules::RuleSet;
use super::{ActionId, Role, RoleId};
use crate::error::{Diagnostic, DocPath, ErrorCode};

/// Runs the pass.
#[inline(always)] // Called once, by `compile`: see there why it is inlined.
pub(super) fn compile_warnings(
    cx: &mut Context<'_>,
    levels: &LevelTree,
    catalog: &Catalog,
    roles: &[Role],
    rules: &RuleSet,
) {
    if !cx.errors.is_empty() {
        return;
    }
    let reach = Reach::new(levels, catalog, roles);
    for (id, role) in roles.iter().enumerate() {
        let base = DocPath::root().key("roles").key(&role.name);
        warn_unreachable_grants(cx, &reach, id, role, &base);
        warn_empty_role(cx, &reach, role, base);
    }
    for rule in &rules.rules {
        let held = rule
            .roles
            .iter()
            .fold(0, |m, r| m | reach.held.get(r).copied().unwrap_or(0));
        let reachable = rule.actions.iter().any(|a| reach.above(a) & held != 0);
        if !reachable {
            cx.warnings.push(
                Diagnostic::warning(
                    ErrorCode::NeverApplies,
                    DocPath::root().key("rules").key(&rule.name),
                    format!(
                        "rule `{}` never applies: none of its roles is held at the level of any of its actions or above",
                        rule.name
                    ),
                )
                .with_help("attach the rule to roles of the actions' level or above"),
            );
        }
    }
}

/// What the reach of a grant is computed from. Levels are at most 64 (see `LIMITS`), so
/// sets of levels are bit masks, and each question below is answered in constant time.
struct Reach<'a> {
    levels: &'a LevelTree,
    catalog: &'a Catalog,
    roles: &'a [Role],
    /// By role: the levels it is held at, as itself or included by another role.
    held: Vec<u64>,
    /// By level: the level and its ancestors.
    above: Vec<u64>,
}

impl<'a> Reach<'a> {
    fn new(levels: &'a LevelTree, catalog: &'a Catalog, roles: &'a [Role]) -> Self {
        let bit = |l: usize| 1u64.checked_shl(l as u32).unwrap_or(0);
        let mut held = vec![0; roles.len()];
        for x in roles {
            for &r in &x.expansion {
                if let Some(m) = held.get_mut(r) {
                    *m |= bit(x.level);
                }
            }
        }
        let above = (0..levels.levels.len())
            .map(|l| {
                (0..levels.levels.len())
                    .filter(|&a| levels.within(l, a))
                    .fold(0, |m, a| m | bit(a))
            })
            .collect();
        Reach {
            levels,
            catalog,
            roles,
            held,
            above,
        }
    }

    /// The levels at or above that of `action`.
    fn above(&self, action: ActionId) -> u64 {
        let level = self.catalog.actions.get(action).map(|a| a.level);
        level.and_then(|l| self.above.get(l)).copied().unwrap_or(0)
    }

    /// Whether a grant of `role` reaches `action`: some role holding it (itself, or a role
    /// that includes it) is held at the action's level or above.
    fn reaches(&self, role: RoleId, action: ActionId) -> bool {
        self.held
            .get(role)
            .is_some_and(|h| h & self.above(action) != 0)
    }
}

/// Warns, once per role, of the actions its own `allow` list grants that no request can
/// reach: the first of them is named, the others counted.
fn warn_unreachable_grants(
    cx: &mut Context<'_>,
    reach: &Reach<'_>,
    id: RoleId,
    role: &Role,
    base: &DocPath,
) {
    let mut unreachable = role.allow.iter().filter(|&a| !reach.reaches(id, a));
    let Some(first) = unreachable
        .next()
        .and_then(|a| reach.catalog.actions.get(a))
    else {
        return;
    };
    let more = unreachable.count();
    let levels = &reach.levels.levels;
    let level_name = levels.get(role.level).map_or("", |l| &l.name);
    let action_level = levels.get(first.level).map_or("", |l| &l.name);
    let what = match more {
        0 => format!(
            "grant of `{}` (a `{action_level}` action) never applies",
            first.name
        ),
        n => format!(
            "grants of `{}` (a `{action_level}` action) and of {n} more actions above its level never apply",
            first.name
        ),
    };
    cx.warnings.push(
        Diagnostic::warning(
            ErrorCode::NeverApplies,
            base.key("allow"),
            format!(
                "role `{}` is held at `{level_name}` scopes, so its {what}",
                role.name
            ),
        )
        .with_help("grant the action to a role of its level or above"),
    );
}

/// Warns when neither the role nor any role it includes grants anything.
fn warn_empty_role(cx: &mut Context<'_>, reach: &Reach<'_>, role: &Role, base: DocPath) {
    let grants_something = role.expansion.iter().any(|&r| {
        reach
            .roles
            .get(r)
            .is_some_and(|r| !r.allow.is_empty() || !r.allow_rules.is_empty())
    });
    if !grants_something && !reach.catalog.actions.is_empty() {
        cx.warnings.push(Diagnostic::warning(
            ErrorCode::EmptyRole,
            base,
            format!("role `{}` grants no action", role.name),
        ));
    }
}
