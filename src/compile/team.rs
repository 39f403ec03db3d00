//! The team pass: validation and compilation of the `team` section and of plan limits.

use super::context::Context;
use super::levels::LevelTree;
use super::roles::RoleTable;
use super::{BitSet, LevelId, RoleId};
use crate::document::{TeamLintDoc, TransferDoc};
use crate::error::{DocPath, ErrorCode};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the holders of one role may do to the team.
#[derive(Debug, Clone)]
pub struct Manage {
    /// Roles they may give.
    pub assign: BitSet,
    /// Roles whose holders they may remove or change.
    pub remove: BitSet,
    /// Whether they may create and delete scopes.
    pub scopes: bool,
}

/// Ownership transfer.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// The role handed over.
    pub role: RoleId,
    /// Roles the new holder must have.
    pub to: BitSet,
    /// What the previous holder becomes.
    pub previous: RoleId,
}

/// What a plan limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// Members, invited ones included.
    Seats,
    /// Scopes of a level.
    Scopes(LevelId),
}

/// The hygiene thresholds.
#[derive(Debug, Clone, Default)]
pub struct Lint {
    /// Roles that count as admin access.
    pub admin_roles: BitSet,
    /// Minimum number of active admins.
    pub min_admins: Option<u32>,
    /// Maximum number of admins.
    pub max_admins: Option<u32>,
    /// Roles that give review access.
    pub reviewer_roles: BitSet,
    /// Days of inactivity reported.
    pub inactive_days: Option<u32>,
    /// Per level: roles one of which someone must hold in each scope of that level.
    pub scope_owner_roles: Vec<(LevelId, BitSet)>,
}

/// The compiled team rules.
#[derive(Debug, Clone, Default)]
pub struct TeamRules {
    /// Roles exactly one member holds.
    pub unique: BitSet,
    /// Roles whose holders only they themselves may change.
    pub protected: BitSet,
    /// By role id: the least number of active holders (in the organization, or in each
    /// scope of the role's level); 0 for none.
    pub min_holders: Vec<u32>,
    /// By role id.
    pub manage: Vec<Manage>,
    /// Ownership transfer, if the policy allows it.
    pub transfer: Option<Transfer>,
    /// Whether scope memberships need an active organization member.
    pub require_org_member: bool,
    /// The hygiene thresholds.
    pub lint: Lint,
    /// By plan id: its limits.
    pub limits: Vec<Vec<(Limited, u32)>>,
}

/// The roles of a list of names; unknown names are errors at `path[i]`.
#[inline(never)]
fn roles_named(
    cx: &mut Context<'_>,
    role_index: &BTreeMap<Arc<str>, RoleId>,
    count: usize,
    names: &[String],
    path: &DocPath,
) -> BitSet {
    let mut set = BitSet::new(count);
    for (i, name) in names.iter().enumerate() {
        match role_index.get(name.as_str()) {
            Some(&id) => set.insert(id),
            None => cx.error(
                ErrorCode::UnknownRole,
                path.index(i),
                format!("role `{name}` is not declared"),
            ),
        }
    }
    set
}

/// The role set named at `path` (see [`roles_named`]).
fn role_set(cx: &mut Context<'_>, roles: &RoleTable, names: &[String], path: DocPath) -> BitSet {
    roles_named(cx, &roles.index, roles.roles.len(), names, &path)
}

/// Runs the pass.
#[inline(always)] // Called once, by `compile`: see there why it is inlined.
pub(super) fn compile_team(
    cx: &mut Context<'_>,
    roles: &RoleTable,
    levels: &LevelTree,
) -> TeamRules {
    let base = DocPath::root().key("team");
    let team = &cx.doc.team;
    let unique = role_set(cx, roles, &team.unique, base.key("unique"));
    let protected = role_set(cx, roles, &team.protected, base.key("protected"));
    let min_holders = compile_min_holders(cx, roles, &unique);
    let manage = compile_manage(cx, roles);
    let transfer = team
        .transfer
        .as_ref()
        .and_then(|t| compile_transfer(cx, roles, levels.root, t));
    let lint = compile_lint(cx, roles, levels, &team.lint);
    let limits = compile_limits(cx, levels);
    TeamRules {
        unique,
        protected,
        min_holders,
        manage,
        transfer,
        require_org_member: team.require_org_member.unwrap_or(true),
        lint,
        limits,
    }
}

/// By role id: the least number of holders, 0 for none. A minimum of 0 asks nothing,
/// and a unique role never has more than one holder: both are mistakes.
fn compile_min_holders(cx: &mut Context<'_>, roles: &RoleTable, unique: &BitSet) -> Vec<u32> {
    let mut out = vec![0; roles.roles.len()];
    for (name, &min) in cx.doc.team.min_holders.iter() {
        let path = DocPath::root().key("team").key("min_holders").key(name);
        match roles.index.get(name) {
            None => cx.error(
                ErrorCode::UnknownRole,
                path,
                format!("role `{name}` is not declared"),
            ),
            Some(&id) if min == 0 || (min > 1 && unique.contains(id)) => cx.error(
                ErrorCode::BadValue,
                path,
                format!(
                    "`{name}` cannot keep {min} holders: ask for 1 or more, and 1 for a unique role"
                ),
            ),
            Some(&id) => {
                if let Some(slot) = out.get_mut(id) {
                    *slot = min;
                }
            }
        }
    }
    out
}

