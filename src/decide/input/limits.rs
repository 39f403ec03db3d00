//! The limits of a principal, a tenant and a resource (see [`crate::limits`]): checked when
//! they are read from JSON, and again by `Policy::session` for values built in Rust, so
//! that one over-long value gets the same code and path however it was given.
//!
//! Written small: this is in the page module. Paths are built only for the error, and one
//! function writes every message.

use super::{Principal, Resource, Tenant};
use crate::error::{DocPath, InputError, InputErrorCode};
use crate::limits::{
    MAX_ATTRIBUTES, MAX_LIST_VALUE_ITEMS, MAX_NAME_BYTES, MAX_PRINCIPAL_ROLES, MAX_STRING_BYTES,
    MAX_TENANT_FEATURES,
};
use crate::value::{Attrs, Value};

/// The error of `n` (of `unit`) over `max` at `path`.
#[inline(never)]
pub(crate) fn over(path: DocPath, n: usize, max: usize, unit: &str) -> InputError {
    InputError::new(
        InputErrorCode::LimitExceeded,
        path,
        format!("{n} {unit}, over the limit of {max}"),
    )
}

/// Whether an id or a name is over [`MAX_NAME_BYTES`].
fn long(text: &str) -> bool {
    text.len() > MAX_NAME_BYTES
}

fn name_over(path: DocPath, text: &str) -> InputError {
    over(path, text.len(), MAX_NAME_BYTES, "bytes")
}

fn value(path: &DocPath, value: &Value) -> Result<(), InputError> {
    match value {
        Value::String(s) if s.len() > MAX_STRING_BYTES => {
            Err(over(path.clone(), s.len(), MAX_STRING_BYTES, "bytes"))
        }
        Value::List(items) => {
            if items.len() > MAX_LIST_VALUE_ITEMS {
                return Err(over(
                    path.clone(),
                    items.len(),
                    MAX_LIST_VALUE_ITEMS,
                    "items",
                ));
            }
            for (i, item) in items.iter().enumerate() {
                if matches!(item, Value::String(_) | Value::List(_)) {
                    self::value(&path.index(i), item)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Where a value is: `entity` (`principal`, `tenant`, `resource`), or `resources[i]` in a
/// list of resources.
fn at(entity: &str, index: Option<usize>) -> DocPath {
    match index {
        Some(i) => DocPath::root().key("resources").index(i),
        None => DocPath::root().key(entity),
    }
}

/// The attributes of `at(entity, index)`: their count, names and values.
pub(crate) fn attrs(entity: &str, index: Option<usize>, attrs: &Attrs) -> Result<(), InputError> {
    let path = || at(entity, index).key("attrs");
    if attrs.len() > MAX_ATTRIBUTES {
        return Err(over(path(), attrs.len(), MAX_ATTRIBUTES, "attributes"));
    }
    for (key, v) in attrs {
        if long(key) {
            // The path stops at the table: the name itself is what is too long.
            return Err(name_over(path(), key));
        }
        if matches!(v, Value::String(_) | Value::List(_)) {
            value(&path().key(key), v)?;
        }
    }
    Ok(())
}

pub(crate) fn principal(p: &Principal) -> Result<(), InputError> {
    let base = || DocPath::root().key("principal");
    if long(&p.id) {
        return Err(name_over(base().key("id"), &p.id));
    }
    if p.roles.len() > MAX_PRINCIPAL_ROLES {
        let path = base().key("roles");
        return Err(over(path, p.roles.len(), MAX_PRINCIPAL_ROLES, "roles"));
    }
    if let Some(i) = p.roles.iter().position(|a| long(&a.role)) {
        let role = p.roles.get(i).map_or("", |a| &a.role);
        return Err(name_over(base().key("roles").index(i).key("role"), role));
    }
    attrs("principal", None, &p.attrs)
}

pub(crate) fn tenant(t: &Tenant) -> Result<(), InputError> {
    let base = || DocPath::root().key("tenant");
    if long(&t.id) {
        return Err(name_over(base().key("id"), &t.id));
    }
    if let Some(plan) = t.plan.as_deref().filter(|p| long(p)) {
        return Err(name_over(base().key("plan"), plan));
    }
    if t.features.len() > MAX_TENANT_FEATURES {
        let path = base().key("features");
        return Err(over(
            path,
            t.features.len(),
            MAX_TENANT_FEATURES,
            "features",
        ));
    }
    if let Some(i) = t.features.iter().position(|f| long(f)) {
        let feature = t.features.get(i).map_or("", |f| f.as_str());
        return Err(name_over(base().key("features").index(i), feature));
    }
    attrs("tenant", None, &t.attrs)
}

/// A resource (`resource`, or `resources[i]` in a list); its scope is not checked here: a
/// scope too long to read is `bad_scope` in the decision.
pub(crate) fn resource(r: &Resource, index: Option<usize>) -> Result<(), InputError> {
    for (key, text) in [("id", &r.id), ("type", &r.kind)] {
        if let Some(text) = text.as_deref().filter(|t| long(t)) {
            return Err(name_over(at("resource", index).key(key), text));
        }
    }
    attrs("resource", index, &r.attrs)
}
