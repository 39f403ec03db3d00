//! The role x action matrix: which role grants which action, as the products' help pages
//! print it.

use crate::Policy;
use crate::compile::{ActionId, Compiled, RoleId};
use crate::document::RuleEffect;
use serde::Serialize;
use std::fmt::Write;

/// One cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// The role grants the action wherever it holds.
    Yes,
    /// The role never grants the action.
    No,
    /// The role grants the action when a condition holds (its own numbers, say).
    Conditional,
}

impl Cell {
    /// `yes`, `no` or `conditional`: the serialized form.
    pub fn code(self) -> &'static str {
        match self {
            Cell::Yes => "yes",
            Cell::No => "no",
            Cell::Conditional => "conditional",
        }
    }

    /// `Yes`, `No` or `Conditional`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cell::Yes => "Yes",
            Cell::No => "No",
            Cell::Conditional => "Conditional",
        }
    }
}

/// A row: an action and a cell per role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The action's name.
    pub action: String,
    /// Its label (the name when it has none).
    pub label: String,
    /// One cell per column.
    pub cells: Vec<Cell>,
}

/// The whole matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    /// Role names, one per column.
    pub roles: Vec<String>,
    /// Role labels (the names when they have none).
    pub columns: Vec<String>,
    /// One row per action, in catalog order.
    pub rows: Vec<Row>,
}

/// What a role grants for an action, held at a scope of its own level, before gates.
pub(crate) fn cell(policy: &Compiled, role: RoleId, action: ActionId) -> Cell {
    let (Some(r), Some(a)) = (policy.roles.get(role), policy.actions.get(action)) else {
        return Cell::No;
    };
    let reaches = a.level == r.level || (r.cascade && policy.level_is_within(a.level, r.level));
    if !reaches {
        return Cell::No;
    }
    let mut conditional = false;
    for &rid in &policy.deny_rules {
        let Some(rule) = policy.rules.get(rid) else {
            continue;
        };
        if rule.actions.contains(action) && r.expansion.iter().any(|&e| rule.roles.contains(e)) {
            if rule.condition.is_none() {
                return Cell::No;
            }
            conditional = true;
        }
    }
    let mut granted = None;
    for &e in &r.expansion {
        let Some(er) = policy.roles.get(e) else {
            continue;
        };
        if er.allow.contains(action) {
            granted = Some(Cell::Yes);
            break;
        }
        for &rid in &er.allow_rules {
            let Some(rule) = policy.rules.get(rid) else {
                continue;
            };
            if rule.effect == RuleEffect::Allow && rule.actions.contains(action) {
                let c = if rule.condition.is_none() {
                    Cell::Yes
                } else {
                    Cell::Conditional
                };
                if granted != Some(Cell::Yes) {
                    granted = Some(c);
                }
            }
        }
    }
    match granted {
        Some(Cell::Yes) if conditional => Cell::Conditional,
        Some(c) => c,
        None => Cell::No,
    }
}

impl Matrix {
    /// The matrix of a policy: every action against every role.
    pub fn of(policy: &Policy) -> Matrix {
        let p = &*policy.inner;
        Matrix {
            roles: p.roles.iter().map(|r| r.name.to_string()).collect(),
            columns: p
                .roles
                .iter()
                .map(|r| r.label.clone().unwrap_or_else(|| r.name.to_string()))
                .collect(),
            rows: p
                .actions
                .iter()
                .enumerate()
                .map(|(aid, a)| Row {
                    action: a.name.to_string(),
                    label: a.label.clone().unwrap_or_else(|| a.name.to_string()),
                    cells: (0..p.roles.len()).map(|rid| cell(p, rid, aid)).collect(),
                })
                .collect(),
        }
    }

    /// A Markdown table, `Capability | role | role ...`.
    pub fn to_markdown(&self) -> String {
        let escape = |s: &str| s.replace('|', "\\|");
        let mut out = String::from("| Capability |");
        for c in &self.columns {
            let _ = write!(out, " {} |", escape(c));
        }
        out.push_str("\n|---|");
        for _ in &self.columns {
            out.push_str("---|");
        }
        out.push('\n');
        for row in &self.rows {
            let _ = write!(out, "| {} |", escape(&row.label));
            for c in &row.cells {
                let _ = write!(out, " {} |", c.as_str());
            }
            out.push('\n');
        }
        out
    }

    /// CSV with a header row; fields quoted where needed.
    pub fn to_csv(&self) -> String {
        fn field(s: &str) -> String {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        }
        let mut out = String::from("Capability");
        for c in &self.columns {
            out.push(',');
            out.push_str(&field(c));
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&field(&row.label));
            for c in &row.cells {
                out.push(',');
                out.push_str(c.as_str());
            }
            out.push('\n');
        }
        out
    }

    /// An HTML table.
    pub fn to_html(&self) -> String {
        fn esc(s: &str) -> String {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        }
        let mut out = String::from("<table>\n<thead><tr><th>Capability</th>");
        for c in &self.columns {
            let _ = write!(out, "<th>{}</th>", esc(c));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            let _ = write!(
                out,
                "<tr><th scope=\"row\" title=\"{}\">{}</th>",
                esc(&row.action),
                esc(&row.label)
            );
            for c in &row.cells {
                let _ = write!(out, "<td class=\"{}\">{}</td>", c.code(), c.as_str());
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

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

/// TypeScript unions of a policy's names, for typed checks in a frontend.
pub fn typescript(policy: &Policy) -> String {
    let union = |names: Vec<String>| -> String {
        if names.is_empty() {
            return " never".to_owned();
        }
        names
            .iter()
            .map(|n| format!("\n  | {}", serde_json::Value::String(n.clone())))
            .collect()
    };
    let p = &*policy.inner;
    let name = policy.name().unwrap_or("policy");
    format!(
        "// The names of policy `{name}`, written by `rolegate types`.\n\
         export type Action ={};\n\
         export type Role ={};\n\
         export type ScopeLevel ={};\n\
         export type Feature ={};\n\
         export type Plan ={};\n",
        union(p.actions.iter().map(|a| a.name.to_string()).collect()),
        union(p.roles.iter().map(|r| r.name.to_string()).collect()),
        union(p.levels.iter().map(|l| l.name.to_string()).collect()),
        union(p.features.iter().map(|f| f.name.to_string()).collect()),
        union(p.plans.iter().map(|pl| pl.name.to_string()).collect()),
    )
}
