//! The catalog pass: features, plans, declared attributes and actions.
//!
//! Checks their names, resolves the features a plan grants and the level, feature and
//! plans of each action, and writes the hints shown on decisions locked by a gate.

use super::context::{ACTION_RULE, Context, NAME_RULE, is_action_name, is_name};
use super::levels::LevelTree;
use super::pattern::expand_pattern;
use super::{Action, ActionId, BitSet, Feature, FeatureId, Plan, PlanId};
use crate::document::condition::{self, AttrRef, Entity};
use crate::document::{ActionDoc, AttrType};
use crate::error::{DocPath, ErrorCode};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the catalog pass produces.
pub(super) struct Catalog {
    pub features: Vec<Feature>,
    pub feature_index: BTreeMap<Arc<str>, FeatureId>,
    pub plans: Vec<Plan>,
    pub plan_index: BTreeMap<Arc<str>, PlanId>,
    pub attributes: BTreeMap<(Entity, String), AttrType>,
    pub actions: Vec<Action>,
    pub action_index: BTreeMap<Arc<str>, ActionId>,
}

impl Catalog {
    /// The actions an action pattern selects.
    pub fn expand(&self, pattern: &str) -> Result<BitSet, (ErrorCode, String)> {
        expand_pattern(pattern, &self.actions, &self.action_index)
    }
}

/// Runs the pass.
#[inline(always)] // Called once, by `compile`: see there why it is inlined.
pub(super) fn compile_catalog(cx: &mut Context<'_>, levels: &LevelTree) -> Catalog {
    let doc = cx.doc;
    let feature_index = cx.names(&doc.features, "features", "feature", is_name, NAME_RULE);
    let mut features: Vec<Feature> = doc
        .features
        .iter()
        .map(|(name, f)| Feature {
            name: Arc::from(name),
            label: f.label.clone(),
            hint: f.hint.as_deref().map(Arc::from),
            enable: None,
            enable_hint: f.enable_hint.as_deref().map(Arc::from),
        })
        .collect();
    let plan_index = cx.names(&doc.plans, "plans", "plan", is_name, NAME_RULE);
    let plans = compile_plans(cx, &feature_index);
    let attributes = compile_attributes(cx);
    // (Inserted one by one: collecting into a map would pull a sort into the wasm build.)
    let action_index = cx.names(
        &doc.actions,
        "actions",
        "action",
        is_action_name,
        ACTION_RULE,
    );
    let mut actions = Vec::new();
    for (name, a) in doc.actions.iter() {
        actions.push(compile_action(
            cx,
            levels,
            &feature_index,
            &plan_index,
            name,
            a,
        ));
    }
    compile_enable(cx, levels, &action_index, &actions, &mut features);
    Catalog {
        features,
        feature_index,
        plans,
        plan_index,
        attributes,
        actions,
        action_index,
    }
}

/// The plans, each with the features it grants.
fn compile_plans(cx: &mut Context<'_>, feature_index: &BTreeMap<Arc<str>, FeatureId>) -> Vec<Plan> {
    let mut plans = Vec::new();
    for (name, p) in cx.doc.plans.iter() {
        let mut granted = Vec::new();
        for (i, f) in p.features.iter().enumerate() {
            match feature_index.get(f.as_str()) {
                Some(&id) => granted.push(id),
                None => cx.error(
                    ErrorCode::UnknownFeature,
                    DocPath::root()
                        .key("plans")
                        .key(name)
                        .key("features")
                        .index(i),
                    format!(
                        "feature `{f}` is not declared{}",
                        crate::suggest::did_you_mean(f, feature_index.keys().map(|k| &**k))
                    ),
                ),
            }
        }
        plans.push(Plan {
            name: Arc::from(name),
            label: p.label.clone(),
            features: granted,
        });
    }
    plans
}

