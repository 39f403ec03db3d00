//! Building the policy model from a document tree, with every structural error reported
//! (unknown and missing fields, wrong types and values), each at its path: the
//! policy-specific part, on the typed reader of the JSON layer.

use super::model::{
    ActionDoc, AttrType, AttributesDoc, Document, FeatureDoc, ManageDoc, NamedMap, PlanDoc,
    RoleDoc, RouteDoc, RuleDoc, RuleEffect, ScopeLevelDoc, TeamDoc, TeamLintDoc, TransferDoc,
};
use crate::error::{Diagnostic, DocPath, ErrorCode};
use crate::json::read::{Reader, Table};
use crate::json::tree::{Kind, Node};

/// A table keyed by name, every entry read by `read`.
fn named<T>(
    r: &mut Reader,
    table: &mut Table<'_>,
    key: &str,
    read: fn(&mut Reader, &Node, &DocPath) -> Option<T>,
) -> NamedMap<T> {
    let mut out = NamedMap::default();
    r.each_named(table, key, &mut |r, name, node, path| {
        if let Some(value) = read(r, node, path) {
            out.0.push((name.to_owned(), value));
        }
    });
    out
}

fn attr_type(r: &mut Reader, node: &Node, path: &DocPath) -> Option<AttrType> {
    let text = r.string(node, path.clone())?;
    let ty = match text.as_str() {
        "string" => AttrType::String,
        "number" => AttrType::Number,
        "bool" => AttrType::Bool,
        "string[]" => AttrType::StringList,
        "number[]" => AttrType::NumberList,
        _ => {
            r.error(
                ErrorCode::BadValue,
                path.clone(),
                node.start,
                format!(
                    "`{text}` is not an attribute type: expected one of `string`, `number`, `bool`, `string[]`, `number[]`"
                ),
            );
            return None;
        }
    };
    Some(ty)
}

fn scope_level(r: &mut Reader, node: &Node, path: &DocPath) -> Option<ScopeLevelDoc> {
    let mut t = r.table(node, path, "a scope level table")?;
    let doc = ScopeLevelDoc {
        parent: r.opt_string(&mut t, "parent"),
        label: r.opt_string(&mut t, "label"),
    };
    r.finish(t, &["parent", "label"]);
    Some(doc)
}

fn feature(r: &mut Reader, node: &Node, path: &DocPath) -> Option<FeatureDoc> {
    let mut t = r.table(node, path, "a feature table")?;
    let doc = FeatureDoc {
        label: r.opt_string(&mut t, "label"),
        hint: r.opt_string(&mut t, "hint"),
        enable: r.opt_string(&mut t, "enable"),
        enable_hint: r.opt_string(&mut t, "enable_hint"),
    };
    r.finish(t, &["label", "hint", "enable", "enable_hint"]);
    Some(doc)
}

fn plan(r: &mut Reader, node: &Node, path: &DocPath) -> Option<PlanDoc> {
    let mut t = r.table(node, path, "a plan table")?;
    let doc = PlanDoc {
        label: r.opt_string(&mut t, "label"),
        features: r.strings(&mut t, "features"),
        limits: named(r, &mut t, "limits", count),
    };
    r.finish(t, &["label", "features", "limits"]);
    Some(doc)
}

fn action(r: &mut Reader, node: &Node, path: &DocPath) -> Option<ActionDoc> {
    let mut t = r.table(node, path, "an action table")?;
    let scope = r.required_string(&mut t, "scope");
    let doc = ActionDoc {
        scope,
        label: r.opt_string(&mut t, "label"),
        group: r.opt_string(&mut t, "group"),
        tags: r.strings(&mut t, "tags"),
        feature: r.opt_string(&mut t, "feature"),
        plans: r.strings(&mut t, "plans"),
        hint: r.opt_string(&mut t, "hint"),
    };
    r.finish(
        t,
        &[
            "scope", "label", "group", "tags", "feature", "plans", "hint",
        ],
    );
    Some(doc)
}

fn role(r: &mut Reader, node: &Node, path: &DocPath) -> Option<RoleDoc> {
    let mut t = r.table(node, path, "a role table")?;
    let scope = r.required_string(&mut t, "scope");
    let doc = RoleDoc {
        scope,
        label: r.opt_string(&mut t, "label"),
        description: r.opt_string(&mut t, "description"),
        cascade: r.bool(&mut t, "cascade"),
        includes: r.strings(&mut t, "includes"),
        allow: r.strings(&mut t, "allow"),
    };
    r.finish(
        t,
        &[
            "scope",
            "label",
            "description",
            "cascade",
            "includes",
            "allow",
        ],
    );
    Some(doc)
}

