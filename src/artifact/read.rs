//! Loading an artifact: every value read and checked, nothing trusted (the format and the
//! checks are in the module documentation).
//!
//! The reader keeps its first error (as a `bufio.Scanner` does): every read after it returns
//! an empty value and consumes nothing, so the code that builds the index reads straight
//! through without a branch per value, and the error decides at the end. That keeps the
//! loader small in the page module, which loads nothing else.

use super::{ARTIFACT_VERSION, HEADER, MAGIC, MAX_NESTING, digest, tag};
use crate::compile::rules::place_rules;
use crate::compile::{
    Action, BitSet, Compiled, Feature, LIMITS, Level, Plan, Role, Rule, TeamRules, next_identity,
};
#[cfg(feature = "team")]
use crate::compile::{Limited, Lint, Manage, Transfer};
use crate::document::condition::{AttrRef, Entity, Expr};
use crate::document::{AttrType, RuleEffect};
use crate::error::{Diagnostic, DocPath, ErrorCode};
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Loads an artifact into the compiled index, or says why it cannot.
pub(crate) fn load(bytes: &[u8]) -> Result<Compiled, Diagnostic> {
    if bytes.get(..MAGIC.len()) != Some(&MAGIC[..]) {
        return Err(Diagnostic::error(
            ErrorCode::NotArtifact,
            DocPath::root(),
            "these bytes are not a rolegate policy artifact (it starts with `rolegate`)",
        )
        .with_help("build one from a policy with `rolegate build POLICY -o FILE`"));
    }
    let version = match bytes.get(8..10) {
        Some(&[low, high]) => u16::from_le_bytes([low, high]),
        _ => {
            return Err(corrupt(
                DocPath::root(),
                "the artifact ends inside its header",
            ));
        }
    };
    if version != ARTIFACT_VERSION {
        return Err(Diagnostic::error(
            ErrorCode::ArtifactVersion,
            DocPath::root(),
            format!("the artifact has format version {version}; this release reads version {ARTIFACT_VERSION}"),
        )
        .with_help("build the artifact again with this release's `rolegate build`"));
    }
    let digest = digest(bytes);
    if bytes.len() < HEADER || bytes.get(10..HEADER) != Some(&digest[..]) {
        return Err(corrupt(
            DocPath::root(),
            "the artifact is truncated or altered: its digest does not match its contents",
        ));
    }
    let mut input = In {
        bytes: bytes.get(HEADER..).unwrap_or_default(),
        pos: 0,
        section: "name",
        item: None,
        bad: None,
    };
    let mut parts = Parts::default();
    body(&mut input, &mut parts);
    if input.bad.is_none() {
        input.enter("names");
        if let Some(compiled) = assemble(&mut input, parts) {
            let _ = compiled.fingerprint.set(crate::fingerprint::hex(&digest));
            return Ok(compiled);
        }
    }
    let (what, section, item, at) = input.bad.unwrap_or(("", "", None, 0));
    let mut path = DocPath::root().key(section);
    if let Some(i) = item {
        path = path.index(i);
    }
    Err(corrupt(path, &format!("{what} (byte {})", at + HEADER)))
}

fn corrupt(path: DocPath, message: &str) -> Diagnostic {
    Diagnostic::error(
        ErrorCode::CorruptArtifact,
        path,
        format!("corrupt artifact: {message}"),
    )
    .with_help("build the artifact again with `rolegate build POLICY -o FILE`")
}

/// The largest count `section` of [`LIMITS`] allows.
fn limit(section: &str) -> usize {
    LIMITS
        .iter()
        .find(|(name, _)| *name == section)
        .map_or(0, |(_, max)| *max)
}

/// What has been read so far.
#[derive(Default)]
struct Parts {
    name: Option<String>,
    levels: Vec<Level>,
    root: usize,
    features: Vec<Feature>,
    plans: Vec<Plan>,
    attributes: BTreeMap<(Entity, String), AttrType>,
    actions: Vec<Action>,
    roles: Vec<Role>,
    rules: Vec<Rule>,
    team: TeamRules,
    #[cfg(feature = "routes")]
    routes: crate::compile::RouteTable,
}

