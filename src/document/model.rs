//! The policy document: the serde model shared by TOML and JSON.
//!
//! This is the text as the author wrote it, before any check (`read.rs` builds it
//! from the document tree). Tables keyed by name are [`NamedMap`]s, which keep the
//! author's order (the catalog order is the order of the matrix and of
//! `permissions`) and keep duplicate keys so that validation can report them
//! instead of silently keeping the last one.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// The one document version this crate reads.
pub const DOCUMENT_VERSION: u32 = 1;

/// A table keyed by name, in document order, duplicates kept.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedMap<T>(pub Vec<(String, T)>);

impl<T> Default for NamedMap<T> {
    fn default() -> Self {
        NamedMap(Vec::new())
    }
}

impl<T> NamedMap<T> {
    /// Iterates over the entries in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The first entry with this name.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Whether the table has an entry with this name.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// Number of entries, duplicates included.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for NamedMap<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A whole policy document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// The JSON Schema an editor checks the file against (`$schema`); not part of the
    /// policy: the fingerprint leaves it out.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Format version; must be 1.
    pub version: u32,
    /// Short name of the policy (`outreach`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text for people reading the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Scope levels, a tree: exactly one level has no parent (the tenant, usually `org`).
    #[serde(default)]
    pub scopes: NamedMap<ScopeLevelDoc>,
    /// Tenant features that actions may require.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub features: NamedMap<FeatureDoc>,
    /// Plans a tenant may be on; a plan grants features.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub plans: NamedMap<PlanDoc>,
    /// Declared attributes that conditions may read.
    #[serde(default, skip_serializing_if = "AttributesDoc::is_empty")]
    pub attributes: AttributesDoc,
    /// The action catalog, in display order.
    #[serde(default)]
    pub actions: NamedMap<ActionDoc>,
    /// Roles, in display order.
    #[serde(default)]
    pub roles: NamedMap<RoleDoc>,
    /// Named allow and deny rules, with optional conditions.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub rules: NamedMap<RuleDoc>,
    /// Team rules: who may change whose roles, unique and protected roles, ownership
    /// transfer, hygiene checks.
    #[serde(default, skip_serializing_if = "TeamDoc::is_empty")]
    pub team: TeamDoc,
    /// The route table: `"METHOD /path/{param}"` patterns mapped to an action, a scope and
    /// optionally a resource, for gates that decide requests.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub routes: NamedMap<RouteDoc>,
}

/// One route: what a request that matches the pattern asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RouteDoc {
    /// The action the request needs.
    pub action: String,
    /// The scope the action is decided at, a template over the path's parameters
    /// (`workspace:{workspace}`); absent for the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The type of the resource the request is about (`campaign`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The resource's id, a template over the path's parameters (`{campaign}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The `team` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TeamDoc {
    /// Roles exactly one member holds (the owner): never a second, never none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<String>,
    /// Roles whose holders nobody else may remove, demote or change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected: Vec<String>,
    /// By role: the fewest active members that must hold it, in the organization for an
    /// organization role, in each scope for a role held in scopes (`admin = 1`: the last
    /// admin cannot leave or be demoted). A holder of a role that includes it counts.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub min_holders: NamedMap<u32>,
    /// What holders of a role may do to the team, by role.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub manage: NamedMap<ManageDoc>,
    /// Ownership transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<TransferDoc>,
    /// Whether a scope membership needs an active member of the organization (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_org_member: Option<bool>,
    /// The hygiene checklist.
    #[serde(default, skip_serializing_if = "TeamLintDoc::is_empty")]
    pub lint: TeamLintDoc,
}

impl TeamDoc {
    /// Whether the section is absent.
    pub fn is_empty(&self) -> bool {
        *self == TeamDoc::default()
    }
}

/// What the holders of one role may do to the team.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ManageDoc {
    /// Roles they may give: invite as, change to, add memberships with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assign: Vec<String>,
    /// Roles whose holders they may remove, or change to another role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// Whether they may create and delete scopes (workspaces, projects).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scopes: bool,
}

