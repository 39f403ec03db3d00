//! A deliberately simple evaluator, read straight from the document with no index.
//!
//! It follows the steps of a decision as `docs/POLICY.md` states them, one by one, and
//! exists to be compared with the compiled index ([`Session::check`](crate::Session::check))
//! by property tests. It assumes inputs that [`Policy::session`](crate::Policy::session)
//! accepts; it is slow on purpose.

use super::{Decision, Effect, Principal, Reason, Resource, Tenant};
use crate::document::condition::{self, AttrRef, AttrSource, Entity, Expr};
use crate::document::{ActionDoc, Document, RuleEffect};
use crate::value::{Value, ValueRef};
use std::sync::Arc;

fn root_level(doc: &Document) -> &str {
    doc.scopes
        .iter()
        .find(|(_, l)| l.parent.is_none())
        .map_or("", |(n, _)| n)
}

/// A scope instance as docs/POLICY.md writes it: empty or the root level's name for the
/// tenant, else `level:id` segments joined by `/`, each level declared and directly below
/// the one before it (the first below the root), each id non-empty, 1,024 bytes at most.
/// `None` for anything else: a malformed scope.
fn parse_scope(doc: &Document, text: &str) -> Option<Vec<(String, String)>> {
    let root = root_level(doc);
    if text.is_empty() || text == root {
        return Some(Vec::new());
    }
    if text.len() > 1024 {
        return None;
    }
    let mut out = Vec::new();
    let mut parent = root;
    for part in text.split('/') {
        let (level, id) = part.split_once(':')?;
        let declared = doc.scopes.get(level)?;
        if id.is_empty() || declared.parent.as_deref() != Some(parent) {
            return None;
        }
        out.push((level.to_owned(), id.to_owned()));
        parent = level;
    }
    Some(out)
}

fn render(doc: &Document, path: &[(String, String)]) -> String {
    if path.is_empty() {
        return root_level(doc).to_owned();
    }
    path.iter()
        .map(|(l, i)| format!("{l}:{i}"))
        .collect::<Vec<_>>()
        .join("/")
}

fn pattern_matches(doc: &Document, pattern: &str, action: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(tag) = pattern.strip_prefix("tag:") {
        return doc
            .actions
            .get(action)
            .is_some_and(|a| a.tags.iter().any(|t| t == tag));
    }
    if let Some(prefix) = pattern.strip_suffix(".*") {
        return action.starts_with(&format!("{prefix}."));
    }
    pattern == action
}

fn expand(doc: &Document, role: &str, out: &mut Vec<String>) {
    if out.iter().any(|r| r == role) {
        return;
    }
    out.push(role.to_owned());
    if let Some(r) = doc.roles.get(role) {
        for included in &r.includes {
            expand(doc, included, out);
        }
    }
}

struct Attrs<'a> {
    principal: &'a Principal,
    tenant: &'a Tenant,
    features: Value,
    plan: Value,
    resource: &'a Resource,
    /// Deciding for the most favourable resource of the kind: the resource's attributes
    /// (and its id and type, when not given) are unknown, and a condition they decide holds
    /// when that allows (an allow rule's), not when that denies (a deny rule's).
    favourable: bool,
}

impl AttrSource for Attrs<'_> {
    fn attr(&self, attr: &AttrRef) -> ValueRef<'_> {
        fn get<'a>(attrs: &'a crate::value::Attrs, name: &str) -> Option<ValueRef<'a>> {
            attrs.get(name).map(Value::as_ref)
        }
        let value = match (attr.entity, attr.name.as_str()) {
            (Entity::Principal, "id") => Some(ValueRef::Str(&self.principal.id)),
            (Entity::Resource, "id") => self.resource.id.as_deref().map(ValueRef::Str),
            (Entity::Resource, "type") => self.resource.kind.as_deref().map(ValueRef::Str),
            (Entity::Tenant, "id") => Some(ValueRef::Str(&self.tenant.id)),
            (Entity::Tenant, "plan") => Some(self.plan.as_ref()),
            (Entity::Tenant, "features") => Some(self.features.as_ref()),
            (Entity::Principal, _) => get(&self.principal.attrs, &attr.name),
            (Entity::Resource, _) => get(&self.resource.attrs, &attr.name),
            (Entity::Tenant, _) => get(&self.tenant.attrs, &attr.name),
        };
        value.unwrap_or(ValueRef::Null)
    }

    fn known(&self, attr: &AttrRef) -> bool {
        !self.favourable
            || attr.entity != Entity::Resource
            || match attr.name.as_str() {
                "id" => self.resource.id.is_some(),
                "type" => self.resource.kind.is_some(),
                _ => false,
            }
    }
}

