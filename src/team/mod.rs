//! Team rules: who may invite, change and remove whom; unique and protected roles;
//! ownership transfer; an audit event for every change; the hygiene lint.
//!
//! [`Policy::apply`] is pure: it takes a team state and a change and returns the new
//! state with its [`AuditEvent`], or a [`Denial`] with a stable reason, leaving the input
//! untouched. No state it returns breaks an invariant of the policy's `team` section.

mod lint;
mod read;

pub use lint::{Finding, FindingCode, FindingSeverity};

use crate::Policy;
use crate::compile::{Compiled, Limited, RoleId};
use crate::decide::Tenant;
use crate::decide::scope::ScopePath;
use crate::error::codes;
use crate::json::{self, Object, ToJson};
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
        message: message.into(),
    })
}

/// The applied change: the new team and its audit record.
pub type Applied = (Team, AuditEvent);

struct Ctx<'a> {
    p: &'a Compiled,
}

impl Ctx<'_> {
    fn role(&self, name: &str) -> Option<RoleId> {
        self.p.role_index.get(name).copied()
    }

    fn role_name(&self, id: RoleId) -> &str {
        self.p.roles.get(id).map_or("", |r| &r.name)
    }

    /// An organization role by name.
    fn org_role(&self, name: &str) -> Result<RoleId, Denial> {
        match self.role(name) {
            Some(id) if self.p.roles.get(id).is_some_and(|r| r.level == self.p.root) => Ok(id),
            Some(_) => deny(
                DenialReason::UnknownRole,
                format!("`{name}` is not an organization role"),
            ),
            None => deny(
                DenialReason::UnknownRole,
                format!("role `{name}` is not declared by the policy"),
            ),
        }
    }

    fn scope(&self, text: &str) -> Result<ScopePath, Denial> {
        match ScopePath::parse(self.p, text) {
            Ok(path) if !path.segments.is_empty() => Ok(path),
            Ok(_) => deny(
                DenialReason::BadScope,
                "memberships are held in scopes below the organization",
            ),
            Err(m) => deny(DenialReason::BadScope, m),
        }
    }

    /// A role for a membership at `scope`: declared at the scope's level.
    fn scope_role(&self, name: &str, scope: &ScopePath) -> Result<RoleId, Denial> {
        let Some(id) = self.role(name) else {
            return deny(
                DenialReason::UnknownRole,
                format!("role `{name}` is not declared by the policy"),
            );
        };
        if self.p.roles.get(id).map(|r| r.level) != Some(scope.level(self.p)) {
            return deny(
                DenialReason::UnknownRole,
                format!(
                    "role `{name}` is not held at `{}` scopes",
                    self.p
                        .levels
                        .get(scope.level(self.p))
                        .map_or("", |l| &l.name)
                ),
            );
        }
        Ok(id)
    }

    /// The roles whose manage rules apply to `actor` (at `scope`, for memberships), in
    /// order: the organization role and what it includes, then roles held at the scope
    /// or above it by cascade.
    fn acting_roles(&self, actor: &Member, scope: Option<&ScopePath>) -> Vec<RoleId> {
        let mut out = Vec::new();
        let add = |id: RoleId, out: &mut Vec<RoleId>| {
            for &r in self.p.roles.get(id).map_or(&[][..], |r| &r.expansion) {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        };
        if let Some(id) = actor.role.as_deref().and_then(|r| self.role(r)) {
            add(id, &mut out);
        }
        if let Some(scope) = scope {
            for m in &actor.memberships {
                let (Some(id), Ok(held)) = (self.role(&m.role), ScopePath::parse(self.p, &m.scope))
                else {
                    continue;
                };
                let cascade = self.p.roles.get(id).is_some_and(|r| r.cascade);
                if held == *scope || (cascade && held.is_prefix_of(scope)) {
                    add(id, &mut out);
                }
            }
        }
        out
    }

    fn may_assign(&self, roles: &[RoleId], role: RoleId) -> Option<RoleId> {
        roles.iter().copied().find(|&r| {
            self.p
                .team
                .manage
                .get(r)
                .is_some_and(|m| m.assign.contains(role))
        })
    }

    fn may_remove(&self, roles: &[RoleId], role: RoleId) -> Option<RoleId> {
        roles.iter().copied().find(|&r| {
            self.p
                .team
                .manage
                .get(r)
                .is_some_and(|m| m.remove.contains(role))
        })
    }

    fn holders(&self, team: &Team, role: RoleId) -> usize {
        let name = self.role_name(role);
        team.members
            .iter()
            .filter(|m| m.role.as_deref() == Some(name))
            .count()
    }

    fn is_unique(&self, role: RoleId) -> bool {
        self.p.team.unique.contains(role)
    }

    fn is_protected(&self, name: &str) -> bool {
        self.role(name)
            .is_some_and(|id| self.p.team.protected.contains(id))
    }

    /// Checks the team given against the policy before any change.
    fn check_team(&self, team: &Team) -> Result<(), Denial> {
        for (i, m) in team.members.iter().enumerate() {
            if team.members.iter().take(i).any(|o| o.id == m.id) {
                return deny(
                    DenialReason::InvalidTeam,
                    format!("member `{}` is listed twice", m.id),
                );
            }
            if let Some(role) = &m.role {
                self.org_role(role).map_err(|d| Denial {
                    reason: DenialReason::InvalidTeam,
                    message: format!("member `{}`: {}", m.id, d.message),
                })?;
            }
            for ms in &m.memberships {
                let scope = self.scope(&ms.scope).map_err(|d| Denial {
                    reason: DenialReason::InvalidTeam,
                    message: format!("member `{}`: {}", m.id, d.message),
                })?;
                self.scope_role(&ms.role, &scope).map_err(|d| Denial {
                    reason: DenialReason::InvalidTeam,
                    message: format!("member `{}`: {}", m.id, d.message),
                })?;
            }
        }
        for id in self.p.team.unique.iter() {
            if self.holders(team, id) > 1 {
                return deny(
                    DenialReason::InvalidTeam,
                    format!(
                        "role `{}` is unique, but {} members hold it",
                        self.role_name(id),
                        self.holders(team, id)
                    ),
                );
            }
        }
        Ok(())
    }

    fn limit(&self, tenant: &Tenant, what: Limited) -> Result<Option<u32>, Denial> {
        let Some(plan) = &tenant.plan else {
            return Ok(None);
        };
        let Some(&id) = self.p.plan_index.get(plan.as_str()) else {
            return deny(
                DenialReason::UnknownPlan,
                format!("plan `{plan}` is not declared by the policy"),
            );
        };
        Ok(self
            .p
            .team
            .limits
            .get(id)
            .and_then(|l| l.iter().find(|(w, _)| *w == what))
            .map(|(_, n)| *n))
    }
}

