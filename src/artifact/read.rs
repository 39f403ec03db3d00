//! Loading an artifact: every value read and checked, nothing trusted (the format and the
//! checks are in the module documentation).

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
    };
    let mut parts = Parts::default();
    let read = body(&mut input, &mut parts);
    if read.is_ok() {
        input.enter("names");
    }
    match read.and_then(|()| assemble(parts)) {
        Ok(compiled) => {
            let _ = compiled.fingerprint.set(crate::fingerprint::hex(&digest));
            Ok(compiled)
        }
        Err(Bad(what)) => {
            let mut path = DocPath::root().key(input.section);
            if let Some(i) = input.item {
                path = path.index(i);
            }
            let at = input.pos + HEADER;
            Err(corrupt(path, &format!("{what} (byte {at})")))
        }
    }
}

fn corrupt(path: DocPath, message: &str) -> Diagnostic {
    Diagnostic::error(
        ErrorCode::CorruptArtifact,
        path,
        format!("corrupt artifact: {message}"),
    )
    .with_help("build the artifact again with `rolegate build POLICY -o FILE`")
}

/// What was wrong with a value.
struct Bad(&'static str);

type R<T> = Result<T, Bad>;

/// The largest count `section` of [`LIMITS`] allows.
fn limit(section: &str) -> usize {
    LIMITS
        .iter()
        .find(|(name, _)| *name == section)
        .map_or(0, |(_, max)| *max)
}

/// What has been read so far. Every value goes in here as soon as it is read, so that a
/// refusal anywhere has nothing of its own to drop (which keeps the loader small).
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

/// A new default item at the end of `list`.
fn push<T: Default>(list: &mut Vec<T>) -> R<&mut T> {
    list.push(T::default());
    list.last_mut().ok_or(Bad("no room"))
}

fn body(input: &mut In<'_>, p: &mut Parts) -> R<()> {
    p.name = input.opt_string()?;

    input.enter("scopes");
    let count = input.count(limit("scopes"))?;
    for i in 0..count {
        input.item = Some(i);
        let l = push(&mut p.levels)?;
        l.name = input.name()?;
        l.label = input.opt_string()?;
        l.parent = input.opt_id(count)?;
    }
    input.item = None;
    p.root = input.id(count)?;
    set_depths(&mut p.levels, p.root)?;

    input.enter("features");
    let count = input.count(usize::MAX)?;
    for i in 0..count {
        input.item = Some(i);
        let f = push(&mut p.features)?;
        f.name = input.name()?;
        f.label = input.opt_string()?;
        f.hint = input.opt_arc()?;
        f.enable = input.opt_id(limit("actions"))?;
        f.enable_hint = input.opt_arc()?;
    }

    input.enter("plans");
    let count = input.count(usize::MAX)?;
    for i in 0..count {
        input.item = Some(i);
        let plan = push(&mut p.plans)?;
        plan.name = input.name()?;
        plan.label = input.opt_string()?;
        input.ids(p.features.len(), &mut plan.features)?;
    }

    input.enter("attributes");
    let count = input.count(usize::MAX)?;
    for i in 0..count {
        input.item = Some(i);
        let entity = input.entity()?;
        let name = input.str()?;
        let ty = match input.byte()? {
            0 => AttrType::String,
            1 => AttrType::Number,
            2 => AttrType::Bool,
            3 => AttrType::StringList,
            4 => AttrType::NumberList,
            _ => return Err(Bad("an attribute type that does not exist")),
        };
        if p.attributes.insert((entity, name.to_owned()), ty).is_some() {
            return Err(Bad("an attribute declared twice"));
        }
    }

    input.enter("actions");
    let count = input.count(limit("actions"))?;
    for i in 0..count {
        input.item = Some(i);
        let a = push(&mut p.actions)?;
        a.name = input.name()?;
        a.label = input.opt_string()?;
        a.group = input.opt_string()?;
        a.level = input.id(p.levels.len())?;
        let tags = input.count(usize::MAX)?;
        for _ in 0..tags {
            a.tags.push(input.str()?.to_owned());
        }
        a.feature = input.opt_id(p.features.len())?;
        input.ids(p.plans.len(), &mut a.plans)?;
        a.feature_hint = input.opt_arc()?;
        a.plan_hint = input.opt_arc()?;
    }
    input.section = "features";
    for (i, f) in p.features.iter().enumerate() {
        input.item = Some(i);
        if f.enable.is_some_and(|a| a >= p.actions.len()) {
            return Err(Bad("an enabling action that does not exist"));
        }
    }

    input.enter("roles");
    let count = input.count(limit("roles"))?;
    for i in 0..count {
        input.item = Some(i);
        let r = push(&mut p.roles)?;
        r.name = input.name()?;
        r.label = input.opt_string()?;
        r.level = input.id(p.levels.len())?;
        r.cascade = input.flag()?;
        input.ids(count, &mut r.expansion)?;
        r.allow = input.bits(p.actions.len())?;
    }

    input.enter("rules");
    let count = input.count(limit("rules"))?;
    for i in 0..count {
        input.item = Some(i);
        p.rules.push(Rule {
            name: Arc::from(""),
            effect: RuleEffect::Allow,
            roles: BitSet::default(),
            actions: BitSet::default(),
            condition: None,
            condition_text: None,
        });
        let r = p.rules.last_mut().ok_or(Bad("no room"))?;
        r.name = input.name()?;
        if input.flag()? {
            r.effect = RuleEffect::Deny;
        }
        r.roles = input.bits(p.roles.len())?;
        r.actions = input.bits(p.actions.len())?;
        if input.flag()? {
            r.condition = Some(input.expr(0)?);
        }
        r.condition_text = input.opt_string()?;
    }

    input.enter("team");
    let len = input.count(usize::MAX)?;
    let end = input.pos + len;
    #[cfg(feature = "team")]
    {
        p.team = team(input, p.roles.len(), p.levels.len(), p.plans.len())?;
    }
    input.end_section(end, cfg!(feature = "team"))?;

    input.enter("routes");
    let len = input.count(usize::MAX)?;
    let end = input.pos + len;
    #[cfg(feature = "routes")]
    {
        p.routes = routes(input, p.actions.len(), p.levels.len())?;
    }
    input.end_section(end, cfg!(feature = "routes"))?;

    input.enter("end");
    if input.pos != input.bytes.len() {
        return Err(Bad("bytes after the last section"));
    }
    Ok(())
}

/// The compiled index of what was read: names indexed (each unique), rules placed.
fn assemble(p: Parts) -> R<Compiled> {
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
    let level_index = index(levels.iter().map(|l| &l.name))?;
    let feature_index = index(features.iter().map(|f| &f.name))?;
    let plan_index = index(plans.iter().map(|p| &p.name))?;
    let action_index = index(actions.iter().map(|a| &a.name))?;
    let role_index = index(roles.iter().map(|r| &r.name))?;
    index(rules.iter().map(|r| &r.name))?;
    let set = place_rules(rules, &mut roles, &mut actions);
    Ok(Compiled {
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
fn set_depths(levels: &mut [Level], root: usize) -> R<()> {
    let parents: Vec<Option<usize>> = levels.iter().map(|l| l.parent).collect();
    for (i, level) in levels.iter_mut().enumerate() {
        if (i == root) != level.parent.is_none() {
            return Err(Bad(
                "a scope tree whose root is not the one level without a parent",
            ));
        }
        let mut depth = 0;
        let mut current = level.parent;
        while let Some(p) = current {
            depth += 1;
            if depth > parents.len() {
                return Err(Bad("scope levels whose parents form a cycle"));
            }
            current = parents.get(p).copied().flatten();
        }
        level.depth = depth;
    }
    Ok(())
}

/// The index of names to ids; a name given twice is corrupt.
fn index<'n>(names: impl Iterator<Item = &'n Arc<str>>) -> R<BTreeMap<Arc<str>, usize>> {
    let mut map = BTreeMap::new();
    for (id, name) in names.enumerate() {
        if map.insert(Arc::clone(name), id).is_some() {
            return Err(Bad("a name given twice"));
        }
    }
    Ok(map)
}

#[cfg(feature = "team")]
fn team(input: &mut In<'_>, roles: usize, levels: usize, plans: usize) -> R<TeamRules> {
    let unique = input.bits(roles)?;
    let protected = input.bits(roles)?;
    let count = input.count(usize::MAX)?;
    if count != roles {
        return Err(Bad("team rules for another count of roles"));
    }
    let mut manage = Vec::with_capacity(count);
    for _ in 0..count {
        manage.push(Manage {
            assign: input.bits(roles)?,
            remove: input.bits(roles)?,
            scopes: input.flag()?,
        });
    }
    let transfer = match input.flag()? {
        true => Some(Transfer {
            role: input.id(roles)?,
            to: input.bits(roles)?,
            previous: input.id(roles)?,
        }),
        false => None,
    };
    let require_org_member = input.flag()?;
    let lint = Lint {
        admin_roles: input.bits(roles)?,
        min_admins: input.opt_u32()?,
        max_admins: input.opt_u32()?,
        reviewer_roles: input.bits(roles)?,
        inactive_days: input.opt_u32()?,
        scope_owner_roles: {
            let n = input.count(usize::MAX)?;
            let mut list = Vec::with_capacity(n);
            for _ in 0..n {
                list.push((input.id(levels)?, input.bits(roles)?));
            }
            list
        },
    };
    let count = input.count(usize::MAX)?;
    if count != plans {
        return Err(Bad("plan limits for another count of plans"));
    }
    let mut limits = Vec::with_capacity(count);
    for _ in 0..count {
        let n = input.count(usize::MAX)?;
        let mut plan = Vec::with_capacity(n);
        for _ in 0..n {
            let limited = match input.opt_id(levels)? {
                None => Limited::Seats,
                Some(level) => Limited::Scopes(level),
            };
            let max = u32::try_from(input.uint()?).map_err(|_| Bad("a limit over 2^32"))?;
            plan.push((limited, max));
        }
        limits.push(plan);
    }
    Ok(TeamRules {
        unique,
        protected,
        manage,
        transfer,
        require_org_member,
        lint,
        limits,
    })
}

#[cfg(feature = "routes")]
fn routes(input: &mut In<'_>, actions: usize, levels: usize) -> R<crate::compile::RouteTable> {
    use crate::compile::routes::{METHODS, Node, Piece, Route, Template};
    fn template(input: &mut In<'_>, params: usize) -> R<Template> {
        let n = input.count(usize::MAX)?;
        let mut pieces = Vec::with_capacity(n);
        for _ in 0..n {
            pieces.push(match input.flag()? {
                false => Piece::Text(input.str()?.into()),
                true => Piece::Param(input.id(params)?),
            });
        }
        Ok(Template(pieces))
    }
    let count = input.count(usize::MAX)?;
    let mut routes = Vec::with_capacity(count);
    for i in 0..count {
        input.item = Some(i);
        let pattern: Arc<str> = input.str()?.into();
        let method = input.id(METHODS.len())?;
        let action = input.id(actions)?;
        let n = input.count(usize::MAX)?;
        let params: Vec<Arc<str>> = (0..n)
            .map(|_| input.str().map(Arc::from))
            .collect::<R<_>>()?;
        let n = input.count(usize::MAX)?;
        let mut scope = Vec::with_capacity(n);
        for _ in 0..n {
            scope.push((input.id(levels)?, template(input, params.len())?));
        }
        let resource = input.opt_arc()?;
        let id = match input.flag()? {
            true => Some(template(input, params.len())?),
            false => None,
        };
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
    let count = input.count(usize::MAX)?;
    let mut nodes = Vec::with_capacity(count);
    for i in 0..count {
        input.item = Some(i);
        // Children come after their parent: the tree has no cycle.
        let child = |input: &mut In<'_>| -> R<usize> {
            let c = input.id(count)?;
            if c <= i {
                return Err(Bad("a route tree node whose child comes before it"));
            }
            Ok(c)
        };
        let n = input.count(usize::MAX)?;
        let mut literals: Vec<(Box<str>, usize)> = Vec::with_capacity(n);
        for _ in 0..n {
            let text: Box<str> = input.str()?.into();
            if literals.last().is_some_and(|(last, _)| *last >= text) {
                return Err(Bad("route tree literals out of order"));
            }
            literals.push((text, child(input)?));
        }
        let param = match input.opt_id(count)? {
            Some(c) if c <= i => return Err(Bad("a route tree node whose child comes before it")),
            param => param,
        };
        let mut by_method = [None; METHODS.len()];
        for slot in &mut by_method {
            *slot = input.opt_id(routes.len())?;
        }
        nodes.push(Node {
            literals,
            param,
            routes: by_method,
        });
    }
    Ok(crate::compile::RouteTable { routes, nodes })
}

/// The body being read, and where (for the error's path).
struct In<'a> {
    bytes: &'a [u8],
    pos: usize,
    section: &'static str,
    item: Option<usize>,
}

impl<'a> In<'a> {
    fn enter(&mut self, section: &'static str) {
        self.section = section;
        self.item = None;
    }

    #[inline(never)]
    fn byte(&mut self) -> R<u8> {
        let b = *self.bytes.get(self.pos).ok_or(Bad("the body ends early"))?;
        self.pos += 1;
        Ok(b)
    }

    #[inline(never)]
    fn flag(&mut self) -> R<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Bad("a flag that is neither 0 nor 1")),
        }
    }

    #[inline(never)]
    fn u64(&mut self) -> R<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(Bad("a number over 64 bits"));
            }
            value |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Bad("a number over 64 bits"))
    }

    #[inline(never)]
    fn uint(&mut self) -> R<usize> {
        usize::try_from(self.u64()?).map_err(|_| Bad("a number too large for this machine"))
    }

    /// An id below `bound`.
    #[inline(never)]
    fn id(&mut self, bound: usize) -> R<usize> {
        let id = self.uint()?;
        if id < bound {
            Ok(id)
        } else {
            Err(Bad("an id past the end of its table"))
        }
    }

    /// An optional id below `bound` (`0` for none, else `id + 1`).
    #[inline(never)]
    fn opt_id(&mut self, bound: usize) -> R<Option<usize>> {
        match self.uint()? {
            0 => Ok(None),
            n if n - 1 < bound => Ok(Some(n - 1)),
            _ => Err(Bad("an id past the end of its table")),
        }
    }

    #[cfg(feature = "team")]
    #[inline(never)]
    fn opt_u32(&mut self) -> R<Option<u32>> {
        match self.uint()? {
            0 => Ok(None),
            n => u32::try_from(n - 1)
                .map(Some)
                .map_err(|_| Bad("a count over 2^32")),
        }
    }

    /// A count of items of at least one byte each, at most `max`.
    #[inline(never)]
    fn count(&mut self, max: usize) -> R<usize> {
        let n = self.uint()?;
        if n > max {
            return Err(Bad("more entries than a policy may have"));
        }
        if n > self.bytes.len() - self.pos.min(self.bytes.len()) {
            return Err(Bad("more entries than bytes left"));
        }
        Ok(n)
    }

    #[inline(never)]
    fn take(&mut self, len: usize) -> R<&'a [u8]> {
        let end = self
            .pos
            .checked_add(len)
            .ok_or(Bad("the body ends early"))?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(Bad("the body ends early"))?;
        self.pos = end;
        Ok(slice)
    }

    /// Ends a section at `end`: where its contents ended when they were read (`read`),
    /// else by stepping over them.
    #[inline(never)]
    fn end_section(&mut self, end: usize, read: bool) -> R<()> {
        if end < self.pos || end > self.bytes.len() || (read && end != self.pos) {
            return Err(Bad("a section whose length does not match its contents"));
        }
        self.pos = end;
        Ok(())
    }

    #[inline(never)]
    fn text(&mut self, len: usize) -> R<&'a str> {
        std::str::from_utf8(self.take(len)?).map_err(|_| Bad("text that is not UTF-8"))
    }

    #[inline(never)]
    fn str(&mut self) -> R<&'a str> {
        let len = self.uint()?;
        self.text(len)
    }

    #[inline(never)]
    fn name(&mut self) -> R<Arc<str>> {
        self.str().map(Arc::from)
    }

    #[inline(never)]
    fn opt_str(&mut self) -> R<Option<&'a str>> {
        match self.uint()? {
            0 => Ok(None),
            n => self.text(n - 1).map(Some),
        }
    }

    #[inline(never)]
    fn opt_string(&mut self) -> R<Option<String>> {
        Ok(self.opt_str()?.map(str::to_owned))
    }

    #[inline(never)]
    fn opt_arc(&mut self) -> R<Option<Arc<str>>> {
        Ok(self.opt_str()?.map(Arc::from))
    }

    /// Ids below `bound`, into `list`.
    #[inline(never)]
    fn ids(&mut self, bound: usize, list: &mut Vec<usize>) -> R<()> {
        let n = self.count(usize::MAX)?;
        for _ in 0..n {
            list.push(self.id(bound)?);
        }
        Ok(())
    }

    /// A set of ids below `len`.
    #[inline(never)]
    fn bits(&mut self, len: usize) -> R<BitSet> {
        let words = (0..len.div_ceil(64))
            .map(|_| self.u64())
            .collect::<R<Vec<u64>>>()?;
        BitSet::from_words(len, words).ok_or(Bad("a set holding an id past its table"))
    }

    #[inline(never)]
    fn entity(&mut self) -> R<Entity> {
        match self.byte()? {
            0 => Ok(Entity::Principal),
            1 => Ok(Entity::Resource),
            2 => Ok(Entity::Tenant),
            _ => Err(Bad("an entity that does not exist")),
        }
    }

    fn expr(&mut self, depth: usize) -> R<Expr> {
        if depth > MAX_NESTING {
            return Err(Bad("a condition nested too deep"));
        }
        let next = depth + 1;
        Ok(match self.byte()? {
            tag::LITERAL => {
                let value = self.value(next)?;
                Expr::Literal(value, self.uint()?)
            }
            tag::ATTR => {
                let entity = self.entity()?;
                let name = self.str()?.to_owned();
                Expr::Attr(AttrRef { entity, name }, self.uint()?)
            }
            t @ (tag::EQ | tag::NE | tag::IN) => {
                let l = Box::new(self.expr(next)?);
                let r = Box::new(self.expr(next)?);
                match t {
                    tag::EQ => Expr::Eq(l, r),
                    tag::NE => Expr::Ne(l, r),
                    _ => Expr::In(l, r),
                }
            }
            t @ (tag::AND | tag::OR) => {
                let n = self.count(usize::MAX)?;
                let terms = (0..n).map(|_| self.expr(next)).collect::<R<Vec<_>>>()?;
                if t == tag::AND {
                    Expr::And(terms)
                } else {
                    Expr::Or(terms)
                }
            }
            tag::NOT => Expr::Not(Box::new(self.expr(next)?)),
            _ => return Err(Bad("a condition node that does not exist")),
        })
    }

    fn value(&mut self, depth: usize) -> R<Value> {
        if depth > MAX_NESTING {
            return Err(Bad("a value nested too deep"));
        }
        Ok(match self.byte()? {
            tag::NULL => Value::Null,
            tag::FALSE => Value::Bool(false),
            tag::TRUE => Value::Bool(true),
            tag::NUMBER => {
                let mut raw = [0u8; 8];
                raw.copy_from_slice(self.take(8)?);
                let n = f64::from_le_bytes(raw);
                if !n.is_finite() {
                    return Err(Bad("a number that is not finite"));
                }
                Value::Number(n)
            }
            tag::STRING => Value::String(self.str()?.to_owned()),
            tag::LIST => {
                let n = self.count(usize::MAX)?;
                Value::List(
                    (0..n)
                        .map(|_| self.value(depth + 1))
                        .collect::<R<Vec<_>>>()?,
                )
            }
            _ => Err(Bad("a value that does not exist"))?,
        })
    }
}