/// A condition's value for the request: `Ok` with its truth, or `Err` with the attribute
/// (`resource.status`) the request lacks that leaves it undecided (docs/POLICY.md,
/// "Conditions"). Every term is evaluated; `&&` is false when a term is false, else
/// undecided when a term is (the first such, in the text's order), else true; `||` the
/// other way around.
fn truth(e: &Expr, attrs: &Attrs<'_>) -> Result<bool, String> {
    match e {
        Expr::Literal(Value::Bool(b), _) => Ok(*b),
        Expr::Literal(..) => Ok(false),
        Expr::Attr(a, _) => match attrs.attr(a) {
            ValueRef::Null => Err(a.to_string()),
            v => Ok(v == ValueRef::Bool(true)),
        },
        Expr::Has(a, _) => Ok(attrs.attr(a) != ValueRef::Null),
        Expr::Eq(l, r) => Ok(operand(l, attrs)? == operand(r, attrs)?),
        Expr::Ne(l, r) => Ok(operand(l, attrs)? != operand(r, attrs)?),
        Expr::In(l, r) => {
            let needle = operand(l, attrs)?;
            Ok(match operand(r, attrs)? {
                ValueRef::List(items) => items.iter().any(|i| i.as_ref() == needle),
                _ => false,
            })
        }
        Expr::And(terms) | Expr::Or(terms) => {
            let decisive = matches!(e, Expr::Or(_));
            let values: Vec<Result<bool, String>> = terms.iter().map(|t| truth(t, attrs)).collect();
            if values.contains(&Ok(decisive)) {
                return Ok(decisive);
            }
            values
                .into_iter()
                .find(Result::is_err)
                .unwrap_or(Ok(!decisive))
        }
        Expr::Not(inner) => truth(inner, attrs).map(|b| !b),
    }
}

/// The left operand is read before the right one: when both are missing, the left one is
/// named.
fn operand<'a>(e: &'a Expr, attrs: &'a Attrs<'_>) -> Result<ValueRef<'a>, String> {
    match e {
        Expr::Literal(v, _) => Ok(v.as_ref()),
        Expr::Attr(a, _) => match attrs.attr(a) {
            ValueRef::Null => Err(a.to_string()),
            v => Ok(v),
        },
        _ => truth(e, attrs).map(ValueRef::Bool),
    }
}

/// What a condition may be for the most favourable resource, over every value (or absence)
/// of the attributes it does not know.
struct May {
    /// True.
    t: bool,
    /// False.
    f: bool,
    /// Undecided.
    m: bool,
}

/// For the most favourable resource: whether the condition may be true, may be false and
/// may be undecided. A comparison reading an unknown attribute may be anything; `has` of
/// one true or false.
fn outcomes(e: &Expr, attrs: &Attrs<'_>) -> May {
    match e {
        Expr::And(terms) | Expr::Or(terms) => {
            let all: Vec<May> = terms.iter().map(|t| outcomes(t, attrs)).collect();
            let and = matches!(e, Expr::And(_));
            let every = |f: fn(&May) -> bool| all.iter().all(f);
            let some = |f: fn(&May) -> bool| all.iter().any(f);
            // Undecided when no term decides it and one is undecided.
            let m = if and {
                every(|o| o.t || o.m)
            } else {
                every(|o| o.f || o.m)
            } && some(|o| o.m);
            if and {
                May {
                    t: every(|o| o.t),
                    f: some(|o| o.f),
                    m,
                }
            } else {
                May {
                    t: some(|o| o.t),
                    f: every(|o| o.f),
                    m,
                }
            }
        }
        Expr::Not(inner) => {
            let May { t, f, m } = outcomes(inner, attrs);
            May { t: f, f: t, m }
        }
        Expr::Has(a, _) if !attrs.known(a) => May {
            t: true,
            f: true,
            m: false,
        },
        _ if e.attr_reads().iter().any(|a| !attrs.known(a)) => May {
            t: true,
            f: true,
            m: true,
        },
        _ => {
            let v = truth(e, attrs);
            May {
                t: v == Ok(true),
                f: v == Ok(false),
                m: v.is_err(),
            }
        }
    }
}

