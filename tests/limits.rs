//! Every limit of `rolegate::limits` at its edge: the limit itself is accepted, one more is
//! refused with `limit_exceeded` at the path of what is over it (docs/POLICY.md, "Limits").
//! The same edges through the npm package: `tests/js/limits.test.mjs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::limits::*;
use rolegate::{
    Effect, InputError, InputErrorCode, Policy, PolicyErrors, Principal, Reason, Resource,
    SessionOptions, Tenant, Value,
};
use serde_json::{Value as Json, json};
use std::fmt::Write;

/// A small policy, as JSON, that the cases below extend.
fn base() -> Json {
    json!({
        "version": 1,
        "scopes": { "org": {}, "workspace": { "parent": "org" } },
        "features": { "f": {} },
        "plans": { "p": { "features": ["f"] } },
        "attributes": { "principal": { "a": "string", "l": "string[]" }, "resource": { "a": "string" }, "tenant": { "a": "string" } },
        "actions": { "doc.view": { "scope": "org" }, "doc.edit": { "scope": "workspace", "feature": "f" } },
        "roles": {
            "admin": { "scope": "org", "cascade": true, "allow": ["*"] },
            "member": { "scope": "workspace", "allow": ["doc.edit"] }
        }
    })
}

fn compile(doc: &Json) -> Result<Policy, PolicyErrors> {
    Policy::from_json(&doc.to_string())
}

/// The one `limit_exceeded` error of a refused document, as its path.
fn refused_at(result: Result<Policy, PolicyErrors>) -> String {
    let errors = result.expect_err("the document is over a limit, and refused");
    let limits: Vec<_> = errors
        .iter()
        .filter(|d| d.code.as_str() == "limit_exceeded")
        .collect();
    assert_eq!(limits.len(), 1, "one limit_exceeded error: {errors}");
    limits[0].path.to_string()
}

/// A document within its limits compiles, or fails with anything but `limit_exceeded`.
fn not_over(result: &Result<Policy, PolicyErrors>) {
    if let Err(errors) = result {
        assert!(
            errors.iter().all(|d| d.code.as_str() != "limit_exceeded"),
            "within the limits: {errors}"
        );
    }
}

fn input_over(result: Result<impl std::fmt::Debug, InputError>, path: &str) {
    let error = result.expect_err("over a limit, refused");
    assert_eq!(error.code, InputErrorCode::LimitExceeded, "{error}");
    assert_eq!(error.path.to_string(), path, "{error}");
    assert!(!error.message.is_empty());
}

// ---------------------------------------------------------------------------------------
// Policy documents
// ---------------------------------------------------------------------------------------

#[test]
fn document_bytes() {
    let text = base().to_string();
    let pad = |n: usize| format!("{text}{}", " ".repeat(n - text.len()));
    assert!(Policy::from_json(&pad(MAX_DOCUMENT_BYTES)).is_ok());
    assert_eq!(
        refused_at(Policy::from_json(&pad(MAX_DOCUMENT_BYTES + 1))),
        ""
    );
    let toml = "version = 1\n[scopes]\norg = {}\n";
    let pad = |n: usize| format!("{toml}{}", "#".repeat(n - toml.len()));
    assert!(Policy::from_toml(&pad(MAX_DOCUMENT_BYTES)).is_ok());
    assert_eq!(
        refused_at(Policy::from_toml(&pad(MAX_DOCUMENT_BYTES + 1))),
        ""
    );
}

