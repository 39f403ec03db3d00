//! Team rules hold under random sequences of changes, for every preset.
//!
//! Each case starts from a valid team of a preset (one holder of each unique role, a few
//! other members, some invited, some scopes) and applies a random sequence of changes of
//! every kind, by random actors (members, sometimes strangers), with arguments drawn mostly
//! from valid values (member ids, the preset's roles of the right level, scope instances
//! built from its level tree) and sometimes invalid ones. A successful change continues
//! from the new team, a denied one from the old. After every step:
//!
//! - every role in `team.unique` has exactly one holder;
//! - every role given (invite, change_role, add_membership, change_membership) is in the
//!   `assign` list of a role the actor holds, and every role taken away is in a `remove`
//!   list: computed here from `team.manage` and the roles' `includes` and `cascade`;
//!   a role given in a scope is in a scope the team lists, and an invitation straight into
//!   a scope happens only where `require_org_member` is off;
//! - nobody else removes or demotes the holder of a protected role, and only the holder
//!   of the transferable role transfers it;
//! - no change leaves a role of `team.min_holders` fewer active holders (members holding
//!   it or a role that includes it) than asked where it had more: in the organization for
//!   an organization role, in each scope that still exists for a scope role;
//! - a denied change leaves the team as it was; an applied one touches only the members
//!   and scopes its audit event names;
//! - replaying the audit events over the first team rebuilds the current one.
//!
//! The test counts the applied changes and the denials per reason, prints them per preset
//! and requires enough variety for the run to mean something.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestCaseError, TestError, TestRunner};
use rolegate::Policy;
use rolegate::Tenant;
use rolegate::document::Document;
use rolegate::presets::PRESETS;
use rolegate::team::{AuditEvent, DenialReason, Member, Membership, Status, Team, TeamChange};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// Sequences per preset.
const CASES: u32 = 96;
/// Changes per sequence.
const STEPS: std::ops::RangeInclusive<usize> = 60..=120;
/// The least number of changes tried per preset.
const MIN_CHANGES: usize = 1_000;
/// The least number of applied changes per preset.
const MIN_APPLIED: usize = 100;
/// The least number of distinct denial reasons per preset.
const MIN_REASONS: usize = 5;
/// The time of the first change.
const T0: u64 = 1_700_000_000;

/// A small deterministic generator (splitmix64), seeded by proptest.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        items.get(self.below(items.len())).cloned()
    }
}

/// A scope level below the root.
struct LevelInfo {
    name: String,
    /// The level names from the top (below the root) down to this one.
    chain: Vec<String>,
    /// The roles held at this level.
    roles: Vec<String>,
}

/// What the generator needs to know about a preset.
struct Info {
    name: &'static str,
    policy: Policy,
    root: String,
    org_roles: Vec<String>,
    levels: Vec<LevelInfo>,
    plans: Vec<String>,
}

impl Info {
    fn new(name: &'static str, toml: &str) -> Info {
        let policy = Policy::from_toml(toml).unwrap_or_else(|e| panic!("preset {name}: {e:?}"));
        let root = policy.root_level().to_owned();
        let levels = policy.levels();
        let role_level = |r: &rolegate::Role| levels[r.level].name.to_string();
        let org_roles: Vec<String> = policy
            .roles()
            .iter()
            .filter(|r| role_level(r) == root)
            .map(|r| r.name.to_string())
            .collect();
        let mut below = Vec::new();
        for (i, level) in levels.iter().enumerate() {
            if level.parent.is_none() {
                continue;
            }
            let mut chain = Vec::new();
            let mut current = Some(i);
            while let Some(c) = current {
                if levels[c].parent.is_none() {
                    break;
                }
                chain.push(levels[c].name.to_string());
                current = levels[c].parent;
            }
            chain.reverse();
            below.push(LevelInfo {
                name: level.name.to_string(),
                chain,
                roles: policy
                    .roles()
                    .iter()
                    .filter(|r| r.level == i)
                    .map(|r| r.name.to_string())
                    .collect(),
            });
        }
        below.sort_by_key(|l| l.chain.len());
        let plans = policy
            .document()
            .unwrap()
            .plans
            .iter()
            .map(|(n, _)| n.to_owned())
            .collect();
        let info = Info {
            name,
            policy,
            root,
            org_roles,
            levels: below,
            plans,
        };
        for role in &info.doc().team.unique {
            assert!(
                info.org_roles.contains(role),
                "preset {name}: unique role `{role}` is not an organization role; extend this test"
            );
        }
        info
    }

    fn doc(&self) -> &Document {
        self.policy.document().unwrap()
    }

    /// The level of a scope instance, when it is well formed.
    fn level_of(&self, scope: &str) -> Option<&LevelInfo> {
        let names: Vec<&str> = scope
            .split('/')
            .map(|seg| {
                seg.split_once(':')
                    .map_or("", |(l, id)| if id.is_empty() { "" } else { l })
            })
            .collect();
        self.levels
            .iter()
            .find(|l| l.chain.iter().map(String::as_str).eq(names.iter().copied()))
    }

    /// The plan limit on `what` (`seats` or a level name) for the tenant, if any.
    fn limit(&self, tenant: &Tenant, what: &str) -> Option<usize> {
        let plan = self.doc().plans.get(tenant.plan.as_deref()?)?;
        plan.limits.get(what).map(|&n| n as usize)
    }