fn rule(r: &mut Reader, node: &Node, path: &DocPath) -> Option<RuleDoc> {
    let mut t = r.table(node, path, "a rule table")?;
    let effect = r.required(&mut t, "effect").and_then(|n| {
        let text = r.string(n, path.key("effect"))?;
        match text.as_str() {
            "allow" => Some(RuleEffect::Allow),
            "deny" => Some(RuleEffect::Deny),
            _ => {
                r.error(
                    ErrorCode::BadValue,
                    path.key("effect"),
                    n.start,
                    format!("`{text}` is not a rule effect: expected `allow` or `deny`"),
                );
                None
            }
        }
    });
    let roles = match r.required(&mut t, "roles") {
        Some(n) => r.string_list(n, path.key("roles")),
        None => Vec::new(),
    };
    let actions = match r.required(&mut t, "actions") {
        Some(n) => r.string_list(n, path.key("actions")),
        None => Vec::new(),
    };
    let when = r.opt_string(&mut t, "when");
    let description = r.opt_string(&mut t, "description");
    r.finish(t, &["effect", "roles", "actions", "when", "description"]);
    Some(RuleDoc {
        effect: effect.unwrap_or(RuleEffect::Deny),
        roles,
        actions,
        when,
        description,
    })
}

fn count(r: &mut Reader, node: &Node, path: &DocPath) -> Option<u32> {
    match &node.kind {
        Kind::Integer(n) => match u32::try_from(*n) {
            Ok(n) => Some(n),
            Err(_) => {
                r.error(
                    ErrorCode::BadValue,
                    path.clone(),
                    node.start,
                    format!("`{n}` is not a count: expected a whole number from 0"),
                );
                None
            }
        },
        _ => {
            r.bad_type(node, path.clone(), "a whole number");
            None
        }
    }
}

fn opt_count(r: &mut Reader, t: &mut Table<'_>, key: &str) -> Option<u32> {
    let node = t.take(key)?;
    count(r, node, &t.path(key))
}

fn manage(r: &mut Reader, node: &Node, path: &DocPath) -> Option<ManageDoc> {
    let mut t = r.table(node, path, "a table of what a role may manage")?;
    let doc = ManageDoc {
        assign: r.strings(&mut t, "assign"),
        remove: r.strings(&mut t, "remove"),
        scopes: r.bool(&mut t, "scopes"),
    };
    r.finish(t, &["assign", "remove", "scopes"]);
    Some(doc)
}

fn team(r: &mut Reader, node: &Node, path: &DocPath) -> Option<TeamDoc> {
    let mut t = r.table(node, path, "a team table")?;
    let transfer = match t.take("transfer") {
        None => None,
        Some(n) => {
            let p = path.key("transfer");
            let mut tt = r.table(n, &p, "a transfer table")?;
            let role = r.required_string(&mut tt, "role");
            let to = match r.required(&mut tt, "to") {
                Some(n) => r.string_list(n, p.key("to")),
                None => Vec::new(),
            };
            let previous = r.required_string(&mut tt, "previous");
            r.finish(tt, &["role", "to", "previous"]);
            Some(TransferDoc { role, to, previous })
        }
    };
    let require_org_member = t.take("require_org_member").and_then(|n| match n.kind {
        Kind::Bool(b) => Some(b),
        _ => {
            r.bad_type(n, path.key("require_org_member"), "`true` or `false`");
            None
        }
    });
    let lint = match t.take("lint") {
        None => TeamLintDoc::default(),
        Some(n) => {
            let p = path.key("lint");
            let mut lt = r.table(n, &p, "a lint table")?;
            let doc = TeamLintDoc {
                admin_roles: r.strings(&mut lt, "admin_roles"),
                min_admins: opt_count(r, &mut lt, "min_admins"),
                max_admins: opt_count(r, &mut lt, "max_admins"),
                reviewer_roles: r.strings(&mut lt, "reviewer_roles"),
                inactive_days: opt_count(r, &mut lt, "inactive_days"),
                scope_owner_roles: named(r, &mut lt, "scope_owner_roles", |r, n, p| {
                    Some(r.string_list(n, p.clone()))
                }),
            };
            r.finish(
                lt,
                &[
                    "admin_roles",
                    "min_admins",
                    "max_admins",
                    "reviewer_roles",
                    "inactive_days",
                    "scope_owner_roles",
                ],
            );
            doc
        }
    };
    let doc = TeamDoc {
        unique: r.strings(&mut t, "unique"),
        protected: r.strings(&mut t, "protected"),
        min_holders: named(r, &mut t, "min_holders", count),

        manage: named(r, &mut t, "manage", manage),
        transfer,
        require_org_member,
        lint,
    };
    r.finish(
        t,
        &[
            "unique",
            "protected",
            "min_holders",
            "manage",
            "transfer",
            "require_org_member",
            "lint",
        ],
    );
    Some(doc)
}

