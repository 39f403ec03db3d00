//! The hostile-input corpus (`tests/fixtures/hostile/`, README there): policy documents and
//! requests built to break a reader or to pass for what they are not. Each case gets the
//! coded error it states (code and path), or, for a request, the decision of the reference
//! evaluator (`rolegate::decide::reference`); never a panic, never an allow the reference
//! would not give. The same files run through the npm package in Node and Chromium
//! (`tests/js/hostile.test.mjs`).
//!
//! The big inputs are generated from templates in the files (`$repeat`, `$list`, `$nest`,
//! `$object`, `$concat`), expanded here as in JavaScript (`tests/js/hostile.mjs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::test_util::reference;
use rolegate::{
    Format, InputError, Policy, Principal, Reason, Resource, SessionOptions, Tenant, Value,
};
use serde_json::{Map, Value as Json, json};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

fn dir() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile"
    ))
}

fn load(name: &str) -> Json {
    let text = std::fs::read_to_string(dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Expands the templates of a fixture value (see `tests/fixtures/README.md`).
fn expand(value: &Json) -> Json {
    match value {
        Json::Array(items) => Json::Array(items.iter().map(expand).collect()),
        Json::Object(o) => {
            let times = || o["times"].as_u64().unwrap() as usize;
            if let Some(s) = o.get("$repeat") {
                return Json::String(expand(s).as_str().unwrap().repeat(times()));
            }
            if let Some(v) = o.get("$list") {
                return Json::Array(vec![expand(v); times()]);
            }
            if let Some(n) = o.get("$nest") {
                let mut v = expand(&o["inner"]);
                for _ in 0..n.as_u64().unwrap() {
                    v = Json::Array(vec![v]);
                }
                return v;
            }
            if let Some(spec) = o.get("$object") {
                let prefix = expand(&spec["prefix"]);
                let value = expand(&spec["value"]);
                let n = spec["times"].as_u64().unwrap();
                let mut out = Map::new();
                for i in 0..n {
                    out.insert(format!("{}{i}", prefix.as_str().unwrap()), value.clone());
                }
                return Json::Object(out);
            }
            if let Some(parts) = o.get("$concat") {
                let mut out = String::new();
                for part in parts.as_array().unwrap() {
                    out.push_str(expand(part).as_str().unwrap());
                }
                return Json::String(out);
            }
            assert!(
                !o.keys().any(|k| k.starts_with('$')),
                "a template this runner does not know: {o:?}"
            );
            Json::Object(o.iter().map(|(k, v)| (k.clone(), expand(v))).collect())
        }
        other => other.clone(),
    }
}

/// The JSON text of a fixture value with its templates expanded, written directly: a
/// `$nest` of 100,000 lists never becomes a tree here (serde's would overflow the stack).
fn text_of(value: &Json) -> String {
    let mut out = String::new();
    write_expanded(value, &mut out);
    out
}

fn write_expanded(value: &Json, out: &mut String) {
    match value {
        Json::Object(o) if o.contains_key("$nest") => {
            let n = o["$nest"].as_u64().unwrap() as usize;
            out.push_str(&"[".repeat(n));
            write_expanded(&o["inner"], out);
            out.push_str(&"]".repeat(n));
        }
        Json::Object(o) if o.keys().any(|k| k.starts_with('$')) => {
            out.push_str(&expand(value).to_string());
        }
        Json::Object(o) => {
            out.push('{');
            for (i, (k, v)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String(k.clone()).to_string());
                out.push(':');
                write_expanded(v, out);
            }
            out.push('}');
        }
        Json::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_expanded(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Whether a case runs natively (`runtimes` absent, or naming `native`).
fn native(case: &Json) -> bool {
    case.get("runtimes")
        .is_none_or(|r| r.as_array().unwrap().iter().any(|x| x == "native"))
}

/// Runs `f`, turning a panic into a failure message.
fn guarded<T>(name: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| format!("{name}: panicked"))
}

#[test]
fn hostile_documents() {
    let file = load("documents.json");
    let mut failures = Vec::new();
    let mut count = 0;
    for case in file["cases"].as_array().unwrap() {
        if !native(case) {
            continue;
        }
        count += 1;
        let name = case["name"].as_str().unwrap();
        let text = match case.get("text") {
            Some(t) => expand(t).as_str().unwrap().to_owned(),
            None => text_of(&case["document"]),
        };
        let format = match case["format"].as_str().unwrap() {
            "toml" => Format::Toml,
            _ => Format::Json,
        };
        let expect = expand(&case["expect"]);
        let started = std::time::Instant::now();
        let result = match guarded(name, || Policy::from_text(&text, format)) {
            Ok(r) => r,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let took = started.elapsed();
        assert!(took.as_secs() < 10, "{name}: {took:?}");
        match (&expect, result) {
            (Json::String(s), Ok(policy)) if s == "compiles" => {
                // What compiles also goes through its artifact, to the same fingerprint.
                let loaded = Policy::from_artifact(&policy.to_artifact()).unwrap();
                if loaded.fingerprint() != policy.fingerprint() {
                    failures.push(format!("{name}: the artifact loads another policy"));
                }
            }
            (Json::Object(o), Err(errors)) if o.contains_key("error") => {
                let first = errors.iter().next().unwrap();
                let (code, path) = (&o["error"]["code"], &o["error"]["path"]);
                if first.code.as_str() != code || first.path.to_string() != *path {
                    let path = first.path.to_string();
                    failures.push(format!(
                        "{name}: expected {code} at {path:.80}, got {} at {:.80}: {:.200}",
                        first.code, path, first.message
                    ));
                }
            }
            (_, Ok(_)) => failures.push(format!("{name}: compiled, expected {expect}")),
            (_, Err(errors)) => failures.push(format!(
                "{name}: refused, expected {expect}: {:.300}",
                errors.to_string()
            )),
        }
    }
    assert_eq!(failures, Vec::<String>::new());
    assert!(count >= 30, "{count} document cases");
    println!("hostile documents: {count} cases");
}

/// A named value of the file, or the value itself.
fn named<'a>(file: &'a Json, section: &str, value: &'a Json) -> &'a Json {
    match value.as_str() {
        Some(name) if section != "action" => &file[section][name],
        _ => value,
    }
}

/// The first error of reading and checking a request, or its session and resource.
fn read_request(
    policy: &Policy,
    case: &Json,
    file: &Json,
) -> Result<(Principal, Tenant, Resource, rolegate::Session), InputError> {
    let principal = match case.get("principal_text") {
        Some(text) => Principal::from_json(text.as_str().unwrap())?,
        None => Principal::from_json(&text_of(named(file, "principals", &case["principal"])))?,
    };
    let tenant = Tenant::from_json(&text_of(named(file, "tenants", &case["tenant"])))?;
    // Strict: the corpus states the engine's refusals, an undeclared role's included
    // (lenient sessions are tested in tests/sessions.rs).
    let session = policy.session_with(&principal, &tenant, SessionOptions::strict())?;
    let resource = match case.get("resource") {
        Some(r) => Resource::from_json(&text_of(named(file, "resources", r)))?,
        None => Resource::default(),
    };
    Ok((principal, tenant, resource, session))
}

fn run_requests(name: &str) -> usize {
    let file = load(name);
    let policy = Policy::from_json(&file["policy"].to_string()).unwrap();
    let loaded = Policy::from_artifact(&policy.to_artifact()).unwrap();
    let doc = policy.document().unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in file["cases"].as_array().unwrap() {
        if !native(case) {
            continue;
        }
        count += 1;
        let label = case["name"].as_str().unwrap();
        if std::env::var("HOSTILE_TRACE").is_ok() {
            eprintln!("case: {label}");
        }
        let action = case["action"].as_str().unwrap();
        let expect = expand(&case["expect"]);
        let outcome = match guarded(label, || read_request(&policy, case, &file)) {
            Ok(o) => o,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        match (outcome, &expect) {
            (Ok((principal, tenant, resource, session)), Json::String(s)) if s == "reference" => {
                let decided = guarded(label, || {
                    let compiled = session.check(action, &resource);
                    let simple = reference::decide(doc, &principal, &tenant, action, &resource);
                    let from_artifact = loaded
                        .session_with(&principal, &tenant, SessionOptions::strict())
                        .unwrap()
                        .check(action, &resource);
                    let explained = session.explain(action, &resource).decision;
                    (compiled, simple, from_artifact, explained)
                });
                let (compiled, simple, from_artifact, explained) = match decided {
                    Ok(d) => d,
                    Err(e) => {
                        failures.push(e);
                        continue;
                    }
                };
                if compiled != simple {
                    failures.push(format!("{label}: {compiled:?}, the reference: {simple:?}"));
                }
                if from_artifact != compiled || explained != compiled {
                    failures.push(format!("{label}: the artifact or explain decide otherwise"));
                }
                if case.get("never_allowed") == Some(&json!(true)) && compiled.allowed() {
                    failures.push(format!("{label}: allowed"));
                }
            }
            (Err(error), Json::Object(o)) if o.contains_key("error") => {
                let (code, path) = (&o["error"]["code"], &o["error"]["path"]);
                if error.code.as_str() != code || error.path.to_string() != *path {
                    failures.push(format!(
                        "{label}: expected {code} at {path}, got {error:.200}"
                    ));
                }
            }
            (Ok(_), _) => failures.push(format!("{label}: decided, expected {expect}")),
            (Err(error), _) => {
                failures.push(format!("{label}: {error:.200}, expected {expect}"));
            }
        }
    }
    assert_eq!(failures, Vec::<String>::new(), "{name}");
    println!("hostile {name}: {count} cases");
    count
}

#[test]
fn hostile_requests() {
    assert!(run_requests("requests.json") >= 40);
}

#[test]
fn hostile_scopes() {
    assert!(run_requests("scopes.json") >= 50);
}

#[test]
fn hostile_wildcards() {
    assert!(run_requests("wildcards.json") >= 200);
}

/// Invalid UTF-8 reaches the engine natively in bytes: an artifact's strings, a percent-
/// encoded request path, JSON read by serde from bytes.
#[test]
fn invalid_utf8() {
    let file = load("requests.json");
    let policy = Policy::from_json(&file["policy"].to_string()).unwrap();
    let mut artifact = policy.to_artifact();
    // The policy's name, `hostile-names`, as it sits in the artifact: its first byte
    // made invalid UTF-8, under a recomputed digest.
    let at = artifact
        .windows(13)
        .position(|w| w == b"hostile-names")
        .unwrap();
    artifact[at] = 0xff;
    // The digest sits at bytes 10..42 (docs/ARTIFACT.md).
    let digest = rolegate::test_util::artifact_digest(&artifact);
    artifact[10..42].copy_from_slice(&digest);
    let errors = Policy::from_artifact(&artifact).unwrap_err();
    let first = errors.iter().next().unwrap();
    assert_eq!(first.code.as_str(), "corrupt_artifact", "{errors}");

    // serde's readers refuse invalid UTF-8 before ours see it.
    assert!(serde_json::from_slice::<Principal>(b"{\"id\": \"\xff\"}").is_err());
    assert!(serde_json::from_slice::<Resource>(b"{\"id\": \"\xc3\x28\"}").is_err());

    // A request path that decodes to invalid UTF-8 matches no route.
    #[cfg(feature = "routes")]
    {
        let doc = json!({
            "version": 1, "scopes": { "org": {} },
            "actions": { "doc.view": { "scope": "org" } },
            "roles": { "admin": { "scope": "org", "allow": ["*"] } },
            "routes": { "GET /docs/{id}": { "action": "doc.view", "resource": "doc", "id": "{id}" } }
        });
        let policy = Policy::from_json(&doc.to_string()).unwrap();
        let s = policy
            .session(
                &Principal::new("u").with_role("admin", "org"),
                &Tenant::new("t"),
            )
            .unwrap();
        assert_eq!(s.gate("GET", "/docs/d1").reason(), "granted");
        for path in [
            "/docs/%FF",
            "/docs/%C3%28",
            "/docs/a%ED%A0%80",
            "/docs/%F4%90%80%80",
        ] {
            assert_eq!(s.gate("GET", path).reason(), "no_route", "{path}");
        }
    }
}

/// NaN, infinities and -0 cannot be written in JSON; built in Rust, they are decided as the
/// reference evaluator decides them (the package refuses them at its boundary,
/// `tests/js/hostile.test.mjs`).
#[test]
fn non_finite_numbers_built_in_rust() {
    let file = load("requests.json");
    let policy = Policy::from_json(&file["policy"].to_string()).unwrap();
    let doc = policy.document().unwrap();
    let tenant = Tenant {
        attrs: [("toString".to_owned(), Value::Bool(true))].into(),
        ..Tenant::new("acme")
    };
    let mut compared = 0;
    for n in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        f64::MAX,
        f64::MIN_POSITIVE,
    ] {
        for role in ["prototype", "__proto__", "constructor"] {
            let scope = if role == "constructor" {
                "__proto__:x"
            } else {
                "org"
            };
            let principal = Principal::new("u").with_role(role, scope).with_attr("n", n);
            let session = policy.session(&principal, &tenant).unwrap();
            for resource in [
                Resource::at("org").with_attr("constructor", n),
                Resource::at("org").with_attr("prototype", Value::List(vec![Value::Number(n)])),
                Resource::at("org").with_attr("__proto__", n),
            ] {
                for action in ["doc.view", "__proto__.view", "prototype.run"] {
                    let compiled = session.check(action, &resource);
                    let simple = reference::decide(doc, &principal, &tenant, action, &resource);
                    assert_eq!(compiled, simple, "{n} {role} {action} {resource:?}");
                    if compiled.reason == Reason::BadAttribute {
                        assert!(!compiled.allowed());
                    }
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(compared, 6 * 3 * 3 * 3);
}
