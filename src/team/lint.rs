//! The hygiene checklist: a backup admin, not too many admins, someone with review access,
//! pending invitations, inactive members, scopes without an owner, roles with fewer holders
//! than `team.min_holders` asks.

use super::{Member, Status, Team};
use crate::Policy;
use crate::compile::{BitSet, Compiled, LevelId, Lint, RoleId};
use crate::decide::scope::ScopePath;
use crate::error::codes;
use std::fmt;

codes! {
    /// What a finding is about. The codes are stable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum FindingCode {
        /// Fewer active admins than the policy asks for: no backup.
        NoBackupAdmin = "no_backup_admin",
        /// More admins than the policy allows.
        TooManyAdmins = "too_many_admins",
        /// Nobody active holds a review role.
        NoReviewer = "no_reviewer",
        /// An invitation not accepted yet.
        PendingInvitation = "pending_invitation",
        /// An active member not seen for longer than the policy's threshold, or never.
        InactiveMember = "inactive_member",
        /// A scope where nobody holds an owning role.
        ScopeWithoutOwner = "scope_without_owner",
        /// Fewer active holders of a role than `team.min_holders` asks, in the organization
        /// or in a scope.
        TooFewHolders = "too_few_holders",
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingSeverity {
    /// Fix before going live.
    Warning,
    /// Worth a look.
    Info,
}

impl FindingSeverity {
    /// `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSeverity::Warning => "warning",
            FindingSeverity::Info => "info",
        }
    }
}

/// One item of the checklist that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The stable code.
    pub code: FindingCode,
    /// Warning or info.
    pub severity: FindingSeverity,
    /// What it is about: a member id, a scope, a role.
    pub subject: String,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] {}: {}\n  fix: {}",
            self.severity.as_str(),
            self.code,
            self.subject,
            self.message,
            self.fix
        )
    }
}

const DAY: u64 = 86_400;

impl Policy {
    /// The hygiene checklist of the policy's `team.lint` section, at time `now`.
    pub fn lint(&self, team: &Team, now: u64) -> Vec<Finding> {
        lint(&self.inner, team, now)
    }
}

fn lint(p: &Compiled, team: &Team, now: u64) -> Vec<Finding> {
    let checklist = Checklist {
        p,
        rules: &p.team.lint,
        team,
    };
    let mut out = Vec::new();
    checklist.admins(&mut out);
    checklist.reviewers(&mut out);
    checklist.pending_invitations(&mut out);
    checklist.inactive_members(now, &mut out);
    checklist.scope_owners(&mut out);
    checklist.min_holders(&mut out);
    out
}

/// The checklist of one policy, run over one team; each item adds its findings.
struct Checklist<'a> {
    p: &'a Compiled,
    rules: &'a Lint,
    team: &'a Team,
}

