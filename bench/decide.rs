//! Native decision speed: `cargo bench --bench decide` prints figures (no pass/fail).
//!
//! Measures, on the presets: compiling a policy, building a session, `check` by name, by
//! id with a pre-parsed scope (`verdict_in`), a check whose grant has a condition, the
//! whole UI map (`permissions`), and requests through the route table (`gate`). Each figure
//! is the median of several rounds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::presets::preset;
use rolegate::{Policy, Principal, Resource, Tenant};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// `cargo bench` passes `--bench`; under `cargo test` the benchmark only runs once through,
/// quickly, to show it still works.
fn quick() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

/// Median nanoseconds per call of `f`, over rounds of at least 100 ms each.
fn measure(mut f: impl FnMut() -> usize) -> f64 {
    if quick() {
        let start = Instant::now();
        black_box(f());
        return start.elapsed().as_nanos() as f64;
    }
    let mut batch = 1usize;
    loop {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(f());
        }
        if start.elapsed() > Duration::from_millis(20) {
            break;
        }
        batch *= 2;
    }
    let mut rounds: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            let mut n = 0;
            while start.elapsed() < Duration::from_millis(100) {
                for _ in 0..batch {
                    black_box(f());
                }
                n += batch;
            }
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    rounds.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rounds[rounds.len() / 2]
}

fn row(what: &str, ns: f64) {
    let per_second = 1e9 / ns;
    println!("{what:<58} {ns:>10.1} ns   {per_second:>14.0} /s");
}

fn main() {
    println!(
        "rolegate native decisions ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    for name in [
        "outreach",
        "callscaler",
        "project-members",
        "calilio",
        "callaro",
    ] {
        let text = preset(name).unwrap();
        row(
            &format!("compile `{name}` from TOML"),
            measure(|| Policy::from_toml(text).unwrap().actions().len()),
        );
    }

    let outreach = Policy::from_toml(preset("outreach").unwrap()).unwrap();
    let tenant = Tenant::new("acme").with_feature("outreach");
    let campaigner = Principal::new("u2").with_role("campaigner", "org");
    row(
        "session (principal with one role)",
        measure(|| {
            outreach
                .session(&campaigner, &tenant)
                .unwrap()
                .policy()
                .actions()
                .len()
        }),
    );
    let session = outreach.session(&campaigner, &tenant).unwrap();
    let names: Vec<String> = outreach
        .actions()
        .iter()
        .map(|a| a.name.to_string())
        .collect();
    let root = Resource::default();
    let mut i = 0;
    row(
        "check by name, 14 actions of a render, at the org",
        measure(|| {
            i = (i + 1) % names.len();
            session.check(&names[i], &root).allowed() as usize
        }),
    );
    let scope = session.scope("").unwrap();
    let keys: Vec<_> = names.iter().filter_map(|n| outreach.action_id(n)).collect();
    row(
        "verdict by id at a pre-parsed scope",
        measure(|| {
            i = (i + 1) % keys.len();
            session.verdict_in(keys[i], &scope, &root).allowed() as usize
        }),
    );
    row(
        "permissions: the whole UI map (14 actions)",
        measure(|| session.permissions("").len()),
    );

    let callscaler = Policy::from_toml(preset("callscaler").unwrap()).unwrap();
    let member = Principal::new("u5").with_role("member", "business:b1");
    let s = callscaler
        .session(&member, &Tenant::new("acme").with_plan("pro"))
        .unwrap();
    let inside = Resource::at("business:b1");
    row(
        "check in a business (member assigned there)",
        measure(|| s.check("call.view", &inside).allowed() as usize),
    );

    let calilio = Policy::from_toml(preset("calilio").unwrap()).unwrap();
    let m = Principal::new("u2").with_role("member", "org");
    let s = calilio.session(&m, &Tenant::new("acme")).unwrap();
    let mine = Resource::new("number", "n1", "org").with_attr("assignee", "u2");
    let theirs = Resource::new("number", "n2", "org").with_attr("assignee", "u3");
    let mut flip = false;
    row(
        "check with a condition (resource.assignee == principal.id)",
        measure(|| {
            flip = !flip;
            s.check("number.view", if flip { &mine } else { &theirs })
                .allowed() as usize
        }),
    );
    row(
        "explain (a readable account)",
        measure(|| s.explain("number.view", &mine).steps.len()),
    );

    // Gates: every route of the presets, its parameters filled in, as an edge function or a
    // middleware asks (match, build the resource, decide), and a path that has no route.
    for name in ["outreach", "callscaler", "calilio"] {
        let policy = Policy::from_toml(preset(name).unwrap()).unwrap();
        let requests: Vec<(String, String)> = policy
            .routes()
            .iter()
            .map(|r| {
                let path = r.pattern.split_once(' ').map_or("", |(_, p)| p);
                let filled: Vec<String> = path
                    .split('/')
                    .map(|seg| {
                        if seg.starts_with('{') {
                            "x1".to_owned()
                        } else {
                            seg.to_owned()
                        }
                    })
                    .collect();
                (r.method().to_owned(), filled.join("/"))
            })
            .collect();
        if requests.is_empty() {
            continue;
        }
        let admin = policy.roles().first().map(|r| r.name.to_string()).unwrap();
        let who = Principal::new("u1").with_role(admin, policy.root_level());
        let s = policy.session(&who, &Tenant::new("acme")).unwrap();
        let mut i = 0;
        row(
            &format!("gate: a request of `{name}` ({} routes)", requests.len()),
            measure(|| {
                i = (i + 1) % requests.len();
                let (method, path) = &requests[i];
                s.gate(method, path).status() as usize
            }),
        );
        row(
            &format!("gate: a path with no route (`{name}`)"),
            measure(|| s.gate("GET", "/api/nowhere/at/all").status() as usize),
        );
    }
}
