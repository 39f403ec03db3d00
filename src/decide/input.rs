//! What the caller supplies at decision time: principal, tenant, resource.

use crate::value::Attrs;
use serde::{Deserialize, Serialize};

/// Who is asking: an id, the roles held and where, and attributes for conditions.
///
/// The engine stores no users: the caller builds this from its database or from a
/// verified token.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a principal: { id, roles, attrs }")]
pub struct Principal {
    /// The principal's id.
    pub id: String,
    /// The roles held, each at a scope.
    #[serde(default)]
    pub roles: Vec<RoleAssignment>,
    /// Attributes for conditions (`principal.<name>`).
    #[serde(default, skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
}

impl Principal {
    /// A principal with an id and no roles.
    pub fn new(id: impl Into<String>) -> Self {
        Principal {
            id: id.into(),
            ..Principal::default()
        }
    }

    /// Adds a role held at a scope (`org`, `workspace:w1`).
    pub fn with_role(mut self, role: impl Into<String>, scope: impl Into<String>) -> Self {
        self.roles.push(RoleAssignment {
            role: role.into(),
            scope: scope.into(),
        });
        self
    }

    /// Sets an attribute.
    pub fn with_attr(mut self, name: impl Into<String>, value: impl Into<crate::Value>) -> Self {
        self.attrs.insert(name.into(), value.into());
        self
    }
}

/// A role held at a scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a role assignment: { role, scope }")]
pub struct RoleAssignment {
    /// The role's name.
    pub role: String,
    /// Where it is held; empty or the root level's name for the tenant itself.
    #[serde(default)]
    pub scope: String,
}

/// The tenant (organization) the session belongs to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a tenant: { id, plan, features, attrs }"
)]
pub struct Tenant {
    /// The tenant's id.
    pub id: String,
    /// The plan it is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Features enabled for it (besides those its plan grants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Attributes for conditions (`tenant.<name>`).
    #[serde(default, skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
}

impl Tenant {
    /// A tenant with an id, no plan and no features.
    pub fn new(id: impl Into<String>) -> Self {
        Tenant {
            id: id.into(),
            ..Tenant::default()
        }
    }

    /// Sets the plan.
    pub fn with_plan(mut self, plan: impl Into<String>) -> Self {
        self.plan = Some(plan.into());
        self
    }

    /// Enables a feature.
    pub fn with_feature(mut self, feature: impl Into<String>) -> Self {
        self.features.push(feature.into());
        self
    }
}

/// What is acted on: a type, an id, the scope it lives in, attributes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a resource: { type, id, scope, attrs }"
)]
pub struct Resource {
    /// The resource type (`number`), readable as `resource.type`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The resource id, readable as `resource.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The scope it lives in (`workspace:w1/project:p7`); empty for the tenant itself.
    #[serde(default)]
    pub scope: String,
    /// Attributes for conditions (`resource.<name>`).
    #[serde(default, skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
}

impl Resource {
    /// A resource standing for a whole scope.
    pub fn at(scope: impl Into<String>) -> Self {
        Resource {
            scope: scope.into(),
            ..Resource::default()
        }
    }

    /// A typed resource with an id in a scope.
    pub fn new(kind: impl Into<String>, id: impl Into<String>, scope: impl Into<String>) -> Self {
        Resource {
            kind: Some(kind.into()),
            id: Some(id.into()),
            scope: scope.into(),
            attrs: Attrs::new(),
        }
    }

    /// Sets an attribute.
    pub fn with_attr(mut self, name: impl Into<String>, value: impl Into<crate::Value>) -> Self {
        self.attrs.insert(name.into(), value.into());
        self
    }
}
