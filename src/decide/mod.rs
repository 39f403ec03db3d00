//! Decisions: [`Session`], [`Decision`], [`Explanation`].

mod explain;
mod input;
#[cfg(any(test, feature = "test-util"))]
pub mod reference;
pub(crate) mod scope;

pub use explain::{ExplainStep, Explanation};
pub use input::{Principal, Resource, RoleAssignment, Tenant};

use crate::Policy;
use crate::compile::{ActionId, Compiled, RoleId, RuleId};
use crate::document::AttrType;
use crate::document::condition::{self, AttrRef, AttrSource, Entity};
use crate::error::{DocPath, InputError, InputErrorCode, codes};
use crate::value::{Attrs, Value, ValueRef};
use scope::ScopePath;
use serde::Serialize;
use serde::ser::SerializeStruct;
use std::fmt;
use std::sync::Arc;

/// What the UI does with a decision: show, disable with the hint, or hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Allowed: show and enable.
    Allow,
    /// Not allowed: hide.
    Deny,
    /// Allowed by role but gated by a feature or plan: show disabled, with the hint.
    Locked,
}

impl Effect {
    /// `allow`, `deny` or `locked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
            Effect::Locked => "locked",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

codes! {
    /// Why a decision came out as it did. The codes are stable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Reason {
        /// A role granted the action.
        Granted = "granted",
        /// No role of the principal applies at the resource's scope.
        NotMember = "not_member",
        /// Roles apply, but none grants the action.
        NoGrant = "no_grant",
        /// A deny rule matched.
        DeniedByRule = "denied_by_rule",
        /// Only conditional grants covered the action, and their conditions were false.
        ConditionFailed = "condition_failed",
        /// The action needs a feature the tenant has not enabled.
        FeatureDisabled = "feature_disabled",
        /// The action needs a plan the tenant is not on.
        PlanRequired = "plan_required",
        /// The action is not in the catalog.
        UnknownAction = "unknown_action",
        /// The resource's scope cannot be read.
        BadScope = "bad_scope",
    }
}

/// The answer to "may this principal do this action on this resource".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allow, deny or locked.
    pub effect: Effect,
    /// The stable reason code.
    pub reason: Reason,
    /// The role that decided (granted, or carried the deny rule).
    pub role: Option<Arc<str>>,
    /// The scope where that role is held.
    pub scope: Option<Arc<str>>,
    /// The rule that decided, when a named rule did.
    pub rule: Option<Arc<str>>,
    /// For locked decisions: the text to show.
    pub hint: Option<Arc<str>>,
}

impl Decision {
    /// Whether the action may be performed now.
    pub fn allowed(&self) -> bool {
        self.effect == Effect::Allow
    }
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Decision", 7)?;
        s.serialize_field("allowed", &self.allowed())?;
        s.serialize_field("effect", &self.effect)?;
        s.serialize_field("reason", &self.reason)?;
        for (name, value) in [
            ("role", &self.role),
            ("scope", &self.scope),
            ("rule", &self.rule),
            ("hint", &self.hint),
        ] {
            match value {
                Some(v) => s.serialize_field(name, &**v)?,
                None => s.skip_field(name)?,
            }
        }
        s.end()
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.effect, self.reason)?;
        if let Some(role) = &self.role {
            write!(f, " role `{role}`")?;
        }
        if let Some(scope) = &self.scope {
            write!(f, " at `{scope}`")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, " rule `{rule}`")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, ": {hint}")?;
        }
        Ok(())
    }
}

/// A decision by ids: what [`Session::verdict`] returns. `Copy`, hashable, no allocation;
/// [`Session::decision`] gives the full [`Decision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Verdict {
    /// Allow, deny or locked.
    pub effect: Effect,
    /// The reason code.
    pub reason: Reason,
    action: ActionId,
    role: Option<RoleId>,
    assignment: Option<usize>,
    rule: Option<RuleId>,
}

impl Verdict {
    fn deny(reason: Reason, action: ActionId) -> Self {
        Verdict {
            effect: Effect::Deny,
            reason,
            action,
            role: None,
            assignment: None,
            rule: None,
        }
    }

    /// Whether the action may be performed now.
    pub fn allowed(&self) -> bool {
        self.effect == Effect::Allow
    }
}

/// A scope instance parsed once against a policy (see [`Session::scope`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(ScopePath);

#[derive(Debug, Clone)]
struct Assignment {
    role: RoleId,
    path: ScopePath,
    text: Arc<str>,
}

