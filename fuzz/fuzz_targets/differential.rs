//! Compile and decide, against the reference evaluator. Documents are built from the
//! fuzzer's bytes (a scope tree, a catalog with tags, features and plans, roles with
//! cascade and inclusion, allow and deny rules with conditions over declared attributes),
//! or taken from the presets; principals, tenants and requests are built from the same
//! names, with near misses. Oracle: for a document that compiles and a principal and
//! tenant that a session accepts, `Session::check`, the action's entry in
//! `permissions_for`, `explain` and `can` give the decision of
//! `rolegate::test_util::reference::decide`, field for field. Compiling never panics,
//! whatever the document.
//!
//! Input: bytes read through `arbitrary::Unstructured`.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use rolegate::document::{
    ActionDoc, AttrType, AttributesDoc, Document, FeatureDoc, NamedMap, PlanDoc, RoleDoc, RuleDoc,
    RuleEffect, ScopeLevelDoc,
};
use rolegate::test_util::reference;
use rolegate::{Effect, Policy};
use rolegate_fuzz::{action_of, fixtures, pick, principal_of, resource_of, tenant_of};

const LEVELS: &[&str] = &["org", "workspace", "project", "team"];
const TAGS: &[&str] = &["write", "sensitive"];
const TYPES: &[AttrType] = &[
    AttrType::String,
    AttrType::Number,
    AttrType::Bool,
    AttrType::StringList,
    AttrType::NumberList,
];
const ATTRS: &[&str] = &["a", "b", "n", "tags"];

fn level_tree(u: &mut Unstructured<'_>) -> Result<NamedMap<ScopeLevelDoc>> {
    let count = u.int_in_range(1..=LEVELS.len())?;
    let mut out = Vec::new();
    for (i, l) in LEVELS.iter().take(count).enumerate() {
        let parent = if i == 0 {
            None
        } else {
            Some(LEVELS[u.int_in_range(0..=i - 1)?].to_owned())
        };
        out.push((
            (*l).to_owned(),
            ScopeLevelDoc {
                parent,
                label: None,
            },
        ));
    }
    Ok(NamedMap(out))
}

/// An operand of a comparison: an attribute (declared, built in, or not) or a literal.
fn operand(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => format!("{}.id", pick(u, &["principal", "resource", "tenant"])?),
        1 => "tenant.features".into(),
        2 => "tenant.plan".into(),
        3 => "resource.type".into(),
        4..=6 => format!(
            "{}.{}",
            pick(u, &["principal", "resource", "tenant"])?,
            pick(u, ATTRS)?
        ),
        7 => format!("\"{}\"", pick(u, &["u1", "a", "f0", "p0", ""])?),
        8 => (*pick(u, &["0", "1", "-0", "3", "1.5", "true", "false"])?).into(),
        _ => (*pick(u, &["[\"a\", \"u1\"]", "[1, 3]", "[]", "[\"f0\"]"])?).into(),
    })
}

/// A condition from a small grammar (most do not type-check; those are compile errors).
fn condition(u: &mut Unstructured<'_>, depth: u8) -> Result<String> {
    let choice = if depth > 2 {
        0
    } else {
        u.int_in_range(0..=7u8)?
    };
    Ok(match choice {
        0..=2 => {
            let op = pick(u, &["==", "!=", "in"])?;
            format!("{} {op} {}", operand(u)?, operand(u)?)
        }
        3 => format!("!({})", condition(u, depth + 1)?),
        4 => format!(
            "{} && {}",
            condition(u, depth + 1)?,
            condition(u, depth + 1)?
        ),
        5 => format!(
            "({}) || {}",
            condition(u, depth + 1)?,
            condition(u, depth + 1)?
        ),
        6 => format!(
            "{}.{}",
            pick(u, &["principal", "resource"])?,
            pick(u, ATTRS)?
        ),
        _ => format!(
            "{} has {}",
            pick(u, &["principal", "resource", "tenant"])?,
            pick(u, &[ATTRS, &["id", "plan", "type"]].concat())?
        ),
    })
}

fn patterns(u: &mut Unstructured<'_>, actions: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for _ in 0..u.int_in_range(1..=2u8)? {
        let action = pick(u, actions)?;
        out.push(match u.int_in_range(0..=9u8)? {
            0 => "*".into(),
            1 | 2 => format!("{}.*", action.split('.').next().unwrap_or("")),
            3 => format!("tag:{}", pick(u, TAGS)?),
            _ => action.clone(),
        });
    }
    Ok(out)
}

