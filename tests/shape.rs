//! The one table of the policy document's shape, and the checks that keep the five places
//! that describe it equal to it.
//!
//! [`DOCUMENT`] and the tables it reaches list every section and key of a policy document:
//! its value type, whether it is required, the values it allows and a one-line
//! description. From the table this file generates `policy.schema.json` and the
//! `PolicyDocument` block of `js/index.d.ts` (between `// <generated: policy document shape>`
//! and `// </generated>`), and it checks the three places written by hand: the reader
//! (`src/document/read.rs`) accepts every key and rejects a misspelled one with
//! `unknown_field` at its path, the model (`src/document/model.rs`) serializes exactly these
//! keys, and docs/POLICY.md mentions every key.
//!
//! To add a section (say `routes`) or a key:
//! 1. add it to the model and the reader (`src/document/`), and describe it in docs/POLICY.md;
//! 2. add it here: a [`Key`] in the table that holds it, and a new [`Table`] for the
//!    entries of a new section (a table keyed by name is `Ty::Named`);
//! 3. give it a value in [`EVERY_KEY`], the document that uses every key;
//! 4. run `ROLEGATE_BLESS=1 cargo test --test shape` to rewrite the generated files, then
//!    `cargo test --test shape --test schema` (and `--test typescript`) to check them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{DocPath, Policy};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

// ---------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------

/// A value that is not a table: its JSON Schema and TypeScript forms.
struct Scalar {
    /// The name of its `$defs` entry (and TypeScript type, for enumerations), if it has one.
    def: Option<&'static str>,
    /// What it is, for the `$defs` entry.
    doc: &'static str,
    /// The JSON Schema type: `string`, `integer` or `boolean`.
    json: &'static str,
    /// The TypeScript type, when it is not a union of `values`.
    ts: &'static str,
    /// A regular expression the text must match.
    pattern: Option<&'static str>,
    /// The values allowed, when only some are.
    values: &'static [&'static str],
    /// The one number allowed.
    constant: Option<u32>,
    /// The smallest number allowed.
    minimum: Option<u32>,
}

impl Scalar {
    const fn plain(json: &'static str, ts: &'static str) -> Scalar {
        Scalar {
            def: None,
            doc: "",
            json,
            ts,
            pattern: None,
            values: &[],
            constant: None,
            minimum: None,
        }
    }
}

