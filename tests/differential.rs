//! The compiled index agrees with the reference evaluator on random policies and requests.
//!
//! Each case builds a random (valid) policy from a seed (scope tree, catalog with tags,
//! features and plans, roles with cascade and inclusion, allow and deny rules with
//! conditions), a random principal, tenant and several random requests, and requires
//! `Session::check`, the `permissions_for` map and `reference::decide` to give the same
//! decision, field for field; the policy loaded from its artifact must decide (and explain)
//! every request the same.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod random;

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use random::{
    ENABLE_HINT, Gen, LEVELS, random_document, random_principal, random_tenant, scope_at,
};
use rolegate::test_util::reference;
use rolegate::{Policy, Principal, Resource, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;

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
        // The policy's artifact loads into an index that writes the same artifact and
        // decides every request the same.
        let artifact = policy.to_artifact();
        let loaded = Policy::from_artifact(&artifact).unwrap();
        prop_assert_eq!(loaded.to_artifact(), artifact);
        prop_assert_eq!(loaded.fingerprint(), policy.fingerprint());
        let loaded = loaded.session(&principal, &tenant).unwrap();
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
            prop_assert_eq!(&loaded.check(&action, &resource), &compiled);
            prop_assert_eq!(
                session.explain(&action, &resource).to_string(),
                loaded.explain(&action, &resource).to_string()
            );
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
