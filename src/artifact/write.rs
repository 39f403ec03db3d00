//! Writing the artifact of a compiled policy (the format is in the module documentation).

use super::{ARTIFACT_VERSION, HEADER, MAGIC, attr_type_byte, digest, entity_byte, tag};
use crate::compile::{BitSet, Compiled, Limited, TeamRules};
use crate::document::RuleEffect;
use crate::document::condition::Expr;
use crate::value::Value;

/// The artifact of a compiled policy.
pub(crate) fn build(compiled: &Compiled) -> Vec<u8> {
    let mut out = Out(Vec::with_capacity(4096));
    out.0.extend_from_slice(MAGIC);
    out.0.extend_from_slice(&ARTIFACT_VERSION.to_le_bytes());
    out.0.extend_from_slice(&[0; 32]);
    body(&mut out, compiled);
    let mut bytes = out.0;
    let digest = digest(&bytes);
    if let Some(slot) = bytes.get_mut(10..HEADER) {
        slot.copy_from_slice(&digest);
    }
    bytes
}

fn body(out: &mut Out, c: &Compiled) {
    out.opt_str(c.name.as_deref());
    out.uint(c.levels.len());
    for l in &c.levels {
        out.str(&l.name);
        out.opt_str(l.label.as_deref());
        out.opt_id(l.parent);
    }
    out.uint(c.root);
    out.uint(c.features.len());
    for f in &c.features {
        out.str(&f.name);
        out.opt_str(f.label.as_deref());
        out.opt_str(f.hint.as_deref());
        out.opt_id(f.enable);
        out.opt_str(f.enable_hint.as_deref());
    }
    out.uint(c.plans.len());
    for p in &c.plans {
        out.str(&p.name);
        out.opt_str(p.label.as_deref());
        out.ids(&p.features);
    }
    out.uint(c.attributes.len());
    for ((entity, name), ty) in &c.attributes {
        out.byte(entity_byte(*entity));
        out.str(name);
        out.byte(attr_type_byte(*ty));
    }
    out.uint(c.actions.len());
    for a in &c.actions {
        out.str(&a.name);
        out.opt_str(a.label.as_deref());
        out.opt_str(a.group.as_deref());
        out.uint(a.level);
        out.uint(a.tags.len());
        for t in &a.tags {
            out.str(t);
        }
        out.opt_id(a.feature);
        out.ids(&a.plans);
        out.opt_str(a.feature_hint.as_deref());
        out.opt_str(a.plan_hint.as_deref());
    }
    out.uint(c.roles.len());
    for r in &c.roles {
        out.str(&r.name);
        out.opt_str(r.label.as_deref());
        out.uint(r.level);
        out.byte(u8::from(r.cascade));
        out.ids(&r.expansion);
        out.bits(&r.allow);
    }
    out.uint(c.rules.len());
    for r in &c.rules {
        out.str(&r.name);
        out.byte(match r.effect {
            RuleEffect::Allow => 0,
            RuleEffect::Deny => 1,
        });
        out.bits(&r.roles);
        out.bits(&r.actions);
        match &r.condition {
            Some(e) => {
                out.byte(1);
                out.expr(e);
            }
            None => out.byte(0),
        }
        out.opt_str(r.condition_text.as_deref());
    }
    out.section(|out| team(out, &c.team));
    #[cfg(feature = "routes")]
    out.section(|out| routes(out, &c.routes));
    #[cfg(not(feature = "routes"))]
    out.section(|_| ());
}

fn team(out: &mut Out, t: &TeamRules) {
    out.bits(&t.unique);
    out.bits(&t.protected);
    out.uint(t.manage.len());
    for m in &t.manage {
        out.bits(&m.assign);
        out.bits(&m.remove);
        out.byte(u8::from(m.scopes));
    }
    match &t.transfer {
        Some(tr) => {
            out.byte(1);
            out.uint(tr.role);
            out.bits(&tr.to);
            out.uint(tr.previous);
        }
        None => out.byte(0),
    }
    out.byte(u8::from(t.require_org_member));
    let l = &t.lint;
    out.bits(&l.admin_roles);
    out.opt_u32(l.min_admins);
    out.opt_u32(l.max_admins);
    out.bits(&l.reviewer_roles);
    out.opt_u32(l.inactive_days);
    out.uint(l.scope_owner_roles.len());
    for (level, roles) in &l.scope_owner_roles {
        out.uint(*level);
        out.bits(roles);
    }
    out.uint(t.limits.len());
    for limits in &t.limits {
        out.uint(limits.len());
        for (limited, max) in limits {
            match limited {
                Limited::Seats => out.uint(0),
                Limited::Scopes(level) => out.uint(level + 1),
            }
            out.uint(*max as usize);
        }
    }
    // The least numbers of holders (version 2): the roles that have one, with it.
    let mins: Vec<(usize, u32)> = t
        .min_holders
        .iter()
        .enumerate()
        .filter(|(_, m)| **m > 0)
        .map(|(r, m)| (r, *m))
        .collect();
    out.uint(mins.len());
    for (role, min) in mins {
        out.uint(role);
        out.uint(min as usize);
    }
}