/// A principal in a tenant, ready to ask decisions of a policy.
///
/// Build it once per request (or per signed-in user in a UI) and ask as many questions
/// as needed: inputs are validated here, so decisions only look things up.
#[derive(Debug, Clone)]
pub struct Session {
    policy: Policy,
    assignments: Vec<Assignment>,
    principal_id: Value,
    principal_attrs: Attrs,
    tenant_id: Value,
    tenant_plan: Value,
    tenant_features: Value,
    tenant_attrs: Attrs,
    features: Vec<bool>,
    plan: Option<usize>,
}

fn type_matches(ty: AttrType, value: &Value) -> bool {
    match (ty, value) {
        (_, Value::Null) => true,
        (AttrType::String, Value::String(_)) => true,
        (AttrType::Number, Value::Number(_)) => true,
        (AttrType::Bool, Value::Bool(_)) => true,
        (AttrType::StringList, Value::List(items)) => {
            items.iter().all(|i| matches!(i, Value::String(_)))
        }
        (AttrType::NumberList, Value::List(items)) => {
            items.iter().all(|i| matches!(i, Value::Number(_)))
        }
        _ => false,
    }
}

fn check_attrs(
    policy: &Compiled,
    entity: Entity,
    attrs: &Attrs,
    path: &DocPath,
) -> Result<(), InputError> {
    for (name, value) in attrs {
        let attr = AttrRef {
            entity,
            name: name.clone(),
        };
        if let Some(ty) = policy.attribute_type(&attr) {
            if !type_matches(ty, value) {
                return Err(InputError::new(
                    InputErrorCode::BadAttribute,
                    path.key("attrs").key(name),
                    format!("`{attr}` is declared as `{}`, got `{value}`", ty.as_str()),
                ));
            }
        }
    }
    Ok(())
}

impl Policy {
    /// A session for a principal in a tenant. Fails on a role, plan, feature or scope the
    /// policy does not declare, or on an attribute of the wrong type.
    pub fn session(&self, principal: &Principal, tenant: &Tenant) -> Result<Session, InputError> {
        Session::new(self.clone(), principal, tenant)
    }
}

impl Session {
    /// See [`Policy::session`].
    pub fn new(
        policy: Policy,
        principal: &Principal,
        tenant: &Tenant,
    ) -> Result<Session, InputError> {
        let compiled = &policy.inner;
        let base = DocPath::root().key("principal");
        let mut assignments = Vec::with_capacity(principal.roles.len());
        for (i, a) in principal.roles.iter().enumerate() {
            let path = base.key("roles").index(i);
            let Some(&role) = compiled.role_index.get(a.role.as_str()) else {
                return Err(InputError::new(
                    InputErrorCode::UnknownRole,
                    path.key("role"),
                    format!("role `{}` is not declared by the policy", a.role),
                ));
            };
            let scope = ScopePath::parse(compiled, &a.scope)
                .map_err(|m| InputError::new(InputErrorCode::BadScope, path.key("scope"), m))?;
            let role_level = compiled.roles.get(role).map_or(compiled.root, |r| r.level);
            if scope.level(compiled) != role_level {
                let level_name = compiled.levels.get(role_level).map_or("", |l| &l.name);
                return Err(InputError::new(
                    InputErrorCode::ScopeLevelMismatch,
                    path.key("scope"),
                    format!(
                        "role `{}` is held at `{level_name}` scopes, not at `{}`",
                        a.role, a.scope
                    ),
                ));
            }
            let text = Arc::from(scope.render(compiled));
            assignments.push(Assignment {
                role,
                path: scope,
                text,
            });
        }
        check_attrs(compiled, Entity::Principal, &principal.attrs, &base)?;

        let base = DocPath::root().key("tenant");
        let mut features = vec![false; compiled.features.len()];
        let plan = match &tenant.plan {
            None => None,
            Some(name) => match compiled.plan_index.get(name.as_str()) {
                Some(&p) => {
                    for &f in compiled.plans.get(p).map_or(&[][..], |p| &p.features) {
                        if let Some(slot) = features.get_mut(f) {
                            *slot = true;
                        }
                    }
                    Some(p)
                }
                None => {
                    return Err(InputError::new(
                        InputErrorCode::UnknownPlan,
                        base.key("plan"),
                        format!("plan `{name}` is not declared by the policy"),
                    ));
                }
            },
        };
        for (i, name) in tenant.features.iter().enumerate() {
            match compiled.feature_index.get(name.as_str()) {
                Some(&f) => {
                    if let Some(slot) = features.get_mut(f) {
                        *slot = true;
                    }
                }
                None => {
                    return Err(InputError::new(
                        InputErrorCode::UnknownFeature,
                        base.key("features").index(i),
                        format!("feature `{name}` is not declared by the policy"),
                    ));
                }
            }
        }
        check_attrs(compiled, Entity::Tenant, &tenant.attrs, &base)?;
        let enabled: Vec<Value> = compiled
            .features
            .iter()
            .zip(&features)
            .filter(|(_, on)| **on)
            .map(|(f, _)| Value::String(f.name.to_string()))
            .collect();
        Ok(Session {
            assignments,
            principal_id: Value::String(principal.id.clone()),
            principal_attrs: principal.attrs.clone(),
            tenant_id: Value::String(tenant.id.clone()),
            tenant_plan: tenant.plan.clone().map_or(Value::Null, Value::String),
            tenant_features: Value::List(enabled),
            tenant_attrs: tenant.attrs.clone(),
            features,
            plan,
            policy,
        })
    }

