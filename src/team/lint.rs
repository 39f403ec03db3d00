//! The hygiene checklist: a backup admin, not too many admins, someone with review access,
//! pending invitations, inactive members, scopes without an owner.

use super::{Status, Team};
use crate::compile::Compiled;
use crate::decide::scope::ScopePath;
use crate::error::codes;
use crate::json::{self, Object, ToJson};
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

impl ToJson for Finding {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str("code", self.code.as_str())
            .str("severity", self.severity.as_str())
            .str("subject", &self.subject)
            .str("message", &self.message)
            .str("fix", &self.fix);
        o.end();
    }
}

impl ToJson for [Finding] {
    fn write_json(&self, out: &mut String) {
        json::list(out, self, |out, f| f.write_json(out));
    }
}

const DAY: u64 = 86_400;

pub(super) fn lint(p: &Compiled, team: &Team, now: u64) -> Vec<Finding> {
    let rules = &p.team.lint;
    let mut out = Vec::new();
    let role_id = |name: &str| p.role_index.get(name).copied();
    let names = |set: &crate::compile::BitSet| -> String {
        set.iter()
            .filter_map(|r| p.roles.get(r).map(|r| format!("`{}`", r.name)))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let active = || team.members.iter().filter(|m| m.status == Status::Active);

    let is_admin = |m: &super::Member| {
        m.role
            .as_deref()
            .and_then(role_id)
            .is_some_and(|r| rules.admin_roles.contains(r))
    };
    if !rules.admin_roles.is_empty() {
        let admins: Vec<&str> = team
            .members
            .iter()
            .filter(|m| is_admin(m))
            .map(|m| m.id.as_str())
            .collect();
        let active_admins = active().filter(|m| is_admin(m)).count();
        let min = rules.min_admins.unwrap_or(2) as usize;
        if active_admins < min {
            out.push(Finding {
                code: FindingCode::NoBackupAdmin,
                severity: FindingSeverity::Warning,
                subject: names(&rules.admin_roles),
                message: format!(
                    "{active_admins} active member(s) hold admin access, fewer than {min}: urgent fixes depend on one person"
                ),
                fix: format!("give a second trusted member {}", names(&rules.admin_roles)),
            });
        }
        if let Some(max) = rules.max_admins {
            if admins.len() > max as usize {
                out.push(Finding {
                    code: FindingCode::TooManyAdmins,
                    severity: FindingSeverity::Warning,
                    subject: names(&rules.admin_roles),
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

    if !rules.reviewer_roles.is_empty() {
        let holds = |name: &str| role_id(name).is_some_and(|r| rules.reviewer_roles.contains(r));
        let reviewed = active().any(|m| {
            m.role.as_deref().is_some_and(holds) || m.memberships.iter().any(|ms| holds(&ms.role))
        });
        if !reviewed {
            out.push(Finding {
                code: FindingCode::NoReviewer,
                severity: FindingSeverity::Warning,
                subject: names(&rules.reviewer_roles),
                message: "nobody active has review access".into(),
                fix: format!(
                    "give someone {} before the first launch",
                    names(&rules.reviewer_roles)
                ),
            });
        }
    }

    for m in team.members.iter().filter(|m| m.status == Status::Invited) {
        out.push(Finding {
            code: FindingCode::PendingInvitation,
            severity: FindingSeverity::Info,
            subject: m.id.clone(),
            message: format!("`{}` has not accepted the invitation yet", m.id),
            fix: "ask them to accept and sign in, or withdraw the invitation".into(),
        });
    }

    if let Some(days) = rules.inactive_days {
        let limit = u64::from(days) * DAY;
        for m in active() {
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

    for (level, owners) in &rules.scope_owner_roles {
        let mut scopes: Vec<String> = Vec::new();
        let mut add = |s: &str| {
            if let Ok(path) = ScopePath::parse(p, s) {
                let text = path.render(p);
                if path.level(p) == *level && !scopes.contains(&text) {
                    scopes.push(text);
                }
            }
        };
        team.scopes.iter().for_each(|s| add(s));
        team.members
            .iter()
            .flat_map(|m| m.memberships.iter())
            .for_each(|ms| add(&ms.scope));
        for scope in scopes {
            let owned = active().any(|m| {
                m.role
                    .as_deref()
                    .and_then(role_id)
                    .is_some_and(|r| owners.contains(r))
                    || m.memberships.iter().any(|ms| {
                        ScopePath::parse(p, &ms.scope).is_ok_and(|sp| sp.render(p) == scope)
                            && role_id(&ms.role).is_some_and(|r| owners.contains(r))
                    })
            });
            if !owned {
                out.push(Finding {
                    code: FindingCode::ScopeWithoutOwner,
                    severity: FindingSeverity::Warning,
                    subject: scope.clone(),
                    message: format!("nobody active holds {} in `{scope}`", names(owners)),
                    fix: format!("name an owner for `{scope}` (and a backup)"),
                });
            }
        }
    }
    out
}
