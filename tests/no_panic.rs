//! Bad input gets an error, never a panic: random text and mutated documents through every
//! reader (policies in JSON and TOML, principals, tenants, resources, teams, changes, column
//! maps), and query plans of mutated policies through both SQL dialects.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use rolegate::presets::PRESETS;
use rolegate::query::{Columns, Dialect};
use rolegate::team::{Team, TeamChange};
use rolegate::{Policy, Principal, Resource, Tenant};

/// Every reader, on one text.
fn read_everything(text: &str) {
    let _ = Policy::from_json(text);
    let _ = Policy::from_toml(text);
    let _ = Principal::from_json(text);
    let _ = Tenant::from_json(text);
    let _ = Resource::from_json(text);
    let _ = Resource::list_from_json(text);
    let _ = Resource::attrs_from_json(text);
    let _ = Team::from_json(text);
    let _ = TeamChange::from_json(text);
    let _ = Columns::from_json(text);
}

/// A document with a few characters changed, dropped or repeated.
fn mutate(text: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, kind, byte) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = at % bytes.len();
        match kind % 3 {
            0 => {
                let table = b"{}[]\",:=.\\#'0123456789-eE \n";
                bytes[i] = table[usize::from(byte) % table.len()];
            }
            1 => {
                bytes.remove(i);
            }
            _ => {
                let j = (i + usize::from(byte)).min(bytes.len());
                let chunk = bytes[i..j].to_vec();
                bytes.splice(i..i, chunk);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn documents() -> Vec<String> {
    let mut docs: Vec<String> = PRESETS.iter().map(|(_, t)| (*t).to_owned()).collect();
    for (_, text) in PRESETS {
        let policy = Policy::from_toml(text).unwrap();
        docs.push(serde_json::to_string(policy.document().unwrap()).unwrap());
    }
    docs.push(r#"{"id":"u1","roles":[{"role":"admin","scope":"workspace:w1/project:p7"}],"attrs":{"a":[1,2.5e3,"x",true,null]}}"#.into());
    docs.push(r#"{"members":[{"id":"u1","status":"active","role":"owner","memberships":[{"scope":"project:p1","role":"editor"}],"last_active":1790000000}],"scopes":["project:p1"]}"#.into());
    docs.push(
        r#"{"type":"add_membership","member":"u2","scope":"project:p1","role":"viewer"}"#.into(),
    );
    docs.push(r#"{"scope":"scope","scope_level":"lvl","attributes":{"assignee":"t.assignee_id","id":"id"}}"#.into());
    docs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        read_everything(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_documents_never_panic(
        which in 0usize..100,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8),
    ) {
        let docs = documents();
        let doc = &docs[which % docs.len()];
        let text = mutate(doc, &edits);
        read_everything(&text);
        // A mutated policy that still compiles must decide without panicking too.
        let policy = Policy::from_toml(&text).or_else(|_| Policy::from_json(&text));
        if let Ok(policy) = policy {
            for role in policy.roles() {
                let level = &policy.levels()[role.level].name;
                let scope = if **level == *policy.root_level() { String::new() } else { format!("{level}:x") };
                if let Ok(session) = policy.session(&Principal::new("u").with_role(role.name.to_string(), scope.clone()), &Tenant::new("t")) {
                    let _ = session.permissions(&scope);
                    let _ = session.explain("a.b", &Resource::at(scope.clone()));
                    let columns = Columns::from_json(r#"{"scope":"s","scope_level":"l","attributes":{"assignee":"a"}}"#).unwrap();
                    for action in policy.actions().iter().take(8) {
                        if let Ok(plan) = session.plan(&action.name, "number", Some(&scope)) {
                            let _ = plan.to_sql(&columns, Dialect::Postgres);
                            let _ = plan.to_sql(&columns, Dialect::Sqlite);
                            let _ = plan.allows(&Resource::new("number", "n1", scope.clone()));
                        }
                    }
                }
            }
        }
    }
}
