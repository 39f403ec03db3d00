//! `explain` answers the troubleshooting questions of the project-members seed: why a user
//! does not see a project, why they cannot open its settings, and what an org Admin reaches.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::presets::preset;
use rolegate::{Effect, Policy, Principal, Reason, Resource, Tenant};

fn policy() -> Policy {
    Policy::from_toml(preset("project-members").unwrap()).unwrap()
}

fn projects() -> Vec<Resource> {
    ["p1", "p2", "p3"]
        .iter()
        .map(|p| Resource::new("project", *p, format!("project:{p}")))
        .collect()
}

#[test]
fn user_missing_from_project_list_is_explained_as_not_invited() {
    let policy = policy();
    let agent = Principal::new("u7")
        .with_role("agent", "org")
        .with_role("editor", "project:p2");
    let session = policy.session(&agent, &Tenant::new("acme")).unwrap();
    let projects = projects();
    let visible: Vec<&str> = session
        .filter("project.view", &projects)
        .iter()
        .map(|r| r.id.as_deref().unwrap())
        .collect();
    assert_eq!(
        visible,
        ["p2"],
        "non-members must not find a project in their list"
    );

    let why = session.explain("project.view", &Resource::at("project:p1"));
    assert_eq!(why.decision.reason, Reason::NotMember);
    let text = why.to_string();
    assert!(
        text.contains("`agent` at `org` does not apply: it does not cascade"),
        "{text}"
    );
    assert!(
        text.contains("`editor` at `project:p2` does not apply at `project:p1`"),
        "{text}"
    );
    assert!(text.contains("assign a role at this scope"), "{text}");
}

#[test]
fn user_who_cannot_open_settings_is_explained_as_view_only() {
    let policy = policy();
    let viewer = Principal::new("u8")
        .with_role("agent", "org")
        .with_role("viewer", "project:p1");
    let session = policy.session(&viewer, &Tenant::new("acme")).unwrap();
    let why = session.explain("settings.view", &Resource::at("project:p1"));
    assert_eq!(why.decision.effect, Effect::Deny);
    assert_eq!(why.decision.reason, Reason::NoGrant);
    let text = why.to_string();
    assert!(
        text.contains("`viewer` at `project:p1` applies here"),
        "{text}"
    );
    assert!(
        text.contains("no applicable role grants `settings.view` (no_grant)"),
        "{text}"
    );
    assert!(why.steps.iter().any(|s| s.step == 4 && s.decided));
}

#[test]
fn org_admin_reaches_every_project_by_cascade() {
    let policy = policy();
    let admin = Principal::new("u1").with_role("admin", "org");
    let session = policy.session(&admin, &Tenant::new("acme")).unwrap();
    assert_eq!(session.filter("member.invite", &projects()).len(), 3);
    let why = session.explain("member.invite", &Resource::at("project:p3"));
    assert!(why.decision.allowed());
    let text = why.to_string();
    assert!(
        text.contains("`admin` at `org` applies here by cascade"),
        "{text}"
    );
    assert!(
        text.contains("role `admin` (held at `org`) allows `member.invite`"),
        "{text}"
    );
}

#[test]
fn org_level_action_asked_inside_a_project_is_decided_at_the_org() {
    let policy = policy();
    let editor = Principal::new("u2").with_role("editor", "project:p1");
    let session = policy.session(&editor, &Tenant::new("acme")).unwrap();
    let why = session.explain("billing.manage", &Resource::at("project:p1"));
    assert_eq!(why.decision.reason, Reason::NotMember);
    assert!(
        why.to_string()
            .contains("is decided at its `org` scope, `org`"),
        "{why}"
    );
}

/// Seed 003: "Elevate project role or use an org Admin": a denial names the roles that
/// would grant the action, each at the scope where it would have to be held.
#[test]
fn a_denial_says_which_roles_would_grant_the_action_and_where() {
    let policy = policy();
    let viewer = Principal::new("u8")
        .with_role("agent", "org")
        .with_role("viewer", "project:p1");
    let session = policy.session(&viewer, &Tenant::new("acme")).unwrap();
    let e = session.explain("settings.edit", &Resource::at("project:p1"));
    assert_eq!(e.decision.reason, Reason::NoGrant);
    let grants = &e
        .steps
        .iter()
        .find(|s| s.title == "grants")
        .unwrap()
        .finding;
    assert!(
        grants.contains("to get it, hold `admin` at `org`, or `project_admin` at `project:p1`"),
        "{grants}"
    );
    // A member of no project is told the same, at the project asked about.
    let outsider = Principal::new("u9").with_role("agent", "org");
    let e = policy
        .session(&outsider, &Tenant::new("acme"))
        .unwrap()
        .explain("settings.edit", &Resource::at("project:p2"));
    assert_eq!(e.decision.reason, Reason::NotMember);
    let text = e.to_string();
    assert!(text.contains("`project_admin` at `project:p2`"), "{text}");
    assert_eq!(e.decision.effect, Effect::Deny);
}

/// The Calilio member's Numbers entry: asked without a particular number, `number.view` is
/// conditional (the map shows the entry); with a number, its assignee decides.
#[test]
fn a_conditional_grant_without_a_resource_is_explained_as_conditional() {
    let policy = Policy::from_toml(preset("calilio").unwrap()).unwrap();
    let member = Principal::new("u3").with_role("member", "org");
    let session = policy.session(&member, &Tenant::new("acme")).unwrap();
    let e = session.explain("number.view", &Resource::at("org"));
    assert_eq!(e.decision.effect, Effect::Conditional);
    assert_eq!(e.decision.reason, Reason::Conditional);
    assert_eq!(e.decision.rule.as_deref(), Some("assigned_only"));
    assert!(!e.decision.allowed());
    assert_eq!(e.decision.role.as_deref(), Some("member"));
    assert_eq!(e.decision.scope.as_deref(), Some("org"));
    let result = &e.steps.last().unwrap().finding;
    assert!(
        result.contains("no particular resource was given (no id, no attributes): role `member` (held at `org`) is granted the action by rule `assigned_only` for the resources where `resource.assignee == principal.id` holds, so it is conditional"),
        "{result}"
    );
    // The map, check and explain agree; a number decides.
    let map = session.permissions("org");
    let entry = &map.iter().find(|(a, _)| &**a == "number.view").unwrap().1;
    assert_eq!(entry, &e.decision);
    assert_eq!(
        session.check("number.view", &Resource::at("org")),
        e.decision
    );
    let mut mine = Resource::new("number", "n1", "org");
    mine.attrs.insert("assignee".into(), "u3".into());
    assert_eq!(session.check("number.view", &mine).effect, Effect::Allow);
    let mut theirs = Resource::new("number", "n2", "org");
    theirs.attrs.insert("assignee".into(), "u4".into());
    let d = session.check("number.view", &theirs);
    assert_eq!(
        (d.effect, d.reason),
        (Effect::Deny, Reason::ConditionFailed)
    );
    assert_eq!(
        session.filter("number.view", &[mine.clone(), theirs, Resource::at("org")]),
        vec![&mine]
    );
}
