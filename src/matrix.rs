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
