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

/// Conditions that reach every form of the residual: `!=`, `!` and `has` over missing attributes,
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
    "resource has owner && resource.owner != principal.id",
    "!(resource has locked) || resource.level == 1",
    "principal has dept && !(resource.assignee == principal.id)",
    "resource.assignee == resource.owner || !(resource.owner in resource.tags)",
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
        cases: 12_000,
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
    // Seeded: the coverage counted below is the same on every run.
    let rng = proptest::test_runner::TestRng::deterministic_rng(config.rng_algorithm);
    let mut runner = TestRunner::new_with_rng(config, rng);
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

const SMALL: &str = r#"
version = 1
[scopes]
org = {}
workspace = { parent = "org" }
team = { parent = "org" }
[attributes]
resource = { assignee = "string", tags = "string[]" }
[actions]
"number.view" = { scope = "workspace" }
"number.tag" = { scope = "workspace" }
[roles.admin]
scope = "org"
cascade = true
allow = ["*"]
[roles.member]
scope = "workspace"
[rules.own]
effect = "allow"
roles = ["member"]
actions = ["number.view"]
when = "resource.assignee == principal.id"
[rules.tagged]
effect = "allow"
roles = ["member"]
actions = ["number.tag"]
when = "resource.tags == [\"a\"]"
"#;

fn small_session(principal: &str) -> rolegate::Session {
    let policy = Policy::from_toml(SMALL).unwrap();
    let principal = rolegate::Principal::from_json(principal).unwrap();
    policy
        .session(&principal, &rolegate::Tenant::new("acme"))
        .unwrap()
}

