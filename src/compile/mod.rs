//! Validation and compilation: a [`Document`] becomes an immutable [`Policy`](crate::Policy).
//!
//! Every name is resolved to a dense id, every action pattern is expanded against the
//! catalog into a bitset, inclusion is flattened into one expansion list per role, and
//! conditions are parsed and type-checked. Every problem of the document is collected; a
//! document with any error yields no policy.
//!
//! This file holds the compiled types and `compile`, which runs the passes in order, each
//! in its own file: `levels` (the scope tree), `catalog` (features, plans, attributes,
//! actions), `roles` (grants and inclusion), `rules` (with `strategy`, the compiled form of
//! each rule), `team` (the `team` section and plan limits), `routes` (the route table) and `warnings`. They share a
//! `context` (the document and the diagnostics found so far); `pattern` expands action
//! patterns for the roles and rules passes.

mod bitset;
mod catalog;
mod context;
mod levels;
mod pattern;
mod roles;
#[cfg(feature = "routes")]
pub(crate) mod routes;
pub(crate) mod rules;
mod strategy;
mod team;
// Warnings are for authoring: the page module (decisions only) leaves the pass out.
#[cfg(not(all(feature = "wasm", not(feature = "wasm-full"))))]
mod warnings;

pub use team::{Limited, Lint, Manage, TeamRules, Transfer};

pub use bitset::BitSet;
#[cfg(feature = "routes")]
pub use routes::Route;
#[cfg(feature = "routes")]
pub(crate) use routes::RouteTable;

use crate::document::condition::{self, AttrRef, Entity, Expr};
use crate::document::{AttrType, DOCUMENT_VERSION, Document, RuleEffect};
use crate::error::{Diagnostic, DocPath, ErrorCode};
use context::Context;
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
#[derive(Debug, Clone, Default)]
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
#[derive(Debug, Clone, Default)]
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
#[derive(Debug, Clone, Default)]
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
    pub(crate) expansion: Vec<RoleId>,
    /// Actions its own `allow` list grants.
    pub(crate) allow: BitSet,
    /// Allow rules attached to it (or to `*`), in document order.
    pub(crate) allow_rules: Vec<RuleId>,
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
#[derive(Debug, Clone, Default)]
pub struct Feature {
    /// Its name.
    pub name: Arc<str>,
    /// Display name.
    pub label: Option<String>,
    /// Hint for decisions locked by it.
    pub hint: Option<Arc<str>>,
    /// The action that enables it.
    pub enable: Option<ActionId>,
    /// Hint for decisions locked by it, to principals allowed `enable`.
    pub enable_hint: Option<Arc<str>>,
}

/// A compiled plan.
#[derive(Debug, Clone, Default)]
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
    /// The document compiled; none for a policy loaded from its artifact.
    pub document: Option<Document>,
    /// The policy's name.
    pub name: Option<String>,
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
    #[cfg(feature = "routes")]
    pub routes: RouteTable,
    /// The policy fingerprint, computed on first use.
    pub fingerprint: std::sync::OnceLock<String>,
    /// Unique to this compilation in the process: what ties an [`ActionKey`] and a parsed
    /// scope to the policy they were made by.
    pub identity: u64,
}

/// An action of one compiled policy's catalog, resolved once by
/// [`Policy::action_id`](crate::Policy::action_id) for checks in hot loops. It remembers
/// the policy it came from: a session of another policy (even a recompilation of the same
/// text) denies it as `unknown_action` rather than decide whichever action has its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionKey {
    pub(crate) index: ActionId,
    pub(crate) policy: u64,
}

impl ActionKey {
    /// The action's index in [`Policy::actions`](crate::Policy::actions).
    pub fn index(self) -> ActionId {
        self.index
    }
}

/// A new compilation identity (see [`Compiled::identity`]).
pub(crate) fn next_identity() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
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

