//! Validation and compilation of the `team` section and of plan limits.

use super::{BitSet, Compiler, LevelId, Role, RoleId};
use crate::document::Document;
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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct TeamRules {
    /// Roles exactly one member holds.
    pub unique: BitSet,
    /// Roles whose holders only they themselves may change.
    pub protected: BitSet,
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
    c: &mut Compiler,
    role_index: &BTreeMap<Arc<str>, RoleId>,
    count: usize,
    names: &[String],
    path: &DocPath,
) -> BitSet {
    let mut set = BitSet::new(count);
    for (i, name) in names.iter().enumerate() {
        match role_index.get(name.as_str()) {
            Some(&id) => set.insert(id),
            None => c.error(
                ErrorCode::UnknownRole,
                path.index(i),
                format!("role `{name}` is not declared"),
            ),
        }
    }
    set
}

pub(super) fn compile_team(
    c: &mut Compiler,
    doc: &Document,
    roles: &[Role],
    role_index: &BTreeMap<Arc<str>, RoleId>,
    level_index: &BTreeMap<Arc<str>, LevelId>,
    root: LevelId,
) -> TeamRules {
    let base = DocPath::root().key("team");
    let count = roles.len();
    let role_set = |c: &mut Compiler, names: &[String], path: DocPath| -> BitSet {
        roles_named(c, role_index, count, names, &path)
    };
    let team = &doc.team;
    let unique = role_set(c, &team.unique, base.key("unique"));
    let protected = role_set(c, &team.protected, base.key("protected"));
    let mut manage = vec![
        Manage {
            assign: BitSet::new(count),
            remove: BitSet::new(count),
            scopes: false,
        };
        count
    ];
    for (name, m) in team.manage.iter() {
        let path = base.key("manage").key(name);
        let assign = role_set(c, &m.assign, path.key("assign"));
        let remove = role_set(c, &m.remove, path.key("remove"));
        match role_index.get(name) {
            Some(&id) => {
                if let Some(slot) = manage.get_mut(id) {
                    *slot = Manage {
                        assign,
                        remove,
                        scopes: m.scopes,
                    };
                }
            }
            None => c.error(
                ErrorCode::UnknownRole,
                path,
                format!("role `{name}` is not declared"),
            ),
        }
    }
    let root_role = |c: &mut Compiler, name: &str, path: DocPath| -> Option<RoleId> {
        let Some(&id) = role_index.get(name) else {
            c.error(
                ErrorCode::UnknownRole,
                path,
                format!("role `{name}` is not declared"),
            );
            return None;
        };
        if roles.get(id).is_some_and(|r| r.level != root) {
            c.error(
                ErrorCode::BadScopeLevel,
                path,
                format!("role `{name}` is not an organization role: ownership moves between organization roles"),
            );
            return None;
        }
        Some(id)
    };
    let transfer = team.transfer.as_ref().and_then(|t| {
        let path = base.key("transfer");
        let role = root_role(c, &t.role, path.key("role"));
        let previous = root_role(c, &t.previous, path.key("previous"));
        let mut to = BitSet::new(count);
        for (i, name) in t.to.iter().enumerate() {
            if let Some(id) = root_role(c, name, path.key("to").index(i)) {
                to.insert(id);
            }
        }
        Some(Transfer {
            role: role?,
            to,
            previous: previous?,
        })
    });
    let lint_doc = &team.lint;
    let lpath = base.key("lint");
    let mut scope_owner_roles = Vec::new();
    for (level, names) in lint_doc.scope_owner_roles.iter() {
        let path = lpath.key("scope_owner_roles").key(level);
        let set = role_set(c, names, path.clone());
        match level_index.get(level) {
            Some(&l) => scope_owner_roles.push((l, set)),
            None => c.error(
                ErrorCode::BadScopeLevel,
                path,
                format!("scope level `{level}` is not declared"),
            ),
        }
    }
    let lint = Lint {
        admin_roles: role_set(c, &lint_doc.admin_roles, lpath.key("admin_roles")),
        min_admins: lint_doc.min_admins,
        max_admins: lint_doc.max_admins,
        reviewer_roles: role_set(c, &lint_doc.reviewer_roles, lpath.key("reviewer_roles")),
        inactive_days: lint_doc.inactive_days,
        scope_owner_roles,
    };
    let mut limits = Vec::new();
    for (plan, p) in doc.plans.iter() {
        let mut list = Vec::new();
        for (key, &n) in p.limits.iter() {
            if key == "seats" {
                list.push((Limited::Seats, n));
            } else if let Some(&l) = level_index.get(key) {
                if l == root {
                    c.error(
                        ErrorCode::BadScopeLevel,
                        DocPath::root()
                            .key("plans")
                            .key(plan)
                            .key("limits")
                            .key(key),
                        format!(
                            "`{key}` is the organization itself: limit `seats` or a level below it"
                        ),
                    );
                }
                list.push((Limited::Scopes(l), n));
            } else {
                c.error(
                    ErrorCode::BadScopeLevel,
                    DocPath::root()
                        .key("plans")
                        .key(plan)
                        .key("limits")
                        .key(key),
                    format!("`{key}` is neither `seats` nor a declared scope level"),
                );
            }
        }
        limits.push(list);
    }
    TeamRules {
        unique,
        protected,
        manage,
        transfer,
        require_org_member: team.require_org_member.unwrap_or(true),
        lint,
        limits,
    }
}
