//! The decision fixture corpus: the file format and one runner for it.
//!
//! A fixture file names a policy and lists cases (principal, tenant, action, resource,
//! expected decision). The runner executes each case through [`Session::check`](rolegate::Session::check),
//! [`Session::permissions_for`](rolegate::Session::permissions_for) and [`Session::explain`](rolegate::Session::explain) and requires all three to agree
//! with the expectation. `tests/fixtures/README.md` documents the format.

use rolegate::{Decision, Policy};
use rolegate::{Principal, Resource, Tenant};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A value given inline or by name from the file's table.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Named<T> {
    /// A name from the file's `principals` or `tenants`.
    Name(String),
    /// The value itself.
    Inline(T),
}

/// An expected decision; absent optional fields are not compared.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `allow`, `deny` or `locked`.
    pub effect: String,
    /// The reason code.
    pub reason: String,
    /// The deciding role (`null`: must be absent).
    #[serde(default, deserialize_with = "some_option")]
    pub role: Option<Option<String>>,
    /// The scope of the deciding role.
    #[serde(default, deserialize_with = "some_option")]
    pub scope: Option<Option<String>>,
    /// The deciding rule.
    #[serde(default, deserialize_with = "some_option")]
    pub rule: Option<Option<String>>,
    /// The hint of a locked decision.
    #[serde(default, deserialize_with = "some_option")]
    pub hint: Option<Option<String>>,
    /// The missing attribute that left the deciding rule's condition undecided.
    #[serde(default, deserialize_with = "some_option")]
    pub missing: Option<Option<String>>,
}

fn some_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// One case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows.
    pub name: String,
    /// The seed statement it proves.
    #[serde(default)]
    pub seed: Option<String>,
    /// Who asks.
    pub principal: Named<Principal>,
    /// In which tenant.
    pub tenant: Named<Tenant>,
    /// The action.
    pub action: String,
    /// The resource; absent for the tenant itself.
    #[serde(default)]
    pub resource: Option<Resource>,
    /// The expected decision.
    pub expect: Expect,
}

/// A fixture file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    /// A preset name or a path relative to the file.
    pub policy: String,
    /// What the file covers.
    #[serde(default)]
    pub description: Option<String>,
    /// Named tenants.
    #[serde(default)]
    pub tenants: BTreeMap<String, Tenant>,
    /// Named principals.
    #[serde(default)]
    pub principals: BTreeMap<String, Principal>,
    /// The cases.
    pub cases: Vec<Case>,
}

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// What `check` answered (none when the inputs were rejected).
    pub decision: Option<Decision>,
    /// Every disagreement found; empty when the case passed.
    pub failures: Vec<String>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

fn compare(label: &str, expect: &Expect, d: &Decision, failures: &mut Vec<String>) {
    if d.effect.as_str() != expect.effect {
        failures.push(format!(
            "{label}: effect is `{}`, expected `{}`",
            d.effect, expect.effect
        ));
    }
    if d.reason.as_str() != expect.reason {
        failures.push(format!(
            "{label}: reason is `{}`, expected `{}`",
            d.reason, expect.reason
        ));
    }
    for (field, want, got) in [
        ("role", &expect.role, &d.role),
        ("scope", &expect.scope, &d.scope),
        ("rule", &expect.rule, &d.rule),
        ("hint", &expect.hint, &d.hint),
        ("missing", &expect.missing, &d.missing),
    ] {
        if let Some(want) = want {
            if want.as_deref() != got.as_deref() {
                failures.push(format!("{label}: {field} is {got:?}, expected {want:?}"));
            }
        }
    }
}

impl FixtureFile {
    /// Parses a fixture file.
    pub fn from_json(text: &str) -> Result<FixtureFile, String> {
        serde_json::from_str(text).map_err(|e| format!("fixture file cannot be read: {e}"))
    }

    fn principal(&self, p: &Named<Principal>) -> Result<Principal, String> {
        match p {
            Named::Inline(p) => Ok(p.clone()),
            Named::Name(n) => self
                .principals
                .get(n)
                .cloned()
                .ok_or_else(|| format!("principal `{n}` is not in the file's `principals`")),
        }
    }

    fn tenant(&self, t: &Named<Tenant>) -> Result<Tenant, String> {
        match t {
            Named::Inline(t) => Ok(t.clone()),
            Named::Name(n) => self
                .tenants
                .get(n)
                .cloned()
                .ok_or_else(|| format!("tenant `{n}` is not in the file's `tenants`")),
        }
    }

    /// Runs every case against `policy`.
    pub fn run(&self, policy: &Policy) -> Vec<CaseResult> {
        self.cases
            .iter()
            .map(|case| self.run_case(policy, case))
            .collect()
    }

    fn run_case(&self, policy: &Policy, case: &Case) -> CaseResult {
        let mut failures = Vec::new();
        let inputs = self
            .principal(&case.principal)
            .and_then(|p| Ok((p, self.tenant(&case.tenant)?)));
        let (principal, tenant) = match inputs {
            Ok(v) => v,
            Err(e) => {
                return CaseResult {
                    name: case.name.clone(),
                    decision: None,
                    failures: vec![e],
                };
            }
        };
        let session = match policy.session(&principal, &tenant) {
            Ok(s) => s,
            Err(e) => {
                return CaseResult {
                    name: case.name.clone(),
                    decision: None,
                    failures: vec![format!("session rejected: {e}")],
                };
            }
        };
        let resource = case.resource.clone().unwrap_or_default();
        let decision = session.check(&case.action, &resource);
        compare("check", &case.expect, &decision, &mut failures);
        let in_map = session
            .permissions_for(&resource)
            .into_iter()
            .find(|(a, _)| **a == *case.action)
            .map(|(_, d)| d);
        match in_map {
            Some(d) if d != decision => {
                failures.push(format!("permissions: {d} differs from check: {decision}"))
            }
            None if policy.action_id(&case.action).is_some() => {
                failures.push("permissions: the action is missing from the map".into())
            }
            _ => {}
        }
        let explained = session.explain(&case.action, &resource);
        if explained.decision != decision {
            failures.push(format!(
                "explain: {} differs from check: {decision}",
                explained.decision
            ));
        }
        if explained.steps.is_empty() {
            failures.push("explain: no steps".into());
        }
        let listed = session.filter(&case.action, std::slice::from_ref(&resource));
        if listed.is_empty() == decision.allowed() {
            failures.push(format!("filter: disagrees with check ({decision})"));
        }
        CaseResult {
            name: case.name.clone(),
            decision: Some(decision),
            failures,
        }
    }
}