    /// A scope instance of `level`, under an existing parent scope when there is one.
    fn make_scope(&self, g: &mut Gen, level: &LevelInfo, existing: &[String]) -> String {
        let seg = |g: &mut Gen, l: &str| {
            let prefix = l.chars().next().unwrap_or('s');
            format!("{l}:{prefix}{}", 1 + g.below(4))
        };
        if level.chain.len() > 1 && g.chance(70) {
            let parent_chain = &level.chain[..level.chain.len() - 1];
            let parents: Vec<String> = existing
                .iter()
                .filter(|s| {
                    self.level_of(s)
                        .is_some_and(|l| l.chain.as_slice() == parent_chain)
                })
                .cloned()
                .collect();
            if let Some(parent) = g.pick(&parents) {
                return format!("{parent}/{}", seg(g, &level.name));
            }
        }
        level
            .chain
            .iter()
            .map(|l| seg(g, l))
            .collect::<Vec<_>>()
            .join("/")
    }
}

// ---------------------------------------------------------------------------------------
// Rights, computed from the document alone.

fn expand(doc: &Document, role: &str, out: &mut Vec<String>) {
    if out.iter().any(|r| r == role) {
        return;
    }
    out.push(role.to_owned());
    if let Some(r) = doc.roles.get(role) {
        for inc in &r.includes {
            expand(doc, inc, out);
        }
    }
}

/// The actor's organization role and every role it includes.
fn org_rights(doc: &Document, m: &Member) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = &m.role {
        expand(doc, r, &mut out);
    }
    out
}

/// The roles whose rules apply to the actor in `scope`: the organization role, and the
/// roles held in the scope or above it by cascade, with what they include.
fn scope_rights(doc: &Document, m: &Member, scope: &str) -> Vec<String> {
    let mut out = org_rights(doc, m);
    for ms in &m.memberships {
        let cascade = doc.roles.get(&ms.role).is_some_and(|r| r.cascade);
        if ms.scope == scope || (cascade && scope.starts_with(&format!("{}/", ms.scope))) {
            expand(doc, &ms.role, &mut out);
        }
    }
    out
}

fn can_assign(doc: &Document, rights: &[String], role: &str) -> bool {
    rights.iter().any(|r| {
        doc.team
            .manage
            .get(r)
            .is_some_and(|m| m.assign.iter().any(|a| a == role))
    })
}

fn can_remove(doc: &Document, rights: &[String], role: &str) -> bool {
    rights.iter().any(|r| {
        doc.team
            .manage
            .get(r)
            .is_some_and(|m| m.remove.iter().any(|a| a == role))
    })
}

fn can_manage_scopes(doc: &Document, rights: &[String]) -> bool {
    rights
        .iter()
        .any(|r| doc.team.manage.get(r).is_some_and(|m| m.scopes))
}

fn holds(m: &Member, role: &str) -> bool {
    m.role.as_deref() == Some(role) || m.memberships.iter().any(|ms| ms.role == role)
}

/// Whether a role may be held in `scope`: a team that lists its scopes has memberships
/// only in those.
fn listed(team: &Team, scope: &str) -> bool {
    team.scopes.is_empty() || team.scopes.iter().any(|s| s == scope)
}

fn membership<'a>(m: &'a Member, scope: &str) -> Option<&'a Membership> {
    m.memberships.iter().find(|ms| ms.scope == scope)
}

// ---------------------------------------------------------------------------------------
// Generation.

fn random_tenant(g: &mut Gen, info: &Info) -> Tenant {
    let tenant = Tenant::new("t1");
    if info.plans.is_empty() {
        if g.chance(8) {
            return tenant.with_plan("no-such-plan");
        }
        return tenant;
    }
    match g.below(10) {
        0..=3 => tenant,
        4..=8 => tenant.with_plan(g.pick(&info.plans).unwrap()),
        _ => tenant.with_plan("no-such-plan"),
    }
}

/// A valid team: one holder of each unique role, a manager, a few others (some invited,
/// some holding roles in scopes only), scopes of every level.
fn initial_team(g: &mut Gen, info: &Info, tenant: &Tenant) -> Team {
    let doc = info.doc();
    let mut scopes: Vec<String> = Vec::new();
    for level in &info.levels {
        let cap = info.limit(tenant, &level.name).unwrap_or(usize::MAX);
        let mut count = 0;
        for _ in 0..1 + g.below(3) {
            let s = info.make_scope(g, level, &scopes);
            if count < cap && !scopes.contains(&s) && info.level_of(&s).is_some() {
                let above_ok = match s.rsplit_once('/') {
                    Some((parent, _)) => scopes.iter().any(|x| x == parent),
                    None => true,
                };
                if above_ok {
                    scopes.push(s);
                    count += 1;
                }
            }
        }
    }
    let mut members: Vec<Member> = Vec::new();
    let new_member = |id: usize, status: Status, role: Option<String>, g: &mut Gen| Member {
        id: format!("u{id}"),
        email: g.chance(60).then(|| format!("u{id}@example.test")),
        status,
        role,
        memberships: Vec::new(),
        last_active: (status == Status::Active && g.chance(70))
            .then(|| T0 - 86_400 * (1 + g.below(200) as u64)),
    };
    for role in &doc.team.unique {
        let id = members.len();
        members.push(new_member(id, Status::Active, Some(role.clone()), g));
    }
    let free_org: Vec<String> = info
        .org_roles
        .iter()
        .filter(|r| !doc.team.unique.contains(r))
        .cloned()
        .collect();
    // An active organization manager, when the preset has one to give.
    let managers: Vec<String> = free_org
        .iter()
        .filter(|r| doc.team.manage.contains(r))
        .cloned()
        .collect();
    if let Some(role) = g.pick(&managers) {
        let id = members.len();
        members.push(new_member(id, Status::Active, Some(role), g));
    }
    let others = 2 + g.below(4);
    for _ in 0..others {
        let id = members.len();
        let status = if g.chance(70) {
            Status::Active
        } else {
            Status::Invited
        };
        let org_only = info.levels.is_empty() || scopes.is_empty();
        let role = if org_only || g.chance(60) {
            g.pick(&free_org)
        } else {
            None
        };
        let mut m = new_member(id, status, role, g);
        if !scopes.is_empty() && (m.role.is_none() || g.chance(30)) {
            for _ in 0..1 + g.below(2) {
                let scope = g.pick(&scopes).unwrap();
                let level = info.level_of(&scope).unwrap();
                if let Some(role) = g.pick(&level.roles) {
                    if membership(&m, &scope).is_none() {
                        m.memberships.push(Membership { scope, role });
                    }
                }
            }
        }
        if m.role.is_none() && m.memberships.is_empty() {
            m.role = g.pick(&free_org);
        }
        members.push(m);
    }
    // A scope manager (a role with manage rules held in a scope), when there is one.
    for m in members.iter_mut().skip(doc.team.unique.len()) {
        if m.status != Status::Active || m.role.is_some() {
            continue;
        }
        if let Some(ms) = m.memberships.first_mut() {
            let level = info.level_of(&ms.scope).unwrap();
            let managing: Vec<String> = level
                .roles
                .iter()
                .filter(|r| doc.team.manage.contains(r))
                .cloned()
                .collect();
            if let Some(role) = g.pick(&managing) {
                ms.role = role;
            }
            break;
        }
    }
    if let Some(seats) = info.limit(tenant, "seats") {
        members.truncate(seats.max(doc.team.unique.len()));
    }
    Team { members, scopes }
}