/// Ownership transfer: the holder of `role` hands it to a member holding one of `to`,
/// and becomes `previous`, in one change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TransferDoc {
    /// The role handed over (usually the unique owner role).
    pub role: String,
    /// Roles the new holder must have.
    pub to: Vec<String>,
    /// What the previous holder becomes.
    pub previous: String,
}

/// Thresholds of the hygiene checklist.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TeamLintDoc {
    /// Organization roles that count as admin access.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_roles: Vec<String>,
    /// At least this many active admins (a backup): default 2 when admin roles are named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_admins: Option<u32>,
    /// At most this many admins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_admins: Option<u32>,
    /// Roles that give review access; someone active should hold one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviewer_roles: Vec<String>,
    /// Active members not seen for this many days are reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_days: Option<u32>,
    /// Per scope level: roles one of which someone must hold in every scope of that level.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub scope_owner_roles: NamedMap<Vec<String>>,
}

impl TeamLintDoc {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == TeamLintDoc::default()
    }
}

/// A scope level (`workspace`, `project`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScopeLevelDoc {
    /// The enclosing level; absent for the root (the tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A tenant feature (a product that is off until enabled).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeatureDoc {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Text shown on actions locked because the feature is off, to those who may not
    /// enable it (whom to ask).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The action that enables the feature (an action of the root level): whoever is
    /// allowed it is shown `enable_hint` instead of `hint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable: Option<String>,
    /// Text shown on actions locked because the feature is off, to those allowed the
    /// `enable` action (how to enable it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_hint: Option<String>,
}

/// A plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanDoc {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Features every tenant on this plan has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Limits: `seats` (members, invited ones included) or a scope level (how many
    /// scopes of that level); absent means unlimited.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub limits: NamedMap<u32>,
}

/// The attribute declarations for conditions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AttributesDoc {
    /// `principal.<name>` attributes.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub principal: NamedMap<AttrType>,
    /// `resource.<name>` attributes.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub resource: NamedMap<AttrType>,
    /// `tenant.<name>` attributes.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub tenant: NamedMap<AttrType>,
}

impl AttributesDoc {
    /// Whether nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.principal.is_empty() && self.resource.is_empty() && self.tenant.is_empty()
    }
}

/// The type of an attribute or an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AttrType {
    /// A text value.
    #[serde(rename = "string")]
    String,
    /// A number (a 64-bit float, as in JavaScript).
    #[serde(rename = "number")]
    Number,
    /// `true` or `false`.
    #[serde(rename = "bool")]
    Bool,
    /// A list of text values.
    #[serde(rename = "string[]")]
    StringList,
    /// A list of numbers.
    #[serde(rename = "number[]")]
    NumberList,
}

impl AttrType {
    /// The name used in documents and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Number => "number",
            AttrType::Bool => "bool",
            AttrType::StringList => "string[]",
            AttrType::NumberList => "number[]",
        }
    }

    /// The element type of a list type.
    pub fn element(self) -> Option<AttrType> {
        match self {
            AttrType::StringList => Some(AttrType::String),
            AttrType::NumberList => Some(AttrType::Number),
            _ => None,
        }
    }
}

/// An action of the catalog (`campaign.create`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ActionDoc {
    /// The scope level the action applies at.
    pub scope: String,
    /// Display name (the matrix row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Group for menus and docs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Tags that rules can select with `tag:<name>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// A tenant feature the action requires; locked while it is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// Plans the action requires (any of them); locked on other plans.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<String>,
    /// Text for a locked decision; overrides the feature's hint (not its `enable_hint`, for
    /// those who may enable the feature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A role.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RoleDoc {
    /// The scope level the role is assigned at.
    pub scope: String,
    /// Display name (the matrix column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the role also holds in every scope below the one it is assigned at.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cascade: bool,
    /// Roles whose grants this role has too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
    /// Action patterns the role allows without condition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
}

/// Whether a rule allows or denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleEffect {
    /// Grants the actions.
    Allow,
    /// Forbids the actions; wins over every allow.
    Deny,
}

/// A named rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleDoc {
    /// Allow or deny.
    pub effect: RuleEffect,
    /// Roles the rule is attached to; `*` for every role.
    pub roles: Vec<String>,
    /// Action patterns the rule covers.
    pub actions: Vec<String>,
    /// A condition over `principal`, `resource` and `tenant`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
