//! The compiled index agrees with the reference evaluator on random policies and requests.
//!
//! Each case builds a random (valid) policy from a seed (scope tree, catalog with tags,
//! features and plans, roles with cascade and inclusion, allow and deny rules with
//! conditions), a random principal, tenant and several random requests, and requires
//! `Session::check`, the `permissions_for` map and `reference::decide` to give the same
//! decision, field for field.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use rolegate::document::{
    ActionDoc, AttrType, AttributesDoc, Document, FeatureDoc, NamedMap, PlanDoc, RoleDoc, RuleDoc,
    RuleEffect, ScopeLevelDoc,
};
use rolegate::test_util::reference;
use rolegate::{Policy, Principal, Resource, RoleAssignment, Tenant, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// A small deterministic generator (xorshift), driven by proptest's seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const LEVELS: &[(&str, Option<&str>)] = &[
    ("org", None),
    ("workspace", Some("org")),
    ("project", Some("workspace")),
    ("team", Some("org")),
];
const CONDITIONS: &[&str] = &[
    "resource.assignee == principal.id",
    "principal.dept == \"sales\"",
    "resource.level != 2",
    "\"f0\" in tenant.features",
    "!(tenant.tier == \"gold\") || resource.assignee == \"u1\"",
    "tenant.plan == \"p0\" && resource.type == \"number\"",
    "resource.level in [1, 3]",
];

/// The start of every feature's `enable_hint`.
const ENABLE_HINT: &str = "you may enable";

fn level_parent(level: &str) -> Option<&'static str> {
    LEVELS
        .iter()
        .find(|(l, _)| *l == level)
        .and_then(|(_, p)| *p)
}

fn within(level: &str, ancestor: &str) -> bool {
    let mut current = Some(level);
    while let Some(l) = current {
        if l == ancestor {
            return true;
        }
        current = level_parent(l);
    }
    false
}

/// A scope instance at `level`, with ids from a small set so that requests hit assignments.
fn scope_at(g: &mut Gen, level: &str) -> String {
    match level {
        "org" => {
            if g.chance(50) {
                "org".into()
            } else {
                String::new()
            }
        }
        "workspace" => format!("workspace:w{}", g.below(2)),
        "project" => format!("workspace:w{}/project:p{}", g.below(2), g.below(2)),
        _ => format!("team:t{}", g.below(2)),
    }
}

