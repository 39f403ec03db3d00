//! The steps of a decision, in the order `docs/POLICY.md` states them: the scope the
//! action is decided at, the applicable roles, deny rules, grants, gates.

use super::explain::{self, ExplainStep};
use super::scope::ScopePath;
use super::session::RoleSet;
use super::{Effect, Reason, Resource, Session, Verdict};
use crate::compile::{Action, ActionId, RoleId, RuleId};
use crate::document::RuleEffect;
use crate::document::condition::{self, AttrRef, AttrSource, Entity, Expr, Truth};
use crate::value::{Attrs, Value, ValueRef};

impl Session {
    /// The heart of the engine: the steps of a decision, in the order of the contract
    /// ([`Session::decide_steps`]). With `trace`, each step also writes its finding for
    /// [`Session::explain`].
    #[inline]
    pub(crate) fn decide_at(
        &self,
        action: ActionId,
        resource: &Resource,
        resource_path: &ScopePath,
        assume: Assume,
        mut trace: Option<&mut Vec<ExplainStep>>,
    ) -> Verdict {
        let verdict = self.decide_steps(
            action,
            resource,
            resource_path,
            assume,
            true,
            trace.as_deref_mut(),
        );
        // Asked without a particular resource (no id, no attributes), a grant whose
        // condition the resource could meet, or a deny rule that applied for want of the
        // resource's attributes, may allow the action for some resources: decided as for
        // the most favourable one, an allow is `conditional` (a lock stays a lock).
        let open = verdict.reason == Reason::ConditionFailed
            || (verdict.reason == Reason::DeniedByRule
                && self
                    .missing_attr(verdict)
                    .is_some_and(|a| a.entity == Entity::Resource));
        if open && assume == Assume::Known && resource.id.is_none() && resource.attrs.is_empty() {
            let mut best =
                self.decide_steps(action, resource, resource_path, Assume::Best, true, None);
            if best.effect != Effect::Deny {
                if best.effect == Effect::Allow {
                    best.effect = Effect::Conditional;
                    best.reason = Reason::Conditional;
                }
                if let Some(t) = trace {
                    t.push(explain::conditional_step(
                        &self.policy.inner,
                        &self.decision(best),
                    ));
                }
                return best;
            }
        }
        verdict
    }

    /// Whether the principal may enable a feature: whether its `enable` action is granted
    /// at the tenant (steps 1 to 4, for a resource with no type, id or attributes at the
    /// root). Its own gates are not consulted, so that no gate blocks its own remedy and
    /// no decision recurses.
    pub(super) fn may_enable(&self, enable: ActionId) -> bool {
        self.decide_steps(
            enable,
            &TENANT,
            &ScopePath::ROOT,
            Assume::Known,
            false,
            None,
        )
        .allowed()
    }

