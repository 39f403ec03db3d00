//! Query plans agree with decisions: for random policies, principals, tenants and sets of
//! resources, the resources a plan allows (its residual condition evaluated directly, and
//! its SQL run by a real SQLite) are exactly those `Session::filter` allows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod random;

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use random::{Gen, LEVELS, random_document_with, random_principal, random_tenant, scope_at};
use rolegate::query::{Columns, Dialect, Outcome, Residual, TranslateErrorCode};
use rolegate::{Policy, Resource, Value};
use rusqlite::Connection;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Conditions that reach every form of the residual: `!=` and `!` over missing attributes,
/// lists on either side of `in`, two resource attributes compared, sub-conditions
/// compared, the resource's id and type, and conditions the principal or tenant decide.
const CONDITIONS: &[&str] = &[
    "resource.assignee == principal.id",
    "resource.owner != principal.id",
    "resource.level in [1, 3]",
    "principal.id in resource.tags",
    "resource.locked",
    "!resource.locked",
    "resource.assignee == resource.owner",
    "resource.assignee in resource.tags",
    "(resource.level == 2) == resource.locked",
    "(resource.level == 1) != (principal.dept == \"sales\")",
    "resource.id == \"x1\" || resource.id != \"x2\" && resource.level != 0",
    "resource.type == \"number\" && resource.assignee != \"u1\"",
    "principal.dept == \"sales\" || resource.assignee != \"u1\"",
    "\"f0\" in tenant.features && resource.level != 2",
    "resource.level in principal.levels",
    "resource.tags == [\"u1\", \"a'b\"]",
    "principal.dept == \"sales\"",
    "!(tenant.tier == \"gold\") || resource.owner == \"u1\"",
];

/// Values that try to break out of SQL: quotes, comments, a statement, unicode.
const HOSTILE: &[&str] = &["u1", "u2", "a'b", "x\"; DROP TABLE t; --", "é/*", "U1"];

fn random_plan_resource(g: &mut Gen, kind: &str, within: &str) -> Resource {
    let level = g.pick(LEVELS).0;
    let mut scope = scope_at(g, level);
    if g.chance(70) && !within.is_empty() && within != "org" {
        // Below the plan's scope, often.
        scope = if g.chance(40) {
            within.to_owned()
        } else if within.starts_with("workspace:") && !within.contains('/') {
            format!("{within}/project:p{}", g.below(2))
        } else {
            within.to_owned()
        };
    }
    let mut r = Resource::new(kind, format!("x{}", g.below(3)), scope);
    if g.chance(60) {
        r.attrs
            .insert("assignee".into(), Value::from(*g.pick(HOSTILE)));
    }
    if g.chance(50) {
        r.attrs
            .insert("owner".into(), Value::from(*g.pick(HOSTILE)));
    }
    if g.chance(50) {
        r.attrs
            .insert("level".into(), Value::Number(g.below(4) as f64));
    }
    if g.chance(50) {
        r.attrs.insert("locked".into(), Value::Bool(g.chance(50)));
    }
    if g.chance(50) {
        let tags = (0..g.below(3))
            .map(|_| Value::from(*g.pick(HOSTILE)))
            .collect();
        r.attrs.insert("tags".into(), Value::List(tags));
    }
    r
}

fn columns() -> Columns {
    Columns::from_json(
        r#"{ "scope": "scope", "scope_level": "scope_level",
             "attributes": { "id": "id", "assignee": "assignee", "owner": "owner",
                             "level": "level", "locked": "locked", "tags": "tags" } }"#,
    )
    .unwrap()
}

/// The level name of a scope text (the root's for the root).
fn level_of(scope: &str) -> String {
    match scope.rsplit('/').next().and_then(|s| s.split_once(':')) {
        Some((level, _)) => level.to_owned(),
        None => "org".to_owned(),
    }
}