fn document(u: &mut Unstructured<'_>) -> Result<Document> {
    let scopes = level_tree(u)?;
    let levels: Vec<String> = scopes.iter().map(|(n, _)| n.to_owned()).collect();
    let mut attributes = AttributesDoc::default();
    for entity in [
        &mut attributes.principal,
        &mut attributes.resource,
        &mut attributes.tenant,
    ] {
        for a in ATTRS {
            if u.ratio(1, 2)? {
                entity.0.push(((*a).to_owned(), *pick(u, TYPES)?));
            }
        }
    }
    let mut actions = Vec::new();
    for i in 0..u.int_in_range(1..=8usize)? {
        let name = format!("r{}.v{i}", u.int_in_range(0..=2u8)?);
        let mut tags = Vec::new();
        for t in TAGS {
            if u.ratio(1, 3)? {
                tags.push((*t).to_owned());
            }
        }
        actions.push((
            name,
            ActionDoc {
                scope: pick(u, &levels)?.clone(),
                tags,
                feature: if u.ratio(1, 5)? {
                    Some((*pick(u, &["f0", "f1"])?).to_owned())
                } else {
                    None
                },
                plans: if u.ratio(1, 6)? {
                    vec![(*pick(u, &["p0", "p1"])?).to_owned()]
                } else {
                    vec![]
                },
                hint: if u.ratio(1, 10)? {
                    Some("custom hint".into())
                } else {
                    None
                },
                ..ActionDoc::default()
            },
        ));
    }
    let action_names: Vec<String> = actions.iter().map(|(n, _)| n.clone()).collect();
    let root_actions: Vec<String> = actions
        .iter()
        .filter(|(_, a)| Some(&a.scope) == levels.first())
        .map(|(n, _)| n.clone())
        .collect();
    let mut features = Vec::new();
    for f in ["f0", "f1"] {
        let mut doc = FeatureDoc {
            hint: u.ratio(1, 2)?.then(|| format!("turn {f} on")),
            ..FeatureDoc::default()
        };
        if !root_actions.is_empty() && u.ratio(1, 2)? {
            doc.enable = Some(pick(u, &root_actions)?.clone());
            doc.enable_hint = Some(format!("you may enable {f}"));
        }
        features.push((f.to_owned(), doc));
    }
    let plans = vec![
        (
            "p0".to_owned(),
            PlanDoc {
                label: Some("Plan Zero".into()),
                features: vec!["f0".into()],
                ..PlanDoc::default()
            },
        ),
        ("p1".to_owned(), PlanDoc::default()),
    ];
    let role_count = u.int_in_range(1..=6usize)?;
    let mut roles = Vec::new();
    for i in 0..role_count {
        let mut includes = Vec::new();
        for j in 0..role_count {
            // Any role, also later ones and itself: compile refuses cycles and levels.
            if u.ratio(1, 6)? {
                includes.push(format!("role{j}"));
            }
        }
        roles.push((
            format!("role{i}"),
            RoleDoc {
                scope: pick(u, &levels)?.clone(),
                cascade: u.arbitrary()?,
                includes,
                allow: if u.ratio(3, 4)? {
                    patterns(u, &action_names)?
                } else {
                    vec![]
                },
                ..RoleDoc::default()
            },
        ));
    }
    let mut rules = Vec::new();
    for i in 0..u.int_in_range(0..=5u8)? {
        let roles = if u.ratio(1, 5)? {
            vec!["*".to_owned()]
        } else {
            vec![format!("role{}", u.int_in_range(0..=role_count - 1)?)]
        };
        rules.push((
            format!("rule{i}"),
            RuleDoc {
                effect: if u.ratio(2, 5)? {
                    RuleEffect::Deny
                } else {
                    RuleEffect::Allow
                },
                roles,
                actions: patterns(u, &action_names)?,
                when: if u.ratio(7, 10)? {
                    Some(condition(u, 0)?)
                } else {
                    None
                },
                description: None,
            },
        ));
    }
    Ok(Document {
        schema: None,
        version: 1,
        name: Some("fuzz".into()),
        description: None,
        scopes,
        features: NamedMap(features),
        plans: NamedMap(plans),
        attributes,
        actions: NamedMap(actions),
        roles: NamedMap(roles),
        rules: NamedMap(rules),
        team: Default::default(),
        routes: NamedMap::default(),
    })
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let (doc, policy) = if u.ratio(1, 4)? {
        let fixture = pick(u, fixtures())?;
        (
            fixture
                .policy
                .document()
                .expect("a policy read from text")
                .clone(),
            fixture.policy.clone(),
        )
    } else {
        let doc = document(u)?;
        match Policy::from_document(doc.clone()) {
            Ok(policy) => (doc, policy),
            Err(_) => return Ok(()),
        }
    };
    let principal = principal_of(u, &doc)?;
    let tenant = tenant_of(u, &doc)?;
    let Ok(session) = policy.session(&principal, &tenant) else {
        return Ok(());
    };
    for step in 0..u.int_in_range(1..=6u8)? {
        // Out of bytes, every further request would be the same: stop.
        if step > 0 && u.is_empty() {
            break;
        }
        let action = action_of(u, &doc)?;
        let resource = resource_of(u, &doc)?;
        let compiled = session.check(&action, &resource);
        let simple = reference::decide(&doc, &principal, &tenant, &action, &resource);
        assert_eq!(
            compiled,
            simple,
            "check and the reference disagree: action {action:?} on {resource:?}\nprincipal {principal:?}\ntenant {tenant:?}\npolicy {}",
            serde_json::to_string(&doc).unwrap_or_default()
        );
        assert_eq!(
            session.can(&action, &resource),
            compiled.effect == Effect::Allow
        );
        assert_eq!(session.explain(&action, &resource).decision, compiled);
        if let Some((_, mapped)) = session
            .permissions_for(&resource)
            .into_iter()
            .find(|(a, _)| **a == *action)
        {
            assert_eq!(mapped, compiled, "permissions_for differs from check");
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = run(&mut u);
});