fn slice(members: &[&Member], scopes: &[String]) -> TeamSlice {
    TeamSlice {
        members: members.iter().map(|m| (*m).clone()).collect(),
        scopes: scopes.to_vec(),
    }
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
        let cx = Ctx { p: &self.inner };
        cx.check_team(team)?;
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
        let mut next = team.clone();
        let target = change.target().to_owned();
        let find = |team: &Team, id: &str| -> Result<usize, Denial> {
            team.members.iter().position(|m| m.id == id).map_or_else(
                || {
                    deny(
                        DenialReason::UnknownMember,
                        format!("`{id}` is not a member of the team"),
                    )
                },
                Ok,
            )
        };
        let (rule, before, after): (String, TeamSlice, TeamSlice) = match change {
            TeamChange::Invite {
                member,
                email,
                role,
                scope,
            } => {
                if team.member(member).is_some() {
                    return deny(
                        DenialReason::MemberExists,
                        format!("`{member}` is already a member"),
                    );
                }
                let (role_id, path) = match scope {
                    None => (cx.org_role(role)?, None),
                    Some(scope) => {
                        let path = cx.scope(scope)?;
                        (cx.scope_role(role, &path)?, Some(path))
                    }
                };
                if path.is_none() && cx.is_unique(role_id) && cx.holders(team, role_id) > 0 {
                    return deny(
                        DenialReason::UniqueRoleTaken,
                        format!("role `{role}` is unique and already held"),
                    );
                }
                if let Some(path) = &path {
                    // A scope invitation does not create an organization account where the
                    // policy requires one first.
                    if cx.p.team.require_org_member {
                        return deny(
                            DenialReason::NotInOrganization,
                            format!(
                                "`{member}` is not a member of the organization: invite them there first"
                            ),
                        );
                    }
                    if !team.scopes.is_empty()
                        && !team
                            .scopes
                            .iter()
                            .any(|s| ScopePath::parse(cx.p, s).ok().as_ref() == Some(path))
                    {
                        return deny(
                            DenialReason::BadScope,
                            format!("scope `{}` does not exist in the team", path.render(cx.p)),
                        );
                    }
                }
                let acting = cx.acting_roles(actor_member, path.as_ref());
                let Some(by) = cx.may_assign(&acting, role_id) else {
                    return deny(
                        DenialReason::CannotAssignRole,
                        format!("`{actor}` may not invite members as `{role}`"),
                    );
                };
                if let Some(max) = cx.limit(tenant, Limited::Seats)? {
                    if team.members.len() >= max as usize {
                        return deny(
                            DenialReason::PlanLimitReached,
                            format!("the plan allows {max} members, invitations included"),
                        );
                    }
                }
                let new = Member {
                    id: member.clone(),
                    email: email.clone(),
                    status: Status::Invited,
                    role: path.is_none().then(|| role.clone()),
                    memberships: path
                        .iter()
                        .map(|p| Membership {
                            scope: p.render(cx.p),
                            role: role.clone(),
                        })
                        .collect(),
                    last_active: None,
                };
                next.members.push(new.clone());
                (
                    format!("team.manage.{}", cx.role_name(by)),
                    TeamSlice::default(),
                    slice(&[&new], &[]),
                )
            }
            TeamChange::Accept { member } => {
                let i = find(team, member)?;
                if member != actor || team.members.get(i).map(|m| m.status) != Some(Status::Invited)
                {
                    return deny(
                        DenialReason::NotInvited,
                        format!("only `{member}` can accept their own pending invitation"),
                    );
                }
                let before = team.members.get(i).cloned();
                if let Some(m) = next.members.get_mut(i) {
                    m.status = Status::Active;
                    m.last_active = Some(at);
                }
                (
                    "self".to_owned(),
                    slice(&before.iter().collect::<Vec<_>>(), &[]),
                    slice(&next.members.get(i).into_iter().collect::<Vec<_>>(), &[]),
                )
            }
            TeamChange::ChangeRole { member, role } => {
                let i = find(team, member)?;
                let current = team.members.get(i).and_then(|m| m.role.clone());
                let new_id = cx.org_role(role)?;
                let old_id = current.as_deref().map(|c| cx.org_role(c)).transpose()?;
                let current_name = current.as_deref().unwrap_or("no organization role");
                if member != actor && current.as_deref().is_some_and(|c| cx.is_protected(c)) {
                    return deny(
                        DenialReason::OwnerProtected,
                        format!(
                            "`{member}` holds the protected role `{current_name}`: only they may change it"
                        ),
                    );
                }
                if let Some(old_id) = old_id.filter(|&o| o != new_id && cx.is_unique(o)) {
                    return deny(
                        DenialReason::UniqueRoleRequired,
                        format!(
                            "`{}` must always have one holder: transfer it instead",
                            cx.role_name(old_id)
                        ),
                    );
                }
                if old_id != Some(new_id) && cx.is_unique(new_id) && cx.holders(team, new_id) > 0 {
                    return deny(
                        DenialReason::UniqueRoleTaken,
                        format!("role `{role}` is unique and already held"),
                    );
                }
                let acting = cx.acting_roles(actor_member, None);
                if let Some(old_id) = old_id {
                    if cx.may_remove(&acting, old_id).is_none() {
                        return deny(
                            DenialReason::CannotRemoveRole,
                            format!(
                                "`{actor}` may not change the role of `{current_name}` members"
                            ),
                        );
                    }
                }
                let Some(by) = cx.may_assign(&acting, new_id) else {
                    return deny(
                        DenialReason::CannotAssignRole,
                        format!("`{actor}` may not give the role `{role}`"),
                    );
                };
                let before = team.members.get(i).cloned();
                if let Some(m) = next.members.get_mut(i) {
                    m.role = Some(role.clone());
                }
                (
                    format!("team.manage.{}", cx.role_name(by)),
                    slice(&before.iter().collect::<Vec<_>>(), &[]),
                    slice(&next.members.get(i).into_iter().collect::<Vec<_>>(), &[]),
                )
            }
            TeamChange::Remove { member } => {
                let i = find(team, member)?;
                let target_member = team.members.get(i);
                // The roles the actor must be able to take away: the organization role,
                // or, for a member without one, every role they hold in scopes.
                let mut held: Vec<RoleId> = Vec::new();
                if let Some(role) = target_member.and_then(|m| m.role.as_deref()) {
                    let id = cx.org_role(role)?;
                    if member != actor && cx.is_protected(role) {
                        return deny(
                            DenialReason::OwnerProtected,
                            format!(
                                "`{member}` holds the protected role `{role}`: nobody else may remove them"
                            ),
                        );
                    }
                    if cx.is_unique(id) {
                        return deny(
                            DenialReason::UniqueRoleRequired,
                            format!("`{role}` must always have one holder: transfer it first"),
                        );
                    }
                    held.push(id);
                } else {
                    for ms in target_member.map_or(&[][..], |m| &m.memberships) {
                        if let Some(id) = cx.role(&ms.role) {
                            held.push(id);
                        }
                    }
                }
                let rule = if member == actor {
                    "self".to_owned()
                } else {
                    let acting = cx.acting_roles(actor_member, None);
                    let mut by = None;
                    for &id in &held {
                        match cx.may_remove(&acting, id) {
                            Some(r) => by = by.or(Some(r)),
                            None => {
                                return deny(
                                    DenialReason::CannotRemoveRole,
                                    format!(
                                        "`{actor}` may not remove `{}` members",
                                        cx.role_name(id)
                                    ),
                                );
                            }
                        }
                    }
                    match by {
                        Some(r) => format!("team.manage.{}", cx.role_name(r)),
                        None => {
                            // A member with no role at all: whoever may remove anyone may.
                            let acting = cx.acting_roles(actor_member, None);
                            let Some(r) = acting.iter().copied().find(|&r| {
                                cx.p.team
                                    .manage
                                    .get(r)
                                    .is_some_and(|m| !m.remove.is_empty())
                            }) else {
                                return deny(
                                    DenialReason::CannotRemoveRole,
                                    format!("`{actor}` may not remove members"),
                                );
                            };
                            format!("team.manage.{}", cx.role_name(r))
                        }
                    }
                };
                let removed = next.members.remove(i);
                (rule, slice(&[&removed], &[]), TeamSlice::default())
            }
            TeamChange::AddMembership {
                member,
                scope,
                role,
            }
            | TeamChange::ChangeMembership {
                member,
                scope,
                role,
            } => {
                let adding = matches!(change, TeamChange::AddMembership { .. });
                let path = cx.scope(scope)?;
                let new_id = cx.scope_role(role, &path)?;
                let i = match find(team, member) {
                    Ok(i) => i,
                    Err(_) if adding => {
                        return deny(
                            DenialReason::NotInOrganization,
                            format!(
                                "`{member}` is not a member of the organization: invite them there first"
                            ),
                        );
                    }
                    Err(d) => return Err(d),
                };
                let target_member = team.members.get(i);
                if adding
                    && cx.p.team.require_org_member
                    && target_member.map(|m| m.status) != Some(Status::Active)
                {
                    return deny(
                        DenialReason::NotInOrganization,
                        format!("`{member}` has not joined the organization yet"),
                    );
                }
                let existing = target_member.and_then(|m| {
                    m.memberships
                        .iter()
                        .position(|ms| ScopePath::parse(cx.p, &ms.scope).ok() == Some(path.clone()))
                });
                let acting = cx.acting_roles(actor_member, Some(&path));
                if adding && existing.is_some() {
                    return deny(
                        DenialReason::MembershipExists,
                        format!("`{member}` already has a role in `{scope}`"),
                    );
                }
                if !adding {
                    let Some(k) = existing else {
                        return deny(
                            DenialReason::UnknownMembership,
                            format!("`{member}` has no role in `{scope}`"),
                        );
                    };
                    let old = target_member
                        .and_then(|m| m.memberships.get(k))
                        .map(|ms| ms.role.clone())
                        .unwrap_or_default();
                    if member != actor && cx.is_protected(&old) {
                        return deny(
                            DenialReason::OwnerProtected,
                            format!("`{member}` holds the protected role `{old}` in `{scope}`"),
                        );
                    }
                    let old_id = cx.scope_role(&old, &path)?;
                    if cx.may_remove(&acting, old_id).is_none() {
                        return deny(
                            DenialReason::CannotRemoveRole,
                            format!(
                                "`{actor}` may not change the role of `{old}` members in `{scope}`"
                            ),
                        );
                    }
                }
                let Some(by) = cx.may_assign(&acting, new_id) else {
                    return deny(
                        DenialReason::CannotAssignRole,
                        format!("`{actor}` may not give the role `{role}` in `{scope}`"),
                    );
                };
                // A team that lists its scopes only has memberships in those.
                if !team.scopes.is_empty()
                    && !team
                        .scopes
                        .iter()
                        .any(|s| ScopePath::parse(cx.p, s).ok() == Some(path.clone()))
                {
                    return deny(
                        DenialReason::BadScope,
                        format!("scope `{scope}` does not exist in the team"),
                    );
                }
                let before = target_member.cloned();
                if let Some(m) = next.members.get_mut(i) {
                    let canonical = path.render(cx.p);
                    match existing {
                        Some(k) => {
                            if let Some(ms) = m.memberships.get_mut(k) {
                                ms.role = role.clone();
                            }
                        }
                        None => m.memberships.push(Membership {
                            scope: canonical,
                            role: role.clone(),
                        }),
                    }
                }
                (
                    format!("team.manage.{}", cx.role_name(by)),
                    slice(&before.iter().collect::<Vec<_>>(), &[]),
                    slice(&next.members.get(i).into_iter().collect::<Vec<_>>(), &[]),
                )
            }
            TeamChange::RemoveMembership { member, scope } => {
                let path = cx.scope(scope)?;
                let i = find(team, member)?;
                let target_member = team.members.get(i);
                let Some(k) = target_member.and_then(|m| {
                    m.memberships
                        .iter()
                        .position(|ms| ScopePath::parse(cx.p, &ms.scope).ok() == Some(path.clone()))
                }) else {
                    return deny(
                        DenialReason::UnknownMembership,
                        format!("`{member}` has no role in `{scope}`"),
                    );
                };
                let old = target_member
                    .and_then(|m| m.memberships.get(k))
                    .map(|ms| ms.role.clone())
                    .unwrap_or_default();
                let rule = if member == actor {
                    "self".to_owned()
                } else {
                    if cx.is_protected(&old) {
                        return deny(
                            DenialReason::OwnerProtected,
                            format!("`{member}` holds the protected role `{old}` in `{scope}`"),
                        );
                    }
                    let old_id = cx.scope_role(&old, &path)?;
                    let acting = cx.acting_roles(actor_member, Some(&path));
                    let Some(by) = cx.may_remove(&acting, old_id) else {
                        return deny(
                            DenialReason::CannotRemoveRole,
                            format!("`{actor}` may not remove `{old}` members from `{scope}`"),
                        );
                    };
                    format!("team.manage.{}", cx.role_name(by))
                };
                let before = target_member.cloned();
                if let Some(m) = next.members.get_mut(i) {
                    m.memberships.remove(k);
                }
                (
                    rule,
                    slice(&before.iter().collect::<Vec<_>>(), &[]),
                    slice(&next.members.get(i).into_iter().collect::<Vec<_>>(), &[]),
                )
            }
            TeamChange::TransferOwnership { to } => {
                let Some(transfer) = &cx.p.team.transfer else {
                    return deny(
                        DenialReason::TransferNotAllowed,
                        "the policy allows no ownership transfer",
                    );
                };
                let owner_role = cx.role_name(transfer.role).to_owned();
                if actor_member.role.as_deref() != Some(owner_role.as_str()) {
                    return deny(
                        DenialReason::TransferNotAllowed,
                        format!("only the `{owner_role}` may transfer that role"),
                    );
                }
                let j = find(team, to)?;
                let new_owner = team.members.get(j);
                let eligible = new_owner.is_some_and(|m| {
                    m.status == Status::Active
                        && m.id != actor
                        && m.role
                            .as_deref()
                            .and_then(|r| cx.role(r))
                            .is_some_and(|r| transfer.to.contains(r))
                });
                if !eligible {
                    let allowed: Vec<&str> = transfer.to.iter().map(|r| cx.role_name(r)).collect();
                    return deny(
                        DenialReason::TransferTargetInvalid,
                        format!(
                            "`{to}` must be another active member holding `{}`",
                            allowed.join("` or `")
                        ),
                    );
                }
                let i = find(team, actor)?;
                let before: Vec<Member> = [team.members.get(i), new_owner]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                let previous = cx.role_name(transfer.previous).to_owned();
                if let Some(m) = next.members.get_mut(j) {
                    m.role = Some(owner_role.clone());
                }
                if let Some(m) = next.members.get_mut(i) {
                    m.role = Some(previous);
                }
                let after: Vec<&Member> = [next.members.get(i), next.members.get(j)]
                    .into_iter()
                    .flatten()
                    .collect();
                (
                    "team.transfer".to_owned(),
                    TeamSlice {
                        members: before,
                        scopes: Vec::new(),
                    },
                    slice(&after, &[]),
                )
            }
            TeamChange::AddScope { scope } | TeamChange::RemoveScope { scope } => {
                let adding = matches!(change, TeamChange::AddScope { .. });
                let path = cx.scope(scope)?;
                let canonical = path.render(cx.p);
                let acting = cx.acting_roles(actor_member, None);
                let Some(by) = acting
                    .iter()
                    .copied()
                    .find(|&r| cx.p.team.manage.get(r).is_some_and(|m| m.scopes))
                else {
                    return deny(
                        DenialReason::CannotManageScopes,
                        format!("`{actor}` may not create or delete scopes"),
                    );
                };
                let position = team
                    .scopes
                    .iter()
                    .position(|s| ScopePath::parse(cx.p, s).ok() == Some(path.clone()));
                if adding {
                    if position.is_some() {
                        return deny(
                            DenialReason::ScopeExists,
                            format!("scope `{scope}` exists already"),
                        );
                    }
                    if path.segments.len() > 1 && !scope_exists_above(cx.p, team, &path) {
                        return deny(
                            DenialReason::BadScope,
                            format!("the scope above `{scope}` does not exist in the team"),
                        );
                    }
                    let level = path.level(cx.p);
                    if let Some(max) = cx.limit(tenant, Limited::Scopes(level))? {
                        let count = team
                            .scopes
                            .iter()
                            .filter(|s| {
                                ScopePath::parse(cx.p, s).is_ok_and(|p| p.level(cx.p) == level)
                            })
                            .count();
                        if count >= max as usize {
                            let name = cx.p.levels.get(level).map_or("", |l| &l.name);
                            return deny(
                                DenialReason::PlanLimitReached,
                                format!("the plan allows {max} `{name}` scopes"),
                            );
                        }
                    }
                    next.scopes.push(canonical.clone());
                    (
                        format!("team.manage.{}", cx.role_name(by)),
                        TeamSlice::default(),
                        slice(&[], &[canonical]),
                    )
                } else {
                    let Some(k) = position else {
                        return deny(
                            DenialReason::BadScope,
                            format!("scope `{scope}` does not exist in the team"),
                        );
                    };
                    // The scope, the scopes below it, and every membership in them go.
                    let gone =
                        |s: &str| ScopePath::parse(cx.p, s).is_ok_and(|p| path.is_prefix_of(&p));
                    let removed_scopes: Vec<String> =
                        team.scopes.iter().filter(|s| gone(s)).cloned().collect();
                    next.scopes.retain(|s| !gone(s));
                    let touched: Vec<usize> = team
                        .members
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| m.memberships.iter().any(|ms| gone(&ms.scope)))
                        .map(|(i, _)| i)
                        .collect();
                    let before: Vec<&Member> = touched
                        .iter()
                        .filter_map(|&i| team.members.get(i))
                        .collect();
                    for &i in &touched {
                        if let Some(m) = next.members.get_mut(i) {
                            m.memberships.retain(|ms| !gone(&ms.scope));
                        }
                    }
                    let after: Vec<&Member> = touched
                        .iter()
                        .filter_map(|&i| next.members.get(i))
                        .collect();
                    let _ = k;
                    (
                        format!("team.manage.{}", cx.role_name(by)),
                        slice(&before, &removed_scopes),
                        slice(&after, &[]),
                    )
                }
            }
        };
        let event = AuditEvent {
            at,
            actor: actor.to_owned(),
            change: change.kind(),
            target,
            before,
            after,
            rule,
        };
        Ok((next, event))
    }

    /// The hygiene checklist of the policy's `team.lint` section, at time `now`.
    pub fn lint(&self, team: &Team, now: u64) -> Vec<Finding> {
        lint::lint(&self.inner, team, now)
    }
}