/// Whether a rule's condition holds for an allow rule (`allow`) or a deny rule: an allow
/// rule's when it is true, a deny rule's also when it is undecided (then with the missing
/// attribute). For the most favourable resource, an allow rule's holds when it may be
/// true, a deny rule's when it cannot be false.
fn holds(when: Option<&str>, attrs: &Attrs<'_>, allow: bool) -> (bool, Option<String>) {
    let Some(text) = when else {
        return (true, None);
    };
    let Ok(e) = condition::parse(text) else {
        return (false, None);
    };
    if attrs.favourable {
        let may = outcomes(&e, attrs);
        return (if allow { may.t } else { !may.f }, None);
    }
    match truth(&e, attrs) {
        Ok(b) => (b, None),
        Err(missing) => (!allow, Some(missing)),
    }
}

fn deny(reason: Reason) -> Decision {
    Decision {
        effect: Effect::Deny,
        reason,
        role: None,
        scope: None,
        rule: None,
        hint: None,
        missing: None,
    }
}

/// Decides from the document alone, step by step. Asked without a particular resource (no
/// id, no attributes) where a grant's condition failed, the decision for the most
/// favourable resource of the kind: an allow is `conditional`, a lock stays a lock.
pub fn decide(
    doc: &Document,
    principal: &Principal,
    tenant: &Tenant,
    action: &str,
    resource: &Resource,
) -> Decision {
    let known = decide_for(doc, principal, tenant, action, resource, false);
    // What the resource's attributes decide: a conditional grant that did not hold, or a
    // deny rule that applied for want of one of them.
    let open = known.reason == Reason::ConditionFailed
        || (known.reason == Reason::DeniedByRule
            && known
                .missing
                .as_deref()
                .is_some_and(|m| m.starts_with("resource.")));
    if open && resource.id.is_none() && resource.attrs.is_empty() {
        let best = decide_for(doc, principal, tenant, action, resource, true);
        match best.effect {
            Effect::Allow => {
                return Decision {
                    effect: Effect::Conditional,
                    reason: Reason::Conditional,
                    ..best
                };
            }
            Effect::Locked => return best,
            _ => {}
        }
    }
    known
}

/// Steps 1 to 6, for the resource as given or (`favourable`) the most favourable one.
fn decide_for(
    doc: &Document,
    principal: &Principal,
    tenant: &Tenant,
    action: &str,
    resource: &Resource,
    favourable: bool,
) -> Decision {
    let Some(act) = doc.actions.get(action) else {
        return deny(Reason::UnknownAction);
    };
    let granted = match roles_and_rules(doc, principal, tenant, action, resource, favourable) {
        Ok(granted) => granted,
        Err(denial) => return denial,
    };
    // Steps 5 and 6.
    gates(doc, principal, act, tenant, granted)
}

/// Steps 1 to 4: the grant, or the denial.
fn roles_and_rules(
    doc: &Document,
    principal: &Principal,
    tenant: &Tenant,
    action: &str,
    resource: &Resource,
    favourable: bool,
) -> Result<Decision, Decision> {
    // Step 1.
    let Some(act) = doc.actions.get(action) else {
        return Err(deny(Reason::UnknownAction));
    };
    let Some(path) = decided_scope(doc, act, resource) else {
        return Err(deny(Reason::BadScope));
    };
    if reads_resource(doc, action) && mistyped(doc, resource) {
        return Err(deny(Reason::BadAttribute));
    }
    // Step 2.
    let applicable = applicable_roles(doc, principal, &path);
    let features = tenant_features(doc, tenant);
    let attrs = Attrs {
        principal,
        tenant,
        features: Value::List(
            doc.features
                .iter()
                .filter(|(f, _)| features.iter().any(|g| g == f))
                .map(|(f, _)| Value::String(f.to_owned()))
                .collect(),
        ),
        plan: tenant.plan.clone().map_or(Value::Null, Value::String),
        resource,
        favourable,
    };
    // Step 3.
    if let Some(denial) = deny_by_rule(doc, action, &applicable, &attrs) {
        return Err(denial);
    }
    // Step 4.
    grant(doc, action, &applicable, &attrs)
}

