//! Random policies, principals and tenants for the property tests (`differential.rs`,
//! `plan.rs`): a deterministic generator driven by proptest's seed.
#![allow(dead_code)]

use rolegate::document::{
    ActionDoc, AttrType, AttributesDoc, Document, FeatureDoc, NamedMap, PlanDoc, RoleDoc, RuleDoc,
    RuleEffect, ScopeLevelDoc,
};
use rolegate::{Principal, RoleAssignment, Tenant, Value};

/// A small deterministic generator (xorshift), driven by proptest's seed.
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub const LEVELS: &[(&str, Option<&str>)] = &[
    ("org", None),
    ("workspace", Some("org")),
    ("project", Some("workspace")),
    ("team", Some("org")),
];
pub const CONDITIONS: &[&str] = &[
    "resource.assignee == principal.id",
    "principal.dept == \"sales\"",
    "resource.level != 2",
    "\"f0\" in tenant.features",
    "!(tenant.tier == \"gold\") || resource.assignee == \"u1\"",
    "tenant.plan == \"p0\" && resource.type == \"number\"",
    "resource.level in [1, 3]",
    "resource has assignee && resource.assignee != principal.id",
    "!(principal has dept) || !(resource.level == 2)",
];

/// The start of every feature's `enable_hint`.
pub const ENABLE_HINT: &str = "you may enable";

pub fn level_parent(level: &str) -> Option<&'static str> {
    LEVELS
        .iter()
        .find(|(l, _)| *l == level)
        .and_then(|(_, p)| *p)
}

pub fn within(level: &str, ancestor: &str) -> bool {
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
pub fn scope_at(g: &mut Gen, level: &str) -> String {
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

pub fn random_document(g: &mut Gen) -> Document {
    random_document_with(g, CONDITIONS)
}

/// A random policy whose rules' conditions are drawn from `conditions`.
pub fn random_document_with(g: &mut Gen, conditions: &[&str]) -> Document {
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
            principal: NamedMap(vec![
                ("dept".into(), AttrType::String),
                ("levels".into(), AttrType::NumberList),
            ]),
            resource: NamedMap(vec![
                ("assignee".into(), AttrType::String),
                ("level".into(), AttrType::Number),
                ("owner".into(), AttrType::String),
                ("locked".into(), AttrType::Bool),
                ("tags".into(), AttrType::StringList),
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
                when: g.chance(70).then(|| g.pick(conditions).to_string()),
                description: None,
            },
        ));
    }
    doc
}

pub fn random_principal(g: &mut Gen, doc: &Document) -> Principal {
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

pub fn random_tenant(g: &mut Gen) -> Tenant {
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
