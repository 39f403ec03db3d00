//! [`Session`]: a principal in a tenant, validated once against a policy, and the questions
//! it answers (`check`, `verdict`, `permissions`, `filter`, `explain`).

use super::explain::{ExplainStep, Explanation};
use super::scope::ScopePath;
use super::steps::Assume;
use super::{Decision, Principal, Reason, Resource, Tenant, Verdict};
use crate::Policy;
use crate::compile::{ActionId, ActionKey, Compiled, PlanId, RoleId};
use crate::document::AttrType;
use crate::document::condition::{AttrRef, Entity};
use crate::error::{DocPath, InputError, InputErrorCode};
use crate::value::{Attrs, Value};
use std::sync::Arc;

/// A scope instance parsed once against a policy (see [`Session::scope`]); it remembers
/// the policy it was parsed for, and a session of another policy refuses it (`bad_scope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub(super) path: ScopePath,
    pub(super) policy: u64,
}

#[derive(Debug, Clone)]
pub(super) struct Assignment {
    pub(super) role: RoleId,
    pub(super) path: ScopePath,
    /// The scope as rendered in decisions.
    pub(super) text: Arc<str>,
}

/// A set of role ids, for a decision's applicable roles: a bitmask for up to 64 roles (no
/// allocation), a table beyond.
pub(super) struct RoleSet {
    small: u64,
    large: Vec<bool>,
}

impl RoleSet {
    pub(super) fn new(roles: usize) -> RoleSet {
        RoleSet {
            small: 0,
            large: if roles > 64 {
                vec![false; roles]
            } else {
                Vec::new()
            },
        }
    }

    pub(super) fn contains(&self, role: RoleId) -> bool {
        match self.large.get(role) {
            Some(seen) => *seen,
            None => role < 64 && self.small & (1 << role) != 0,
        }
    }

    /// Adds `role`; whether it was not there yet.
    pub(super) fn insert(&mut self, role: RoleId) -> bool {
        if self.contains(role) {
            return false;
        }
        match self.large.get_mut(role) {
            Some(seen) => *seen = true,
            None if role < 64 => self.small |= 1 << role,
            None => {}
        }
        true
    }
}

/// A principal in a tenant, ready to ask decisions of a policy.
///
/// Build it once per request (or per signed-in user in a UI) and ask as many questions
/// as needed: inputs are validated here, so decisions only look things up.
#[derive(Debug, Clone)]
pub struct Session {
    pub(crate) policy: Policy,
    pub(super) assignments: Vec<Assignment>,
    pub(super) principal_id: Value,
    pub(super) principal_attrs: Attrs,
    pub(super) tenant_id: Value,
    pub(super) tenant_plan: Value,
    pub(super) tenant_features: Value,
    pub(super) tenant_attrs: Attrs,
    pub(super) features: Vec<bool>,
    pub(super) plan: Option<usize>,
    /// The principal's roles that the policy does not declare, left out (lenient sessions):
    /// a list of `[index, role]`. (Kept as a `Value`, whose code the page module has
    /// already: a list of errors here would add their drop code to it.)
    pub(super) stale_roles: Value,
}

/// How [`Policy::session_with`] treats a principal's roles that the policy does not declare.
///
/// By default (lenient) such an assignment grants nothing, matches no rule, and is reported
/// in [`Session::warnings`] (`unknown_role`, with the close known name): during a policy
/// change that renames a role, users whose tokens still carry the old name keep what their
/// other roles give them. Dropping a role can widen access when the old role carried a deny
/// rule (a viewer cap): gates and other enforcement points that cannot accept that use
/// [`SessionOptions::strict`], where an undeclared role is the `unknown_role` error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// Refuse a principal with a role the policy does not declare (`unknown_role`).
    pub strict: bool,
}

impl SessionOptions {
    /// An undeclared role is an error, as the gates require.
    pub fn strict() -> SessionOptions {
        SessionOptions { strict: true }
    }
}