fn pick_target(g: &mut Gen, team: &Team) -> String {
    let ids: Vec<String> = team.members.iter().map(|m| m.id.clone()).collect();
    match g.below(100) {
        0..=84 if !ids.is_empty() => g.pick(&ids).unwrap(),
        85..=94 => format!("ghost{}", g.below(3)),
        _ => format!("u{}", g.below(20)),
    }
}

fn pick_actor(g: &mut Gen, team: &Team) -> String {
    if g.chance(7) || team.members.is_empty() {
        return g.pick(&["stranger", "ghost0", "u99"]).unwrap().to_owned();
    }
    let active: Vec<String> = team
        .members
        .iter()
        .filter(|m| m.status == Status::Active)
        .map(|m| m.id.clone())
        .collect();
    if !active.is_empty() && g.chance(80) {
        return g.pick(&active).unwrap();
    }
    g.pick(&team.members).unwrap().id
}

fn pick_org_role(g: &mut Gen, info: &Info) -> String {
    let scoped: Vec<String> = info.levels.iter().flat_map(|l| l.roles.clone()).collect();
    match g.below(100) {
        0..=81 if !info.org_roles.is_empty() => g.pick(&info.org_roles).unwrap(),
        82..=89 if !scoped.is_empty() => g.pick(&scoped).unwrap(),
        _ => "wizard".to_owned(),
    }
}

fn pick_scope_role(g: &mut Gen, info: &Info, scope: &str) -> String {
    let roles = info
        .level_of(scope)
        .map(|l| l.roles.clone())
        .unwrap_or_default();
    match g.below(100) {
        0..=79 if !roles.is_empty() => g.pick(&roles).unwrap(),
        0..=89 if !info.org_roles.is_empty() => g.pick(&info.org_roles).unwrap(),
        _ => "wizard".to_owned(),
    }
}

fn invalid_scope(g: &mut Gen, info: &Info) -> String {
    let level = info
        .levels
        .last()
        .map_or(info.root.clone(), |l| l.name.clone());
    let top = info
        .levels
        .first()
        .map_or(info.root.clone(), |l| l.name.clone());
    let choices = [
        info.root.clone(),
        format!("{}:o1", info.root),
        "nowhere:x1".to_owned(),
        format!("{level}:"),
        format!("{level}:q1/{top}:q2"),
        "plain".to_owned(),
    ];
    g.pick(&choices).unwrap()
}

fn pick_scope(g: &mut Gen, info: &Info, team: &Team) -> String {
    match g.below(100) {
        0..=54 if !team.scopes.is_empty() => g.pick(&team.scopes).unwrap(),
        0..=86 if !info.levels.is_empty() => {
            let level = &info.levels[g.below(info.levels.len())];
            info.make_scope(g, level, &team.scopes)
        }
        _ => invalid_scope(g, info),
    }
}

/// A member holding a role in some scope, with that scope.
fn pick_membership(g: &mut Gen, team: &Team) -> Option<(String, String)> {
    let all: Vec<(String, String)> = team
        .members
        .iter()
        .flat_map(|m| {
            m.memberships
                .iter()
                .map(|ms| (m.id.clone(), ms.scope.clone()))
        })
        .collect();
    g.pick(&all)
}