/// `levels` lists nested in a policy's `description` field: the nesting is read before the
/// field, so the limit answers first.
fn nested(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

#[test]
fn document_nesting() {
    // The document is one level; MAX_NESTING lists inside it are accepted (the field is
    // refused for its type), one more is over the limit, with a line and a column.
    let at = |levels: usize| {
        Policy::from_json(&format!(
            r#"{{"version": 1, "scopes": {{"org": {{}}}}, "description": {}}}"#,
            nested(levels)
        ))
    };
    not_over(&at(MAX_NESTING));
    let result = at(MAX_NESTING + 1);
    assert_eq!(refused_at(result.clone()), "");
    let error = result.err().unwrap();
    let d = error.iter().next().unwrap();
    assert_eq!(d.line, Some(1));
    assert!(d.column.is_some());
    let toml = |levels: usize| {
        Policy::from_toml(&format!(
            "version = 1\ndescription = {}\n[scopes]\norg = {{}}\n",
            nested(levels)
        ))
    };
    not_over(&toml(MAX_NESTING));
    assert_eq!(refused_at(toml(MAX_NESTING + 1)), "");
}

/// `base()` with `count` generated entries in `section`.
fn with_entries(section: &str, count: usize) -> Json {
    let mut doc = base();
    let entries = doc[section].as_object_mut().unwrap();
    let have = entries.len();
    for i in have..count {
        let (name, value) = match section {
            "scopes" => (format!("l{i}"), json!({ "parent": "org" })),
            "actions" => (format!("a.x{i}"), json!({ "scope": "org" })),
            "roles" => (
                format!("r{i}"),
                json!({ "scope": "org", "allow": ["doc.view"] }),
            ),
            "features" => (format!("f{i}"), json!({})),
            "plans" => (format!("p{i}"), json!({ "features": ["f"] })),
            _ => unreachable!(),
        };
        entries.insert(name, value);
    }
    assert_eq!(entries.len(), count.max(have));
    doc
}

#[test]
fn section_counts() {
    for (section, max) in [
        ("scopes", MAX_LEVELS),
        ("actions", MAX_ACTIONS),
        ("roles", MAX_ROLES),
        ("rules", MAX_RULES),
        ("features", MAX_FEATURES),
        ("plans", MAX_PLANS),
    ] {
        let mut at = with_entries_or_rules(section, max);
        let policy = compile(&at).unwrap_or_else(|e| panic!("{section} at {max}: {e}"));
        // What the compile accepts, its artifact carries and loads back.
        let loaded = Policy::from_artifact(&policy.to_artifact())
            .unwrap_or_else(|e| panic!("{section} at {max}, artifact: {e}"));
        assert_eq!(loaded.fingerprint(), policy.fingerprint());
        at = with_entries_or_rules(section, max + 1);
        assert_eq!(
            refused_at(compile(&at)),
            section,
            "{section} at {}",
            max + 1
        );
    }
}

fn with_entries_or_rules(section: &str, count: usize) -> Json {
    if section == "rules" {
        let mut doc = base();
        doc["rules"] = json!({});
        let rules = doc["rules"].as_object_mut().unwrap();
        for i in 0..count {
            rules.insert(
                format!("u{i}"),
                json!({ "effect": "deny", "roles": ["member"], "actions": ["doc.edit"], "when": "principal.a == \"x\"" }),
            );
        }
        return doc;
    }
    with_entries(section, count)
}

/// `base()` with one rule whose condition is `when`.
fn with_condition(when: &str) -> Json {
    let mut doc = base();
    doc["rules"] = json!({ "r": { "effect": "allow", "roles": ["member"], "actions": ["doc.edit"], "when": when } });
    doc
}

#[test]
fn condition_bytes() {
    let pad = |n: usize| {
        let head = "principal.a == \"";
        format!("{head}{}\"", "x".repeat(n - head.len() - 1))
    };
    assert_eq!(pad(MAX_CONDITION_BYTES).len(), MAX_CONDITION_BYTES);
    compile(&with_condition(&pad(MAX_CONDITION_BYTES))).unwrap();
    assert_eq!(
        refused_at(compile(&with_condition(&pad(MAX_CONDITION_BYTES + 1)))),
        "rules.r.when"
    );
}

#[test]
fn condition_nesting() {
    let nest = |n: usize| format!("{}principal.a == \"x\"{}", "(".repeat(n), ")".repeat(n));
    compile(&with_condition(&nest(MAX_CONDITION_NESTING))).unwrap();
    assert_eq!(
        refused_at(compile(&with_condition(&nest(MAX_CONDITION_NESTING + 1)))),
        "rules.r.when"
    );
    let negate = |n: usize| format!("{}principal.a == \"x\"", "!".repeat(n));
    compile(&with_condition(&negate(MAX_CONDITION_NESTING))).unwrap();
    assert_eq!(
        refused_at(compile(&with_condition(&negate(MAX_CONDITION_NESTING + 1)))),
        "rules.r.when"
    );
}

#[test]
fn condition_list_items() {
    let list = |n: usize| {
        let items: Vec<String> = (0..n).map(|i| format!("\"v{i}\"")).collect();
        format!("principal.a in [{}]", items.join(","))
    };
    let policy = compile(&with_condition(&list(MAX_LIST_ITEMS))).unwrap();
    // The list at the limit decides, through the text and through the artifact.
    let last = format!("v{}", MAX_LIST_ITEMS - 1);
    let member = Principal::new("u")
        .with_role("member", "workspace:w")
        .with_attr("a", last.as_str());
    let tenant = Tenant::new("t").with_feature("f");
    for p in [
        policy.clone(),
        Policy::from_artifact(&policy.to_artifact()).unwrap(),
    ] {
        let s = p.session(&member, &tenant).unwrap();
        assert_eq!(
            s.check("doc.edit", &Resource::at("workspace:w")).effect,
            Effect::Allow
        );
    }
    assert_eq!(
        refused_at(compile(&with_condition(&list(MAX_LIST_ITEMS + 1)))),
        "rules.r.when"
    );
}

// ---------------------------------------------------------------------------------------
// Values given at run time
// ---------------------------------------------------------------------------------------

fn policy() -> Policy {
    compile(&base()).unwrap()
}

/// The principal given as JSON (read, then a session) and built in Rust (a session): the
/// same answer.
fn session_of(principal: &Json, tenant: &Json) -> Result<rolegate::Session, InputError> {
    let p = Principal::from_json(&principal.to_string())?;
    let t = Tenant::from_json(&tenant.to_string())?;
    policy().session(&p, &t)
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

#[test]
fn input_bytes() {
    let text = |n: usize| {
        let head = r#"{"id":"u"}"#;
        format!("{head}{}", " ".repeat(n - head.len()))
    };
    assert!(Principal::from_json(&text(MAX_INPUT_BYTES)).is_ok());
    input_over(
        Principal::from_json(&text(MAX_INPUT_BYTES + 1)),
        "principal",
    );
    input_over(Tenant::from_json(&text(MAX_INPUT_BYTES + 1)), "tenant");
    let resource = |n: usize| {
        let head = r#"{"scope":"org"}"#;
        format!("{head}{}", " ".repeat(n - head.len()))
    };
    assert!(Resource::from_json(&resource(MAX_INPUT_BYTES)).is_ok());
    input_over(
        Resource::from_json(&resource(MAX_INPUT_BYTES + 1)),
        "resource",
    );
    // Nesting: MAX_NESTING lists in an attribute are read, one more is over the limit.
    let nested_attr = |levels: usize| format!(r#"{{"id":"u","attrs":{{"n":{}}}}}"#, nested(levels));
    assert!(Principal::from_json(&nested_attr(MAX_NESTING - 2)).is_ok());
    input_over(Principal::from_json(&nested_attr(MAX_NESTING)), "principal");
}

#[test]
fn principal_roles() {
    let roles = |n: usize| -> Vec<Json> {
        (0..n)
            .map(|i| json!({ "role": "member", "scope": format!("workspace:w{i}") }))
            .collect()
    };
    let tenant = json!({ "id": "t", "features": ["f"] });
    let s = session_of(
        &json!({ "id": "u", "roles": roles(MAX_PRINCIPAL_ROLES) }),
        &tenant,
    )
    .unwrap();
    let last = format!("workspace:w{}", MAX_PRINCIPAL_ROLES - 1);
    assert_eq!(
        s.check("doc.edit", &Resource::at(&last)).effect,
        Effect::Allow
    );
    input_over(
        session_of(
            &json!({ "id": "u", "roles": roles(MAX_PRINCIPAL_ROLES + 1) }),
            &tenant,
        ),
        "principal.roles",
    );
    // Built in Rust: the same limit, at the session.
    let mut built = Principal::new("u");
    for i in 0..=MAX_PRINCIPAL_ROLES {
        built = built.with_role("member", format!("workspace:w{i}"));
    }
    input_over(
        policy().session(&built, &Tenant::new("t")),
        "principal.roles",
    );
}

#[test]
fn attributes_per_principal_tenant_and_resource() {
    let attrs = |n: usize| -> serde_json::Map<String, Json> {
        (0..n).map(|i| (format!("k{i}"), json!(i))).collect()
    };
    let t = json!({ "id": "t" });
    session_of(&json!({ "id": "u", "attrs": attrs(MAX_ATTRIBUTES) }), &t).unwrap();
    input_over(
        session_of(
            &json!({ "id": "u", "attrs": attrs(MAX_ATTRIBUTES + 1) }),
            &t,
        ),
        "principal.attrs",
    );
    let p = json!({ "id": "u" });
    session_of(&p, &json!({ "id": "t", "attrs": attrs(MAX_ATTRIBUTES) })).unwrap();
    input_over(
        session_of(
            &p,
            &json!({ "id": "t", "attrs": attrs(MAX_ATTRIBUTES + 1) }),
        ),
        "tenant.attrs",
    );
    let r = |n: usize| json!({ "scope": "org", "attrs": attrs(n) }).to_string();
    Resource::from_json(&r(MAX_ATTRIBUTES)).unwrap();
    input_over(
        Resource::from_json(&r(MAX_ATTRIBUTES + 1)),
        "resource.attrs",
    );
    let only = |n: usize| Json::Object(attrs(n)).to_string();
    Resource::attrs_from_json(&only(MAX_ATTRIBUTES)).unwrap();
    input_over(
        Resource::attrs_from_json(&only(MAX_ATTRIBUTES + 1)),
        "resource.attrs",
    );
    let list = |n: usize| {
        let one = json!({ "scope": "org", "attrs": attrs(n) });
        Json::Array(vec![json!({}), one]).to_string()
    };
    Resource::list_from_json(&list(MAX_ATTRIBUTES)).unwrap();
    input_over(
        Resource::list_from_json(&list(MAX_ATTRIBUTES + 1)),
        "resources[1].attrs",
    );
    // Built in Rust.
    let mut built = Principal::new("u");
    for i in 0..=MAX_ATTRIBUTES {
        built = built.with_attr(format!("k{i}"), 1.0);
    }
    input_over(
        policy().session(&built, &Tenant::new("t")),
        "principal.attrs",
    );
}

#[test]
fn tenant_features() {
    let p = json!({ "id": "u" });
    let features = |n: usize| vec![json!("f"); n];
    session_of(
        &p,
        &json!({ "id": "t", "features": features(MAX_TENANT_FEATURES) }),
    )
    .unwrap();
    input_over(
        session_of(
            &p,
            &json!({ "id": "t", "features": features(MAX_TENANT_FEATURES + 1) }),
        ),
        "tenant.features",
    );
}

/// A policy whose role, feature, plan, attribute, action and rule are named with `n` bytes.
fn named(n: usize) -> Result<Policy, PolicyErrors> {
    let name = long(n);
    let action = format!("doc.{}", long(n - 4));
    let doc = json!({
        "version": 1,
        "scopes": { "org": {} },
        "features": { name.clone(): {} },
        "plans": { name.clone(): {} },
        "attributes": { "principal": { name.clone(): "string" } },
        "actions": { action: { "scope": "org", "feature": name.clone() } },
        "roles": { name.clone(): { "scope": "org", "allow": ["doc.*"] } },
        "rules": { name.clone(): { "effect": "deny", "roles": ["*"], "actions": ["doc.*"], "when": format!("principal.{name} == \"no\"") } }
    });
    compile(&doc)
}

#[test]
fn names_in_a_policy() {
    named(MAX_POLICY_NAME_BYTES).unwrap_or_else(|e| panic!("{e}"));
    let errors = named(MAX_POLICY_NAME_BYTES + 1).err().unwrap();
    let mut paths: Vec<String> = errors
        .iter()
        .filter(|d| d.code.as_str() == "bad_name")
        .map(|d| d.path.to_string().split('.').next().unwrap().to_owned())
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(
        paths,
        [
            "actions",
            "attributes",
            "features",
            "plans",
            "roles",
            "rules"
        ],
        "{errors}"
    );
}

#[test]
fn names_and_ids() {
    let at = named(MAX_POLICY_NAME_BYTES).unwrap();
    let name = long(MAX_POLICY_NAME_BYTES);
    let id = long(MAX_NAME_BYTES);
    let principal = json!({ "id": id, "roles": [{ "role": name }], "attrs": { name.clone(): "yes", long(MAX_NAME_BYTES): 1 } });
    let tenant =
        json!({ "id": id, "plan": name, "features": [name], "attrs": { long(MAX_NAME_BYTES): 1 } });
    let p = Principal::from_json(&principal.to_string()).unwrap();
    let t = Tenant::from_json(&tenant.to_string()).unwrap();
    let s = at.session(&p, &t).unwrap();
    let resource = Resource::new(long(MAX_NAME_BYTES), long(MAX_NAME_BYTES), "org");
    let text = serde_json::to_string(&resource).unwrap();
    assert_eq!(Resource::from_json(&text).unwrap(), resource);
    let action = format!("doc.{}", long(MAX_POLICY_NAME_BYTES - 4));
    assert_eq!(s.check(&action, &resource).effect, Effect::Allow);
    // A role name of MAX_NAME_BYTES is read, and is no role of the policy.
    let p =
        Principal::from_json(&json!({ "id": "u", "roles": [{ "role": id }] }).to_string()).unwrap();
    let error = at
        .session_with(&p, &Tenant::new("t"), SessionOptions::strict())
        .unwrap_err();
    assert_eq!(error.code, InputErrorCode::UnknownRole);

    // One byte more, each: refused where it is, read from JSON or built in Rust.
    let over = long(MAX_NAME_BYTES + 1);
    let cases: [(Json, Json, &str); 7] = [
        (json!({ "id": over }), json!({ "id": "t" }), "principal.id"),
        (
            json!({ "id": "u", "roles": [{ "role": "a" }, { "role": over }] }),
            json!({ "id": "t" }),
            "principal.roles[1].role",
        ),
        (
            json!({ "id": "u", "attrs": { over.clone(): "x" } }),
            json!({ "id": "t" }),
            "principal.attrs",
        ),
        (json!({ "id": "u" }), json!({ "id": over }), "tenant.id"),
        (
            json!({ "id": "u" }),
            json!({ "id": "t", "plan": over }),
            "tenant.plan",
        ),
        (
            json!({ "id": "u" }),
            json!({ "id": "t", "features": ["f", over] }),
            "tenant.features[1]",
        ),
        (
            json!({ "id": "u" }),
            json!({ "id": "t", "attrs": { over.clone(): 1 } }),
            "tenant.attrs",
        ),
    ];
    for (principal, tenant, path) in cases {
        input_over(session_of(&principal, &tenant), path);
        // Deserialize reads with the same rules.
        let serde = serde_json::from_value::<Principal>(principal.clone())
            .and_then(|_| serde_json::from_value::<Tenant>(tenant.clone()));
        let message = serde.expect_err(path).to_string();
        assert!(message.starts_with(&format!("{path}: ")), "{message}");
    }
    input_over(
        policy().session(&Principal::new(over.as_str()), &Tenant::new("t")),
        "principal.id",
    );
    input_over(
        policy().session(
            &Principal::new("u"),
            &Tenant::new("t").with_feature(over.as_str()),
        ),
        "tenant.features[0]",
    );
    for (resource, path) in [
        (json!({ "id": over }), "resource.id"),
        (json!({ "type": over }), "resource.type"),
        (json!({ "attrs": { over.clone(): 1 } }), "resource.attrs"),
    ] {
        input_over(Resource::from_json(&resource.to_string()), path);
    }
}

#[test]
fn string_and_list_values() {
    let t = json!({ "id": "t" });
    let s = |n: usize| json!({ "id": "u", "attrs": { "a": long(n) } });
    session_of(&s(MAX_STRING_BYTES), &t).unwrap();
    input_over(
        session_of(&s(MAX_STRING_BYTES + 1), &t),
        "principal.attrs.a",
    );
    let l = |n: usize| json!({ "id": "u", "attrs": { "l": vec!["x"; n] } });
    session_of(&l(MAX_LIST_VALUE_ITEMS), &t).unwrap();
    input_over(
        session_of(&l(MAX_LIST_VALUE_ITEMS + 1), &t),
        "principal.attrs.l",
    );
    let item = json!({ "id": "u", "attrs": { "l": ["x", long(MAX_STRING_BYTES + 1)] } });
    input_over(session_of(&item, &t), "principal.attrs.l[1]");
    let r = json!({ "attrs": { "a": long(MAX_STRING_BYTES + 1) } }).to_string();
    input_over(Resource::from_json(&r), "resource.attrs.a");
    // Built in Rust.
    let built = Principal::new("u").with_attr("a", Value::String(long(MAX_STRING_BYTES + 1)));
    input_over(
        policy().session(&built, &Tenant::new("t")),
        "principal.attrs.a",
    );
}

#[test]
fn scope_strings() {
    // A scope of MAX_SCOPE_BYTES is read; one byte more is unreadable: `bad_scope`, in a
    // principal's role (an input error) and in a request (a denial).
    let scope = |n: usize| format!("workspace:{}", "w".repeat(n - "workspace:".len()));
    let tenant = Tenant::new("t").with_feature("f");
    let s = policy()
        .session(
            &Principal::new("u").with_role("member", scope(MAX_SCOPE_BYTES)),
            &tenant,
        )
        .unwrap();
    let at = |n: usize| s.check("doc.edit", &Resource::at(scope(n)));
    assert_eq!(at(MAX_SCOPE_BYTES).effect, Effect::Allow);
    assert_eq!(at(MAX_SCOPE_BYTES + 1).reason, Reason::BadScope);
    let error = policy()
        .session(
            &Principal::new("u").with_role("member", scope(MAX_SCOPE_BYTES + 1)),
            &tenant,
        )
        .unwrap_err();
    assert_eq!(error.code, InputErrorCode::BadScope);
    assert_eq!(error.path.to_string(), "principal.roles[0].scope");
}

#[cfg(feature = "routes")]
#[test]
fn gate_paths() {
    let mut doc = base();
    doc["routes"] = json!({ "GET /{x}": { "action": "doc.view", "scope": "org" } });
    let policy = compile(&doc).unwrap();
    let s = policy
        .session(
            &Principal::new("u").with_role("admin", "org"),
            &Tenant::new("t"),
        )
        .unwrap();
    let path = |n: usize| format!("/{}", "p".repeat(n - 1));
    assert_eq!(s.gate("GET", &path(4096)).reason(), "granted");
    assert_eq!(s.gate("GET", &path(4097)).reason(), "no_route");
    // 32 segments is the most a route has, and a path of 33 matches none.
    let mut deep = base();
    let mut route = String::from("GET");
    for i in 0..32 {
        write!(route, "{}{{p{i}}}", if i == 0 { " /" } else { "/" }).unwrap();
    }
    deep["routes"] = json!({ route: { "action": "doc.view", "scope": "org" } });
    let policy = compile(&deep).unwrap();
    let s = policy
        .session(
            &Principal::new("u").with_role("admin", "org"),
            &Tenant::new("t"),
        )
        .unwrap();
    assert_eq!(s.gate("GET", &"/a".repeat(32)).reason(), "granted");
    assert_eq!(s.gate("GET", &"/a".repeat(33)).reason(), "no_route");
}
