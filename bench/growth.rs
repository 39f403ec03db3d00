//! How every native cost grows: `cargo bench --bench growth` prints, for synthetic policies
//! and principals of growing size, the time of compile, session creation, `check`,
//! `permissions` and `filter`, and the memory of a compiled policy and of a session, each
//! with the exponent fitted over its sizes (1 is linear). Markdown tables, for the README.
//!
//! The workload: an `org` with `workspace`s; actions spread over both levels, every tenth
//! one conditional on `resource.owner == principal.id`; roles at the workspace level, each
//! allowing a window of ten actions, the first role including the second, one deny rule on a
//! tag. Principals hold one role per workspace. Under `cargo test` it runs once, small.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss
)]

use rolegate::{Policy, Principal, Resource, Session, Tenant};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn quick() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

/// Median nanoseconds per call of `f` over rounds of at least `round` each.
fn measure(round: Duration, mut f: impl FnMut() -> usize) -> f64 {
    if quick() {
        let start = Instant::now();
        black_box(f());
        return start.elapsed().as_nanos() as f64;
    }
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let mut n = 0usize;
            while n == 0 || start.elapsed() < round {
                black_box(f());
                n += 1;
            }
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    rounds.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rounds[rounds.len() / 2]
}

/// Resident memory of this process in bytes (Linux), for memory per object.
fn resident() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// A policy of `roles` roles and `actions` actions, as JSON text.
fn policy_text(roles: usize, actions: usize) -> String {
    let mut t = String::from(
        r#"{"version":1,"scopes":{"org":{},"workspace":{"parent":"org"}},"attributes":{"resource":{"owner":"string"}},"actions":{"#,
    );
    for a in 0..actions {
        let level = if a % 2 == 0 { "workspace" } else { "org" };
        let tag = if a % 5 == 0 {
            r#","tags":["write"]"#
        } else {
            ""
        };
        let _ = write!(
            t,
            r#"{}"a{a}.do":{{"scope":"{level}"{tag}}}"#,
            if a > 0 { "," } else { "" }
        );
    }
    t.push_str(r#"},"roles":{"#);
    for r in 0..roles {
        let allow: Vec<String> = (0..10)
            .map(|k| (r * 7 + k) % actions)
            .filter(|a| a % 10 != 3)
            .map(|a| format!(r#""a{a}.do""#))
            .collect();
        let includes = if r == 0 && roles > 1 {
            r#","includes":["r1"]"#
        } else {
            ""
        };
        let _ = write!(
            t,
            r#"{}"r{r}":{{"scope":"workspace","cascade":true,"allow":[{}]{includes}}}"#,
            if r > 0 { "," } else { "" },
            allow.join(",")
        );
    }
    t.push_str(r#"},"rules":{"own":{"effect":"allow","roles":["*"],"actions":["#);
    let conditional: Vec<String> = (0..actions)
        .filter(|a| a % 10 == 3)
        .map(|a| format!(r#""a{a}.do""#))
        .collect();
    t.push_str(&conditional.join(","));
    t.push_str(r#"],"when":"resource.owner == principal.id"},"no_writes":{"effect":"deny","roles":["r1"],"actions":["tag:write"]}}}"#);
    t
}

/// A principal holding one role in each of `memberships` workspaces.
fn principal(roles: usize, memberships: usize) -> Principal {
    let mut p = Principal::new("u1");
    for m in 0..memberships {
        p = p.with_role(format!("r{}", m % roles), format!("workspace:w{m}"));
    }
    p
}

/// The exponent `k` of `cost ~ size^k`, by least squares over the logarithms.
fn exponent(points: &[(f64, f64)]) -> f64 {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    let n = logs.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let (sx, sy) = logs
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let num: f64 = logs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let den: f64 = logs.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    num / den
}

fn human_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn human_bytes(b: f64) -> String {
    if b >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}

/// One table: a row per size, the cost, and the fitted exponent under it.
fn table(title: &str, size_name: &str, rows: &[(usize, f64)], unit: fn(f64) -> String) {
    println!("\n{title}\n\n| {size_name} | cost |\n|---:|---:|");
    for (size, cost) in rows {
        println!("| {size} | {} |", unit(*cost));
    }
    let points: Vec<(f64, f64)> = rows.iter().map(|(s, c)| (*s as f64, *c)).collect();
    println!("| fitted exponent | {:.2} |", exponent(&points));
}

/// Bytes per session of a principal with `memberships` roles, measured in a fresh child
/// process (so that no memory freed by earlier measurements is reused): the resident size
/// grown by enough live sessions to span many pages, divided by their number.
fn session_memory(memberships: usize) -> f64 {
    let copies = (400_000 / memberships.max(1)).clamp(20, 20_000);
    if quick() {
        return session_memory_here(memberships, copies.min(20));
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--memory-child",
            &memberships.to_string(),
            &copies.to_string(),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(f64::NAN)
}

fn session_memory_here(memberships: usize, copies: usize) -> f64 {
    let policy = Policy::from_json(&policy_text(100, 400)).unwrap();
    let tenant = Tenant::new("acme");
    let p = principal(100, memberships);
    let before = resident();
    let kept: Vec<Session> = (0..copies)
        .map(|_| policy.session(&p, &tenant).unwrap())
        .collect();
    let after = resident();
    black_box(&kept);
    after.saturating_sub(before) as f64 / copies as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--memory-child") {
        let memberships = args[i + 1].parse().unwrap();
        let copies = args[i + 2].parse().unwrap();
        println!("{}", session_memory_here(memberships, copies));
        return;
    }
    let q = quick();
    let round = Duration::from_millis(if q { 1 } else { 200 });
    let tenant = Tenant::new("acme");
    println!("rolegate growth (native, release; sizes chosen to show how each cost grows)");

    // Compile, by roles (40 actions) and by actions (100 roles), and memory per policy.
    let role_sizes: &[usize] = if q {
        &[10, 20]
    } else {
        &[10, 30, 100, 300, 1000]
    };
    let rows: Vec<(usize, f64)> = role_sizes
        .iter()
        .map(|&r| {
            let text = policy_text(r, 40);
            (
                r,
                measure(round, || Policy::from_json(&text).unwrap().actions().len()),
            )
        })
        .collect();
    table("compile, by roles (40 actions)", "roles", &rows, human_ns);
    let action_sizes: &[usize] = if q {
        &[40, 80]
    } else {
        &[40, 120, 400, 1200, 2000]
    };
    let rows: Vec<(usize, f64)> = action_sizes
        .iter()
        .map(|&a| {
            let text = policy_text(100, a);
            (
                a,
                measure(round, || Policy::from_json(&text).unwrap().actions().len()),
            )
        })
        .collect();
    table(
        "compile, by actions (100 roles)",
        "actions",
        &rows,
        human_ns,
    );
    let rows: Vec<(usize, f64)> = action_sizes
        .iter()
        .map(|&a| {
            let artifact = Policy::from_json(&policy_text(100, a))
                .unwrap()
                .to_artifact();
            (
                a,
                measure(round, || {
                    Policy::from_artifact(&artifact).unwrap().actions().len()
                }),
            )
        })
        .collect();
    table(
        "artifact load, by actions (100 roles)",
        "actions",
        &rows,
        human_ns,
    );
    let big = policy_text(if q { 20 } else { 1000 }, if q { 80 } else { 2000 });
    let ns = measure(round, || Policy::from_json(&big).unwrap().actions().len());
    println!(
        "\ncompile of a {}-role, {}-action policy ({} KB of JSON): {}",
        if q { 20 } else { 1000 },
        if q { 80 } else { 2000 },
        big.len() / 1024,
        human_ns(ns)
    );
    // The same policy through its artifact: written once at build time, loaded by every
    // process that decides (no text to read, nothing to validate).
    let compiled = Policy::from_json(&big).unwrap();
    let artifact = compiled.to_artifact();
    let built = measure(round, || compiled.to_artifact().len());
    let loaded = measure(round, || {
        Policy::from_artifact(&artifact).unwrap().actions().len()
    });
    println!(
        "its artifact ({} KB): written in {}, loaded in {} ({:.1}x faster than compiling the text)",
        artifact.len() / 1024,
        human_ns(built),
        human_ns(loaded),
        ns / loaded
    );
    let rows: Vec<(usize, f64)> = role_sizes
        .iter()
        .map(|&r| {
            let text = policy_text(r, 400);
            let copies = if q { 2 } else { 20 };
            let before = resident();
            let kept: Vec<Policy> = (0..copies)
                .map(|_| Policy::from_json(&text).unwrap())
                .collect();
            let after = resident();
            black_box(&kept);
            (r, after.saturating_sub(before) as f64 / copies as f64)
        })
        .collect();
    table(
        "memory per compiled policy, by roles (400 actions; resident size / copies)",
        "roles",
        &rows,
        human_bytes,
    );

    // Sessions, checks and the UI map by memberships per principal.
    let policy = Policy::from_json(&policy_text(100, 400)).unwrap();
    let membership_sizes: &[usize] = if q {
        &[1, 10]
    } else {
        &[1, 10, 100, 1000, 10000]
    };
    let mut session_rows = Vec::new();
    let mut check_rows = Vec::new();
    let mut map_rows = Vec::new();
    let mut memory_rows = Vec::new();
    for &m in membership_sizes {
        let p = principal(100, m);
        session_rows.push((
            m,
            measure(round, || {
                policy
                    .session(&p, &tenant)
                    .unwrap()
                    .policy()
                    .actions()
                    .len()
            }),
        ));
        let session = policy.session(&p, &tenant).unwrap();
        let at = Resource::at(format!("workspace:w{}", m / 2));
        check_rows.push((
            m,
            measure(round, || usize::from(session.check("a4.do", &at).allowed())),
        ));
        map_rows.push((m, measure(round, || session.permissions_for(&at).len())));
        memory_rows.push((m, session_memory(m)));
    }
    table(
        "session creation, by memberships (100 roles, 400 actions)",
        "memberships",
        &session_rows,
        human_ns,
    );
    table(
        "check at a workspace, by memberships",
        "memberships",
        &check_rows,
        human_ns,
    );
    table(
        "permissions (UI map of 400 actions) at a workspace, by memberships",
        "memberships",
        &map_rows,
        human_ns,
    );
    table(
        "memory per session, by memberships (resident size / copies)",
        "memberships",
        &memory_rows,
        human_bytes,
    );

    // The UI map by catalog size.
    let rows: Vec<(usize, f64)> = action_sizes
        .iter()
        .map(|&a| {
            let policy = Policy::from_json(&policy_text(100, a)).unwrap();
            let session = policy.session(&principal(100, 10), &tenant).unwrap();
            let at = Resource::at("workspace:w3");
            (a, measure(round, || session.permissions_for(&at).len()))
        })
        .collect();
    table(
        "permissions (the whole UI map) at a workspace, by actions",
        "actions",
        &rows,
        human_ns,
    );

    // filter over growing lists of resources, with the resource condition.
    let session = policy.session(&principal(100, 10), &tenant).unwrap();
    let resource_sizes: &[usize] = if q {
        &[100, 1000]
    } else {
        &[100, 1000, 10_000, 100_000, 1_000_000]
    };
    let rows: Vec<(usize, f64)> = resource_sizes
        .iter()
        .map(|&n| {
            let resources: Vec<Resource> = (0..n)
                .map(|i| {
                    let owner = if i % 3 == 0 { "u1" } else { "u2" };
                    Resource::from_json(&format!(
                        r#"{{"type":"doc","id":"d{i}","scope":"workspace:w{}","attrs":{{"owner":"{owner}"}}}}"#,
                        i % 10
                    ))
                    .unwrap()
                })
                .collect();
            (n, measure(round, || session.filter("a3.do", &resources).len()))
        })
        .collect();
    table(
        "filter (a conditional action) over resources",
        "resources",
        &rows,
        human_ns,
    );
}
