//! The compiled form of each rule: where the decision path finds it and what deciding with
//! it costs, chosen once at compile time (as ripgrep's globset sorts each glob into its
//! cheapest `MatchStrategy`).
//!
//! A role's own `allow` list needs no choice: it is always a bitset of actions, one bit
//! test per decision (the roles pass builds it). A rule of the `rules` section takes one of
//! the forms of [`RuleStrategy`], which [`choose_strategy`] picks and [`place_rule`] writes
//! into the index.

use super::rules::RuleSet;
use super::{Action, Role, Rule, RuleId};
use crate::document::RuleEffect;
use crate::document::condition::Entity;

/// Where a rule sits in the compiled index, and what it evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RuleStrategy {
    /// In the policy's list of deny rules, scanned before any grant, and only for the
    /// actions of `deny_any` (the union of every deny rule's actions), so that checks of
    /// actions no deny rule covers skip the scan.
    Deny(Evaluation),
    /// In the `allow_rules` of each of its roles, tried after the role's own bitset. (Not
    /// folded into that bitset even without a condition: a grant by a rule names the rule in
    /// the decision.)
    Allow(Evaluation),
}

/// What a rule evaluates when it covers the action and one of its roles applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Evaluation {
    /// No condition: the rule holds, nothing is evaluated.
    Always,
    /// A condition on the principal and the tenant only: evaluated per request, but the
    /// decisions of the rule's actions still depend on the resource's scope alone.
    Session,
    /// A condition that reads `resource.*`: evaluated per request, and the rule's actions are
    /// marked [`Action::reads_resource`], so that checks with resource details are not
    /// answered from a scope's row.
    Resource,
}

/// The cheapest form that keeps the rule's meaning.
pub(super) fn choose_strategy(rule: &Rule) -> RuleStrategy {
    let evaluation = match &rule.condition {
        None => Evaluation::Always,
        Some(condition) if condition.reads(Entity::Resource) => Evaluation::Resource,
        Some(_) => Evaluation::Session,
    };
    match rule.effect {
        RuleEffect::Deny => RuleStrategy::Deny(evaluation),
        RuleEffect::Allow => RuleStrategy::Allow(evaluation),
    }
}

/// Writes rule `id` into the index in the form `strategy` says. Called in document order,
/// so that every list keeps the rules in that order.
pub(super) fn place_rule(
    id: RuleId,
    rule: &Rule,
    strategy: RuleStrategy,
    roles: &mut [Role],
    actions: &mut [Action],
    set: &mut RuleSet,
) {
    let evaluation = match strategy {
        RuleStrategy::Deny(evaluation) => {
            set.deny_rules.push(id);
            set.deny_any.union_with(&rule.actions);
            evaluation
        }
        RuleStrategy::Allow(evaluation) => {
            for role in rule.roles.iter() {
                if let Some(role) = roles.get_mut(role) {
                    role.allow_rules.push(id);
                }
            }
            evaluation
        }
    };
    if evaluation == Evaluation::Resource {
        for action in rule.actions.iter() {
            if let Some(action) = actions.get_mut(action) {
                action.reads_resource = true;
            }
        }
    }
}