    /// The steps of [`Session::decide_at`]; through step 4 only when `gates` is false.
    ///
    /// One function of about 160 lines, on purpose: it is the hot path of every check.
    /// Split into a function per step (applicable roles, deny rules, grant, gates), the
    /// same logic measured 4 to 11% slower per check (`cargo bench --bench decide`, the
    /// two binaries side by side), as the grant loop's values no longer stayed in
    /// registers; `reference.rs` shows the same steps as separate functions.
    fn decide_steps(
        &self,
        action: ActionId,
        resource: &Resource,
        resource_path: &ScopePath,
        assume: Assume,
        gates: bool,
        mut trace: Option<&mut Vec<ExplainStep>>,
    ) -> Verdict {
        let p = &*self.policy.inner;
        let Some(act) = p.actions.get(action) else {
            return Verdict::deny(Reason::UnknownAction, action);
        };
        // Step 1: the scope the action is decided at. A scope in another branch of the
        // scope tree (a `team` for a `workspace` action) has no such action: `bad_scope`.
        let level = resource_path.level(p);
        if level != act.level
            && !p.level_is_within(level, act.level)
            && !p.level_is_within(act.level, level)
        {
            if let Some(t) = trace.as_deref_mut() {
                t.push(explain::foreign_scope_step(p, act, resource_path));
            }
            return Verdict::deny(Reason::BadScope, action);
        }
        // The resource's attributes that the action's rules read have their declared
        // types, or nothing is decided on them: `bad_attribute`.
        if act.reads_resource && !resource.attrs.is_empty() {
            if let Err(e) = super::session::check_resource_attrs(p, resource) {
                if let Some(t) = trace.as_deref_mut() {
                    t.push(ExplainStep::new(
                        1,
                        "attributes",
                        format!("{}: nothing is decided on it (bad_attribute)", e.message),
                        true,
                    ));
                }
                return Verdict::deny(Reason::BadAttribute, action);
            }
        }
        let cut;
        let path = if level != act.level && p.level_is_within(level, act.level) {
            cut = resource_path.cut_to_level(p, act.level);
            &cut
        } else {
            resource_path
        };
        if let Some(t) = trace.as_deref_mut() {
            t.push(explain::action_step(p, act, resource_path, path));
        }

        // Step 2: applicable roles, expanded, each once, in assignment order.
        let applicable = self.applicable_roles(path);
        if let Some(t) = trace.as_deref_mut() {
            t.push(explain::roles_step(
                p,
                &self.assignments_view(),
                path,
                &applicable,
            ));
        }
        let ctx = Request {
            session: self,
            resource,
            assume,
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
                let (holds, missing) = match &rule.condition {
                    None => (true, None),
                    Some(c) => ctx.holds(c, RuleEffect::Deny),
                };
                if let Some(t) = trace.as_deref_mut() {
                    t.push(explain::deny_step(rule, p.roles.get(role), holds, missing));
                }
                if holds {
                    return Verdict::denied_by_rule(action, role, ai, rid, missing);
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
        let mut failed_rule: Option<(RuleId, Option<u32>)> = None;
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
                let (holds, missing) = match &rule.condition {
                    None => (true, None),
                    Some(c) => ctx.holds(c, RuleEffect::Allow),
                };
                if holds {
                    grant = Some((role, ai, Some(rid)));
                    break 'roles;
                }
                failed_rule.get_or_insert((rid, missing));
            }
        }
        let Some((role, ai, rule)) = grant else {
            let verdict = match failed_rule {
                Some((rid, missing)) => Verdict::condition_failed(action, rid, missing),
                None if applicable.is_empty() => Verdict::deny(Reason::NotMember, action),
                None => Verdict::deny(Reason::NoGrant, action),
            };
            if let Some(t) = trace.as_deref_mut() {
                let mut step =
                    explain::grant_step(p, act, &self.decision(verdict), failed_rule.map(|f| f.0));
                step.finding.push_str(&explain::how_to_get(p, action, path));
                t.push(step);
            }
            return verdict;
        };
        let verdict = Verdict::granted(action, role, ai, rule);
        if let Some(t) = trace.as_deref_mut() {
            t.push(explain::grant_step(p, act, &self.decision(verdict), None));
        }

        if !gates {
            return verdict;
        }

        // Step 5: feature and plan gates.
        let verdict = self.gated(act, verdict);
        if let Some(t) = trace {
            let decision = self.decision(verdict);
            t.push(explain::gate_step(p, act, &decision));
            t.push(explain::result_step(&decision));
        }
        verdict
    }
}

impl Session {
    /// Step 2: the roles that apply at `path` (held there, or above it by a cascading
    /// role), expanded with the roles they include, each once, in assignment order, each
    /// with the index of the assignment that made it apply.
    #[inline(always)]
    ///
    /// An expansion holds every role its role includes: a role already applicable brought
    /// its own expansion, and is skipped; `seen` keeps this linear in the assignments and
    /// roles, whatever their number (a linear search of `applicable` made one check take
    /// 1.9 s with 10,000 assignments over 1,000 roles that include each other).
    pub(super) fn applicable_roles(&self, path: &ScopePath) -> Vec<(RoleId, usize)> {
        let p = &*self.policy.inner;
        let mut applicable: Vec<(RoleId, usize)> = Vec::with_capacity(8);
        let mut seen = RoleSet::new(p.roles.len());
        for (ai, a) in self.assignments.iter().enumerate() {
            let Some(role) = p.roles.get(a.role) else {
                continue;
            };
            let applies = a.path == *path || (role.cascade && a.path.is_prefix_of(path));
            if !applies || seen.contains(a.role) {
                continue;
            }
            for &r in &role.expansion {
                if seen.insert(r) {
                    applicable.push((r, ai));
                }
            }
        }
        applicable
    }

