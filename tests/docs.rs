//! The examples of the documentation are valid policies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{Policy, Principal, Resource, Tenant};

fn toml_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_policy_manual_example_compiles_and_decides() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/POLICY.md")).unwrap();
    let blocks = toml_blocks(&text);
    assert!(!blocks.is_empty());
    let policy = Policy::from_toml(&blocks[0]).unwrap_or_else(|e| panic!("{e}"));
    assert!(policy.warnings().is_empty(), "{:?}", policy.warnings());
    let member = Principal::new("u2").with_role("member", "workspace:w1");
    let session = policy.session(&member, &Tenant::new("acme")).unwrap();
    let mine = Resource::new("number", "n1", "workspace:w1").with_attr("assignee", "u2");
    assert!(session.can("number.view", &mine));
    let admin = Principal::new("u1").with_role("admin", "org");
    let session = policy
        .session(&admin, &Tenant::new("acme").with_plan("enterprise"))
        .unwrap();
    assert!(session.can("sso.configure", &Resource::at("org")));
}