/// By role id: what its holders may do to the team.
fn compile_manage(cx: &mut Context<'_>, roles: &RoleTable) -> Vec<Manage> {
    let count = roles.roles.len();
    let base = DocPath::root().key("team").key("manage");
    let mut manage = vec![
        Manage {
            assign: BitSet::new(count),
            remove: BitSet::new(count),
            scopes: false,
        };
        count
    ];
    for (name, m) in cx.doc.team.manage.iter() {
        let path = base.key(name);
        let assign = role_set(cx, roles, &m.assign, path.key("assign"));
        let remove = role_set(cx, roles, &m.remove, path.key("remove"));
        match roles.index.get(name) {
            Some(&id) => {
                if let Some(slot) = manage.get_mut(id) {
                    *slot = Manage {
                        assign,
                        remove,
                        scopes: m.scopes,
                    };
                }
            }
            None => cx.error(
                ErrorCode::UnknownRole,
                path,
                format!("role `{name}` is not declared"),
            ),
        }
    }
    manage
}

/// An organization role named at `path`: ownership moves between those only.
fn root_role(
    cx: &mut Context<'_>,
    roles: &RoleTable,
    root: LevelId,
    name: &str,
    path: DocPath,
) -> Option<RoleId> {
    let Some(&id) = roles.index.get(name) else {
        cx.error(
            ErrorCode::UnknownRole,
            path,
            format!("role `{name}` is not declared"),
        );
        return None;
    };
    if roles.roles.get(id).is_some_and(|r| r.level != root) {
        cx.error(
            ErrorCode::BadScopeLevel,
            path,
            format!("role `{name}` is not an organization role: ownership moves between organization roles"),
        );
        return None;
    }
    Some(id)
}

/// Ownership transfer; none when one of its roles is wrong (and reported).
fn compile_transfer(
    cx: &mut Context<'_>,
    roles: &RoleTable,
    root: LevelId,
    t: &TransferDoc,
) -> Option<Transfer> {
    let path = DocPath::root().key("team").key("transfer");
    let role = root_role(cx, roles, root, &t.role, path.key("role"));
    let previous = root_role(cx, roles, root, &t.previous, path.key("previous"));
    let mut to = BitSet::new(roles.roles.len());
    for (i, name) in t.to.iter().enumerate() {
        if let Some(id) = root_role(cx, roles, root, name, path.key("to").index(i)) {
            to.insert(id);
        }
    }
    Some(Transfer {
        role: role?,
        to,
        previous: previous?,
    })
}

/// The hygiene thresholds.
fn compile_lint(
    cx: &mut Context<'_>,
    roles: &RoleTable,
    levels: &LevelTree,
    lint_doc: &TeamLintDoc,
) -> Lint {
    let lpath = DocPath::root().key("team").key("lint");
    let mut scope_owner_roles = Vec::new();
    for (level, names) in lint_doc.scope_owner_roles.iter() {
        let path = lpath.key("scope_owner_roles").key(level);
        let set = role_set(cx, roles, names, path.clone());
        match levels.index.get(level) {
            Some(&l) => scope_owner_roles.push((l, set)),
            None => cx.error(
                ErrorCode::BadScopeLevel,
                path,
                format!("scope level `{level}` is not declared"),
            ),
        }
    }
    Lint {
        admin_roles: role_set(cx, roles, &lint_doc.admin_roles, lpath.key("admin_roles")),
        min_admins: lint_doc.min_admins,
        max_admins: lint_doc.max_admins,
        reviewer_roles: role_set(
            cx,
            roles,
            &lint_doc.reviewer_roles,
            lpath.key("reviewer_roles"),
        ),
        inactive_days: lint_doc.inactive_days,
        scope_owner_roles,
    }
}

/// By plan id: what it limits (seats, or scopes of a level below the organization).
fn compile_limits(cx: &mut Context<'_>, levels: &LevelTree) -> Vec<Vec<(Limited, u32)>> {
    let mut limits = Vec::new();
    for (plan, p) in cx.doc.plans.iter() {
        let mut list = Vec::new();
        for (key, &n) in p.limits.iter() {
            let path = || {
                DocPath::root()
                    .key("plans")
                    .key(plan)
                    .key("limits")
                    .key(key)
            };
            if key == "seats" {
                list.push((Limited::Seats, n));
            } else if let Some(&l) = levels.index.get(key) {
                if l == levels.root {
                    cx.error(
                        ErrorCode::BadScopeLevel,
                        path(),
                        format!(
                            "`{key}` is the organization itself: limit `seats` or a level below it"
                        ),
                    );
                }
                list.push((Limited::Scopes(l), n));
            } else {
                cx.error(
                    ErrorCode::BadScopeLevel,
                    path(),
                    format!("`{key}` is neither `seats` nor a declared scope level"),
                );
            }
        }
        limits.push(list);
    }
    limits
}