/// Step 1: the resource's scope, cut to the action's level when that level is above it.
fn decided_scope(
    doc: &Document,
    act: &ActionDoc,
    resource: &Resource,
) -> Option<Vec<(String, String)>> {
    let mut path = parse_scope(doc, &resource.scope)?;
    if act.scope == root_level(doc) {
        path.clear();
    } else if let Some(i) = path.iter().position(|(l, _)| *l == act.scope) {
        path.truncate(i + 1);
    } else {
        // Above the action's level is fine; another branch of the tree is not.
        let level = path.last().map_or(root_level(doc), |(l, _)| l.as_str());
        let mut above = Some(act.scope.as_str());
        while let Some(l) = above {
            if l == level {
                return Some(path);
            }
            above = doc.scopes.get(l).and_then(|s| s.parent.as_deref());
        }
        return None;
    }
    Some(path)
}

/// Whether a rule covering the action reads the resource.
fn reads_resource(doc: &Document, action: &str) -> bool {
    doc.rules.iter().any(|(_, rule)| {
        covers(doc, &rule.actions, action)
            && rule
                .when
                .as_deref()
                .is_some_and(|w| condition::parse(w).is_ok_and(|e| e.reads(Entity::Resource)))
    })
}

/// Whether a declared resource attribute has a value of another type. The built-in
/// attributes count as declared: an `attrs` entry named `id` or `type` must be a string.
fn mistyped(doc: &Document, resource: &Resource) -> bool {
    resource.attrs.iter().any(|(name, value)| {
        let attr = AttrRef {
            entity: Entity::Resource,
            name: name.clone(),
        };
        condition::builtin_type(&attr)
            .or_else(|| doc.attributes.resource.get(name).copied())
            .is_some_and(|ty| !crate::decide::session::type_matches(ty, value))
    })
}

/// Step 2: the applicable roles, each with the scope where it is held.
fn applicable_roles(
    doc: &Document,
    principal: &Principal,
    path: &[(String, String)],
) -> Vec<(String, String)> {
    let mut applicable: Vec<(String, String)> = Vec::new();
    for assignment in &principal.roles {
        let Some(held) = parse_scope(doc, &assignment.scope) else {
            continue;
        };
        let cascade = doc.roles.get(&assignment.role).is_some_and(|r| r.cascade);
        let applies =
            held == path || (cascade && held.len() < path.len() && path.starts_with(&held));
        if !applies {
            continue;
        }
        let mut expanded = Vec::new();
        expand(doc, &assignment.role, &mut expanded);
        for role in expanded {
            if !applicable.iter().any(|(r, _)| *r == role) {
                applicable.push((role, render(doc, &held)));
            }
        }
    }
    applicable
}

/// The tenant's features: its own list, then those of its plan.
fn tenant_features(doc: &Document, tenant: &Tenant) -> Vec<String> {
    let mut features: Vec<String> = tenant.features.clone();
    if let Some(plan) = tenant.plan.as_deref().and_then(|p| doc.plans.get(p)) {
        features.extend(plan.features.iter().cloned());
    }
    features
}

fn attached(roles: &[String], role: &str) -> bool {
    roles.iter().any(|r| r == "*" || r == role)
}

fn covers(doc: &Document, patterns: &[String], action: &str) -> bool {
    patterns.iter().any(|p| pattern_matches(doc, p, action))
}