/// The declared attributes of principals, resources and tenants, by entity and name.
fn compile_attributes(cx: &mut Context<'_>) -> BTreeMap<(Entity, String), AttrType> {
    let doc = cx.doc;
    let mut attributes = BTreeMap::new();
    for (entity, table) in [
        (Entity::Principal, &doc.attributes.principal),
        (Entity::Resource, &doc.attributes.resource),
        (Entity::Tenant, &doc.attributes.tenant),
    ] {
        let section = format!("attributes.{}", entity.as_str());
        let base = DocPath::root().key("attributes").key(entity.as_str());
        for (name, ty) in table.iter() {
            let path = base.key(name);
            if !is_name(name) {
                cx.error(
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
                cx.error(
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
                cx.error(
                    ErrorCode::DuplicateName,
                    path,
                    format!("attribute `{name}` is declared twice in `{section}`"),
                );
            }
        }
    }
    attributes
}

/// One action of the catalog, with its level, gates and their hints resolved.
fn compile_action(
    cx: &mut Context<'_>,
    levels: &LevelTree,
    feature_index: &BTreeMap<Arc<str>, FeatureId>,
    plan_index: &BTreeMap<Arc<str>, PlanId>,
    name: &str,
    a: &ActionDoc,
) -> Action {
    let base = DocPath::root().key("actions").key(name);
    let level = levels
        .level_of(cx, &a.scope, base.key("scope"))
        .unwrap_or(levels.root);
    let feature = a
        .feature
        .as_ref()
        .and_then(|f| match feature_index.get(f.as_str()) {
            Some(&id) => Some(id),
            None => {
                cx.error(
                    ErrorCode::UnknownFeature,
                    base.key("feature"),
                    format!(
                        "feature `{f}` is not declared{}",
                        crate::suggest::did_you_mean(f, feature_index.keys().map(|k| &**k))
                    ),
                );
                None
            }
        });
    let mut required_plans = Vec::new();
    for (i, p) in a.plans.iter().enumerate() {
        match plan_index.get(p.as_str()) {
            Some(&id) => required_plans.push(id),
            None => cx.error(
                ErrorCode::UnknownPlan,
                base.key("plans").index(i),
                format!(
                    "plan `{p}` is not declared{}",
                    crate::suggest::did_you_mean(p, plan_index.keys().map(|k| &**k))
                ),
            ),
        }
    }
    for (i, t) in a.tags.iter().enumerate() {
        if !is_name(t) {
            cx.error(
                ErrorCode::BadName,
                base.key("tags").index(i),
                format!("tag `{t}` is not valid: {NAME_RULE}"),
            );
        }
    }
    Action {
        name: Arc::from(name),
        label: a.label.clone(),
        group: a.group.clone(),
        level,
        tags: a.tags.clone(),
        feature_hint: feature_hint(cx, a, feature).map(Arc::from),
        plan_hint: plan_hint(cx, a, &required_plans).map(Arc::from),
        feature,
        plans: required_plans,
        reads_resource: false,
    }
}

/// Each feature's `enable` action: declared, of the root level (a feature is the
/// tenant's), and given with `enable_hint`.
fn compile_enable(
    cx: &mut Context<'_>,
    levels: &LevelTree,
    action_index: &BTreeMap<Arc<str>, ActionId>,
    actions: &[Action],
    features: &mut [Feature],
) {
    let doc = cx.doc;
    for (feature, (name, f)) in features.iter_mut().zip(doc.features.iter()) {
        let id = f.enable.as_deref().map(|e| action_index.get(e).copied());
        let (code, key, message) = match (id, &f.enable_hint) {
            (None, None) => continue,
            (Some(Some(id)), Some(_)) => {
                if actions.get(id).is_some_and(|a| a.level == levels.root) {
                    feature.enable = Some(id);
                    continue;
                }
                (
                    ErrorCode::BadScopeLevel,
                    "enable",
                    "`enable` is not a root-level action",
                )
            }
            (Some(None), _) => (
                ErrorCode::UnknownAction,
                "enable",
                "`enable` is not a declared action",
            ),
            (Some(_), None) => (
                ErrorCode::MissingField,
                "enable_hint",
                "`enable` needs `enable_hint`",
            ),
            (None, Some(_)) => (
                ErrorCode::MissingField,
                "enable",
                "`enable_hint` needs `enable`",
            ),
        };
        cx.error(
            code,
            DocPath::root().key("features").key(name).key(key),
            message.to_owned(),
        );
    }
}

/// The hint of a decision locked by the action's feature: the action's own hint, else the
/// feature's, else "`<feature>` is not enabled".
fn feature_hint(cx: &Context<'_>, a: &ActionDoc, feature: Option<FeatureId>) -> Option<String> {
    a.hint.clone().or_else(|| {
        let (name, doc) = cx.doc.features.0.get(feature?)?;
        Some(
            doc.hint.clone().unwrap_or_else(|| {
                format!("{} is not enabled", doc.label.as_deref().unwrap_or(name))
            }),
        )
    })
}

/// The hint of a decision locked by the action's plans: the action's own hint, else
/// "requires the `<plan>` or `<plan>` plan".
fn plan_hint(cx: &Context<'_>, a: &ActionDoc, plans: &[PlanId]) -> Option<String> {
    a.hint.clone().or_else(|| {
        if plans.is_empty() {
            return None;
        }
        let names: Vec<String> = plans
            .iter()
            .filter_map(|&p| {
                let (name, plan) = cx.doc.plans.0.get(p)?;
                Some(plan.label.clone().unwrap_or_else(|| name.clone()))
            })
            .collect();
        Some(format!("requires the {} plan", names.join(" or ")))
    })
}
