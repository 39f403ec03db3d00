//! What the largest inputs the limits allow cost (`rolegate::limits`, docs/POLICY.md
//! "Limits"): `cargo bench --bench limits` builds policies at every section's limit, each
//! under the 4 MiB document limit and shaped to be expensive (every role allowed every
//! action, dense includes, conditions at their longest), and the largest principal and
//! resource, and prints the compile time, the peak and retained heap, the artifact's size
//! and load time, and the time of one decision. Under `cargo test` it runs once, on one
//! shape, and checks only that everything compiles and decides.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss
)]

use rolegate::limits::*;
use rolegate::{Policy, Principal, Resource, Tenant};
use serde_json::{Map, Value as Json, json};
use std::hint::black_box;
use std::time::Instant;

/// A line of /proc/self/status (`VmRSS`, `VmHWM`), in bytes.
fn status(field: &str) -> usize {
    let text = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = text.lines().find(|l| l.starts_with(field)).unwrap();
    let kb: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// Starts counting the peak resident size from now (Linux: `5` in /proc/self/clear_refs).
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

fn quick() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The median of `runs` timings of `f`, in milliseconds.
fn ms<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn actions(n: usize) -> Map<String, Json> {
    (0..n)
        .map(|i| {
            let tags = if i % 2 == 0 { json!(["w"]) } else { json!([]) };
            (
                format!("a{}.v{}", i / 100, i % 100),
                json!({ "scope": "org", "tags": tags, "feature": format!("f{}", i % MAX_FEATURES) }),
            )
        })
        .collect()
}

fn base() -> Json {
    let mut scopes = Map::new();
    scopes.insert("org".into(), json!({}));
    for i in 1..MAX_LEVELS {
        let parent = if i == 1 {
            "org".to_owned()
        } else {
            format!("l{}", i - 1)
        };
        scopes.insert(format!("l{i}"), json!({ "parent": parent }));
    }
    let features: Map<String, Json> = (0..MAX_FEATURES)
        .map(|i| (format!("f{i}"), json!({})))
        .collect();
    let plans: Map<String, Json> = (0..MAX_PLANS)
        .map(|i| {
            let list: Vec<String> = (0..20)
                .map(|k| format!("f{}", (i * 20 + k) % MAX_FEATURES))
                .collect();
            (format!("p{i}"), json!({ "features": list }))
        })
        .collect();
    json!({
        "version": 1,
        "scopes": scopes,
        "features": features,
        "plans": plans,
        "attributes": { "principal": { "team": "string", "n": "number" }, "resource": { "team": "string", "n": "number", "tags": "string[]" } },
        "actions": actions(MAX_ACTIONS),
    })
}

/// Every role allowed every action, cascading; every rule on every role and action.
fn wildcards() -> Json {
    let mut doc = base();
    doc["roles"] = (0..MAX_ROLES)
        .map(|i| (format!("r{i}"), json!({ "scope": "org", "cascade": true, "allow": ["*", "tag:w", format!("a{}.*", i % 100)] })))
        .collect::<Map<_, _>>()
        .into();
    doc["rules"] = (0..MAX_RULES)
        .map(|i| {
            let effect = if i % 2 == 0 { "allow" } else { "deny" };
            (format!("u{i}"), json!({ "effect": effect, "roles": ["*"], "actions": ["*"], "when": format!("resource.n == {i} || principal.team == resource.team") }))
        })
        .collect::<Map<_, _>>()
        .into();
    doc
}

/// Role `i` includes roles `i + 1 ..`, as many as the document's size allows.
fn includes(budget: usize) -> Json {
    let mut doc = base();
    let room = budget.saturating_sub(doc.to_string().len());
    // Each include costs about 8 bytes (`"r123",`): spread them over the roles.
    let per_role = (room / 8 / MAX_ROLES).min(MAX_ROLES);
    doc["roles"] = (0..MAX_ROLES)
        .map(|i| {
            let inc: Vec<String> = (i + 1..MAX_ROLES).take(per_role).map(|j| format!("r{j}")).collect();
            (format!("r{i}"), json!({ "scope": "org", "cascade": true, "includes": inc, "allow": [format!("a{}.*", i % 100)] }))
        })
        .collect::<Map<_, _>>()
        .into();
    doc
}

/// 1,000 rules whose conditions are as long as the document's size allows.
fn conditions(budget: usize) -> Json {
    let mut doc = base();
    doc["roles"] = (0..MAX_ROLES)
        .map(|i| (format!("r{i}"), json!({ "scope": "org", "allow": ["*"] })))
        .collect::<Map<_, _>>()
        .into();
    let room = budget.saturating_sub(doc.to_string().len());
    let per_rule = (room / MAX_RULES).clamp(64, MAX_CONDITION_BYTES) - 40;
    let list: Vec<String> = (0..MAX_LIST_ITEMS).map(|k| format!("\"t{k}\"")).collect();
    let list = format!("resource.team in [{}]", list.join(","));
    doc["rules"] = (0..MAX_RULES)
        .map(|i| {
            let mut when = String::from("principal.n == 1");
            while when.len() + list.len() + 4 < per_rule {
                when = format!("({when} || {list})");
                if when.len() > per_rule / 2 {
                    break;
                }
            }
            (
                format!("u{i}"),
                json!({ "effect": "deny", "roles": ["*"], "actions": ["*"], "when": when }),
            )
        })
        .collect::<Map<_, _>>()
        .into();
    doc
}

fn report(name: &str, doc: Json) {
    let text = doc.to_string();
    drop(doc);
    assert!(
        text.len() <= MAX_DOCUMENT_BYTES,
        "{name}: {} bytes",
        text.len()
    );
    let runs = if quick() { 1 } else { 5 };
    let before = status("VmRSS");
    reset_peak();
    let policy = Policy::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let peak = status("VmHWM").saturating_sub(before);
    let retained = status("VmRSS").saturating_sub(before);
    let compile = ms(runs, || Policy::from_json(&text).unwrap());
    let artifact = policy.to_artifact();
    let load = ms(runs, || Policy::from_artifact(&artifact).unwrap());
    // The largest principal: 10,000 roles, at as many workspaces, 1,000 attributes.
    let mut principal = Principal::new("u")
        .with_attr("team", "t1")
        .with_attr("n", 1.0);
    for i in 0..MAX_PRINCIPAL_ROLES {
        principal = principal.with_role(format!("r{}", i % MAX_ROLES), "org");
    }
    for i in 0..MAX_ATTRIBUTES - 2 {
        principal = principal.with_attr(format!("k{i}"), "x".repeat(MAX_STRING_BYTES));
    }
    let tenant = Tenant::new("t").with_plan("p0");
    let session_ms = ms(runs, || policy.session(&principal, &tenant).unwrap());
    let session = policy.session(&principal, &tenant).unwrap();
    let mut resource = Resource::new("doc", "d1", "org")
        .with_attr("team", "t255")
        .with_attr("n", 7.0);
    resource = resource.with_attr(
        "tags",
        rolegate::Value::List(vec![rolegate::Value::from("x"); MAX_LIST_VALUE_ITEMS]),
    );
    let action = format!("a{}.v{}", (MAX_ACTIONS - 1) / 100, (MAX_ACTIONS - 1) % 100);
    let check = ms(runs.max(3), || session.check(&action, &resource));
    let map = ms(1, || session.permissions("org"));
    println!(
        "| {name} | {:.1} MB | {compile:.0} ms | {:.0} MB | {:.0} MB | {:.2} MB | {load:.0} ms | {session_ms:.1} ms | {check:.2} ms | {map:.0} ms |",
        mb(text.len()),
        mb(peak),
        mb(retained),
        mb(artifact.len()),
    );
}

fn main() {
    let budget = MAX_DOCUMENT_BYTES - 4096;
    println!(
        "| policy | document | compile | peak memory | compiled policy | artifact | artifact load | largest session | one check | all 10,000 actions |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    // Each shape in a fresh process, so that its peak resident size is its own.
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--shape") {
        match args[i + 1].as_str() {
            "wildcards" => report(
                "every role allowed every action, 1,000 rules on all",
                wildcards(),
            ),
            "includes" => report("dense includes", includes(budget)),
            _ => report("longest conditions", conditions(budget)),
        }
        return;
    }
    if quick() {
        report(
            "every role allowed every action, 1,000 rules on all",
            wildcards(),
        );
        return;
    }
    for shape in ["wildcards", "includes", "conditions"] {
        let out = std::process::Command::new(&args[0])
            .args(["--bench", "--shape", shape])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        print!(
            "{}",
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.starts_with("| ") && !l.starts_with("| policy"))
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        );
    }
}
