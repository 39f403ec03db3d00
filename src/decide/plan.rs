//! [`Session::plan`]: the steps of a decision (docs/POLICY.md) partially evaluated for an
//! unknown resource of a given type, at or below a given scope (docs/PLANS.md).
//!
//! A resource is allowed when its scope is in the action's branch of the scope tree, no
//! deny rule of an applicable role holds, an applicable role grants the action, and the
//! action's gates are met. Which roles apply depends on the resource's scope only, so each
//! role assignment becomes a condition on the scope (`scope_in`, `scope_is`), and each
//! rule's condition is evaluated with the principal, the tenant and the resource's type
//! known, leaving a condition on the resource's attributes. The order of deny rules and
//! roles decides a denial's reason, never whether a resource is allowed, so the plan's
//! condition is a plain `and`/`or` of these parts.

use super::scope::ScopePath;
use super::{Effect, Reason, Session, Verdict};
use crate::compile::{ActionId, Compiled, LevelId, RoleId};
use crate::document::condition::{Entity, Expr};
use crate::error::{DocPath, InputError, InputErrorCode};
use crate::query::{Outcome, Part, QueryPlan, Residual};
use crate::value::{Value, ValueRef};

/// One side of a comparison, partially evaluated.
enum Side<'a> {
    /// A value known now (`null` for a missing attribute).
    Known(ValueRef<'a>),
    /// A resource attribute, unknown until the resource is read.
    Unknown(&'a str),
    /// A sub-condition (`(a == b) == true`).
    Compound(&'a Expr),
}

impl Session {
    /// Which resources of type `kind`, at `scope` or below it (the tenant when `None`),
    /// the principal may perform `action` on: all of them, none (with the reason, as a
    /// list page shows it), or those for which a residual condition on the resource's
    /// attributes and scope holds. The plan allows exactly the resources that
    /// [`Session::can`] allows, given that their attributes have their declared types
    /// (docs/PLANS.md).
    ///
    /// An action the catalog does not declare gives a plan that denies every resource
    /// (`unknown_action`), as [`Session::check`] denies it; a scope that cannot be read is
    /// an error (`bad_scope`, at `scope`).
    ///
    /// ```
    /// use rolegate::query::{Columns, Dialect};
    /// use rolegate::{Policy, Principal, Tenant};
    ///
    /// let policy = Policy::from_toml(rolegate::presets::preset("calilio").unwrap())?;
    /// let member = Principal::new("u2").with_role("member", "org");
    /// let session = policy.session(&member, &Tenant::new("acme"))?;
    /// let plan = session.plan("number.view", "number", None)?;
    /// let columns = Columns::from_json(r#"{ "attributes": { "assignee": "assignee_id" } }"#)?;
    /// let fragment = plan.to_sql(&columns, Dialect::Postgres)?;
    /// assert_eq!(fragment.sql, "(assignee_id IS NOT NULL AND assignee_id = $1)");
    /// assert_eq!(fragment.params, ["u2".into()]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plan(
        &self,
        action: &str,
        kind: &str,
        scope: Option<&str>,
    ) -> Result<QueryPlan, InputError> {
        let p = &*self.policy.inner;
        let at = ScopePath::parse(p, scope.unwrap_or("")).map_err(|m| {
            InputError::new(InputErrorCode::BadScope, DocPath::root().key("scope"), m)
        })?;
        let outcome = match p.action_index.get(action) {
            Some(&id) => self.plan_outcome(id, kind, &at),
            None => deny_all(Reason::UnknownAction),
        };
        Ok(QueryPlan {
            action: action.to_owned(),
            kind: kind.to_owned(),
            scope: at.render(p),
            outcome,
            root: p.levels.get(p.root).map_or("", |l| &l.name).to_owned(),
        })
    }

    fn plan_outcome(&self, action: ActionId, kind: &str, at: &ScopePath) -> Outcome {
        let p = &*self.policy.inner;
        let Some(act) = p.actions.get(action) else {
            return deny_all(Reason::UnknownAction);
        };
        // Step 1: a resource in another branch of the scope tree than the action's level
        // is `bad_scope`.
        let Some(in_branch) = branch(p, at.level(p), act.level) else {
            return deny_all(Reason::BadScope);
        };
        let applies = self.where_assignments_apply(act.level, at);
        let denied = self.denied_where(action, kind, &applies);
        let (granted, conditional_grant) = self.granted_where(action, kind, &applies);
        let allowed = Part::all([in_branch, denied.not(), granted.clone()]);
        if allowed.is(false) {
            // No resource is allowed: the reason of the resource nearest to it.
            return deny_all(if !granted.is(false) {
                Reason::DeniedByRule
            } else if conditional_grant {
                Reason::ConditionFailed
            } else if applies.iter().any(|a| !a.is(false)) {
                Reason::NoGrant
            } else {
                Reason::NotMember
            });
        }
        // Step 5: gates, the same for every resource.
        let gated = self.gated(act, Verdict::granted(action, 0, 0, None));
        if gated.effect == Effect::Locked {
            let decision = self.decision(gated);
            return Outcome::DenyAll {
                effect: decision.effect,
                reason: decision.reason,
                hint: decision.hint,
            };
        }
        match allowed {
            Part::Cond(c) => Outcome::Conditional(c),
            Part::Const(_) => Outcome::AllowAll,
        }
    }

    /// Step 2: for each role assignment, the resources (by scope, within `at`) where it
    /// applies to an action of `level`.
    fn where_assignments_apply(&self, level: LevelId, at: &ScopePath) -> Vec<Part> {
        let p = &*self.policy.inner;
        self.assignments
            .iter()
            .map(|a| {
                let held = a.path.level(p);
                let cascade = p.roles.get(a.role).is_some_and(|r| r.cascade);
                if cascade && p.level_is_within(level, held) {
                    // Held here or above, by cascade: every scope below the assignment.
                    scope_in(p, &a.path, at)
                } else if cascade {
                    Part::FALSE
                } else if held == level {
                    // Decided at the action's level: the resource's scope cut to it.
                    scope_in(p, &a.path, at)
                } else if p.level_is_within(level, held) {
                    // Held above the action's level without cascade: only a resource at
                    // the assignment's scope itself is decided there.
                    scope_is(p, &a.path, at)
                } else {
                    Part::FALSE
                }
            })
            .collect()
    }

    /// The roles (expanded) of the session's role assignment `i`.
    fn roles_of(&self, i: usize) -> &[RoleId] {
        let p = &*self.policy.inner;
        self.assignments
            .get(i)
            .and_then(|a| p.roles.get(a.role))
            .map_or(&[][..], |r| &r.expansion)
    }

    /// Step 3: the resources a deny rule of an applicable role covers: where its role
    /// applies and its condition is not false (an undecided one applies).
    fn denied_where(&self, action: ActionId, kind: &str, applies: &[Part]) -> Part {
        let p = &*self.policy.inner;
        let mut denies = Vec::new();
        if p.deny_any.contains(action) {
            for rule in p.deny_rules.iter().filter_map(|&r| p.rules.get(r)) {
                if !rule.actions.contains(action) {
                    continue;
                }
                let held = applies
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| self.roles_of(*i).iter().any(|&r| rule.roles.contains(r)));
                let who = Part::any(held.map(|(_, part)| part.clone()));
                let when = rule
                    .condition
                    .as_ref()
                    .map_or(Part::TRUE, |c| self.split(c, kind).no.not());
                denies.push(Part::all([who, when]));
            }
        }
        Part::any(denies)
    }

    /// Step 4: the resources an applicable role grants the action on (its own `allow`
    /// list, or an allow rule whose condition is true), and whether a conditional grant
    /// applies anywhere.
    fn granted_where(&self, action: ActionId, kind: &str, applies: &[Part]) -> (Part, bool) {
        let p = &*self.policy.inner;
        let mut grants = Vec::new();
        let mut conditional_grant = false;
        for (i, part) in applies.iter().enumerate() {
            let mut how = Vec::new();
            for role in self.roles_of(i).iter().filter_map(|&r| p.roles.get(r)) {
                if role.allow.contains(action) {
                    how.push(Part::TRUE);
                    break;
                }
                for rule in role.allow_rules.iter().filter_map(|&r| p.rules.get(r)) {
                    if rule.actions.contains(action) {
                        conditional_grant |= !part.is(false);
                        how.push(
                            rule.condition
                                .as_ref()
                                .map_or(Part::TRUE, |c| self.split(c, kind).yes),
                        );
                    }
                }
            }
            grants.push(Part::all([part.clone(), Part::any(how)]));
        }
        (Part::any(grants), conditional_grant)
    }

    /// A rule's condition with the principal, the tenant and the resource's type known:
    /// when it is true of the resource, and when it is false. Where neither holds, the
    /// resource lacks an attribute the condition reads and it is undecided (an allow rule
    /// does not apply, a deny rule does).
    fn split(&self, expr: &Expr, kind: &str) -> Split {
        match expr {
            Expr::Literal(Value::Bool(b), _) => Split::known(*b),
            Expr::Literal(..) => Split::known(false),
            Expr::Attr(..) => match self.side(expr, kind) {
                Side::Unknown(name) => Split {
                    yes: eq(name, ValueRef::Bool(true)),
                    no: eq(name, ValueRef::Bool(false)),
                },
                Side::Known(ValueRef::Null) => Split::MISSING,
                Side::Known(v) => Split::known(v == ValueRef::Bool(true)),
                Side::Compound(_) => Split::known(false),
            },
            Expr::Has(a, _) => match (a.entity, a.name.as_str()) {
                (Entity::Resource, "type") => Split::known(true),
                (Entity::Resource, name) => {
                    let present = Part::Cond(Residual::Present {
                        attr: name.to_owned(),
                    });
                    Split {
                        no: present.clone().not(),
                        yes: present,
                    }
                }
                _ => Split::known(self.known_value(a) != ValueRef::Null),
            },
            Expr::Eq(l, r) => self.split_eq(l, r, kind),
            Expr::Ne(l, r) => self.split_eq(l, r, kind).not(),
            Expr::In(l, r) => match (self.side(l, kind), self.side(r, kind)) {
                (Side::Known(ValueRef::Null), _) | (_, Side::Known(ValueRef::Null)) => {
                    Split::MISSING
                }
                (Side::Known(needle), Side::Known(ValueRef::List(items))) => {
                    Split::known(items.iter().any(|i| i.as_ref() == needle))
                }
                (Side::Unknown(name), Side::Known(ValueRef::List(items))) => Split::of(
                    if items.is_empty() {
                        Part::FALSE
                    } else {
                        Part::Cond(Residual::In {
                            attr: name.to_owned(),
                            values: items.to_vec(),
                        })
                    },
                    &[name],
                ),
                (Side::Known(needle), Side::Unknown(list)) => Split::of(
                    Part::Cond(Residual::Contains {
                        attr: list.to_owned(),
                        value: owned(needle),
                    }),
                    &[list],
                ),
                (Side::Unknown(name), Side::Unknown(list)) => Split::of(
                    Part::Cond(Residual::InAttr {
                        attr: name.to_owned(),
                        list: list.to_owned(),
                    }),
                    &[name, list],
                ),
                // A sub-condition has no value to look for, and a list is needed.
                _ => Split::known(false),
            },
            Expr::And(terms) | Expr::Or(terms) => {
                let parts: Vec<Split> = terms.iter().map(|t| self.split(t, kind)).collect();
                let yes = parts.iter().map(|s| s.yes.clone());
                let no = parts.iter().map(|s| s.no.clone());
                if matches!(expr, Expr::And(_)) {
                    Split {
                        yes: Part::all(yes),
                        no: Part::any(no),
                    }
                } else {
                    Split {
                        yes: Part::any(yes),
                        no: Part::all(no),
                    }
                }
            }
            Expr::Not(inner) => self.split(inner, kind).not(),
        }
    }

    /// `l == r`, as `condition::eval` compares: undecided when a side is missing; values
    /// by value; a sub-condition by its truth.
    fn split_eq(&self, l: &Expr, r: &Expr, kind: &str) -> Split {
        match (self.side(l, kind), self.side(r, kind)) {
            (Side::Known(ValueRef::Null), _) | (_, Side::Known(ValueRef::Null)) => Split::MISSING,
            (Side::Known(a), Side::Known(b)) => Split::known(a == b),
            (Side::Unknown(name), Side::Known(v)) | (Side::Known(v), Side::Unknown(name)) => {
                Split::of(eq(name, v), &[name])
            }
            (Side::Unknown(a), Side::Unknown(b)) => Split::of(
                Part::Cond(Residual::EqAttr {
                    attr: a.to_owned(),
                    other: b.to_owned(),
                }),
                &[a, b],
            ),
            (Side::Known(v), Side::Compound(c)) | (Side::Compound(c), Side::Known(v)) => match v {
                ValueRef::Bool(true) => self.split(c, kind),
                ValueRef::Bool(false) => self.split(c, kind).not(),
                _ => Split::known(false),
            },
            (Side::Unknown(name), Side::Compound(c)) | (Side::Compound(c), Side::Unknown(name)) => {
                let inner = self.split(c, kind);
                let (t, f) = (
                    eq(name, ValueRef::Bool(true)),
                    eq(name, ValueRef::Bool(false)),
                );
                Split {
                    yes: Part::any([
                        Part::all([t.clone(), inner.yes.clone()]),
                        Part::all([f.clone(), inner.no.clone()]),
                    ]),
                    no: Part::any([Part::all([t, inner.no]), Part::all([f, inner.yes])]),
                }
            }
            (Side::Compound(a), Side::Compound(b)) => {
                let (a, b) = (self.split(a, kind), self.split(b, kind));
                Split {
                    yes: Part::any([
                        Part::all([a.yes.clone(), b.yes.clone()]),
                        Part::all([a.no.clone(), b.no.clone()]),
                    ]),
                    no: Part::any([Part::all([a.yes, b.no]), Part::all([a.no, b.yes])]),
                }
            }
        }
    }

    fn side<'a>(&'a self, expr: &'a Expr, kind: &'a str) -> Side<'a> {
        match expr {
            Expr::Literal(v, _) => Side::Known(v.as_ref()),
            Expr::Attr(a, _) => match (a.entity, a.name.as_str()) {
                (Entity::Resource, "type") => Side::Known(ValueRef::Str(kind)),
                (Entity::Resource, name) => Side::Unknown(name),
                _ => Side::Known(self.known_value(a)),
            },
            _ => Side::Compound(expr),
        }
    }
}

