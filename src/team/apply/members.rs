//! Changes to the members of the organization: invite, accept, change_role, remove.

use super::super::{Denial, DenialReason, Member, Membership, Status, TeamSlice, deny};
use super::{Attempt, Outcome, member_slice, slice};
use crate::compile::{Limited, RoleId};

impl Attempt<'_> {
    /// Invites a new member with an organization role, or with a role in one scope.
    pub(super) fn invite(
        &self,
        member: &str,
        email: Option<&str>,
        role: &str,
        scope: Option<&str>,
    ) -> Result<Outcome, Denial> {
        if member.trim().is_empty() {
            return deny(DenialReason::BadMember, "a member id must not be empty");
        }
        if self.team.member(member).is_some() {
            return deny(
                DenialReason::MemberExists,
                format!("`{member}` is already a member"),
            );
        }
        let (role_id, path) = match scope {
            None => (self.policy.org_role(role)?, None),
            Some(scope) => {
                let (path, id) = self.policy.scoped_role(scope, role)?;
                (id, Some(path))
            }
        };
        match &path {
            None => self.refuse_unique_taken(role_id, role, None, member)?,
            Some(path) => {
                self.refuse_unique_taken(role_id, role, Some(path), member)?;
                // A scope invitation does not create an organization account where the
                // policy requires one first.
                self.refuse_scope_only_invitation(member)?;
                self.refuse_unlisted_scope(path, || {
                    format!(
                        "scope `{}` does not exist in the team",
                        path.render(self.policy.p)
                    )
                })?;
            }
        }
        let acting = self.acting_roles(path.as_ref());
        let by = self.permit_assign(&acting, role_id, || {
            format!("`{}` may not invite members as `{role}`", self.actor)
        })?;
        self.refuse_over_limit(
            Limited::Seats,
            || self.team.members.len(),
            |max| format!("the plan allows {max} members, invitations included"),
        )?;
        let new = Member {
            id: member.to_owned(),
            email: email.map(str::to_owned),
            status: Status::Invited,
            role: path.is_none().then(|| role.to_owned()),
            memberships: path
                .iter()
                .map(|p| Membership {
                    scope: p.render(self.policy.p),
                    role: role.to_owned(),
                })
                .collect(),
            last_active: None,
        };
        let mut next = self.next_team();
        next.members.push(new.clone());
        Ok(Outcome {
            next,
            rule: self.manage_rule(by),
            before: TeamSlice::default(),
            after: slice(&[&new], &[]),
        })
    }

    /// The invited member accepts; only they can.
    pub(super) fn accept(&self, member: &str) -> Result<Outcome, Denial> {
        let i = self.member_index(member)?;
        let invited = self.team.members.get(i).map(|m| m.status) == Some(Status::Invited);
        if member != self.actor || !invited {
            return deny(
                DenialReason::NotInvited,
                format!("only `{member}` can accept their own pending invitation"),
            );
        }
        Ok(self.edit_member(i, "self".to_owned(), |m| {
            m.status = Status::Active;
            m.last_active = Some(self.at);
        }))
    }

    /// Changes a member's organization role.
    pub(super) fn change_role(&self, member: &str, role: &str) -> Result<Outcome, Denial> {
        let i = self.member_index(member)?;
        let current = self.team.members.get(i).and_then(|m| m.role.as_deref());
        let new_id = self.policy.org_role(role)?;
        let old_id = current.map(|c| self.policy.org_role(c)).transpose()?;
        let current_name = current.unwrap_or("no organization role");
        if let Some(current) = current {
            self.refuse_protected(member, current, || {
                format!(
                    "`{member}` holds the protected role `{current_name}`: only they may change it"
                )
            })?;
        }
        if let Some(old_id) = old_id.filter(|&o| o != new_id) {
            self.refuse_unique_required(old_id, || {
                format!(
                    "`{}` must always have one holder: transfer it instead",
                    self.policy.role_name(old_id)
                )
            })?;
        }
        if old_id != Some(new_id) {
            self.refuse_unique_taken(new_id, role, None, member)?;
        }
        let acting = self.acting_roles(None);
        if let Some(old_id) = old_id {
            self.permit_remove(&acting, old_id, || {
                format!(
                    "`{}` may not change the role of `{current_name}` members",
                    self.actor
                )
            })?;
        }
        let by = self.permit_assign(&acting, new_id, || {
            format!("`{}` may not give the role `{role}`", self.actor)
        })?;
        Ok(self.edit_member(i, self.manage_rule(by), |m| {
            m.role = Some(role.to_owned());
        }))
    }

    /// Removes a member from the organization.
    pub(super) fn remove(&self, member: &str) -> Result<Outcome, Denial> {
        let i = self.member_index(member)?;
        let target = self.team.members.get(i);
        // The roles the actor must be able to take away: the organization role, or, for a
        // member without one, every role they hold in scopes.
        let mut held: Vec<RoleId> = Vec::new();
        if let Some(role) = target.and_then(|m| m.role.as_deref()) {
            let id = self.policy.org_role(role)?;
            self.refuse_protected(member, role, || {
                format!("`{member}` holds the protected role `{role}`: nobody else may remove them")
            })?;
            self.refuse_unique_required(id, || {
                format!("`{role}` must always have one holder: transfer it first")
            })?;
            held.push(id);
        }
        // Removing a member takes their roles in scopes too: a protected one stays theirs.
        let memberships = target.map_or(&[][..], |m| &m.memberships);
        for ms in memberships {
            self.refuse_protected(member, &ms.role, || {
                format!(
                    "`{member}` holds the protected role `{}` in `{}`: nobody else may remove them",
                    ms.role, ms.scope
                )
            })?;
        }
        if held.is_empty() {
            held.extend(
                memberships
                    .iter()
                    .filter_map(|ms| self.policy.role(&ms.role)),
            );
        }
        let rule = if member == self.actor {
            "self".to_owned()
        } else {
            self.manage_rule(self.remover_of(&held)?)
        };
        let mut next = self.next_team();
        let removed = next.members.remove(i);
        Ok(Outcome {
            next,
            rule,
            before: member_slice(Some(&removed)),
            after: TeamSlice::default(),
        })
    }

    /// The role that lets the actor remove a member who holds `held`: each of them must be
    /// removable, and the remover of the first names the rule; a member with no role at
    /// all may be removed by whoever may remove anyone.
    fn remover_of(&self, held: &[RoleId]) -> Result<RoleId, Denial> {
        let acting = self.acting_roles(None);
        let mut by = None;
        for &id in held {
            let remover = self.permit_remove(&acting, id, || {
                format!(
                    "`{}` may not remove `{}` members",
                    self.actor,
                    self.policy.role_name(id)
                )
            })?;
            by = by.or(Some(remover));
        }
        match by.or_else(|| self.policy.may_remove_any(&acting)) {
            Some(by) => Ok(by),
            None => deny(
                DenialReason::CannotRemoveRole,
                format!("`{}` may not remove members", self.actor),
            ),
        }
    }
}
