//! transfer_ownership: the holder of the transferable role hands it to another member.

use super::super::{Denial, DenialReason, Member, Status, TeamSlice, deny};
use super::{Attempt, Outcome, slice};

impl Attempt<'_> {
    /// Hands the transferable role (ownership) to member `to`; the actor takes the role
    /// the policy names for the previous holder.
    pub(super) fn transfer_ownership(&self, to: &str) -> Result<Outcome, Denial> {
        let Some(transfer) = &self.policy.p.team.transfer else {
            return deny(
                DenialReason::TransferNotAllowed,
                "the policy allows no ownership transfer",
            );
        };
        let owner_role = self.policy.role_name(transfer.role);
        if self.actor_member.role.as_deref() != Some(owner_role) {
            return deny(
                DenialReason::TransferNotAllowed,
                format!("only the `{owner_role}` may transfer that role"),
            );
        }
        let j = self.member_index(to)?;
        let new_owner = self.team.members.get(j);
        let eligible = new_owner.is_some_and(|m| {
            m.status == Status::Active
                && m.id != self.actor
                && m.role
                    .as_deref()
                    .and_then(|r| self.policy.role(r))
                    .is_some_and(|r| transfer.to.contains(r))
        });
        if !eligible {
            let allowed: Vec<&str> = transfer
                .to
                .iter()
                .map(|r| self.policy.role_name(r))
                .collect();
            return deny(
                DenialReason::TransferTargetInvalid,
                format!(
                    "`{to}` must be another active member holding `{}`",
                    allowed.join("` or `")
                ),
            );
        }
        let i = self.member_index(self.actor)?;
        let before: Vec<Member> = [self.team.members.get(i), new_owner]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let mut next = self.next_team();
        if let Some(m) = next.members.get_mut(j) {
            m.role = Some(owner_role.to_owned());
        }
        if let Some(m) = next.members.get_mut(i) {
            m.role = Some(self.policy.role_name(transfer.previous).to_owned());
        }
        let after: Vec<&Member> = [next.members.get(i), next.members.get(j)]
            .into_iter()
            .flatten()
            .collect();
        Ok(Outcome {
            rule: "team.transfer".to_owned(),
            before: TeamSlice {
                members: before,
                scopes: Vec::new(),
            },
            after: slice(&after, &[]),
            next,
        })
    }
}