fn random_document(g: &mut Gen) -> Document {
    let mut doc = Document {
        schema: None,
        version: 1,
        name: Some("random".into()),
        description: None,
        scopes: NamedMap(
            LEVELS
                .iter()
                .map(|(l, p)| {
                    (
                        (*l).to_owned(),
                        ScopeLevelDoc {
                            parent: p.map(str::to_owned),
                            label: None,
                        },
                    )
                })
                .collect(),
        ),
        features: NamedMap(vec![
            (
                "f0".into(),
                FeatureDoc {
                    label: None,
                    hint: Some("turn f0 on".into()),
                    ..FeatureDoc::default()
                },
            ),
            ("f1".into(), FeatureDoc::default()),
        ]),
        plans: NamedMap(vec![
            (
                "p0".into(),
                PlanDoc {
                    label: Some("Plan Zero".into()),
                    features: vec!["f0".into()],
                    ..PlanDoc::default()
                },
            ),
            ("p1".into(), PlanDoc::default()),
        ]),
        attributes: AttributesDoc {
            principal: NamedMap(vec![("dept".into(), AttrType::String)]),
            resource: NamedMap(vec![
                ("assignee".into(), AttrType::String),
                ("level".into(), AttrType::Number),
            ]),
            tenant: NamedMap(vec![("tier".into(), AttrType::String)]),
        },
        actions: NamedMap::default(),
        roles: NamedMap::default(),
        rules: NamedMap::default(),
        team: Default::default(),
        routes: NamedMap::default(),
    };
    let action_count = 2 + g.below(10);
    for i in 0..action_count {
        let name = format!("r{}.v{i}", g.below(3));
        let level = g.pick(LEVELS).0;
        let mut tags = Vec::new();
        if g.chance(40) {
            tags.push("write".to_owned());
        }
        if g.chance(20) {
            tags.push("sensitive".to_owned());
        }
        doc.actions.0.push((
            name,
            ActionDoc {
                scope: level.into(),
                tags,
                feature: g.chance(20).then(|| g.pick(&["f0", "f1"]).to_string()),
                plans: if g.chance(15) {
                    vec![g.pick(&["p0", "p1"]).to_string()]
                } else {
                    vec![]
                },
                hint: g.chance(10).then(|| "custom hint".to_owned()),
                ..ActionDoc::default()
            },
        ));
    }
    // Features name an action of the root level that enables them, often: the hint of a
    // decision they lock then depends on whether the principal is granted it.
    let root_actions: Vec<String> = doc
        .actions
        .iter()
        .filter(|(_, a)| a.scope == "org")
        .map(|(n, _)| n.to_owned())
        .collect();
    for (name, feature) in &mut doc.features.0 {
        if !root_actions.is_empty() && g.chance(70) {
            feature.enable = Some(g.pick(&root_actions).clone());
            feature.enable_hint = Some(format!("{ENABLE_HINT} {name}"));
        }
    }
    let patterns = |g: &mut Gen, doc: &Document| -> Vec<String> {
        let mut out = Vec::new();
        for _ in 0..1 + g.below(2) {
            let (name, a) = &doc.actions.0[g.below(doc.actions.len())];
            out.push(match g.below(10) {
                0 => "*".into(),
                1 | 2 => format!("{}.*", name.split('.').next().unwrap()),
                3 if !a.tags.is_empty() => format!("tag:{}", a.tags[0]),
                _ => name.clone(),
            });
        }
        out
    };
    let role_count = 1 + g.below(5);
    for i in 0..role_count {
        let level = g.pick(LEVELS).0;
        let mut includes = Vec::new();
        for (j, (other, r)) in doc.roles.0.iter().enumerate() {
            if j < i && within(&r.scope, level) && g.chance(30) {
                includes.push(other.clone());
            }
        }
        let allow = if g.chance(75) {
            patterns(g, &doc)
        } else {
            vec![]
        };
        doc.roles.0.push((
            format!("role{i}"),
            RoleDoc {
                scope: level.into(),
                cascade: g.chance(50),
                includes,
                allow,
                ..RoleDoc::default()
            },
        ));
    }
    for i in 0..g.below(5) {
        let roles = if g.chance(20) {
            vec!["*".to_owned()]
        } else {
            vec![format!("role{}", g.below(role_count))]
        };
        let actions = patterns(g, &doc);
        doc.rules.0.push((
            format!("rule{i}"),
            RuleDoc {
                effect: if g.chance(40) {
                    RuleEffect::Deny
                } else {
                    RuleEffect::Allow
                },
                roles,
                actions,
                when: g.chance(70).then(|| g.pick(CONDITIONS).to_string()),
                description: None,
            },
        ));
    }
    doc
}

fn random_principal(g: &mut Gen, doc: &Document) -> Principal {
    let mut p = Principal::new(*g.pick(&["u1", "u2"]));
    for _ in 0..g.below(4) {
        let (name, role) = &doc.roles.0[g.below(doc.roles.len())];
        p.roles.push(RoleAssignment {
            role: name.clone(),
            scope: scope_at(g, &role.scope),
        });
    }
    if g.chance(50) {
        p.attrs
            .insert("dept".into(), Value::from(*g.pick(&["sales", "ops"])));
    }
    p
}

fn random_tenant(g: &mut Gen) -> Tenant {
    let mut t = Tenant::new("acme");
    t.plan = match g.below(3) {
        0 => None,
        1 => Some("p0".into()),
        _ => Some("p1".into()),
    };
    for f in ["f0", "f1"] {
        if g.chance(40) {
            t.features.push(f.into());
        }
    }
    if g.chance(50) {
        t.attrs
            .insert("tier".into(), Value::from(*g.pick(&["gold", "silver"])));
    }
    t
}

fn random_resource(g: &mut Gen, principal: &Principal) -> Resource {
    let level = g.pick(LEVELS).0;
    let mut scope = scope_at(g, level);
    // Most requests land where the principal holds a role, or below it.
    if !principal.roles.is_empty() && g.chance(65) {
        scope = principal.roles[g.below(principal.roles.len())]
            .scope
            .clone();
        if scope.starts_with("workspace:") && !scope.contains('/') && g.chance(50) {
            scope = format!("{scope}/project:p{}", g.below(2));
        } else if (scope.is_empty() || scope == "org") && g.chance(50) {
            let level = g.pick(LEVELS).0;
            scope = scope_at(g, level);
        }
    }
    let mut r = Resource::at(scope);
    if g.chance(60) {
        r.kind = Some(g.pick(&["number", "campaign"]).to_string());
        r.id = Some(format!("x{}", g.below(3)));
    }
    if g.chance(70) {
        r.attrs
            .insert("assignee".into(), Value::from(*g.pick(&["u1", "u2"])));
    }
    if g.chance(50) {
        r.attrs
            .insert("level".into(), Value::Number(g.below(4) as f64));
    }
    r
}