#[test]
fn translation_errors_name_their_code_and_path_in_the_plan() {
    let member = small_session(r#"{"id":"u2","roles":[{"role":"member","scope":"workspace:w1"}]}"#);
    let plan = member.plan("number.view", "number", None).unwrap();
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["condition"]["op"], "and", "{json}");
    // An attribute without a column is an error, never a silent `true`.
    let no_assignee =
        Columns::from_json(r#"{"scope":"scope","scope_level":"level","attributes":{}}"#).unwrap();
    let e = plan.to_sql(&no_assignee, Dialect::Postgres).unwrap_err();
    assert_eq!(e.code, TranslateErrorCode::UnmappedAttribute);
    let path = e.path.to_string();
    let segments: Vec<&str> = path.split('.').collect();
    assert_eq!(segments.first(), Some(&"condition"), "{e}");
    assert_eq!(segments.last(), Some(&"attr"), "{e}");
    // The path leads to the attribute in the plan's JSON.
    let mut at = &json;
    for part in &segments {
        let (key, index) = match part.split_once('[') {
            Some((k, i)) => (k, Some(i.trim_end_matches(']').parse::<usize>().unwrap())),
            None => (*part, None),
        };
        at = &at[key];
        if let Some(i) = index {
            at = &at[i];
        }
    }
    assert_eq!(at, "assignee", "{e}");
    // The scope, and the level of the scope in a branching tree, need their columns.
    let no_scope = Columns::from_json(r#"{"attributes":{"assignee":"a"}}"#).unwrap();
    let e = plan.to_sql(&no_scope, Dialect::Sqlite).unwrap_err();
    assert_eq!(e.code, TranslateErrorCode::UnmappedScope);
    assert!(e.path.to_string().ends_with(".levels"), "{e}");
    let all = Columns::from_json(
        r#"{"scope":"scope","scope_level":"level","attributes":{"assignee":"a"}}"#,
    )
    .unwrap();
    let fragment = plan.to_sql(&all, Dialect::Postgres).unwrap();
    assert_eq!(
        fragment.sql,
        "(level IN ($1, $2) AND (scope = $3 OR starts_with(scope, $4)) AND (a IS NOT NULL AND a = $5))"
    );
    let in_w1 = member
        .plan("number.view", "number", Some("workspace:w1"))
        .unwrap();
    let e = in_w1.to_sql(&no_scope, Dialect::Sqlite).unwrap_err();
    assert_eq!(
        (e.code, e.path.to_string()),
        (TranslateErrorCode::UnmappedScope, "scope".to_owned())
    );
    // A whole list compared with a list column has no SQL: an error at the value.
    let tagged = member
        .plan("number.tag", "number", Some("workspace:w1"))
        .unwrap();
    let tags = Columns::from_json(r#"{"scope":"scope","attributes":{"tags":"tags"}}"#).unwrap();
    let e = tagged.to_sql(&tags, Dialect::Sqlite).unwrap_err();
    assert_eq!(
        (e.code, e.path.to_string()),
        (
            TranslateErrorCode::Unsupported,
            "condition.value".to_owned()
        )
    );
}

#[test]
fn bad_inputs_are_errors_with_a_code_and_a_path() {
    let member = small_session(r#"{"id":"u2","roles":[{"role":"member","scope":"workspace:w1"}]}"#);
    let e = member
        .plan("number.view", "number", Some("nowhere:x"))
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.to_string()),
        ("bad_scope", "scope".into())
    );
    let plan = member.plan("number.fly", "number", None).unwrap();
    assert!(
        matches!(
            plan.outcome,
            Outcome::DenyAll {
                reason: rolegate::Reason::UnknownAction,
                ..
            }
        ),
        "{plan:?}"
    );
    let plan = member
        .plan("number.view", "number", Some("team:t1"))
        .unwrap();
    assert!(
        matches!(
            plan.outcome,
            Outcome::DenyAll {
                reason: rolegate::Reason::BadScope,
                ..
            }
        ),
        "{plan:?}"
    );
    for (text, path) in [
        (
            r#"{"attributes":{"assignee":"a; DROP TABLE t"}}"#,
            "columns.attributes.assignee",
        ),
        (r#"{"scope":"\"scope\""}"#, "columns.scope"),
        (r#"{"scope":"t.c.d"}"#, "columns.scope"),
        (r#"{"scopes":"scope"}"#, "columns.scopes"),
        (
            r#"{"attributes":{"a":"x","a":"y"}}"#,
            "columns.attributes.a",
        ),
        (r#"{"attributes":{"a":1}}"#, "columns.attributes.a"),
        (r#"[]"#, "columns"),
    ] {
        let e = Columns::from_json(text).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.path.to_string()),
            ("bad_input", path.to_owned()),
            "{text}: {e}"
        );
    }
    assert!(Columns::from_json(r#"{"scope":"t.scope_1","attributes":{"id":"_id"}}"#).is_ok());
}

#[test]
fn scope_ids_that_look_like_sql_or_patterns_stay_parameters() {
    let policy = Policy::from_toml(rolegate::presets::preset("project-members").unwrap()).unwrap();
    let odd = "a%_'--";
    let principal = rolegate::Principal::from_json(&format!(
        r#"{{"id":"u5","roles":[{{"role":"agent","scope":"org"}},{{"role":"viewer","scope":"project:{odd}"}}]}}"#
    ))
    .unwrap();
    let session = policy
        .session(&principal, &rolegate::Tenant::new("acme"))
        .unwrap();
    let plan = session.plan("project.view", "project", None).unwrap();
    let columns = Columns::from_json(r#"{"scope":"scope","attributes":{"id":"id"}}"#).unwrap();
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE p (id TEXT, scope TEXT NOT NULL)")
        .unwrap();
    let rows = [
        format!("project:{odd}"),
        "project:aXY'--".to_owned(),
        "project:a%_'--x".to_owned(),
        format!("PROJECT:{}", odd.to_uppercase()),
        "project:A%_'--".to_owned(),
    ];
    for (i, scope) in rows.iter().enumerate() {
        db.execute(
            "INSERT INTO p VALUES (?, ?)",
            rusqlite::params![format!("p{i}"), scope],
        )
        .unwrap();
    }
    let fragment = plan.to_sql(&columns, Dialect::Sqlite).unwrap();
    assert!(!fragment.sql.contains(odd), "{}", fragment.sql);
    assert!(
        fragment
            .params
            .contains(&Value::from(format!("project:{odd}")))
    );
    let mut statement = db
        .prepare(&format!(
            "SELECT id FROM p WHERE {} ORDER BY id",
            fragment.sql
        ))
        .unwrap();
    let ids: Vec<String> = statement
        .query_map(
            rusqlite::params_from_iter(fragment.params.iter().map(to_sql)),
            |row| row.get(0),
        )
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Not LIKE: neither `%` nor `_` matches anything else, and case counts.
    assert_eq!(ids, ["p0"]);
    // And the same rows, decided one by one, agree.
    let resources: Vec<Resource> = rows
        .iter()
        .enumerate()
        .map(|(i, s)| Resource::new("project", format!("p{i}"), s.clone()))
        .filter(|r| session.scope(&r.scope).is_ok())
        .collect();
    let allowed: Vec<String> = session
        .filter("project.view", &resources)
        .iter()
        .filter_map(|r| r.id.clone())
        .collect();
    assert_eq!(allowed, ["p0"]);
}

#[test]
fn a_principal_with_ten_thousand_memberships_is_planned_in_linear_time() {
    let policy = Policy::from_toml(rolegate::presets::preset("callscaler").unwrap()).unwrap();
    let mut principal = rolegate::Principal::new("u3");
    for i in 0..10_000 {
        principal = principal.with_role("member", format!("business:b{i}"));
    }
    let session = policy
        .session(&principal, &rolegate::Tenant::new("acme").with_plan("pro"))
        .unwrap();
    let started = std::time::Instant::now();
    let plan = session.plan("number.view", "number", None).unwrap();
    let elapsed = started.elapsed();
    let Outcome::Conditional(Residual::Or { args }) = &plan.outcome else {
        panic!("{plan:?}");
    };
    assert_eq!(args.len(), 10_000);
    let columns = Columns::from_json(r#"{"scope":"scope"}"#).unwrap();
    let fragment = plan.to_sql(&columns, Dialect::Postgres).unwrap();
    assert_eq!(fragment.params.len(), 20_000);
    assert!(
        fragment.sql.ends_with("starts_with(scope, $20000)))"),
        "{}",
        &fragment.sql[fragment.sql.len() - 60..]
    );
    // A generous bound for a debug build on a busy machine: quadratic work would take minutes.
    assert!(elapsed.as_secs() < 5, "{elapsed:?}");
    assert!(plan.allows(&Resource::new("number", "n1", "business:b9999")));
    assert!(!plan.allows(&Resource::new("number", "n1", "business:b10000")));
}
