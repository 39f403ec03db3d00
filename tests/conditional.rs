//! The conditional state: asked without a particular resource (no id, no attributes), an
//! action that a grant's condition allows for some resources is `conditional`, decided as
//! for the most favourable resource of the kind; a check with the resource decides. These
//! cases pin what the Calilio fixtures cannot show: a condition the principal alone already
//! fails, a gate on a conditional action, a deny rule over the resource, an artifact.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{Decision, Effect, Policy, Principal, Reason, Resource, Session, Tenant};

const POLICY: &str = r#"
version = 1

[scopes]
org = {}

[features.tickets]
hint = "Tickets are not enabled"

[attributes]
principal = { team = "string" }
resource = { team = "string", open = "bool", locked = "bool" }

[actions]
"ticket.view" = { scope = "org" }
"ticket.close" = { scope = "org", feature = "tickets" }
"ticket.edit" = { scope = "org" }

[roles.agent]
scope = "org"
allow = ["ticket.edit"]

[rules.own_team]
effect = "allow"
roles = ["agent"]
actions = ["ticket.view", "ticket.close"]
when = "principal.team == \"sales\" && resource.team == principal.team"

[rules.locked_tickets]
effect = "deny"
roles = ["agent"]
actions = ["ticket.edit"]
when = "resource.locked == true"

[routes."GET /api/tickets"]
action = "ticket.view"
resource = "ticket"
"#;

fn session(team: &str, tenant: &Tenant) -> Session {
    let policy = Policy::from_toml(POLICY).unwrap();
    let agent = Principal::new("u1")
        .with_role("agent", "org")
        .with_attr("team", team);
    policy.session(&agent, tenant).unwrap()
}

/// Check, the map entry and explain agree, and return the decision.
fn decide(s: &Session, action: &str, resource: &Resource) -> Decision {
    let d = s.check(action, resource);
    let mapped = s
        .permissions_for(resource)
        .into_iter()
        .find(|(a, _)| &**a == action)
        .unwrap()
        .1;
    assert_eq!(mapped, d, "{action}: the map");
    assert_eq!(s.explain(action, resource).decision, d, "{action}: explain");
    d
}

#[test]
fn a_condition_the_resource_could_meet_is_conditional_and_names_the_grant() {
    let s = session("sales", &Tenant::new("acme").with_feature("tickets"));
    let d = decide(&s, "ticket.view", &Resource::at("org"));
    assert_eq!(
        (d.effect, d.reason),
        (Effect::Conditional, Reason::Conditional)
    );
    assert!(!d.allowed());
    assert_eq!(
        (d.role.as_deref(), d.scope.as_deref(), d.rule.as_deref()),
        (Some("agent"), Some("org"), Some("own_team"))
    );
    // A kind, given by its type alone, is still no particular resource.
    let kind = Resource {
        kind: Some("ticket".into()),
        ..Resource::at("org")
    };
    assert_eq!(decide(&s, "ticket.view", &kind).effect, Effect::Conditional);
    // A resource decides.
    let ours = Resource::new("ticket", "t1", "org").with_attr("team", "sales");
    let theirs = Resource::new("ticket", "t2", "org").with_attr("team", "ops");
    assert_eq!(decide(&s, "ticket.view", &ours).effect, Effect::Allow);
    assert_eq!(
        decide(&s, "ticket.view", &theirs).reason,
        Reason::ConditionFailed
    );
    // By id without its attributes, it is a particular ticket whose team is missing.
    let by_id = Resource::new("ticket", "t3", "org");
    assert_eq!(
        decide(&s, "ticket.view", &by_id).reason,
        Reason::ConditionFailed
    );
}

#[test]
fn a_condition_the_principal_alone_fails_stays_denied() {
    // Outside sales no ticket can be viewed: the entry stays hidden.
    let s = session("ops", &Tenant::new("acme").with_feature("tickets"));
    let d = decide(&s, "ticket.view", &Resource::at("org"));
    assert_eq!(
        (d.effect, d.reason),
        (Effect::Deny, Reason::ConditionFailed)
    );
}