    /// The policy this session decides with.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Decides whether the principal may perform `action` on `resource`.
    pub fn check(&self, action: &str, resource: &Resource) -> Decision {
        self.decision(self.verdict(action, resource))
    }

    /// [`check`](Session::check) by action id (see [`Policy::action_id`]); an id outside
    /// the catalog is denied with `unknown_action`.
    pub fn check_id(&self, action: ActionId, resource: &Resource) -> Decision {
        let verdict = match ScopePath::parse(&self.policy.inner, &resource.scope) {
            Ok(path) => self.decide_at(action, resource, &path, None),
            Err(_) => Verdict::deny(Reason::BadScope, action),
        };
        self.decision(verdict)
    }

    /// Decides like [`check`](Session::check), but returns the decision by ids: `Copy`,
    /// no allocation. [`Session::decision`] turns it into a [`Decision`].
    pub fn verdict(&self, action: &str, resource: &Resource) -> Verdict {
        match self.policy.inner.action_index.get(action) {
            Some(&id) => match ScopePath::parse(&self.policy.inner, &resource.scope) {
                Ok(path) => self.decide_at(id, resource, &path, None),
                Err(_) => Verdict::deny(Reason::BadScope, id),
            },
            None => Verdict::deny(Reason::UnknownAction, usize::MAX),
        }
    }

    /// Decides at a scope parsed beforehand (see [`Session::scope`]); `resource.scope` is
    /// not read. The fast path for callers that ask many questions in one scope.
    pub fn verdict_in(&self, action: ActionId, scope: &Scope, resource: &Resource) -> Verdict {
        self.decide_at(action, resource, &scope.0, None)
    }

    /// Parses a scope instance once, for [`Session::verdict_in`].
    pub fn scope(&self, text: &str) -> Result<Scope, InputError> {
        ScopePath::parse(&self.policy.inner, text)
            .map(Scope)
            .map_err(|m| InputError::new(InputErrorCode::BadScope, DocPath::root().key("scope"), m))
    }

    /// The [`Decision`] a [`Verdict`] of this session stands for.
    pub fn decision(&self, v: Verdict) -> Decision {
        let p = &*self.policy.inner;
        let action = p.actions.get(v.action);
        Decision {
            effect: v.effect,
            reason: v.reason,
            role: v.role.and_then(|r| p.roles.get(r)).map(|r| r.name.clone()),
            scope: v
                .assignment
                .and_then(|a| self.assignments.get(a))
                .map(|a| a.text.clone()),
            rule: v.rule.and_then(|r| p.rules.get(r)).map(|r| r.name.clone()),
            hint: match v.reason {
                Reason::FeatureDisabled => action.and_then(|a| a.feature_hint.clone()),
                Reason::PlanRequired => action.and_then(|a| a.plan_hint.clone()),
                _ => None,
            },
        }
    }

    /// Whether the principal may perform `action` on `resource` now.
    pub fn can(&self, action: &str, resource: &Resource) -> bool {
        self.verdict(action, resource).allowed()
    }

    /// Every action of the catalog with its decision at `scope`: the UI map in one call.
    pub fn permissions(&self, scope: &str) -> Vec<(Arc<str>, Decision)> {
        self.permissions_for(&Resource::at(scope))
    }

