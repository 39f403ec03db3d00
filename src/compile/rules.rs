//! The rules pass: each rule's roles and actions resolved, its condition parsed and
//! type-checked, and the rule placed in the index in its compiled form (see
//! [`strategy`](super::strategy)).

use super::catalog::Catalog;
use super::context::{Context, NAME_RULE, is_name};
use super::roles::RoleTable;
use super::strategy::{choose_strategy, place_rule};
use super::{Action, BitSet, Role, Rule, RuleId};
use crate::document::condition::{self, AttrRef, ConditionErrorKind, Expr};
use crate::document::{AttrType, RuleDoc};
use crate::error::{Diagnostic, DocPath, ErrorCode};
use std::sync::Arc;

/// What the rules pass produces.
pub(crate) struct RuleSet {
    pub rules: Vec<Rule>,
    /// Deny rules, in document order.
    pub deny_rules: Vec<RuleId>,
    /// Union of the actions of every deny rule.
    pub deny_any: BitSet,
}

/// Runs the pass. Adds each allow rule to its roles' `allow_rules` and marks the actions
/// of rules that read the resource.
#[inline(always)] // Called once, by `compile`: see there why it is inlined.
pub(super) fn compile_rules(
    cx: &mut Context<'_>,
    catalog: &mut Catalog,
    roles: &mut RoleTable,
) -> RuleSet {
    let doc = cx.doc;
    let _ = cx.names(&doc.rules, "rules", "rule", is_name, NAME_RULE);
    let mut rules = Vec::new();
    for (name, r) in doc.rules.iter() {
        rules.push(compile_rule(cx, catalog, roles, name, r));
    }
    place_rules(rules, &mut roles.roles, &mut catalog.actions)
}

/// Places every rule in the index in its compiled form ([`choose_strategy`]), in document
/// order: the deny list, each role's allow rules, the actions that read the resource. The
/// compiler and the artifact loader both build the index this way.
pub(crate) fn place_rules(rules: Vec<Rule>, roles: &mut [Role], actions: &mut [Action]) -> RuleSet {
    let mut set = RuleSet {
        rules: Vec::new(),
        deny_rules: Vec::new(),
        deny_any: BitSet::new(actions.len()),
    };
    for (id, rule) in rules.iter().enumerate() {
        let strategy = choose_strategy(rule);
        place_rule(id, rule, strategy, roles, actions, &mut set);
    }
    set.rules = rules;
    set
}

/// One rule, its roles and actions resolved and its condition checked.
fn compile_rule(
    cx: &mut Context<'_>,
    catalog: &Catalog,
    roles: &RoleTable,
    name: &str,
    r: &RuleDoc,
) -> Rule {
    let base = DocPath::root().key("rules").key(name);
    let mut attached = BitSet::new(roles.roles.len());
    if r.roles.is_empty() {
        cx.error(
            ErrorCode::EmptyRule,
            base.key("roles"),
            format!("rule `{name}` is attached to no role: list roles, or `*` for every role"),
        );
    }
    for (i, role) in r.roles.iter().enumerate() {
        if role == "*" {
            attached = BitSet::full(roles.roles.len());
        } else {
            match roles.index.get(role.as_str()) {
                Some(&id) => attached.insert(id),
                None => cx.error(
                    ErrorCode::UnknownRole,
                    base.key("roles").index(i),
                    format!(
                        "role `{role}` is not declared{}",
                        crate::suggest::did_you_mean(role, roles.index.keys().map(|k| &**k))
                    ),
                ),
            }
        }
    }
    let mut covered = BitSet::new(catalog.actions.len());
    if r.actions.is_empty() {
        cx.error(
            ErrorCode::EmptyRule,
            base.key("actions"),
            format!("rule `{name}` covers no action"),
        );
    }
    for (i, pattern) in r.actions.iter().enumerate() {
        match catalog.expand(pattern) {
            Ok(set) => covered.union_with(&set),
            Err((code, message)) => cx.error(code, base.key("actions").index(i), message),
        }
    }
    let condition = r
        .when
        .as_deref()
        .and_then(|text| compile_condition(cx, catalog, text, base.key("when")));
    Rule {
        name: Arc::from(name),
        effect: r.effect,
        roles: attached,
        actions: covered,
        condition,
        condition_text: r.when.clone(),
    }
}

/// A rule's condition, parsed and type-checked against the declared attributes; an error
/// carries the column inside the condition, which `source` turns into a document position.
fn compile_condition(
    cx: &mut Context<'_>,
    catalog: &Catalog,
    text: &str,
    path: DocPath,
) -> Option<Expr> {
    let attribute_type = |attr: &AttrRef| -> Option<AttrType> {
        catalog
            .attributes
            .get(&(attr.entity, attr.name.clone()))
            .copied()
    };
    let checked = condition::parse(text).and_then(|e| {
        condition::check(&e, &attribute_type)?;
        Ok(e)
    });
    match checked {
        Ok(e) => Some(e),
        Err(err) => {
            let code = match err.kind {
                ConditionErrorKind::Syntax => ErrorCode::BadCondition,
                ConditionErrorKind::UnknownAttribute => ErrorCode::UnknownAttribute,
                ConditionErrorKind::TypeMismatch => ErrorCode::TypeMismatch,
                ConditionErrorKind::Limit => ErrorCode::LimitExceeded,
            };
            let mut d = Diagnostic::error(
                code,
                path,
                format!(
                    "{} (at column {} of the condition)",
                    err.message, err.column
                ),
            );
            d.column = u32::try_from(err.column).ok();
            cx.errors.push(d);
            None
        }
    }
}
