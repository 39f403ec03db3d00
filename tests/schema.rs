//! `policy.schema.json` accepts every preset (and the example of docs/POLICY.md) and rejects
//! broken documents. The schema is generated from the table in `tests/shape.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const SCHEMA_ID: &str = "https://rolegate.dev/policy.schema.json";

/// The example policy of docs/POLICY.md.
const POLICY_MD_EXAMPLE: &str = r#"
version = 1
name = "example"

[scopes]
org = { label = "Organization" }                 # the root level: the tenant
workspace = { parent = "org", label = "Workspace" }

[features]
outreach = { label = "Outreach", hint = "Ask your Org Admin to enable Outreach" }

[plans]
free = { label = "Free" }
enterprise = { label = "Enterprise", features = ["sso"] }

[attributes]
resource = { assignee = "string" }              # types: string, number, bool, string[], number[]
principal = { department = "string" }

[actions]
"billing.view"    = { scope = "org", label = "View billing", group = "Billing" }
"campaign.create" = { scope = "workspace", label = "Create campaigns", tags = ["write"], feature = "outreach" }
"sso.configure"   = { scope = "org", label = "Configure SSO", plans = ["enterprise"], hint = "Requires the Enterprise plan" }
"number.view"     = { scope = "workspace", label = "View numbers" }

[roles.owner]
scope = "org"
label = "Owner"
cascade = true                   # holds in every workspace too
includes = ["admin"]             # has every grant of admin
allow = ["billing.*"]

[roles.admin]
scope = "org"
cascade = true
allow = ["campaign.*", "number.*", "sso.configure"]

[roles.member]
scope = "workspace"

[rules.own_numbers]
effect = "allow"
roles = ["member"]
actions = ["number.view"]
when = "resource.assignee == principal.id"

[rules.viewer_read_only]
effect = "deny"
roles = ["*"]
actions = ["tag:write"]
when = "principal.department == \"finance\""
"#;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The compiled schema, checked against the draft 2020-12 metaschema by the compiler.
struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn load() -> Self {
        let path = root().join("policy.schema.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        assert_eq!(schema["$id"], SCHEMA_ID);
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource(SCHEMA_ID, schema).unwrap();
        let index = compiler
            .compile(SCHEMA_ID, &mut schemas)
            .unwrap_or_else(|e| panic!("policy.schema.json does not compile: {e:#}"));
        Validator { schemas, index }
    }

    fn validate(&self, doc: &Value) -> Result<(), String> {
        self.schemas
            .validate(doc, self.index)
            .map_err(|e| format!("{e:#}"))
    }
}

fn toml_to_json(text: &str, origin: &str) -> Value {
    toml::from_str::<Value>(text).unwrap_or_else(|e| panic!("{origin} is not TOML: {e}"))
}