/// Whether the scope directly above `path` exists in the team (or `path` is top-level).
fn scope_exists_above(p: &Compiled, team: &Team, path: &ScopePath) -> bool {
    if path.segments.len() <= 1 {
        return true;
    }
    let parent = ScopePath {
        segments: path
            .segments
            .iter()
            .take(path.segments.len() - 1)
            .cloned()
            .collect(),
    };
    team.scopes
        .iter()
        .any(|s| ScopePath::parse(p, s).ok() == Some(parent.clone()))
}

/// Rebuilds a team by replaying audit events over the state they started from: each
/// event's `after` replaces its `before`.
pub fn replay(initial: &Team, events: &[AuditEvent]) -> Team {
    let mut team = initial.clone();
    for event in events {
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
    team
}

impl ToJson for Member {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str("id", &self.id)
            .opt_str("email", self.email.as_deref())
            .str("status", self.status.as_str())
            .opt_str("role", self.role.as_deref());
        json::list(o.key("memberships"), &self.memberships, |out, m| {
            let mut mo = Object::new(out);
            mo.str("scope", &m.scope).str("role", &m.role);
            mo.end();
        });
        if let Some(t) = self.last_active {
            o.num("last_active", t);
        }
        o.end();
    }
}

impl ToJson for TeamSlice {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        json::list(o.key("members"), &self.members, |out, m| m.write_json(out));
        json::list(o.key("scopes"), &self.scopes, |out, s| json::string(out, s));
        o.end();
    }
}