/// One random change by one random actor.
fn random_change(g: &mut Gen, info: &Info, team: &Team) -> (String, TeamChange) {
    let doc = info.doc();
    let mut actor = pick_actor(g, team);
    let mut kind = g.below(100);
    // Without levels below the root, memberships and scopes can only be refused: try
    // them less often.
    let scoped_kind = (47..=76).contains(&kind) || (85..100).contains(&kind);
    if info.levels.is_empty() && scoped_kind && g.chance(70) {
        kind = g.below(47);
    }
    // Keep small teams alive: removals of the last few members end a sequence's story.
    if (38..=46).contains(&kind) && team.members.len() <= 3 && g.chance(60) {
        kind = g.below(16);
    }
    let change = match kind {
        0..=15 => {
            let member = if g.chance(80) {
                format!("n{}", g.below(100_000))
            } else {
                pick_target(g, team)
            };
            let email = g.chance(50).then(|| format!("{member}@example.test"));
            let scoped = if info.levels.is_empty() {
                g.chance(10)
            } else {
                g.chance(50)
            };
            let scope = scoped.then(|| pick_scope(g, info, team));
            let role = match &scope {
                Some(s) => pick_scope_role(g, info, s),
                None => pick_org_role(g, info),
            };
            TeamChange::Invite {
                member,
                email,
                role,
                scope,
            }
        }
        16..=23 => {
            let invited: Vec<String> = team
                .members
                .iter()
                .filter(|m| m.status == Status::Invited)
                .map(|m| m.id.clone())
                .collect();
            let member = match g.pick(&invited) {
                Some(m) if g.chance(75) => {
                    if g.chance(90) {
                        actor = m.clone();
                    }
                    m
                }
                _ => pick_target(g, team),
            };
            TeamChange::Accept { member }
        }
        24..=37 => TeamChange::ChangeRole {
            member: pick_target(g, team),
            role: pick_org_role(g, info),
        },
        38..=46 => {
            let member = pick_target(g, team);
            if g.chance(8) {
                actor = member.clone();
            }
            TeamChange::Remove { member }
        }
        47..=58 => {
            let member = pick_target(g, team);
            let scope = pick_scope(g, info, team);
            let role = pick_scope_role(g, info, &scope);
            TeamChange::AddMembership {
                member,
                scope,
                role,
            }
        }
        59..=68 => {
            let (member, scope) = match pick_membership(g, team) {
                Some(pair) if g.chance(75) => pair,
                _ => (pick_target(g, team), pick_scope(g, info, team)),
            };
            let role = pick_scope_role(g, info, &scope);
            TeamChange::ChangeMembership {
                member,
                scope,
                role,
            }
        }
        69..=76 => {
            let (member, scope) = match pick_membership(g, team) {
                Some(pair) if g.chance(75) => pair,
                _ => (pick_target(g, team), pick_scope(g, info, team)),
            };
            if g.chance(15) {
                actor = member.clone();
            }
            TeamChange::RemoveMembership { member, scope }
        }
        77..=84 => {
            let owner_role = doc.team.transfer.as_ref().map(|t| t.role.clone());
            let owner = team
                .members
                .iter()
                .find(|m| m.role.is_some() && m.role == owner_role)
                .map(|m| m.id.clone());
            if let Some(owner) = owner {
                if g.chance(65) {
                    actor = owner;
                }
            }
            let eligible: Vec<String> = team
                .members
                .iter()
                .filter(|m| {
                    doc.team
                        .transfer
                        .as_ref()
                        .is_some_and(|t| m.role.as_ref().is_some_and(|r| t.to.contains(r)))
                })
                .map(|m| m.id.clone())
                .collect();
            let to = match g.pick(&eligible) {
                Some(id) if g.chance(70) => id,
                _ => pick_target(g, team),
            };
            TeamChange::TransferOwnership { to }
        }
        85..=93 => {
            let scope = match g.below(100) {
                0..=69 if !info.levels.is_empty() => {
                    let level = &info.levels[g.below(info.levels.len())];
                    info.make_scope(g, level, &team.scopes)
                }
                0..=84 if !team.scopes.is_empty() => g.pick(&team.scopes).unwrap(),
                _ => invalid_scope(g, info),
            };
            TeamChange::AddScope { scope }
        }
        _ => {
            let scope = match g.pick(&team.scopes) {
                Some(s) if g.chance(70) => s,
                _ => pick_scope(g, info, team),
            };
            TeamChange::RemoveScope { scope }
        }
    };
    (actor, change)
}

// ---------------------------------------------------------------------------------------
// Checks.

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

/// Every unique role has exactly one holder.
fn check_unique(info: &Info, team: &Team) -> Result<(), String> {
    for role in &info.doc().team.unique {
        let holders: Vec<&str> = team
            .members
            .iter()
            .filter(|m| holds(m, role))
            .map(|m| m.id.as_str())
            .collect();
        ensure!(
            holders.len() == 1,
            "unique role `{role}` is held by {} members: {holders:?}",
            holders.len()
        );
    }
    Ok(())
}

/// Nobody but a protected member themself removed or demoted them.
fn check_protected(info: &Info, old: &Team, new: &Team, actor: &str) -> Result<(), String> {
    for role in &info.doc().team.protected {
        for m in old
            .members
            .iter()
            .filter(|m| holds(m, role) && m.id != actor)
        {
            let after = new.member(&m.id);
            ensure!(
                after.is_some_and(|a| holds(a, role)),
                "`{actor}` removed or demoted `{}`, holder of the protected role `{role}`: now {after:?}",
                m.id
            );
        }
    }
    Ok(())
}

/// Whether role `held` is `role` or includes it.
fn includes(doc: &Document, held: &str, role: &str) -> bool {
    let mut out = Vec::new();
    expand(doc, held, &mut out);
    out.iter().any(|r| r == role)
}

/// The active members of `team` holding `role` (or a role that includes it): as their
/// organization role (`scope` none) or in `scope`.
fn active_holders(doc: &Document, team: &Team, role: &str, scope: Option<&str>) -> usize {
    team.members
        .iter()
        .filter(|m| m.status == Status::Active)
        .filter(|m| match scope {
            None => m.role.as_deref().is_some_and(|r| includes(doc, r, role)),
            Some(s) => m
                .memberships
                .iter()
                .any(|ms| ms.scope == s && includes(doc, &ms.role, role)),
        })
        .count()
}

