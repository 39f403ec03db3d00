//! Decisions by value: [`Decision`], what a user reads, and [`Verdict`], the same decision
//! by ids, with the [`Effect`] and [`Reason`] they carry.

use crate::compile::{ActionId, RoleId, RuleId};
use crate::error::codes;
use serde::Serialize;
use serde::ser::SerializeStruct;
use std::fmt;
use std::sync::Arc;

/// What the UI does with a decision: show, disable with the hint, or hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Allowed: show and enable.
    Allow,
    /// Not allowed: hide.
    Deny,
    /// Allowed by role but gated by a feature or plan: show disabled, with the hint.
    Locked,
    /// Asked without a particular resource (no id, no attributes), and allowed for some
    /// resources of the kind only: those that meet a grant's condition. Show the entry (a
    /// list, a menu item); a check with the resource decides. Not allowed as such.
    Conditional,
}

impl Effect {
    /// `allow`, `deny`, `locked` or `conditional`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
            Effect::Locked => "locked",
            Effect::Conditional => "conditional",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

codes! {
    /// Why a decision came out as it did. The codes are stable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Reason {
        /// A role granted the action.
        Granted = "granted",
        /// No role of the principal applies at the resource's scope.
        NotMember = "not_member",
        /// Roles apply, but none grants the action.
        NoGrant = "no_grant",
        /// A deny rule matched.
        DeniedByRule = "denied_by_rule",
        /// Only conditional grants covered the action, and their conditions were false.
        ConditionFailed = "condition_failed",
        /// The action needs a feature the tenant has not enabled.
        FeatureDisabled = "feature_disabled",
        /// The action needs a plan the tenant is not on.
        PlanRequired = "plan_required",
        /// The action is not in the catalog.
        UnknownAction = "unknown_action",
        /// The resource's scope cannot be read, or is in another branch of the scope tree
        /// than the action's level.
        BadScope = "bad_scope",
        /// An attribute of the resource that the action's rules read does not have its
        /// declared type.
        BadAttribute = "bad_attribute",
        /// Asked without a particular resource, the action is allowed for the resources
        /// that meet a grant's condition (effect `conditional`): check with the resource.
        Conditional = "conditional",
    }
}

/// The answer to "may this principal do this action on this resource".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allow, deny or locked.
    pub effect: Effect,
    /// The stable reason code.
    pub reason: Reason,
    /// The role that decided (granted, or carried the deny rule).
    pub role: Option<Arc<str>>,
    /// The scope where that role is held.
    pub scope: Option<Arc<str>>,
    /// The rule that decided, when a named rule did.
    pub rule: Option<Arc<str>>,
    /// For locked decisions: the text to show.
    pub hint: Option<Arc<str>>,
    /// The attribute the request lacked that left the deciding rule's condition undecided
    /// (`resource.status`): the deny rule that applied, or the first conditional grant that
    /// did not, because of it.
    pub missing: Option<Arc<str>>,
}

impl Decision {
    /// Whether the action may be performed now.
    pub fn allowed(&self) -> bool {
        self.effect == Effect::Allow
    }
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Decision", 8)?;
        s.serialize_field("allowed", &self.allowed())?;
        s.serialize_field("effect", &self.effect)?;
        s.serialize_field("reason", &self.reason)?;
        for (name, value) in [
            ("role", &self.role),
            ("scope", &self.scope),
            ("rule", &self.rule),
            ("hint", &self.hint),
            ("missing", &self.missing),
        ] {
            match value {
                Some(v) => s.serialize_field(name, &**v)?,
                None => s.skip_field(name)?,
            }
        }
        s.end()
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.effect, self.reason)?;
        if let Some(role) = &self.role {
            write!(f, " role `{role}`")?;
        }
        if let Some(scope) = &self.scope {
            write!(f, " at `{scope}`")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, " rule `{rule}`")?;
        }
        if let Some(missing) = &self.missing {
            write!(f, " (missing `{missing}`)")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, ": {hint}")?;
        }
        Ok(())
    }
}