    /// Step 5: a grant of `act`, locked when the tenant lacks its feature or is on none of
    /// its plans; a principal who may enable the feature is told how (the feature's
    /// `enable_hint`).
    #[inline]
    pub(super) fn gated(&self, act: &Action, mut verdict: Verdict) -> Verdict {
        let p = &*self.policy.inner;
        if let Some(f) = act.feature {
            if !self.features.get(f).copied().unwrap_or(false) {
                verdict.effect = Effect::Locked;
                verdict.reason = Reason::FeatureDisabled;
                verdict.may_enable = p
                    .features
                    .get(f)
                    .and_then(|f| f.enable)
                    .is_some_and(|e| self.may_enable(e));
            }
        }
        if verdict.effect == Effect::Allow
            && !act.plans.is_empty()
            && !self.plan.is_some_and(|plan| act.plans.contains(&plan))
        {
            verdict.effect = Effect::Locked;
            verdict.reason = Reason::PlanRequired;
        }
        verdict
    }

    /// A principal or tenant attribute as conditions read it (`null` when the session
    /// lacks it); resource attributes are not the session's (`null`).
    pub(crate) fn known_value(&self, attr: &AttrRef) -> ValueRef<'_> {
        match (attr.entity, attr.name.as_str()) {
            (Entity::Principal, "id") => self.principal_id.as_ref(),
            (Entity::Principal, name) => attr_of(&self.principal_attrs, name),
            (Entity::Tenant, "id") => self.tenant_id.as_ref(),
            (Entity::Tenant, "plan") => self.tenant_plan.as_ref(),
            (Entity::Tenant, "features") => self.tenant_features.as_ref(),
            (Entity::Tenant, name) => attr_of(&self.tenant_attrs, name),
            (Entity::Resource, _) => ValueRef::Null,
        }
    }
}

/// The tenant itself as a resource: the root scope, no type, id or attributes.
static TENANT: Resource = Resource {
    kind: None,
    id: None,
    scope: String::new(),
    attrs: Attrs::new(),
};

/// How a decision treats the resource's attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "routes"), allow(dead_code))] // only the gate asks for `Worst`
pub(crate) enum Assume {
    /// Known: the resource is as given (every check).
    Known,
    /// Unknown (the gate, before the origin loads the resource): a condition that depends
    /// on them is taken the way that favours allowing; when even this decision is not an
    /// allow, no resource's is.
    Best,
    /// Unknown, and a condition that depends on them is taken the way that favours denying;
    /// when this decision is an allow, every resource's is.
    Worst,
}

/// What conditions read: the session's principal and tenant, and the resource asked about.
struct Request<'a> {
    session: &'a Session,
    resource: &'a Resource,
    assume: Assume,
}

impl Request<'_> {
    /// Whether a rule's condition holds, for a rule of `effect`: an allow rule when it is
    /// true, a deny rule also when it is undecided for want of an attribute (then also the
    /// position of that attribute among the condition's reads). Under [`Assume::Best`] and
    /// [`Assume::Worst`], a condition that the unknown attributes decide holds when that
    /// favours (or disfavours) allowing.
    #[inline]
    fn holds(&self, condition: &Expr, effect: RuleEffect) -> (bool, Option<u32>) {
        let deny = effect == RuleEffect::Deny;
        match self.assume {
            Assume::Known => match condition::eval(condition, self) {
                Truth::True => (true, None),
                Truth::False => (false, None),
                Truth::Missing(a) => (
                    deny,
                    condition.position_of(a).and_then(|i| u32::try_from(i).ok()),
                ),
            },
            // Allowing is favoured by a deny rule that may not apply, and by an allow
            // rule that may.
            Assume::Best => {
                let o = condition::eval_partial(condition, self);
                (
                    if deny {
                        o.must_apply(true)
                    } else {
                        o.may_apply(false)
                    },
                    None,
                )
            }
            Assume::Worst => {
                let o = condition::eval_partial(condition, self);
                (
                    if deny {
                        o.may_apply(true)
                    } else {
                        o.must_apply(false)
                    },
                    None,
                )
            }
        }
    }
}

fn attr_of<'a>(attrs: &'a Attrs, name: &str) -> ValueRef<'a> {
    attrs.get(name).map_or(ValueRef::Null, Value::as_ref)
}

impl AttrSource for Request<'_> {
    fn attr(&self, attr: &AttrRef) -> ValueRef<'_> {
        match (attr.entity, attr.name.as_str()) {
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
            _ => self.session.known_value(attr),
        }
    }

    fn known(&self, attr: &AttrRef) -> bool {
        self.assume == Assume::Known
            || attr.entity != Entity::Resource
            || match attr.name.as_str() {
                "id" => self.resource.id.is_some(),
                "type" => self.resource.kind.is_some(),
                _ => false,
            }
    }
}