/// No role of `team.min_holders` lost active holders below its minimum, in the
/// organization or in a scope that still exists. Returns the places whose count went
/// down (and stayed at or above the minimum), for the tally.
fn check_min_holders(info: &Info, old: &Team, new: &Team) -> Result<usize, String> {
    let doc = info.doc();
    let mut lowered = 0;
    for (role, &min) in doc.team.min_holders.iter() {
        let org = doc.roles.get(role).is_some_and(|r| r.scope == info.root);
        let mut places: Vec<Option<String>> = Vec::new();
        if org {
            places.push(None);
        } else {
            for s in old.scopes.iter().chain(
                old.members
                    .iter()
                    .flat_map(|m| m.memberships.iter().map(|ms| &ms.scope)),
            ) {
                if !places.iter().any(|p| p.as_deref() == Some(s)) {
                    places.push(Some(s.clone()));
                }
            }
        }
        for place in places {
            // A scope deleted (or below a deleted one) needs no holders.
            let deleted = place.as_deref().is_some_and(|s| {
                old.scopes.iter().any(|gone| {
                    !new.scopes.contains(gone) && (s == gone || s.starts_with(&format!("{gone}/")))
                })
            });
            if deleted {
                continue;
            }
            let before = active_holders(doc, old, role, place.as_deref());
            let after = active_holders(doc, new, role, place.as_deref());
            ensure!(
                after >= before || after >= min as usize,
                "`{role}` went from {before} to {after} active holders in {}, below its minimum {min}",
                place.as_deref().unwrap_or("the organization")
            );
            if after < before {
                lowered += 1;
            }
        }
    }
    Ok(lowered)
}

