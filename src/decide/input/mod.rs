//! What the caller supplies at decision time: principal, tenant, resource; and reading
//! them from JSON.
//!
//! There is one set of rules for reading them, in [`read`]: `from_json` (what the npm
//! package and the command line call) and `Deserialize` (for a backend that keeps them
//! in its own store, in any serde format) both go through it, so a bad principal gets the
//! same code, path and message everywhere. `Serialize` writes the same shape.

pub(crate) mod limits;
mod read;

use crate::error::InputError;
use crate::json::deserialize::through_reader;
use crate::value::Attrs;
use serde::{Deserialize, Deserializer, Serialize};

/// Who is asking: an id, the roles held and where, and attributes for conditions.
///
/// The engine stores no users: the caller builds this from its database or from a
/// verified token.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Principal {
    /// The principal's id.
    pub id: String,
    /// The roles held, each at a scope.
    pub roles: Vec<RoleAssignment>,
    /// Attributes for conditions (`principal.<name>`).
    #[serde(skip_serializing_if = "Attrs::is_empty")]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RoleAssignment {
    /// The role's name.
    pub role: String,
    /// Where it is held; empty or the root level's name for the tenant itself.
    pub scope: String,
}

/// The tenant (organization) the session belongs to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tenant {
    /// The tenant's id.
    pub id: String,
    /// The plan it is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Features enabled for it (besides those its plan grants).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Attributes for conditions (`tenant.<name>`).
    #[serde(skip_serializing_if = "Attrs::is_empty")]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resource {
    /// The resource type (`number`), readable as `resource.type`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The resource id, readable as `resource.id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The scope it lives in (`workspace:w1/project:p7`); empty for the tenant itself.
    pub scope: String,
    /// Attributes for conditions (`resource.<name>`).
    #[serde(skip_serializing_if = "Attrs::is_empty")]
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

impl Principal {
    /// Reads a principal from JSON text: `{ "id", "roles"?: [{ "role", "scope"? }],
    /// "attrs"? }`. The npm package and the command line (`--principal`) read principals
    /// with this function; `Deserialize` applies the same rules.
    ///
    /// Errors are `bad_input`, with the path of the first problem and a message
    /// (unknown and missing fields, wrong types). Whether the roles and scopes exist is
    /// checked later, against a policy, by [`Policy::session`](crate::Policy::session).
    ///
    /// ```
    /// use rolegate::{InputErrorCode, Principal};
    ///
    /// let alice = Principal::from_json(
    ///     r#"{ "id": "alice", "roles": [{ "role": "editor", "scope": "workspace:w1" }] }"#,
    /// )?;
    /// assert_eq!(alice, Principal::new("alice").with_role("editor", "workspace:w1"));
    ///
    /// let error = Principal::from_json(r#"{ "id": "bob", "roles": [{ "scope": "org" }] }"#)
    ///     .unwrap_err();
    /// assert_eq!(error.code, InputErrorCode::BadInput);
    /// assert_eq!(error.path.to_string(), "principal.roles[0]");
    /// assert_eq!(error.message, "missing field `role`");
    /// # Ok::<(), rolegate::InputError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Principal, InputError> {
        read::principal(&read::parse(text, "principal")?)
    }
}

impl Tenant {
    /// Reads a tenant from JSON text: `{ "id", "plan"?, "features"?, "attrs"? }`. The npm
    /// package and the command line (`--tenant`) read tenants with this function;
    /// `Deserialize` applies the same rules. Errors are `bad_input`, at a path.
    ///
    /// ```
    /// use rolegate::Tenant;
    ///
    /// let acme = Tenant::from_json(r#"{ "id": "acme", "plan": "pro" }"#)?;
    /// assert_eq!(acme, Tenant::new("acme").with_plan("pro"));
    ///
    /// let error = Tenant::from_json(r#"{ "id": "acme", "features": "sso" }"#).unwrap_err();
    /// assert_eq!(error.path.to_string(), "tenant.features");
    /// assert_eq!(error.message, "expected a list of strings, found a string");
    /// # Ok::<(), rolegate::InputError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Tenant, InputError> {
        read::tenant(&read::parse(text, "tenant")?)
    }
}