fn route(r: &mut Reader, node: &Node, path: &DocPath) -> Option<RouteDoc> {
    let mut t = r.table(node, path, "a route table")?;
    let doc = RouteDoc {
        action: r.required_string(&mut t, "action"),
        scope: r.opt_string(&mut t, "scope"),
        resource: r.opt_string(&mut t, "resource"),
        id: r.opt_string(&mut t, "id"),
        description: r.opt_string(&mut t, "description"),
    };
    r.finish(t, &["action", "scope", "resource", "id", "description"]);
    Some(doc)
}

fn attributes(r: &mut Reader, node: &Node, path: &DocPath) -> Option<AttributesDoc> {
    let mut t = r.table(node, path, "an attributes table")?;
    let doc = AttributesDoc {
        principal: named(r, &mut t, "principal", attr_type),
        resource: named(r, &mut t, "resource", attr_type),
        tenant: named(r, &mut t, "tenant", attr_type),
    };
    r.finish(t, &["principal", "resource", "tenant"]);
    Some(doc)
}

/// Builds the model from a tree. All structural errors are reported, each with the
/// offset of the node it points at (for line and column).
pub(crate) fn document(node: &Node) -> Result<Document, (Vec<Diagnostic>, Vec<usize>)> {
    let mut r = Reader::default();
    let root = DocPath::root();
    let Some(mut t) = r.table(node, &root, "a policy document (a table)") else {
        return Err((r.errors, r.offsets));
    };
    let version = match r.required(&mut t, "version") {
        None => 0,
        Some(Node {
            kind: Kind::Integer(n),
            start,
        }) => u32::try_from(*n).unwrap_or_else(|_| {
            r.error(
                ErrorCode::BadValue,
                root.key("version"),
                *start,
                format!("version `{n}` is out of range"),
            );
            0
        }),
        Some(other) => {
            r.bad_type(other, root.key("version"), "an integer");
            0
        }
    };
    // `$schema` names the JSON Schema an editor checks the file against: not the policy's.
    let schema = r.opt_string(&mut t, "$schema");
    let name = r.opt_string(&mut t, "name");
    let description = r.opt_string(&mut t, "description");
    let scopes = named(&mut r, &mut t, "scopes", scope_level);
    let features = named(&mut r, &mut t, "features", feature);
    let plans = named(&mut r, &mut t, "plans", plan);
    let attributes = match t.take("attributes") {
        Some(n) => attributes(&mut r, n, &root.key("attributes")).unwrap_or_default(),
        None => AttributesDoc::default(),
    };
    let actions = named(&mut r, &mut t, "actions", action);
    let roles = named(&mut r, &mut t, "roles", role);
    let rules = named(&mut r, &mut t, "rules", rule);
    let team = match t.take("team") {
        Some(n) => team(&mut r, n, &root.key("team")).unwrap_or_default(),
        None => TeamDoc::default(),
    };
    let routes = named(&mut r, &mut t, "routes", route);
    r.finish(
        t,
        &[
            "version",
            "name",
            "description",
            "scopes",
            "features",
            "plans",
            "attributes",
            "actions",
            "roles",
            "rules",
            "team",
            "routes",
        ],
    );
    if !r.errors.is_empty() {
        return Err((r.errors, r.offsets));
    }
    Ok(Document {
        schema,
        version,
        name,
        description,
        scopes,
        features,
        plans,
        attributes,
        actions,
        roles,
        rules,
        team,
        routes,
    })
}
