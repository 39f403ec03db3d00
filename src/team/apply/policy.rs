//! The compiled policy as team changes read it: roles and scopes by name, the roles an
//! actor acts with, what each of them may assign and remove, plan limits, and the check
//! of the team given against the policy's invariants.

use super::super::{Denial, DenialReason, Member, Team, deny};
use crate::compile::{Compiled, Limited, Manage, RoleId};
use crate::decide::Tenant;
use crate::decide::scope::ScopePath;

/// The policy's team rules, with lookups by name.
pub(super) struct TeamPolicy<'a> {
    pub(super) p: &'a Compiled,
}

impl TeamPolicy<'_> {
    pub(super) fn role(&self, name: &str) -> Option<RoleId> {
        self.p.role_index.get(name).copied()
    }

    pub(super) fn role_name(&self, id: RoleId) -> &str {
        self.p.roles.get(id).map_or("", |r| &r.name)
    }

    /// An organization role by name.
    pub(super) fn org_role(&self, name: &str) -> Result<RoleId, Denial> {
        match self.role(name) {
            Some(id) if self.p.roles.get(id).is_some_and(|r| r.level == self.p.root) => Ok(id),
            Some(_) => deny(
                DenialReason::UnknownRole,
                format!("`{name}` is not an organization role"),
            ),
            None => deny(
                DenialReason::UnknownRole,
                format!(
                    "role `{name}` is not declared by the policy{}",
                    crate::suggest::did_you_mean(name, self.p.role_index.keys().map(|k| &**k))
                ),
            ),
        }
    }

    /// A scope below the organization.
    pub(super) fn scope(&self, text: &str) -> Result<ScopePath, Denial> {
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
    pub(super) fn scope_role(&self, name: &str, scope: &ScopePath) -> Result<RoleId, Denial> {
        let Some(id) = self.role(name) else {
            return deny(
                DenialReason::UnknownRole,
                format!(
                    "role `{name}` is not declared by the policy{}",
                    crate::suggest::did_you_mean(name, self.p.role_index.keys().map(|k| &**k))
                ),
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

    /// Whether `text` names the scope `path`.
    pub(super) fn names_scope(&self, text: &str, path: &ScopePath) -> bool {
        ScopePath::parse(self.p, text).ok().as_ref() == Some(path)
    }

    /// A role held in a scope: the scope, and the role, declared at the scope's level.
    pub(super) fn scoped_role(
        &self,
        scope: &str,
        role: &str,
    ) -> Result<(ScopePath, RoleId), Denial> {
        let path = self.scope(scope)?;
        let id = self.scope_role(role, &path)?;
        Ok((path, id))
    }

    /// The roles whose manage rules apply to `actor` (at `scope`, for memberships), in
    /// order: the organization role and what it includes, then roles held at the scope
    /// or above it by cascade.
    pub(super) fn acting_roles(&self, actor: &Member, scope: Option<&ScopePath>) -> Vec<RoleId> {
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

    /// The first of `roles` whose manage rules allow what `can` asks.
    fn first_managing(&self, roles: &[RoleId], can: impl Fn(&Manage) -> bool) -> Option<RoleId> {
        roles
            .iter()
            .copied()
            .find(|&r| self.p.team.manage.get(r).is_some_and(&can))
    }

    /// The first of `roles` that may give `role`.
    pub(super) fn may_assign(&self, roles: &[RoleId], role: RoleId) -> Option<RoleId> {
        self.first_managing(roles, |m| m.assign.contains(role))
    }

    /// The first of `roles` that may remove or change holders of `role`.
    pub(super) fn may_remove(&self, roles: &[RoleId], role: RoleId) -> Option<RoleId> {
        self.first_managing(roles, |m| m.remove.contains(role))
    }

    /// The first of `roles` that may remove holders of some role.
    pub(super) fn may_remove_any(&self, roles: &[RoleId]) -> Option<RoleId> {
        self.first_managing(roles, |m| !m.remove.is_empty())
    }

    /// The first of `roles` that may create and delete scopes.
    pub(super) fn may_manage_scopes(&self, roles: &[RoleId]) -> Option<RoleId> {
        self.first_managing(roles, |m| m.scopes)
    }

    /// How many members other than `except` hold `role`: as their organization role, or,
    /// with `scope`, in that scope.
    pub(super) fn holders(
        &self,
        team: &Team,
        role: RoleId,
        scope: Option<&ScopePath>,
        except: Option<&str>,
    ) -> usize {
        let name = self.role_name(role);
        team.members
            .iter()
            .filter(|m| Some(m.id.as_str()) != except)
            .filter(|m| match scope {
                None => m.role.as_deref() == Some(name),
                Some(scope) => m
                    .memberships
                    .iter()
                    .any(|ms| ms.role == name && self.names_scope(&ms.scope, scope)),
            })
            .count()
    }

    pub(super) fn is_unique(&self, role: RoleId) -> bool {
        self.p.team.unique.contains(role)
    }

    pub(super) fn is_protected(&self, name: &str) -> bool {
        self.role(name)
            .is_some_and(|id| self.p.team.protected.contains(id))
    }

    /// Checks the team given against the policy before any change: known roles of the
    /// right levels, each member listed once, exactly one holder of each unique
    /// organization role and at most one of each unique role per scope.
    pub(super) fn check_team(&self, team: &Team) -> Result<(), Denial> {
        let invalid = |id: &str, d: Denial| Denial {
            reason: DenialReason::InvalidTeam,
            message: crate::error::escape_controls(format!("member `{id}`: {}", d.message)),
        };
        let mut ids: Vec<&str> = team.members.iter().map(|m| m.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w.first() == w.last()) {
            let id = w.first().copied().unwrap_or_default();
            return deny(
                DenialReason::InvalidTeam,
                format!("member `{id}` is listed twice"),
            );
        }
        // Holders of unique roles in scopes, as (scope, role).
        let mut held: Vec<(String, RoleId)> = Vec::new();
        for m in &team.members {
            if let Some(role) = &m.role {
                self.org_role(role).map_err(|d| invalid(&m.id, d))?;
            }
            for ms in &m.memberships {
                let scope = self.scope(&ms.scope).map_err(|d| invalid(&m.id, d))?;
                let id = self
                    .scope_role(&ms.role, &scope)
                    .map_err(|d| invalid(&m.id, d))?;
                if self.is_unique(id) {
                    held.push((scope.render(self.p), id));
                }
            }
        }
        held.sort_unstable();
        if let Some(w) = held.windows(2).find(|w| w.first() == w.last()) {
            let (scope, id) = w.first().cloned().unwrap_or_default();
            return deny(
                DenialReason::InvalidTeam,
                format!(
                    "role `{}` is unique, but several members hold it in `{scope}`",
                    self.role_name(id)
                ),
            );
        }
        for id in self.p.team.unique.iter() {
            let org = self.p.roles.get(id).is_some_and(|r| r.level == self.p.root);
            let count = self.holders(team, id, None, None);
            if org && count != 1 {
                return deny(
                    DenialReason::InvalidTeam,
                    format!(
                        "role `{}` is unique: exactly one member holds it, not {count}",
                        self.role_name(id)
                    ),
                );
            }
        }
        Ok(())
    }

    /// The limit of `what` in the tenant's plan, if it has one.
    pub(super) fn limit(&self, tenant: &Tenant, what: Limited) -> Result<Option<u32>, Denial> {
        let Some(plan) = &tenant.plan else {
            return Ok(None);
        };
        let Some(&id) = self.p.plan_index.get(plan.as_str()) else {
            return deny(
                DenialReason::UnknownPlan,
                format!(
                    "plan `{plan}` is not declared by the policy{}",
                    crate::suggest::did_you_mean(plan, self.p.plan_index.keys().map(|k| &**k))
                ),
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