impl Resource {
    /// Reads a resource from JSON text: `{ "type"?, "id"?, "scope"?, "attrs"? }`. The npm
    /// package and the command line (`--resource`) read resources with this function;
    /// `Deserialize` applies the same rules. Errors are `bad_input`, at a path.
    ///
    /// ```
    /// use rolegate::Resource;
    ///
    /// let task = Resource::from_json(
    ///     r#"{ "type": "task", "id": "t1", "scope": "workspace:w1", "attrs": { "done": true } }"#,
    /// )?;
    /// assert_eq!(task, Resource::new("task", "t1", "workspace:w1").with_attr("done", true));
    ///
    /// let error = Resource::from_json(r#"{ "scope": "org", "owner": "u1" }"#).unwrap_err();
    /// assert_eq!(error.path.to_string(), "resource.owner");
    /// # Ok::<(), rolegate::InputError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Resource, InputError> {
        read::resource(&read::parse(text, "resource")?)
    }

    /// Reads resource attributes from JSON text (`{ "assignee": "u2" }`).
    pub fn attrs_from_json(text: &str) -> Result<Attrs, InputError> {
        let node = read::parse(text, "resource.attrs").map_err(|mut e| {
            // A path of two keys, not one key with a dot in it.
            e.path = crate::DocPath::root().key("resource").key("attrs");
            e
        })?;
        read::attrs_only(&node)
    }

    /// Reads a list of resources from JSON text.
    pub fn list_from_json(text: &str) -> Result<Vec<Resource>, InputError> {
        read::resources(&read::parse(text, "resources")?)
    }
}

/// `Deserialize` through the same reader as `from_json`: one set of rules. Errors read
/// `path: message` (`principal.roles[0]: missing field `role``).
macro_rules! deserialize_with_reader {
    ($($input:ty => $read:path,)*) => {$(
        impl<'de> Deserialize<'de> for $input {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                through_reader(deserializer, $read)
            }
        }
    )*};
}

deserialize_with_reader! {
    Principal => read::principal,
    RoleAssignment => read::role_assignment,
    Tenant => read::tenant,
    Resource => read::resource,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use crate::Value;

    /// What serde reports for `text` read as `T`, without serde_json's position suffix.
    fn serde_message<T: for<'de> Deserialize<'de> + std::fmt::Debug>(text: &str) -> String {
        let message = serde_json::from_str::<T>(text).unwrap_err().to_string();
        message
            .rsplit_once(" at line ")
            .map_or(message.clone(), |(m, _)| m.to_owned())
    }

    #[test]
    fn deserialize_and_from_json_share_their_rules() {
        let cases = [
            r#"{ "id": "u1", "roles": [{ "scope": "org" }] }"#,
            r#"{ "id": 7 }"#,
            r#"{ "id": "u1", "role": [] }"#,
            r#"{ "id": "u1", "roles": {} }"#,
            r#"{ "id": "u1", "attrs": { "a": { "b": 1 } } }"#,
            r#"{ "id": "u1", "id": "u2" }"#,
            r#"[]"#,
        ];
        for text in cases {
            let ours = Principal::from_json(text).unwrap_err();
            assert_eq!(
                serde_message::<Principal>(text),
                format!("{}: {}", ours.path, ours.message),
                "{text}"
            );
        }
        let text = r#"{ "id": "t", "plan": null, "features": ["a"], "attrs": { "n": 18446744073709551615 } }"#;
        assert_eq!(
            serde_json::from_str::<Tenant>(text).unwrap(),
            Tenant::from_json(text).unwrap()
        );
        let text = r#"{ "type": "task", "scope": null, "attrs": { "l": [1, "x", null, true] } }"#;
        assert_eq!(
            serde_json::from_str::<Resource>(text).unwrap(),
            Resource::from_json(text).unwrap()
        );
        assert_eq!(
            serde_message::<RoleAssignment>(r#"{ "scope": "org" }"#),
            "missing field `role`"
        );
        assert_eq!(
            serde_json::from_str::<Value>("[1.5, \"a\"]").unwrap(),
            Value::List(vec![Value::Number(1.5), Value::from("a")])
        );
        assert_eq!(
            serde_message::<Value>("{}"),
            "attribute values are strings, numbers, booleans, null or lists, found a table"
        );
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(serde_message::<Value>(&deep).contains("nesting deeper than 64 levels"));
    }

    #[test]
    fn serialize_writes_what_from_json_reads() {
        let principal = Principal::new("u1")
            .with_role("admin", "org")
            .with_attr("age", 41.0);
        let text = serde_json::to_string(&principal).unwrap();
        assert_eq!(Principal::from_json(&text).unwrap(), principal);
        let resource = Resource::new("task", "t1", "workspace:w1").with_attr("done", true);
        let text = serde_json::to_string(&resource).unwrap();
        assert_eq!(Resource::from_json(&text).unwrap(), resource);
        let tenant = Tenant::new("t").with_plan("pro").with_feature("sso");
        let text = serde_json::to_string(&tenant).unwrap();
        assert_eq!(Tenant::from_json(&text).unwrap(), tenant);
    }
}