    /// Every action of the catalog with its decision on `resource`.
    pub fn permissions_for(&self, resource: &Resource) -> Vec<(Arc<str>, Decision)> {
        let compiled = &self.policy.inner;
        let scope = ScopePath::parse(compiled, &resource.scope);
        compiled
            .actions
            .iter()
            .enumerate()
            .map(|(id, a)| {
                let verdict = match &scope {
                    Ok(path) => self.decide_at(id, resource, path, None),
                    Err(_) => Verdict::deny(Reason::BadScope, id),
                };
                (a.name.clone(), self.decision(verdict))
            })
            .collect()
    }

    /// The resources of `resources` on which the principal may perform `action`, in order.
    pub fn filter<'r>(&self, action: &str, resources: &'r [Resource]) -> Vec<&'r Resource> {
        resources
            .iter()
            .filter(|r| self.verdict(action, r).allowed())
            .collect()
    }

    /// Decides like [`check`](Session::check), with a readable account of each step.
    pub fn explain(&self, action: &str, resource: &Resource) -> Explanation {
        let mut steps = Vec::new();
        let verdict = match self.policy.inner.action_index.get(action) {
            Some(&id) => match ScopePath::parse(&self.policy.inner, &resource.scope) {
                Ok(path) => self.decide_at(id, resource, &path, Some(&mut steps)),
                Err(message) => {
                    steps.push(ExplainStep::new(
                        1,
                        "scope",
                        format!(
                            "the resource's scope `{}` cannot be read: {message}",
                            resource.scope
                        ),
                        true,
                    ));
                    Verdict::deny(Reason::BadScope, id)
                }
            },
            None => {
                steps.push(ExplainStep::new(
                    1,
                    "action",
                    format!("`{action}` is not in the policy's catalog, so it is denied"),
                    true,
                ));
                Verdict::deny(Reason::UnknownAction, usize::MAX)
            }
        };
        Explanation {
            action: action.to_owned(),
            scope: resource.scope.clone(),
            decision: self.decision(verdict),
            steps,
        }
    }

    /// The heart of the engine: the steps of a decision, in the order of the contract.
    fn decide_at(
        &self,
        action: ActionId,
        resource: &Resource,
        resource_path: &ScopePath,
        mut trace: Option<&mut Vec<ExplainStep>>,
    ) -> Verdict {
        let p = &*self.policy.inner;
        let Some(act) = p.actions.get(action) else {
            return Verdict::deny(Reason::UnknownAction, action);
        };
        // Step 1: the scope the action is decided at.
        let cut;
        let path = if resource_path.level(p) != act.level
            && p.level_is_within(resource_path.level(p), act.level)
        {
            cut = resource_path.cut_to_level(p, act.level);
            &cut
        } else {
            resource_path
        };
        if let Some(t) = trace.as_deref_mut() {
            t.push(explain::action_step(p, act, resource_path, path));
        }

        // Step 2: applicable roles, expanded, each once, in assignment order.
        let mut applicable: Vec<(RoleId, usize)> = Vec::with_capacity(8);
        for (ai, a) in self.assignments.iter().enumerate() {
            let Some(role) = p.roles.get(a.role) else {
                continue;
            };
            let applies = a.path == *path || (role.cascade && a.path.is_prefix_of(path));
            if !applies {
                continue;
            }
            for &r in &role.expansion {
                if !applicable.iter().any(|(seen, _)| *seen == r) {
                    applicable.push((r, ai));
                }
            }
        }
        if let Some(t) = trace.as_deref_mut() {
            t.push(explain::roles_step(
                p,
                &self.assignments_view(),
                path,
                &applicable,
            ));
        }
        let ctx = Context {
            session: self,
            resource,
        };

        // Step 3: deny rules win.
        if p.deny_any.contains(action) {
            for &rid in &p.deny_rules {
                let Some(rule) = p.rules.get(rid) else {
                    continue;
                };
                if !rule.actions.contains(action) {
                    continue;
                }
                let Some(&(role, ai)) = applicable.iter().find(|(r, _)| rule.roles.contains(*r))
                else {
                    continue;
                };
                let holds = rule
                    .condition
                    .as_ref()
                    .is_none_or(|c| condition::eval(c, &ctx));
                if let Some(t) = trace.as_deref_mut() {
                    t.push(explain::deny_step(rule, p.roles.get(role), holds));
                }
                if holds {
                    return Verdict {
                        effect: Effect::Deny,
                        reason: Reason::DeniedByRule,
                        action,
                        role: Some(role),
                        assignment: Some(ai),
                        rule: Some(rid),
                    };
                }
            }
        }
        if let Some(t) = trace.as_deref_mut() {
            if t.last().is_none_or(|s| s.step != 3) {
                t.push(ExplainStep::new(
                    3,
                    "deny rules",
                    "no deny rule covers the action for these roles".into(),
                    false,
                ));
            }
        }

        // Step 4: the first applicable role that grants.
        let mut failed_rule: Option<RuleId> = None;
        let mut grant: Option<(RoleId, usize, Option<RuleId>)> = None;
        'roles: for &(role, ai) in &applicable {
            let Some(r) = p.roles.get(role) else { continue };
            if r.allow.contains(action) {
                grant = Some((role, ai, None));
                break;
            }
            for &rid in &r.allow_rules {
                let Some(rule) = p.rules.get(rid) else {
                    continue;
                };
                if !rule.actions.contains(action) {
                    continue;
                }
                if rule
                    .condition
                    .as_ref()
                    .is_none_or(|c| condition::eval(c, &ctx))
                {
                    grant = Some((role, ai, Some(rid)));
                    break 'roles;
                }
                failed_rule.get_or_insert(rid);
            }
        }
        let Some((role, ai, rule)) = grant else {
            let verdict = match failed_rule {
                Some(rid) => Verdict {
                    rule: Some(rid),
                    ..Verdict::deny(Reason::ConditionFailed, action)
                },
                None if applicable.is_empty() => Verdict::deny(Reason::NotMember, action),
                None => Verdict::deny(Reason::NoGrant, action),
            };
            if let Some(t) = trace.as_deref_mut() {
                t.push(explain::grant_step(
                    p,
                    act,
                    &self.decision(verdict),
                    failed_rule,
                ));
            }
            return verdict;
        };
        let mut verdict = Verdict {
            effect: Effect::Allow,
            reason: Reason::Granted,
            action,
            role: Some(role),
            assignment: Some(ai),
            rule,
        };
        if let Some(t) = trace.as_deref_mut() {
            t.push(explain::grant_step(p, act, &self.decision(verdict), None));
        }

        // Step 5: feature and plan gates.
        if let Some(f) = act.feature {
            if !self.features.get(f).copied().unwrap_or(false) {
                verdict.effect = Effect::Locked;
                verdict.reason = Reason::FeatureDisabled;
            }
        }
        if verdict.effect == Effect::Allow
            && !act.plans.is_empty()
            && !self.plan.is_some_and(|plan| act.plans.contains(&plan))
        {
            verdict.effect = Effect::Locked;
            verdict.reason = Reason::PlanRequired;
        }
        if let Some(t) = trace {
            let decision = self.decision(verdict);
            t.push(explain::gate_step(p, act, &decision));
            t.push(explain::result_step(&decision));
        }
        verdict
    }

    fn assignments_view(&self) -> Vec<(RoleId, &ScopePath, &str)> {
        self.assignments
            .iter()
            .map(|a| (a.role, &a.path, &*a.text))
            .collect()
    }
}

