//! The seed products' list pages as query plans (`tests/fixtures/plans/*.json`): each case
//! states the plan, the exact SQL for PostgreSQL and SQLite with its parameters, and the
//! rows a real SQLite returns for it, which must be the rows `Session::filter` allows.
//!
//! `ROLEGATE_BLESS=1 cargo test --test plan_fixtures` writes what the engine answers into
//! the files, to be read and committed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::query::{Columns, Dialect};
use rolegate::{Policy, Principal, Resource, Tenant, Value};
use rusqlite::Connection;
use serde_json::{Value as Json, json};
use std::path::Path;

fn sql_value(value: Option<&Value>) -> rusqlite::types::Value {
    use rusqlite::types::Value as Sql;
    match value {
        None | Some(Value::Null) => Sql::Null,
        Some(Value::String(s)) => Sql::Text(s.clone()),
        Some(Value::Number(n)) => Sql::Real(*n),
        Some(Value::Bool(b)) => Sql::Integer(i64::from(*b)),
        Some(list @ Value::List(_)) => Sql::Text(serde_json::to_string(list).unwrap()),
    }
}

fn param(value: &Value) -> rusqlite::types::Value {
    sql_value(Some(value))
}

/// The ids of `rows` that SQLite returns for the fragment, in row order.
fn run_sqlite(columns: &Columns, rows: &[&Resource], sql: &str, params: &[Value]) -> Vec<String> {
    let db = Connection::open_in_memory().unwrap();
    let names: Vec<(&String, &String)> = columns
        .attributes
        .iter()
        .filter(|(a, _)| a.as_str() != "id")
        .collect();
    let mut create = "CREATE TABLE t (n INTEGER PRIMARY KEY, scope TEXT NOT NULL".to_owned();
    let id_column = columns.attributes.get("id").cloned().unwrap_or("id".into());
    create.push_str(&format!(", {id_column}"));
    for (_, column) in &names {
        create.push_str(&format!(", {column}"));
    }
    create.push(')');
    db.execute(&create, []).unwrap();
    for (n, r) in rows.iter().enumerate() {
        let mut values = vec![
            rusqlite::types::Value::Integer(n as i64),
            rusqlite::types::Value::Text(r.scope.clone()),
            sql_value(r.id.clone().map(Value::String).as_ref()),
        ];
        values.extend(names.iter().map(|(a, _)| sql_value(r.attrs.get(*a))));
        let marks = vec!["?"; values.len()].join(", ");
        db.execute(
            &format!("INSERT INTO t VALUES ({marks})"),
            rusqlite::params_from_iter(values),
        )
        .unwrap();
    }
    let query = format!("SELECT {id_column} FROM t WHERE {sql} ORDER BY n");
    let mut statement = db.prepare(&query).unwrap();
    statement
        .query_map(
            rusqlite::params_from_iter(params.iter().map(param)),
            |row| row.get::<_, String>(0),
        )
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn seed_list_pages_plan_to_the_sql_in_the_fixtures() {
    let bless = std::env::var_os("ROLEGATE_BLESS").is_some();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    let mut cases = 0;
    let mut conditional = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut fixture: Json = serde_json::from_str(&text).unwrap();
        let name = fixture["policy"].as_str().unwrap().to_owned();
        let policy = Policy::from_toml(rolegate::presets::preset(&name).unwrap()).unwrap();
        let columns = Columns::from_json(&fixture["columns"].to_string()).unwrap();
        let rows = Resource::list_from_json(&fixture["rows"].to_string()).unwrap();
        for case in fixture["cases"].as_array_mut().unwrap() {
            let what = format!("{}: {}", file.display(), case["name"]);
            let principal = Principal::from_json(&case["principal"].to_string()).unwrap();
            let tenant = Tenant::from_json(&case["tenant"].to_string()).unwrap();
            let session = policy.session(&principal, &tenant).unwrap();
            let action = case["action"].as_str().unwrap();
            let kind = case["type"].as_str().unwrap();
            let plan = session.plan(action, kind, case["scope"].as_str()).unwrap();
            let of_type: Vec<&Resource> = rows
                .iter()
                .filter(|r| r.kind.as_deref() == Some(kind))
                .collect();
            let mut answer = json!({ "plan": serde_json::to_value(&plan).unwrap() });
            for (key, dialect) in [("postgres", Dialect::Postgres), ("sqlite", Dialect::Sqlite)] {
                let fragment = plan.to_sql(&columns, dialect).unwrap();
                // No value is ever in the text: there is no quote in it at all.
                assert!(
                    !fragment.sql.contains(['\'', '"']),
                    "{what}: {}",
                    fragment.sql
                );
                answer[key] = serde_json::to_value(&fragment).unwrap();
            }
            let sqlite = plan.to_sql(&columns, Dialect::Sqlite).unwrap();
            let visible = run_sqlite(&columns, &of_type, &sqlite.sql, &sqlite.params);
            // What SQLite returns is what the plan allows and what `filter` allows.
            let owned: Vec<Resource> = of_type.iter().map(|r| (*r).clone()).collect();
            let filtered: Vec<String> = session
                .filter(action, &owned)
                .iter()
                .filter(|r| {
                    // Within the plan's scope (the presets' root level is `org`).
                    let at = plan.scope.as_str();
                    at == "org" || r.scope == at || r.scope.starts_with(&format!("{at}/"))
                })
                .filter_map(|r| r.id.clone())
                .collect();
            assert_eq!(visible, filtered, "{what}");
            let by_plan: Vec<String> = owned
                .iter()
                .filter(|r| plan.allows(r))
                .filter_map(|r| r.id.clone())
                .collect();
            assert_eq!(visible, by_plan, "{what}");
            answer["visible"] = json!(visible);
            if matches!(plan.outcome, rolegate::query::Outcome::Conditional(_)) {
                conditional += 1;
            }
            for key in ["plan", "postgres", "sqlite", "visible"] {
                if bless {
                    case[key] = answer[key].clone();
                } else {
                    assert_eq!(case[key], answer[key], "{what}: `{key}`");
                }
            }
            cases += 1;
        }
        if bless {
            std::fs::write(
                &file,
                serde_json::to_string_pretty(&fixture).unwrap() + "\n",
            )
            .unwrap();
        }
    }
    assert!(
        cases >= 15 && conditional >= 8,
        "{cases} cases, {conditional} conditional"
    );
}