/// The applied change was permitted by the document's rules.
fn check_rights(
    info: &Info,
    old: &Team,
    new: &Team,
    actor: &str,
    change: &TeamChange,
) -> Result<(), String> {
    let doc = info.doc();
    let Some(a) = old.member(actor) else {
        return Err(format!("`{actor}` is no member, yet the change applied"));
    };
    let accepting = matches!(change, TeamChange::Accept { .. });
    ensure!(
        accepting || a.status == Status::Active,
        "`{actor}` has not accepted their invitation, yet the change applied"
    );
    let target = |id: &str| -> Result<&Member, String> {
        old.member(id)
            .ok_or_else(|| format!("`{id}` was no member, yet the change applied"))
    };
    match change {
        TeamChange::Invite {
            member,
            email,
            role,
            scope,
        } => {
            ensure!(old.member(member).is_none(), "`{member}` was invited twice");
            let rights = match scope {
                None => org_rights(doc, a),
                Some(s) => scope_rights(doc, a, s),
            };
            ensure!(
                can_assign(doc, &rights, role),
                "`{actor}` (holding {rights:?}) invited `{member}` as `{role}` without `assign`"
            );
            if let Some(s) = scope {
                ensure!(
                    !doc.team.require_org_member.unwrap_or(true),
                    "`{member}` was invited straight into `{s}`, but the policy requires an organization member"
                );
                ensure!(
                    listed(old, s),
                    "`{member}` was invited into `{s}`, which the team does not list: {:?}",
                    old.scopes
                );
            }
            let expected = Member {
                id: member.clone(),
                email: email.clone(),
                status: Status::Invited,
                role: scope.is_none().then(|| role.clone()),
                memberships: scope
                    .iter()
                    .map(|s| Membership {
                        scope: s.clone(),
                        role: role.clone(),
                    })
                    .collect(),
                last_active: None,
            };
            ensure!(
                new.member(member) == Some(&expected),
                "invited member is {:?}, expected {expected:?}",
                new.member(member)
            );
        }
        TeamChange::Accept { member } => {
            ensure!(member == actor, "`{actor}` accepted for `{member}`");
            ensure!(
                target(member)?.status == Status::Invited,
                "`{member}` accepted without a pending invitation"
            );
            ensure!(
                new.member(member).map(|m| m.status) == Some(Status::Active),
                "`{member}` is not active after accepting"
            );
        }
        TeamChange::ChangeRole { member, role } => {
            let rights = org_rights(doc, a);
            ensure!(
                can_assign(doc, &rights, role),
                "`{actor}` (holding {rights:?}) gave `{member}` the role `{role}` without `assign`"
            );
            if let Some(current) = &target(member)?.role {
                ensure!(
                    can_remove(doc, &rights, current),
                    "`{actor}` (holding {rights:?}) changed `{member}` from `{current}` without `remove`"
                );
            }
            ensure!(
                new.member(member).and_then(|m| m.role.as_deref()) == Some(role.as_str()),
                "`{member}` does not hold `{role}` after the change"
            );
        }
        TeamChange::Remove { member } => {
            let t = target(member)?;
            if member != actor {
                let rights = org_rights(doc, a);
                let taken: Vec<&str> = match &t.role {
                    Some(r) => vec![r.as_str()],
                    None => t.memberships.iter().map(|ms| ms.role.as_str()).collect(),
                };
                for r in taken {
                    ensure!(
                        can_remove(doc, &rights, r),
                        "`{actor}` (holding {rights:?}) removed `{member}` (`{r}`) without `remove`"
                    );
                }
            }
            ensure!(new.member(member).is_none(), "`{member}` is still there");
        }
        TeamChange::AddMembership {
            member,
            scope,
            role,
        } => {
            let t = target(member)?;
            let rights = scope_rights(doc, a, scope);
            ensure!(
                can_assign(doc, &rights, role),
                "`{actor}` (holding {rights:?} in `{scope}`) gave `{member}` `{role}` there without `assign`"
            );
            if doc.team.require_org_member.unwrap_or(true) {
                ensure!(
                    t.status == Status::Active,
                    "`{member}` got a role in `{scope}` before joining the organization"
                );
            }
            ensure!(
                listed(old, scope),
                "`{member}` got a role in `{scope}`, which the team does not list: {:?}",
                old.scopes
            );
            ensure!(
                membership(t, scope).is_none(),
                "`{member}` got a second role in `{scope}`"
            );
            ensure!(
                new.member(member)
                    .and_then(|m| membership(m, scope))
                    .map(|ms| &ms.role)
                    == Some(role),
                "`{member}` does not hold `{role}` in `{scope}` after the change"
            );
        }
        TeamChange::ChangeMembership {
            member,
            scope,
            role,
        } => {
            let t = target(member)?;
            let rights = scope_rights(doc, a, scope);
            ensure!(
                can_assign(doc, &rights, role),
                "`{actor}` (holding {rights:?} in `{scope}`) gave `{member}` `{role}` there without `assign`"
            );
            let Some(current) = membership(t, scope) else {
                return Err(format!("`{member}` had no role in `{scope}` to change"));
            };
            ensure!(
                can_remove(doc, &rights, &current.role),
                "`{actor}` (holding {rights:?} in `{scope}`) changed `{member}` from `{}` there without `remove`",
                current.role
            );
            ensure!(
                new.member(member)
                    .and_then(|m| membership(m, scope))
                    .map(|ms| &ms.role)
                    == Some(role),
                "`{member}` does not hold `{role}` in `{scope}` after the change"
            );
        }
        TeamChange::RemoveMembership { member, scope } => {
            let t = target(member)?;
            let Some(current) = membership(t, scope) else {
                return Err(format!("`{member}` had no role in `{scope}` to remove"));
            };
            if member != actor {
                let rights = scope_rights(doc, a, scope);
                ensure!(
                    can_remove(doc, &rights, &current.role),
                    "`{actor}` (holding {rights:?} in `{scope}`) took `{}` from `{member}` without `remove`",
                    current.role
                );
            }
            ensure!(
                new.member(member)
                    .is_some_and(|m| membership(m, scope).is_none()),
                "`{member}` still holds a role in `{scope}`"
            );
        }
        TeamChange::TransferOwnership { to } => {
            let Some(transfer) = &doc.team.transfer else {
                return Err("a transfer applied, but the policy allows none".to_owned());
            };
            ensure!(
                a.role.as_deref() == Some(transfer.role.as_str()),
                "`{actor}` transferred `{}` without holding it",
                transfer.role
            );
            let t = target(to)?;
            ensure!(
                to != actor
                    && t.status == Status::Active
                    && t.role.as_ref().is_some_and(|r| transfer.to.contains(r)),
                "`{to}` ({t:?}) may not receive `{}`",
                transfer.role
            );
            ensure!(
                new.member(to).and_then(|m| m.role.as_deref()) == Some(transfer.role.as_str())
                    && new.member(actor).and_then(|m| m.role.as_deref())
                        == Some(transfer.previous.as_str()),
                "after the transfer: `{to}` is {:?}, `{actor}` is {:?}",
                new.member(to),
                new.member(actor)
            );
        }
        TeamChange::AddScope { scope } | TeamChange::RemoveScope { scope } => {
            let rights = org_rights(doc, a);
            ensure!(
                can_manage_scopes(doc, &rights),
                "`{actor}` (holding {rights:?}) changed scope `{scope}` without `scopes`"
            );
            let below = |s: &str| s == scope || s.starts_with(&format!("{scope}/"));
            if matches!(change, TeamChange::AddScope { .. }) {
                ensure!(!old.scopes.contains(scope), "`{scope}` was added twice");
                ensure!(new.scopes.contains(scope), "`{scope}` was not added");
            } else {
                ensure!(old.scopes.contains(scope), "`{scope}` did not exist");
                ensure!(
                    !new.scopes.iter().any(|s| below(s)),
                    "`{scope}` or a scope below it remains: {:?}",
                    new.scopes
                );
                ensure!(
                    !new.members
                        .iter()
                        .any(|m| m.memberships.iter().any(|ms| below(&ms.scope))),
                    "a role in removed scope `{scope}` remains"
                );
            }
        }
    }
    Ok(())
}

