//! Who gains and who loses what between two versions of a policy, read off their role x
//! action matrices ([`crate::matrix`]).

use crate::Policy;
use crate::matrix::{Cell, Matrix};
use serde::Serialize;

/// One difference between two policies' matrices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A role now grants an action it did not (or grants it on fewer conditions).
    Gains {
        /// The role.
        role: String,
        /// The action.
        action: String,
        /// The cell before.
        before: Cell,
        /// The cell after.
        after: Cell,
    },
    /// A role no longer grants an action (or only on a condition now).
    Loses {
        /// The role.
        role: String,
        /// The action.
        action: String,
        /// The cell before.
        before: Cell,
        /// The cell after.
        after: Cell,
    },
    /// An action added to the catalog.
    ActionAdded {
        /// The action.
        action: String,
    },
    /// An action removed from the catalog.
    ActionRemoved {
        /// The action.
        action: String,
    },
    /// A role added.
    RoleAdded {
        /// The role.
        role: String,
    },
    /// A role removed.
    RoleRemoved {
        /// The role.
        role: String,
    },
}

fn rank(cell: Cell) -> u8 {
    match cell {
        Cell::No => 0,
        Cell::Conditional => 1,
        Cell::Yes => 2,
    }
}

/// Who gains and who loses what between two versions of a policy: the matrix cells of the
/// roles and actions both have, then the roles and actions added and removed.
pub fn diff(old: &Policy, new: &Policy) -> Vec<Change> {
    let (a, b) = (Matrix::of(old), Matrix::of(new));
    let mut out = Vec::new();
    for (ci, role) in b.roles.iter().enumerate() {
        let Some(oi) = a.roles.iter().position(|r| r == role) else {
            continue;
        };
        for row in &b.rows {
            let Some(old_row) = a.rows.iter().find(|r| r.action == row.action) else {
                continue;
            };
            let (Some(&before), Some(&after)) = (old_row.cells.get(oi), row.cells.get(ci)) else {
                continue;
            };
            let (role, action) = (role.clone(), row.action.clone());
            if rank(after) > rank(before) {
                out.push(Change::Gains {
                    role,
                    action,
                    before,
                    after,
                });
            } else if rank(after) < rank(before) {
                out.push(Change::Loses {
                    role,
                    action,
                    before,
                    after,
                });
            }
        }
    }
    for row in &b.rows {
        if !a.rows.iter().any(|r| r.action == row.action) {
            out.push(Change::ActionAdded {
                action: row.action.clone(),
            });
        }
    }
    for row in &a.rows {
        if !b.rows.iter().any(|r| r.action == row.action) {
            out.push(Change::ActionRemoved {
                action: row.action.clone(),
            });
        }
    }
    for role in &b.roles {
        if !a.roles.contains(role) {
            out.push(Change::RoleAdded { role: role.clone() });
        }
    }
    for role in &a.roles {
        if !b.roles.contains(role) {
            out.push(Change::RoleRemoved { role: role.clone() });
        }
    }
    out
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Gains {
                role,
                action,
                before,
                after,
            } => {
                write!(
                    f,
                    "+ `{role}` gains `{action}` ({} -> {})",
                    before.as_str(),
                    after.as_str()
                )
            }
            Change::Loses {
                role,
                action,
                before,
                after,
            } => {
                write!(
                    f,
                    "- `{role}` loses `{action}` ({} -> {})",
                    before.as_str(),
                    after.as_str()
                )
            }
            Change::ActionAdded { action } => write!(f, "+ action `{action}` added"),
            Change::ActionRemoved { action } => write!(f, "- action `{action}` removed"),
            Change::RoleAdded { role } => write!(f, "+ role `{role}` added"),
            Change::RoleRemoved { role } => write!(f, "- role `{role}` removed"),
        }
    }
}
