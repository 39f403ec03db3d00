//! Gates, natively: the gate fixture corpus (`tests/fixtures/gates`), the soundness of the
//! `origin` reasoning, the route matcher against a deliberately simple reference matcher,
//! and the policy fingerprint.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::presets::preset;
use rolegate::{Attrs, Effect, GateOutcome, Policy, Principal, Resource, Tenant, Value};
use serde_json::Value as Json;
use std::path::Path;

fn fixtures() -> Vec<(String, Json)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gates");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
            )
        })
        .collect()
}

fn policy_of(fixture: &Json) -> Policy {
    match fixture.get("preset") {
        Some(name) => Policy::from_toml(preset(name.as_str().unwrap()).unwrap()).unwrap(),
        None => Policy::from_json(&fixture["policy"].to_string()).unwrap(),
    }
}

fn persona(fixture: &Json, name: &str) -> (Principal, Tenant) {
    let p = &fixture["personas"][name];
    assert!(p.is_object(), "persona `{name}` is not in the file");
    (
        Principal::from_json(&p["principal"].to_string()).unwrap(),
        Tenant::from_json(&p["tenant"].to_string()).unwrap(),
    )
}

#[test]
fn the_gate_corpus_is_answered_as_expected() {
    let mut total = 0;
    let mut failures = Vec::new();
    for (file, fixture) in fixtures() {
        let policy = policy_of(&fixture);
        for case in fixture["cases"].as_array().unwrap() {
            total += 1;
            let name = case["name"].as_str().unwrap();
            let (principal, tenant) = persona(&fixture, case["persona"].as_str().unwrap());
            let session = policy.session(&principal, &tenant).unwrap();
            let mut answer = session.gate(
                case["method"].as_str().unwrap(),
                case["path"].as_str().unwrap(),
            );
            if let Some(attrs) = case.get("attrs") {
                let attrs = Resource::attrs_from_json(&attrs.to_string()).unwrap();
                answer = session.complete(&answer, attrs);
            }
            let got = serde_json::to_value(&answer).unwrap();
            for (field, want) in case["expect"].as_object().unwrap() {
                if got.get(field) != Some(want) {
                    failures.push(format!(
                        "{file}: {name}: {field} is {}, expected {want}",
                        got.get(field).unwrap_or(&Json::Null)
                    ));
                }
            }
        }
    }
    assert!(total >= 600, "the corpus holds {total} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small deterministic generator (xorshift).
struct Gen(u64);

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Random attributes for a loaded resource: every declared resource attribute, from values
/// that make conditions go either way (the principal's id among them).
fn random_attrs(g: &mut Gen, policy: &Policy, principal: &Principal) -> Attrs {
    let mut attrs = Attrs::new();
    for (name, ty) in policy.document().unwrap().attributes.resource.iter() {
        if g.below(5) == 0 {
            continue; // absent: null
        }
        let ids = [principal.id.as_str(), "u9", "someone"];
        let value = match ty.as_str() {
            "string" => Value::String((*g.pick(&ids)).to_owned()),
            "string[]" => Value::List(
                (0..g.below(3))
                    .map(|_| Value::String((*g.pick(&ids)).to_owned()))
                    .collect(),
            ),
            "bool" => Value::Bool(g.below(2) == 0),
            "number" => Value::Number(g.below(4) as f64),
            _ => Value::List(vec![Value::Number(g.below(4) as f64)]),
        };
        attrs.insert(name.to_owned(), value);
    }
    attrs
}

/// Paths for every route, its parameters filled with the personas' scope ids and others.
fn requests(g: &mut Gen, policy: &Policy, ids: &[String]) -> Vec<(String, String)> {
    policy
        .routes()
        .iter()
        .map(|r| {
            let (_, path) = r.pattern.split_once(' ').unwrap();
            let filled: Vec<String> = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        g.pick(ids).clone()
                    } else {
                        seg.to_owned()
                    }
                })
                .collect();
            (r.method().to_owned(), filled.join("/"))
        })
        .collect()
}