/// Reads the body, section by section, into `p` (the first error is kept by `input`).
fn body(input: &mut In<'_>, p: &mut Parts) {
    p.name = input.opt_string();
    scopes(input, p);
    catalog(input, p);
    roles(input, p);
    rules(input, p);
    sections(input, p);
}

/// The scope levels and the root.
fn scopes(input: &mut In<'_>, p: &mut Parts) {
    input.enter("scopes");
    let count = input.count(limit("scopes"));
    for i in 0..count {
        input.item = Some(i);
        p.levels.push(Level {
            name: input.name(),
            label: input.opt_string(),
            parent: input.opt_id(count),
            depth: 0,
        });
    }
    input.item = None;
    p.root = input.id(count);
    set_depths(input, &mut p.levels, p.root);
}

/// Features, plans, declared attributes and actions.
fn catalog(input: &mut In<'_>, p: &mut Parts) {
    input.enter("features");
    let count = input.count(limit("features"));
    for i in 0..count {
        input.item = Some(i);
        p.features.push(Feature {
            name: input.name(),
            label: input.opt_string(),
            hint: input.opt_arc(),
            enable: input.opt_id(limit("actions")),
            enable_hint: input.opt_arc(),
        });
    }

    input.enter("plans");
    let count = input.count(limit("plans"));
    for i in 0..count {
        input.item = Some(i);
        p.plans.push(Plan {
            name: input.name(),
            label: input.opt_string(),
            features: input.ids(p.features.len()),
        });
    }

    input.enter("attributes");
    let count = input.count(usize::MAX);
    for i in 0..count {
        input.item = Some(i);
        let entity = input.entity();
        let name = input.str().to_owned();
        let ty = match input.byte() {
            0 => AttrType::String,
            1 => AttrType::Number,
            2 => AttrType::Bool,
            3 => AttrType::StringList,
            4 => AttrType::NumberList,
            _ => {
                input.fail("an attribute type that does not exist");
                AttrType::String
            }
        };
        if p.attributes.insert((entity, name), ty).is_some() {
            input.fail("an attribute declared twice");
        }
    }

    input.enter("actions");
    let count = input.count(limit("actions"));
    for i in 0..count {
        input.item = Some(i);
        p.actions.push(Action {
            name: input.name(),
            label: input.opt_string(),
            group: input.opt_string(),
            level: input.id(p.levels.len()),
            tags: {
                let n = input.count(usize::MAX);
                (0..n).map(|_| input.str().to_owned()).collect()
            },
            feature: input.opt_id(p.features.len()),
            plans: input.ids(p.plans.len()),
            feature_hint: input.opt_arc(),
            plan_hint: input.opt_arc(),
            reads_resource: false,
        });
    }
    input.section = "features";
    for (i, f) in p.features.iter().enumerate() {
        if f.enable.is_some_and(|a| a >= p.actions.len()) {
            input.item = Some(i);
            input.fail("an enabling action that does not exist");
        }
    }
}

/// The roles.
fn roles(input: &mut In<'_>, p: &mut Parts) {
    input.enter("roles");
    let count = input.count(limit("roles"));
    for i in 0..count {
        input.item = Some(i);
        p.roles.push(Role {
            name: input.name(),
            label: input.opt_string(),
            level: input.id(p.levels.len()),
            cascade: input.flag(),
            expansion: input.ids(count),
            allow: input.bits(p.actions.len()),
            allow_rules: Vec::new(),
        });
    }
}

/// The rules.
fn rules(input: &mut In<'_>, p: &mut Parts) {
    input.enter("rules");
    let count = input.count(limit("rules"));
    for i in 0..count {
        input.item = Some(i);
        p.rules.push(Rule {
            name: input.name(),
            effect: if input.flag() {
                RuleEffect::Deny
            } else {
                RuleEffect::Allow
            },
            roles: input.bits(p.roles.len()),
            actions: input.bits(p.actions.len()),
            condition: input.flag().then(|| input.expr(0)),
            condition_text: input.opt_string(),
        });
    }
}