fn insert(db: &Connection, i: usize, r: &Resource) {
    let text = |name: &str| match r.attrs.get(name) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let level = match r.attrs.get("level") {
        Some(Value::Number(n)) => Some(*n),
        _ => None,
    };
    let locked = match r.attrs.get("locked") {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    };
    let tags = r
        .attrs
        .get("tags")
        .map(|t| serde_json::to_string(t).unwrap());
    db.execute(
        "INSERT INTO t (n, id, scope, scope_level, assignee, owner, level, locked, tags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rusqlite::params![
            i as i64,
            r.id,
            r.scope,
            level_of(&r.scope),
            text("assignee"),
            text("owner"),
            level,
            locked,
            tags
        ],
    )
    .unwrap();
}

fn to_sql(value: &Value) -> rusqlite::types::Value {
    match value {
        Value::String(s) => rusqlite::types::Value::Text(s.clone()),
        Value::Number(n) => rusqlite::types::Value::Real(*n),
        Value::Bool(b) => rusqlite::types::Value::Integer(i64::from(*b)),
        other => panic!("a parameter that is not a scalar: {other:?}"),
    }
}

fn visit(c: &Residual, seen: &mut BTreeMap<String, usize>) {
    let name = serde_json::to_value(c).unwrap()["op"]
        .as_str()
        .unwrap()
        .to_owned();
    *seen.entry(name).or_default() += 1;
    match c {
        Residual::And { args } | Residual::Or { args } => {
            args.iter().for_each(|a| visit(a, seen));
        }
        Residual::Not { arg } => visit(arg, seen),
        _ => {}
    }
}

fn compares_lists(c: &Residual) -> bool {
    match c {
        Residual::And { args } | Residual::Or { args } => args.iter().any(compares_lists),
        Residual::Not { arg } => compares_lists(arg),
        Residual::Eq { value, .. } => matches!(value, Value::List(_)),
        _ => false,
    }
}