#[test]
fn the_gate_never_answers_what_a_loaded_resource_would_contradict() {
    let mut g = Gen(0x5eed_6a7e);
    let mut checked = 0;
    let mut origins = 0;
    for (_, fixture) in fixtures() {
        let policy = policy_of(&fixture);
        let mut ids: Vec<String> = vec!["x1".into(), "p1".into(), "b1".into(), "w1".into()];
        for p in fixture["personas"].as_object().unwrap().values() {
            for r in p["principal"]["roles"].as_array().into_iter().flatten() {
                for part in r["scope"].as_str().unwrap().split('/') {
                    if let Some((_, id)) = part.split_once(':') {
                        ids.push(id.to_owned());
                    }
                }
            }
            ids.push(p["principal"]["id"].as_str().unwrap().to_owned());
        }
        for name in fixture["personas"].as_object().unwrap().keys() {
            let (principal, tenant) = persona(&fixture, name);
            let session = policy.session(&principal, &tenant).unwrap();
            for (method, path) in requests(&mut g, &policy, &ids) {
                let answer = session.gate(&method, &path);
                let resource = answer.resource.clone().unwrap();
                let action = answer.action.clone().unwrap();
                for _ in 0..30 {
                    let attrs = random_attrs(&mut g, &policy, &principal);
                    let loaded = Resource {
                        attrs: attrs.clone(),
                        ..resource.clone()
                    };
                    let decision = session.check(&action, &loaded);
                    checked += 1;
                    match answer.outcome {
                        GateOutcome::Origin => {
                            let done = session.complete(&answer, attrs);
                            assert_eq!(done.decision.as_ref(), Some(&decision), "{method} {path}");
                        }
                        GateOutcome::NoRoute => {
                            panic!("{method} {path}: a filled route has no route")
                        }
                        outcome => {
                            let want = match decision.effect {
                                Effect::Allow => GateOutcome::Allow,
                                // Not allowed as such: the gate refuses it.
                                Effect::Deny | Effect::Conditional => GateOutcome::Deny,
                                Effect::Locked => GateOutcome::Locked,
                            };
                            assert_eq!(
                                outcome, want,
                                "{method} {path} as {name}: the gate said {outcome}, the loaded resource gives {decision}"
                            );
                        }
                    }
                }
                origins += usize::from(answer.outcome == GateOutcome::Origin);
            }
        }
    }
    assert!(checked > 20_000, "checked {checked}");
    assert!(origins >= 4, "the origin outcome occurs ({origins})");
}

// ---- The matcher against a reference -----------------------------------------------------

/// The normalization of docs/POLICY.md, written out plainly: the decoded segments, or
/// `None` when no route can match.
fn reference_segments(target: &str) -> Option<Vec<String>> {
    let path = target.split(['?', '#']).next().unwrap();
    let mut rest = path.strip_prefix('/')?.to_owned();
    if rest.ends_with('/') {
        if rest == "/" {
            return None;
        }
        rest.pop();
    }
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for raw in rest.split('/') {
        let mut bytes = Vec::new();
        let b = raw.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                let hex = raw.get(i + 1..i + 3)?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                i += 3;
            } else {
                bytes.push(b[i]);
                i += 1;
            }
        }
        let s = String::from_utf8(bytes).ok()?;
        if s.is_empty()
            || s == "."
            || s == ".."
            || s.contains(['/', '\\'])
            || s.chars().any(char::is_control)
        {
            return None;
        }
        out.push(s);
    }
    (out.len() <= 32).then_some(out)
}

/// Every route of the method whose segments match; the winner compared segment by segment,
/// a literal before a parameter.
fn reference_match(policy: &Policy, method: &str, target: &str) -> Option<String> {
    let method = if method == "HEAD" { "GET" } else { method };
    let segments = reference_segments(target)?;
    let mut best: Option<(Vec<bool>, String)> = None;
    for r in policy.routes() {
        let (m, path) = r.pattern.split_once(' ').unwrap();
        if m != method {
            continue;
        }
        let pattern: Vec<&str> = if path == "/" {
            Vec::new()
        } else {
            path[1..].split('/').collect()
        };
        if pattern.len() != segments.len() {
            continue;
        }
        let fits = pattern
            .iter()
            .zip(&segments)
            .all(|(p, s)| p.starts_with('{') || p == s);
        if !fits {
            continue;
        }
        let rank: Vec<bool> = pattern.iter().map(|p| !p.starts_with('{')).collect();
        if best.as_ref().is_none_or(|(b, _)| rank > *b) {
            best = Some((rank, r.pattern.to_string()));
        }
    }
    best.map(|(_, p)| p)
}

