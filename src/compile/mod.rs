//! Validation and compilation: a [`Document`] becomes an immutable [`Policy`](crate::Policy).
//!
//! Every name is resolved to a dense id, every action pattern is expanded against the
//! catalog into a bitset, inclusion is flattened into one expansion list per role, and
//! conditions are parsed and type-checked. Every problem of the document is collected; a
//! document with any error yields no policy.

mod bitset;
mod team;

pub use team::{Limited, Lint, Manage, TeamRules, Transfer};

pub use bitset::BitSet;

use crate::document::condition::{self, AttrRef, ConditionErrorKind, Entity, Expr};
use crate::document::{AttrType, DOCUMENT_VERSION, Document, NamedMap, RuleEffect};
use crate::error::{Diagnostic, DocPath, ErrorCode};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Dense id of a scope level.
pub type LevelId = usize;
/// Dense id of an action of the catalog.
pub type ActionId = usize;
/// Dense id of a role.
pub type RoleId = usize;
/// Dense id of a rule.
pub type RuleId = usize;
/// Dense id of a feature.
pub type FeatureId = usize;
/// Dense id of a plan.
pub type PlanId = usize;

/// A compiled scope level.
#[derive(Debug, Clone)]
pub struct Level {
    /// Its name.
    pub name: Arc<str>,
    /// Display name.
    pub label: Option<String>,
    /// The enclosing level (none for the root).
    pub parent: Option<LevelId>,
    /// Distance from the root.
    pub depth: usize,
}

/// A compiled action.
#[derive(Debug, Clone)]
pub struct Action {
    /// `campaign.create`.
    pub name: Arc<str>,
    /// Display name.
    pub label: Option<String>,
    /// Group for menus.
    pub group: Option<String>,
    /// The level it applies at.
    pub level: LevelId,
    /// Tags.
    pub tags: Vec<String>,
    /// Required feature.
    pub feature: Option<FeatureId>,
    /// Required plans (any of them); empty for none.
    pub plans: Vec<PlanId>,
    /// The hint of a decision locked by the feature gate.
    pub feature_hint: Option<Arc<str>>,
    /// The hint of a decision locked by the plan gate.
    pub plan_hint: Option<Arc<str>>,
    /// Whether a rule covering the action reads the resource (`resource.*` in a condition):
    /// otherwise its decisions depend on the resource's scope only.
    pub reads_resource: bool,
}

/// A compiled role.
#[derive(Debug, Clone)]
pub struct Role {
    /// Its name.
    pub name: Arc<str>,
    /// Display name.
    pub label: Option<String>,
    /// The level it is assigned at.
    pub level: LevelId,
    /// Whether it holds below the scope it is assigned at.
    pub cascade: bool,
    /// This role and every role it includes, depth first, each once.
    pub expansion: Vec<RoleId>,
    /// Actions its own `allow` list grants.
    pub allow: BitSet,
    /// Allow rules attached to it (or to `*`), in document order.
    pub allow_rules: Vec<RuleId>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its name.
    pub name: Arc<str>,
    /// Allow or deny.
    pub effect: RuleEffect,
    /// The roles it is attached to.
    pub roles: BitSet,
    /// The actions it covers.
    pub actions: BitSet,
    /// Its condition, if any.
    pub condition: Option<Expr>,
    /// The condition's text.
    pub condition_text: Option<String>,
}

/// A compiled feature.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Its name.
    pub name: Arc<str>,
    /// Display name.
    pub label: Option<String>,
    /// Hint for decisions locked by it.
    pub hint: Option<Arc<str>>,
}

/// A compiled plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Its name.
    pub name: Arc<str>,
    /// Display name.
    pub label: Option<String>,
    /// The features it grants.
    pub features: Vec<FeatureId>,
}

/// The compiled index. Immutable; shared by every session of the policy.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub document: Document,
    pub levels: Vec<Level>,
    pub root: LevelId,
    pub level_index: BTreeMap<Arc<str>, LevelId>,
    pub actions: Vec<Action>,
    pub action_index: BTreeMap<Arc<str>, ActionId>,
    pub roles: Vec<Role>,
    pub role_index: BTreeMap<Arc<str>, RoleId>,
    pub rules: Vec<Rule>,
    /// Deny rules, in document order.
    pub deny_rules: Vec<RuleId>,
    /// Union of the actions of every deny rule: the fast path skips rule scanning.
    pub deny_any: BitSet,
    pub features: Vec<Feature>,
    pub feature_index: BTreeMap<Arc<str>, FeatureId>,
    pub plans: Vec<Plan>,
    pub plan_index: BTreeMap<Arc<str>, PlanId>,
    pub attributes: BTreeMap<(Entity, String), AttrType>,
    pub warnings: Vec<Diagnostic>,
    pub team: TeamRules,
}

