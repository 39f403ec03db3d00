//! Errors that name an unknown action, role, scope level, feature or plan say which known
//! name was probably meant, when one is close (`(did you mean `admin`?)`), and nothing
//! when none is.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{Policy, Principal, Resource, RoleAssignment, Tenant};

const POLICY: &str = r#"{
  "version": 1,
  "scopes": { "org": {}, "workspace": { "parent": "org" } },
  "features": { "outreach": {} },
  "plans": { "agency": { "features": ["outreach"] } },
  "actions": {
    "campaign.create": { "scope": "workspace", "feature": "outreach", "plans": ["agency"] },
    "campaign.view": { "scope": "workspace" }
  },
  "roles": {
    "admin": { "scope": "org", "cascade": true, "allow": ["*"] },
    "member": { "scope": "workspace", "allow": ["campaign.view"], "includes": [] }
  }
}"#;

/// The policy with `from` replaced by `to` (once), and the message of its first error.
fn first_error(from: &str, to: &str) -> String {
    let text = POLICY.replacen(from, to, 1);
    assert_ne!(text, POLICY, "{from} is not in the policy");
    let errors = Policy::from_json(&text).unwrap_err();
    errors.iter().next().unwrap().message.clone()
}

#[test]
fn compile_errors_suggest_the_name_meant() {
    Policy::from_json(POLICY).unwrap();
    let cases = [
        (
            r#""allow": ["campaign.view"]"#,
            r#""allow": ["campaign.veiw"]"#,
            "`campaign.view`",
        ),
        (r#""includes": []"#, r#""includes": ["Admin"]"#, "`admin`"),
        (
            r#""scope": "workspace", "allow""#,
            r#""scope": "worksapce", "allow""#,
            "`workspace`",
        ),
        (
            r#""workspace": { "parent": "org" }"#,
            r#""workspace": { "parent": "orgg" }"#,
            "`org`",
        ),
        (
            r#""feature": "outreach""#,
            r#""feature": "outrech""#,
            "`outreach`",
        ),
        (
            r#""features": ["outreach"]"#,
            r#""features": ["Outreach"]"#,
            "`outreach`",
        ),
        (
            r#""plans": ["agency"]"#,
            r#""plans": ["agncy"]"#,
            "`agency`",
        ),
    ];
    for (from, to, meant) in cases {
        let message = first_error(from, to);
        assert!(
            message.ends_with(&format!("(did you mean {meant}?)")),
            "{to}: {message}"
        );
    }
    // Nothing close: no suggestion.
    let message = first_error(r#""includes": []"#, r#""includes": ["billing_clerk"]"#);
    assert!(!message.contains("did you mean"), "{message}");
}

#[test]
fn a_misspelled_scope_level_in_a_request_suggests_the_level_meant() {
    let policy = Policy::from_json(POLICY).unwrap();
    let principal = Principal {
        id: "u1".into(),
        roles: vec![RoleAssignment {
            role: "admin".into(),
            scope: String::new(),
        }],
        ..Principal::default()
    };
    let session = policy.session(&principal, &Tenant::default()).unwrap();
    let error = session.scope("worksapce:w1").unwrap_err().to_string();
    assert!(error.contains("(did you mean `workspace`?)"), "{error}");
    // The decision itself stays the engine's: `bad_scope`.
    let decision = session.check("campaign.view", &Resource::at("worksapce:w1"));
    assert_eq!(decision.reason, rolegate::Reason::BadScope);
}