/// The type of a key's value.
enum Ty {
    Scalar(&'static Scalar),
    /// A list of values.
    List(&'static Ty),
    /// A table of fixed keys.
    Table(&'static Table),
    /// A table keyed by name (names of the first type), each entry of the second type.
    Named(&'static Scalar, &'static Ty),
}

/// A key of a table.
struct Key {
    name: &'static str,
    ty: Ty,
    required: bool,
    /// One line for people: the schema's `description`, the TypeScript doc comment.
    doc: &'static str,
}

/// A table of fixed keys: the document itself or one of its parts.
struct Table {
    /// The TypeScript interface, the `$defs` entry and the Rust model type (`src/document/model.rs`).
    name: &'static str,
    doc: &'static str,
    keys: &'static [Key],
}

const fn key(name: &'static str, ty: Ty, doc: &'static str) -> Key {
    Key {
        name,
        ty,
        required: false,
        doc,
    }
}

const fn required(name: &'static str, ty: Ty, doc: &'static str) -> Key {
    Key {
        name,
        ty,
        required: true,
        doc,
    }
}

const TEXT: Scalar = Scalar::plain("string", "string");
const BOOL: Scalar = Scalar::plain("boolean", "boolean");
const COUNT: Scalar = Scalar {
    minimum: Some(0),
    ..Scalar::plain("integer", "number")
};
const VERSION: Scalar = Scalar {
    constant: Some(1),
    ..Scalar::plain("integer", "number")
};
const NAME: Scalar = Scalar {
    def: Some("name"),
    doc: "A role, scope level, feature, plan, rule, attribute or tag name: letters, digits, `_` and `-`.",
    pattern: Some("^[A-Za-z0-9_-]+$"),
    ..Scalar::plain("string", "string")
};
const ACTION_NAME: Scalar = Scalar {
    def: Some("actionName"),
    doc: "An action name: two or more segments of `a-z`, `0-9`, `_` and `-`, joined by dots, e.g. `campaign.create`.",
    pattern: Some("^[a-z0-9_-]+(\\.[a-z0-9_-]+)+$"),
    ..Scalar::plain("string", "string")
};
const ACTION_PATTERN: Scalar = Scalar {
    def: Some("actionPattern"),
    doc: "An action pattern: an action name (`campaign.create`), every action under a prefix (`campaign.*`), every action (`*`), or every action with a tag (`tag:write`).",
    pattern: Some("^(\\*|tag:[A-Za-z0-9_-]+|[a-z0-9_-]+(\\.[a-z0-9_-]+)*\\.(\\*|[a-z0-9_-]+))$"),
    ..Scalar::plain("string", "string")
};
const ROLE_OR_EVERY: Scalar = Scalar {
    pattern: Some("^(\\*|[A-Za-z0-9_-]+)$"),
    ..Scalar::plain("string", "string")
};
const ATTR_TYPE: Scalar = Scalar {
    def: Some("AttrType"),
    doc: "The type of an attribute: `string`, `number` (a 64-bit float), `bool`, `string[]` or `number[]`.",
    values: &["string", "number", "bool", "string[]", "number[]"],
    ..Scalar::plain("string", "")
};
const EFFECT: Scalar = Scalar {
    values: &["allow", "deny"],
    ..Scalar::plain("string", "")
};

const NAMES: Ty = Ty::List(&Ty::Scalar(&NAME));
const PATTERNS: Ty = Ty::List(&Ty::Scalar(&ACTION_PATTERN));
const ATTRIBUTE_TABLE: Ty = Ty::Named(&NAME, &Ty::Scalar(&ATTR_TYPE));

const ROUTE_PATTERN: Scalar = Scalar {
    def: Some("routePattern"),
    doc: "A route: a method (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `OPTIONS`; `HEAD` requests match `GET` routes), one space, and a path of literal segments and whole-segment parameters, e.g. `GET /api/workspaces/{workspace}/campaigns`.",
    pattern: Some(
        "^(GET|POST|PUT|PATCH|DELETE|OPTIONS) /([A-Za-z0-9._~!$&'()*+,;=:@-]+|\\{[A-Za-z0-9_-]+\\})?(/([A-Za-z0-9._~!$&'()*+,;=:@-]+|\\{[A-Za-z0-9_-]+\\}))*$",
    ),
    ..Scalar::plain("string", "string")
};
#[rustfmt::skip]
const ROUTE: Table = Table {
    name: "RouteDoc",
    doc: "What a request matching the route asks for. Its pattern is its key in `routes`.",
    keys: &[
        required("action", Ty::Scalar(&ACTION_NAME), "The action the request needs (a name from `actions`)."),
        key("scope", Ty::Scalar(&TEXT), "Where the action is decided: a scope template over the path's parameters, e.g. `workspace:{workspace}` or `workspace:{workspace}/project:{project}`, at the action's level or below it. Absent: the tenant."),
        key("resource", Ty::Scalar(&NAME), "The type of the resource the request is about, e.g. `campaign`."),
        key("id", Ty::Scalar(&TEXT), "The resource's id, a template over the path's parameters, e.g. `{campaign}`."),
        key("description", Ty::Scalar(&TEXT), "Free text about the route."),
    ],
};
/// The whole document.
#[rustfmt::skip]
const DOCUMENT: Table = Table {
    name: "PolicyDocument",
    doc: "A rolegate policy document: scope levels, features, plans, attributes, the action catalog, roles, rules and team rules. Written in TOML or JSON; both have this shape. See docs/POLICY.md.",
    keys: &[
        key("$schema", Ty::Scalar(&TEXT), "The JSON Schema an editor checks the file against (`policy.schema.json`); read and ignored by the engine."),
        required("version", Ty::Scalar(&VERSION), "The policy format version: must be 1 (the engine checks it)."),
        key("name", Ty::Scalar(&TEXT), "Short name of the policy, e.g. `outreach`."),
        key("description", Ty::Scalar(&TEXT), "Free text for people reading the policy."),
        key("scopes", Ty::Named(&NAME, &Ty::Table(&SCOPE_LEVEL)), "Scope levels, keyed by level name, forming a tree: exactly one level has no `parent` (the root, the tenant, usually `org`); every other level names its enclosing level."),
        key("features", Ty::Named(&NAME, &Ty::Table(&FEATURE)), "Tenant features, keyed by feature name. An action that needs a feature is locked for tenants that do not have it."),
        key("plans", Ty::Named(&NAME, &Ty::Table(&PLAN)), "Plans a tenant may be on, keyed by plan name. A plan grants features and sets limits."),
        key("attributes", Ty::Table(&ATTRIBUTES), "Attributes that `when` conditions may read, declared with their types: `principal.<name>`, `resource.<name>`, `tenant.<name>`."),
        key("actions", Ty::Named(&ACTION_NAME, &Ty::Table(&ACTION)), "Every action the policy decides, keyed by action name (`resource.verb`, lowercase segments joined by dots, at least two), in display order."),
        key("roles", Ty::Named(&NAME, &Ty::Table(&ROLE)), "Roles, keyed by role name, in display order."),
        key("rules", Ty::Named(&NAME, &Ty::Table(&RULE)), "Named allow and deny rules attached to roles, with optional conditions. A matching deny rule wins over every allow."),
        key("team", Ty::Table(&TEAM), "Team rules: who may change whose roles, unique and protected roles, ownership transfer, and the hygiene checklist."),
        key("routes", Ty::Named(&ROUTE_PATTERN, &Ty::Table(&ROUTE)), "The route table for gates: request patterns (`METHOD /path/{param}`) mapped to the action they need, where it is decided, and the resource they are about."),
    ],
};

#[rustfmt::skip]
const SCOPE_LEVEL: Table = Table {
    name: "ScopeLevelDoc",
    doc: "A scope level, e.g. `workspace` or `project`.",
    keys: &[
        key("parent", Ty::Scalar(&NAME), "The enclosing scope level. Absent on exactly one level: the root, the tenant."),
        key("label", Ty::Scalar(&TEXT), "Display name of the level."),
    ],
};

#[rustfmt::skip]
const FEATURE: Table = Table {
    name: "FeatureDoc",
    doc: "A tenant feature: a product that is off until enabled for the tenant or granted by its plan.",
    keys: &[
        key("label", Ty::Scalar(&TEXT), "Display name of the feature."),
        key("hint", Ty::Scalar(&TEXT), "Text shown on actions locked because the feature is off, to those who may not enable it, e.g. `Ask your Org Admin to enable Outreach`."),
        key("enable", Ty::Scalar(&ACTION_NAME), "The action that enables the feature (an action of the root level, from `actions`): whoever is allowed it gets `enable_hint` on actions locked by the feature. Given with `enable_hint`."),
        key("enable_hint", Ty::Scalar(&TEXT), "Text shown on actions locked because the feature is off, to those allowed the `enable` action, e.g. `Enable Outreach in Settings`. Given with `enable`."),
    ],
};

#[rustfmt::skip]
const PLAN: Table = Table {
    name: "PlanDoc",
    doc: "A plan a tenant may be on.",
    keys: &[
        key("label", Ty::Scalar(&TEXT), "Display name of the plan."),
        key("features", NAMES, "Features every tenant on this plan has (names from `features`)."),
        key("limits", Ty::Named(&NAME, &Ty::Scalar(&COUNT)), "What the plan limits: `seats` (members, invitations included) or a scope level (how many scopes of that level the team may create). A limit that is absent is unlimited."),
    ],
};

#[rustfmt::skip]
const ATTRIBUTES: Table = Table {
    name: "AttributesDoc",
    doc: "Attribute declarations for conditions: attribute names mapped to their types.",
    keys: &[
        key("principal", ATTRIBUTE_TABLE, "Attributes of the principal (the user), readable as `principal.<name>`: name -> type."),
        key("resource", ATTRIBUTE_TABLE, "Attributes of the resource, readable as `resource.<name>`: name -> type."),
        key("tenant", ATTRIBUTE_TABLE, "Attributes of the tenant, readable as `tenant.<name>`: name -> type."),
    ],
};

#[rustfmt::skip]
const ACTION: Table = Table {
    name: "ActionDoc",
    doc: "An action of the catalog. Its name is its key in `actions`.",
    keys: &[
        required("scope", Ty::Scalar(&NAME), "The scope level the action applies at (a name from `scopes`). Required."),
        key("label", Ty::Scalar(&TEXT), "Display name of the action (the row of the permission matrix)."),
        key("group", Ty::Scalar(&TEXT), "Group for menus and documentation, e.g. `Billing`."),
        key("tags", NAMES, "Tags that patterns select with `tag:<name>`."),
        key("feature", Ty::Scalar(&NAME), "A tenant feature the action requires (a name from `features`); the action is locked while the feature is off."),
        key("plans", NAMES, "Plans the action requires, any of them (names from `plans`); the action is locked on other plans."),
        key("hint", Ty::Scalar(&TEXT), "Text for a locked decision on this action; overrides the feature's `hint` (those allowed the feature's `enable` action still get its `enable_hint`)."),
    ],
};

#[rustfmt::skip]
const ROLE: Table = Table {
    name: "RoleDoc",
    doc: "A role, assigned to principals at a scope level. Its name is its key in `roles`.",
    keys: &[
        required("scope", Ty::Scalar(&NAME), "The scope level the role is assigned at (a name from `scopes`). Required."),
        key("label", Ty::Scalar(&TEXT), "Display name of the role (the column of the permission matrix)."),
        key("description", Ty::Scalar(&TEXT), "Free text about the role."),
        key("cascade", Ty::Scalar(&BOOL), "Whether the role also holds in every scope below the one it is assigned at. Default false."),
        key("includes", NAMES, "Roles whose grants this role has too (names from `roles`)."),
        key("allow", PATTERNS, "Action patterns the role allows without condition: `campaign.create`, `campaign.*`, `*` or `tag:write`."),
    ],
};

#[rustfmt::skip]
const RULE: Table = Table {
    name: "RuleDoc",
    doc: "A named allow or deny rule. Its name is its key in `rules`.",
    keys: &[
        required("effect", Ty::Scalar(&EFFECT), "`allow` grants the actions when the condition holds; `deny` forbids them and wins over every allow."),
        required("roles", Ty::List(&Ty::Scalar(&ROLE_OR_EVERY)), "Roles the rule is attached to (names from `roles`), or `*` for every role."),
        required("actions", PATTERNS, "Action patterns the rule covers: `campaign.create`, `campaign.*`, `*` or `tag:write`."),
        key("when", Ty::Scalar(&TEXT), "A condition over `principal`, `resource` and `tenant`, e.g. `resource.assignee == principal.id`. Operators: `==`, `!=`, `in`, `&&`, `||`, `!`, parentheses, `has` (`resource has assignee`). A comparison over an attribute the request lacks is undecided: an allow rule then does not apply, a deny rule does. Absent: always holds."),
        key("description", Ty::Scalar(&TEXT), "Free text about the rule."),
    ],
};

#[rustfmt::skip]
const TEAM: Table = Table {
    name: "TeamDoc",
    doc: "Who may change whose roles, unique and protected roles, ownership transfer, and the hygiene checklist.",
    keys: &[
        key("unique", NAMES, "Roles exactly one member holds (the owner): never a second, never none."),
        key("protected", NAMES, "Roles whose holders nobody else may remove, demote or change."),
        key("min_holders", Ty::Named(&NAME, &Ty::Scalar(&COUNT)), "By role: the fewest active members that must hold it (a holder of a role that includes it counts), in the organization for an organization role, in each scope for a scope role. A change that would leave fewer is refused (`min_holders_required`); the lint reports teams short of holders."),
        key("manage", Ty::Named(&NAME, &Ty::Table(&MANAGE)), "By role: what its holders may do to the team."),
        key("transfer", Ty::Table(&TRANSFER), "Ownership transfer: the holder of `role` hands it to a member holding one of `to`, and becomes `previous`, in one change."),
        key("require_org_member", Ty::Scalar(&BOOL), "Whether a scope membership needs an active member of the organization (default true)."),
        key("lint", Ty::Table(&TEAM_LINT), "Thresholds of the hygiene checklist (`rolegate lint`)."),
    ],
};

#[rustfmt::skip]
const MANAGE: Table = Table {
    name: "ManageDoc",
    doc: "What the holders of one role may do to the team.",
    keys: &[
        key("assign", NAMES, "Roles they may give: invite as, change to, add memberships with."),
        key("remove", NAMES, "Roles whose holders they may remove or change to another role."),
        key("scopes", Ty::Scalar(&BOOL), "Whether they may create and delete scopes (workspaces, businesses, projects)."),
    ],
};

#[rustfmt::skip]
const TRANSFER: Table = Table {
    name: "TransferDoc",
    doc: "Ownership transfer: the holder of `role` hands it to a member holding one of `to`, and becomes `previous`, in one change.",
    keys: &[
        required("role", Ty::Scalar(&NAME), "The role handed over (usually the unique owner role)."),
        required("to", NAMES, "Roles the new holder must have."),
        required("previous", Ty::Scalar(&NAME), "What the previous holder becomes."),
    ],
};

#[rustfmt::skip]
const TEAM_LINT: Table = Table {
    name: "TeamLintDoc",
    doc: "Thresholds of the hygiene checklist.",
    keys: &[
        key("admin_roles", NAMES, "Organization roles that count as admin access."),
        key("min_admins", Ty::Scalar(&COUNT), "At least this many active admins (a backup); default 2 when admin roles are named."),
        key("max_admins", Ty::Scalar(&COUNT), "At most this many admins."),
        key("reviewer_roles", NAMES, "Roles giving review access; someone active should hold one."),
        key("inactive_days", Ty::Scalar(&COUNT), "Active members not seen for this many days are reported."),
        key("scope_owner_roles", Ty::Named(&NAME, &NAMES), "By scope level: roles one of which someone must hold in every scope of that level."),
    ],
};

/// A valid policy that gives every key of the table a value other than its default.
const EVERY_KEY: &str = r#"{
  "$schema": "../policy.schema.json",
  "version": 1,
  "name": "every-key",
  "description": "uses every key of the policy document",
  "scopes": {
    "org": { "label": "Organization" },
    "workspace": { "parent": "org", "label": "Workspace" }
  },
  "features": {
    "outreach": {
      "label": "Outreach", "hint": "Ask your Org Admin to enable Outreach",
      "enable": "outreach.enable", "enable_hint": "Enable Outreach in Settings"
    }
  },
  "plans": {
    "pro": { "label": "Pro", "features": ["outreach"], "limits": { "seats": 10, "workspace": 3 } }
  },
  "attributes": {
    "principal": { "department": "string" },
    "resource": { "assignee": "string" },
    "tenant": { "regions": "string[]" }
  },
  "actions": {
    "campaign.create": {
      "scope": "workspace", "label": "Create campaigns", "group": "Campaigns", "tags": ["write"],
      "feature": "outreach", "plans": ["pro"], "hint": "Requires the Pro plan"
    },
    "campaign.view": { "scope": "workspace" },
    "outreach.enable": { "scope": "org" }
  },
  "roles": {
    "owner": {
      "scope": "org", "label": "Owner", "description": "holds the account", "cascade": true,
      "includes": ["admin"], "allow": ["campaign.view"]
    },
    "admin": { "scope": "org", "cascade": true, "allow": ["campaign.*"] },
    "member": { "scope": "workspace" }
  },
  "rules": {
    "own_campaigns": {
      "effect": "allow", "roles": ["member"], "actions": ["campaign.view"],
      "when": "resource.assignee == principal.id", "description": "members see their own campaigns"
    }
  },
  "team": {
    "unique": ["owner"],
    "protected": ["owner"],
    "min_holders": { "admin": 1, "member": 1 },
    "manage": { "admin": { "assign": ["admin", "member"], "remove": ["member"], "scopes": true } },
    "transfer": { "role": "owner", "to": ["admin"], "previous": "admin" },
    "require_org_member": false,
    "lint": {
      "admin_roles": ["owner", "admin"], "min_admins": 2, "max_admins": 4,
      "reviewer_roles": ["member"], "inactive_days": 90,
      "scope_owner_roles": { "workspace": ["member"] }
    }
  },
  "routes": {
    "GET /api/workspaces/{workspace}/campaigns/{campaign}": {
      "action": "campaign.view", "scope": "workspace:{workspace}", "resource": "campaign",
      "id": "{campaign}", "description": "one campaign"
    }
  }
}"#;

// ---------------------------------------------------------------------------------------
// Walking the table
// ---------------------------------------------------------------------------------------

/// The tables reachable from `table` (itself first), each once, in order of appearance.
fn tables(table: &'static Table) -> Vec<&'static Table> {
    fn visit(ty: &'static Ty, out: &mut Vec<&'static Table>) {
        match ty {
            Ty::Scalar(_) => {}
            Ty::List(inner) | Ty::Named(_, inner) => visit(inner, out),
            Ty::Table(table) => {
                if !out.iter().any(|t| t.name == table.name) {
                    out.push(table);
                    table.keys.iter().for_each(|k| visit(&k.ty, out));
                }
            }
        }
    }
    let mut out = vec![table];
    table.keys.iter().for_each(|k| visit(&k.ty, &mut out));
    out
}

/// The scalars with a `$defs` entry, in order of appearance.
fn named_scalars() -> Vec<&'static Scalar> {
    fn add(scalar: &'static Scalar, out: &mut Vec<&'static Scalar>) {
        if scalar.def.is_some() && !out.iter().any(|o| o.def == scalar.def) {
            out.push(scalar);
        }
    }
    fn visit(ty: &'static Ty, out: &mut Vec<&'static Scalar>) {
        match ty {
            Ty::Scalar(s) => add(s, out),
            Ty::Named(name, inner) => {
                add(name, out);
                visit(inner, out);
            }
            Ty::List(inner) => visit(inner, out),
            Ty::Table(_) => {}
        }
    }
    let mut out = Vec::new();
    for table in tables(&DOCUMENT) {
        table.keys.iter().for_each(|k| visit(&k.ty, &mut out));
    }
    out
}

/// Every key path of the shape, a table keyed by name written as `*`: `roles.*.includes`.
fn shape_paths() -> BTreeSet<String> {
    fn visit(prefix: &str, ty: &Ty, out: &mut BTreeSet<String>) {
        match ty {
            Ty::Scalar(_) | Ty::List(_) => {}
            Ty::Table(table) => {
                for k in table.keys {
                    let path = join(prefix, k.name);
                    out.insert(path.clone());
                    visit(&path, &k.ty, out);
                }
            }
            Ty::Named(_, inner) => visit(&join(prefix, "*"), inner, out),
        }
    }
    let mut out = BTreeSet::new();
    visit("", &Ty::Table(&DOCUMENT), &mut out);
    out
}

/// The key paths a JSON value has, read along the shape (entries of tables keyed by name
/// written as `*`); keys the shape lacks are listed too, so that they show in a difference.
fn value_paths(value: &Value) -> BTreeSet<String> {
    fn visit(prefix: &str, ty: Option<&Ty>, value: &Value, out: &mut BTreeSet<String>) {
        let Value::Object(map) = value else {
            return;
        };
        for (name, inner) in map {
            let (path, inner_ty) = match ty {
                Some(Ty::Named(_, entry)) => (join(prefix, "*"), Some(*entry)),
                Some(Ty::Table(table)) => {
                    let found = table.keys.iter().find(|k| k.name == name.as_str());
                    (join(prefix, name), found.map(|k| &k.ty))
                }
                _ => (join(prefix, name), None),
            };
            if !matches!(ty, Some(Ty::Named(..))) {
                out.insert(path.clone());
            }
            visit(&path, inner_ty, inner, out);
        }
    }
    let mut out = BTreeSet::new();
    visit("", Some(&Ty::Table(&DOCUMENT)), value, &mut out);
    out
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

// ---------------------------------------------------------------------------------------
// Generating policy.schema.json
// ---------------------------------------------------------------------------------------

/// A JSON value that keeps its keys in the order given.
enum Json {
    Str(String),
    Int(u32),
    Bool(bool),
    List(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

fn text(s: &str) -> Json {
    Json::Str(s.to_owned())
}

fn reference(def: &str) -> Json {
    Json::Object(vec![("$ref", Json::Str(format!("#/$defs/{def}")))])
}

impl Json {
    /// Pretty-printed as `serde_json::to_string_pretty` does.
    fn write(&self, out: &mut String, indent: usize) {
        let pad = |n: usize| "  ".repeat(n);
        match self {
            Json::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
            Json::Int(n) => out.push_str(&n.to_string()),
            Json::Bool(b) => out.push_str(&b.to_string()),
            Json::List(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    item.write(out, indent + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            Json::Object(entries) => {
                out.push_str("{\n");
                for (i, (k, v)) in entries.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push_str(": ");
                    v.write(out, indent + 1);
                    out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
        }
    }
}

/// The schema of a scalar, written out (not as a reference to its `$defs` entry).
fn scalar_schema(s: &Scalar) -> Vec<(&'static str, Json)> {
    let mut out = vec![("type", text(s.json))];
    if let Some(pattern) = s.pattern {
        out.push(("pattern", text(pattern)));
    }
    if !s.values.is_empty() {
        out.push((
            "enum",
            Json::List(s.values.iter().map(|v| text(v)).collect()),
        ));
    }
    if let Some(constant) = s.constant {
        out.push(("const", Json::Int(constant)));
    }
    if let Some(minimum) = s.minimum {
        out.push(("minimum", Json::Int(minimum)));
    }
    out
}

/// The schema of a value of type `ty`.
fn ty_schema(ty: &Ty) -> Vec<(&'static str, Json)> {
    match ty {
        Ty::Scalar(s) => match s.def {
            Some(def) => vec![("$ref", Json::Str(format!("#/$defs/{def}")))],
            None => scalar_schema(s),
        },
        Ty::Table(table) => vec![("$ref", Json::Str(format!("#/$defs/{}", table.name)))],
        Ty::List(item) => vec![
            ("type", text("array")),
            ("items", Json::Object(ty_schema(item))),
        ],
        Ty::Named(name, entry) => vec![
            ("type", text("object")),
            (
                "propertyNames",
                reference(name.def.expect("names of a table have a $defs entry")),
            ),
            ("additionalProperties", Json::Object(ty_schema(entry))),
        ],
    }
}

/// The schema of a table of fixed keys, without its description.
fn table_schema(table: &Table) -> Vec<(&'static str, Json)> {
    let mut out = vec![
        ("type", text("object")),
        ("additionalProperties", Json::Bool(false)),
    ];
    let required: Vec<Json> = table
        .keys
        .iter()
        .filter(|k| k.required)
        .map(|k| text(k.name))
        .collect();
    if !required.is_empty() {
        out.push(("required", Json::List(required)));
    }
    let properties = table
        .keys
        .iter()
        .map(|k| {
            let mut schema = vec![("description", text(k.doc))];
            schema.extend(ty_schema(&k.ty));
            (k.name, Json::Object(schema))
        })
        .collect();
    out.push(("properties", Json::Object(properties)));
    out
}

/// The text of `policy.schema.json`.
fn generate_schema() -> String {
    let mut defs: Vec<(&'static str, Json)> = Vec::new();
    for scalar in named_scalars() {
        let mut schema = vec![("description", text(scalar.doc))];
        schema.extend(scalar_schema(scalar));
        defs.push((scalar.def.unwrap_or_default(), Json::Object(schema)));
    }
    for table in tables(&DOCUMENT).into_iter().skip(1) {
        let mut schema = vec![("description", text(table.doc))];
        schema.extend(table_schema(table));
        defs.push((table.name, Json::Object(schema)));
    }
    let mut root = vec![
        (
            "$schema",
            text("https://json-schema.org/draft/2020-12/schema"),
        ),
        ("$id", text("https://rolegate.dev/policy.schema.json")),
        ("title", text("rolegate policy")),
        (
            "$comment",
            text(
                "Generated from tests/shape.rs: edit the table there and run `ROLEGATE_BLESS=1 cargo test --test shape`.",
            ),
        ),
        ("description", text(DOCUMENT.doc)),
    ];
    root.extend(table_schema(&DOCUMENT));
    root.push(("$defs", Json::Object(defs)));
    let mut out = String::new();
    Json::Object(root).write(&mut out, 0);
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------------------
// Generating the TypeScript block
// ---------------------------------------------------------------------------------------

const TS_START: &str = "// <generated: policy document shape>";
const TS_END: &str = "// </generated>";

/// The TypeScript type of a value of type `ty`.
///
/// A value of an enumeration is its union `| (string & {})`: editors still offer the
/// values, and a document imported from JSON (whose strings TypeScript widens to `string`)
/// type-checks; the engine checks the value, as it checks `version`.
fn ty_ts(ty: &Ty) -> String {
    match ty {
        Ty::Scalar(s) if s.values.is_empty() => s.ts.to_owned(),
        Ty::Scalar(s) => match s.def {
            Some(def) => format!("{def} | (string & {{}})"),
            None => format!("{} | (string & {{}})", union(s.values)),
        },
        Ty::Table(table) => table.name.to_owned(),
        Ty::List(item) => match &**item {
            Ty::Scalar(s) if !s.values.is_empty() => format!("({})[]", ty_ts(item)),
            _ => format!("{}[]", ty_ts(item)),
        },
        Ty::Named(_, entry) => format!("{{ [name: string]: {} }}", ty_ts(entry)),
    }
}

fn union(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The generated block of `js/index.d.ts`, markers included.
fn generate_typescript() -> String {
    let mut out = format!(
        "{TS_START}\n// From the table in tests/shape.rs: edit it there and run\n// `ROLEGATE_BLESS=1 cargo test --test shape` to rewrite this block. `version` is a\n// number and enumerated values also take any string, so that a policy imported from a\n// JSON file type-checks (TypeScript widens its values); the engine checks them.\n"
    );
    for table in tables(&DOCUMENT) {
        let doc = if table.name == DOCUMENT.name {
            "The policy document in its JSON form (see docs/POLICY.md): what `Policy.fromObject` takes."
        } else {
            table.doc
        };
        out.push_str(&format!(
            "\n/** {doc} */\nexport interface {} {{\n",
            table.name
        ));
        for k in table.keys {
            let optional = if k.required { "" } else { "?" };
            out.push_str(&format!(
                "  /** {} */\n  {}{optional}: {};\n",
                k.doc,
                k.name,
                ty_ts(&k.ty)
            ));
        }
        out.push_str("}\n");
    }
    for scalar in named_scalars().into_iter().filter(|s| !s.values.is_empty()) {
        out.push_str(&format!(
            "\n/** {} */\nexport type {} = {};\n",
            scalar.doc,
            scalar.def.unwrap_or_default(),
            union(scalar.values)
        ));
    }
    out.push_str(TS_END);
    out
}

/// `declarations` with its generated block replaced by `block`.
fn replace_block(declarations: &str, block: &str) -> Option<String> {
    let start = declarations.find(TS_START)?;
    let end = declarations[start..].find(TS_END)? + start + TS_END.len();
    Some(format!(
        "{}{block}{}",
        &declarations[..start],
        &declarations[end..]
    ))
}

// ---------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("ROLEGATE_BLESS").is_some_and(|v| v == "1")
}

/// Compares a committed file with its generated text; rewrites it under `ROLEGATE_BLESS=1`.
fn compare_or_bless(file: &str, committed: &str, generated: &str) {
    if committed == generated {
        return;
    }
    if blessing() {
        std::fs::write(root().join(file), generated).unwrap();
        println!("rewrote {file}");
        return;
    }
    let line = committed
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
    panic!(
        "{file} is not what the table in tests/shape.rs generates (first difference at line {}): \
         run `ROLEGATE_BLESS=1 cargo test --test shape` to regenerate it",
        line + 1
    );
}

#[test]
fn policy_schema_is_generated_from_the_table() {
    let committed = std::fs::read_to_string(root().join("policy.schema.json")).unwrap();
    compare_or_bless("policy.schema.json", &committed, &generate_schema());
}

#[test]
fn typescript_policy_document_is_generated_from_the_table() {
    let committed = std::fs::read_to_string(root().join("js/index.d.ts")).unwrap();
    let generated = replace_block(&committed, &generate_typescript()).unwrap_or_else(|| {
        panic!("js/index.d.ts has no `{TS_START}` ... `{TS_END}` block for the policy document")
    });
    compare_or_bless("js/index.d.ts", &committed, &generated);
}

#[test]
fn the_every_key_document_uses_every_key_of_the_table() {
    let sample: Value = serde_json::from_str(EVERY_KEY).unwrap();
    let used = value_paths(&sample);
    let shape = shape_paths();
    let missing: Vec<&String> = shape.difference(&used).collect();
    let extra: Vec<&String> = used.difference(&shape).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "EVERY_KEY in tests/shape.rs must use every key of the table and no other: \
         missing {missing:?}, not in the table {extra:?}"
    );
}

#[test]
fn the_reader_accepts_every_key_and_the_model_serializes_exactly_them() {
    let policy =
        Policy::from_json(EVERY_KEY).unwrap_or_else(|e| panic!("EVERY_KEY is rejected:\n{e}"));
    let written = serde_json::to_value(policy.document().unwrap()).unwrap();
    let sample: Value = serde_json::from_str(EVERY_KEY).unwrap();
    let written_paths = value_paths(&written);
    let shape = shape_paths();
    let missing: Vec<&String> = shape.difference(&written_paths).collect();
    let extra: Vec<&String> = written_paths.difference(&shape).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the model (src/document/model.rs) serializes other keys than the table: \
         does not write {missing:?}, writes keys the table lacks {extra:?}"
    );
    assert_eq!(
        written, sample,
        "the model does not write back the document it read"
    );
}

/// The key misspelled: its last two letters swapped (`scope` -> `scoep`).
fn misspell(key: &str) -> String {
    let mut chars: Vec<char> = key.chars().collect();
    let n = chars.len();
    if n >= 2 && chars[n - 1] != chars[n - 2] {
        chars.swap(n - 1, n - 2);
        chars.into_iter().collect()
    } else {
        format!("{key}x")
    }
}

/// Renames the key at `segments` (a shape path; `*` takes the first entry that leads on) in
/// `value`; returns the path of the renamed key.
fn rename(value: &mut Value, segments: &[&str], at: DocPath, to: &str) -> Option<DocPath> {
    let Value::Object(map) = value else {
        return None;
    };
    match segments {
        [] => None,
        [last] => {
            let inner = map.remove(*last)?;
            map.insert(to.to_owned(), inner);
            Some(at.key(to))
        }
        ["*", rest @ ..] => map
            .iter_mut()
            .find_map(|(name, inner)| rename(inner, rest, at.key(name), to)),
        [first, rest @ ..] => rename(map.get_mut(*first)?, rest, at.key(first), to),
    }
}

#[test]
fn the_reader_rejects_every_key_misspelled_at_its_path() {
    let sample: Value = serde_json::from_str(EVERY_KEY).unwrap();
    let mut failures = Vec::new();
    for path in shape_paths() {
        let segments: Vec<&str> = path.split('.').collect();
        let wrong = misspell(segments.last().unwrap());
        let mut doc = sample.clone();
        let at = rename(&mut doc, &segments, DocPath::root(), &wrong)
            .unwrap_or_else(|| panic!("EVERY_KEY has no `{path}`"));
        match Policy::from_json(&doc.to_string()) {
            Ok(_) => failures.push(format!("{path}: `{wrong}` is accepted")),
            Err(errors) => {
                if !errors
                    .iter()
                    .any(|e| e.code.as_str() == "unknown_field" && e.path == at)
                {
                    failures.push(format!("{path}: no unknown_field at `{at}`:\n{errors}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_policy_manual_mentions_every_key() {
    let manual = std::fs::read_to_string(root().join("docs/POLICY.md")).unwrap();
    let mut missing = BTreeSet::new();
    for table in tables(&DOCUMENT) {
        for k in table.keys {
            let quoted = format!("`{}`", k.name);
            let assigned = format!("{} = ", k.name);
            if !manual.contains(&quoted) && !manual.contains(&assigned) {
                missing.insert(format!("{}.{}", table.name, k.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/POLICY.md does not mention these keys (in backticks or as `key = ...`): {missing:?}"
    );
}

/// `tsc` of the JavaScript test tools (`bash scripts/setup js`), if installed.
fn tsc() -> Option<std::path::PathBuf> {
    let path = root().join("tests/js/node_modules/.bin/tsc");
    path.exists().then_some(path)
}

/// Runs `tsc --strict` on `usage` (a TypeScript file) next to the package's declarations
/// and `json` files; `Err` holds tsc's report.
fn type_check(dir: &Path, usage: &str, json: &[(String, String)]) -> Result<(), String> {
    let tsc = tsc().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    for file in ["index.d.ts", "snapshot.d.ts"] {
        std::fs::copy(root().join("js").join(file), dir.join(file)).unwrap();
    }
    for (name, text) in json {
        std::fs::write(dir.join(name), text).unwrap();
    }
    std::fs::write(dir.join("usage.ts"), usage).unwrap();
    let config = r#"{ "compilerOptions": { "strict": true, "noEmit": true, "module": "esnext",
      "moduleResolution": "bundler", "resolveJsonModule": true, "target": "es2022",
      "lib": ["es2022", "dom"] }, "files": ["usage.ts"] }"#;
    std::fs::write(dir.join("tsconfig.json"), config).unwrap();
    let out = std::process::Command::new(tsc)
        .args(["-p", "tsconfig.json"])
        .current_dir(dir)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// `import policy from "./policy.json"` then `Policy.fromObject(policy)` type-checks under
/// `tsc --strict` for every preset and for [`EVERY_KEY`]; a document of the wrong shape
/// does not.
#[test]
fn policies_imported_from_json_type_check_as_policy_documents() {
    assert!(
        tsc().is_some(),
        "tsc is not installed: run `bash scripts/setup js`"
    );
    let mut json = vec![("every-key.json".to_owned(), EVERY_KEY.to_owned())];
    let mut presets: Vec<_> = std::fs::read_dir(root().join("presets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    presets.sort();
    for path in presets {
        let value: Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        json.push((format!("{name}.json"), value.to_string()));
    }
    let mut usage = String::from("import type { PolicyDocument } from \"./index.js\";\n");
    for (i, (file, _)) in json.iter().enumerate() {
        usage.push_str(&format!(
            "import p{i} from \"./{file}\";\nconst d{i}: PolicyDocument = p{i};\nconsole.log(d{i});\n"
        ));
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shape-typescript");
    if let Err(report) = type_check(&dir, &usage, &json) {
        panic!("tsc rejects policies imported from JSON as PolicyDocument:\n{report}");
    }
    let wrong = "import type { PolicyDocument } from \"./index.js\";\n\
                 const d: PolicyDocument = { version: 1, roles: { a: { allow: [\"*\"] } } };\n\
                 console.log(d);\n";
    let misuse = type_check(&dir.join("misuse"), wrong, &[]);
    assert!(
        misuse.is_err_and(|report| report.contains("scope")),
        "tsc accepts a role without `scope`"
    );
}
