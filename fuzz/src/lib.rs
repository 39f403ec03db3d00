//! What the fuzz targets share: the repository's fixtures, built in, and the choices a
//! target makes from the fuzzer's bytes (scopes, attribute values, names that are nearly
//! right).
//!
//! Every target turns its bytes into inputs, runs the engine and checks an oracle; a
//! failed oracle panics, which libFuzzer reports as a crash with the input that caused it.

use arbitrary::{Result, Unstructured};
use rolegate::document::Document;
use rolegate::team::Team;
use rolegate::{Policy, Principal, Resource, Tenant, Value};
use serde_json::Value as Json;
use std::sync::OnceLock;

/// A policy from the repository, with the principals and tenants its fixtures use.
pub struct Fixture {
    /// Where it comes from (`preset outreach`, `gates example`).
    pub name: String,
    /// The compiled policy.
    pub policy: Policy,
    /// Principals and tenants of its fixtures.
    pub personas: Vec<(Principal, Tenant)>,
}

/// A team fixture: its policy, tenant and first team.
pub struct TeamFixture {
    /// The file it comes from.
    pub name: &'static str,
    /// The policy whose team rules apply.
    pub policy: Policy,
    /// The tenant (its plan sets limits).
    pub tenant: Tenant,
    /// The team before any change.
    pub team: Team,
}

const DECISIONS: &[(&str, &str)] = &[
    (
        "calilio",
        include_str!("../../tests/fixtures/decisions/calilio.json"),
    ),
    (
        "callaro",
        include_str!("../../tests/fixtures/decisions/callaro.json"),
    ),
    (
        "callscaler",
        include_str!("../../tests/fixtures/decisions/callscaler.json"),
    ),
    (
        "outreach",
        include_str!("../../tests/fixtures/decisions/outreach.json"),
    ),
    (
        "project-members",
        include_str!("../../tests/fixtures/decisions/project-members.json"),
    ),
];

const GATE_EXAMPLE: &str = include_str!("../../tests/fixtures/gates/example.json");

const TEAMS: &[(&str, &str)] = &[
    (
        "calilio",
        include_str!("../../tests/fixtures/team/calilio.json"),
    ),
    (
        "callaro",
        include_str!("../../tests/fixtures/team/callaro.json"),
    ),
    (
        "callscaler",
        include_str!("../../tests/fixtures/team/callscaler.json"),
    ),
    (
        "outreach",
        include_str!("../../tests/fixtures/team/outreach.json"),
    ),
    (
        "project-members",
        include_str!("../../tests/fixtures/team/project-members.json"),
    ),
    (
        "scope-owners",
        include_str!("../../tests/fixtures/team/scope-owners.json"),
    ),
];

const SCOPE_OWNERS_POLICY: &str = include_str!("../../tests/fixtures/team/scope-owners.toml");

fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or(Json::Null)
}

fn principal(value: &Json) -> Option<Principal> {
    Principal::from_json(&value.to_string()).ok()
}

fn tenant(value: &Json) -> Option<Tenant> {
    Tenant::from_json(&value.to_string()).ok()
}

fn preset(name: &str) -> Option<Policy> {
    rolegate::presets::preset(name).and_then(|text| Policy::from_toml(text).ok())
}

/// The presets (with the principals and tenants of their decision fixtures) and the gate
/// fixtures' own policy.
pub fn fixtures() -> &'static [Fixture] {
    static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let mut out = Vec::new();
        for (name, text) in DECISIONS {
            let Some(policy) = preset(name) else { continue };
            let doc = json(text);
            let principals: Vec<Principal> = doc["principals"]
                .as_object()
                .map(|m| m.values().filter_map(principal).collect())
                .unwrap_or_default();
            let tenants: Vec<Tenant> = doc["tenants"]
                .as_object()
                .map(|m| m.values().filter_map(tenant).collect())
                .unwrap_or_default();
            let mut personas = Vec::new();
            for p in &principals {
                for t in &tenants {
                    personas.push((p.clone(), t.clone()));
                }
            }
            out.push(Fixture {
                name: format!("preset {name}"),
                policy,
                personas,
            });
        }
        let example = json(GATE_EXAMPLE);
        if let Ok(policy) = Policy::from_json(&example["policy"].to_string()) {
            let personas = example["personas"]
                .as_object()
                .map(|m| {
                    m.values()
                        .filter_map(|p| Some((principal(&p["principal"])?, tenant(&p["tenant"])?)))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Fixture {
                name: "gates example".into(),
                policy,
                personas,
            });
        }
        assert!(
            out.len() == DECISIONS.len() + 1,
            "a fixture policy does not compile"
        );
        out
    })
}