/// The team rules and the route table (each stepped over where the build has none), and
/// nothing after them.
#[cfg_attr(
    not(any(feature = "team", feature = "routes")),
    allow(unused_variables)
)]
fn sections(input: &mut In<'_>, p: &mut Parts) {
    input.enter("team");
    let end = input.section_end();
    #[cfg(feature = "team")]
    {
        p.team = team(input, p.roles.len(), p.levels.len(), p.plans.len());
    }
    input.end_section(end, cfg!(feature = "team"));

    input.enter("routes");
    let end = input.section_end();
    #[cfg(feature = "routes")]
    {
        p.routes = routes(input, p.actions.len(), p.levels.len());
    }
    input.end_section(end, cfg!(feature = "routes"));

    input.enter("end");
    if input.pos != input.bytes.len() {
        input.fail("bytes after the last section");
    }
}

/// The compiled index of what was read: names indexed (each unique), rules placed; `None`
/// (and the error kept by `input`) when a name is given twice.
fn assemble(input: &mut In<'_>, p: Parts) -> Option<Compiled> {
    let Parts {
        name,
        levels,
        root,
        features,
        plans,
        attributes,
        mut actions,
        mut roles,
        rules,
        team,
        #[cfg(feature = "routes")]
        routes,
    } = p;
    let level_index = index(input, levels.iter().map(|l| &l.name))?;
    let feature_index = index(input, features.iter().map(|f| &f.name))?;
    let plan_index = index(input, plans.iter().map(|p| &p.name))?;
    let action_index = index(input, actions.iter().map(|a| &a.name))?;
    let role_index = index(input, roles.iter().map(|r| &r.name))?;
    index(input, rules.iter().map(|r| &r.name))?;
    let set = place_rules(rules, &mut roles, &mut actions);
    Some(Compiled {
        document: None,
        name,
        levels,
        root,
        level_index,
        actions,
        action_index,
        roles,
        role_index,
        rules: set.rules,
        deny_rules: set.deny_rules,
        deny_any: set.deny_any,
        features,
        feature_index,
        plans,
        plan_index,
        attributes,
        warnings: Vec::new(),
        team,
        #[cfg(feature = "routes")]
        routes,
        fingerprint: OnceLock::new(),
        identity: next_identity(),
    })
}

/// Each level's distance from the root; the root must be the one level without a parent,
/// and every other level must reach it.
fn set_depths(input: &mut In<'_>, levels: &mut [Level], root: usize) {
    let parents: Vec<Option<usize>> = levels.iter().map(|l| l.parent).collect();
    for (i, level) in levels.iter_mut().enumerate() {
        if (i == root) != level.parent.is_none() {
            input.fail("a scope tree whose root is not the one level without a parent");
            return;
        }
        let mut depth = 0;
        let mut current = level.parent;
        while let Some(p) = current {
            depth += 1;
            if depth > parents.len() {
                input.fail("scope levels whose parents form a cycle");
                return;
            }
            current = parents.get(p).copied().flatten();
        }
        level.depth = depth;
    }
}

/// The index of names to ids; `None` when a name is given twice.
fn index<'n>(
    input: &mut In<'_>,
    names: impl Iterator<Item = &'n Arc<str>>,
) -> Option<BTreeMap<Arc<str>, usize>> {
    let mut map = BTreeMap::new();
    for (id, name) in names.enumerate() {
        if map.insert(Arc::clone(name), id).is_some() {
            input.fail("a name given twice");
            return None;
        }
    }
    Some(map)
}