fn deny_all(reason: Reason) -> Outcome {
    Outcome::DenyAll {
        effect: Effect::Deny,
        reason,
        hint: None,
    }
}

fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Bool(b) => Value::Bool(b),
        ValueRef::Number(n) => Value::Number(n),
        ValueRef::Str(s) => Value::String(s.to_owned()),
        ValueRef::List(items) => Value::List(items.to_vec()),
    }
}

/// A condition over the resource, partially evaluated: where it is true (`yes`) and where
/// it is false (`no`); where neither, it is undecided.
struct Split {
    yes: Part,
    no: Part,
}

impl Split {
    /// Undecided for every resource: a principal or tenant attribute is missing.
    const MISSING: Split = Split {
        yes: Part::FALSE,
        no: Part::FALSE,
    };

    fn known(b: bool) -> Split {
        Split {
            yes: Part::Const(b),
            no: Part::Const(!b),
        }
    }

    /// A comparison that is true where `yes` holds, and false where every attribute of
    /// `reads` is present and `yes` does not hold.
    fn of(yes: Part, reads: &[&str]) -> Split {
        let present = reads.iter().map(|a| {
            Part::Cond(Residual::Present {
                attr: (*a).to_owned(),
            })
        });
        Split {
            no: Part::all(present.chain([yes.clone().not()])),
            yes,
        }
    }

