//! Regression tests for decisions that failed open, one per hole, each named after it: a
//! request the engine allowed, or a deny rule it skipped, that the policy's meaning refuses.
//! Natively here; through the package in `tests/js/node.test.mjs` ("fail-open holes").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{Effect, Policy, Principal, Reason, Resource, Tenant};

fn principal(json: &str) -> Principal {
    Principal::from_json(json).unwrap()
}

fn resource(json: &str) -> Resource {
    Resource::from_json(json).unwrap()
}

fn tenant() -> Tenant {
    Tenant::from_json(r#"{"id":"acme"}"#).unwrap()
}

const SENSITIVE: &str = r#"
version = 1
[scopes]
org = {}
[attributes]
resource = { sensitive = "bool", tags = "string[]" }
[actions]
"doc.read" = { scope = "org" }
[roles.member]
scope = "org"
allow = ["doc.read"]
[rules.no_sensitive]
effect = "deny"
roles = ["member"]
actions = ["doc.read"]
when = "resource.sensitive == true"
"#;

/// A deny rule `resource.sensitive == true` was skipped for `"true"`, `1` or `[true]`:
/// resource attributes were not checked against their declared types.
#[test]
fn a_resource_attribute_of_the_wrong_type_skipped_a_deny_rule() {
    let policy = Policy::from_toml(SENSITIVE).unwrap();
    let session = policy
        .session(
            &principal(r#"{"id":"u1","roles":[{"role":"member","scope":"org"}]}"#),
            &tenant(),
        )
        .unwrap();
    let check = |attrs: &str| {
        session.check(
            "doc.read",
            &resource(&format!(r#"{{"type":"doc","id":"d1","attrs":{attrs}}}"#)),
        )
    };
    for wrong in [
        r#"{"sensitive":"true"}"#,
        r#"{"sensitive":1}"#,
        r#"{"sensitive":[true]}"#,
        r#"{"sensitive":false,"tags":"a"}"#,
    ] {
        let d = check(wrong);
        assert_eq!(d.effect, Effect::Deny, "{wrong}");
        assert_eq!(d.reason, Reason::BadAttribute, "{wrong}");
    }
    assert_eq!(check(r#"{"sensitive":true}"#).reason, Reason::DeniedByRule);
    assert_eq!(check(r#"{"sensitive":false}"#).reason, Reason::Granted);
    // Without the attribute, the deny rule cannot be decided, so it applies.
    let d = check(r#"{}"#);
    assert_eq!(d.reason, Reason::DeniedByRule);
    assert_eq!(d.missing.as_deref(), Some("resource.sensitive"));
    // An attribute the policy does not declare is not read, whatever its value.
    assert_eq!(
        check(r#"{"other":"x","sensitive":false}"#).reason,
        Reason::Granted
    );
    // The explanation names the attribute.
    let explained = session.explain(
        "doc.read",
        &resource(r#"{"type":"doc","id":"d1","attrs":{"sensitive":"true"}}"#),
    );
    assert_eq!(explained.decision.reason, Reason::BadAttribute);
    assert!(
        explained.steps[0].finding.contains("resource.sensitive"),
        "{:?}",
        explained.steps
    );
    // The reference evaluator agrees.
    let doc = policy.document().unwrap();
    for wrong in [r#"{"sensitive":"true"}"#, r#"{"sensitive":1}"#] {
        let r = resource(&format!(r#"{{"type":"doc","id":"d1","attrs":{wrong}}}"#));
        let p = principal(r#"{"id":"u1","roles":[{"role":"member","scope":"org"}]}"#);
        assert_eq!(
            rolegate::test_util::reference::decide(doc, &p, &tenant(), "doc.read", &r).reason,
            Reason::BadAttribute
        );
    }
}

/// `resource.team == principal.team` granted a principal without `team` every resource
/// without `team`: two missing attributes compared equal.
#[test]
fn two_missing_attributes_compared_equal() {
    let policy = Policy::from_toml(
        r#"
version = 1
[scopes]
org = {}
[attributes]
principal = { team = "string" }
resource = { team = "string" }
[actions]
"doc.read" = { scope = "org" }
[roles.member]
scope = "org"
[rules.own_team]
effect = "allow"
roles = ["member"]
actions = ["doc.read"]
when = "resource.team == principal.team"
[rules.not_other_team]
effect = "deny"
roles = ["member"]
actions = ["doc.read"]
when = "resource.team != principal.team && resource.team == \"vault\""
"#,
    )
    .unwrap();
    let without = principal(r#"{"id":"u1","roles":[{"role":"member","scope":"org"}]}"#);
    let with = principal(
        r#"{"id":"u2","roles":[{"role":"member","scope":"org"}],"attrs":{"team":"red"}}"#,
    );
    let check = |p: &Principal, r: &str| {
        policy
            .session(p, &tenant())
            .unwrap()
            .check("doc.read", &resource(r))
    };
    let no_team = r#"{"type":"doc","id":"d1"}"#;
    let red = r#"{"type":"doc","id":"d2","attrs":{"team":"red"}}"#;
    let vault = r#"{"type":"doc","id":"d3","attrs":{"team":"vault"}}"#;
    // A missing side leaves the comparison undecided: the allow rule does not apply,
    // the deny rule does (unless a term it needs is false).
    assert_eq!(check(&without, no_team).reason, Reason::DeniedByRule);
    assert_eq!(check(&without, red).reason, Reason::ConditionFailed);
    assert_eq!(
        check(&without, red).missing.as_deref(),
        Some("principal.team")
    );
    assert_eq!(check(&with, no_team).reason, Reason::DeniedByRule);
    assert_eq!(check(&with, red).reason, Reason::Granted);
    assert_eq!(check(&without, vault).reason, Reason::DeniedByRule);
    assert_eq!(
        check(&without, vault).missing.as_deref(),
        Some("principal.team")
    );
    let doc = policy.document().unwrap();
    for (p, r) in [(&without, no_team), (&without, red), (&with, no_team)] {
        assert_eq!(
            rolegate::test_util::reference::decide(doc, p, &tenant(), "doc.read", &resource(r)),
            check(p, r)
        );
    }
}

const FLAGS: &str = r#"
version = 1
[scopes]
org = {}
[attributes]
resource = { n = "number", status = "string" }
[actions]
"doc.read" = { scope = "org" }
"doc.edit" = { scope = "org" }
[roles.member]
scope = "org"
[rules.not_three]
effect = "allow"
roles = ["member"]
actions = ["doc.read"]
when = "resource.n != 3"
[rules.unlocked]
effect = "allow"
roles = ["member"]
actions = ["doc.edit"]
when = "!(resource.status == \"locked\")"
"#;

/// An allow rule `resource.n != 3` allowed a resource without `n`, with `n` = null or
/// (through the package) NaN, and `!(resource.status == "locked")` one without
/// `status`: a loader that forgot a field granted access. A condition that reads a missing
/// attribute is undecided; an undecided allow rule grants nothing, and the decision names
/// the attribute.
#[test]
fn a_missing_attribute_satisfied_a_negated_condition() {
    let policy = Policy::from_toml(FLAGS).unwrap();
    let member = principal(r#"{"id":"u1","roles":[{"role":"member","scope":"org"}]}"#);
    let session = policy.session(&member, &tenant()).unwrap();
    let doc = policy.document().unwrap();
    let check = |action: &str, attrs: &str| {
        let r = resource(&format!(r#"{{"type":"doc","id":"d1","attrs":{attrs}}}"#));
        let d = session.check(action, &r);
        assert_eq!(
            d,
            rolegate::test_util::reference::decide(doc, &member, &tenant(), action, &r),
            "{action} {attrs}"
        );
        d
    };
    for (action, attrs, name) in [
        ("doc.read", "{}", "resource.n"),
        ("doc.read", r#"{"n":null}"#, "resource.n"),
        ("doc.read", r#"{"status":"open"}"#, "resource.n"),
        ("doc.edit", "{}", "resource.status"),
        ("doc.edit", r#"{"status":null}"#, "resource.status"),
    ] {
        let d = check(action, attrs);
        assert_eq!(
            (d.effect, d.reason, d.missing.as_deref()),
            (Effect::Deny, Reason::ConditionFailed, Some(name)),
            "{action} {attrs}"
        );
        let explained = session
            .explain(
                action,
                &resource(&format!(r#"{{"type":"doc","id":"d1","attrs":{attrs}}}"#)),
            )
            .to_string();
        assert!(
            explained.contains(&format!("cannot be decided without `{name}`")),
            "{explained}"
        );
    }
    // Of the wrong type: refused before any rule is read.
    assert_eq!(
        check("doc.read", r#"{"n":"3"}"#).reason,
        Reason::BadAttribute
    );
    // Present: decided.
    assert_eq!(check("doc.read", r#"{"n":4}"#).reason, Reason::Granted);
    assert_eq!(
        check("doc.read", r#"{"n":3}"#).reason,
        Reason::ConditionFailed
    );
    assert_eq!(check("doc.read", r#"{"n":3}"#).missing, None);
    assert_eq!(
        check("doc.edit", r#"{"status":"open"}"#).reason,
        Reason::Granted
    );
    assert_eq!(
        check("doc.edit", r#"{"status":"locked"}"#).reason,
        Reason::ConditionFailed
    );
}

const BRANCHES: &str = r#"
version = 1
[scopes]
org = {}
workspace = { parent = "org" }
project = { parent = "workspace" }
team = { parent = "org" }
[actions]
"ws.delete" = { scope = "workspace" }
"proj.view" = { scope = "project" }
[roles.ws_local]
scope = "workspace"
allow = ["ws.delete", "proj.view"]
[roles.team_lead]
scope = "team"
allow = ["ws.delete"]
"#;

/// A grant that `validate` reports as "never applies" (a `team` role granting a
/// `workspace` action) was allowed at the team's scope: an action decided at a scope in
/// another branch of the scope tree.
#[test]
fn a_grant_that_never_applies_was_allowed_at_a_sibling_level() {
    let policy = Policy::from_toml(BRANCHES).unwrap();
    assert!(
        policy
            .warnings()
            .iter()
            .any(|w| w.code.as_str() == "never_applies")
    );
    let lead = principal(r#"{"id":"u1","roles":[{"role":"team_lead","scope":"team:t1"}]}"#);
    let session = policy.session(&lead, &tenant()).unwrap();
    let d = session.check("ws.delete", &Resource::at("team:t1"));
    assert_eq!((d.effect, d.reason), (Effect::Deny, Reason::BadScope));
    let explained = session.explain("ws.delete", &Resource::at("team:t1"));
    assert!(explained.steps[0].finding.contains("bad_scope"));
    assert_eq!(
        rolegate::test_util::reference::decide(
            policy.document().unwrap(),
            &lead,
            &tenant(),
            "ws.delete",
            &Resource::at("team:t1")
        )
        .reason,
        Reason::BadScope
    );
}

/// The rule for levels outside a role's own, as docs/POLICY.md states it: a
/// non-cascading `workspace` role decides `workspace` actions in the workspace and in its
/// projects (a request below an action's level is decided at that level), and no
/// `project` action in the projects (it does not hold there).
#[test]
fn a_non_cascading_role_and_the_levels_below_it() {
    let policy = Policy::from_toml(BRANCHES).unwrap();
    let local = principal(r#"{"id":"u1","roles":[{"role":"ws_local","scope":"workspace:w1"}]}"#);
    let session = policy.session(&local, &tenant()).unwrap();
    let reason = |action: &str, scope: &str| session.check(action, &Resource::at(scope)).reason;
    assert_eq!(reason("ws.delete", "workspace:w1"), Reason::Granted);
    assert_eq!(
        reason("ws.delete", "workspace:w1/project:p1"),
        Reason::Granted
    );
    assert_eq!(
        reason("proj.view", "workspace:w1/project:p1"),
        Reason::NotMember
    );
    assert_eq!(reason("ws.delete", "workspace:w2"), Reason::NotMember);
    assert_eq!(reason("ws.delete", "team:t1"), Reason::BadScope);
}

/// Action ids and parsed scopes of one policy were accepted by a session of another and
/// decided whichever action had the same index there.
#[test]
fn an_action_id_or_scope_of_another_policy_decided_a_different_action() {
    let text = r#"
version = 1
[scopes]
org = {}
workspace = { parent = "org" }
[actions]
"a.read" = { scope = "org" }
"b.delete" = { scope = "org" }
[roles.admin]
scope = "org"
allow = ["*"]
"#;
    // The other policy lists the same actions in the other order.
    let one = Policy::from_toml(text).unwrap();
    let other = Policy::from_toml(&text.replace(
        "\"a.read\" = { scope = \"org\" }\n\"b.delete\" = { scope = \"org\" }",
        "\"b.delete\" = { scope = \"org\" }\n\"a.read\" = { scope = \"org\" }",
    ))
    .unwrap();
    let admin = principal(r#"{"id":"u1","roles":[{"role":"admin","scope":"org"}]}"#);
    let session = other.session(&admin, &tenant()).unwrap();
    let key = one.action_id("a.read").unwrap();
    let d = session.check_id(key, &Resource::default());
    assert_eq!(d.reason, Reason::UnknownAction);
    let scope = one
        .session(&admin, &tenant())
        .unwrap()
        .scope("workspace:w1")
        .unwrap();
    let own = other.action_id("a.read").unwrap();
    assert_eq!(
        session.verdict_in(own, &scope, &Resource::default()).reason,
        Reason::BadScope
    );
    assert_eq!(
        session
            .verdict_in(key, &session.scope("").unwrap(), &Resource::default())
            .reason,
        Reason::UnknownAction
    );
    // The same policy's own key and scope decide as by name.
    assert_eq!(
        session
            .verdict_in(own, &session.scope("").unwrap(), &Resource::default())
            .reason,
        Reason::Granted
    );
    // Even the same text compiled twice is another policy.
    let again = Policy::from_toml(text).unwrap();
    let again_session = again.session(&admin, &tenant()).unwrap();
    assert_eq!(
        again_session.check_id(key, &Resource::default()).reason,
        Reason::UnknownAction
    );
    assert_eq!(
        session.check_id(own, &Resource::default()).reason,
        Reason::Granted
    );
}
