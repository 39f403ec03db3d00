//! Readable accounts of decisions, step by step.

use super::scope::ScopePath;
use super::{Decision, Effect, Reason};
use crate::compile::{Action, ActionId, Compiled, Role, RoleId, Rule, RuleId};
use serde::Serialize;
use std::fmt;

/// One step of an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainStep {
    /// The step of the decision order (1 to 6).
    pub step: u8,
    /// What the step looks at.
    pub title: &'static str,
    /// What it found.
    pub finding: String,
    /// Whether this step decided.
    pub decided: bool,
}

impl ExplainStep {
    pub(crate) fn new(step: u8, title: &'static str, finding: String, decided: bool) -> Self {
        ExplainStep {
            step,
            title,
            finding,
            decided,
        }
    }
}

/// Why a decision came out as it did: the decision and the steps that led to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The action asked about.
    pub action: String,
    /// The resource's scope as given.
    pub scope: String,
    /// The decision, equal to what `check` answers.
    pub decision: Decision,
    /// The steps, in order.
    pub steps: Vec<ExplainStep>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = if self.scope.is_empty() {
            "the tenant"
        } else {
            &self.scope
        };
        writeln!(f, "{} at `{scope}`: {}", self.action, self.decision)?;
        for step in &self.steps {
            let mark = if step.decided { "  <- decided" } else { "" };
            writeln!(f, "  {}. {}: {}{mark}", step.step, step.title, step.finding)?;
        }
        Ok(())
    }
}

fn level_name(p: &Compiled, level: usize) -> &str {
    p.levels.get(level).map_or("", |l| &l.name)
}

pub(crate) fn action_step(
    p: &Compiled,
    act: &Action,
    given: &ScopePath,
    used: &ScopePath,
) -> ExplainStep {
    let mut finding = format!("`{}` is a `{}` action", act.name, level_name(p, act.level));
    if given != used {
        finding.push_str(&format!(
            "; `{}` is decided at its `{}` scope, `{}`",
            given.render(p),
            level_name(p, act.level),
            used.render(p)
        ));
    } else {
        finding.push_str(&format!("; decided at `{}`", used.render(p)));
    }
    ExplainStep::new(1, "action", finding, false)
}

pub(crate) fn roles_step(
    p: &Compiled,
    assignments: &[(RoleId, &ScopePath, &str)],
    path: &ScopePath,
    applicable: &[(RoleId, usize)],
) -> ExplainStep {
    let role_name = |r: RoleId| p.roles.get(r).map_or("", |r| &*r.name);
    let mut parts = Vec::new();
    if assignments.is_empty() {
        parts.push("the principal holds no role".to_owned());
    }
    for &(role, scope, text) in assignments {
        let r = p.roles.get(role);
        let cascade = r.is_some_and(|r| r.cascade);
        let status = if *scope == *path {
            "applies here".to_owned()
        } else if scope.is_prefix_of(path) && cascade {
            "applies here by cascade".to_owned()
        } else if scope.is_prefix_of(path) {
            "does not apply: it does not cascade to scopes below".to_owned()
        } else {
            format!("does not apply at `{}`", path.render(p))
        };
        parts.push(format!("`{}` at `{text}` {status}", role_name(role)));
    }
    let included: Vec<&str> = applicable
        .iter()
        .filter(|(r, ai)| assignments.get(*ai).is_some_and(|a| a.0 != *r))
        .map(|(r, _)| role_name(*r))
        .collect();
    if !included.is_empty() {
        parts.push(format!("included roles: `{}`", included.join("`, `")));
    }
    let decided = applicable.is_empty();
    if decided {
        parts.push("no role applies here, so the principal is not a member (not_member): assign a role at this scope or a cascading one above it".into());
    }
    ExplainStep::new(2, "roles", parts.join("; "), false)
}

pub(crate) fn deny_step(
    rule: &Rule,
    role: Option<&Role>,
    matched: bool,
    missing: Option<u32>,
) -> ExplainStep {
    let condition = rule
        .condition_text
        .as_deref()
        .map_or(String::new(), |c| format!(" (when `{c}`)"));
    let missing = missing.and_then(|i| {
        Some(
            rule.condition
                .as_ref()?
                .attr_reads()
                .get(usize::try_from(i).ok()?)?
                .to_string(),
        )
    });
    if matched {
        let role = role.map_or("", |r| &*r.name);
        let why = match missing {
            Some(attr) => format!(
                "applies for role `{role}`: its condition cannot be decided without `{attr}`, which the request lacks, and an undecided deny rule applies"
            ),
            None => format!("matches for role `{role}`"),
        };
        ExplainStep::new(
            3,
            "deny rules",
            format!(
                "deny rule `{}`{condition} {why}: deny wins over every allow",
                rule.name
            ),
            true,
        )
    } else {
        ExplainStep::new(
            3,
            "deny rules",
            format!(
                "deny rule `{}` covers the action, but its condition{condition} is false",
                rule.name
            ),
            false,
        )
    }
}

/// Step 1 for a scope in another branch of the scope tree than the action's level.
pub(crate) fn foreign_scope_step(p: &Compiled, act: &Action, path: &ScopePath) -> ExplainStep {
    ExplainStep::new(
        1,
        "action",
        format!(
            "`{}` is a `{}` action, and `{}` is a `{}` scope, neither within one nor above it: the action does not exist there (bad_scope)",
            act.name,
            level_name(p, act.level),
            path.render(p),
            level_name(p, path.level(p)),
        ),
        true,
    )
}

