//! Route matching (`Session::gate`) on arbitrary methods and paths, over the presets' route
//! tables and the gate fixtures' own. Oracles:
//! - the route matched is the one a plain reference matcher picks (the normalization of
//!   docs/POLICY.md written out, every route compared, a literal segment before a
//!   parameter), and none when it finds none;
//! - a parameter is never empty, `.` or `..`, and never holds a `/`, a `\` or a control
//!   character, however the path encodes them;
//! - each parameter is the decoded segment at its place in the pattern;
//! - no route means `no_route` (404), never a pass;
//! - the gate's answer stands whatever the loaded resource's attributes (of their declared
//!   types): `allow`, `deny` and `locked` are what `check` gives it, and `origin` completes
//!   to `check`'s decision.
//!
//! Input: a byte for the policy, a byte for the persona, a byte for the method, then the
//! request target (path, query, fragment).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolegate::document::AttrType;
use rolegate::{Attrs, Effect, GateDecision, GateOutcome, Policy, Resource, Session, Value};
use rolegate_fuzz::fixtures;

const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "get", "TRACE", "",
];

/// The normalization of docs/POLICY.md, written out plainly: the decoded segments, or
/// `None` when no route can match.
fn reference_segments(target: &str) -> Option<Vec<String>> {
    let path = target.split(['?', '#']).next()?;
    if path.len() > 4096 {
        return None;
    }
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
        while let Some(&c) = b.get(i) {
            if c == b'%' {
                let hex = raw.get(i + 1..i + 3)?;
                if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            } else {
                bytes.push(c);
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

/// The pattern's segments (`{name}` for a parameter).
fn pattern_segments(pattern: &str) -> Option<(&str, Vec<&str>)> {
    let (method, path) = pattern.split_once(' ')?;
    let segments = if path == "/" {
        Vec::new()
    } else {
        path.get(1..)?.split('/').collect()
    };
    Some((method, segments))
}

/// Every route of the method whose segments fit; the winner compared segment by segment,
/// a literal before a parameter.
fn reference_match(policy: &Policy, method: &str, segments: &[String]) -> Option<String> {
    let method = if method == "HEAD" { "GET" } else { method };
    let mut best: Option<(Vec<bool>, String)> = None;
    for r in policy.routes() {
        let Some((m, pattern)) = pattern_segments(&r.pattern) else {
            continue;
        };
        if m != method || pattern.len() != segments.len() {
            continue;
        }
        let fits = pattern
            .iter()
            .zip(segments)
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

/// A small deterministic generator (xorshift), seeded from the input.
struct Gen(u64);

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x % n.max(1) as u64) as usize
    }
}

/// A value of the declared type, from values the rules compare with (the principal's id,
/// the path's parameters), or nothing.
fn typed(g: &mut Gen, ty: AttrType, strings: &[String]) -> Option<Value> {
    let string = |g: &mut Gen| Value::String(strings[g.below(strings.len())].clone());
    let number = |g: &mut Gen| Value::Number(g.below(4) as f64);
    Some(match (ty, g.below(6)) {
        (_, 0) => return None,
        (AttrType::String, _) => string(g),
        (AttrType::Number, _) => number(g),
        (AttrType::Bool, _) => Value::Bool(g.below(2) == 0),
        (AttrType::StringList, _) => Value::List((0..g.below(3)).map(|_| string(g)).collect()),
        (AttrType::NumberList, _) => Value::List((0..g.below(3)).map(|_| number(g)).collect()),
    })
}

/// Whatever attributes (of their declared types) the loaded resource has, the gate's answer
/// stands: `allow`, `deny` and `locked` are what `check` gives the loaded resource, and
/// `origin` completes to it.
fn loaded_resources_agree(policy: &Policy, session: &Session, gate: &GateDecision, seed: u64) {
    let (Some(action), Some(resource)) = (&gate.action, &gate.resource) else {
        return;
    };
    let mut g = Gen(seed | 1);
    let mut strings: Vec<String> = gate.params.iter().map(|(_, v)| v.clone()).collect();
    strings.extend(["u1", "u2", "owner", "x"].map(str::to_owned));
    let declared = &policy
        .document()
        .expect("a policy read from text")
        .attributes
        .resource;
    for _ in 0..8 {
        let mut attrs = Attrs::default();
        for (name, ty) in declared.iter() {
            if let Some(v) = typed(&mut g, *ty, &strings) {
                attrs.insert(name.to_owned(), v);
            }
        }
        let loaded = Resource {
            attrs: attrs.clone(),
            ..resource.clone()
        };
        let decision = session.check(action, &loaded);
        match gate.outcome {
            GateOutcome::Origin => {
                let done = session.complete(gate, attrs);
                assert_eq!(done.decision.as_ref(), Some(&decision), "{gate:?}");
            }
            outcome => {
                let want = match decision.effect {
                    Effect::Allow => GateOutcome::Allow,
                    // A gate refuses what a check without a particular resource calls
                    // conditional (it cannot pass on "some resources").
                    Effect::Deny | Effect::Conditional => GateOutcome::Deny,
                    Effect::Locked => GateOutcome::Locked,
                };
                assert_eq!(
                    outcome, want,
                    "the gate said {outcome:?}, the loaded resource gives {decision:?}: {gate:?}"
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [f, p, m, rest @ ..] = data else {
        return;
    };
    let Ok(target) = std::str::from_utf8(rest) else {
        return;
    };
    let fixtures = fixtures();
    let fixture = &fixtures[usize::from(*f) % fixtures.len()];
    let Some((principal, tenant)) = fixture
        .personas
        .get(usize::from(*p) % fixture.personas.len().max(1))
    else {
        return;
    };
    let Ok(session) = fixture.policy.session(principal, tenant) else {
        return;
    };
    let method = METHODS[usize::from(*m) % METHODS.len()];
    let gate = session.gate(method, target);
    let segments = reference_segments(target);
    let want = segments
        .as_deref()
        .and_then(|s| reference_match(&fixture.policy, method, s));
    let got = gate.route.as_deref().map(str::to_owned);
    assert_eq!(got, want, "{}: {method} {target:?}", fixture.name);
    for (name, value) in &gate.params {
        assert!(
            !value.is_empty()
                && value != "."
                && value != ".."
                && !value.contains(['/', '\\'])
                && !value.chars().any(char::is_control),
            "{}: {method} {target:?} matched `{value}` into `{name}`",
            fixture.name
        );
    }
    match (&gate.route, segments) {
        (Some(route), Some(segments)) => {
            let (_, pattern) = pattern_segments(route).expect("a route's pattern");
            let expected: Vec<(&str, &str)> = pattern
                .iter()
                .zip(&segments)
                .filter_map(|(p, s)| {
                    let name = p.strip_prefix('{')?.strip_suffix('}')?;
                    Some((name, s.as_str()))
                })
                .collect();
            let params: Vec<(&str, &str)> = gate
                .params
                .iter()
                .map(|(n, v)| (&**n, v.as_str()))
                .collect();
            assert_eq!(params, expected, "{}: {method} {target:?}", fixture.name);
            assert!(gate.outcome != GateOutcome::NoRoute);
            let seed = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
            });
            loaded_resources_agree(&fixture.policy, &session, &gate, seed);
        }
        _ => {
            assert_eq!(gate.outcome, GateOutcome::NoRoute);
            assert_eq!(gate.status(), 404);
            assert!(gate.params.is_empty() && gate.decision.is_none());
        }
    }
});
