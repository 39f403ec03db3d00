//! Query plans: which resources of a type a principal may act on, as a condition that a
//! database can run ([`Session::plan`](crate::Session::plan), docs/PLANS.md).
//!
//! A [`QueryPlan`] is the compiled policy partially evaluated for one session and an
//! unknown resource: the principal and the tenant are known, the resource's type is given,
//! its id, attributes and scope are not. What is left is exactly one of: every resource is
//! allowed, none is (with the reason), or a [`Residual`] condition over the resource's
//! attributes and scope. The residual decides a resource exactly as
//! [`Session::check`](crate::Session::check) does ([`QueryPlan::allows`]), and translators
//! turn it into a database's filter ([`QueryPlan::to_sql`]).

mod sql;

pub use sql::{Columns, Dialect, SqlWhere, TranslateError, TranslateErrorCode};

use crate::decide::{Effect, Reason, Resource};
use crate::value::Value;
use serde::Serialize;
use serde::ser::SerializeStruct;
use std::sync::Arc;

/// A condition over an unknown resource: what is left of the policy's rules once the
/// principal and tenant are known. Attributes are the resource's (`id` and the declared
/// `resource` attributes); each leaf is false when an attribute it reads is missing
/// (absent, or `null`), and the plan's condition combines them so that a resource lacking
/// an attribute a rule reads is decided as in decisions: that allow rule does not apply,
/// that deny rule does. Serialized as JSON with an `op` field (docs/PLANS.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Residual {
    /// Every one of `args` holds (at least two).
    And {
        /// The terms.
        args: Vec<Residual>,
    },
    /// At least one of `args` holds (at least two).
    Or {
        /// The terms.
        args: Vec<Residual>,
    },
    /// `arg` does not hold.
    Not {
        /// The negated condition.
        arg: Box<Residual>,
    },
    /// The attribute is present (neither absent nor `null`).
    Present {
        /// The resource attribute.
        attr: String,
    },
    /// The attribute is present and equal to `value`.
    Eq {
        /// The resource attribute.
        attr: String,
        /// A value that is not `null`.
        value: Value,
    },
    /// The attribute is present and one of `values` (never empty).
    In {
        /// The resource attribute.
        attr: String,
        /// The values.
        values: Vec<Value>,
    },
    /// The list attribute is present and holds `value`.
    Contains {
        /// The resource attribute (a list).
        attr: String,
        /// A value that is not `null`.
        value: Value,
    },
    /// Both attributes are present and equal.
    EqAttr {
        /// One resource attribute.
        attr: String,
        /// The other.
        other: String,
    },
    /// `attr` is present and the list attribute `list` holds it.
    InAttr {
        /// The resource attribute.
        attr: String,
        /// The resource attribute (a list).
        list: String,
    },
    /// The resource's scope is `scope` or below it.
    ScopeIn {
        /// A scope instance in canonical form (`workspace:w1`).
        scope: String,
    },
    /// The resource's scope is `scope` itself.
    ScopeIs {
        /// A scope instance in canonical form (the root as the root level's name).
        scope: String,
    },
    /// The resource's scope is at one of `levels`.
    ScopeLevel {
        /// Scope level names.
        levels: Vec<String>,
    },
}

/// What a plan says of the resources of its type at its scope.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every resource is allowed.
    AllowAll,
    /// No resource is allowed: the effect (`deny` or `locked`), the reason and the hint
    /// that a list page shows.
    DenyAll {
        /// `deny` (hide) or `locked` (show disabled with the hint).
        effect: Effect,
        /// The stable reason.
        reason: Reason,
        /// For locked plans: the text to show.
        hint: Option<Arc<str>>,
    },
    /// The resources for which the residual condition holds.
    Conditional(Residual),
}

/// Which resources of one type, at or below one scope, a session may perform one action on
/// (see [`Session::plan`](crate::Session::plan)).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPlan {
    /// The action.
    pub action: String,
    /// The resource type.
    pub kind: String,
    /// The scope the plan covers (it and every scope below it), in canonical form.
    pub scope: String,
    /// The answer.
    pub outcome: Outcome,
    /// The root level's name: a scope written as it (or empty) is the root.
    pub(crate) root: String,
}