/// After a denial at step 4, how to get the action: the roles that grant it, each at the
/// scope where holding it would apply here (the decided scope at the role's level, or an
/// ancestor's for a cascading role of a level above).
pub(crate) fn how_to_get(p: &Compiled, action: ActionId, path: &ScopePath) -> String {
    let level = path.level(p);
    let mut ways: Vec<String> = Vec::new();
    for role in &p.roles {
        let rules: Vec<&Rule> = role
            .allow_rules
            .iter()
            .filter_map(|&r| p.rules.get(r))
            .filter(|r| r.actions.contains(action))
            .collect();
        if !role.allow.contains(action) && rules.is_empty() {
            continue;
        }
        let at = if role.level == level {
            path.clone()
        } else if role.cascade && p.level_is_within(level, role.level) {
            path.cut_to_level(p, role.level)
        } else {
            continue;
        };
        let mut way = format!("`{}` at `{}`", role.name, at.render(p));
        if !role.allow.contains(action) {
            let conditions: Vec<&str> = rules
                .iter()
                .filter_map(|r| r.condition_text.as_deref())
                .collect();
            if !conditions.is_empty() {
                way.push_str(&format!(" (when `{}`)", conditions.join("` or `")));
            }
        }
        ways.push(way);
    }
    if ways.is_empty() {
        "; no role of the policy grants it at this scope".to_owned()
    } else {
        format!("; to get it, hold {}", ways.join(", or "))
    }
}

pub(crate) fn grant_step(
    p: &Compiled,
    act: &Action,
    decision: &Decision,
    failed: Option<RuleId>,
) -> ExplainStep {
    let finding = match decision.reason {
        Reason::Granted => {
            let role = decision.role.as_deref().unwrap_or("");
            let scope = decision.scope.as_deref().unwrap_or("");
            match &decision.rule {
                Some(rule) => format!(
                    "role `{role}` (held at `{scope}`) is granted `{}` by rule `{rule}`",
                    act.name
                ),
                None => format!("role `{role}` (held at `{scope}`) allows `{}`", act.name),
            }
        }
        Reason::ConditionFailed => {
            let rule = failed.and_then(|r| p.rules.get(r));
            let name = rule.map_or("", |r| &*r.name);
            let condition = rule.and_then(|r| r.condition_text.as_deref()).unwrap_or("");
            match &decision.missing {
                Some(attr) => format!(
                    "only rule `{name}` would grant `{}`, and its condition `{condition}` cannot be decided without `{attr}`, which the request lacks: an undecided condition grants nothing (condition_failed)",
                    act.name
                ),
                None => format!(
                    "only rule `{name}` would grant `{}`, and its condition `{condition}` is false (condition_failed)",
                    act.name
                ),
            }
        }
        Reason::NotMember => format!(
            "no role applies, so nothing grants `{}` (not_member)",
            act.name
        ),
        _ => format!("no applicable role grants `{}` (no_grant)", act.name),
    };
    ExplainStep::new(4, "grants", finding, decision.effect == Effect::Deny)
}

pub(crate) fn gate_step(p: &Compiled, act: &Action, decision: &Decision) -> ExplainStep {
    let feature = act.feature.and_then(|f| p.features.get(f));
    let finding = match decision.reason {
        Reason::FeatureDisabled => format!(
            "feature `{}` is not enabled for the tenant, so the action is locked: {}",
            feature.map_or("", |f| &*f.name),
            decision.hint.as_deref().unwrap_or("")
        ),
        Reason::PlanRequired => format!(
            "the tenant's plan is not one of `{}`, so the action is locked: {}",
            act.plans
                .iter()
                .filter_map(|&pl| p.plans.get(pl).map(|pl| &*pl.name))
                .collect::<Vec<_>>()
                .join("`, `"),
            decision.hint.as_deref().unwrap_or("")
        ),
        _ if feature.is_none() && act.plans.is_empty() => {
            "the action has no feature or plan gate".into()
        }
        _ => "the tenant meets the action's feature and plan gates".into(),
    };
    ExplainStep::new(5, "gates", finding, decision.effect == Effect::Locked)
}

/// Asked without a particular resource, where the resource given failed a grant's
/// condition: the decision for the most favourable resource of the kind, `conditional` (or
/// locked by a gate).
pub(crate) fn conditional_step(p: &Compiled, decision: &Decision) -> ExplainStep {
    let role = decision.role.as_deref().unwrap_or("");
    let scope = decision.scope.as_deref().unwrap_or("");
    let rule = decision.rule.as_deref().unwrap_or("");
    let condition = p
        .rules
        .iter()
        .find(|r| &*r.name == rule)
        .and_then(|r| r.condition_text.as_deref())
        .unwrap_or("");
    let then = match decision.effect {
        Effect::Conditional => {
            "so it is conditional: show the entry, and check with the resource to decide".to_owned()
        }
        _ => format!(
            "but the action is locked for them too: {}",
            decision.hint.as_deref().unwrap_or("")
        ),
    };
    ExplainStep::new(
        6,
        "result",
        format!(
            "no particular resource was given (no id, no attributes): role `{role}` (held at `{scope}`) is granted the action by rule `{rule}` for the resources where `{condition}` holds, {then}"
        ),
        false,
    )
}

pub(crate) fn result_step(decision: &Decision) -> ExplainStep {
    let finding = match decision.effect {
        Effect::Allow => "allowed".to_owned(),
        Effect::Locked => "locked: show it disabled, with the hint".to_owned(),
        Effect::Deny => "denied".to_owned(),
        Effect::Conditional => "conditional: check with the resource".to_owned(),
    };
    ExplainStep::new(6, "result", finding, decision.effect == Effect::Allow)
}