#[cfg(feature = "routes")]
fn routes(out: &mut Out, table: &crate::compile::RouteTable) {
    use crate::compile::routes::{Piece, Template};
    fn template(out: &mut Out, t: &Template) {
        out.uint(t.0.len());
        for piece in &t.0 {
            match piece {
                Piece::Text(text) => {
                    out.byte(0);
                    out.str(text);
                }
                Piece::Param(i) => {
                    out.byte(1);
                    out.uint(*i);
                }
            }
        }
    }
    out.uint(table.routes.len());
    for r in &table.routes {
        out.str(&r.pattern);
        out.uint(r.method);
        out.uint(r.action);
        out.uint(r.params.len());
        for p in &r.params {
            out.str(p);
        }
        out.uint(r.scope.len());
        for (level, t) in &r.scope {
            out.uint(*level);
            template(out, t);
        }
        out.opt_str(r.resource.as_deref());
        match &r.id {
            Some(t) => {
                out.byte(1);
                template(out, t);
            }
            None => out.byte(0),
        }
    }
    out.uint(table.nodes.len());
    for n in &table.nodes {
        out.uint(n.literals.len());
        for (text, child) in &n.literals {
            out.str(text);
            out.uint(*child);
        }
        out.opt_id(n.param);
        for route in &n.routes {
            out.opt_id(*route);
        }
    }
}

/// The bytes written so far.
struct Out(Vec<u8>);

impl Out {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    fn uint(&mut self, value: usize) {
        self.u64(value as u64);
    }

    fn u64(&mut self, mut value: u64) {
        loop {
            let low = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                self.0.push(low);
                return;
            }
            self.0.push(low | 0x80);
        }
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.uint(s.len() + 1);
                self.0.extend_from_slice(s.as_bytes());
            }
            None => self.uint(0),
        }
    }

    fn opt_id(&mut self, id: Option<usize>) {
        self.uint(id.map_or(0, |id| id + 1));
    }

    fn opt_u32(&mut self, v: Option<u32>) {
        self.opt_id(v.map(|v| v as usize));
    }

    fn ids(&mut self, ids: &[usize]) {
        self.uint(ids.len());
        for &id in ids {
            self.uint(id);
        }
    }

    fn bits(&mut self, set: &BitSet) {
        for &word in set.words() {
            self.u64(word);
        }
    }

    /// A part preceded by its byte length.
    fn section(&mut self, write: impl FnOnce(&mut Out)) {
        let mut part = Out(Vec::new());
        write(&mut part);
        self.uint(part.0.len());
        self.0.extend_from_slice(&part.0);
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Literal(v, column) => {
                self.byte(tag::LITERAL);
                self.value(v);
                self.uint(*column);
            }
            Expr::Attr(a, column) => {
                self.byte(tag::ATTR);
                self.byte(entity_byte(a.entity));
                self.str(&a.name);
                self.uint(*column);
            }
            Expr::Has(a, column) => {
                self.byte(tag::HAS);
                self.byte(entity_byte(a.entity));
                self.str(&a.name);
                self.uint(*column);
            }
            Expr::Eq(l, r) | Expr::Ne(l, r) | Expr::In(l, r) => {
                self.byte(match e {
                    Expr::Eq(..) => tag::EQ,
                    Expr::Ne(..) => tag::NE,
                    _ => tag::IN,
                });
                self.expr(l);
                self.expr(r);
            }
            Expr::And(terms) | Expr::Or(terms) => {
                self.byte(if matches!(e, Expr::And(_)) {
                    tag::AND
                } else {
                    tag::OR
                });
                self.uint(terms.len());
                for t in terms {
                    self.expr(t);
                }
            }
            Expr::Not(inner) => {
                self.byte(tag::NOT);
                self.expr(inner);
            }
        }
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.byte(tag::NULL),
            Value::Bool(false) => self.byte(tag::FALSE),
            Value::Bool(true) => self.byte(tag::TRUE),
            Value::Number(n) => {
                self.byte(tag::NUMBER);
                self.0.extend_from_slice(&n.to_le_bytes());
            }
            Value::String(s) => {
                self.byte(tag::STRING);
                self.str(s);
            }
            Value::List(items) => {
                self.byte(tag::LIST);
                self.uint(items.len());
                for item in items {
                    self.value(item);
                }
            }
        }
    }
}