impl Serialize for QueryPlan {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("QueryPlan", 7)?;
        s.serialize_field("action", &self.action)?;
        s.serialize_field("type", &self.kind)?;
        s.serialize_field("scope", &self.scope)?;
        match &self.outcome {
            Outcome::AllowAll => s.serialize_field("outcome", "allow_all")?,
            Outcome::DenyAll {
                effect,
                reason,
                hint,
            } => {
                s.serialize_field("outcome", "deny_all")?;
                s.serialize_field("effect", effect)?;
                s.serialize_field("reason", reason)?;
                match hint {
                    Some(h) => s.serialize_field("hint", &**h)?,
                    None => s.skip_field("hint")?,
                }
            }
            Outcome::Conditional(condition) => {
                s.serialize_field("outcome", "conditional")?;
                s.serialize_field("condition", condition)?;
            }
        }
        s.end()
    }
}

impl QueryPlan {
    /// Whether the plan allows `resource`: a resource of the plan's type at or below its
    /// scope for which the outcome (the residual condition) holds. For such a resource,
    /// whose attributes have their declared types, this is what
    /// [`Session::can`](crate::Session::can) answers; any other resource is outside the
    /// plan, and not allowed by it.
    pub fn allows(&self, resource: &Resource) -> bool {
        if resource.kind.as_deref() != Some(self.kind.as_str())
            || !scope_within(&self.root, &resource.scope, &self.scope)
        {
            return false;
        }
        match &self.outcome {
            Outcome::AllowAll => true,
            Outcome::DenyAll { .. } => false,
            Outcome::Conditional(c) => c.holds(&self.root, resource),
        }
    }
}

/// A scope text in canonical form: the root as the root level's name.
fn canonical<'a>(root: &'a str, scope: &'a str) -> &'a str {
    if scope.is_empty() { root } else { scope }
}

/// Whether `scope` is `ancestor` or below it, on their texts (ids hold no `/`).
fn scope_within(root: &str, scope: &str, ancestor: &str) -> bool {
    let (scope, ancestor) = (canonical(root, scope), canonical(root, ancestor));
    ancestor == root
        || scope == ancestor
        || scope
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The level name of a scope text: the last segment's, the root's for the root.
fn scope_level<'a>(root: &'a str, scope: &'a str) -> &'a str {
    let scope = canonical(root, scope);
    if scope == root {
        return root;
    }
    let last = scope.rsplit('/').next().unwrap_or(scope);
    last.split_once(':').map_or(last, |(level, _)| level)
}

impl Residual {
    /// Whether the condition holds for `resource` (`root` names the root level).
    pub(crate) fn holds(&self, root: &str, resource: &Resource) -> bool {
        let attr = |name: &str| -> Option<Value> {
            let value = if name == "id" {
                resource.id.clone().map(Value::String)
            } else {
                resource.attrs.get(name).cloned()
            };
            value.filter(|v| *v != Value::Null)
        };
        match self {
            Residual::And { args } => args.iter().all(|a| a.holds(root, resource)),
            Residual::Or { args } => args.iter().any(|a| a.holds(root, resource)),
            Residual::Not { arg } => !arg.holds(root, resource),
            Residual::Present { attr: a } => attr(a).is_some(),
            Residual::Eq { attr: a, value } => attr(a).is_some_and(|v| v == *value),
            Residual::In { attr: a, values } => attr(a).is_some_and(|v| values.contains(&v)),
            Residual::Contains { attr: a, value } => {
                matches!(attr(a), Some(Value::List(items)) if items.contains(value))
            }
            Residual::EqAttr { attr: a, other } => match (attr(a), attr(other)) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
            Residual::InAttr { attr: a, list } => match (attr(a), attr(list)) {
                (Some(x), Some(Value::List(items))) => items.contains(&x),
                _ => false,
            },
            Residual::ScopeIn { scope } => scope_within(root, &resource.scope, scope),
            Residual::ScopeIs { scope } => {
                canonical(root, &resource.scope) == canonical(root, scope)
            }
            Residual::ScopeLevel { levels } => {
                let level = scope_level(root, &resource.scope);
                levels.iter().any(|l| l == level)
            }
        }
    }
}

/// A condition being built: a constant, or a residual. The constructors fold constants
/// and flatten nested `and`s and `or`s, so that a residual never holds `true` or `false`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    Const(bool),
    Cond(Residual),
}

impl Part {
    pub(crate) const TRUE: Part = Part::Const(true);
    pub(crate) const FALSE: Part = Part::Const(false);

    /// Every part holds.
    pub(crate) fn all(parts: impl IntoIterator<Item = Part>) -> Part {
        Part::join(parts, true)
    }