    fn not(self) -> Split {
        Split {
            yes: self.no,
            no: self.yes,
        }
    }
}

/// The attribute is present and equal to `v` (not `null`).
fn eq(name: &str, v: ValueRef<'_>) -> Part {
    Part::Cond(Residual::Eq {
        attr: name.to_owned(),
        value: owned(v),
    })
}

/// Within the plan's scope `at`: the resource's scope is `path` or below it.
fn scope_in(p: &Compiled, path: &ScopePath, at: &ScopePath) -> Part {
    if path.is_prefix_of(at) {
        Part::TRUE
    } else if at.is_prefix_of(path) {
        Part::Cond(Residual::ScopeIn {
            scope: path.render(p),
        })
    } else {
        Part::FALSE
    }
}

/// Within the plan's scope `at`: the resource's scope is `path` itself.
fn scope_is(p: &Compiled, path: &ScopePath, at: &ScopePath) -> Part {
    if at.is_prefix_of(path) {
        Part::Cond(Residual::ScopeIs {
            scope: path.render(p),
        })
    } else {
        Part::FALSE
    }
}

/// Of the scopes at or below level `at`, those in the branch of `action`'s level (at one
/// of its ancestors, at it or below it): `None` when there are none, `true` when all are.
fn branch(p: &Compiled, at: LevelId, action: LevelId) -> Option<Part> {
    if p.level_is_within(at, action) {
        return Some(Part::TRUE);
    }
    if !p.level_is_within(action, at) {
        return None;
    }
    let below: Vec<LevelId> = (0..p.levels.len())
        .filter(|&l| p.level_is_within(l, at))
        .collect();
    let levels: Vec<String> = below
        .iter()
        .filter(|&&l| p.level_is_within(action, l) || p.level_is_within(l, action))
        .filter_map(|&l| p.levels.get(l).map(|l| l.name.to_string()))
        .collect();
    Some(if levels.len() == below.len() {
        Part::TRUE
    } else {
        Part::Cond(Residual::ScopeLevel { levels })
    })
}
