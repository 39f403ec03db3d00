//! Team `apply` on arbitrary sequences of changes, from each team fixture's first team.
//! Oracles, after every step:
//! - an applied change leaves a team that `apply` itself accepts (not `invalid_team`);
//! - a unique role of the organization has exactly one holder, a unique scope role at most
//!   one per scope;
//! - a protected role (at the organization or in a scope) is still held by each member who
//!   held it, unless that member made the change;
//! - the audit event names the actor, the change, its time, and reads back from its JSON;
//! - replaying the events over the first team gives the team as it is;
//! - a denial changes nothing (the next step starts from the same team).
//!
//! Input: bytes read through `arbitrary::Unstructured`.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use rolegate::team::{AuditEvent, DenialReason, Team, TeamChange, replay};
use rolegate::{Policy, Tenant};
use rolegate_fuzz::{TeamFixture, name, pick, scope, team_fixtures};

fn holds_org(team: &Team, id: &str, role: &str) -> bool {
    team.member(id)
        .is_some_and(|m| m.role.as_deref() == Some(role))
}

fn holds_in(team: &Team, id: &str, scope: &str, role: &str) -> bool {
    team.member(id).is_some_and(|m| {
        m.memberships
            .iter()
            .any(|ms| ms.scope == scope && ms.role == role)
    })
}

fn check_unique(policy: &Policy, team: &Team, initial: &Team) {
    let doc = policy.document().expect("a policy read from text");
    let root = policy.root_level();
    for role in &doc.team.unique {
        let at_root = doc.roles.get(role).is_some_and(|r| r.scope == root);
        if at_root {
            let holders = team
                .members
                .iter()
                .filter(|m| m.role.as_deref() == Some(role))
                .count();
            let before = initial
                .members
                .iter()
                .filter(|m| m.role.as_deref() == Some(role))
                .count();
            assert!(
                holders == 1 || (before == 0 && holders == 0),
                "unique organization role `{role}` has {holders} holders: {}",
                team.to_json()
            );
        } else {
            let mut seen: Vec<&str> = Vec::new();
            for m in &team.members {
                for ms in m.memberships.iter().filter(|ms| ms.role == *role) {
                    assert!(
                        !seen.contains(&ms.scope.as_str()),
                        "unique scope role `{role}` has two holders in `{}`: {}",
                        ms.scope,
                        team.to_json()
                    );
                    seen.push(&ms.scope);
                }
            }
        }
    }
}

fn check_protected(policy: &Policy, old: &Team, new: &Team, actor: &str, change: &TeamChange) {
    for role in &policy
        .document()
        .expect("a policy read from text")
        .team
        .protected
    {
        for m in old.members.iter().filter(|m| m.id != actor) {
            if m.role.as_deref() == Some(role) {
                assert!(
                    holds_org(new, &m.id, role),
                    "`{actor}` took the protected role `{role}` from `{}` by {change:?}",
                    m.id
                );
            }
            for ms in m.memberships.iter().filter(|ms| ms.role == *role) {
                assert!(
                    holds_in(new, &m.id, &ms.scope, role),
                    "`{actor}` took the protected role `{role}` in `{}` from `{}` by {change:?}",
                    ms.scope,
                    m.id
                );
            }
        }
    }
}

/// Whether `apply` accepts `team` as a team (a probe change that is refused later).
fn valid(policy: &Policy, tenant: &Tenant, team: &Team) -> bool {
    let Some(actor) = team.members.first() else {
        return true;
    };
    let probe = TeamChange::Accept {
        member: "\u{1}probe".into(),
    };
    !matches!(
        policy.apply(team, tenant, &actor.id, &probe, 0),
        Err(d) if d.reason == DenialReason::InvalidTeam
    )
}