impl Compiled {
    /// Whether `ancestor` is `level` or one of its ancestors.
    pub fn level_is_within(&self, level: LevelId, ancestor: LevelId) -> bool {
        let mut current = Some(level);
        while let Some(l) = current {
            if l == ancestor {
                return true;
            }
            current = self.levels.get(l).and_then(|l| l.parent);
        }
        false
    }

    /// The declared type of an attribute.
    pub fn attribute_type(&self, attr: &AttrRef) -> Option<AttrType> {
        condition::builtin_type(attr).or_else(|| {
            self.attributes
                .get(&(attr.entity, attr.name.clone()))
                .copied()
        })
    }
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_action_name(name: &str) -> bool {
    let segments: Vec<&str> = name.split('.').collect();
    name.len() <= 128
        && segments.len() >= 2
        && segments.iter().all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        })
}

struct Compiler {
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Compiler {
    fn error(&mut self, code: ErrorCode, path: DocPath, message: String) {
        self.errors.push(Diagnostic::error(code, path, message));
    }

    fn error_help(&mut self, code: ErrorCode, path: DocPath, message: String, help: String) {
        self.errors
            .push(Diagnostic::error(code, path, message).with_help(help));
    }

    /// Checks names and duplicates of a table; returns the index of first occurrences.
    fn names<T>(
        &mut self,
        table: &NamedMap<T>,
        section: &str,
        what: &str,
        valid: fn(&str) -> bool,
        rule: &str,
    ) -> BTreeMap<Arc<str>, usize> {
        let names: Vec<&str> = table.0.iter().map(|(n, _)| n.as_str()).collect();
        self.check_names(&names, section, what, valid, rule)
    }

    /// The part of [`Compiler::names`] that does not depend on the table's type.
    fn check_names(
        &mut self,
        names: &[&str],
        section: &str,
        what: &str,
        valid: fn(&str) -> bool,
        rule: &str,
    ) -> BTreeMap<Arc<str>, usize> {
        let mut index = BTreeMap::new();
        let base = DocPath::root().key(section);
        for (i, &name) in names.iter().enumerate() {
            let path = base.key(name);
            if !valid(name) {
                self.error(
                    ErrorCode::BadName,
                    path.clone(),
                    format!("{what} name `{name}` is not valid: {rule}"),
                );
            }
            if index.contains_key(name) {
                self.error(
                    ErrorCode::DuplicateName,
                    path,
                    format!("{what} `{name}` is declared twice"),
                );
            } else {
                index.insert(Arc::from(name), i);
            }
        }
        index
    }
}

const NAME_RULE: &str = "use letters, digits, `_` and `-`";
const ACTION_RULE: &str =
    "use dot-separated lowercase segments of letters, digits, `_` and `-`, like `campaign.create`";

/// What an action pattern selects.
enum Pattern<'a> {
    All,
    Tag(&'a str),
    Prefix(&'a str),
    Exact(&'a str),
}

fn read_pattern(pattern: &str) -> Result<Pattern<'_>, String> {
    if pattern == "*" {
        return Ok(Pattern::All);
    }
    if let Some(tag) = pattern.strip_prefix("tag:") {
        return if is_name(tag) {
            Ok(Pattern::Tag(tag))
        } else {
            Err(format!("tag `{tag}` is not a valid tag name"))
        };
    }
    if let Some(prefix) = pattern.strip_suffix(".*") {
        return if prefix
            .split('.')
            .all(|s| is_action_name(&format!("{s}.x")) && !s.is_empty())
        {
            Ok(Pattern::Prefix(prefix))
        } else {
            Err(format!(
                "`{pattern}` is not a pattern: write `resource.*`, `*`, `tag:<name>` or an action name"
            ))
        };
    }
    if is_action_name(pattern) {
        Ok(Pattern::Exact(pattern))
    } else {
        Err(format!(
            "`{pattern}` is not a pattern: write `resource.*`, `*`, `tag:<name>` or an action name"
        ))
    }
}

/// Expands an action pattern against the catalog.
pub(crate) fn expand_pattern(
    pattern: &str,
    actions: &[Action],
    action_index: &BTreeMap<Arc<str>, ActionId>,
) -> Result<BitSet, (ErrorCode, String)> {
    let mut set = BitSet::new(actions.len());
    match read_pattern(pattern).map_err(|m| (ErrorCode::BadPattern, m))? {
        Pattern::All => set = BitSet::full(actions.len()),
        Pattern::Tag(tag) => {
            for (id, a) in actions.iter().enumerate() {
                if a.tags.iter().any(|t| t == tag) {
                    set.insert(id);
                }
            }
        }
        Pattern::Prefix(prefix) => {
            for (id, a) in actions.iter().enumerate() {
                if a.name
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
                {
                    set.insert(id);
                }
            }
        }
        Pattern::Exact(name) => match action_index.get(name) {
            Some(id) => set.insert(*id),
            None => {
                return Err((
                    ErrorCode::UnknownAction,
                    format!("action `{name}` is not in the catalog"),
                ));
            }
        },
    }
    if set.is_empty() {
        return Err((
            ErrorCode::PatternMatchesNothing,
            format!("pattern `{pattern}` matches no action of the catalog"),
        ));
    }
    Ok(set)
}

pub(crate) fn compile(document: Document) -> Result<Compiled, Vec<Diagnostic>> {
    let mut c = Compiler {
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let doc = &document;
    let root_path = DocPath::root();

    if doc.version != DOCUMENT_VERSION {
        c.error_help(
            ErrorCode::UnsupportedVersion,
            root_path.key("version"),
            format!("policy version `{}` is not supported", doc.version),
            format!("this release reads version {DOCUMENT_VERSION}"),
        );
    }

    // Scope levels.
    let level_index = c.names(&doc.scopes, "scopes", "scope level", is_name, NAME_RULE);
    let mut levels: Vec<Level> = doc
        .scopes
        .iter()
        .map(|(name, l)| Level {
            name: Arc::from(name),
            label: l.label.clone(),
            parent: None,
            depth: 0,
        })
        .collect();
    let mut roots = Vec::new();
    for (i, (name, l)) in doc.scopes.iter().enumerate() {
        match &l.parent {
            None => roots.push(i),
            Some(parent) => match level_index.get(parent.as_str()) {
                Some(&p) => {
                    if let Some(level) = levels.get_mut(i) {
                        level.parent = Some(p);
                    }
                }
                None => c.error(
                    ErrorCode::BadScopeLevel,
                    root_path.key("scopes").key(name).key("parent"),
                    format!("scope level `{parent}` is not declared"),
                ),
            },
        }
    }
    let mut root = 0;
    match roots.as_slice() {
        [only] => root = *only,
        [] if doc.scopes.is_empty() => c.error_help(
            ErrorCode::BadScopeTree,
            root_path.key("scopes"),
            "no scope level is declared".into(),
            "declare at least the tenant level: `[scopes] org = {}`".into(),
        ),
        [] => c.error(
            ErrorCode::BadScopeTree,
            root_path.key("scopes"),
            "every scope level has a parent: one level (the tenant) must have none".into(),
        ),
        [_, rest @ ..] => {
            for &i in rest {
                let name = doc.scopes.0.get(i).map_or("", |(n, _)| n.as_str());
                c.error(
                    ErrorCode::BadScopeTree,
                    root_path.key("scopes").key(name),
                    format!(
                        "scope level `{name}` has no parent, but another level is already the root"
                    ),
                );
            }
        }
    }
    // Depths and cycles: a level is on a cycle when its parents lead back to it.
    let parents: Vec<Option<LevelId>> = levels.iter().map(|l| l.parent).collect();
    let on_cycle = |start: LevelId| -> bool {
        let mut current = parents.get(start).copied().flatten();
        for _ in 0..parents.len() {
            match current {
                Some(l) if l == start => return true,
                Some(l) => current = parents.get(l).copied().flatten(),
                None => return false,
            }
        }
        false
    };
    let cyclic: Vec<bool> = (0..levels.len()).map(on_cycle).collect();
    let mut reported_cycle = vec![false; levels.len()];
    for i in 0..levels.len() {
        if cyclic.get(i).copied().unwrap_or(false)
            && !reported_cycle.get(i).copied().unwrap_or(true)
        {
            // Report each cycle once, at its first member in document order.
            let mut members = vec![i];
            let mut current = parents.get(i).copied().flatten();
            while let Some(l) = current {
                if l == i {
                    break;
                }
                members.push(l);
                current = parents.get(l).copied().flatten();
            }
            for &m in &members {
                if let Some(r) = reported_cycle.get_mut(m) {
                    *r = true;
                }
            }
            let names: Vec<&str> = members
                .iter()
                .filter_map(|&m| doc.scopes.0.get(m).map(|(n, _)| n.as_str()))
                .collect();
            let name = names.first().copied().unwrap_or("");
            c.error(
                ErrorCode::ScopeCycle,
                root_path.key("scopes").key(name).key("parent"),
                if names.len() == 1 {
                    format!("scope level `{name}` is its own parent")
                } else {
                    format!(
                        "scope levels `{}` form a cycle: each is an ancestor of the others",
                        names.join("`, `")
                    )
                },
            );
        }
    }
    // Levels on or below a cycle are cut loose so that later passes terminate.
    for i in 0..levels.len() {
        let mut depth = 0;
        let mut current = parents.get(i).copied().flatten();
        let mut broken = cyclic.get(i).copied().unwrap_or(false);
        while let Some(l) = current {
            if cyclic.get(l).copied().unwrap_or(false) || depth > levels.len() {
                broken = true;
                break;
            }
            depth += 1;
            current = parents.get(l).copied().flatten();
        }
        if let Some(level) = levels.get_mut(i) {
            if broken {
                level.parent = None;
            } else {
                level.depth = depth;
            }
        }
    }
    let level_of = |c: &mut Compiler, name: &str, path: DocPath| -> Option<LevelId> {
        match level_index.get(name) {
            Some(&l) => Some(l),
            None => {
                let known: Vec<&str> = doc.scopes.iter().map(|(n, _)| n).collect();
                c.error_help(
                    ErrorCode::BadScopeLevel,
                    path,
                    format!("scope level `{name}` is not declared"),
                    format!("declared levels: {}", known.join(", ")),
                );
                None
            }
        }
    };

    // Features and plans.
    let feature_index = c.names(&doc.features, "features", "feature", is_name, NAME_RULE);
    let features: Vec<Feature> = doc
        .features
        .iter()
        .map(|(name, f)| Feature {
            name: Arc::from(name),
            label: f.label.clone(),
            hint: f.hint.as_deref().map(Arc::from),
        })
        .collect();
    let plan_index = c.names(&doc.plans, "plans", "plan", is_name, NAME_RULE);
    let mut plans = Vec::new();
    for (name, p) in doc.plans.iter() {
        let mut granted = Vec::new();
        for (i, f) in p.features.iter().enumerate() {
            match feature_index.get(f.as_str()) {
                Some(&id) => granted.push(id),
                None => c.error(
                    ErrorCode::UnknownFeature,
                    root_path.key("plans").key(name).key("features").index(i),
                    format!("feature `{f}` is not declared"),
                ),
            }
        }
        plans.push(Plan {
            name: Arc::from(name),
            label: p.label.clone(),
            features: granted,
        });
    }

    // Attributes.
    let mut attributes = BTreeMap::new();
    for (entity, table) in [
        (Entity::Principal, &doc.attributes.principal),
        (Entity::Resource, &doc.attributes.resource),
        (Entity::Tenant, &doc.attributes.tenant),
    ] {
        let section = format!("attributes.{}", entity.as_str());
        let base = root_path.key("attributes").key(entity.as_str());
        for (name, ty) in table.iter() {
            let path = base.key(name);
            if !is_name(name) {
                c.error(
                    ErrorCode::BadName,
                    path.clone(),
                    format!("attribute name `{name}` is not valid: {NAME_RULE}"),
                );
            }
            let builtin = condition::builtin_type(&AttrRef {
                entity,
                name: name.to_owned(),
            });
            if builtin.is_some() {
                c.error(
                    ErrorCode::DuplicateName,
                    path,
                    format!(
                        "`{}.{name}` is built in and cannot be declared",
                        entity.as_str()
                    ),
                );
            } else if let std::collections::btree_map::Entry::Vacant(slot) =
                attributes.entry((entity, name.to_owned()))
            {
                slot.insert(*ty);
            } else {
                c.error(
                    ErrorCode::DuplicateName,
                    path,
                    format!("attribute `{name}` is declared twice in `{section}`"),
                );
            }
        }
    }

    // Actions.
    let action_names = c.names(
        &doc.actions,
        "actions",
        "action",
        is_action_name,
        ACTION_RULE,
    );
    let mut actions = Vec::new();
    for (name, a) in doc.actions.iter() {
        let base = root_path.key("actions").key(name);
        let level = level_of(&mut c, &a.scope, base.key("scope")).unwrap_or(root);
        let feature = a
            .feature
            .as_ref()
            .and_then(|f| match feature_index.get(f.as_str()) {
                Some(&id) => Some(id),
                None => {
                    c.error(
                        ErrorCode::UnknownFeature,
                        base.key("feature"),
                        format!("feature `{f}` is not declared"),
                    );
                    None
                }
            });
        let mut required_plans = Vec::new();
        for (i, p) in a.plans.iter().enumerate() {
            match plan_index.get(p.as_str()) {
                Some(&id) => required_plans.push(id),
                None => c.error(
                    ErrorCode::UnknownPlan,
                    base.key("plans").index(i),
                    format!("plan `{p}` is not declared"),
                ),
            }
        }
        for (i, t) in a.tags.iter().enumerate() {
            if !is_name(t) {
                c.error(
                    ErrorCode::BadName,
                    base.key("tags").index(i),
                    format!("tag `{t}` is not valid: {NAME_RULE}"),
                );
            }
        }
        let feature_hint = a.hint.clone().or_else(|| {
            let f = feature?;
            let (name, doc) = doc.features.0.get(f)?;
            Some(doc.hint.clone().unwrap_or_else(|| {
                format!("{} is not enabled", doc.label.as_deref().unwrap_or(name))
            }))
        });
        let plan_hint = a.hint.clone().or_else(|| {
            if required_plans.is_empty() {
                return None;
            }
            let names: Vec<String> = required_plans
                .iter()
                .filter_map(|&p| {
                    let (name, plan) = doc.plans.0.get(p)?;
                    Some(plan.label.clone().unwrap_or_else(|| name.clone()))
                })
                .collect();
            Some(format!("requires the {} plan", names.join(" or ")))
        });
        actions.push(Action {
            name: Arc::from(name),
            label: a.label.clone(),
            group: a.group.clone(),
            level,
            tags: a.tags.clone(),
            feature,
            plans: required_plans,
            feature_hint: feature_hint.map(Arc::from),
            plan_hint: plan_hint.map(Arc::from),
            reads_resource: false,
        });
    }
    // (Inserted one by one: collecting into a map would pull a sort into the wasm build.)
    let action_index: BTreeMap<Arc<str>, ActionId> = action_names;

    // Roles.
    let role_index = c.names(&doc.roles, "roles", "role", is_name, NAME_RULE);
    let mut roles = Vec::new();
    let mut includes: Vec<Vec<RoleId>> = Vec::new();
    for (name, r) in doc.roles.iter() {
        let base = root_path.key("roles").key(name);
        let level = level_of(&mut c, &r.scope, base.key("scope")).unwrap_or(root);
        let mut allow = BitSet::new(actions.len());
        for (i, pattern) in r.allow.iter().enumerate() {
            match expand_pattern(pattern, &actions, &action_index) {
                Ok(set) => allow.union_with(&set),
                Err((code, message)) => c.error(code, base.key("allow").index(i), message),
            }
        }
        let mut direct = Vec::new();
        for (i, included) in r.includes.iter().enumerate() {
            match role_index.get(included.as_str()) {
                Some(&id) => direct.push(id),
                None => c.error(
                    ErrorCode::UnknownRole,
                    base.key("includes").index(i),
                    format!("role `{included}` is not declared"),
                ),
            }
        }
        includes.push(direct);
        roles.push(Role {
            name: Arc::from(name),
            label: r.label.clone(),
            level,
            cascade: r.cascade,
            expansion: Vec::new(),
            allow,
            allow_rules: Vec::new(),
        });
    }
    // Inclusion: levels, cycles, expansion.
    for (id, direct) in includes.iter().enumerate() {
        let (name, _) = match doc.roles.0.get(id) {
            Some(entry) => entry,
            None => continue,
        };
        let base = root_path.key("roles").key(name).key("includes");
        let level = roles.get(id).map_or(root, |r| r.level);
        for (i, &inc) in direct.iter().enumerate() {
            let inc_level = roles.get(inc).map_or(root, |r| r.level);
            if !levels.is_empty() && !level_within(&levels, inc_level, level) {
                let inc_name = roles.get(inc).map_or("", |r| &r.name);
                let level_name = levels.get(level).map_or("", |l| &l.name);
                c.error_help(
                    ErrorCode::BadIncludeLevel,
                    base.index(i),
                    format!(
                        "role `{name}` (level `{level_name}`) includes `{inc_name}`, a role of a level that is not at or below `{level_name}`"
                    ),
                    "a role may include roles of its own level or of levels below it".into(),
                );
            }
        }
        // Depth-first search for a path back to `id`.
        if let Some(index) = find_cycle(id, &includes) {
            let target = direct
                .get(index)
                .and_then(|&r| roles.get(r))
                .map_or("", |r| &r.name);
            c.error(
                ErrorCode::IncludeCycle,
                base.index(index),
                format!("role `{name}` includes `{target}`, which includes `{name}` again"),
            );
        }
    }
    for id in 0..roles.len() {
        let mut expansion = Vec::new();
        expand_role(id, &includes, &mut expansion);
        if let Some(role) = roles.get_mut(id) {
            role.expansion = expansion;
        }
    }

    // Rules.
    let attribute_type = |attr: &AttrRef| -> Option<AttrType> {
        attributes.get(&(attr.entity, attr.name.clone())).copied()
    };
    let _ = c.names(&doc.rules, "rules", "rule", is_name, NAME_RULE);
    let mut rules = Vec::new();
    for (name, r) in doc.rules.iter() {
        let base = root_path.key("rules").key(name);
        let mut attached = BitSet::new(roles.len());
        if r.roles.is_empty() {
            c.error(
                ErrorCode::EmptyRule,
                base.key("roles"),
                format!("rule `{name}` is attached to no role: list roles, or `*` for every role"),
            );
        }
        for (i, role) in r.roles.iter().enumerate() {
            if role == "*" {
                attached = BitSet::full(roles.len());
            } else {
                match role_index.get(role.as_str()) {
                    Some(&id) => attached.insert(id),
                    None => c.error(
                        ErrorCode::UnknownRole,
                        base.key("roles").index(i),
                        format!("role `{role}` is not declared"),
                    ),
                }
            }
        }
        let mut covered = BitSet::new(actions.len());
        if r.actions.is_empty() {
            c.error(
                ErrorCode::EmptyRule,
                base.key("actions"),
                format!("rule `{name}` covers no action"),
            );
        }
        for (i, pattern) in r.actions.iter().enumerate() {
            match expand_pattern(pattern, &actions, &action_index) {
                Ok(set) => covered.union_with(&set),
                Err((code, message)) => c.error(code, base.key("actions").index(i), message),
            }
        }
        let mut expr = None;
        if let Some(text) = &r.when {
            match condition::parse(text).and_then(|e| {
                condition::check(&e, &attribute_type)?;
                Ok(e)
            }) {
                Ok(e) => expr = Some(e),
                Err(err) => {
                    let code = match err.kind {
                        ConditionErrorKind::Syntax => ErrorCode::BadCondition,
                        ConditionErrorKind::UnknownAttribute => ErrorCode::UnknownAttribute,
                        ConditionErrorKind::TypeMismatch => ErrorCode::TypeMismatch,
                    };
                    let mut d = Diagnostic::error(
                        code,
                        base.key("when"),
                        format!(
                            "{} (at column {} of the condition)",
                            err.message, err.column
                        ),
                    );
                    // The column inside the condition; `source` turns it into a document position.
                    d.column = u32::try_from(err.column).ok();
                    c.errors.push(d);
                }
            }
        }
        let id = rules.len();
        if r.effect == RuleEffect::Allow {
            for role in attached.iter() {
                if let Some(role) = roles.get_mut(role) {
                    role.allow_rules.push(id);
                }
            }
        }
        rules.push(Rule {
            name: Arc::from(name),
            effect: r.effect,
            roles: attached,
            actions: covered,
            condition: expr,
            condition_text: r.when.clone(),
        });
    }
    for rule in &rules {
        if rule
            .condition
            .as_ref()
            .is_some_and(|c| c.reads(Entity::Resource))
        {
            for id in rule.actions.iter() {
                if let Some(action) = actions.get_mut(id) {
                    action.reads_resource = true;
                }
            }
        }
    }
    let deny_rules: Vec<RuleId> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.effect == RuleEffect::Deny)
        .map(|(i, _)| i)
        .collect();
    let mut deny_any = BitSet::new(actions.len());
    for &r in &deny_rules {
        if let Some(rule) = rules.get(r) {
            deny_any.union_with(&rule.actions);
        }
    }

    let team = team::compile_team(&mut c, doc, &roles, &role_index, &level_index, root);

    // Warnings: grants and rules that no request can reach, roles that grant nothing.
    if c.errors.is_empty() {
        // A grant of `role` reaches `action` when some role holding it (itself, or a role
        // that includes it) is held at the action's level or above.
        let reaches = |role: RoleId, action: ActionId| -> bool {
            let Some(a) = actions.get(action) else {
                return false;
            };
            roles
                .iter()
                .any(|x| x.expansion.contains(&role) && level_within(&levels, a.level, x.level))
        };
        for (id, role) in roles.iter().enumerate() {
            let base = root_path.key("roles").key(&role.name);
            for action in role.allow.iter() {
                let Some(a) = actions.get(action) else {
                    continue;
                };
                if !reaches(id, action) {
                    let level_name = levels.get(role.level).map_or("", |l| &l.name);
                    let action_level = levels.get(a.level).map_or("", |l| &l.name);
                    c.warnings.push(
                        Diagnostic::warning(
                            ErrorCode::NeverApplies,
                            base.key("allow"),
                            format!(
                                "role `{}` is held at `{level_name}` scopes, so its grant of `{}` (a `{action_level}` action) never applies",
                                role.name, a.name
                            ),
                        )
                        .with_help("grant the action to a role of its level or above"),
                    );
                }
            }
            let grants_something = role.expansion.iter().any(|&r| {
                roles
                    .get(r)
                    .is_some_and(|r| !r.allow.is_empty() || !r.allow_rules.is_empty())
            });
            if !grants_something && !actions.is_empty() {
                c.warnings.push(Diagnostic::warning(
                    ErrorCode::EmptyRole,
                    base,
                    format!("role `{}` grants no action", role.name),
                ));
            }
        }
        for rule in &rules {
            let reachable = rule
                .roles
                .iter()
                .any(|r| rule.actions.iter().any(|a| reaches(r, a)));
            if !reachable {
                c.warnings.push(
                    Diagnostic::warning(
                        ErrorCode::NeverApplies,
                        root_path.key("rules").key(&rule.name),
                        format!(
                            "rule `{}` never applies: none of its roles is held at the level of any of its actions or above",
                            rule.name
                        ),
                    )
                    .with_help("attach the rule to roles of the actions' level or above"),
                );
            }
        }
    }

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(Compiled {
        levels,
        root,
        level_index,
        actions,
        action_index,
        roles,
        role_index,
        rules,
        deny_rules,
        deny_any,
        features,
        feature_index,
        plans,
        plan_index,
        attributes,
        warnings: c.warnings,
        team,
        document,
    })
}

fn level_within(levels: &[Level], level: LevelId, ancestor: LevelId) -> bool {
    let mut current = Some(level);
    let mut steps = 0;
    while let Some(l) = current {
        if l == ancestor {
            return true;
        }
        steps += 1;
        if steps > levels.len() {
            return false;
        }
        current = levels.get(l).and_then(|l| l.parent);
    }
    false
}

/// The index in `includes[start]` of an edge that leads back to `start`, if any.
fn find_cycle(start: RoleId, includes: &[Vec<RoleId>]) -> Option<usize> {
    let direct = includes.get(start)?;
    for (i, &next) in direct.iter().enumerate() {
        let mut seen = vec![false; includes.len()];
        let mut stack = vec![next];
        while let Some(r) = stack.pop() {
            if r == start {
                return Some(i);
            }
            if seen.get(r).copied().unwrap_or(true) {
                continue;
            }
            if let Some(s) = seen.get_mut(r) {
                *s = true;
            }
            if let Some(more) = includes.get(r) {
                stack.extend(more.iter().copied());
            }
        }
    }
    None
}

fn expand_role(id: RoleId, includes: &[Vec<RoleId>], out: &mut Vec<RoleId>) {
    if out.contains(&id) {
        return;
    }
    out.push(id);
    if let Some(direct) = includes.get(id) {
        for &next in direct {
            expand_role(next, includes, out);
        }
    }
}
