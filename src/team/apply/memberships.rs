//! Roles in scopes: add_membership, change_membership, remove_membership.

use super::super::{Denial, DenialReason, Member, Membership, deny};
use super::{Attempt, Outcome};
use crate::compile::RoleId;
use crate::decide::scope::ScopePath;

impl Attempt<'_> {
    /// Gives a member of the organization a role in a scope.
    pub(super) fn add_membership(
        &self,
        member: &str,
        scope: &str,
        role: &str,
    ) -> Result<Outcome, Denial> {
        let (path, new_id) = self.policy.scoped_role(scope, role)?;
        let i = self.organization_member(member)?;
        if self
            .membership_position(self.team.members.get(i), &path)
            .is_some()
        {
            return deny(
                DenialReason::MembershipExists,
                format!("`{member}` already has a role in `{scope}`"),
            );
        }
        self.refuse_unique_taken(new_id, role, Some(&path), member)?;
        let acting = self.acting_roles(Some(&path));
        let by = self.permit_in_scope(&acting, new_id, &path, scope, role)?;
        Ok(self.edit_member(i, self.manage_rule(by), |m| {
            m.memberships.push(Membership {
                scope: path.render(self.policy.p),
                role: role.to_owned(),
            });
        }))
    }

    /// Changes a member's role in a scope.
    pub(super) fn change_membership(
        &self,
        member: &str,
        scope: &str,
        role: &str,
    ) -> Result<Outcome, Denial> {
        let (path, new_id) = self.policy.scoped_role(scope, role)?;
        let i = self.member_index(member)?;
        let (k, old) = self.membership_held(i, &path, member, scope)?;
        self.refuse_protected(member, old, || {
            format!("`{member}` holds the protected role `{old}` in `{scope}`")
        })?;
        let old_id = self.policy.scope_role(old, &path)?;
        self.refuse_unique_taken(new_id, role, Some(&path), member)?;
        let acting = self.acting_roles(Some(&path));
        self.permit_remove(&acting, old_id, || {
            format!(
                "`{}` may not change the role of `{old}` members in `{scope}`",
                self.actor
            )
        })?;
        let by = self.permit_in_scope(&acting, new_id, &path, scope, role)?;
        Ok(self.edit_member(i, self.manage_rule(by), |m| {
            if let Some(ms) = m.memberships.get_mut(k) {
                ms.role = role.to_owned();
            }
        }))
    }

    /// Takes a member out of a scope; members may leave a scope themselves.
    pub(super) fn remove_membership(&self, member: &str, scope: &str) -> Result<Outcome, Denial> {
        let path = self.policy.scope(scope)?;
        let i = self.member_index(member)?;
        let (k, old) = self.membership_held(i, &path, member, scope)?;
        let rule = if member == self.actor {
            "self".to_owned()
        } else {
            self.refuse_protected(member, old, || {
                format!("`{member}` holds the protected role `{old}` in `{scope}`")
            })?;
            let old_id = self.policy.scope_role(old, &path)?;
            let acting = self.acting_roles(Some(&path));
            let by = self.permit_remove(&acting, old_id, || {
                format!(
                    "`{}` may not remove `{old}` members from `{scope}`",
                    self.actor
                )
            })?;
            self.manage_rule(by)
        };
        Ok(self.edit_member(i, rule, |m| {
            m.memberships.remove(k);
        }))
    }

    /// The role that lets the actor give `role` (`new_id`) at `path` (`scope`), a scope
    /// the team lists.
    fn permit_in_scope(
        &self,
        acting: &[RoleId],
        new_id: RoleId,
        path: &ScopePath,
        scope: &str,
        role: &str,
    ) -> Result<RoleId, Denial> {
        let by = self.permit_assign(acting, new_id, || {
            format!(
                "`{}` may not give the role `{role}` in `{scope}`",
                self.actor
            )
        })?;
        self.refuse_unlisted_scope(path, || {
            format!("scope `{scope}` does not exist in the team")
        })?;
        Ok(by)
    }

    /// The membership member `i` (`member`) holds at `path` (`scope`): where it is in
    /// their list, and its role; `unknown_membership` when they hold none there.
    fn membership_held(
        &self,
        i: usize,
        path: &ScopePath,
        member: &str,
        scope: &str,
    ) -> Result<(usize, &str), Denial> {
        let target = self.team.members.get(i);
        let held = self.membership_position(target, path).and_then(|k| {
            let ms = target.and_then(|m| m.memberships.get(k))?;
            Some((k, ms.role.as_str()))
        });
        match held {
            Some(held) => Ok(held),
            None => deny(
                DenialReason::UnknownMembership,
                format!("`{member}` has no role in `{scope}`"),
            ),
        }
    }

    /// Where `member`'s membership at `path` is in their list.
    fn membership_position(&self, member: Option<&Member>, path: &ScopePath) -> Option<usize> {
        member?
            .memberships
            .iter()
            .position(|ms| self.policy.names_scope(&ms.scope, path))
    }
}