/// The applied change touched only what its event names, and the event describes it.
fn check_event(
    old: &Team,
    new: &Team,
    actor: &str,
    change: &TeamChange,
    at: u64,
    event: &AuditEvent,
) -> Result<(), String> {
    ensure!(
        event.at == at
            && event.actor == actor
            && event.change == change.kind()
            && event.target == change.target(),
        "event header {:?}/{:?}/{:?}/{:?} does not describe the change",
        event.at,
        event.actor,
        event.change,
        event.target
    );
    let named: BTreeSet<&str> = event
        .before
        .members
        .iter()
        .chain(&event.after.members)
        .map(|m| m.id.as_str())
        .collect();
    let expected: Option<BTreeSet<&str>> = match change {
        TeamChange::TransferOwnership { to } => Some([actor, to.as_str()].into()),
        TeamChange::AddScope { .. } => Some(BTreeSet::new()),
        TeamChange::RemoveScope { .. } => None,
        other => Some([other.target()].into()),
    };
    if let Some(expected) = expected {
        ensure!(
            named == expected,
            "the event names members {named:?}, the change concerns {expected:?}"
        );
    }
    for m in &event.before.members {
        ensure!(
            old.member(&m.id) == Some(m),
            "the event's `before` record of `{}` is not the old one",
            m.id
        );
        if !event.after.members.iter().any(|a| a.id == m.id) {
            ensure!(new.member(&m.id).is_none(), "`{}` should be gone", m.id);
        }
    }
    for m in &event.after.members {
        ensure!(
            new.member(&m.id) == Some(m),
            "the event's `after` record of `{}` is not the new one",
            m.id
        );
        if !event.before.members.iter().any(|b| b.id == m.id) {
            ensure!(old.member(&m.id).is_none(), "`{}` existed before", m.id);
        }
    }
    let untouched = |t: &Team| -> Vec<Member> {
        t.members
            .iter()
            .filter(|m| !named.contains(m.id.as_str()))
            .cloned()
            .collect()
    };
    ensure!(
        untouched(old) == untouched(new),
        "members the event does not name changed"
    );
    let scopes_named: BTreeSet<&str> = event
        .before
        .scopes
        .iter()
        .chain(&event.after.scopes)
        .map(String::as_str)
        .collect();
    match change {
        TeamChange::AddScope { scope } => ensure!(
            event.before.scopes.is_empty() && event.after.scopes == [scope.clone()],
            "add_scope event names scopes {:?} -> {:?}",
            event.before.scopes,
            event.after.scopes
        ),
        TeamChange::RemoveScope { scope } => ensure!(
            event.before.scopes.contains(scope) && event.after.scopes.is_empty(),
            "remove_scope event names scopes {:?} -> {:?}",
            event.before.scopes,
            event.after.scopes
        ),
        _ => ensure!(
            scopes_named.is_empty(),
            "the event names scopes {scopes_named:?}"
        ),
    }
    for s in &event.before.scopes {
        ensure!(old.scopes.contains(s), "scope `{s}` did not exist before");
        if !event.after.scopes.contains(s) {
            ensure!(!new.scopes.contains(s), "scope `{s}` should be gone");
        }
    }
    for s in &event.after.scopes {
        ensure!(new.scopes.contains(s), "scope `{s}` does not exist after");
    }
    let rest = |t: &Team| -> Vec<String> {
        t.scopes
            .iter()
            .filter(|s| !scopes_named.contains(s.as_str()))
            .cloned()
            .collect()
    };
    ensure!(
        rest(old) == rest(new),
        "scopes the event does not name changed"
    );
    Ok(())
}

