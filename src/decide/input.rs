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
    //! Reading inputs from JSON text without a generic deserializer (the WebAssembly
    //! boundary uses these), with errors at a path.
    use super::{Principal, Resource, RoleAssignment, Tenant};
    use crate::error::{DocPath, InputError, InputErrorCode};
    use crate::policy::tree::{self, Entry, Kind, Node};
    use crate::value::{Attrs, Value};

    fn bad(path: &DocPath, message: String) -> InputError {
        InputError::new(InputErrorCode::BadInput, path.clone(), message)
    }

    fn parse(text: &str, what: &str) -> Result<Node, InputError> {
        tree::parse_json(text).map_err(|e| {
            bad(
                &DocPath::root().key(what),
                format!(
                    "{what} is not valid JSON: {} (at byte {})",
                    e.message, e.offset
                ),
            )
        })
    }

    fn entries<'a>(
        node: &'a Node,
        path: &DocPath,
        what: &str,
        fields: &[&str],
    ) -> Result<&'a [Entry], InputError> {
        let Kind::Table(entries) = &node.kind else {
            return Err(bad(
                path,
                format!("expected {what}, found {}", node.kind.describe()),
            ));
        };
        for (i, e) in entries.iter().enumerate() {
            if !fields.contains(&e.key.as_str()) {
                let expected: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
                return Err(bad(
                    &path.key(&e.key),
                    format!(
                        "unknown field `{}`, expected one of {}",
                        e.key,
                        expected.join(", ")
                    ),
                ));
            }
            if entries.iter().take(i).any(|p| p.key == e.key) {
                return Err(bad(
                    &path.key(&e.key),
                    format!("field `{}` is given twice", e.key),
                ));
            }
        }
        Ok(entries)
    }

    fn field<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Node> {
        entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    fn string(node: &Node, path: &DocPath) -> Result<String, InputError> {
        match &node.kind {
            Kind::String(s) => Ok(s.clone()),
            other => Err(bad(
                path,
                format!("expected a string, found {}", other.describe()),
            )),
        }
    }

    fn opt_string(
        entries: &[Entry],
        key: &str,
        path: &DocPath,
    ) -> Result<Option<String>, InputError> {
        match field(entries, key) {
            None
            | Some(Node {
                kind: Kind::Null, ..
            }) => Ok(None),
            Some(node) => string(node, &path.key(key)).map(Some),
        }
    }

    fn required_string(entries: &[Entry], key: &str, path: &DocPath) -> Result<String, InputError> {
        match field(entries, key) {
            Some(node) => string(node, &path.key(key)),
            None => Err(bad(path, format!("missing field `{key}`"))),
        }
    }

    fn list<'a>(entries: &'a [Entry], key: &str, path: &DocPath) -> Result<&'a [Node], InputError> {
        match field(entries, key) {
            None => Ok(&[]),
            Some(Node {
                kind: Kind::Array(items),
                ..
            }) => Ok(items),
            Some(node) => Err(bad(
                &path.key(key),
                format!("expected a list, found {}", node.kind.describe()),
            )),
        }
    }

    fn value(node: &Node, path: &DocPath) -> Result<Value, InputError> {
        Ok(match &node.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Integer(n) => Value::Number(*n as f64),
            Kind::Float(n) => Value::Number(*n),
            Kind::String(s) => Value::String(s.clone()),
            Kind::Array(items) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| value(item, &path.index(i)))
                    .collect::<Result<_, _>>()?,
            ),
            other => {
                return Err(bad(
                    path,
                    format!(
                        "attribute values are strings, numbers, booleans, null or lists, found {}",
                        other.describe()
                    ),
                ));
            }
        })
    }

    fn attrs(entries: &[Entry], path: &DocPath) -> Result<Attrs, InputError> {
        let mut out = Attrs::new();
        let Some(node) = field(entries, "attrs") else {
            return Ok(out);
        };
        let path = path.key("attrs");
        match &node.kind {
            Kind::Null => {}
            Kind::Table(items) => {
                for e in items {
                    out.insert(e.key.clone(), value(&e.value, &path.key(&e.key))?);
                }
            }
            other => {
                return Err(bad(
                    &path,
                    format!("expected a table, found {}", other.describe()),
                ));
            }
        }
        Ok(out)
    }

    pub fn principal(text: &str) -> Result<Principal, InputError> {
        let path = DocPath::root().key("principal");
        let node = parse(text, "principal")?;
        let e = entries(
            &node,
            &path,
            "a principal: { id, roles, attrs }",
            &["id", "roles", "attrs"],
        )?;
        let mut roles = Vec::new();
        for (i, item) in list(e, "roles", &path)?.iter().enumerate() {
            let p = path.key("roles").index(i);
            let r = entries(
                item,
                &p,
                "a role assignment: { role, scope }",
                &["role", "scope"],
            )?;
            roles.push(RoleAssignment {
                role: required_string(r, "role", &p)?,
                scope: opt_string(r, "scope", &p)?.unwrap_or_default(),
            });
        }
        Ok(Principal {
            id: required_string(e, "id", &path)?,
            roles,
            attrs: attrs(e, &path)?,
        })
    }

    pub fn tenant(text: &str) -> Result<Tenant, InputError> {
        let path = DocPath::root().key("tenant");
        let node = parse(text, "tenant")?;
        let e = entries(
            &node,
            &path,
            "a tenant: { id, plan, features, attrs }",
            &["id", "plan", "features", "attrs"],
        )?;
        let features = list(e, "features", &path)?
            .iter()
            .enumerate()
            .map(|(i, f)| string(f, &path.key("features").index(i)))
            .collect::<Result<_, _>>()?;
        Ok(Tenant {
            id: required_string(e, "id", &path)?,
            plan: opt_string(e, "plan", &path)?,
            features,
            attrs: attrs(e, &path)?,
        })
    }

    fn resource_at(node: &Node, path: &DocPath) -> Result<Resource, InputError> {
        let e = entries(
            node,
            path,
            "a resource: { type, id, scope, attrs }",
            &["type", "id", "scope", "attrs"],
        )?;
        Ok(Resource {
            kind: opt_string(e, "type", path)?,
            id: opt_string(e, "id", path)?,
            scope: opt_string(e, "scope", path)?.unwrap_or_default(),
            attrs: attrs(e, path)?,
        })
    }

    pub fn resource(text: &str) -> Result<Resource, InputError> {
        let node = parse(text, "resource")?;
        resource_at(&node, &DocPath::root().key("resource"))
    }

    pub fn resources(text: &str) -> Result<Vec<Resource>, InputError> {
        let path = DocPath::root().key("resources");
        let node = parse(text, "resources")?;
        match &node.kind {
            Kind::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| resource_at(item, &path.index(i)))
                .collect(),
            other => Err(bad(
                &path,
                format!("expected a list, found {}", other.describe()),
            )),
        }
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

    /// Reads a list of resources from JSON text.
    pub fn list_from_json(text: &str) -> Result<Vec<Resource>, crate::InputError> {
        read::resources(text)
    }
}