fn change(u: &mut Unstructured<'_>, f: &TeamFixture, team: &Team) -> Result<(String, TeamChange)> {
    let doc = f.policy.document().expect("a policy read from text");
    let mut ids: Vec<String> = team.members.iter().map(|m| m.id.clone()).collect();
    ids.extend(["n0", "n1"].map(str::to_owned));
    let roles: Vec<String> = doc.roles.iter().map(|(n, _)| n.to_owned()).collect();
    let mut scopes: Vec<String> = team.scopes.clone();
    scopes.extend(
        team.members
            .iter()
            .flat_map(|m| m.memberships.iter().map(|ms| ms.scope.clone())),
    );
    let a_scope = |u: &mut Unstructured<'_>| -> Result<String> {
        if !scopes.is_empty() && u.ratio(2, 3)? {
            Ok(pick(u, &scopes)?.clone())
        } else {
            scope(u, doc)
        }
    };
    let actor = name(u, &ids)?;
    let member = name(u, &ids)?;
    let role = name(u, &roles)?;
    let change = match u.int_in_range(0..=9u8)? {
        0 => TeamChange::Invite {
            member,
            email: None,
            role,
            scope: if u.arbitrary()? {
                Some(a_scope(u)?)
            } else {
                None
            },
        },
        1 => TeamChange::Accept { member },
        2 => TeamChange::ChangeRole { member, role },
        3 => TeamChange::Remove { member },
        4 => TeamChange::AddMembership {
            member,
            scope: a_scope(u)?,
            role,
        },
        5 => TeamChange::ChangeMembership {
            member,
            scope: a_scope(u)?,
            role,
        },
        6 => TeamChange::RemoveMembership {
            member,
            scope: a_scope(u)?,
        },
        7 => TeamChange::TransferOwnership { to: member },
        8 => TeamChange::AddScope { scope: a_scope(u)? },
        _ => TeamChange::RemoveScope { scope: a_scope(u)? },
    };
    // Accepting is done by the invited member themself, mostly.
    let actor = match &change {
        TeamChange::Accept { member } if u.ratio(3, 4)? => member.clone(),
        _ => actor,
    };
    Ok((actor, change))
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let f = pick(u, team_fixtures())?;
    let mut tenant = f.tenant.clone();
    if u.ratio(1, 3)? {
        let plans: Vec<String> = f
            .policy
            .document()
            .expect("a policy read from text")
            .plans
            .iter()
            .map(|(n, _)| n.to_owned())
            .collect();
        tenant.plan = Some(name(u, &plans)?);
    }
    let initial = f.team.clone();
    let mut team = initial.clone();
    let mut events: Vec<AuditEvent> = Vec::new();
    for step in 0..u.int_in_range(1..=24u32)? {
        // Out of bytes, every further step would be the same change: stop.
        if step > 0 && u.is_empty() {
            break;
        }
        let (actor, change) = change(u, f, &team)?;
        let at = 1_800_000_000 + u64::from(step) * 60;
        match f.policy.apply(&team, &tenant, &actor, &change, at) {
            Ok((next, event)) => {
                assert!(
                    valid(&f.policy, &tenant, &next),
                    "{}: `{actor}` {change:?} left a team that apply refuses: {}",
                    f.name,
                    next.to_json()
                );
                check_unique(&f.policy, &next, &initial);
                check_protected(&f.policy, &team, &next, &actor, &change);
                assert_eq!(event.actor, actor);
                assert_eq!(event.change, change.kind());
                assert_eq!(event.at, at);
                assert_eq!(
                    AuditEvent::from_json(&event.to_json()).as_ref(),
                    Ok(&event),
                    "the event does not read back"
                );
                events.push(event);
                team = next;
            }
            Err(denial) => {
                assert!(
                    denial.reason != DenialReason::InvalidTeam,
                    "{}: a team reached by applied changes is refused as invalid: {denial}\n{}",
                    f.name,
                    team.to_json()
                );
            }
        }
        let replayed = match replay(&initial, &events) {
            Ok(t) => t,
            Err(e) => panic!("{}: replay of {} events fails: {e}", f.name, events.len()),
        };
        assert_eq!(replayed, team, "replay differs from the team");
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = run(&mut u);
});
