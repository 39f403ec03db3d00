//! A principal's role that the policy does not declare (a role renamed or removed by a new
//! policy, still carried by a token): a session leaves it out, as if the principal did not
//! hold it, and reports it in `Session::warnings`; a strict session refuses it, and so do
//! the gates, since a stale role that carried a deny rule, left out, widens access.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::presets::PRESETS;
use rolegate::{
    Effect, InputErrorCode, Policy, Principal, Reason, Resource, SessionOptions, Tenant,
};

/// Every decision of `principal` at every scope in `scopes`, as (action, scope, decision).
fn decisions(
    policy: &Policy,
    principal: &Principal,
    scopes: &[&str],
) -> Vec<(String, String, rolegate::Decision)> {
    let session = policy.session(principal, &Tenant::new("t")).unwrap();
    let mut out = Vec::new();
    for scope in scopes {
        for (action, decision) in session.permissions(scope) {
            out.push((action.to_string(), scope.to_string(), decision));
        }
    }
    out
}

#[test]
fn a_stale_role_grants_nothing_and_decides_as_if_it_were_not_there() {
    for (name, text) in PRESETS {
        let policy = Policy::from_toml(text).unwrap();
        let root = policy.levels()[0].name.to_string();
        for role in policy.roles() {
            if policy.levels()[role.level].name.as_ref() != root {
                continue;
            }
            let held = Principal::new("u1").with_role(role.name.to_string(), root.clone());
            // The stale role before, between and after the declared one.
            let stale = [
                Principal::new("u1")
                    .with_role("ghost", root.clone())
                    .with_role(role.name.to_string(), root.clone()),
                held.clone().with_role("retired-admin", "workspace:w1"),
            ];
            let expected = decisions(&policy, &held, &[&root, ""]);
            for principal in &stale {
                assert_eq!(
                    decisions(&policy, principal, &[&root, ""]),
                    expected,
                    "{name}: {} with a stale role",
                    role.name
                );
                let session = policy.session(principal, &Tenant::new("t")).unwrap();
                let warnings = session.warnings();
                assert_eq!(warnings.len(), 1, "{name}");
                let warning = &warnings[0];
                assert_eq!(warning.code, InputErrorCode::UnknownRole);
                let index = principal.roles.iter().position(|a| a.role != *role.name);
                assert_eq!(
                    warning.path.to_string(),
                    format!("principal.roles[{}].role", index.unwrap())
                );
                // A strict session refuses the same principal, at the same path.
                let error = policy
                    .session_with(principal, &Tenant::new("t"), SessionOptions::strict())
                    .unwrap_err();
                assert_eq!(error, *warning, "{name}");
            }
            let session = policy.session(&held, &Tenant::new("t")).unwrap();
            assert!(session.warnings().is_empty());
        }
    }
}

#[test]
fn a_principal_with_only_stale_roles_is_not_a_member() {
    let policy = Policy::from_toml(rolegate::presets::preset("outreach").unwrap()).unwrap();
    let principal = Principal::new("u1")
        .with_role("Campaigner", "org")
        .with_role("org-admin", "org:acme/nowhere");
    let session = policy.session(&principal, &Tenant::new("acme")).unwrap();
    let decision = session.check("cx.view", &Resource::at("org"));
    assert_eq!(decision.effect, Effect::Deny);
    assert_eq!(decision.reason, Reason::NotMember);
    // Each warning names the role, and the close declared one ("did you mean").
    let warnings = session.warnings();
    let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "role `Campaigner` is not declared by the policy (did you mean `campaigner`?)",
            "role `org-admin` is not declared by the policy (did you mean `org_admin`?)",
        ]
    );
}

const VIEWER_CAP: &str = r#"{
  "version": 1,
  "scopes": { "org": {}, "workspace": { "parent": "org" } },
  "actions": {
    "campaign.view": { "scope": "workspace" },
    "campaign.delete": { "scope": "workspace", "tags": ["write"] }
  },
  "roles": {
    "editor": { "scope": "workspace", "allow": ["campaign.*"] },
    "read-only": { "scope": "org", "cascade": true, "allow": [] }
  },
  "rules": {
    "viewer_cap": { "effect": "deny", "roles": ["read-only"], "actions": ["tag:write"] }
  },
  "routes": {
    "DELETE /api/workspaces/{workspace}/campaigns/{campaign}": {
      "action": "campaign.delete", "scope": "workspace:{workspace}", "resource": "campaign", "id": "{campaign}"
    }
  }
}"#;

/// The hazard, stated as a test: `viewer` was renamed `read-only`; a token minted before
/// still says `viewer`. Left out, the viewer cap no longer applies and the editor role's
/// grant allows the delete: a lenient session widens access. A strict session and the gate
/// refuse the principal instead (the gates answer 401 `token_claims`: a fresh token carries
/// the new name).
#[test]
fn a_stale_role_that_carried_a_deny_cap_widens_a_lenient_session_and_the_gate_refuses_it() {
    let policy = Policy::from_json(VIEWER_CAP).unwrap();
    let tenant = Tenant::new("acme");
    let renamed = Principal::new("u1")
        .with_role("editor", "workspace:w1")
        .with_role("read-only", "org");
    let stale = Principal::new("u1")
        .with_role("editor", "workspace:w1")
        .with_role("viewer", "org");
    let resource = Resource::new("campaign", "c1", "workspace:w1");
    let capped = policy.session(&renamed, &tenant).unwrap();
    assert_eq!(
        capped.check("campaign.delete", &resource).reason,
        Reason::DeniedByRule
    );
    let lenient = policy.session(&stale, &tenant).unwrap();
    assert!(lenient.can("campaign.delete", &resource), "the hazard");
    assert_eq!(lenient.warnings().len(), 1);
    let strict = policy.session_with(&stale, &tenant, SessionOptions::strict());
    assert_eq!(strict.unwrap_err().code, InputErrorCode::UnknownRole);
    let gate = policy.gate("DELETE", "/api/workspaces/w1/campaigns/c1", &stale, &tenant);
    let error = gate.unwrap_err();
    assert_eq!(error.code, InputErrorCode::UnknownRole);
    assert_eq!(error.path.to_string(), "principal.roles[1].role");
}