/// The reason of a denial is consistent with who asked.
fn check_denial(
    info: &Info,
    tenant: &Tenant,
    team: &Team,
    actor: &str,
    change: &TeamChange,
    reason: DenialReason,
) -> Result<(), String> {
    ensure!(
        reason != DenialReason::InvalidTeam,
        "a team the engine produced (or the valid first team) was rejected as invalid"
    );
    let known_plan = tenant
        .plan
        .as_deref()
        .is_none_or(|p| info.plans.iter().any(|n| n == p));
    ensure!(
        !(known_plan && reason == DenialReason::UnknownPlan),
        "unknown_plan for a declared plan"
    );
    let member = team.member(actor);
    ensure!(
        (reason == DenialReason::ActorNotMember) == member.is_none(),
        "reason `{reason}` for actor `{actor}` (member: {})",
        member.is_some()
    );
    let inactive = member.is_some_and(|m| m.status != Status::Active)
        && !matches!(change, TeamChange::Accept { .. });
    ensure!(
        (reason == DenialReason::ActorNotActive) == inactive,
        "reason `{reason}` for actor `{actor}` (not active: {inactive})"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The run.

#[derive(Default)]
struct Tally {
    changes: usize,
    /// Applied changes that took holders of a role of `team.min_holders` away (down to
    /// the minimum, no further).
    lowered: usize,
    applied: BTreeMap<&'static str, usize>,
    denied: BTreeMap<String, usize>,
}

/// Runs one sequence; on failure, the trace of the sequence and what broke.
fn run_sequence(info: &Info, seed: u64, steps: &[u64], tally: &mut Tally) -> Result<(), String> {
    let mut g = Gen(seed);
    let tenant = random_tenant(&mut g, info);
    let initial = initial_team(&mut g, info, &tenant);
    let mut trace = format!(
        "preset {}, tenant plan {:?}\nfirst team: {}\n",
        info.name,
        tenant.plan,
        initial.to_json()
    );
    let fail = |trace: &str, what: String| Err(format!("{trace}broke: {what}"));
    if let Err(e) = check_unique(info, &initial) {
        return fail(&trace, format!("first team: {e}"));
    }
    let mut team = initial.clone();
    let mut events: Vec<AuditEvent> = Vec::new();
    for (n, &step) in steps.iter().enumerate() {
        let mut g = Gen(step);
        let (actor, change) = random_change(&mut g, info, &team);
        let at = T0 + n as u64 * 60;
        let before = team.clone();
        let result = info.policy.apply(&team, &tenant, &actor, &change, at);
        tally.changes += 1;
        let outcome = match &result {
            Ok(_) => "applied".to_owned(),
            Err(d) => format!("denied[{}]", d.reason),
        };
        trace.push_str(&format!("{n}: `{actor}` {change:?} -> {outcome}\n"));
        let checked = (|| -> Result<(), String> {
            ensure!(team == before, "apply modified its input team");
            match result {
                Ok((next, event)) => {
                    *tally.applied.entry(change.kind()).or_default() += 1;
                    check_rights(info, &team, &next, &actor, &change)?;
                    check_event(&team, &next, &actor, &change, at, &event)?;
                    check_protected(info, &team, &next, &actor)?;
                    tally.lowered += check_min_holders(info, &team, &next)?;
                    let stored = AuditEvent::from_json(&event.to_json())
                        .map_err(|e| format!("the event does not read back: {e:?}"))?;
                    ensure!(
                        stored == event,
                        "the event reads back as {stored:?}, not {event:?}"
                    );
                    events.push(event);
                    team = next;
                }
                Err(denial) => {
                    *tally.denied.entry(denial.reason.to_string()).or_default() += 1;
                    check_denial(info, &tenant, &team, &actor, &change, denial.reason)?;
                }
            }
            check_unique(info, &team)?;
            let replayed = rolegate::team::replay(&initial, &events).map_err(|e| e.to_string())?;
            ensure!(
                replayed == team,
                "replaying {} events gives {}\nbut the team is {}",
                events.len(),
                replayed.to_json(),
                team.to_json()
            );
            Ok(())
        })();
        if let Err(e) = checked {
            return fail(&trace, format!("at step {n}: {e}"));
        }
    }
    Ok(())
}

fn run_preset(name: &'static str, toml: &str) -> String {
    let info = Info::new(name, toml);
    let config = ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(name.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
        })),
        ..ProptestConfig::default()
    };
    let tally = RefCell::new(Tally::default());
    let mut runner = TestRunner::new(config);
    let strategy = (any::<u64>(), prop::collection::vec(any::<u64>(), STEPS));
    let result = runner.run(&strategy, |(seed, steps)| {
        let mut local = Tally::default();
        let outcome = run_sequence(&info, seed, &steps, &mut local);
        if outcome.is_ok() {
            let mut t = tally.borrow_mut();
            t.changes += local.changes;
            t.lowered += local.lowered;
            for (k, v) in local.applied {
                *t.applied.entry(k).or_default() += v;
            }
            for (k, v) in local.denied {
                *t.denied.entry(k).or_default() += v;
            }
        }
        outcome.map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        match e {
            TestError::Fail(reason, _) => panic!("{reason}"),
            TestError::Abort(reason) => panic!("aborted: {reason}"),
        }
    }
    let t = tally.into_inner();
    let applied: usize = t.applied.values().sum();
    let denied: usize = t.denied.values().sum();
    let mut report = format!(
        "{name}: {} changes, {applied} applied, {denied} denied\n  applied: {:?}\n  denied:  {:?}\n",
        t.changes, t.applied, t.denied
    );
    let doc = info.doc();
    let mut problems = Vec::new();
    if t.changes < MIN_CHANGES {
        problems.push(format!("only {} changes tried", t.changes));
    }
    if applied < MIN_APPLIED {
        problems.push(format!("only {applied} changes applied"));
    }
    if t.denied.len() < MIN_REASONS {
        problems.push(format!("only {} denial reasons seen", t.denied.len()));
    }
    let mut expected = vec!["invite", "accept", "change_role", "remove"];
    if doc.team.transfer.is_some() {
        expected.push("transfer_ownership");
    }
    if !info.levels.is_empty() {
        expected.extend(["add_membership", "change_membership", "remove_membership"]);
        if doc.team.manage.iter().any(|(_, m)| m.scopes) {
            expected.extend(["add_scope", "remove_scope"]);
        }
    }
    for kind in expected {
        if !t.applied.contains_key(kind) {
            problems.push(format!("no `{kind}` ever applied"));
        }
    }
    if !doc.team.min_holders.is_empty() {
        // The minimum was both defended and not in the way of every change.
        if !t.denied.contains_key("min_holders_required") {
            problems.push("no change refused with `min_holders_required`".to_owned());
        }
        if t.lowered == 0 {
            problems.push("no change took a holder away while others remained".to_owned());
        }
        report.push_str(&format!(
            "  holders taken away down to a minimum: {}\n",
            t.lowered
        ));
    }
    if !problems.is_empty() {
        report.push_str(&format!("  NOT ENOUGH VARIETY: {}\n", problems.join("; ")));
    }
    report
}

/// Presets with a per-scope minimum of holders added, so that the scope branch of the
/// `min_holders` rule meets random changes too (no preset has one).
const SCOPE_MINIMUMS: &[(&str, &str)] = &[
    ("project-members", "project_admin = 1\nadmin = 1"),
    ("callscaler", "admin = 1\nmember = 1"),
];

#[test]
fn scope_minimums_hold_under_random_changes() {
    let reports: Vec<String> = SCOPE_MINIMUMS
        .iter()
        .map(|&(name, minimums)| {
            let toml = PRESETS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .unwrap();
            let toml = format!("{toml}\n[team.min_holders]\n{minimums}\n");
            run_preset(name, &toml)
        })
        .collect();
    for r in &reports {
        println!("{r}");
    }
    assert!(
        reports.iter().all(|r| !r.contains("NOT ENOUGH VARIETY")),
        "not enough variety"
    );
}

#[test]
fn team_rules_hold_under_random_changes() {
    let reports: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = PRESETS
            .iter()
            .map(|&(name, toml)| s.spawn(move || run_preset(name, toml)))
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(report) => report,
                Err(panic) => panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .map_or_else(|| "FAILED: (panic)".to_owned(), |m| format!("FAILED: {m}")),
            })
            .collect()
    });
    for r in &reports {
        println!("{r}");
    }
    let failed: Vec<&String> = reports
        .iter()
        .filter(|r| r.starts_with("FAILED") || r.contains("NOT ENOUGH VARIETY"))
        .collect();
    assert!(failed.is_empty(), "{} preset(s) failed", failed.len());
}
