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
    let reach = Reach {
        levels,
        catalog,
        roles,
    };
    for (id, role) in roles.iter().enumerate() {
        let base = DocPath::root().key("roles").key(&role.name);
        warn_unreachable_grants(cx, &reach, id, role, &base);
        warn_empty_role(cx, &reach, role, base);
    }
    for rule in &rules.rules {
        let reachable = rule
            .roles
            .iter()
            .any(|r| rule.actions.iter().any(|a| reach.reaches(r, a)));
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

/// What the reach of a grant is computed from.
struct Reach<'a> {
    levels: &'a LevelTree,
    catalog: &'a Catalog,
    roles: &'a [Role],
}

impl Reach<'_> {
    /// Whether a grant of `role` reaches `action`: some role holding it (itself, or a role
    /// that includes it) is held at the action's level or above.
    fn reaches(&self, role: RoleId, action: ActionId) -> bool {
        let Some(a) = self.catalog.actions.get(action) else {
            return false;
        };
        self.roles
            .iter()
            .any(|x| x.expansion.contains(&role) && self.levels.within(a.level, x.level))
    }
}

/// Warns of each action the role's own `allow` list grants that no request can reach.
fn warn_unreachable_grants(
    cx: &mut Context<'_>,
    reach: &Reach<'_>,
    id: RoleId,
    role: &Role,
    base: &DocPath,
) {
    for action in role.allow.iter() {
        let Some(a) = reach.catalog.actions.get(action) else {
            continue;
        };
        if reach.reaches(id, action) {
            continue;
        }
        let levels = &reach.levels.levels;
        let level_name = levels.get(role.level).map_or("", |l| &l.name);
        let action_level = levels.get(a.level).map_or("", |l| &l.name);
        cx.warnings.push(
            Diagnostic::warning(
                ErrorCode::NeverApplies,
                base.key("allow"),
                format!(
                    "role `{}` is held at `{level_name}` scopes, so its grant of `{}` (a `{action_level}` action) never applies",
                    role.name, a.name
                ),
            )
            .with_help("grant the action to a role of its level or above"),
        );
    }
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
