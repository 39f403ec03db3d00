//! Team rules: who may invite, change and remove whom; unique and protected roles;
//! ownership transfer; an audit event for every change; the hygiene lint.
//!
//! [`Policy::apply`](crate::Policy::apply) is pure: it takes a team state and a change and returns the new
//! state with its [`AuditEvent`], or a [`Denial`] with a stable reason, leaving the input
//! untouched. No state it returns breaks an invariant of the policy's `team` section.
//!
//! This file holds the team's data (members, changes, audit events, denials) and
//! [`replay`]; `apply/` decides changes, one function per kind, with the refusal rules
//! they share written once; `lint.rs` runs the hygiene checklist ([`Policy::lint`](crate::Policy::lint));
//! `json.rs` writes all of it as JSON and `read.rs` reads it back.

mod apply;
mod json;
mod lint;
mod read;

pub use json::findings_to_json;
pub use lint::{Finding, FindingCode, FindingSeverity};

use crate::error::codes;
use std::fmt;

/// Whether a member has accepted their invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Invited, not yet signed in.
    Invited,
    /// A working member.
    Active,
}

impl Status {
    /// `invited` or `active`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Invited => "invited",
            Status::Active => "active",
        }
    }
}

/// A role held in one scope (a workspace, a project).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The scope (`project:p7`).
    pub scope: String,
    /// The role held there.
    pub role: String,
}

/// A member of the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's id.
    pub id: String,
    /// Their email, when known.
    pub email: Option<String>,
    /// Invited or active.
    pub status: Status,
    /// Their organization role; none for members who only hold roles in scopes.
    pub role: Option<String>,
    /// Roles held in scopes.
    pub memberships: Vec<Membership>,
    /// When they were last active (seconds since the Unix epoch).
    pub last_active: Option<u64>,
}

/// A team: the members of one organization and the scopes it has created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Team {
    /// The members, in order.
    pub members: Vec<Member>,
    /// The scopes that exist (`business:b1`), counted against plan limits.
    pub scopes: Vec<String>,
}

impl Team {
    /// A member by id.
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }
}

/// A change to a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamChange {
    /// Invite a new member: with an organization role, or (with `scope`) with a role in
    /// one scope only.
    Invite {
        /// The new member's id.
        member: String,
        /// Their email.
        email: Option<String>,
        /// Their role: an organization role, or a role of `scope`'s level.
        role: String,
        /// The scope of a scope-only invitation (`business:b1`).
        scope: Option<String>,
    },
    /// The invited member accepts (the actor is the member).
    Accept {
        /// The member accepting.
        member: String,
    },
    /// Change a member's organization role.
    ChangeRole {
        /// The member.
        member: String,
        /// The new role.
        role: String,
    },
    /// Remove a member from the organization.
    Remove {
        /// The member.
        member: String,
    },
    /// Give a member a role in a scope.
    AddMembership {
        /// The member.
        member: String,
        /// The scope.
        scope: String,
        /// The role there.
        role: String,
    },
    /// Change a member's role in a scope.
    ChangeMembership {
        /// The member.
        member: String,
        /// The scope.
        scope: String,
        /// The new role there.
        role: String,
    },
    /// Take a member out of a scope.
    RemoveMembership {
        /// The member.
        member: String,
        /// The scope.
        scope: String,
    },
    /// Hand the transferable role (ownership) to another member.
    TransferOwnership {
        /// The new holder.
        to: String,
    },
    /// Create a scope (a workspace, a business).
    AddScope {
        /// The scope.
        scope: String,
    },
    /// Delete a scope, and every membership in it.
    RemoveScope {
        /// The scope.
        scope: String,
    },
}

