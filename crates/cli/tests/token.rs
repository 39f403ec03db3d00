//! `rolegate token keygen`, `mint` and `verify`, run as a user runs them; every case of the
//! shared token corpus (`tests/fixtures/tokens/cases.json`) through `token verify`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rolegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory under `target/` for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("token-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn keygen_prints_a_private_and_a_public_jwk_for_each_algorithm() {
    for (alg, kty) in [("HS256", "oct"), ("ES256", "EC"), ("EdDSA", "OKP")] {
        let out = rolegate(&["token", "keygen", "--alg", alg, "--kid", "k1"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let keys: Value = serde_json::from_str(&stdout(&out)).unwrap();
        for half in ["private", "public"] {
            assert_eq!(keys[half]["alg"], alg);
            assert_eq!(keys[half]["kty"], kty);
            assert_eq!(keys[half]["kid"], "k1");
        }
        assert_eq!(keys["private"].get("d").is_some(), alg != "HS256");
        assert!(keys["public"].get("d").is_none());
    }
    let out = rolegate(&["token", "keygen", "--alg", "RS256"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn minted_tokens_verify_and_expire() {
    let dir = scratch("mint");
    let (private, public) = (dir.join("es1.private.json"), dir.join("es1.public.json"));
    let out = rolegate(&[
        "token",
        "keygen",
        "--alg",
        "ES256",
        "--kid",
        "es1",
        "--out-private",
        path(&private),
        "--out-public",
        path(&public),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public_jwk: Value =
        serde_json::from_str(&std::fs::read_to_string(&public).unwrap()).unwrap();
    let config = dir.join("tokens.json");
    let config_json = json!({ "issuer": "https://auth.example", "audience": "rolegate-demo", "keys": [public_jwk] });
    std::fs::write(&config, config_json.to_string()).unwrap();
    let principal = dir.join("alice.json");
    std::fs::write(&principal, r#"{ "id": "alice", "roles": [{ "role": "owner", "scope": "org" }], "attrs": { "team": "blue" } }"#).unwrap();
    let tenant = dir.join("acme.json");
    std::fs::write(&tenant, r#"{ "id": "acme", "plan": "agency" }"#).unwrap();
    let out = rolegate(&[
        "token",
        "mint",
        "--key",
        path(&private),
        "--principal",
        path(&principal),
        "--tenant",
        path(&tenant),
        "--iss",
        "https://auth.example",
        "--aud",
        "rolegate-demo",
        "--ttl",
        "600",
        "--now",
        "1800000000",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out).trim().to_owned();
    assert_eq!(token.split('.').count(), 3);

    let verified = rolegate(&[
        "token",
        "verify",
        "--config",
        path(&config),
        "--now",
        "1800000100",
        &token,
    ]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    let identity: Value = serde_json::from_str(&stdout(&verified)).unwrap();
    assert_eq!(
        identity,
        json!({
            "subject": "alice",
            "principal": { "id": "alice", "roles": [{ "role": "owner", "scope": "org" }], "attrs": { "team": "blue" } },
            "tenant": { "id": "acme", "plan": "agency" },
        })
    );
    // The principal printed is one `rolegate check` reads.
    let check = rolegate(&[
        "check",
        "callscaler",
        "billing.manage",
        "--principal",
        &identity["principal"].to_string(),
        "--tenant",
        &identity["tenant"].to_string(),
        "--scope",
        "org",
    ]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(stdout(&check).contains("\"allow\""), "{}", stdout(&check));

    let expired = rolegate(&[
        "token",
        "verify",
        "--config",
        path(&config),
        "--now",
        "1800000660",
        &token,
    ]);
    assert_eq!(expired.status.code(), Some(1));
    let error: Value = serde_json::from_str(&stdout(&expired)).unwrap();
    assert_eq!(error["error"]["code"], "token_expired");
    assert!(
        stderr(&expired).starts_with("token_expired: "),
        "{}",
        stderr(&expired)
    );
}

#[test]
fn verify_reads_the_token_from_standard_input() {
    let cases: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/tokens/cases.json")).unwrap(),
    )
    .unwrap();
    let case = &cases["cases"][0];
    let mut child = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args([
            "token",
            "verify",
            "--config",
            "tests/fixtures/tokens/keys.json",
        ])
        .args(["--now", &case["now"].to_string(), "-"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let token = case["token"].as_str().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{token}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let identity: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        identity["principal"]["id"],
        case["expect"]["principal"]["id"]
    );
}

#[test]
fn every_case_of_the_token_corpus_through_token_verify() {
    let cases: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/tokens/cases.json")).unwrap(),
    )
    .unwrap();
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let out = rolegate(&[
            "token",
            "verify",
            "--config",
            "tests/fixtures/tokens/keys.json",
            "--now",
            &case["now"].to_string(),
            case["token"].as_str().unwrap(),
        ]);
        let printed: Value = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
        match case["expect"]["code"].as_str() {
            Some(code) => {
                assert_eq!(out.status.code(), Some(1), "{name}");
                assert_eq!(printed["error"]["code"], code, "{name}");
            }
            None => {
                assert!(out.status.success(), "{name}: {}", stderr(&out));
                assert_eq!(
                    printed["subject"], case["expect"]["principal"]["id"],
                    "{name}"
                );
                assert_eq!(
                    printed["tenant"]["id"], case["expect"]["tenant"]["id"],
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn bad_configurations_keys_and_inputs_are_usage_errors() {
    let dir = scratch("bad");
    let config = dir.join("config.json");
    std::fs::write(&config, r#"{ "keys": [], "leeway": 5 }"#).unwrap();
    let out = rolegate(&["token", "verify", "--config", path(&config), "a.b.c"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("config_invalid: keys: no keys"),
        "{}",
        stderr(&out)
    );

    let key = dir.join("key.json");
    std::fs::write(&key, r#"{ "kty": "oct", "alg": "HS256", "k": "c2hvcnQ" }"#).unwrap();
    let out = rolegate(&[
        "token",
        "mint",
        "--key",
        path(&key),
        "--principal",
        r#"{"id":"a"}"#,
        "--tenant",
        r#"{"id":"t"}"#,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("at least 32 bytes"),
        "{}",
        stderr(&out)
    );

    let good_key = dir.join("ed.json");
    let out = rolegate(&[
        "token",
        "keygen",
        "--alg",
        "EdDSA",
        "--out-private",
        path(&good_key),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = rolegate(&[
        "token",
        "mint",
        "--key",
        path(&good_key),
        "--principal",
        r#"{"id":"a","roles":[{"scope":"org"}]}"#,
        "--tenant",
        r#"{"id":"t"}"#,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing field `role`"),
        "{}",
        stderr(&out)
    );

    let out = rolegate(&[
        "token",
        "mint",
        "--key",
        path(&good_key),
        "--principal",
        r#"{"id":"a"}"#,
        "--tenant",
        r#"{"id":"t"}"#,
        "--ttl",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--ttl `0`"), "{}", stderr(&out));
}

/// Found by the differential test of tests/js/token.test.mjs: a token starting with `-`
/// was taken for an option and refused as bad usage (exit 2) instead of a malformed token.
#[test]
fn a_token_starting_with_a_hyphen_is_malformed_not_an_option() {
    let out = rolegate(&[
        "token",
        "verify",
        "--config",
        "tests/fixtures/tokens/keys.json",
        "-yJhbGciOiJIUzI1NiJ9.e30.",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let printed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(printed["error"]["code"], "token_malformed");
}

/// The fenced blocks of `lang` in a markdown file.
fn fenced(markdown: &str, lang: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line == format!("```{lang}") => current = Some(String::new()),
            Some(block) if line == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn the_cli_example_of_docs_tokens_runs() {
    let docs = std::fs::read_to_string(root().join("docs/TOKENS.md")).unwrap();
    let script = fenced(&docs, "sh");
    assert_eq!(script.len(), 1, "one shell example expected");
    let dir = scratch("docs");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_rolegate")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script[0]])
        .env("PATH", path)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let identity: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(identity["subject"], "alice");
    assert_eq!(identity["tenant"]["plan"], "growth");
}

#[test]
fn the_claims_example_of_docs_tokens_verifies_into_its_principal_and_tenant() {
    let docs = std::fs::read_to_string(root().join("docs/TOKENS.md")).unwrap();
    let claims: Value = serde_json::from_str(&fenced(&docs, "json")[0]).unwrap();
    let (private, public) =
        rolegate_token::generate(rolegate_token::Algorithm::EdDsa, Some("ed1")).unwrap();
    let token = rolegate_token::mint(&private, &claims, Some("ed1")).unwrap();
    let config = rolegate_token::TokenConfig::from_json(
        &json!({ "issuer": "https://auth.example", "audience": "rolegate-demo", "keys": [serde_json::from_str::<Value>(&public).unwrap()] })
            .to_string(),
    )
    .unwrap();
    let identity = config.verify(&token, 1_800_000_000).unwrap();
    assert_eq!(
        identity.principal,
        rolegate::Principal::new("alice")
            .with_role("admin", "org")
            .with_role("ws_editor", "workspace:w1")
            .with_attr("department", "sales")
    );
    assert_eq!(identity.tenant.features, ["outreach"]);
}