fn preset_paths() -> Vec<PathBuf> {
    let dir = root().join("presets");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn schema_accepts_every_preset() {
    let validator = Validator::load();
    let presets = preset_paths();
    assert!(!presets.is_empty(), "no presets/*.toml found");
    for path in &presets {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = toml_to_json(&text, &path.display().to_string());
        if let Err(e) = validator.validate(&doc) {
            panic!("{} is rejected by policy.schema.json:\n{e}", path.display());
        }
    }
}

#[test]
fn schema_accepts_the_policy_md_example() {
    let validator = Validator::load();
    let doc = toml_to_json(POLICY_MD_EXAMPLE, "the docs/POLICY.md example");
    if let Err(e) = validator.validate(&doc) {
        panic!("the docs/POLICY.md example is rejected:\n{e}");
    }
}

#[test]
fn schema_accepts_small_valid_documents() {
    let validator = Validator::load();
    let valid = [
        json!({ "version": 1 }),
        json!({ "version": 1, "scopes": {}, "actions": {}, "roles": {} }),
        json!({
            "version": 1,
            "scopes": { "tenant": {}, "team-1": { "parent": "tenant" } },
            "attributes": { "tenant": { "seats": "number", "beta": "bool", "ids": "number[]", "tags": "string[]" } },
            "actions": { "a.b.c": { "scope": "team-1", "tags": ["read_only"] }, "x_1.y-2": { "scope": "tenant" } },
            "roles": { "Team_Admin": { "scope": "team-1", "cascade": false, "allow": ["*", "a.*", "a.b.*", "tag:read_only", "x_1.y-2"] } },
            "rules": { "r1": { "effect": "deny", "roles": ["*", "Team_Admin"], "actions": [] } }
        }),
        json!({
            "version": 1,
            "plans": { "starter": { "limits": { "seats": 10, "workspace": 0 } } },
            "team": {
                "unique": ["owner"], "protected": ["owner"],
                "manage": { "admin": { "assign": ["member"], "remove": ["member"], "scopes": true } },
                "transfer": { "role": "owner", "to": ["admin"], "previous": "admin" },
                "require_org_member": false,
                "lint": { "admin_roles": ["admin"], "min_admins": 2, "max_admins": 4, "reviewer_roles": [],
                          "inactive_days": 90, "scope_owner_roles": { "workspace": ["admin"] } }
            }
        }),
    ];
    for doc in &valid {
        if let Err(e) = validator.validate(doc) {
            panic!("valid document rejected:\n{doc:#}\n{e}");
        }
    }
}

#[test]
fn schema_rejects_broken_documents() {
    let validator = Validator::load();
    let broken: Vec<(&str, Value)> = vec![
        ("not an object", json!([1])),
        ("missing version", json!({ "name": "p" })),
        (
            "unknown top-level field",
            json!({ "version": 1, "permissions": {} }),
        ),
        ("version 2", json!({ "version": 2 })),
        ("version as a string", json!({ "version": "1" })),
        ("name not a string", json!({ "version": 1, "name": 7 })),
        (
            "scope parent not a string",
            json!({ "version": 1, "scopes": { "org": {}, "workspace": { "parent": 1 } } }),
        ),
        (
            "unknown field in a scope level",
            json!({ "version": 1, "scopes": { "org": { "root": true } } }),
        ),
        (
            "bad scope level name",
            json!({ "version": 1, "scopes": { "my org": {} } }),
        ),
        (
            "unknown field in a feature",
            json!({ "version": 1, "features": { "sso": { "label": "SSO", "price": 5 } } }),
        ),
        (
            "plan features not a list",
            json!({ "version": 1, "plans": { "pro": { "features": "sso" } } }),
        ),
        (
            "attribute type float",
            json!({ "version": 1, "attributes": { "resource": { "score": "float" } } }),
        ),
        (
            "unknown attribute section",
            json!({ "version": 1, "attributes": { "subject": { "age": "number" } } }),
        ),
        (
            "bad attribute name",
            json!({ "version": 1, "attributes": { "principal": { "home.city": "string" } } }),
        ),
        (
            "action name with uppercase and a space",
            json!({ "version": 1, "actions": { "Campaign Create": { "scope": "org" } } }),
        ),
        (
            "action name with one segment",
            json!({ "version": 1, "actions": { "campaign": { "scope": "org" } } }),
        ),
        (
            "action without scope",
            json!({ "version": 1, "actions": { "campaign.create": { "label": "Create" } } }),
        ),
        (
            "unknown field in an action",
            json!({ "version": 1, "actions": { "campaign.create": { "scope": "org", "roles": ["admin"] } } }),
        ),
        (
            "action tags not a list",
            json!({ "version": 1, "actions": { "campaign.create": { "scope": "org", "tags": "write" } } }),
        ),
        (
            "role without scope",
            json!({ "version": 1, "roles": { "admin": { "allow": ["*"] } } }),
        ),
        (
            "bad role name",
            json!({ "version": 1, "roles": { "org admin": { "scope": "org" } } }),
        ),
        (
            "unknown field in a role",
            json!({ "version": 1, "roles": { "admin": { "scope": "org", "deny": ["*"] } } }),
        ),
        (
            "allow not a list",
            json!({ "version": 1, "roles": { "admin": { "scope": "org", "allow": "campaign.*" } } }),
        ),
        (
            "cascade a string",
            json!({ "version": 1, "roles": { "admin": { "scope": "org", "cascade": "true" } } }),
        ),
        (
            "bad pattern `campaign.`",
            json!({ "version": 1, "roles": { "admin": { "scope": "org", "allow": ["campaign."] } } }),
        ),
        (
            "bad pattern `campaign.*.create`",
            json!({ "version": 1, "roles": { "admin": { "scope": "org", "allow": ["campaign.*.create"] } } }),
        ),
        (
            "bad pattern `tag:`",
            json!({ "version": 1, "roles": { "admin": { "scope": "org", "allow": ["tag:"] } } }),
        ),
        (
            "bad included role name",
            json!({ "version": 1, "roles": { "admin": { "scope": "org", "includes": ["*"] } } }),
        ),
        (
            "rule with effect maybe",
            json!({ "version": 1, "rules": { "r": { "effect": "maybe", "roles": ["*"], "actions": ["*"] } } }),
        ),
        (
            "rule without actions",
            json!({ "version": 1, "rules": { "r": { "effect": "allow", "roles": ["*"] } } }),
        ),
        (
            "rule without roles",
            json!({ "version": 1, "rules": { "r": { "effect": "deny", "actions": ["*"] } } }),
        ),
        (
            "rule without effect",
            json!({ "version": 1, "rules": { "r": { "roles": ["*"], "actions": ["*"] } } }),
        ),
        (
            "rule with a bad role",
            json!({ "version": 1, "rules": { "r": { "effect": "deny", "roles": ["all roles"], "actions": ["*"] } } }),
        ),
        (
            "rule with a bad pattern",
            json!({ "version": 1, "rules": { "r": { "effect": "deny", "roles": ["*"], "actions": ["Campaign.*"] } } }),
        ),
        (
            "rule when not a string",
            json!({ "version": 1, "rules": { "r": { "effect": "deny", "roles": ["*"], "actions": ["*"], "when": true } } }),
        ),
        (
            "unknown field in a rule",
            json!({ "version": 1, "rules": { "r": { "effect": "deny", "roles": ["*"], "actions": ["*"], "priority": 1 } } }),
        ),
        (
            "negative plan limit",
            json!({ "version": 1, "plans": { "pro": { "limits": { "seats": -1 } } } }),
        ),
        (
            "plan limit not a number",
            json!({ "version": 1, "plans": { "pro": { "limits": { "seats": "ten" } } } }),
        ),
        (
            "unknown field in the team section",
            json!({ "version": 1, "team": { "owners": ["owner"] } }),
        ),
        (
            "team manage scopes a string",
            json!({ "version": 1, "team": { "manage": { "admin": { "scopes": "yes" } } } }),
        ),
        (
            "transfer without previous",
            json!({ "version": 1, "team": { "transfer": { "role": "owner", "to": ["admin"] } } }),
        ),
        (
            "unknown field in the team lint",
            json!({ "version": 1, "team": { "lint": { "max_owners": 1 } } }),
        ),
        (
            "team lint count negative",
            json!({ "version": 1, "team": { "lint": { "inactive_days": -5 } } }),
        ),
    ];
    assert!(broken.len() >= 12);
    let accepted: Vec<String> = broken
        .iter()
        .filter(|(_, doc)| validator.validate(doc).is_ok())
        .map(|(what, doc)| format!("{what}: {doc}"))
        .collect();
    assert!(
        accepted.is_empty(),
        "broken documents accepted by policy.schema.json:\n{}",
        accepted.join("\n")
    );
}

/// `"$schema"` in a policy file (how editors find policy.schema.json) was rejected as an
/// unknown field; it is read, and left out of the fingerprint.
#[test]
fn a_schema_reference_is_accepted_and_not_part_of_the_fingerprint() {
    let plain =
        rolegate::Policy::from_toml(rolegate::presets::preset("outreach").unwrap()).unwrap();
    // The exported text with `$schema` first (as editors write it); the order of the rest
    // is the document's own.
    let text = serde_json::to_string(plain.document().unwrap()).unwrap();
    let text = text.replacen('{', r#"{"$schema":"../policy.schema.json","#, 1);
    let with = rolegate::Policy::from_json(&text).unwrap();
    assert_eq!(
        with.document().unwrap().schema.as_deref(),
        Some("../policy.schema.json")
    );
    assert_eq!(with.fingerprint(), plain.fingerprint());
}
