//! The scopes of the team: add_scope, remove_scope.

use super::super::{Denial, DenialReason, Member, TeamSlice, deny};
use super::{Attempt, Outcome, slice};
use crate::compile::{Limited, RoleId};
use crate::decide::scope::ScopePath;

impl Attempt<'_> {
    /// Creates a scope, below an existing one unless it is top-level.
    pub(super) fn add_scope(&self, scope: &str) -> Result<Outcome, Denial> {
        let p = self.policy.p;
        let path = self.policy.scope(scope)?;
        let by = self.scope_manager()?;
        if self.scope_position(&path).is_some() {
            return deny(
                DenialReason::ScopeExists,
                format!("scope `{scope}` exists already"),
            );
        }
        if !self.scope_above_exists(&path) {
            return deny(
                DenialReason::BadScope,
                format!("the scope above `{scope}` does not exist in the team"),
            );
        }
        let level = path.level(p);
        self.refuse_over_limit(
            Limited::Scopes(level),
            || {
                self.team
                    .scopes
                    .iter()
                    .filter(|s| ScopePath::parse(p, s).is_ok_and(|q| q.level(p) == level))
                    .count()
            },
            |max| {
                let name = p.levels.get(level).map_or("", |l| &l.name);
                format!("the plan allows {max} `{name}` scopes")
            },
        )?;
        let canonical = path.render(p);
        let mut next = self.next_team();
        next.scopes.push(canonical.clone());
        Ok(Outcome {
            next,
            rule: self.manage_rule(by),
            before: TeamSlice::default(),
            after: slice(&[], &[canonical]),
        })
    }

    /// Deletes a scope, the scopes below it, and every membership in them.
    pub(super) fn remove_scope(&self, scope: &str) -> Result<Outcome, Denial> {
        let p = self.policy.p;
        let path = self.policy.scope(scope)?;
        let by = self.scope_manager()?;
        if self.scope_position(&path).is_none() {
            return deny(
                DenialReason::BadScope,
                format!("scope `{scope}` does not exist in the team"),
            );
        }
        let gone = |s: &str| ScopePath::parse(p, s).is_ok_and(|q| path.is_prefix_of(&q));
        // Deleting a scope takes every role in it: a protected one stays its holder's.
        for m in &self.team.members {
            for ms in m.memberships.iter().filter(|ms| gone(&ms.scope)) {
                self.refuse_protected(&m.id, &ms.role, || {
                    format!(
                        "`{}` holds the protected role `{}` in `{}`: only they may give it up",
                        m.id, ms.role, ms.scope
                    )
                })?;
            }
        }
        let removed_scopes: Vec<String> = self
            .team
            .scopes
            .iter()
            .filter(|s| gone(s))
            .cloned()
            .collect();
        let mut next = self.next_team();
        next.scopes.retain(|s| !gone(s));
        let touched: Vec<usize> = self
            .team
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.memberships.iter().any(|ms| gone(&ms.scope)))
            .map(|(i, _)| i)
            .collect();
        for &i in &touched {
            if let Some(m) = next.members.get_mut(i) {
                m.memberships.retain(|ms| !gone(&ms.scope));
            }
        }
        let before: Vec<&Member> = touched
            .iter()
            .filter_map(|&i| self.team.members.get(i))
            .collect();
        let after: Vec<&Member> = touched
            .iter()
            .filter_map(|&i| next.members.get(i))
            .collect();
        Ok(Outcome {
            rule: self.manage_rule(by),
            before: slice(&before, &removed_scopes),
            after: slice(&after, &[]),
            next,
        })
    }

    /// The first role the actor acts with that may create and delete scopes;
    /// `cannot_manage_scopes` when none may.
    fn scope_manager(&self) -> Result<RoleId, Denial> {
        match self.policy.may_manage_scopes(&self.acting_roles(None)) {
            Some(by) => Ok(by),
            None => deny(
                DenialReason::CannotManageScopes,
                format!("`{}` may not create or delete scopes", self.actor),
            ),
        }
    }

    /// Whether the scope directly above `path` exists in the team (or `path` is
    /// top-level).
    fn scope_above_exists(&self, path: &ScopePath) -> bool {
        let Some((_, above)) = path.segments.split_last() else {
            return true;
        };
        above.is_empty()
            || self
                .scope_position(&ScopePath {
                    segments: above.to_vec(),
                })
                .is_some()
    }
}