/// Step 3: the first deny rule that covers the action for an applicable role and holds.
fn deny_by_rule(
    doc: &Document,
    action: &str,
    applicable: &[(String, String)],
    attrs: &Attrs<'_>,
) -> Option<Decision> {
    for (name, rule) in doc.rules.iter() {
        if rule.effect != RuleEffect::Deny || !covers(doc, &rule.actions, action) {
            continue;
        }
        let Some((role, scope)) = applicable.iter().find(|(r, _)| attached(&rule.roles, r)) else {
            continue;
        };
        if let (true, missing) = holds(rule.when.as_deref(), attrs, false) {
            return Some(Decision {
                effect: Effect::Deny,
                reason: Reason::DeniedByRule,
                role: Some(Arc::from(role.as_str())),
                scope: Some(Arc::from(scope.as_str())),
                rule: Some(Arc::from(name)),
                hint: None,
                missing: missing.map(Arc::from),
            });
        }
    }
    None
}

/// Step 4: the grant of the first applicable role that grants, or the denial.
fn grant(
    doc: &Document,
    action: &str,
    applicable: &[(String, String)],
    attrs: &Attrs<'_>,
) -> Result<Decision, Decision> {
    let mut failed: Option<(&str, Option<String>)> = None;
    for (role, scope) in applicable {
        let Some(r) = doc.roles.get(role) else {
            continue;
        };
        let granted = |rule: Option<&str>| Decision {
            effect: Effect::Allow,
            reason: Reason::Granted,
            role: Some(Arc::from(role.as_str())),
            scope: Some(Arc::from(scope.as_str())),
            rule: rule.map(Arc::from),
            hint: None,
            missing: None,
        };
        if covers(doc, &r.allow, action) {
            return Ok(granted(None));
        }
        for (name, rule) in doc.rules.iter() {
            if rule.effect != RuleEffect::Allow
                || !attached(&rule.roles, role)
                || !covers(doc, &rule.actions, action)
            {
                continue;
            }
            match holds(rule.when.as_deref(), attrs, true) {
                (true, _) => return Ok(granted(Some(name))),
                (false, missing) => {
                    failed.get_or_insert((name, missing));
                }
            }
        }
    }
    Err(match failed {
        Some((name, missing)) => Decision {
            rule: Some(Arc::from(name)),
            missing: missing.map(Arc::from),
            ..deny(Reason::ConditionFailed)
        },
        None if applicable.is_empty() => deny(Reason::NotMember),
        None => deny(Reason::NoGrant),
    })
}

/// Step 5: the grant, locked with its hint when the tenant lacks the action's feature or
/// is on none of its plans; else (step 6) the grant as it is.
fn gates(
    doc: &Document,
    principal: &Principal,
    act: &ActionDoc,
    tenant: &Tenant,
    mut decision: Decision,
) -> Decision {
    let features = tenant_features(doc, tenant);
    if let Some(feature) = &act.feature {
        if !features.iter().any(|f| f == feature) {
            decision.effect = Effect::Locked;
            decision.reason = Reason::FeatureDisabled;
            let f = doc.features.get(feature);
            // Whoever is granted the feature's `enable` action at the tenant (steps 1 to 4,
            // for a resource with nothing but the root scope) is told how to enable it.
            let enable_hint = f.and_then(|f| {
                let enable = f.enable.as_deref()?;
                let tenant_itself = Resource::default();
                roles_and_rules(doc, principal, tenant, enable, &tenant_itself, false)
                    .ok()
                    .and(f.enable_hint.clone())
            });
            decision.hint = enable_hint
                .or_else(|| act.hint.clone())
                .or_else(|| f.and_then(|f| f.hint.clone()))
                .or_else(|| {
                    let label = f.and_then(|f| f.label.clone()).unwrap_or(feature.clone());
                    Some(format!("{label} is not enabled"))
                })
                .map(Arc::from);
            return decision;
        }
    }
    if !act.plans.is_empty() && !tenant.plan.as_ref().is_some_and(|p| act.plans.contains(p)) {
        decision.effect = Effect::Locked;
        decision.reason = Reason::PlanRequired;
        let names: Vec<String> = act
            .plans
            .iter()
            .map(|p| {
                doc.plans
                    .get(p)
                    .and_then(|plan| plan.label.clone())
                    .unwrap_or(p.clone())
            })
            .collect();
        decision.hint =
            Some(Arc::from(act.hint.clone().unwrap_or_else(|| {
                format!("requires the {} plan", names.join(" or "))
            })));
    }
    decision
}