#[cfg(feature = "team")]
fn team(input: &mut In<'_>, roles: usize, levels: usize, plans: usize) -> TeamRules {
    let unique = input.bits(roles);
    let protected = input.bits(roles);
    let count = input.count(usize::MAX);
    if count != roles {
        input.fail("team rules for another count of roles");
    }
    let manage = (0..count)
        .map(|_| Manage {
            assign: input.bits(roles),
            remove: input.bits(roles),
            scopes: input.flag(),
        })
        .collect();
    let transfer = input.flag().then(|| Transfer {
        role: input.id(roles),
        to: input.bits(roles),
        previous: input.id(roles),
    });
    let require_org_member = input.flag();
    let lint = Lint {
        admin_roles: input.bits(roles),
        min_admins: input.opt_u32(),
        max_admins: input.opt_u32(),
        reviewer_roles: input.bits(roles),
        inactive_days: input.opt_u32(),
        scope_owner_roles: {
            let n = input.count(usize::MAX);
            (0..n)
                .map(|_| (input.id(levels), input.bits(roles)))
                .collect()
        },
    };
    let count = input.count(usize::MAX);
    if count != plans {
        input.fail("plan limits for another count of plans");
    }
    let limits = (0..count)
        .map(|_| {
            let n = input.count(usize::MAX);
            (0..n)
                .map(|_| {
                    let limited = match input.opt_id(levels) {
                        None => Limited::Seats,
                        Some(level) => Limited::Scopes(level),
                    };
                    let max = u32::try_from(input.uint()).unwrap_or_else(|_| {
                        input.fail("a limit over 2^32");
                        0
                    });
                    (limited, max)
                })
                .collect()
        })
        .collect();
    let mut min_holders = vec![0; roles];
    for _ in 0..input.count(roles) {
        let role = input.id(roles);
        let min = u32::try_from(input.uint()).unwrap_or(0);
        if min == 0 {
            input.fail("a least number of holders outside 1 to 2^32");
        }
        if let Some(slot) = min_holders.get_mut(role) {
            *slot = min;
        }
    }
    TeamRules {
        unique,
        protected,
        min_holders,
        manage,
        transfer,
        require_org_member,
        lint,
        limits,
    }
}

#[cfg(feature = "routes")]
fn routes(input: &mut In<'_>, actions: usize, levels: usize) -> crate::compile::RouteTable {
    use crate::compile::routes::{METHODS, Node, Piece, Route, Template};
    fn template(input: &mut In<'_>, params: usize) -> Template {
        let n = input.count(usize::MAX);
        Template(
            (0..n)
                .map(|_| match input.flag() {
                    false => Piece::Text(input.str().into()),
                    true => Piece::Param(input.id(params)),
                })
                .collect(),
        )
    }
    let count = input.count(usize::MAX);
    let mut routes = Vec::with_capacity(count);
    for i in 0..count {
        input.item = Some(i);
        let pattern: Arc<str> = input.str().into();
        let method = input.id(METHODS.len());
        let action = input.id(actions);
        let n = input.count(usize::MAX);
        let params: Vec<Arc<str>> = (0..n).map(|_| input.str().into()).collect();
        let n = input.count(usize::MAX);
        let scope = (0..n)
            .map(|_| (input.id(levels), template(input, params.len())))
            .collect();
        let resource = input.opt_arc();
        let id = input.flag().then(|| template(input, params.len()));
        routes.push(Route {
            pattern,
            method,
            action,
            params,
            scope,
            resource,
            id,
        });
    }
    input.section = "routes.nodes";
    let count = input.count(usize::MAX);
    let mut nodes = Vec::with_capacity(count);
    for i in 0..count {
        input.item = Some(i);
        // Children come after their parent: the tree has no cycle.
        let child = |input: &mut In<'_>, c: usize| {
            if c <= i {
                input.fail("a route tree node whose child comes before it");
            }
        };
        let n = input.count(usize::MAX);
        let mut literals: Vec<(Box<str>, usize)> = Vec::with_capacity(n);
        for _ in 0..n {
            let text: Box<str> = input.str().into();
            if literals.last().is_some_and(|(last, _)| *last >= text) {
                input.fail("route tree literals out of order");
            }
            let c = input.id(count);
            child(input, c);
            literals.push((text, c));
        }
        let param = input.opt_id(count);
        if let Some(c) = param {
            child(input, c);
        }
        let mut by_method = [None; METHODS.len()];
        for slot in &mut by_method {
            *slot = input.opt_id(routes.len());
        }
        nodes.push(Node {
            literals,
            param,
            routes: by_method,
        });
    }
    crate::compile::RouteTable { routes, nodes }
}

