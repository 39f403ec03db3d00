//! The refusal rules several change kinds share, each written once. A kind calls them in
//! its own order, which is part of the contract: a protected role is refused before a
//! unique one, a unique one before the actor's permissions, permissions before plan
//! limits. Each rule takes the message its caller gives, built only when it refuses.

use super::super::{Denial, DenialReason, Status, deny};
use super::Attempt;
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

/// `member` is not in the organization, where a role in a scope needs them to be.
fn not_in_organization(member: &str) -> Denial {
    Denial {
        reason: DenialReason::NotInOrganization,
        message: crate::error::escape_controls(format!(
            "`{member}` is not a member of the organization: invite them there first"
        )),
    }
}