/// The team fixtures, each with its policy, tenant and team.
pub fn team_fixtures() -> &'static [TeamFixture] {
    static TEAM_FIXTURES: OnceLock<Vec<TeamFixture>> = OnceLock::new();
    TEAM_FIXTURES.get_or_init(|| {
        let mut out = Vec::new();
        for (name, text) in TEAMS {
            let doc = json(text);
            let policy = match doc["policy"].as_str() {
                Some("scope-owners.toml") => Policy::from_toml(SCOPE_OWNERS_POLICY).ok(),
                Some(preset_name) => preset(preset_name),
                None => None,
            };
            let (Some(policy), Some(tenant), Ok(team)) = (
                policy,
                tenant(&doc["tenant"]),
                Team::from_json(&doc["team"].to_string()),
            ) else {
                continue;
            };
            out.push(TeamFixture {
                name,
                policy,
                tenant,
                team,
            });
        }
        assert!(out.len() == TEAMS.len(), "a team fixture does not read");
        out
    })
}

/// One item of a non-empty list.
pub fn pick<'a, T>(u: &mut Unstructured<'_>, items: &'a [T]) -> Result<&'a T> {
    u.choose(items)
}

/// A short string, mostly from `names`, now and then a near miss of one of them (case,
/// padding, an empty string) or arbitrary text.
pub fn name(u: &mut Unstructured<'_>, names: &[String]) -> Result<String> {
    // Low choices are the common case: a fuzz input that runs out of bytes reads zeros.
    let choice = u.int_in_range(0..=15u8)?;
    Ok(match (choice, names.is_empty()) {
        (11, _) => String::new(),
        (12, _) => u.arbitrary::<String>()?,
        (13, false) => pick(u, names)?.to_uppercase(),
        (14, false) => format!(" {}", pick(u, names)?),
        (15, false) => format!("{}x", pick(u, names)?),
        (_, false) => pick(u, names)?.clone(),
        (_, true) => "x".to_owned(),
    })
}

/// The scope levels of a document as `(name, parent)`.
pub fn levels(doc: &Document) -> Vec<(String, Option<String>)> {
    doc.scopes
        .iter()
        .map(|(n, l)| (n.to_owned(), l.parent.clone()))
        .collect()
}

fn root(doc: &Document) -> String {
    doc.scopes
        .iter()
        .find(|(_, l)| l.parent.is_none())
        .map_or_else(String::new, |(n, _)| n.to_owned())
}

/// The chain of levels from just below the root down to `level`.
fn chain(doc: &Document, level: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = Some(level.to_owned());
    while let Some(l) = current {
        let parent = doc.scopes.get(&l).and_then(|s| s.parent.clone());
        if parent.is_none() || out.len() > 64 {
            break;
        }
        out.push(l);
        current = parent;
    }
    out.reverse();
    out
}

const IDS: &[&str] = &[
    "a", "b", "ab", "w1", "p7", "A", "a b", "", "a:b", "a/b", " a",
];

/// A scope instance of `doc`: mostly well formed (a path down the tree, ids from a small
/// set so that principals and resources meet), otherwise the near misses a confused
/// caller sends (an empty id, a separator inside an id, a skipped level, padding, case,
/// a trailing slash, the root by name or empty, arbitrary text).
pub fn scope(u: &mut Unstructured<'_>, doc: &Document) -> Result<String> {
    let levels = levels(doc);
    let choice = u.int_in_range(0..=20u8)?;
    if levels.is_empty() || choice == 20 {
        return u.arbitrary::<String>();
    }
    let (level, _) = pick(u, &levels)?;
    let mut parts: Vec<String> = Vec::new();
    for l in chain(doc, level) {
        let id = if !u.ratio(7, 8)? {
            pick(u, IDS)?.to_string()
        } else {
            pick(u, &IDS[..3])?.to_string()
        };
        parts.push(format!("{l}:{id}"));
    }
    if parts.is_empty() {
        return Ok(if u.arbitrary()? {
            root(doc)
        } else {
            String::new()
        });
    }
    Ok(match choice {
        13 if parts.len() > 1 => parts.split_off(1).join("/"),
        14 => format!("{}/", parts.join("/")),
        15 => format!("/{}", parts.join("/")),
        16 => parts.join("/").to_uppercase(),
        17 => format!("{} ", parts.join("/")),
        18 => format!("{}/{}", root(doc), parts.join("/")),
        19 => parts.join("//"),
        _ => parts.join("/"),
    })
}

