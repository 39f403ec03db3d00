//! The refusal rules several change kinds share, each written once. A kind calls them in
//! its own order, which is part of the contract: a protected role is refused before a
//! unique one, a unique one before the actor's permissions, permissions before plan
//! limits; the least number of holders is checked last, on what the change would produce.
//! Each rule takes the message its caller gives, built only when it refuses.

use super::super::{Denial, DenialReason, Member, Status, Team, deny};
use super::{Attempt, Outcome};
use crate::compile::{Limited, RoleId};
use crate::decide::scope::ScopePath;

impl Attempt<'_> {
    /// Where member `id` is in the team; `unknown_member` when they are not in it.
    pub(super) fn member_index(&self, id: &str) -> Result<usize, Denial> {
        match self.team.members.iter().position(|m| m.id == id) {
            Some(i) => Ok(i),
            None => deny(
                DenialReason::UnknownMember,
                format!("`{id}` is not a member of the team"),
            ),
        }
    }

    /// The roles whose manage rules apply to the actor (at `scope`, for memberships).
    pub(super) fn acting_roles(&self, scope: Option<&ScopePath>) -> Vec<RoleId> {
        self.policy.acting_roles(self.actor_member, scope)
    }

    /// The audit rule of a change the manage rules of `by` permitted.
    pub(super) fn manage_rule(&self, by: RoleId) -> String {
        format!("team.manage.{}", self.policy.role_name(by))
    }

    /// Only the holder of a protected role changes it: refuses when `member`, who holds
    /// `role`, is not the actor.
    pub(super) fn refuse_protected(
        &self,
        member: &str,
        role: &str,
        message: impl FnOnce() -> String,
    ) -> Result<(), Denial> {
        if member != self.actor && self.policy.is_protected(role) {
            return deny(DenialReason::OwnerProtected, message());
        }
        Ok(())
    }

    /// A unique role always keeps its holder: refuses to take `role` from them.
    pub(super) fn refuse_unique_required(
        &self,
        role: RoleId,
        message: impl FnOnce() -> String,
    ) -> Result<(), Denial> {
        if self.policy.is_unique(role) {
            return deny(DenialReason::UniqueRoleRequired, message());
        }
        Ok(())
    }

    /// A unique role has one holder (in the organization, or with `scope` in that scope):
    /// refuses to give `role` (named `name` in the change) to `member` while someone
    /// else holds it.
    pub(super) fn refuse_unique_taken(
        &self,
        role: RoleId,
        name: &str,
        scope: Option<&ScopePath>,
        member: &str,
    ) -> Result<(), Denial> {
        if self.policy.is_unique(role)
            && self.policy.holders(self.team, role, scope, Some(member)) > 0
        {
            let place = scope.map_or(String::new(), |s| {
                format!(" in `{}`", s.render(self.policy.p))
            });
            return deny(
                DenialReason::UniqueRoleTaken,
                format!("role `{name}` is unique and already held{place}"),
            );
        }
        Ok(())
    }

    /// The first of the `acting` roles that may give `role`; `cannot_assign_role` when
    /// none may.
    pub(super) fn permit_assign(
        &self,
        acting: &[RoleId],
        role: RoleId,
        message: impl FnOnce() -> String,
    ) -> Result<RoleId, Denial> {
        match self.policy.may_assign(acting, role) {
            Some(by) => Ok(by),
            None => deny(DenialReason::CannotAssignRole, message()),
        }
    }

    /// The first of the `acting` roles that may remove or change holders of `role`;
    /// `cannot_remove_role` when none may.
    pub(super) fn permit_remove(
        &self,
        acting: &[RoleId],
        role: RoleId,
        message: impl FnOnce() -> String,
    ) -> Result<RoleId, Denial> {
        match self.policy.may_remove(acting, role) {
            Some(by) => Ok(by),
            None => deny(DenialReason::CannotRemoveRole, message()),
        }
    }

    /// The tenant's plan limits `what`: refuses one more when `count` (counted only
    /// under a limit) has reached it. A plan the policy does not declare is refused.
    pub(super) fn refuse_over_limit(
        &self,
        what: Limited,
        count: impl FnOnce() -> usize,
        message: impl FnOnce(u32) -> String,
    ) -> Result<(), Denial> {
        if let Some(max) = self.policy.limit(self.tenant, what)? {
            if count() >= max as usize {
                return deny(DenialReason::PlanLimitReached, message(max));
            }
        }
        Ok(())
    }

    /// Where `path` is in the team's list of scopes.
    pub(super) fn scope_position(&self, path: &ScopePath) -> Option<usize> {
        self.team
            .scopes
            .iter()
            .position(|s| self.policy.names_scope(s, path))
    }

    /// A team that lists its scopes only has memberships in those: refuses `path` when
    /// the list is not empty and does not hold it.
    pub(super) fn refuse_unlisted_scope(
        &self,
        path: &ScopePath,
        message: impl FnOnce() -> String,
    ) -> Result<(), Denial> {
        if !self.team.scopes.is_empty() && self.scope_position(path).is_none() {
            return deny(DenialReason::BadScope, message());
        }
        Ok(())
    }

    /// Where the policy requires scope members to be organization members first, an
    /// invitation straight into a scope is refused.
    pub(super) fn refuse_scope_only_invitation(&self, member: &str) -> Result<(), Denial> {
        if self.policy.p.team.require_org_member {
            return Err(not_in_organization(member));
        }
        Ok(())
    }

    /// Where member `id` is in the team, to be given a role in a scope: they must be a
    /// member of the organization, and an active one where the policy requires it.
    pub(super) fn organization_member(&self, id: &str) -> Result<usize, Denial> {
        let i = self.member_index(id).map_err(|_| not_in_organization(id))?;
        if self.policy.p.team.require_org_member
            && self.team.members.get(i).map(|m| m.status) != Some(Status::Active)
        {
            return deny(
                DenialReason::NotInOrganization,
                format!("`{id}` has not joined the organization yet"),
            );
        }
        Ok(i)
    }
}

