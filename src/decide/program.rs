//! What decides one action at one scope for a particular resource, laid out for an
//! evaluator that runs where the resource already is: the npm package decides a check
//! whose rules read the resource from its JavaScript object, with no JSON and no call into
//! WebAssembly per check (`js/conditions.js`).
//!
//! The steps are those of [`Session::decide_at`] for a resource with an id: the deny rules
//! that apply at the scope, in order, each with its condition and the verdict it gives; the
//! grants, in order, each with its condition (none for a role's own `allow` list) and its
//! verdict, gated by the tenant's features and plan; and the verdict when no grant holds.
//! Principal and tenant attributes are written into the conditions as the values they
//! have, so that a condition reads the resource only. The evaluator hands back to the
//! engine every request it does not decide with certainty (a condition left undecided by
//! a missing attribute, an attribute of another type than declared, a value it does not
//! read): the engine's answer is the only one there is, and the program is a shortcut to
//! it, compared with it by `tests/js/conditions.test.mjs`.

use super::{Reason, Scope, Session, Verdict};
use crate::compile::ActionId;
use crate::document::RuleEffect;
use crate::document::condition::{Entity, Expr};
use crate::json::{number, string};
use crate::value::ValueRef;

impl Session {
    /// The program of `action` at `scope` as JSON (see the module's documentation), with
    /// each verdict written as the id `intern` gives it; `None` for an action the catalog
    /// does not hold, a scope in another branch of the tree than the action's level, or an
    /// action whose rules do not read the resource (its row decides).
    pub(crate) fn program_json(
        &self,
        action: ActionId,
        scope: &Scope,
        intern: &mut dyn FnMut(Verdict) -> u32,
    ) -> Option<String> {
        let p = &*self.policy.inner;
        if scope.policy != p.identity {
            return None;
        }
        let path = &scope.path;
        let act = p.actions.get(action)?;
        let level = path.level(p);
        if !act.reads_resource
            || (level != act.level
                && !p.level_is_within(level, act.level)
                && !p.level_is_within(act.level, level))
        {
            return None;
        }
        let cut;
        let path = if level != act.level && p.level_is_within(level, act.level) {
            cut = path.cut_to_level(p, act.level);
            &cut
        } else {
            path
        };
        let applicable = self.applicable_roles(path);
        let mut out = String::from("{\"d\":[");
        let mut first = true;
        // Step 3: the deny rules of the applicable roles, in document order; after one
        // without a condition, no other is reached.
        if p.deny_any.contains(action) {
            for &rid in &p.deny_rules {
                let Some(rule) = p.rules.get(rid) else {
                    continue;
                };
                if !rule.actions.contains(action) {
                    continue;
                }
                let Some(&(role, ai)) = applicable.iter().find(|(r, _)| rule.roles.contains(*r))
                else {
                    continue;
                };
                let verdict = Verdict::denied_by_rule(action, role, ai, rid, None);
                self.entry(
                    &mut out,
                    &mut first,
                    rule.condition.as_ref(),
                    intern(verdict),
                );
                if rule.condition.is_none() {
                    break;
                }
            }
        }
        out.push_str("],\"g\":[");
        first = true;
        // Step 4, gated (step 5): the grants in order; the first conditional rule is the
        // one a denial names.
        let mut failed = None;
        'roles: for &(role, ai) in &applicable {
            let Some(r) = p.roles.get(role) else { continue };
            if r.allow.contains(action) {
                let verdict = self.gated(act, Verdict::granted(action, role, ai, None));
                self.entry(&mut out, &mut first, None, intern(verdict));
                break;
            }
            for &rid in &r.allow_rules {
                let Some(rule) = p.rules.get(rid) else {
                    continue;
                };
                if rule.effect != RuleEffect::Allow || !rule.actions.contains(action) {
                    continue;
                }
                let verdict = self.gated(act, Verdict::granted(action, role, ai, Some(rid)));
                self.entry(
                    &mut out,
                    &mut first,
                    rule.condition.as_ref(),
                    intern(verdict),
                );
                match rule.condition {
                    None => break 'roles,
                    Some(_) => {
                        failed.get_or_insert(rid);
                    }
                }
            }
        }
        let none = match failed {
            Some(rid) => Verdict::condition_failed(action, rid, None),
            None if applicable.is_empty() => Verdict::deny(Reason::NotMember, action),
            None => Verdict::deny(Reason::NoGrant, action),
        };
        out.push_str("],\"n\":");
        number(&mut out, u64::from(intern(none)));
        // The declared types of the resource's attributes (`id` and `type` are strings).
        out.push_str(",\"t\":{\"id\":\"string\",\"type\":\"string\"");
        for ((entity, name), ty) in &p.attributes {
            if *entity == Entity::Resource && name != "id" && name != "type" {
                out.push(',');
                string(&mut out, name);
                out.push(':');
                string(&mut out, ty.as_str());
            }
        }
        out.push_str("}}");
        Some(out)
    }

    /// One `[condition, verdict]` entry.
    fn entry(&self, out: &mut String, first: &mut bool, condition: Option<&Expr>, verdict: u32) {
        if !std::mem::take(first) {
            out.push(',');
        }
        out.push('[');
        match condition {
            Some(c) => self.write_condition(out, c),
            None => out.push_str("null"),
        }
        out.push(',');
        number(out, u64::from(verdict));
        out.push(']');
    }

    /// A condition with the principal's and the tenant's attributes written as values
    /// (`{"v":...}`, or `{"u":0}` for one they lack: undecided); resource attributes as
    /// `{"a":name}`, its id and type as `{"r":"id"}` and `{"r":"type"}`, `has` of them as
    /// `{"h":name}`; operators as `{"eq":[l,r]}`, `ne`, `in`, `{"and":[...]}`, `or`,
    /// `{"not":x}`.
    fn write_condition(&self, out: &mut String, expr: &Expr) {
        let pair = |out: &mut String, op: &str, l: &Expr, r: &Expr| {
            out.push_str("{\"");
            out.push_str(op);
            out.push_str("\":[");
            self.write_condition(out, l);
            out.push(',');
            self.write_condition(out, r);
            out.push_str("]}");
        };
        match expr {
            Expr::Literal(v, _) => write_value_node(out, v.as_ref()),
            Expr::Attr(a, _) | Expr::Has(a, _) if a.entity == Entity::Resource => {
                let has = matches!(expr, Expr::Has(..));
                let builtin = a.name == "id" || a.name == "type";
                out.push_str(match (has, builtin) {
                    (true, _) => "{\"h\":",
                    (false, true) => "{\"r\":",
                    (false, false) => "{\"a\":",
                });
                string(out, &a.name);
                out.push('}');
            }
            Expr::Attr(a, _) => match self.known_value(a) {
                ValueRef::Null => out.push_str("{\"u\":0}"),
                v => write_value_node(out, v),
            },
            Expr::Has(a, _) => {
                let present = self.known_value(a) != ValueRef::Null;
                out.push_str(if present {
                    "{\"v\":true}"
                } else {
                    "{\"v\":false}"
                });
            }
            Expr::Eq(l, r) => pair(out, "eq", l, r),
            Expr::Ne(l, r) => pair(out, "ne", l, r),
            Expr::In(l, r) => pair(out, "in", l, r),
            Expr::And(terms) | Expr::Or(terms) => {
                out.push_str(if matches!(expr, Expr::And(_)) {
                    "{\"and\":["
                } else {
                    "{\"or\":["
                });
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write_condition(out, t);
                }
                out.push_str("]}");
            }
            Expr::Not(inner) => {
                out.push_str("{\"not\":");
                self.write_condition(out, inner);
                out.push('}');
            }
        }
    }
}

fn write_value_node(out: &mut String, v: ValueRef<'_>) {
    out.push_str("{\"v\":");
    write_value(out, v);
    out.push('}');
}

/// A value as JSON; a number as `{"f":[high, low]}`, the two halves of its 64 bits, so that
/// it crosses exactly and no float formatting is needed here.
fn write_value(out: &mut String, v: ValueRef<'_>) {
    match v {
        ValueRef::Null => out.push_str("null"),
        ValueRef::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        ValueRef::Str(s) => string(out, s),
        ValueRef::Number(n) => {
            let bits = n.to_bits();
            out.push_str("{\"f\":[");
            number(out, bits >> 32);
            out.push(',');
            number(out, bits & 0xffff_ffff);
            out.push_str("]}");
        }
        ValueRef::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item.as_ref());
            }
            out.push(']');
        }
    }
}
