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

mod read {
    //! Reading inputs from JSON text with the document reader of policies (one reader,
    //! one set of messages), errors at a path.
    use super::{Principal, Resource, RoleAssignment, Tenant};
    use crate::document::read::Reader;
    use crate::document::tree::{Kind, Node};
    use crate::error::{DocPath, InputError, InputErrorCode};
    use crate::value::{Attrs, Value};

    fn bad(path: DocPath, message: String) -> InputError {
        InputError::new(InputErrorCode::BadInput, path, message)
    }

    fn first_error(reader: Reader) -> Result<(), InputError> {
        reader.into_input(())
    }

    fn parse(text: &str, what: &str) -> Result<Node, InputError> {
        Reader::parse_input(text, what)
    }

    fn value(r: &mut Reader, node: &Node, path: &DocPath) -> Value {
        match &node.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Integer(n) => Value::Number(*n as f64),
            Kind::Float(n) => Value::Number(*n),
            Kind::String(s) => Value::String(s.clone()),
            Kind::Array(items) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| value(r, item, &path.index(i)))
                    .collect(),
            ),
            other => {
                r.error(
                    crate::error::ErrorCode::BadType,
                    path.clone(),
                    node.start,
                    format!(
                        "attribute values are strings, numbers, booleans, null or lists, found {}",
                        other.describe()
                    ),
                );
                Value::Null
            }
        }
    }

    fn attrs(r: &mut Reader, node: Option<&Node>, path: &DocPath) -> Attrs {
        let mut out = Attrs::new();
        let Some(node) = node.filter(|n| n.kind != Kind::Null) else {
            return out;
        };
        let path = path.key("attrs");
        if let Some(mut t) = r.table(node, &path, "a table of attributes") {
            for (key, item) in t.entries() {
                let v = value(r, item, &path.key(key));
                out.insert(key.to_owned(), v);
            }
            // Reports repeated keys.
            r.finish(t, &[]);
        }
        out
    }

    fn opt(r: &mut Reader, node: Option<&Node>, path: DocPath) -> Option<String> {
        match node {
            None
            | Some(Node {
                kind: Kind::Null, ..
            }) => None,
            Some(n) => r.string(n, path),
        }
    }

    pub fn principal(text: &str) -> Result<Principal, InputError> {
        let path = DocPath::root().key("principal");
        let node = parse(text, "principal")?;
        let mut r = Reader::default();
        let mut out = Principal::default();
        if let Some(mut t) = r.table(&node, &path, "a principal: { id, roles, attrs }") {
            out.id = r
                .required(&mut t, "id")
                .and_then(|n| r.string(n, path.key("id")))
                .unwrap_or_default();
            if let Some(roles) = t.take("roles") {
                match &roles.kind {
                    Kind::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            let p = path.key("roles").index(i);
                            let Some(mut a) =
                                r.table(item, &p, "a role assignment: { role, scope }")
                            else {
                                continue;
                            };
                            let role = r
                                .required(&mut a, "role")
                                .and_then(|n| r.string(n, p.key("role")));
                            let scope = opt(&mut r, a.take("scope"), p.key("scope"));
                            r.finish(a, &["role", "scope"]);
                            out.roles.push(RoleAssignment {
                                role: role.unwrap_or_default(),
                                scope: scope.unwrap_or_default(),
                            });
                        }
                    }
                    other => r.error(
                        crate::error::ErrorCode::BadType,
                        path.key("roles"),
                        roles.start,
                        format!(
                            "expected a list of role assignments, found {}",
                            other.describe()
                        ),
                    ),
                }
            }
            out.attrs = attrs(&mut r, t.take("attrs"), &path);
            r.finish(t, &["id", "roles", "attrs"]);
        }
        first_error(r).map(|()| out)
    }

    pub fn tenant(text: &str) -> Result<Tenant, InputError> {
        let path = DocPath::root().key("tenant");
        let node = parse(text, "tenant")?;
        let mut r = Reader::default();
        let mut out = Tenant::default();
        if let Some(mut t) = r.table(&node, &path, "a tenant: { id, plan, features, attrs }") {
            out.id = r
                .required(&mut t, "id")
                .and_then(|n| r.string(n, path.key("id")))
                .unwrap_or_default();
            out.plan = opt(&mut r, t.take("plan"), path.key("plan"));
            out.features = r.strings(&mut t, "features");
            out.attrs = attrs(&mut r, t.take("attrs"), &path);
            r.finish(t, &["id", "plan", "features", "attrs"]);
        }
        first_error(r).map(|()| out)
    }

    fn resource_at(r: &mut Reader, node: &Node, path: &DocPath) -> Resource {
        let mut out = Resource::default();
        if let Some(mut t) = r.table(node, path, "a resource: { type, id, scope, attrs }") {
            out.kind = opt(r, t.take("type"), path.key("type"));
            out.id = opt(r, t.take("id"), path.key("id"));
            out.scope = opt(r, t.take("scope"), path.key("scope")).unwrap_or_default();
            out.attrs = attrs(r, t.take("attrs"), path);
            r.finish(t, &["type", "id", "scope", "attrs"]);
        }
        out
    }

    /// Attributes alone: `{ name: value, ... }`.
    pub fn attrs_only(text: &str) -> Result<Attrs, InputError> {
        let node = parse(text, "resource.attrs")?;
        let mut r = Reader::default();
        let mut out = Attrs::new();
        let path = DocPath::root().key("resource").key("attrs");
        if let Some(mut t) = r.table(&node, &path, "a table of attributes") {
            for (key, item) in t.entries() {
                let v = value(&mut r, item, &path.key(key));
                out.insert(key.to_owned(), v);
            }
            r.finish(t, &[]);
        }
        r.into_input(out)
    }

    pub fn resource(text: &str) -> Result<Resource, InputError> {
        let node = parse(text, "resource")?;
        let mut r = Reader::default();
        let out = resource_at(&mut r, &node, &DocPath::root().key("resource"));
        first_error(r).map(|()| out)
    }

    pub fn resources(text: &str) -> Result<Vec<Resource>, InputError> {
        let path = DocPath::root().key("resources");
        let node = parse(text, "resources")?;
        let mut r = Reader::default();
        let out = match &node.kind {
            Kind::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| resource_at(&mut r, item, &path.index(i)))
                .collect(),
            other => {
                return Err(bad(
                    path,
                    format!("expected a list, found {}", other.describe()),
                ));
            }
        };
        first_error(r).map(|()| out)
    }
}

impl Principal {
    /// Reads a principal from JSON text.
    pub fn from_json(text: &str) -> Result<Principal, crate::InputError> {
        read::principal(text)
    }
}

impl Tenant {
    /// Reads a tenant from JSON text.
    pub fn from_json(text: &str) -> Result<Tenant, crate::InputError> {
        read::tenant(text)
    }
}

impl Resource {
    /// Reads a resource from JSON text.
    pub fn from_json(text: &str) -> Result<Resource, crate::InputError> {
        read::resource(text)
    }

    /// Reads resource attributes from JSON text (`{ "assignee": "u2" }`).
    pub fn attrs_from_json(text: &str) -> Result<crate::value::Attrs, crate::InputError> {
        read::attrs_only(text)
    }

    /// Reads a list of resources from JSON text.
    pub fn list_from_json(text: &str) -> Result<Vec<Resource>, crate::InputError> {
        read::resources(text)
    }
}
