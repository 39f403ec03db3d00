//! Gates: a request's method and path decided through the policy's route table, before it
//! reaches the code that serves it.
//!
//! [`Session::gate`] normalizes the request (`request.rs`), finds its route in the compiled
//! segment tree, builds the resource from the route's templates and decides. Its answer,
//! a [`GateDecision`], has one of five outcomes ([`GateOutcome`]): `allow`, `deny`,
//! `locked`, `no_route` (nothing matched: refused, never passed through) and `origin`: the
//! route's action is decided by a condition on resource attributes that the request does
//! not carry, and some resources would be allowed and others not, so whoever loads the
//! resource must finish the decision ([`Session::complete`]). When no resource could be
//! allowed the gate denies, and when every resource would be, it allows, without loading.

pub(crate) mod request;

use crate::compile::{Route, RouteTable};
use crate::decide::scope::{MAX_SCOPE_LEN, ScopePath};
use crate::decide::steps::Assume;
use crate::error::codes;
use crate::value::Attrs;
use crate::{
    Decision, Effect, InputError, Policy, Principal, Reason, Resource, Session, Tenant, Verdict,
};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct};
use std::fmt;
use std::sync::Arc;

codes! {
    /// What a gate does with a request. The codes are stable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum GateOutcome {
        /// Allowed: pass the request on.
        Allow = "allow",
        /// Denied: answer 403 with the reason; a UI would hide the control.
        Deny = "deny",
        /// Allowed by role but gated by a feature or plan: answer 403 with the hint; a UI
        /// would show the control disabled.
        Locked = "locked",
        /// No route matches the method and path: answer 404, never pass it through.
        NoRoute = "no_route",
        /// The decision depends on attributes of the resource that the request does not
        /// carry: load the resource and finish with [`Session::complete`].
        Origin = "origin",
    }
}

impl GateOutcome {
    /// The HTTP status a gate answers with when it refuses (403 for `deny` and `locked`,
    /// 404 for `no_route`); 200 for `allow` and `origin`, which pass the request on.
    pub fn status(self) -> u16 {
        match self {
            GateOutcome::Allow | GateOutcome::Origin => 200,
            GateOutcome::Deny | GateOutcome::Locked => 403,
            GateOutcome::NoRoute => 404,
        }
    }
}

/// The answer of a gate to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct GateDecision {
    /// What to do with the request.
    pub outcome: GateOutcome,
    /// The decision, for `allow`, `deny` and `locked`.
    pub decision: Option<Decision>,
    /// The route's pattern, when one matched.
    pub route: Option<Arc<str>>,
    /// The route's action.
    pub action: Option<Arc<str>>,
    /// The path's parameters, decoded, in path order.
    pub params: Vec<(Arc<str>, String)>,
    /// The resource the route names (type, id and scope; no attributes).
    pub resource: Option<Resource>,
}

impl GateDecision {
    /// The stable reason: the decision's reason (`granted`, `no_grant`, ...), `no_route`, or
    /// `origin` when the origin must decide.
    pub fn reason(&self) -> &'static str {
        match (&self.decision, self.outcome) {
            (Some(d), _) => d.reason.as_str(),
            (None, outcome) => outcome.as_str(),
        }
    }

    /// The HTTP status to answer with when the gate refuses (see [`GateOutcome::status`]).
    pub fn status(&self) -> u16 {
        self.outcome.status()
    }

    /// The hint of a locked decision.
    pub fn hint(&self) -> Option<&str> {
        self.decision.as_ref().and_then(|d| d.hint.as_deref())
    }

    fn no_route() -> GateDecision {
        GateDecision {
            outcome: GateOutcome::NoRoute,
            decision: None,
            route: None,
            action: None,
            params: Vec::new(),
            resource: None,
        }
    }
}

fn outcome_of(decision: &Decision) -> GateOutcome {
    match decision.effect {
        Effect::Allow => GateOutcome::Allow,
        // A loaded resource with neither id nor attributes: not allowed as such.
        Effect::Deny | Effect::Conditional => GateOutcome::Deny,
        Effect::Locked => GateOutcome::Locked,
    }
}