#[test]
fn a_gate_on_a_conditional_action_locks_it() {
    let s = session("sales", &Tenant::new("acme"));
    let d = decide(&s, "ticket.close", &Resource::at("org"));
    assert_eq!(
        (d.effect, d.reason),
        (Effect::Locked, Reason::FeatureDisabled)
    );
    assert_eq!(d.hint.as_deref(), Some("Tickets are not enabled"));
    assert!(
        s.explain("ticket.close", &Resource::at("org"))
            .to_string()
            .contains("but the action is locked for them too: Tickets are not enabled")
    );
    let on = session("sales", &Tenant::new("acme").with_feature("tickets"));
    assert_eq!(
        decide(&on, "ticket.close", &Resource::at("org")).effect,
        Effect::Conditional
    );
}

#[test]
fn an_unconditional_grant_with_a_deny_rule_over_the_resource_is_conditional() {
    // Without a particular resource, the deny rule over `resource.locked` may or may not
    // apply: the entry shows, and the check with the resource decides.
    let s = session("ops", &Tenant::new("acme"));
    let d = decide(&s, "ticket.edit", &Resource::at("org"));
    assert_eq!(
        (d.effect, d.reason),
        (Effect::Conditional, Reason::Conditional)
    );
    let locked = Resource::new("ticket", "t1", "org").with_attr("locked", true);
    assert_eq!(
        decide(&s, "ticket.edit", &locked).reason,
        Reason::DeniedByRule
    );
    let open = Resource::new("ticket", "t1", "org").with_attr("locked", false);
    assert_eq!(decide(&s, "ticket.edit", &open).reason, Reason::Granted);
    // A particular resource without the attribute: the deny rule cannot be decided, so it
    // applies, and the decision names what is missing.
    let unknown = Resource::new("ticket", "t1", "org");
    let d = decide(&s, "ticket.edit", &unknown);
    assert_eq!((d.effect, d.reason), (Effect::Deny, Reason::DeniedByRule));
    assert_eq!(d.missing.as_deref(), Some("resource.locked"));
    assert!(
        s.explain("ticket.edit", &unknown)
            .to_string()
            .contains("cannot be decided without `resource.locked`, which the request lacks")
    );
}

#[test]
fn a_policy_loaded_from_its_artifact_answers_the_same() {
    let policy = Policy::from_toml(POLICY).unwrap();
    let loaded = Policy::from_artifact(&policy.to_artifact()).unwrap();
    let agent = Principal::new("u1")
        .with_role("agent", "org")
        .with_attr("team", "sales");
    for tenant in [
        Tenant::new("acme"),
        Tenant::new("acme").with_feature("tickets"),
    ] {
        let a = policy.session(&agent, &tenant).unwrap();
        let b = loaded.session(&agent, &tenant).unwrap();
        assert_eq!(a.permissions("org"), b.permissions("org"));
    }
}

/// A gate's `origin` answer completed with a loaded resource that has neither id nor
/// attributes: the check is `conditional`, which the gate refuses (deny, 403).
#[test]
fn a_gate_completed_without_id_or_attributes_is_refused() {
    use rolegate::GateOutcome;
    let s = session("sales", &Tenant::new("acme").with_feature("tickets"));
    let answer = s.gate("GET", "/api/tickets");
    assert_eq!(answer.outcome, GateOutcome::Origin);
    let done = s.complete(&answer, Default::default());
    assert_eq!(done.outcome, GateOutcome::Deny);
    assert_eq!(done.decision.unwrap().effect, Effect::Conditional);
    let mut attrs = rolegate::Attrs::new();
    attrs.insert("team".into(), "sales".into());
    assert_eq!(s.complete(&answer, attrs).outcome, GateOutcome::Allow);
}
