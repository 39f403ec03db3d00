//! The limits of a principal, a tenant and a resource (see [`crate::limits`]): checked when
//! they are read from JSON, and again by `Policy::session` for values built in Rust, so
//! that one over-long value gets the same code and path however it was given.

use super::{Principal, Resource, Tenant};
use crate::error::{DocPath, InputError, InputErrorCode};
use crate::limits::{
    MAX_ATTRIBUTES, MAX_LIST_VALUE_ITEMS, MAX_NAME_BYTES, MAX_PRINCIPAL_ROLES, MAX_STRING_BYTES,
    MAX_TENANT_FEATURES,
};
use crate::value::{Attrs, Value};

fn over(path: DocPath, message: String) -> InputError {
    InputError::new(InputErrorCode::LimitExceeded, path, message)
}

fn count(path: &DocPath, what: &str, count: usize, max: usize) -> Result<(), InputError> {
    if count > max {
        return Err(over(
            path.clone(),
            format!("{count} {what}, over the limit of {max}"),
        ));
    }
    Ok(())
}

/// An id or a name: at most [`MAX_NAME_BYTES`].
pub(crate) fn name(path: DocPath, text: &str) -> Result<(), InputError> {
    if text.len() > MAX_NAME_BYTES {
        return Err(over(
            path,
            format!(
                "{} bytes long, over the limit of {MAX_NAME_BYTES} for an id or a name",
                text.len()
            ),
        ));
    }
    Ok(())
}

fn value(path: DocPath, value: &Value) -> Result<(), InputError> {
    match value {
        Value::String(s) if s.len() > MAX_STRING_BYTES => Err(over(
            path,
            format!(
                "a string of {} bytes, over the limit of {MAX_STRING_BYTES}",
                s.len()
            ),
        )),
        Value::List(items) => {
            count(&path, "list items", items.len(), MAX_LIST_VALUE_ITEMS)?;
            for (i, item) in items.iter().enumerate() {
                self::value(path.index(i), item)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Attributes at `path` (`principal.attrs`): their count, names and values.
pub(crate) fn attrs(path: &DocPath, attrs: &Attrs) -> Result<(), InputError> {
    count(path, "attributes", attrs.len(), MAX_ATTRIBUTES)?;
    for (key, v) in attrs {
        if key.len() > MAX_NAME_BYTES {
            // The path stops at the table: the name itself is what is too long.
            return Err(over(
                path.clone(),
                format!(
                    "an attribute name of {} bytes, over the limit of {MAX_NAME_BYTES}",
                    key.len()
                ),
            ));
        }
        value(path.key(key), v)?;
    }
    Ok(())
}

pub(crate) fn principal(p: &Principal) -> Result<(), InputError> {
    let base = DocPath::root().key("principal");
    name(base.key("id"), &p.id)?;
    let roles = base.key("roles");
    count(&roles, "roles", p.roles.len(), MAX_PRINCIPAL_ROLES)?;
    for (i, a) in p.roles.iter().enumerate() {
        name(roles.index(i).key("role"), &a.role)?;
    }
    attrs(&base.key("attrs"), &p.attrs)
}

pub(crate) fn tenant(t: &Tenant) -> Result<(), InputError> {
    let base = DocPath::root().key("tenant");
    name(base.key("id"), &t.id)?;
    if let Some(plan) = &t.plan {
        name(base.key("plan"), plan)?;
    }
    let features = base.key("features");
    count(&features, "features", t.features.len(), MAX_TENANT_FEATURES)?;
    for (i, f) in t.features.iter().enumerate() {
        name(features.index(i), f)?;
    }
    attrs(&base.key("attrs"), &t.attrs)
}

/// A resource at `base` (`resource`, `resources[3]`); its scope is not checked here: a
/// scope too long to read is `bad_scope` in the decision.
pub(crate) fn resource(r: &Resource, base: &DocPath) -> Result<(), InputError> {
    if let Some(id) = &r.id {
        name(base.key("id"), id)?;
    }
    if let Some(kind) = &r.kind {
        name(base.key("type"), kind)?;
    }
    attrs(&base.key("attrs"), &r.attrs)
}