/// The body being read, where (for the error's path), and the first error.
struct In<'a> {
    bytes: &'a [u8],
    pos: usize,
    section: &'static str,
    item: Option<usize>,
    /// The first error: what, in which section and item, at which byte of the body.
    bad: Option<(&'static str, &'static str, Option<usize>, usize)>,
}

impl<'a> In<'a> {
    fn enter(&mut self, section: &'static str) {
        self.section = section;
        self.item = None;
    }

    /// Keeps the first error, and consumes the rest of the body: every later read is empty.
    #[inline(never)]
    fn fail(&mut self, what: &'static str) {
        if self.bad.is_none() {
            self.bad = Some((what, self.section, self.item, self.pos));
        }
        self.pos = self.bytes.len();
    }

    #[inline(never)]
    fn byte(&mut self) -> u8 {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => {
                self.fail("the body ends early");
                0
            }
        }
    }

    #[inline(never)]
    fn flag(&mut self) -> bool {
        match self.byte() {
            0 => false,
            1 => true,
            _ => {
                self.fail("a flag that is neither 0 nor 1");
                false
            }
        }
    }

    #[inline(never)]
    fn u64(&mut self) -> u64 {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte();
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            value |= bits << shift;
            if b & 0x80 == 0 {
                return value;
            }
        }
        self.fail("a number over 64 bits");
        0
    }

    #[inline(never)]
    fn uint(&mut self) -> usize {
        usize::try_from(self.u64()).unwrap_or_else(|_| {
            self.fail("a number too large for this machine");
            0
        })
    }

    /// An id below `bound`.
    #[inline(never)]
    fn id(&mut self, bound: usize) -> usize {
        let id = self.uint();
        if id < bound {
            return id;
        }
        self.fail("an id past the end of its table");
        0
    }

    /// An optional id below `bound` (`0` for none, else `id + 1`).
    #[inline(never)]
    fn opt_id(&mut self, bound: usize) -> Option<usize> {
        match self.uint() {
            0 => None,
            n if n - 1 < bound => Some(n - 1),
            _ => {
                self.fail("an id past the end of its table");
                None
            }
        }
    }

    #[cfg(feature = "team")]
    fn opt_u32(&mut self) -> Option<u32> {
        let n = self.opt_id(usize::MAX)?;
        u32::try_from(n)
            .map_err(|_| self.fail("a count over 2^32"))
            .ok()
    }

    /// A count of items of at least one byte each, at most `max`.
    #[inline(never)]
    fn count(&mut self, max: usize) -> usize {
        let n = self.uint();
        if n > max {
            self.fail("more entries than a policy may have");
            return 0;
        }
        if n > self.bytes.len().saturating_sub(self.pos) {
            self.fail("more entries than bytes left");
            return 0;
        }
        n
    }

    #[inline(never)]
    fn take(&mut self, len: usize) -> &'a [u8] {
        let bytes = self.bytes;
        match self
            .pos
            .checked_add(len)
            .and_then(|end| bytes.get(self.pos..end))
        {
            Some(slice) => {
                self.pos += len;
                slice
            }
            None => {
                self.fail("the body ends early");
                &[]
            }
        }
    }

    /// The byte where a section preceded by its length ends.
    fn section_end(&mut self) -> usize {
        let len = self.count(usize::MAX);
        self.pos + len
    }

    /// Ends a section at `end`: where its contents ended when they were read (`read`),
    /// else by stepping over them.
    fn end_section(&mut self, end: usize, read: bool) {
        if end < self.pos || end > self.bytes.len() || (read && end != self.pos) {
            self.fail("a section whose length does not match its contents");
        } else {
            self.pos = end;
        }
    }

    #[inline(never)]
    fn text(&mut self, len: usize) -> &'a str {
        let bytes = self.take(len);
        std::str::from_utf8(bytes).unwrap_or_else(|_| {
            self.fail("text that is not UTF-8");
            ""
        })
    }

    fn str(&mut self) -> &'a str {
        let len = self.uint();
        self.text(len)
    }

    #[inline(never)]
    fn name(&mut self) -> Arc<str> {
        self.str().into()
    }

    #[inline(never)]
    fn opt_str(&mut self) -> Option<&'a str> {
        match self.uint() {
            0 => None,
            n => Some(self.text(n - 1)),
        }
    }

    fn opt_string(&mut self) -> Option<String> {
        self.opt_str().map(str::to_owned)
    }

    fn opt_arc(&mut self) -> Option<Arc<str>> {
        self.opt_str().map(Arc::from)
    }

    /// Ids below `bound`.
    #[inline(never)]
    fn ids(&mut self, bound: usize) -> Vec<usize> {
        let n = self.count(usize::MAX);
        (0..n).map(|_| self.id(bound)).collect()
    }

    /// A set of ids below `len`.
    #[inline(never)]
    fn bits(&mut self, len: usize) -> BitSet {
        let words = (0..len.div_ceil(64)).map(|_| self.u64()).collect();
        BitSet::from_words(len, words).unwrap_or_else(|| {
            self.fail("a set holding an id past its table");
            BitSet::new(len)
        })
    }

    fn entity(&mut self) -> Entity {
        match self.byte() {
            0 => Entity::Principal,
            1 => Entity::Resource,
            2 => Entity::Tenant,
            _ => {
                self.fail("an entity that does not exist");
                Entity::Principal
            }
        }
    }

    fn expr(&mut self, depth: usize) -> Expr {
        if depth > MAX_NESTING {
            self.fail("a condition nested too deep");
        }
        let next = depth + 1;
        match self.byte() {
            tag::LITERAL => {
                let value = self.value(next);
                Expr::Literal(value, self.uint())
            }
            t @ (tag::ATTR | tag::HAS) => {
                let entity = self.entity();
                let name = self.str().to_owned();
                let attr = AttrRef { entity, name };
                if t == tag::ATTR {
                    Expr::Attr(attr, self.uint())
                } else {
                    Expr::Has(attr, self.uint())
                }
            }
            t @ (tag::EQ | tag::NE | tag::IN) => {
                let l = Box::new(self.expr(next));
                let r = Box::new(self.expr(next));
                match t {
                    tag::EQ => Expr::Eq(l, r),
                    tag::NE => Expr::Ne(l, r),
                    _ => Expr::In(l, r),
                }
            }
            t @ (tag::AND | tag::OR) => {
                let n = self.count(usize::MAX);
                let terms = (0..n).map(|_| self.expr(next)).collect();
                if t == tag::AND {
                    Expr::And(terms)
                } else {
                    Expr::Or(terms)
                }
            }
            tag::NOT => Expr::Not(Box::new(self.expr(next))),
            _ => {
                self.fail("a condition node that does not exist");
                Expr::Literal(Value::Null, 0)
            }
        }
    }

    fn value(&mut self, depth: usize) -> Value {
        if depth > MAX_NESTING {
            self.fail("a value nested too deep");
        }
        match self.byte() {
            tag::NULL => Value::Null,
            tag::FALSE => Value::Bool(false),
            tag::TRUE => Value::Bool(true),
            tag::NUMBER => {
                let mut raw = [0u8; 8];
                if let Ok(bytes) = <[u8; 8]>::try_from(self.take(8)) {
                    raw = bytes;
                }
                let n = f64::from_le_bytes(raw);
                if !n.is_finite() {
                    self.fail("a number that is not finite");
                }
                Value::Number(n)
            }
            tag::STRING => Value::String(self.str().to_owned()),
            tag::LIST => {
                let n = self.count(crate::document::condition::MAX_LIST_ITEMS);
                Value::List((0..n).map(|_| self.value(depth + 1)).collect())
            }
            _ => {
                self.fail("a value that does not exist");
                Value::Null
            }
        }
    }
}