impl ToJson for Team {
    fn write_json(&self, out: &mut String) {
        TeamSlice {
            members: self.members.clone(),
            scopes: self.scopes.clone(),
        }
        .write_json(out);
    }
}

impl ToJson for AuditEvent {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.num("at", self.at)
            .str("actor", &self.actor)
            .str("change", self.change)
            .str("target", &self.target);
        self.before.write_json(o.key("before"));
        self.after.write_json(o.key("after"));
        o.str("rule", &self.rule);
        o.end();
    }
}

impl ToJson for Denial {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str("reason", self.reason.as_str())
            .str("message", &self.message);
        o.end();
    }
}

impl Team {
    /// The team as JSON: `{ members: [...], scopes: [...] }`.
    pub fn to_json(&self) -> String {
        ToJson::to_json(self)
    }

    /// Reads a team from JSON.
    pub fn from_json(text: &str) -> Result<Team, crate::InputError> {
        read::team(text)
    }
}

impl AuditEvent {
    /// The event as JSON.
    pub fn to_json(&self) -> String {
        ToJson::to_json(self)
    }

    /// Reads an event from JSON (to replay a stored audit log).
    pub fn from_json(text: &str) -> Result<AuditEvent, crate::InputError> {
        read::event(text)
    }
}

/// Findings as a JSON list.
pub fn findings_to_json(findings: &[Finding]) -> String {
    ToJson::to_json(findings)
}

impl Denial {
    /// The denial as JSON: `{ reason, message }`.
    pub fn to_json(&self) -> String {
        ToJson::to_json(self)
    }
}

impl TeamChange {
    /// Reads a change from JSON: `{ "type": "change_role", "member": "u2", "role": "admin" }`.
    pub fn from_json(text: &str) -> Result<TeamChange, crate::InputError> {
        read::change(text)
    }
}