#[test]
fn compiled_index_agrees_with_reference() {
    let config = ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let tally: RefCell<BTreeMap<(String, String), usize>> = RefCell::default();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(1u64..u64::MAX), |seed| {
        let mut g = Gen(seed);
        let doc = random_document(&mut g);
        let policy = Policy::from_document(doc.clone());
        prop_assert!(
            policy.is_ok(),
            "generated policy rejected: {:?}",
            policy.err()
        );
        let policy = policy.unwrap();
        let principal = random_principal(&mut g, &doc);
        let tenant = random_tenant(&mut g);
        let session = policy.session(&principal, &tenant);
        prop_assert!(session.is_ok(), "session rejected: {:?}", session.err());
        let session = session.unwrap();
        for _ in 0..4 {
            let resource = random_resource(&mut g, &principal);
            let action = if g.chance(5) {
                "nope.missing".to_owned()
            } else {
                doc.actions.0[g.below(doc.actions.len())].0.clone()
            };
            let compiled = session.check(&action, &resource);
            let simple = reference::decide(&doc, &principal, &tenant, &action, &resource);
            prop_assert_eq!(
                &compiled,
                &simple,
                "action {} on {:?} by {:?} in {:?}\npolicy: {}",
                action,
                resource,
                principal,
                tenant,
                serde_json::to_string(&doc).unwrap()
            );
            if let Some((_, mapped)) = session
                .permissions_for(&resource)
                .into_iter()
                .find(|(a, _)| **a == *action)
            {
                prop_assert_eq!(&mapped, &compiled);
            }
            prop_assert_eq!(&session.explain(&action, &resource).decision, &compiled);
            // `conditional` answers a request without a particular resource, and allows
            // nothing as such.
            if compiled.effect == rolegate::Effect::Conditional {
                prop_assert!(
                    resource.id.is_none() && resource.attrs.is_empty() && !compiled.allowed()
                );
            }
            if compiled
                .hint
                .as_deref()
                .is_some_and(|h| h.starts_with(ENABLE_HINT))
            {
                *tally
                    .borrow_mut()
                    .entry(("enable_hint".into(), "-".into()))
                    .or_default() += 1;
            } else if compiled.reason == rolegate::Reason::FeatureDisabled {
                *tally
                    .borrow_mut()
                    .entry(("other_hint".into(), "-".into()))
                    .or_default() += 1;
            }
            let key = (
                compiled.reason.to_string(),
                if compiled.rule.is_some() { "rule" } else { "-" }.to_owned(),
            );
            *tally.borrow_mut().entry(key).or_default() += 1;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The comparison is only as good as the variety of decisions it saw.
    let tally = tally.into_inner();
    let total: usize = tally.values().sum();
    println!("{total} requests compared; decisions seen:");
    for ((reason, rule), n) in &tally {
        println!("  {reason:<18} {rule:<4} {n}");
    }
    let hints = |kind: &str| tally.get(&(kind.into(), "-".into())).copied().unwrap_or(0);
    let total: usize = total - hints("enable_hint") - hints("other_hint");
    assert!(total >= 40_000, "only {total} requests compared");
    // Features locked both for principals who may enable them and for those who may not.
    assert!(
        hints("enable_hint") >= 60 && hints("other_hint") >= 60,
        "enable hints {}, other hints {}",
        hints("enable_hint"),
        hints("other_hint")
    );
    for reason in [
        "granted",
        "not_member",
        "no_grant",
        "denied_by_rule",
        "condition_failed",
        "feature_disabled",
        "plan_required",
        "unknown_action",
    ] {
        let n: usize = tally
            .iter()
            .filter(|((r, _), _)| r == reason)
            .map(|(_, n)| n)
            .sum();
        assert!(n >= 100, "reason `{reason}` seen only {n} times");
    }
    // Requests without a particular resource (no id, no attributes) are a few percent.
    let conditional: usize = tally
        .iter()
        .filter(|((r, _), _)| r == "conditional")
        .map(|(_, n)| n)
        .sum();
    assert!(
        conditional >= 10,
        "reason `conditional` seen only {conditional} times"
    );
    assert!(
        tally
            .get(&("granted".into(), "rule".into()))
            .copied()
            .unwrap_or(0)
            >= 100,
        "too few grants by conditional rules"
    );
}
