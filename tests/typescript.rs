//! The code unions of the package's TypeScript declarations are the engine's codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{Effect, ErrorCode, InputErrorCode, Reason};

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
    let effects = [
        Effect::Allow,
        Effect::Deny,
        Effect::Locked,
        Effect::Conditional,
    ]
    .map(Effect::as_str);
    assert_eq!(union(&text, "Effect"), effects);
    let translate: Vec<String> = rolegate::query::TranslateErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(union(&text, "TranslateErrorCode"), translate);
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

/// The codes the JavaScript layer throws itself (`new RolegateError("code", ...)` in js/).
fn codes_thrown_in_js() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/js");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("js") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("new RolegateError(") {
            let rest = text[at + "new RolegateError(".len()..].trim_start();
            if let Some(quoted) = rest.strip_prefix('"') {
                let code = &quoted[..quoted.find('"').unwrap()];
                found.push((path.display().to_string(), code.to_owned()));
            }
        }
    }
    found
}

// Regression: js/snapshot.js threw the code `not_in_snapshot`, which `ErrorCode` lacked.
#[test]
fn every_code_the_js_layer_throws_is_an_error_code() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/js/index.d.ts")).unwrap();
    let mut known = union(&text, "ErrorCode");
    known.extend(union(&text, "PolicyErrorCode"));
    known.extend(union(&text, "InputErrorCode"));
    known.extend(union(&text, "TranslateErrorCode"));
    let thrown = codes_thrown_in_js();
    assert!(thrown.iter().any(|(_, code)| code == "not_in_snapshot"));
    for (file, code) in thrown {
        assert!(
            known.contains(&code),
            "{file} throws `{code}`, which the ErrorCode union of index.d.ts does not list"
        );
    }
}