/// Validates and compiles a document. The passes run in this order, each reading what the
/// ones before it produced, and report their problems in that order:
///
/// 1. the document's version;
/// 2. [`levels`]: the scope tree;
/// 3. [`catalog`]: features, plans, attributes, actions;
/// 4. [`roles`]: each role's level and grants, inclusion checked and flattened;
/// 5. [`rules`]: patterns expanded, conditions checked, each rule placed in its compiled
///    form ([`strategy`]);
/// 6. [`team`]: the `team` section and plan limits;
/// 7. `routes` (feature `routes`): the route table and its segment tree;
/// 8. [`warnings`]: what compiles but is likely a mistake, only when nothing failed.
///
/// Each pass function is `#[inline(always)]`: called once, here, and compiled as parts of
/// this one function the passes keep the WebAssembly modules from growing (left to the
/// optimizer, the split made the full module 1 to 6 KB larger, as inlining went).
pub(crate) fn compile(document: Document) -> Result<Compiled, Vec<Diagnostic>> {
    let mut cx = Context::new(&document);
    check_version(&mut cx);
    if !check_limits(&mut cx) {
        return Err(cx.errors);
    }
    let levels = levels::compile_levels(&mut cx);
    let mut catalog = catalog::compile_catalog(&mut cx, &levels);
    let mut roles = roles::compile_roles(&mut cx, &levels, &catalog);
    let rules = rules::compile_rules(&mut cx, &mut catalog, &mut roles);
    let team = team::compile_team(&mut cx, &roles, &levels);
    #[cfg(feature = "routes")]
    let routes = routes::compile_routes(&mut cx, &levels, &catalog);
    #[cfg(not(all(feature = "wasm", not(feature = "wasm-full"))))]
    warnings::compile_warnings(&mut cx, &levels, &catalog, &roles.roles, &rules);
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    let warnings = cx.warnings;
    Ok(Compiled {
        levels: levels.levels,
        root: levels.root,
        level_index: levels.index,
        actions: catalog.actions,
        action_index: catalog.action_index,
        roles: roles.roles,
        role_index: roles.index,
        rules: rules.rules,
        deny_rules: rules.deny_rules,
        deny_any: rules.deny_any,
        features: catalog.features,
        feature_index: catalog.feature_index,
        plans: catalog.plans,
        plan_index: catalog.plan_index,
        attributes: catalog.attributes,
        warnings,
        team,
        #[cfg(feature = "routes")]
        routes,
        fingerprint: std::sync::OnceLock::new(),
        identity: next_identity(),
        name: document.name.clone(),
        document: Some(document),
    })
}

/// The most entries of each section the engine compiles: the sizes of the compiled index
/// (bitsets of roles and actions per role and rule, include expansions, rule attachments)
/// grow with their products, so each is bounded for any document under the size cap.
pub(crate) const LIMITS: [(&str, usize); 6] = [
    ("scopes", crate::limits::MAX_LEVELS),
    ("actions", crate::limits::MAX_ACTIONS),
    ("roles", crate::limits::MAX_ROLES),
    ("rules", crate::limits::MAX_RULES),
    ("features", crate::limits::MAX_FEATURES),
    ("plans", crate::limits::MAX_PLANS),
];

/// Whether every section is within [`LIMITS`]; a section over its limit is an error and
/// nothing else is compiled.
fn check_limits(cx: &mut Context<'_>) -> bool {
    let doc = cx.doc;
    let counts = [
        doc.scopes.len(),
        doc.actions.len(),
        doc.roles.len(),
        doc.rules.len(),
        doc.features.len(),
        doc.plans.len(),
    ];
    let mut within = true;
    for ((section, max), count) in LIMITS.into_iter().zip(counts) {
        if count > max {
            within = false;
            cx.error(
                ErrorCode::LimitExceeded,
                DocPath::root().key(section),
                format!("`{section}` has {count} entries, over the limit of {max}"),
            );
        }
    }
    within
}

/// The document declares the version this release reads.
fn check_version(cx: &mut Context<'_>) {
    let version = &cx.doc.version;
    if *version != DOCUMENT_VERSION {
        cx.error_help(
            ErrorCode::UnsupportedVersion,
            DocPath::root().key("version"),
            format!("policy version `{version}` is not supported"),
            format!("this release reads version {DOCUMENT_VERSION}"),
        );
    }
}