    /// Some part holds.
    pub(crate) fn any(parts: impl IntoIterator<Item = Part>) -> Part {
        Part::join(parts, false)
    }

    /// `and` (`conjunction`) or `or`.
    fn join(parts: impl IntoIterator<Item = Part>, conjunction: bool) -> Part {
        let mut args = Vec::new();
        for part in parts {
            match part {
                // `false` decides `and`, `true` decides `or`; the other is neutral.
                Part::Const(b) if b != conjunction => return Part::Const(b),
                Part::Const(_) => {}
                Part::Cond(Residual::And { args: inner }) if conjunction => args.extend(inner),
                Part::Cond(Residual::Or { args: inner }) if !conjunction => args.extend(inner),
                Part::Cond(c) => {
                    // Repeated terms (two roles held at one scope) are dropped while the
                    // list is short; a long one keeps them, so that the work stays linear.
                    if args.len() > 64 || !args.contains(&c) {
                        args.push(c);
                    }
                }
            }
        }
        if args.len() <= 64 {
            if let Some(decided) = simplify(&mut args, conjunction) {
                return Part::Const(decided);
            }
        }
        if args.len() <= 1 {
            return args.pop().map_or(Part::Const(conjunction), Part::Cond);
        }
        Part::Cond(if conjunction {
            Residual::And { args }
        } else {
            Residual::Or { args }
        })
    }

    /// The negation.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn not(self) -> Part {
        match self {
            Part::Const(b) => Part::Const(!b),
            Part::Cond(Residual::Not { arg }) => Part::Cond(*arg),
            Part::Cond(c) => Part::Cond(Residual::Not { arg: Box::new(c) }),
        }
    }

    /// Whether the part is the constant `b`.
    pub(crate) fn is(&self, b: bool) -> bool {
        *self == Part::Const(b)
    }
}

/// Whether `leaf` holds only where attribute `attr` is present.
fn needs(leaf: &Residual, attr: &str) -> bool {
    match leaf {
        Residual::Eq { attr: a, .. }
        | Residual::In { attr: a, .. }
        | Residual::Contains { attr: a, .. } => a == attr,
        Residual::EqAttr { attr: a, other: b } | Residual::InAttr { attr: a, list: b } => {
            a == attr || b == attr
        }
        _ => false,
    }
}

/// Drops the terms of a short `and` (`conjunction`) or `or` that the others make
/// redundant, as the presence tests of undecided comparisons leave them: in an `or`,
/// `x and r` beside `not x` is `r` (absorption), and `not present(a)` beside `not eq(a, v)`
/// adds nothing (where `a` is absent, `eq` is false); in an `and`, the duals. `Some(b)`
/// when the list turns out to be the constant `b` (`x or not x`).
fn simplify(args: &mut Vec<Residual>, conjunction: bool) -> Option<bool> {
    // Where the other terms of an `or` are false (of an `and`, true), each one's negation
    // holds: inside a nested `and` (`or`), a term equal to it is redundant.
    let beside: Vec<Residual> = args
        .iter()
        .map(|a| match a {
            Residual::Not { arg } => (**arg).clone(),
            x => Residual::Not {
                arg: Box::new(x.clone()),
            },
        })
        .collect();
    {
        for arg in args.iter_mut() {
            let inner = match (conjunction, &mut *arg) {
                (false, Residual::And { args: inner }) | (true, Residual::Or { args: inner }) => {
                    inner
                }
                _ => continue,
            };
            inner.retain(|t| !beside.contains(t));
            match inner.len() {
                // `not x or x`, `x and not x`.
                0 => return Some(!conjunction),
                1 => {
                    if let Some(only) = inner.pop() {
                        *arg = only;
                    }
                }
                _ => {}
            }
        }
    }
    // Presence tests implied by another term.
    let implied = |t: &Residual, all: &[Residual]| -> bool {
        match (conjunction, t) {
            (true, Residual::Present { attr }) => all.iter().any(|o| needs(o, attr)),
            (false, Residual::Not { arg }) => match &**arg {
                Residual::Present { attr } => all
                    .iter()
                    .any(|o| matches!(o, Residual::Not { arg: leaf } if needs(leaf, attr))),
                _ => false,
            },
            _ => false,
        }
    };
    let keep: Vec<bool> = args.iter().map(|t| !implied(t, args)).collect();
    let mut i = 0;
    args.retain(|_| {
        i += 1;
        keep.get(i - 1).copied().unwrap_or(true)
    });
    None
}
