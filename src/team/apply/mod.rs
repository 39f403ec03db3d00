//! [`Policy::apply`]: the checks every change passes (a valid team, an active actor), then
//! one function per change kind, each in the file of its group: [`members`] (invite,
//! accept, change_role, remove), [`memberships`] (add, change and remove a role in a
//! scope), [`ownership`] (transfer) and [`scopes`] (add and remove a scope). The refusal
//! rules the kinds share (protected and unique roles, who may assign and remove a role,
//! plan limits, listed scopes, organization membership) are written once, in
//! [`refusals`]; the policy's roles and scopes are looked up through [`policy`]. A change
//! its kind allows is refused last if it leaves a role fewer holders than `min_holders`
//! asks (checked on the outcome, so that no kind can forget it).

mod members;
mod memberships;
mod ownership;
mod policy;
mod refusals;
mod scopes;

use self::policy::TeamPolicy;
use super::{Applied, AuditEvent, Denial, DenialReason, Member, Status, Team, TeamChange};
use super::{TeamSlice, deny};
use crate::Policy;
use crate::decide::Tenant;

/// A change being decided: the policy, the team and tenant it is made to, and who makes
/// it (a member of the team).
struct Attempt<'a> {
    policy: TeamPolicy<'a>,
    team: &'a Team,
    tenant: &'a Tenant,
    actor: &'a str,
    actor_member: &'a Member,
    at: u64,
}

/// What an allowed change produces: the new team, the rule that permitted it, and the
/// concerned part of the team before and after.
struct Outcome {
    next: Team,
    rule: String,
    before: TeamSlice,
    after: TeamSlice,
}

impl Policy {
    /// Applies a change made by `actor` at time `at` to `team` of `tenant` (whose plan
    /// sets the limits). Returns the new team and the audit event, or why the change is
    /// refused; `team` itself is never modified.
    pub fn apply(
        &self,
        team: &Team,
        tenant: &Tenant,
        actor: &str,
        change: &TeamChange,
        at: u64,
    ) -> Result<Applied, Denial> {
        let policy = TeamPolicy { p: &self.inner };
        policy.check_team(team)?;
        let Some(actor_member) = team.member(actor) else {
            return deny(
                DenialReason::ActorNotMember,
                format!("`{actor}` is not a member of the team"),
            );
        };
        let accepting = matches!(change, TeamChange::Accept { .. });
        if !accepting && actor_member.status != Status::Active {
            return deny(
                DenialReason::ActorNotActive,
                format!("`{actor}` has not accepted their invitation yet"),
            );
        }
        let attempt = Attempt {
            policy,
            team,
            tenant,
            actor,
            actor_member,
            at,
        };
        let outcome = attempt.decide(change)?;
        attempt.refuse_below_min_holders(&outcome)?;
        let event = AuditEvent {
            at,
            actor: actor.to_owned(),
            change: change.kind(),
            target: change.target().to_owned(),
            before: outcome.before,
            after: outcome.after,
            rule: outcome.rule,
        };
        Ok((outcome.next, event))
    }
}

impl Attempt<'_> {
    /// Hands the change to the function of its kind.
    fn decide(&self, change: &TeamChange) -> Result<Outcome, Denial> {
        match change {
            TeamChange::Invite {
                member,
                email,
                role,
                scope,
            } => self.invite(member, email.as_deref(), role, scope.as_deref()),
            TeamChange::Accept { member } => self.accept(member),
            TeamChange::ChangeRole { member, role } => self.change_role(member, role),
            TeamChange::Remove { member } => self.remove(member),
            TeamChange::AddMembership {
                member,
                scope,
                role,
            } => self.add_membership(member, scope, role),
            TeamChange::ChangeMembership {
                member,
                scope,
                role,
            } => self.change_membership(member, scope, role),
            TeamChange::RemoveMembership { member, scope } => self.remove_membership(member, scope),
            TeamChange::TransferOwnership { to } => self.transfer_ownership(to),
            TeamChange::AddScope { scope } => self.add_scope(scope),
            TeamChange::RemoveScope { scope } => self.remove_scope(scope),
        }
    }

    /// A copy of the team to change. Kept out of line: one copy of the clone for every
    /// kind keeps the WebAssembly module as small as when `apply` was one function.
    #[inline(never)]
    fn next_team(&self) -> Team {
        self.team.clone()
    }

    /// The outcome of a change to member `i` alone: the team with `edit` made to them, and
    /// the member before and after.
    fn edit_member(&self, i: usize, rule: String, edit: impl FnOnce(&mut Member)) -> Outcome {
        let mut next = self.next_team();
        if let Some(m) = next.members.get_mut(i) {
            edit(m);
        }
        self.member_changed(i, next, rule)
    }

    /// The outcome of a change to member `i` alone, made in `next` (apart from the
    /// generic `edit_member`, so that it exists once).
    fn member_changed(&self, i: usize, next: Team, rule: String) -> Outcome {
        Outcome {
            rule,
            before: member_slice(self.team.members.get(i)),
            after: member_slice(next.members.get(i)),
            next,
        }
    }
}

/// A slice of the given members and scopes.
fn slice(members: &[&Member], scopes: &[String]) -> TeamSlice {
    TeamSlice {
        members: members.iter().map(|m| (*m).clone()).collect(),
        scopes: scopes.to_vec(),
    }
}

/// A slice of one member, or an empty one.
fn member_slice(member: Option<&Member>) -> TeamSlice {
    TeamSlice {
        members: member.into_iter().cloned().collect(),
        scopes: Vec::new(),
    }
}