impl Serialize for GateDecision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Params<'a>(&'a [(Arc<str>, String)]);
        impl Serialize for Params<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    map.serialize_entry(&**k, v)?;
                }
                map.end()
            }
        }
        let mut s = serializer.serialize_struct("GateDecision", 8)?;
        s.serialize_field("outcome", self.outcome.as_str())?;
        s.serialize_field("status", &self.status())?;
        s.serialize_field("reason", self.reason())?;
        match &self.action {
            Some(a) => s.serialize_field("action", &**a)?,
            None => s.skip_field("action")?,
        }
        match &self.route {
            Some(r) => s.serialize_field("route", &**r)?,
            None => s.skip_field("route")?,
        }
        s.serialize_field("params", &Params(&self.params))?;
        match &self.resource {
            Some(r) => s.serialize_field("resource", r)?,
            None => s.skip_field("resource")?,
        }
        match &self.decision {
            Some(d) => s.serialize_field("decision", d)?,
            None => s.skip_field("decision")?,
        }
        s.end()
    }
}

impl Policy {
    /// The route table, in document order.
    pub fn routes(&self) -> &[Route] {
        &self.inner.routes.routes
    }

    /// Decides a request for a principal in a tenant: a strict session (a role the policy
    /// does not declare is the `unknown_role` error, see [`crate::SessionOptions`]), then
    /// [`Session::gate`].
    pub fn gate(
        &self,
        method: &str,
        target: &str,
        principal: &Principal,
        tenant: &Tenant,
    ) -> Result<GateDecision, InputError> {
        let strict = crate::SessionOptions::strict();
        Ok(self
            .session_with(principal, tenant, strict)?
            .gate(method, target))
    }
}

impl RouteTable {
    /// The route a request matches, with its decoded parameters.
    fn route_for(&self, method: &str, target: &str) -> Option<(&Route, Vec<String>)> {
        let method = request::method_index(method)?;
        let segments = request::segments(target)?;
        let borrowed: Vec<&str> = segments.iter().map(|s| &**s).collect();
        let (id, values) = self.find(method, &borrowed)?;
        let route = self.routes.get(id)?;
        Some((route, values.into_iter().map(str::to_owned).collect()))
    }
}

impl Session {
    /// Decides a request by its method and path (query and fragment are ignored) through
    /// the policy's route table.
    pub fn gate(&self, method: &str, target: &str) -> GateDecision {
        let p = &*self.policy.inner;
        let Some((route, values)) = p.routes.route_for(method, target) else {
            return GateDecision::no_route();
        };
        let path = ScopePath {
            segments: route
                .scope
                .iter()
                .map(|(level, t)| (*level, t.render(&values).into()))
                .collect(),
        };
        let resource = Resource {
            kind: route.resource.as_deref().map(str::to_owned),
            id: route.id.as_ref().map(|t| t.render(&values)),
            scope: path.render(p),
            attrs: Attrs::default(),
        };
        let reads_resource = p
            .actions
            .get(route.action)
            .is_some_and(|a| a.reads_resource);
        let (outcome, verdict) = if resource.scope.len() > MAX_SCOPE_LEN {
            // The resource a gate names is one that `check` reads: a scope longer than it
            // reads (long parameters) is `bad_scope` here too, not decided on.
            let v = Verdict::deny(Reason::BadScope, route.action);
            (GateOutcome::Deny, Some(v))
        } else if reads_resource {
            let best = self.decide_at(route.action, &resource, &path, Assume::Best, None);
            if best.effect != Effect::Allow {
                (outcome_of(&self.decision(best)), Some(best))
            } else {
                let worst = self.decide_at(route.action, &resource, &path, Assume::Worst, None);
                if worst.effect == Effect::Allow {
                    (GateOutcome::Allow, Some(worst))
                } else {
                    (GateOutcome::Origin, None)
                }
            }
        } else {
            let v = self.decide_at(route.action, &resource, &path, Assume::Known, None);
            (outcome_of(&self.decision(v)), Some(v))
        };
        GateDecision {
            outcome,
            decision: verdict.map(|v| self.decision(v)),
            route: Some(route.pattern.clone()),
            action: p.actions.get(route.action).map(|a| a.name.clone()),
            params: route.params.iter().cloned().zip(values).collect(),
            resource: Some(resource),
        }
    }

    /// Finishes a gate's `origin` answer with the attributes of the loaded resource: the
    /// decision [`Session::check`] gives for the route's resource with those attributes.
    /// Any other answer comes back unchanged.
    pub fn complete(&self, gate: &GateDecision, attrs: Attrs) -> GateDecision {
        let (GateOutcome::Origin, Some(action), Some(resource)) =
            (gate.outcome, &gate.action, &gate.resource)
        else {
            return gate.clone();
        };
        let resource = Resource {
            attrs,
            ..resource.clone()
        };
        let decision = self.check(action, &resource);
        GateDecision {
            outcome: outcome_of(&decision),
            decision: Some(decision),
            resource: Some(resource),
            ..gate.clone()
        }
    }
}