pub(crate) fn type_matches(ty: AttrType, value: &Value) -> bool {
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

/// Whether the resource's attributes have their declared types (the first one that does
/// not is the error).
pub(super) fn check_resource_attrs(
    policy: &Compiled,
    resource: &Resource,
) -> Result<(), InputError> {
    check_attrs(
        policy,
        Entity::Resource,
        &resource.attrs,
        &DocPath::root().key("resource"),
    )
}

impl Policy {
    /// A session for a principal in a tenant. Fails on a plan, feature or scope the policy
    /// does not declare, on an attribute of the wrong type, or on a principal or a tenant
    /// over one of the [`limits`](crate::limits) (`limit_exceeded`); a role the policy does
    /// not declare grants nothing and is reported in [`Session::warnings`] (see
    /// [`SessionOptions`]; [`Policy::session_with`] with [`SessionOptions::strict`] refuses it).
    pub fn session(&self, principal: &Principal, tenant: &Tenant) -> Result<Session, InputError> {
        Session::new(self.clone(), principal, tenant)
    }

    /// [`Policy::session`] with options: [`SessionOptions::strict`] makes a role the policy
    /// does not declare the `unknown_role` error.
    pub fn session_with(
        &self,
        principal: &Principal,
        tenant: &Tenant,
        options: SessionOptions,
    ) -> Result<Session, InputError> {
        Session::with_options(self.clone(), principal, tenant, options)
    }
}

impl Session {
    /// See [`Policy::session`].
    pub fn new(
        policy: Policy,
        principal: &Principal,
        tenant: &Tenant,
    ) -> Result<Session, InputError> {
        Session::with_options(policy, principal, tenant, SessionOptions::default())
    }

    /// See [`Policy::session_with`].
    pub fn with_options(
        policy: Policy,
        principal: &Principal,
        tenant: &Tenant,
        options: SessionOptions,
    ) -> Result<Session, InputError> {
        let compiled = &policy.inner;
        super::input::limits::principal(principal)?;
        super::input::limits::tenant(tenant)?;
        let base = DocPath::root().key("principal");
        let mut stale = Vec::new();
        let unknown = if options.strict {
            None
        } else {
            Some(&mut stale)
        };
        let assignments = read_assignments(compiled, principal, &base, unknown)?;
        check_attrs(compiled, Entity::Principal, &principal.attrs, &base)?;
        let base = DocPath::root().key("tenant");
        let (features, plan) = tenant_features(compiled, tenant, &base)?;
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
            stale_roles: Value::List(stale),
            policy,
        })
    }

    /// What the session left out of its principal: each role the policy does not declare
    /// (`unknown_role`, at `principal.roles[i].role`, naming the close known role), which
    /// grants nothing. Empty for a strict session, which refuses such a principal.
    pub fn warnings(&self) -> Vec<InputError> {
        let Value::List(stale) = &self.stale_roles else {
            return Vec::new();
        };
        let base = DocPath::root().key("principal");
        stale
            .iter()
            .filter_map(|entry| match entry {
                Value::List(pair) => match pair.as_slice() {
                    [Value::Number(i), Value::String(role)] => {
                        Some(unknown_role(&self.policy.inner, &base, *i as usize, role))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect()
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
    pub fn check_id(&self, action: ActionKey, resource: &Resource) -> Decision {
        if action.policy != self.policy.inner.identity {
            return self.decision(Verdict::unknown_action());
        }
        let action = action.index;
        let verdict = match ScopePath::parse(&self.policy.inner, &resource.scope) {
            Ok(path) => self.decide_at(action, resource, &path, Assume::Known, None),
            Err(_) => Verdict::deny(Reason::BadScope, action),
        };
        self.decision(verdict)
    }

    /// Decides like [`check`](Session::check), but returns the decision by ids: `Copy`,
    /// no allocation. [`Session::decision`] turns it into a [`Decision`].
    pub fn verdict(&self, action: &str, resource: &Resource) -> Verdict {
        match self.policy.inner.action_index.get(action) {
            Some(&id) => match ScopePath::parse(&self.policy.inner, &resource.scope) {
                Ok(path) => self.decide_at(id, resource, &path, Assume::Known, None),
                Err(_) => Verdict::deny(Reason::BadScope, id),
            },
            None => Verdict::unknown_action(),
        }
    }

    /// Decides at a scope parsed beforehand (see [`Session::scope`]); `resource.scope` is
    /// not read. The fast path for callers that ask many questions in one scope.
    /// An action key or a scope of another policy is refused (`unknown_action`,
    /// `bad_scope`).
    pub fn verdict_in(&self, action: ActionKey, scope: &Scope, resource: &Resource) -> Verdict {
        if action.policy != self.policy.inner.identity {
            return Verdict::unknown_action();
        }
        self.verdict_at(action.index, scope, resource)
    }

    /// [`Session::verdict_in`] by the action's index, for callers that resolved it against
    /// this session's own policy (the WebAssembly boundary).
    pub(crate) fn verdict_at(
        &self,
        action: ActionId,
        scope: &Scope,
        resource: &Resource,
    ) -> Verdict {
        if scope.policy != self.policy.inner.identity {
            return Verdict::deny(Reason::BadScope, action);
        }
        self.decide_at(action, resource, &scope.path, Assume::Known, None)
    }

    /// Parses a scope instance once, for [`Session::verdict_in`].
    pub fn scope(&self, text: &str) -> Result<Scope, InputError> {
        ScopePath::parse(&self.policy.inner, text)
            .map(|path| Scope {
                path,
                policy: self.policy.inner.identity,
            })
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
            missing: self.missing_attr(v).map(|a| Arc::from(a.to_string())),
            hint: match v.reason {
                Reason::FeatureDisabled if v.may_enable => action
                    .and_then(|a| p.features.get(a.feature?))
                    .and_then(|f| f.enable_hint.clone()),
                Reason::FeatureDisabled => action.and_then(|a| a.feature_hint.clone()),
                Reason::PlanRequired => action.and_then(|a| a.plan_hint.clone()),
                _ => None,
            },
        }
    }

    /// The attribute a verdict names as missing, read in its rule's condition.
    pub(crate) fn missing_attr(&self, v: Verdict) -> Option<&AttrRef> {
        let p = &*self.policy.inner;
        let condition = p.rules.get(v.rule?)?.condition.as_ref()?;
        let index = usize::try_from(v.missing?).ok()?;
        condition.attr_reads().get(index).copied()
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
                    Ok(path) => self.decide_at(id, resource, path, Assume::Known, None),
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
                Ok(path) => self.decide_at(id, resource, &path, Assume::Known, Some(&mut steps)),
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
                Verdict::unknown_action()
            }
        };
        Explanation {
            action: action.to_owned(),
            scope: resource.scope.clone(),
            decision: self.decision(verdict),
            steps,
        }
    }

    /// Each assignment as (role, scope, scope text), for explanations.
    pub(super) fn assignments_view(&self) -> Vec<(RoleId, &ScopePath, &str)> {
        self.assignments
            .iter()
            .map(|a| (a.role, &a.path, &*a.text))
            .collect()
    }
}

/// `unknown_role` for the role of the principal's `index`th assignment.
fn unknown_role(compiled: &Compiled, base: &DocPath, index: usize, role: &str) -> InputError {
    InputError::new(
        InputErrorCode::UnknownRole,
        base.key("roles").index(index).key("role"),
        format!(
            "role `{role}` is not declared by the policy{}",
            crate::suggest::did_you_mean(role, compiled.role_index.keys().map(|k| &**k))
        ),
    )
}

/// The principal's role assignments, each role declared and each scope read and of the
/// role's level. A role the policy does not declare is an error, or, given `stale`
/// (lenient sessions), left out and noted there as `[index, role]`.
fn read_assignments(
    compiled: &Compiled,
    principal: &Principal,
    base: &DocPath,
    mut stale: Option<&mut Vec<Value>>,
) -> Result<Vec<Assignment>, InputError> {
    let mut assignments = Vec::with_capacity(principal.roles.len());
    for (i, a) in principal.roles.iter().enumerate() {
        let path = base.key("roles").index(i);
        let Some(&role) = compiled.role_index.get(a.role.as_str()) else {
            match stale.as_deref_mut() {
                Some(stale) => {
                    let entry = vec![Value::Number(i as f64), Value::String(a.role.clone())];
                    stale.push(Value::List(entry));
                    continue;
                }
                None => return Err(unknown_role(compiled, base, i, &a.role)),
            }
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
    Ok(assignments)
}

/// By feature id, whether the tenant has it (by its plan or its own list); and its plan.
fn tenant_features(
    compiled: &Compiled,
    tenant: &Tenant,
    base: &DocPath,
) -> Result<(Vec<bool>, Option<PlanId>), InputError> {
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
                    format!(
                        "plan `{name}` is not declared by the policy{}",
                        crate::suggest::did_you_mean(
                            name,
                            compiled.plan_index.keys().map(|k| &**k)
                        )
                    ),
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
                    format!(
                        "feature `{name}` is not declared by the policy{}",
                        crate::suggest::did_you_mean(
                            name,
                            compiled.feature_index.keys().map(|k| &**k)
                        )
                    ),
                ));
            }
        }
    }
    Ok((features, plan))
}