/// A decision by ids: what [`Session::verdict`](crate::Session::verdict) returns. `Copy`,
/// hashable, no allocation; [`Session::decision`](crate::Session::decision) gives the full
/// [`Decision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Verdict {
    /// Allow, deny or locked.
    pub effect: Effect,
    /// The reason code.
    pub reason: Reason,
    pub(super) action: ActionId,
    pub(super) role: Option<RoleId>,
    /// The index of the session's role assignment that made `role` apply.
    pub(super) assignment: Option<usize>,
    pub(super) rule: Option<RuleId>,
    /// Locked by a feature the principal may enable (allowed its `enable` action): the
    /// decision carries the feature's `enable_hint`.
    pub(super) may_enable: bool,
    /// The position, among the attribute reads of `rule`'s condition, of the one the
    /// request lacked that left the condition undecided.
    pub(super) missing: Option<u32>,
}

impl Verdict {
    /// A denial of `action` that no role or rule decided (`unknown_action`, `bad_scope`,
    /// `not_member`, `no_grant`).
    pub(crate) fn deny(reason: Reason, action: ActionId) -> Self {
        Verdict {
            effect: Effect::Deny,
            reason,
            action,
            role: None,
            assignment: None,
            rule: None,
            may_enable: false,
            missing: None,
        }
    }

    /// The denial of an action that is not in the catalog (asked by a name the catalog does
    /// not hold, or by an id past its end where no action id is kept).
    pub(crate) fn unknown_action() -> Self {
        Verdict::deny(Reason::UnknownAction, usize::MAX)
    }

    /// The denial of `action` by deny rule `rule`, attached to `role`, which applies through
    /// the session's role assignment `assignment`; `missing` as in the field of that name.
    pub(crate) fn denied_by_rule(
        action: ActionId,
        role: RoleId,
        assignment: usize,
        rule: RuleId,
        missing: Option<u32>,
    ) -> Self {
        Verdict {
            role: Some(role),
            assignment: Some(assignment),
            rule: Some(rule),
            missing,
            ..Verdict::deny(Reason::DeniedByRule, action)
        }
    }

    /// The denial of `action` when only conditional grants covered it; `rule` is the first
    /// of them, whose condition was false or undecided (`missing`).
    pub(crate) fn condition_failed(action: ActionId, rule: RuleId, missing: Option<u32>) -> Self {
        Verdict {
            rule: Some(rule),
            missing,
            ..Verdict::deny(Reason::ConditionFailed, action)
        }
    }

    /// The grant of `action` to `role` (by `rule` when a rule granted it), which applies
    /// through the session's role assignment `assignment`.
    pub(super) fn granted(
        action: ActionId,
        role: RoleId,
        assignment: usize,
        rule: Option<RuleId>,
    ) -> Self {
        Verdict {
            effect: Effect::Allow,
            reason: Reason::Granted,
            action,
            role: Some(role),
            assignment: Some(assignment),
            rule,
            may_enable: false,
            missing: None,
        }
    }

    /// Whether the action may be performed now.
    pub fn allowed(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// What the verdict's [`Decision`] is made of apart from the session, packed in one
    /// number for a hash: effect, reason, role, rule, the missing attribute, and the action
    /// only where it names the hint (a lock); not the assignment, whose scope text is the session's. The WebAssembly
    /// boundary shares one decision among all the sessions of a policy by this key and the
    /// decision's scope text, and compares the decisions themselves, so that a key may
    /// stand for more than one (ids take 16 bits each: a policy holds at most 10,000
    /// actions, 1,000 roles and 1,000 rules, so it seldom does).
    #[cfg_attr(not(feature = "wasm"), allow(dead_code))]
    pub(crate) fn decision_key(self) -> u64 {
        let id = |v: Option<usize>| v.map_or(0, |v| (v as u64 + 1) & 0xffff);
        let hinted = matches!(self.reason, Reason::FeatureDisabled | Reason::PlanRequired);
        self.reason as u64
            | (self.effect as u64) << 4
            | u64::from(self.may_enable) << 6
            | id(self.role) << 8
            | id(self.rule) << 24
            | id(hinted.then_some(self.action)) << 40
            | u64::from(self.missing.map_or(0, |m| m.wrapping_add(1) & 0xff)) << 56
    }
}