impl TeamChange {
    /// The change's type name (`change_role`).
    pub fn kind(&self) -> &'static str {
        match self {
            TeamChange::Invite { .. } => "invite",
            TeamChange::Accept { .. } => "accept",
            TeamChange::ChangeRole { .. } => "change_role",
            TeamChange::Remove { .. } => "remove",
            TeamChange::AddMembership { .. } => "add_membership",
            TeamChange::ChangeMembership { .. } => "change_membership",
            TeamChange::RemoveMembership { .. } => "remove_membership",
            TeamChange::TransferOwnership { .. } => "transfer_ownership",
            TeamChange::AddScope { .. } => "add_scope",
            TeamChange::RemoveScope { .. } => "remove_scope",
        }
    }

    /// Whom or what the change is about.
    pub fn target(&self) -> &str {
        match self {
            TeamChange::Invite { member, .. }
            | TeamChange::Accept { member }
            | TeamChange::ChangeRole { member, .. }
            | TeamChange::Remove { member }
            | TeamChange::AddMembership { member, .. }
            | TeamChange::ChangeMembership { member, .. }
            | TeamChange::RemoveMembership { member, .. } => member,
            TeamChange::TransferOwnership { to } => to,
            TeamChange::AddScope { scope } | TeamChange::RemoveScope { scope } => scope,
        }
    }
}

/// The part of a team a change touched: the members (as records) and scopes concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamSlice {
    /// The members concerned, as they were or became.
    pub members: Vec<Member>,
    /// The scopes concerned that existed or came to exist.
    pub scopes: Vec<String>,
}

/// The record of one applied change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When (seconds since the Unix epoch, as given to `apply`).
    pub at: u64,
    /// Who made the change.
    pub actor: String,
    /// The change's type (`change_role`).
    pub change: &'static str,
    /// Whom or what it was about.
    pub target: String,
    /// The concerned part of the team before.
    pub before: TeamSlice,
    /// The concerned part of the team after.
    pub after: TeamSlice,
    /// The rule that permitted it (`team.manage.admin`, `team.transfer`, `self`).
    pub rule: String,
}

codes! {
    /// Why a team change was refused. The codes are stable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum DenialReason {
        /// The actor is not a member of the team.
        ActorNotMember = "actor_not_member",
        /// The actor has not accepted their invitation.
        ActorNotActive = "actor_not_active",
        /// The change names a member who does not exist.
        UnknownMember = "unknown_member",
        /// An invitation names a member who already exists.
        MemberExists = "member_exists",
        /// A role the policy does not declare, or not of the right level.
        UnknownRole = "unknown_role",
        /// A scope that cannot be read, or does not exist in the team.
        BadScope = "bad_scope",
        /// The actor may not give this role.
        CannotAssignRole = "cannot_assign_role",
        /// The actor may not remove or change holders of this role.
        CannotRemoveRole = "cannot_remove_role",
        /// The actor may not create or delete scopes.
        CannotManageScopes = "cannot_manage_scopes",
        /// The member holds a protected role: only they may change it.
        OwnerProtected = "owner_protected",
        /// Someone already holds this unique role.
        UniqueRoleTaken = "unique_role_taken",
        /// The change would leave a unique role without holder: transfer it instead.
        UniqueRoleRequired = "unique_role_required",
        /// A scope membership needs an active member of the organization.
        NotInOrganization = "not_in_organization",
        /// The member already has a role in that scope.
        MembershipExists = "membership_exists",
        /// The member has no role in that scope.
        UnknownMembership = "unknown_membership",
        /// The tenant's plan allows no more of these.
        PlanLimitReached = "plan_limit_reached",
        /// The policy allows no ownership transfer, or not by this actor.
        TransferNotAllowed = "transfer_not_allowed",
        /// The new owner must be an active member holding an eligible role.
        TransferTargetInvalid = "transfer_target_invalid",
        /// Only an invited member can accept, and only for themselves.
        NotInvited = "not_invited",
        /// The scope exists already.
        ScopeExists = "scope_exists",
        /// The team given breaks the policy's invariants (two owners, unknown roles).
        InvalidTeam = "invalid_team",
        /// The tenant names a plan the policy does not declare.
        UnknownPlan = "unknown_plan",
        /// A member id that is empty.
        BadMember = "bad_member",
        /// The change would leave a role fewer active holders than the policy's
        /// `min_holders` asks (the last admin leaving): give the role to someone else first.
        MinHoldersRequired = "min_holders_required",
    }
}