impl Checklist<'_> {
    fn role_id(&self, name: &str) -> Option<RoleId> {
        self.p.role_index.get(name).copied()
    }

    /// The roles of `set` for a message: `` `admin` or `owner` ``.
    fn names(&self, set: &BitSet) -> String {
        set.iter()
            .filter_map(|r| self.p.roles.get(r).map(|r| format!("`{}`", r.name)))
            .collect::<Vec<_>>()
            .join(" or ")
    }

    fn active(&self) -> impl Iterator<Item = &Member> {
        self.team
            .members
            .iter()
            .filter(|m| m.status == Status::Active)
    }

    /// Whether `m`'s organization role is in `set`.
    fn holds_org_role(&self, m: &Member, set: &BitSet) -> bool {
        m.role
            .as_deref()
            .and_then(|r| self.role_id(r))
            .is_some_and(|r| set.contains(r))
    }

    /// A backup admin, and not too many admins.
    fn admins(&self, out: &mut Vec<Finding>) {
        let rules = self.rules;
        if rules.admin_roles.is_empty() {
            return;
        }
        let is_admin = |m: &Member| self.holds_org_role(m, &rules.admin_roles);
        let admins: Vec<&str> = self
            .team
            .members
            .iter()
            .filter(|m| is_admin(m))
            .map(|m| m.id.as_str())
            .collect();
        let active_admins = self.active().filter(|m| is_admin(m)).count();
        let min = rules.min_admins.unwrap_or(2) as usize;
        if active_admins < min {
            out.push(Finding {
                code: FindingCode::NoBackupAdmin,
                severity: FindingSeverity::Warning,
                subject: self.names(&rules.admin_roles),
                message: format!(
                    "{active_admins} active member(s) hold admin access, fewer than {min}: urgent fixes depend on one person"
                ),
                fix: format!(
                    "give a second trusted member {}",
                    self.names(&rules.admin_roles)
                ),
            });
        }
        if let Some(max) = rules.max_admins {
            if admins.len() > max as usize {
                out.push(Finding {
                    code: FindingCode::TooManyAdmins,
                    severity: FindingSeverity::Warning,
                    subject: self.names(&rules.admin_roles),
                    message: format!(
                        "{} members hold admin access ({}), more than {max}",
                        admins.len(),
                        admins.join(", ")
                    ),
                    fix: "reduce admin access to the people who manage settings, billing and recovery".into(),
                });
            }
        }
    }

    /// Someone active with review access.
    fn reviewers(&self, out: &mut Vec<Finding>) {
        let roles = &self.rules.reviewer_roles;
        if roles.is_empty() {
            return;
        }
        let holds = |name: &str| self.role_id(name).is_some_and(|r| roles.contains(r));
        let reviewed = self.active().any(|m| {
            m.role.as_deref().is_some_and(holds) || m.memberships.iter().any(|ms| holds(&ms.role))
        });
        if !reviewed {
            out.push(Finding {
                code: FindingCode::NoReviewer,
                severity: FindingSeverity::Warning,
                subject: self.names(roles),
                message: "nobody active has review access".into(),
                fix: format!("give someone {} before the first launch", self.names(roles)),
            });
        }
    }

    /// Invitations not accepted yet.
    fn pending_invitations(&self, out: &mut Vec<Finding>) {
        for m in self
            .team
            .members
            .iter()
            .filter(|m| m.status == Status::Invited)
        {
            out.push(Finding {
                code: FindingCode::PendingInvitation,
                severity: FindingSeverity::Info,
                subject: m.id.clone(),
                message: format!("`{}` has not accepted the invitation yet", m.id),
                fix: "ask them to accept and sign in, or withdraw the invitation".into(),
            });
        }
    }

    /// Active members not seen for longer than the threshold, or never.
    fn inactive_members(&self, now: u64, out: &mut Vec<Finding>) {
        let Some(days) = self.rules.inactive_days else {
            return;
        };
        let limit = u64::from(days) * DAY;
        for m in self.active() {
            let (stale, since) = match m.last_active {
                None => (true, "never signed in".to_owned()),
                Some(t) => (
                    now.saturating_sub(t) > limit,
                    format!("last active {} days ago", now.saturating_sub(t) / DAY),
                ),
            };
            if stale {
                out.push(Finding {
                    code: FindingCode::InactiveMember,
                    severity: FindingSeverity::Warning,
                    subject: m.id.clone(),
                    message: format!("`{}` {since}", m.id),
                    fix: "remove members who no longer need access, or check that they can sign in"
                        .into(),
                });
            }
        }
    }

    /// Someone active owns each scope of the levels that ask for an owner.
    fn scope_owners(&self, out: &mut Vec<Finding>) {
        for (level, owners) in &self.rules.scope_owner_roles {
            for scope in self.scopes_at(*level) {
                if !self.owned(&scope, owners) {
                    out.push(Finding {
                        code: FindingCode::ScopeWithoutOwner,
                        severity: FindingSeverity::Warning,
                        subject: scope.clone(),
                        message: format!("nobody active holds {} in `{scope}`", self.names(owners)),
                        fix: format!("name an owner for `{scope}` (and a backup)"),
                    });
                }
            }
        }
    }

    /// Each role of `team.min_holders` has that many active holders (or holders of a role
    /// that includes it): in the organization for an organization role, else in each scope
    /// of the role's level.
    fn min_holders(&self, out: &mut Vec<Finding>) {
        let p = self.p;
        for (role, &min) in p
            .team
            .min_holders
            .iter()
            .enumerate()
            .filter(|(_, m)| **m > 0)
        {
            let Some(r) = p.roles.get(role) else {
                continue;
            };
            let name = &r.name;
            let includes = |held: &str| {
                self.role_id(held)
                    .and_then(|id| p.roles.get(id))
                    .is_some_and(|h| h.expansion.contains(&role))
            };
            let short = |held: usize| held < min as usize;
            if r.level == p.root {
                let held = self
                    .active()
                    .filter(|m| m.role.as_deref().is_some_and(includes))
                    .count();
                if short(held) {
                    out.push(Finding {
                        code: FindingCode::TooFewHolders,
                        severity: FindingSeverity::Warning,
                        subject: format!("`{name}`"),
                        message: format!(
                            "{held} active member(s) hold `{name}`, fewer than the {min} the team must keep"
                        ),
                        fix: format!("give another trusted member `{name}`"),
                    });
                }
                continue;
            }
            for scope in self.scopes_at(r.level) {
                let held = self
                    .active()
                    .filter(|m| {
                        m.memberships.iter().any(|ms| {
                            includes(&ms.role)
                                && ScopePath::parse(p, &ms.scope)
                                    .is_ok_and(|sp| sp.render(p) == scope)
                        })
                    })
                    .count();
                if short(held) {
                    out.push(Finding {
                        code: FindingCode::TooFewHolders,
                        severity: FindingSeverity::Warning,
                        subject: scope.clone(),
                        message: format!(
                            "{held} active member(s) hold `{name}` in `{scope}`, fewer than the {min} it must keep"
                        ),
                        fix: format!("give a member `{name}` in `{scope}`"),
                    });
                }
            }
        }
    }

    /// The scopes of `level` the team lists or holds memberships in, in canonical form,
    /// each once, in order of appearance.
    fn scopes_at(&self, level: LevelId) -> Vec<String> {
        let p = self.p;
        let mut scopes: Vec<String> = Vec::new();
        let mut add = |s: &str| {
            if let Ok(path) = ScopePath::parse(p, s) {
                let text = path.render(p);
                if path.level(p) == level && !scopes.contains(&text) {
                    scopes.push(text);
                }
            }
        };
        self.team.scopes.iter().for_each(|s| add(s));
        self.team
            .members
            .iter()
            .flat_map(|m| m.memberships.iter())
            .for_each(|ms| add(&ms.scope));
        scopes
    }

    /// Whether someone active holds one of `owners` in `scope` (canonical), or as their
    /// organization role.
    fn owned(&self, scope: &str, owners: &BitSet) -> bool {
        let p = self.p;
        self.active().any(|m| {
            self.holds_org_role(m, owners)
                || m.memberships.iter().any(|ms| {
                    ScopePath::parse(p, &ms.scope).is_ok_and(|sp| sp.render(p) == scope)
                        && self.role_id(&ms.role).is_some_and(|r| owners.contains(r))
                })
        })
    }
}