struct Context<'a> {
    session: &'a Session,
    resource: &'a Resource,
}

fn attr_of<'a>(attrs: &'a Attrs, name: &str) -> ValueRef<'a> {
    attrs.get(name).map_or(ValueRef::Null, Value::as_ref)
}

impl AttrSource for Context<'_> {
    fn attr(&self, attr: &AttrRef) -> ValueRef<'_> {
        let s = self.session;
        match (attr.entity, attr.name.as_str()) {
            (Entity::Principal, "id") => s.principal_id.as_ref(),
            (Entity::Principal, name) => attr_of(&s.principal_attrs, name),
            (Entity::Resource, "id") => self
                .resource
                .id
                .as_deref()
                .map_or(ValueRef::Null, ValueRef::Str),
            (Entity::Resource, "type") => self
                .resource
                .kind
                .as_deref()
                .map_or(ValueRef::Null, ValueRef::Str),
            (Entity::Resource, name) => attr_of(&self.resource.attrs, name),
            (Entity::Tenant, "id") => s.tenant_id.as_ref(),
            (Entity::Tenant, "plan") => s.tenant_plan.as_ref(),
            (Entity::Tenant, "features") => s.tenant_features.as_ref(),
            (Entity::Tenant, name) => attr_of(&s.tenant_attrs, name),
        }
    }
}
