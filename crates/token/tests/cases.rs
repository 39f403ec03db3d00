//! The shared token corpus (`tests/fixtures/tokens/cases.json`, also run by
//! `tests/js/token.test.mjs`): every case gives its expected code, or the expected principal
//! and tenant; plus round trips of `generate`, `mint` and `verify` for each algorithm.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{Principal, Tenant};
use rolegate_token::{Algorithm, TokenConfig, TokenErrorCode, generate, mint};
use serde_json::{Value, json};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tokens")
}

fn corpus() -> (TokenConfig, Vec<Value>) {
    let cases: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("cases.json")).unwrap())
            .unwrap();
    let config_file = fixtures().join(cases["config"].as_str().unwrap());
    let config = TokenConfig::from_json(&std::fs::read_to_string(config_file).unwrap()).unwrap();
    (config, cases["cases"].as_array().unwrap().clone())
}

#[test]
fn every_case_of_the_corpus_gives_its_expected_outcome() {
    let (config, cases) = corpus();
    assert!(cases.len() >= 30);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let token = case["token"].as_str().unwrap();
        let now = case["now"].as_u64().unwrap();
        let expect = &case["expect"];
        match (config.verify(token, now), expect["code"].as_str()) {
            (Ok(identity), None) => {
                let principal = Principal::from_json(&expect["principal"].to_string()).unwrap();
                let tenant = Tenant::from_json(&expect["tenant"].to_string()).unwrap();
                if identity.principal != principal || identity.tenant != tenant {
                    failures.push(format!("{name}: got {identity:?}"));
                }
                assert_eq!(identity.subject, identity.principal.id);
                assert!(identity.claims.is_object());
            }
            (Err(e), Some(code)) if e.code.as_str() == code => {
                assert!(
                    !e.message.is_empty() && !e.message.ends_with('.'),
                    "{name}: {e}"
                );
            }
            (got, _) => failures.push(format!("{name}: expected {expect}, got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_corpus_covers_every_code() {
    let (_, cases) = corpus();
    for code in TokenErrorCode::ALL {
        assert!(
            cases.iter().any(|c| c["expect"]["code"] == code.as_str()),
            "no case for {code}"
        );
    }
}

fn claims(exp: u64) -> Value {
    json!({
        "sub": "alice", "iss": "https://auth.example", "aud": ["a", "rolegate-demo"], "exp": exp,
        "rolegate": {
            "roles": [{ "role": "admin", "scope": "org" }, { "role": "ws_editor", "scope": "workspace:w1" }],
            "attrs": { "department": "sales" },
            "tenant": { "id": "acme", "plan": "agency", "features": ["outreach"] },
        },
    })
}

#[test]
fn minted_tokens_verify_for_each_algorithm_with_and_without_kid() {
    for alg in Algorithm::ALL {
        let (private, public) = generate(alg, Some("k1")).unwrap();
        let config = TokenConfig::from_json(&format!(
            r#"{{ "issuer": "https://auth.example", "audience": "rolegate-demo", "keys": [{public}] }}"#
        ))
        .unwrap();
        for kid in [Some("k1"), None] {
            let token = mint(&private, &claims(1_000_100), kid).unwrap();
            let identity = config.verify(&token, 1_000_000).unwrap();
            assert_eq!(
                identity.principal,
                Principal::new("alice")
                    .with_role("admin", "org")
                    .with_role("ws_editor", "workspace:w1")
                    .with_attr("department", "sales")
            );
            assert_eq!(
                identity.tenant,
                Tenant::new("acme")
                    .with_plan("agency")
                    .with_feature("outreach")
            );
            let expired = config.verify(&token, 1_000_160).unwrap_err();
            assert_eq!(expired.code, TokenErrorCode::Expired, "{alg}");
            assert_eq!(
                config.verify(&token, 1_000_159).map(|i| i.subject),
                Ok("alice".to_owned())
            );
        }
        // Another key of the same algorithm does not verify it.
        let (other, _) = generate(alg, Some("k1")).unwrap();
        let forged = mint(&other, &claims(1_000_100), Some("k1")).unwrap();
        assert_eq!(
            config.verify(&forged, 1_000_000).unwrap_err().code,
            TokenErrorCode::Signature
        );
    }
}

#[test]
fn private_keys_are_refused_in_a_verification_configuration() {
    for alg in [Algorithm::Es256, Algorithm::EdDsa] {
        let (private, _) = generate(alg, None).unwrap();
        let error = TokenConfig::from_json(&format!(r#"{{ "keys": [{private}] }}"#)).unwrap_err();
        assert_eq!(error.path, "keys[0].d", "{error}");
        assert_eq!(error.code(), "config_invalid");
    }
}

#[test]
fn configuration_errors_name_the_member() {
    let keys = std::fs::read_to_string(fixtures().join("keys.json")).unwrap();
    let keys: Value = serde_json::from_str(&keys).unwrap();
    let (hs, es, ed) = (&keys["keys"][0], &keys["keys"][1], &keys["keys"][2]);
    let with = |key: &Value, member: &str, value: Value| {
        let mut key = key.clone();
        key[member] = value;
        json!({ "keys": [key] })
    };
    let cases = [
        (json!([]), ""),
        (json!({ "keys": keys["keys"], "audiance": "x" }), "audiance"),
        (json!({ "keys": [] }), "keys"),
        (json!({ "keys": hs }), "keys"),
        (json!({ "keys": keys["keys"], "leeway": -1 }), "leeway"),
        (json!({ "keys": keys["keys"], "leeway": 1.5 }), "leeway"),
        (json!({ "keys": keys["keys"], "leeway": 86401 }), "leeway"),
        (json!({ "keys": keys["keys"], "issuer": "" }), "issuer"),
        (with(hs, "k", json!("c2hvcnQ")), "keys[0].k"),
        (with(es, "alg", json!("EdDSA")), "keys[0].kty"),
        (with(es, "crv", json!("P-384")), "keys[0].crv"),
        (with(es, "y", es["x"].clone()), "keys[0]"),
        (with(ed, "alg", json!("none")), "keys[0].alg"),
        (with(ed, "use", json!("enc")), "keys[0].use"),
        (
            with(ed, "x", json!(format!("{}=", ed["x"].as_str().unwrap()))),
            "keys[0].x",
        ),
        (
            json!({ "keys": [hs, with(es, "kid", json!("hs1"))["keys"][0]] }),
            "keys[1].kid",
        ),
    ];
    for (config, path) in cases {
        let error = TokenConfig::from_json(&config.to_string()).unwrap_err();
        assert_eq!(error.path, path, "{config}: {error}");
    }
    assert_eq!(
        TokenConfig::from_json("{").unwrap_err().code(),
        "config_invalid"
    );
    let config = TokenConfig::from_json(&keys.to_string()).unwrap();
    assert_eq!(config.leeway(), 60);
    assert_eq!(config.issuer(), Some("https://auth.example"));
    assert_eq!(config.audience(), Some("rolegate-demo"));
}

/// The string members of `export type NAME = | "a" | "b";` in TypeScript declarations.
fn union(declarations: &str, name: &str) -> Vec<String> {
    let start = declarations
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("no union `{name}`"));
    let body = &declarations[start..];
    let body = &body[..body.find(';').unwrap()];
    body.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_codes_are_the_same_in_rust_js_the_type_declarations_and_the_docs() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |p: &str| std::fs::read_to_string(repo.join(p)).unwrap();
    let codes: Vec<String> = TokenErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(union(&read("js/index.d.ts"), "TokenErrorCode"), codes);
    let js = read("js/token.js");
    for code in &codes {
        assert!(
            js.contains(&format!("\"{code}\"")),
            "js/token.js never uses {code}"
        );
    }
    // The docs' table lists them in the order of the checks.
    let docs = read("docs/TOKENS.md");
    let rows: Vec<String> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("| ").and_then(|l| l.split(" | `").nth(1)))
        .filter_map(|cell| cell.split('`').next().map(str::to_owned))
        .filter(|c| c.starts_with("token_"))
        .collect();
    assert_eq!(rows, codes);
}
