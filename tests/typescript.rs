//! The code unions of the package's TypeScript declarations are the engine's codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{ErrorCode, InputErrorCode, Reason};

/// The string members of `export type NAME = | "a" | "b";` in the declarations.
fn union(declarations: &str, name: &str) -> Vec<String> {
    let start = declarations
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("no union `{name}` in index.d.ts"));
    let body = &declarations[start..];
    let body = &body[..body.find(';').unwrap()];
    body.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn unions_list_exactly_the_engine_codes() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/js/index.d.ts")).unwrap();
    let reasons: Vec<String> = Reason::ALL.iter().map(|c| c.as_str().to_owned()).collect();
    assert_eq!(union(&text, "Reason"), reasons);
    let errors: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(union(&text, "PolicyErrorCode"), errors);
    let inputs: Vec<String> = InputErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(union(&text, "InputErrorCode"), inputs);
    assert_eq!(union(&text, "Effect"), ["allow", "deny", "locked"]);
    let denials: Vec<String> = rolegate::team::DenialReason::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(union(&text, "DenialReason"), denials);
    let findings: Vec<String> = rolegate::team::FindingCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(union(&text, "FindingCode"), findings);
}
