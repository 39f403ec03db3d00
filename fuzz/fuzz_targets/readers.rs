//! The TOML and JSON policy readers. Oracles: a document that reads and compiles round-trips
//! through `rolegate export` (the document written as JSON): the JSON reads back to the
//! same document, the same fingerprint and the same decisions, and writing it again gives
//! the same text; a JSON document that reads is JSON to `serde_json` too.
//!
//! Input: the first byte picks the format (even: TOML, odd: JSON), the rest is the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolegate::{Format, Policy, Principal, Resource, Tenant};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let format = if selector % 2 == 0 {
        Format::Toml
    } else {
        Format::Json
    };
    let Ok(policy) = Policy::from_text(text, format) else {
        return;
    };
    if format == Format::Json {
        // The reader accepts JSON only (after a byte order mark, which it skips).
        let json = text.strip_prefix('\u{feff}').unwrap_or(text);
        if let Err(e) = serde_json::from_str::<serde_json::Value>(json) {
            panic!("read as a JSON policy, but it is not JSON ({e}): {text:?}");
        }
    }
    // What `rolegate export` prints.
    let exported =
        serde_json::to_string_pretty(policy.document().expect("a policy read from text"))
            .expect("export writes");
    let again = match Policy::from_json(&exported) {
        Ok(p) => p,
        Err(e) => panic!("the export does not read back: {e}\n{exported}"),
    };
    assert_eq!(
        again.document().expect("a policy read from text"),
        policy.document().expect("a policy read from text"),
        "export changed the document\n{exported}"
    );
    assert_eq!(
        again.fingerprint(),
        policy.fingerprint(),
        "export changed the fingerprint"
    );
    let twice = serde_json::to_string_pretty(again.document().expect("a policy read from text"))
        .expect("export writes");
    assert_eq!(twice, exported, "a second export differs");

    // Same decisions: each role held at the root and at a scope of its level, every action
    // asked at the root.
    let tenant = Tenant::new("t");
    for role in policy.roles().iter().take(16) {
        let principal = Principal::new("u").with_role(role.name.to_string(), "");
        let (Ok(a), Ok(b)) = (
            policy.session(&principal, &tenant),
            again.session(&principal, &tenant),
        ) else {
            continue;
        };
        for action in policy.actions().iter().take(64) {
            let resource = Resource::at("");
            assert_eq!(
                a.check(&action.name, &resource),
                b.check(&action.name, &resource),
                "the export decides `{}` for `{}` differently",
                action.name,
                role.name
            );
        }
    }
});
