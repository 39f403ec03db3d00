//! Reading principals, tenants and resources from the tree with the one typed reader:
//! what `from_json` and `Deserialize` both use, errors at a path (`principal.roles[0].role`).

use super::{Principal, Resource, RoleAssignment, Tenant, limits};
use crate::error::{DocPath, InputError};
use crate::json::read::Reader;
use crate::json::tree::{Kind, Node};
use crate::value::{self, Attrs};

/// Reads the JSON text of an input into a tree; a syntax error is a `bad_input` error at
/// `what`, text over [`MAX_INPUT_BYTES`](crate::limits::MAX_INPUT_BYTES) `limit_exceeded`.
pub(super) fn parse(text: &str, what: &str) -> Result<Node, InputError> {
    let max = crate::limits::MAX_INPUT_BYTES;
    if text.len() > max {
        return Err(limits::over(
            DocPath::root().key(what),
            text.len(),
            max,
            "bytes of JSON",
        ));
    }
    Reader::parse_input(text, what)
}

/// Reads a whole value with `read` at the path `what`; the first error found is the
/// answer.
fn whole<T>(
    node: &Node,
    what: &str,
    read: impl FnOnce(&mut Reader, &Node, &DocPath) -> T,
) -> Result<T, InputError> {
    let mut r = Reader::default();
    let out = read(&mut r, node, &DocPath::root().key(what));
    r.into_input(out)
}

pub(super) fn principal(node: &Node) -> Result<Principal, InputError> {
    let p = whole(node, "principal", principal_at)?;
    limits::principal(&p)?;
    Ok(p)
}

pub(super) fn tenant(node: &Node) -> Result<Tenant, InputError> {
    let t = whole(node, "tenant", tenant_at)?;
    limits::tenant(&t)?;
    Ok(t)
}

pub(super) fn resource(node: &Node) -> Result<Resource, InputError> {
    let r = whole(node, "resource", resource_at)?;
    limits::resource(&r, None)?;
    Ok(r)
}

pub(super) fn role_assignment(node: &Node) -> Result<RoleAssignment, InputError> {
    let mut r = Reader::default();
    let out = role_assignment_at(&mut r, node, &DocPath::root()).unwrap_or_default();
    r.into_input(out)
}

/// Attributes alone: `{ name: value, ... }`, read at `resource.attrs`.
pub(super) fn attrs_only(node: &Node) -> Result<Attrs, InputError> {
    let mut r = Reader::default();
    let path = DocPath::root().key("resource").key("attrs");
    let out = attr_table(&mut r, node, &path);
    let out = r.into_input(out)?;
    limits::attrs("resource", None, &out)?;
    Ok(out)
}

pub(super) fn resources(node: &Node) -> Result<Vec<Resource>, InputError> {
    let list: Vec<Resource> = whole(node, "resources", |r, node, path| {
        r.list(node, path, "a list")
            .iter()
            .enumerate()
            .map(|(i, item)| resource_at(r, item, &path.index(i)))
            .collect()
    })?;
    for (i, resource) in list.iter().enumerate() {
        limits::resource(resource, Some(i))?;
    }
    Ok(list)
}

fn principal_at(r: &mut Reader, node: &Node, path: &DocPath) -> Principal {
    let mut out = Principal::default();
    let Some(mut t) = r.table(node, path, "a principal: { id, roles, attrs }") else {
        return out;
    };
    out.id = r.required_string(&mut t, "id");
    if let Some(roles) = t.take("roles") {
        let p = path.key("roles");
        for (i, item) in r
            .list(roles, &p, "a list of role assignments")
            .iter()
            .enumerate()
        {
            if let Some(assignment) = role_assignment_at(r, item, &p.index(i)) {
                out.roles.push(assignment);
            }
        }
    }
    out.attrs = attrs(r, t.take("attrs"), &path.key("attrs"));
    r.finish(t, &["id", "roles", "attrs"]);
    out
}

fn role_assignment_at(r: &mut Reader, node: &Node, path: &DocPath) -> Option<RoleAssignment> {
    let mut t = r.table(node, path, "a role assignment: { role, scope }")?;
    let role = r.required_string(&mut t, "role");
    let scope = r.nullable_string(&mut t, "scope").unwrap_or_default();
    r.finish(t, &["role", "scope"]);
    Some(RoleAssignment { role, scope })
}

fn tenant_at(r: &mut Reader, node: &Node, path: &DocPath) -> Tenant {
    let mut out = Tenant::default();
    let Some(mut t) = r.table(node, path, "a tenant: { id, plan, features, attrs }") else {
        return out;
    };
    out.id = r.required_string(&mut t, "id");
    out.plan = r.nullable_string(&mut t, "plan");
    out.features = r.strings(&mut t, "features");
    out.attrs = attrs(r, t.take("attrs"), &path.key("attrs"));
    r.finish(t, &["id", "plan", "features", "attrs"]);
    out
}

fn resource_at(r: &mut Reader, node: &Node, path: &DocPath) -> Resource {
    let mut out = Resource::default();
    let Some(mut t) = r.table(node, path, "a resource: { type, id, scope, attrs }") else {
        return out;
    };
    out.kind = r.nullable_string(&mut t, "type");
    out.id = r.nullable_string(&mut t, "id");
    out.scope = r.nullable_string(&mut t, "scope").unwrap_or_default();
    out.attrs = attrs(r, t.take("attrs"), &path.key("attrs"));
    r.finish(t, &["type", "id", "scope", "attrs"]);
    out
}

/// The `attrs` field: absent or `null` for none.
fn attrs(r: &mut Reader, node: Option<&Node>, path: &DocPath) -> Attrs {
    match node {
        Some(node) if node.kind != Kind::Null => attr_table(r, node, path),
        _ => Attrs::new(),
    }
}

fn attr_table(r: &mut Reader, node: &Node, path: &DocPath) -> Attrs {
    let mut out = Attrs::new();
    if let Some(mut t) = r.table(node, path, "a table of attributes") {
        for (key, item) in t.entries() {
            let v = value::read(r, item, &path.key(key));
            out.insert(key.to_owned(), v);
        }
        // Reports repeated keys.
        r.finish(t, &[]);
    }
    out
}
