//! The team corpus (`tests/fixtures/team/*.json`), run natively: every change case through
//! `Policy::apply` (after its `before` steps), with its expectation, the input left
//! untouched, the audit event naming the actor, the change and its target, and the events
//! replaying to the resulting team; every lint entry through `Policy::lint`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::presets::{PRESETS, preset};
use rolegate::team::{AuditEvent, DenialReason, FindingCode, Team, TeamChange, replay};
use rolegate::{Policy, Tenant};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The time of a case or lint entry that gives none.
const DEFAULT_AT: u64 = 1_790_000_000;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/team")
}

fn corpus() -> Vec<(String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let value: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, value)
        })
        .collect()
}

fn policy_of(name: &str, file: &Value) -> Policy {
    let policy = file["policy"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: `policy` must be a preset name or a file"));
    // A `.toml` or `.json` file beside the fixtures, else a preset.
    if policy.ends_with(".toml") || policy.ends_with(".json") {
        let path = format!(
            "{}/tests/fixtures/team/{policy}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let format = if policy.ends_with(".json") {
            rolegate::Format::Json
        } else {
            rolegate::Format::Toml
        };
        return Policy::from_text(&text, format).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let text = preset(policy).unwrap_or_else(|| panic!("{name}: no preset `{policy}`"));
    Policy::from_toml(text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn team_of(value: &Value) -> Result<Team, String> {
    Team::from_json(&value.to_string()).map_err(|e| format!("team does not read: {e}"))
}

fn tenant_of(value: Option<&Value>) -> Result<Tenant, String> {
    match value {
        None => Ok(Tenant::new("tenant")),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("bad tenant: {e}")),
    }
}

fn time_of(value: Option<&Value>) -> Result<u64, String> {
    match value {
        None => Ok(DEFAULT_AT),
        Some(v) => v.as_u64().ok_or_else(|| format!("bad time {v}")),
    }
}

fn str_of<'a>(value: &'a Value, key: &str) -> Result<&'a str, String> {
    value[key]
        .as_str()
        .ok_or_else(|| format!("`{key}` must be a string"))
}

/// Whom or what a change (as JSON) is about: its member, new owner or scope.
fn target_of(change: &Value) -> Option<&str> {
    ["member", "to", "scope"]
        .iter()
        .find_map(|k| change.get(*k).and_then(Value::as_str))
}

/// Lists compared without regard to order.
fn same_set(a: &Value, b: &Value) -> bool {
    match (a.as_array(), b.as_array()) {
        (Some(a), Some(b)) => {
            let key = |v: &[Value]| {
                let mut keys: Vec<String> = v.iter().map(Value::to_string).collect();
                keys.sort();
                keys
            };
            key(a) == key(b)
        }
        _ => a == b,
    }
}

/// Compares the resulting team with `expect.members` and `expect.scopes`.
fn check_team(team: &Team, expect: &Value, failures: &mut Vec<String>) {
    let actual: Value = serde_json::from_str(&team.to_json()).unwrap();
    let members = actual["members"].as_array().cloned().unwrap_or_default();
    if let Some(expected) = expect.get("members") {
        let Some(expected) = expected.as_object() else {
            failures.push("`expect.members` must be an object".into());
            return;
        };
        for (id, want) in expected {
            let got = members.iter().find(|m| m["id"] == id.as_str());
            match (want, got) {
                (Value::Null, None) => {}
                (Value::Null, Some(m)) => failures.push(format!("`{id}` should be gone: {m}")),
                (_, None) => failures.push(format!("`{id}` is not in the resulting team")),
                (Value::Object(fields), Some(m)) => {
                    for (field, value) in fields {
                        let have = m.get(field).cloned().unwrap_or(match field.as_str() {
                            "memberships" => Value::Array(Vec::new()),
                            _ => Value::Null,
                        });
                        if !same_set(&have, value) {
                            failures.push(format!("`{id}`.{field}: expected {value}, got {have}"));
                        }
                    }
                }
                (_, Some(_)) => failures.push(format!("`expect.members.{id}` must be an object")),
            }
        }
    }
    if let Some(scopes) = expect.get("scopes") {
        if !same_set(&actual["scopes"], scopes) {
            failures.push(format!(
                "scopes: expected {scopes}, got {}",
                actual["scopes"]
            ));
        }
    }
}

/// Runs one change case; the failures are returned.
fn run_case(
    policy: &Policy,
    file: &Value,
    case: &Value,
    reasons: &mut BTreeSet<String>,
) -> Vec<String> {
    let mut failures = Vec::new();
    let setup = (|| -> Result<_, String> {
        let start = team_of(case.get("team").unwrap_or(&file["team"]))?;
        let tenant = tenant_of(case.get("tenant").or_else(|| file.get("tenant")))?;
        let actor = str_of(case, "actor")?.to_owned();
        let change_json = case.get("change").ok_or("no `change`")?.clone();
        let change = TeamChange::from_json(&change_json.to_string())
            .map_err(|e| format!("change does not read: {e}"))?;
        let at = time_of(case.get("at"))?;
        let expect = case.get("expect").ok_or("no `expect`")?.clone();
        Ok((start, tenant, actor, change_json, change, at, expect))
    })();
    let (start, tenant, actor, change_json, change, at, expect) = match setup {
        Ok(s) => s,
        Err(e) => return vec![e],
    };

    // The steps before the change; each must be applied.
    let mut team = start.clone();
    let mut events: Vec<AuditEvent> = Vec::new();
    for (i, step) in case
        .get("before")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .enumerate()
    {
        let step_change = match step
            .get("change")
            .ok_or_else(|| "no `change`".to_owned())
            .and_then(|c| {
                TeamChange::from_json(&c.to_string()).map_err(|e| format!("does not read: {e}"))
            }) {
            Ok(c) => c,
            Err(e) => return vec![format!("before[{i}]: {e}")],
        };
        let (step_actor, step_at) = match (str_of(step, "actor"), time_of(step.get("at"))) {
            (Ok(a), Ok(t)) => (a, t),
            (Err(e), _) | (_, Err(e)) => return vec![format!("before[{i}]: {e}")],
        };
        match policy.apply(&team, &tenant, step_actor, &step_change, step_at) {
            Ok((next, event)) => {
                team = next;
                events.push(event);
            }
            Err(d) => return vec![format!("before[{i}] was refused: {d}")],
        }
    }

    let input = team.to_json();
    let result = policy.apply(&team, &tenant, &actor, &change, at);
    if team.to_json() != input {
        failures.push("the input team was modified".into());
    }
    match (expect.get("denied").and_then(Value::as_str), result) {
        (Some(reason), Err(denial)) => {
            reasons.insert(reason.to_owned());
            if denial.reason.as_str() != reason {
                failures.push(format!("expected denial `{reason}`, got {denial}"));
            }
            if denial.message.is_empty() {
                failures.push("the denial has no message".into());
            }
            let json: Value = serde_json::from_str(&denial.to_json()).unwrap();
            if json["reason"] != reason_value(denial.reason) {
                failures.push(format!("denial JSON: {json}"));
            }
        }
        (Some(reason), Ok((_, event))) => {
            reasons.insert(reason.to_owned());
            failures.push(format!(
                "expected denial `{reason}`, but the change was applied (rule `{}`)",
                event.rule
            ));
        }
        (None, Err(denial)) => failures.push(format!("expected success, got {denial}")),
        (None, Ok((next, event))) => {
            if let Some(rule) = expect.get("rule") {
                if rule.as_str() != Some(event.rule.as_str()) {
                    failures.push(format!("rule: expected {rule}, got `{}`", event.rule));
                }
            }
            if event.rule.is_empty() {
                failures.push("the event names no rule".into());
            }
            check_team(&next, &expect, &mut failures);
            // The audit event names who did what to whom, and when.
            if event.actor != actor {
                failures.push(format!("event.actor: `{}`, not `{actor}`", event.actor));
            }
            if Some(event.change) != change_json["type"].as_str() || event.change != change.kind() {
                failures.push(format!(
                    "event.change: `{}`, not {}",
                    event.change, change_json["type"]
                ));
            }
            if Some(event.target.as_str()) != target_of(&change_json) {
                failures.push(format!(
                    "event.target: `{}`, not that of {change_json}",
                    event.target
                ));
            }
            if event.at != at {
                failures.push(format!("event.at: {}, not {at}", event.at));
            }
            // Replaying the audit log over the first state rebuilds the last, also from
            // the events' JSON.
            events.push(event);
            match replay(&start, &events) {
                Ok(rebuilt) if rebuilt.to_json() == next.to_json() => {}
                Ok(rebuilt) => failures.push(format!(
                    "replay gives {}\n      not {}",
                    rebuilt.to_json(),
                    next.to_json()
                )),
                Err(e) => failures.push(format!("replay fails: {e}")),
            }
            let read: Result<Vec<AuditEvent>, _> = events
                .iter()
                .map(|e| AuditEvent::from_json(&e.to_json()))
                .collect();
            match read {
                Ok(read) => {
                    if read != events {
                        failures.push("an event does not survive its JSON".into());
                    } else if replay(&start, &read).map(|t| t.to_json()) != Ok(next.to_json()) {
                        failures.push("replaying the events' JSON differs".into());
                    }
                }
                Err(e) => failures.push(format!("an event's JSON does not read: {e}")),
            }
        }
    }
    failures
}

fn reason_value(reason: DenialReason) -> Value {
    Value::String(reason.as_str().to_owned())
}

/// Runs one lint entry: the findings must be exactly those expected (code, and subject
/// where given).
fn run_lint(
    policy: &Policy,
    file: &Value,
    entry: &Value,
    codes: &mut BTreeSet<String>,
) -> Vec<String> {
    let team = match team_of(entry.get("team").unwrap_or(&file["team"])) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    let now = match time_of(entry.get("now")) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    let Some(expected) = entry.get("expect").and_then(Value::as_array) else {
        return vec!["`expect` must be a list of findings".into()];
    };
    let findings = policy.lint(&team, now);
    let mut left: Vec<Option<(&str, &str)>> = findings
        .iter()
        .map(|f| Some((f.code.as_str(), f.subject.as_str())))
        .collect();
    let mut failures = Vec::new();
    // Entries with a subject first, so that those without take what remains.
    let mut wanted: Vec<&Value> = expected.iter().collect();
    wanted.sort_by_key(|w| w.get("subject").is_none());
    for want in wanted {
        let code = want["code"].as_str().unwrap_or_default();
        codes.insert(code.to_owned());
        let subject = want.get("subject").and_then(Value::as_str);
        let slot = left
            .iter_mut()
            .find(|f| f.is_some_and(|(c, s)| c == code && subject.is_none_or(|want| want == s)));
        match slot {
            Some(slot) => *slot = None,
            None => failures.push(format!("missing finding {want}")),
        }
    }
    for (c, s) in left.into_iter().flatten() {
        failures.push(format!("unexpected finding `{c}` about {s}"));
    }
    failures
}

#[test]
fn every_team_case_and_lint_entry_passes() {
    let mut failures = Vec::new();
    let mut total = (0, 0);
    let mut reasons = BTreeSet::new();
    let mut codes = BTreeSet::new();
    let corpus = corpus();
    assert!(!corpus.is_empty(), "no fixture in {}", dir().display());
    for (name, file) in &corpus {
        let policy = policy_of(name, file);
        let cases = file["cases"].as_array().cloned().unwrap_or_default();
        let lints = file["lint"].as_array().cloned().unwrap_or_default();
        assert!(!cases.is_empty(), "{name} has no case");
        let mut names = BTreeSet::new();
        let mut failed = 0;
        for (i, case) in cases.iter().enumerate() {
            let label = case["name"].as_str().unwrap_or("(unnamed)").to_owned();
            let mut f = run_case(&policy, file, case, &mut reasons);
            if !names.insert(label.clone()) {
                f.push("the name is used twice".into());
            }
            if case["seed"].as_str().is_none_or(str::is_empty) {
                f.push("no `seed`".into());
            }
            if !f.is_empty() {
                failed += 1;
                failures.push(format!(
                    "{name}: case {i} `{label}`\n    {}",
                    f.join("\n    ")
                ));
            }
        }
        for (i, entry) in lints.iter().enumerate() {
            let label = entry["name"].as_str().unwrap_or("(unnamed)").to_owned();
            let mut f = run_lint(&policy, file, entry, &mut codes);
            if !names.insert(format!("lint: {label}")) {
                f.push("the name is used twice".into());
            }
            if entry["seed"].as_str().is_none_or(str::is_empty) {
                f.push("no `seed`".into());
            }
            if !f.is_empty() {
                failed += 1;
                failures.push(format!(
                    "{name}: lint {i} `{label}`\n    {}",
                    f.join("\n    ")
                ));
            }
        }
        println!(
            "{name}: {} cases, {} lint entries, {failed} failing",
            cases.len(),
            lints.len()
        );
        total.0 += cases.len();
        total.1 += lints.len();
    }
    println!("{} cases, {} lint entries", total.0, total.1);

    // Every stable code is exercised somewhere.
    for reason in DenialReason::ALL {
        if !reasons.contains(reason.as_str()) {
            failures.push(format!("no case expects the denial `{reason}`"));
        }
    }
    for code in FindingCode::ALL {
        if !codes.contains(code.as_str()) {
            failures.push(format!("no lint entry expects `{code}`"));
        }
    }
    for code in reasons
        .iter()
        .filter(|r| DenialReason::from_code(r).is_none())
    {
        failures.push(format!("`{code}` is not a denial reason"));
    }
    for code in codes.iter().filter(|c| FindingCode::from_code(c).is_none()) {
        failures.push(format!("`{code}` is not a finding code"));
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The team rules travel in the artifact: every case and lint entry gives the same answer
/// from the policy loaded back from its artifact (the least numbers of holders included).
#[test]
fn team_rules_survive_the_artifact() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, file) in &corpus() {
        let built = policy_of(name, file);
        let policy = Policy::from_artifact(&built.to_artifact()).unwrap();
        let mut reasons = BTreeSet::new();
        let mut codes = BTreeSet::new();
        for case in file["cases"].as_array().cloned().unwrap_or_default() {
            let f = run_case(&policy, file, &case, &mut reasons);
            if !f.is_empty() {
                failures.push(format!("{name}: `{}`: {}", case["name"], f.join("; ")));
            }
            checked += 1;
        }
        for entry in file["lint"].as_array().cloned().unwrap_or_default() {
            let f = run_lint(&policy, file, &entry, &mut codes);
            if !f.is_empty() {
                failures.push(format!(
                    "{name}: lint `{}`: {}",
                    entry["name"],
                    f.join("; ")
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} cases and lint entries");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_preset_has_a_team_fixture_file() {
    let corpus = corpus();
    for (name, _) in PRESETS {
        assert!(
            corpus.iter().any(|(_, f)| f["policy"] == *name),
            "no tests/fixtures/team file for the preset `{name}`"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Regression tests, each named after what broke
// ---------------------------------------------------------------------------------------

/// A policy with a unique, protected organization owner and a unique, protected project
/// owner; admins manage everything.
const SCOPED_OWNER: &str = r#"
version = 1
[scopes]
org = {}
project = { parent = "org" }
[actions]
"project.view" = { scope = "project" }
[roles.owner]
scope = "org"
cascade = true
allow = ["project.view"]
[roles.admin]
scope = "org"
cascade = true
allow = ["project.view"]
[roles.member]
scope = "org"
[roles.project_owner]
scope = "project"
allow = ["project.view"]
[roles.editor]
scope = "project"
allow = ["project.view"]
[team]
unique = ["owner", "project_owner"]
protected = ["owner", "project_owner"]
[team.manage.owner]
assign = ["admin", "member", "project_owner", "editor"]
remove = ["admin", "member", "project_owner", "editor"]
scopes = true
[team.manage.admin]
assign = ["admin", "member", "project_owner", "editor"]
remove = ["admin", "member", "project_owner", "editor"]
scopes = true
"#;

fn scoped_owner_team() -> Team {
    Team::from_json(
        r#"{"members":[
          {"id":"own","status":"active","role":"owner","memberships":[]},
          {"id":"adm","status":"active","role":"admin","memberships":[]},
          {"id":"pat","status":"active","role":"member","memberships":[{"scope":"project:p1","role":"project_owner"}]},
          {"id":"ed","status":"active","role":"member","memberships":[{"scope":"project:p1","role":"editor"}]}
        ],"scopes":["project:p1","project:p2"]}"#,
    )
    .unwrap()
}

fn scoped_owner_policy() -> Policy {
    Policy::from_toml(SCOPED_OWNER).unwrap()
}

fn denied(result: Result<(Team, AuditEvent), rolegate::team::Denial>) -> String {
    match result {
        Ok((team, _)) => panic!("applied: {}", team.to_json()),
        Err(d) => d.reason.as_str().to_owned(),
    }
}

#[test]
fn removing_a_member_bypassed_their_protected_scope_role() {
    let policy = scoped_owner_policy();
    let team = scoped_owner_team();
    let t = Tenant::new("t");
    let remove = TeamChange::Remove {
        member: "pat".into(),
    };
    assert_eq!(
        denied(policy.apply(&team, &t, "adm", &remove, DEFAULT_AT)),
        "owner_protected"
    );
    // The ways that were already refused stay refused.
    let leave = TeamChange::RemoveMembership {
        member: "pat".into(),
        scope: "project:p1".into(),
    };
    assert_eq!(
        denied(policy.apply(&team, &t, "adm", &leave, DEFAULT_AT)),
        "owner_protected"
    );
    // Deleting the project would take the role too.
    let drop_scope = TeamChange::RemoveScope {
        scope: "project:p1".into(),
    };
    assert_eq!(
        denied(policy.apply(&team, &t, "adm", &drop_scope, DEFAULT_AT)),
        "owner_protected"
    );
    // The holder may still leave the organization themselves.
    let (next, _) = policy.apply(&team, &t, "pat", &remove, DEFAULT_AT).unwrap();
    assert!(next.member("pat").is_none());
    // And anyone without a protected role is still removed by an admin.
    let remove_ed = TeamChange::Remove {
        member: "ed".into(),
    };
    assert!(
        policy
            .apply(&team, &t, "adm", &remove_ed, DEFAULT_AT)
            .is_ok()
    );
}

#[test]
fn unique_scope_role_was_never_enforced() {
    let policy = scoped_owner_policy();
    let team = scoped_owner_team();
    let t = Tenant::new("t");
    let add = TeamChange::AddMembership {
        member: "adm".into(),
        scope: "project:p1".into(),
        role: "project_owner".into(),
    };
    assert_eq!(
        denied(policy.apply(&team, &t, "own", &add, DEFAULT_AT)),
        "unique_role_taken"
    );
    let promote = TeamChange::ChangeMembership {
        member: "ed".into(),
        scope: "project:p1".into(),
        role: "project_owner".into(),
    };
    assert_eq!(
        denied(policy.apply(&team, &t, "own", &promote, DEFAULT_AT)),
        "unique_role_taken"
    );
    // One per scope: another project may have its own owner.
    let elsewhere = TeamChange::AddMembership {
        member: "adm".into(),
        scope: "project:p2".into(),
        role: "project_owner".into(),
    };
    assert!(
        policy
            .apply(&team, &t, "own", &elsewhere, DEFAULT_AT)
            .is_ok()
    );
    // A scope invitation (where the policy allows them) is held to the same rule.
    let open = Policy::from_toml(
        &SCOPED_OWNER.replace("[team]\n", "[team]\nrequire_org_member = false\n"),
    )
    .unwrap();
    let invite = TeamChange::Invite {
        member: "new".into(),
        email: None,
        role: "project_owner".into(),
        scope: Some("project:p1".into()),
    };
    assert_eq!(
        denied(open.apply(&team, &t, "own", &invite, DEFAULT_AT)),
        "unique_role_taken"
    );
    // A team that already has two owners of one project is refused.
    let mut two = team.clone();
    two.members[1].memberships.push(rolegate::team::Membership {
        scope: "project:p1".into(),
        role: "project_owner".into(),
    });
    let leave = TeamChange::Remove {
        member: "ed".into(),
    };
    assert_eq!(
        denied(policy.apply(&two, &t, "own", &leave, DEFAULT_AT)),
        "invalid_team"
    );
}

#[test]
fn team_without_a_holder_of_a_unique_role_was_accepted() {
    let policy = scoped_owner_policy();
    let mut team = scoped_owner_team();
    team.members[0].role = Some("admin".into());
    let change = TeamChange::Remove {
        member: "ed".into(),
    };
    let result = policy.apply(&team, &Tenant::new("t"), "adm", &change, DEFAULT_AT);
    assert_eq!(denied(result.clone()), "invalid_team");
    assert!(result.unwrap_err().message.contains("exactly one"));
    // A project without an owner is fine: unique in a scope means at most one there.
    let mut team = scoped_owner_team();
    team.members[2].memberships.clear();
    assert!(
        policy
            .apply(&team, &Tenant::new("t"), "adm", &change, DEFAULT_AT)
            .is_ok()
    );
}

#[test]
fn invite_accepted_an_empty_member_id() {
    let policy = scoped_owner_policy();
    let team = scoped_owner_team();
    for id in ["", "   "] {
        let invite = TeamChange::Invite {
            member: id.into(),
            email: None,
            role: "member".into(),
            scope: None,
        };
        assert_eq!(
            denied(policy.apply(&team, &Tenant::new("t"), "adm", &invite, DEFAULT_AT)),
            "bad_member"
        );
    }
}

#[test]
fn replay_accepted_events_out_of_order_or_forged() {
    let policy = scoped_owner_policy();
    let start = scoped_owner_team();
    let t = Tenant::new("t");
    let invite = |id: &str| TeamChange::Invite {
        member: id.into(),
        email: None,
        role: "member".into(),
        scope: None,
    };
    let (one, e1) = policy.apply(&start, &t, "adm", &invite("n1"), 100).unwrap();
    let (two, e2) = policy.apply(&one, &t, "adm", &invite("n2"), 200).unwrap();
    let (_, e3) = policy
        .apply(
            &two,
            &t,
            "adm",
            &TeamChange::Remove {
                member: "ed".into(),
            },
            300,
        )
        .unwrap();
    assert!(replay(&start, &[e1.clone(), e2.clone(), e3.clone()]).is_ok());

    // Out of order in time.
    let mut late = e2.clone();
    late.at = 50;
    let err = replay(&start, &[e1.clone(), late]).unwrap_err();
    assert_eq!((err.code.as_str(), err.index), ("event_out_of_order", 1));
    // An event replayed twice adds a member who is already there.
    let err = replay(&start, &[e1.clone(), e1.clone()]).unwrap_err();
    assert_eq!((err.code.as_str(), err.index), ("event_before_mismatch", 1));
    // A forged `before`: the removed member was not as the event says.
    let mut forged = e3.clone();
    forged.before.members[0].role = Some("owner".into());
    let err = replay(&start, &[e1.clone(), e2.clone(), forged]).unwrap_err();
    assert_eq!((err.code.as_str(), err.index), ("event_before_mismatch", 2));
    // Removing someone who is not in the team.
    let err = replay(&start, &[e3.clone(), e3]).unwrap_err();
    assert_eq!(err.code.as_str(), "event_before_mismatch");
    assert!(err.to_string().contains("events[1]"), "{err}");
}
