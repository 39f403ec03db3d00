//! Warnings: documents that compile, but hold grants or rules no request can reach.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{ErrorCode, Policy, Severity};

const POLICY: &str = r#"
version = 1
[scopes]
org = {}
project = { parent = "org" }
[actions]
"billing.view" = { scope = "org" }
"table.edit" = { scope = "project" }
[roles.admin]
scope = "org"
includes = ["editor"]
allow = ["billing.view"]
[roles.editor]
scope = "project"
allow = ["table.edit", "billing.view"]
[roles.guest]
scope = "project"
allow = ["billing.view"]
[roles.idle]
scope = "project"
[rules.never]
effect = "deny"
roles = ["guest"]
actions = ["billing.view"]
"#;

#[test]
fn unreachable_grants_rules_and_empty_roles_are_warned_about() {
    let policy = Policy::from_toml(POLICY).unwrap();
    let found: Vec<(ErrorCode, String, Option<u32>)> = policy
        .warnings()
        .iter()
        .map(|w| {
            assert_eq!(w.severity, Severity::Warning);
            (w.code, w.path.to_string(), w.line)
        })
        .collect();
    assert_eq!(
        found,
        vec![
            // The guest's grant of an org action never applies; the editor's does, through
            // the org admin that includes the editor role.
            (
                ErrorCode::NeverApplies,
                "roles.guest.allow".into(),
                Some(18)
            ),
            (ErrorCode::EmptyRole, "roles.idle".into(), Some(19)),
            (ErrorCode::NeverApplies, "rules.never".into(), Some(21)),
        ]
    );
}

#[test]
fn presets_compile_without_warnings() {
    for (name, text) in rolegate::presets::PRESETS {
        let policy = Policy::from_toml(text).unwrap();
        assert!(
            policy.warnings().is_empty(),
            "{name}: {:?}",
            policy.warnings()
        );
    }
}