/// A refused change: the stable reason and a message. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The stable reason.
    pub reason: DenialReason,
    /// What was refused, for people.
    pub message: String,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "denied[{}]: {}", self.reason, self.message)
    }
}

impl std::error::Error for Denial {}

fn deny<T>(reason: DenialReason, message: impl Into<String>) -> Result<T, Denial> {
    Err(Denial {
        reason,
        message: crate::error::escape_controls(message.into()),
    })
}

/// The applied change: the new team and its audit record.
pub type Applied = (Team, AuditEvent);

codes! {
    /// Why an audit log does not replay. The codes are stable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ReplayErrorCode {
        /// An event is dated before the one it follows.
        OutOfOrder = "event_out_of_order",
        /// An event's `before` is not the team it is replayed over (a forged or missing
        /// event).
        BeforeMismatch = "event_before_mismatch",
    }
}

/// An audit log that does not replay: which event, why, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayError {
    /// The stable code.
    pub code: ReplayErrorCode,
    /// The index of the event in the log.
    pub index: usize,
    /// What does not fit, for people.
    pub message: String,
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error[{}] at events[{}]: {}",
            self.code, self.index, self.message
        )
    }
}

impl std::error::Error for ReplayError {}

/// Rebuilds a team by replaying audit events over the state they started from: each
/// event's `after` replaces its `before`. Each event must follow the one before it in time
/// (equal times are allowed) and its `before` must be the team as replayed so far: every
/// member it names as they are, every scope it names present, and nobody or nothing it
/// adds already there. An event that does not fit is an error, not a team.
pub fn replay(initial: &Team, events: &[AuditEvent]) -> Result<Team, ReplayError> {
    let mut team = initial.clone();
    let mut last = 0;
    for (index, event) in events.iter().enumerate() {
        let fail = |code, message: String| ReplayError {
            code,
            index,
            message: crate::error::escape_controls(message),
        };
        if event.at < last {
            return Err(fail(
                ReplayErrorCode::OutOfOrder,
                format!("the event is dated {}, before {last}", event.at),
            ));
        }
        last = event.at;
        check_before(&team, event)
            .map_err(|message| fail(ReplayErrorCode::BeforeMismatch, message))?;
        for old in &event.before.members {
            if !event.after.members.iter().any(|m| m.id == old.id) {
                team.members.retain(|m| m.id != old.id);
            }
        }
        for new in &event.after.members {
            match team.members.iter_mut().find(|m| m.id == new.id) {
                Some(slot) => *slot = new.clone(),
                None => team.members.push(new.clone()),
            }
        }
        for old in &event.before.scopes {
            if !event.after.scopes.contains(old) {
                team.scopes.retain(|s| s != old);
            }
        }
        for new in &event.after.scopes {
            if !team.scopes.contains(new) {
                team.scopes.push(new.clone());
            }
        }
    }
    Ok(team)
}

/// Whether `event.before` is the part of `team` it names, and what `event.after` adds is
/// not in `team` yet; the message says what differs.
fn check_before(team: &Team, event: &AuditEvent) -> Result<(), String> {
    for old in &event.before.members {
        if team.member(&old.id) != Some(old) {
            return Err(format!(
                "member `{}` is not as the event's `before` has them",
                old.id
            ));
        }
    }
    for new in &event.after.members {
        let named = event.before.members.iter().any(|m| m.id == new.id);
        if !named && team.member(&new.id).is_some() {
            return Err(format!(
                "member `{}` exists already, but the event adds them",
                new.id
            ));
        }
    }
    for old in &event.before.scopes {
        if !team.scopes.contains(old) {
            return Err(format!("scope `{}` is not in the team", old));
        }
    }
    for new in &event.after.scopes {
        if !event.before.scopes.contains(new) && team.scopes.contains(new) {
            return Err(format!(
                "scope `{}` exists already, but the event adds it",
                new
            ));
        }
    }
    Ok(())
}