#[test]
fn plans_allow_exactly_what_decisions_allow() {
    let config = ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t (n INTEGER PRIMARY KEY, id TEXT, scope TEXT NOT NULL, scope_level TEXT,
                         assignee TEXT, owner TEXT, level REAL, locked INTEGER, tags TEXT)",
    )
    .unwrap();
    let columns = columns();
    let tally: RefCell<BTreeMap<String, usize>> = RefCell::default();
    let count = |key: String| *tally.borrow_mut().entry(key).or_default() += 1;
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(1u64..u64::MAX), |seed| {
        let mut g = Gen(seed);
        let doc = random_document_with(&mut g, CONDITIONS);
        let policy = Policy::from_document(doc.clone()).unwrap();
        let mut principal = random_principal(&mut g, &doc);
        if g.chance(50) {
            principal
                .attrs
                .insert("levels".into(), Value::List(vec![Value::Number(1.0)]));
        }
        let tenant = random_tenant(&mut g);
        let session = policy.session(&principal, &tenant).unwrap();
        let kind = *g.pick(&["number", "campaign"]);
        let scope = if g.chance(50) {
            String::new()
        } else if !principal.roles.is_empty() && g.chance(50) {
            principal.roles[g.below(principal.roles.len())]
                .scope
                .clone()
        } else {
            let level = g.pick(LEVELS).0;
            scope_at(&mut g, level)
        };
        // Most random actions are simply not the principal's: of up to three, the first
        // that some resource may be allowed, so that conditions are planned often.
        let mut tries = 0;
        let (action, plan) = loop {
            tries += 1;
            let action = doc.actions.0[g.below(doc.actions.len())].0.clone();
            let plan = session.plan(&action, kind, Some(&scope)).unwrap();
            if tries == 3 || !matches!(plan.outcome, Outcome::DenyAll { .. }) {
                break (action, plan);
            }
        };
        let resources: Vec<Resource> = (0..8)
            .map(|_| random_plan_resource(&mut g, kind, &scope))
            .collect();
        let context = || {
            format!(
                "plan {}\nprincipal {principal:?}\ntenant {tenant:?}\npolicy {}",
                serde_json::to_string(&plan).unwrap(),
                serde_json::to_string(&doc).unwrap()
            )
        };
        let within = |r: &Resource| {
            let (s, at) = (r.scope.as_str(), plan.scope.as_str());
            at == "org" || s == at || s.starts_with(&format!("{at}/"))
        };
        // The residual, evaluated directly, against `filter`.
        let allowed: Vec<&Resource> = session.filter(&action, &resources);
        let expected: Vec<usize> = (0..resources.len())
            .filter(|&i| within(&resources[i]) && allowed.contains(&&resources[i]))
            .collect();
        let by_plan: Vec<usize> = (0..resources.len())
            .filter(|&i| plan.allows(&resources[i]))
            .collect();
        prop_assert_eq!(
            &by_plan,
            &expected,
            "{}\nresources {:?}",
            context(),
            resources
        );
        // Outside the plan's scope nothing is allowed by it; inside, everything is decided.
        for r in &resources {
            count(
                if within(r) {
                    "in scope"
                } else {
                    "out of scope"
                }
                .into(),
            );
        }
        match &plan.outcome {
            Outcome::AllowAll => count("allow_all".into()),
            Outcome::DenyAll { reason, .. } => count(format!("deny_all {reason}")),
            Outcome::Conditional(c) => {
                count("conditional".into());
                let mut seen = BTreeMap::new();
                visit(c, &mut seen);
                for op in seen.into_keys() {
                    count(format!("op {op}"));
                }
            }
        }
        // The SQL, run by SQLite, against the same.
        match plan.to_sql(&columns, Dialect::Sqlite) {
            Ok(fragment) => {
                db.execute("DELETE FROM t", []).unwrap();
                for (i, r) in resources.iter().enumerate() {
                    insert(&db, i, r);
                }
                let sql = format!("SELECT n FROM t WHERE {} ORDER BY n", fragment.sql);
                let mut statement = db.prepare(&sql).unwrap();
                let params: Vec<rusqlite::types::Value> =
                    fragment.params.iter().map(to_sql).collect();
                let rows: Vec<usize> = statement
                    .query_map(rusqlite::params_from_iter(params), |row| {
                        row.get::<_, i64>(0)
                    })
                    .unwrap()
                    .map(|n| n.unwrap() as usize)
                    .collect();
                prop_assert_eq!(&rows, &expected, "{}\nsql {}", context(), sql);
                count("sql compared".into());
            }
            Err(e) => {
                // Only a whole list compared with a list column has no SQL.
                prop_assert_eq!(e.code, TranslateErrorCode::Unsupported);
                let Outcome::Conditional(c) = &plan.outcome else {
                    panic!("no condition, yet {e}");
                };
                prop_assert!(compares_lists(c), "{e}");
                count("sql unsupported".into());
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let tally = tally.into_inner();
    println!("plans compared:");
    for (key, n) in &tally {
        println!("  {key:<28} {n}");
    }
    let seen = |key: &str| tally.get(key).copied().unwrap_or(0);
    // The comparison is only as good as the variety it saw.
    assert!(seen("in scope") >= 40_000, "{tally:?}");
    assert!(seen("out of scope") >= 2_000, "{tally:?}");
    assert!(seen("sql compared") >= 9_000, "{tally:?}");
    assert!(seen("conditional") >= 2_000, "{tally:?}");
    assert!(seen("allow_all") >= 500, "{tally:?}");
    for reason in [
        "not_member",
        "no_grant",
        "denied_by_rule",
        "condition_failed",
        "feature_disabled",
        "plan_required",
        "bad_scope",
    ] {
        assert!(
            seen(&format!("deny_all {reason}")) >= 20,
            "{reason}: {tally:?}"
        );
    }
    for op in [
        "and",
        "or",
        "not",
        "eq",
        "in",
        "contains",
        "eq_attr",
        "in_attr",
        "scope_in",
        "scope_is",
        "scope_level",
    ] {
        assert!(seen(&format!("op {op}")) >= 50, "op `{op}`: {tally:?}");
    }
}