impl Attempt<'_> {
    /// A role with a least number of holders keeps them: refuses an outcome that leaves
    /// fewer active holders of it than `min_holders` asks, in the organization or in a
    /// scope that still exists, where there were more before. Only the members the change
    /// touched can have lost a role, so only the places they held one are counted. A team
    /// already short of holders may still change in other ways (the lint reports it).
    pub(super) fn refuse_below_min_holders(&self, outcome: &Outcome) -> Result<(), Denial> {
        let p = self.policy.p;
        for (role, &min) in p
            .team
            .min_holders
            .iter()
            .enumerate()
            .filter(|(_, m)| **m > 0)
        {
            // The places where a touched member held `role` before: the organization
            // (`None`) or a scope.
            let mut places: Vec<Option<ScopePath>> = Vec::new();
            for m in outcome
                .before
                .members
                .iter()
                .filter(|m| m.status == Status::Active)
            {
                if m.role.as_deref().is_some_and(|r| self.includes(r, role)) {
                    places.push(None);
                }
                for ms in m
                    .memberships
                    .iter()
                    .filter(|ms| self.includes(&ms.role, role))
                {
                    if let Ok(path) = ScopePath::parse(p, &ms.scope) {
                        places.push(Some(path));
                    }
                }
            }
            places.dedup();
            for place in places.iter().filter(|s| !self.removed(outcome, s.as_ref())) {
                let before = self.active_holders(self.team, role, place.as_ref());
                let after = self.active_holders(&outcome.next, role, place.as_ref());
                if after < before && after < min as usize {
                    let name = self.policy.role_name(role);
                    let message = match place {
                        None => format!(
                            "the team must keep at least {min} active `{name}`, this change leaves {after}: make another member `{name}` first"
                        ),
                        Some(path) => format!(
                            "`{}` must keep at least {min} active `{name}`, this change leaves {after}: give another member `{name}` there first",
                            path.render(p)
                        ),
                    };
                    return deny(DenialReason::MinHoldersRequired, message);
                }
            }
        }
        Ok(())
    }

    /// Whether role `name` is `role` or includes it.
    fn includes(&self, name: &str, role: RoleId) -> bool {
        self.policy
            .role(name)
            .and_then(|id| self.policy.p.roles.get(id))
            .is_some_and(|r| r.expansion.contains(&role))
    }

    /// The active members of `team` who hold `role` (or a role that includes it) in the
    /// organization (`None`) or in `scope`.
    fn active_holders(&self, team: &Team, role: RoleId, scope: Option<&ScopePath>) -> usize {
        let holds = |m: &Member| match scope {
            None => m.role.as_deref().is_some_and(|r| self.includes(r, role)),
            Some(path) => m.memberships.iter().any(|ms| {
                self.includes(&ms.role, role) && self.policy.names_scope(&ms.scope, path)
            }),
        };
        team.members
            .iter()
            .filter(|m| m.status == Status::Active && holds(m))
            .count()
    }

    /// Whether the change deleted `scope` (or a scope above it) with its memberships.
    fn removed(&self, outcome: &Outcome, scope: Option<&ScopePath>) -> bool {
        let p = self.policy.p;
        scope.is_some_and(|scope| {
            outcome
                .before
                .scopes
                .iter()
                .filter(|s| !outcome.after.scopes.contains(s))
                .filter_map(|s| ScopePath::parse(p, s).ok())
                .any(|gone| gone.is_prefix_of(scope))
        })
    }
}

/// `member` is not in the organization, where a role in a scope needs them to be.
fn not_in_organization(member: &str) -> Denial {
    Denial {
        reason: DenialReason::NotInOrganization,
        message: crate::error::escape_controls(format!(
            "`{member}` is not a member of the organization: invite them there first"
        )),
    }
}