/// An attribute value of any type, with the numbers that confuse comparisons.
pub fn value(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(*pick(u, &[0.0, -0.0, 1.0, 2.0, 3.0, 1e308, -1.5, 0.1])?),
        3 => Value::Number(f64::from(u.arbitrary::<i16>()?)),
        4 => Value::String(u.arbitrary()?),
        5 | 6 => Value::String((*pick(u, &["u1", "u2", "a", "", "3", "true", "sales"])?).into()),
        7 => Value::List(
            (0..u.int_in_range(0..=3u8)?)
                .map(|_| Ok(Value::String((*pick(u, &["a", "u1", "f0", ""])?).into())))
                .collect::<Result<_>>()?,
        ),
        8 => Value::List(
            (0..u.int_in_range(0..=3u8)?)
                .map(|_| Ok(Value::Number(f64::from(u.int_in_range(0..=3u8)?))))
                .collect::<Result<_>>()?,
        ),
        _ => Value::List(vec![Value::Bool(u.arbitrary()?)]),
    })
}

/// Attributes named from `names` (the declared ones and a few others), values of any type.
pub fn attrs(u: &mut Unstructured<'_>, names: &[String]) -> Result<rolegate::Attrs> {
    let mut out = rolegate::Attrs::default();
    for _ in 0..u.int_in_range(0..=4u8)? {
        out.insert(name(u, names)?, value(u)?);
    }
    Ok(out)
}

/// The declared attribute names of one entity, and the built-in ones.
pub fn attr_names(doc: &Document, entity: &str) -> Vec<String> {
    let declared = match entity {
        "principal" => &doc.attributes.principal,
        "resource" => &doc.attributes.resource,
        _ => &doc.attributes.tenant,
    };
    let mut names: Vec<String> = declared.iter().map(|(n, _)| n.to_owned()).collect();
    names.extend(["id", "type", "other"].map(str::to_owned));
    names
}

/// A principal of `doc`: roles (mostly declared ones) at scopes, attributes.
pub fn principal_of(u: &mut Unstructured<'_>, doc: &Document) -> Result<Principal> {
    let roles: Vec<String> = doc.roles.iter().map(|(n, _)| n.to_owned()).collect();
    let mut p = Principal::new(*pick(u, &["u1", "u2", ""])?);
    for _ in 0..u.int_in_range(0..=4u8)? {
        let role = name(u, &roles)?;
        // Most roles held at a scope of their own level.
        let at = match doc.roles.get(&role) {
            Some(r) if u.ratio(3, 4)? => {
                let mut s = String::new();
                for _ in 0..4 {
                    s = scope(u, doc)?;
                    let level = s.rsplit('/').next().and_then(|p| p.split(':').next());
                    if level == Some(r.scope.as_str()) || (s.is_empty() && r.scope == root(doc)) {
                        break;
                    }
                }
                s
            }
            _ => scope(u, doc)?,
        };
        p = p.with_role(role, at);
    }
    p.attrs = attrs(u, &attr_names(doc, "principal"))?;
    Ok(p)
}

/// A tenant of `doc`: a plan, features, attributes.
pub fn tenant_of(u: &mut Unstructured<'_>, doc: &Document) -> Result<Tenant> {
    let plans: Vec<String> = doc.plans.iter().map(|(n, _)| n.to_owned()).collect();
    let features: Vec<String> = doc.features.iter().map(|(n, _)| n.to_owned()).collect();
    let mut t = Tenant::new("acme");
    if u.arbitrary()? {
        t.plan = Some(name(u, &plans)?);
    }
    for _ in 0..u.int_in_range(0..=3u8)? {
        t.features.push(name(u, &features)?);
    }
    t.attrs = attrs(u, &attr_names(doc, "tenant"))?;
    Ok(t)
}

/// A resource of `doc`: a scope, maybe a type and id, attributes.
pub fn resource_of(u: &mut Unstructured<'_>, doc: &Document) -> Result<Resource> {
    let mut r = Resource::at(scope(u, doc)?);
    if u.arbitrary()? {
        r.kind = Some((*pick(u, &["number", "campaign", ""])?).into());
        r.id = Some((*pick(u, &["x1", "u1", ""])?).into());
    }
    r.attrs = attrs(u, &attr_names(doc, "resource"))?;
    Ok(r)
}

/// An action name: a declared one, a near miss, or an undeclared one.
pub fn action_of(u: &mut Unstructured<'_>, doc: &Document) -> Result<String> {
    let mut actions: Vec<String> = doc.actions.iter().map(|(n, _)| n.to_owned()).collect();
    actions.push("nope.missing".into());
    name(u, &actions)
}