#[test]
fn the_segment_tree_matches_as_the_reference_matcher() {
    let mut g = Gen(0xa11_7e5);
    let admin = Principal::new("u1");
    let tricky = [
        "..",
        ".",
        "%2e%2e",
        "%2F",
        "a%2Fb",
        "",
        "%41",
        "%zz",
        "%25",
        "API",
        "x%00",
        "caf%C3%A9",
        "%ff",
    ];
    let methods = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "get", "TRACE",
    ];
    let mut matched = 0;
    let mut total = 0;
    for (_, fixture) in fixtures() {
        let policy = policy_of(&fixture);
        let session = policy.session(&admin, &Tenant::new("t")).unwrap();
        let literals: Vec<String> = policy
            .routes()
            .iter()
            .flat_map(|r| {
                r.pattern
                    .split_once(' ')
                    .unwrap()
                    .1
                    .split('/')
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|s| !s.is_empty() && !s.starts_with('{'))
            .collect();
        let patterns: Vec<Vec<String>> = policy
            .routes()
            .iter()
            .map(|r| {
                let path = r.pattern.split_once(' ').unwrap().1;
                path.split('/').skip(1).map(str::to_owned).collect()
            })
            .collect();
        for _ in 0..4000 {
            // Half from a route's shape (parameters filled, now and then a segment spoiled),
            // half from random segments.
            let segs: Vec<String> = if g.below(2) == 0 {
                g.pick(&patterns)
                    .iter()
                    .map(|seg| match (seg.starts_with('{'), g.below(12)) {
                        (_, 0) => (*g.pick(&tricky)).to_owned(),
                        (true, 1) => g.pick(&literals).clone(),
                        (true, _) => format!("v{}", g.below(5)),
                        (false, _) => seg.clone(),
                    })
                    .collect()
            } else {
                (0..1 + g.below(6))
                    .map(|_| match g.below(10) {
                        0 | 1 => (*g.pick(&tricky)).to_owned(),
                        2 | 3 => format!("v{}", g.below(5)),
                        _ => g.pick(&literals).clone(),
                    })
                    .collect()
            };
            let mut target = format!("/{}", segs.join("/"));
            if g.below(8) == 0 {
                target.push('/');
            }
            if g.below(8) == 0 {
                target.push_str("?q=1");
            }
            let method = *g.pick(&methods);
            let want = reference_match(&policy, method, &target);
            let got = session.gate(method, &target).route.map(|r| r.to_string());
            assert_eq!(got, want, "{method} {target}");
            total += 1;
            matched += usize::from(want.is_some());
        }
    }
    assert!(
        matched > total / 20,
        "random paths that match routes: {matched} of {total}"
    );
}

// ---- The fingerprint -------------------------------------------------------------------

#[test]
fn the_fingerprint_names_the_policy_not_its_text() {
    for name in [
        "outreach",
        "calilio",
        "callaro",
        "callscaler",
        "project-members",
    ] {
        let from_toml = Policy::from_toml(preset(name).unwrap()).unwrap();
        let json = serde_json::to_string_pretty(from_toml.document().unwrap()).unwrap();
        let from_json = Policy::from_json(&json).unwrap();
        let fp = from_toml.fingerprint();
        assert_eq!(fp.len(), 64);
        assert!(
            fp.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        assert_eq!(from_json.fingerprint(), fp, "{name}: TOML and JSON forms");

        // Any change that can change a decision changes it.
        let doc: Json = serde_json::from_str(&json).unwrap();
        let mut changes: Vec<Json> = Vec::new();
        let mut c = doc.clone();
        let first_action = c["actions"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        c["actions"][&first_action]["hint"] = Json::from("a different hint");
        changes.push(c);
        let mut c = doc.clone();
        let (role, _) = c["roles"].as_object().unwrap().iter().next_back().unwrap();
        let role = role.clone();
        c["roles"][&role]["allow"] = Json::from(vec![first_action.clone()]);
        changes.push(c);
        let mut c = doc.clone();
        let (route, _) = c["routes"].as_object().unwrap().iter().next().unwrap();
        let route = route.clone();
        c["routes"][&route]["resource"] = Json::from("something_else");
        changes.push(c);
        let mut c = doc.clone();
        let roles = c["roles"].as_object_mut().unwrap();
        let mut entries: Vec<(String, Json)> = std::mem::take(roles).into_iter().collect();
        entries.reverse(); // the order of roles names the role that decides
        roles.extend(entries);
        changes.push(c);
        for (i, changed) in changes.iter().enumerate() {
            let other = Policy::from_json(&changed.to_string()).unwrap();
            assert_ne!(
                other.fingerprint(),
                fp,
                "{name}: change {i} keeps the fingerprint"
            );
        }
    }
}
