//! The `rolegate` claim: `{ "roles": [...], "attrs"?: {...}, "tenant": {...} }`, read into
//! the engine's principal and tenant with the engine's own readers
//! (`Principal::from_json`, `Tenant::from_json`), so a token can carry exactly what
//! `rolegate check --principal` accepts, no more.

use crate::error::{TokenError, TokenErrorCode};
use rolegate::{Principal, Tenant};
use serde_json::{Map, Value};

/// The members of the `rolegate` claim.
const MEMBERS: [&str; 3] = ["roles", "attrs", "tenant"];

fn refused(message: impl Into<String>) -> TokenError {
    TokenError::new(TokenErrorCode::Claims, message)
}

/// The principal `{ "id": sub, "roles": rolegate.roles, "attrs": rolegate.attrs }` and the
/// tenant `rolegate.tenant` of verified claims.
pub(crate) fn identity(
    sub: &str,
    claims: &Map<String, Value>,
) -> Result<(Principal, Tenant), TokenError> {
    let claim = match claims.get("rolegate") {
        Some(Value::Object(claim)) => claim,
        Some(_) => return Err(refused("the claim `rolegate` is not an object")),
        None => return Err(refused("the claim `rolegate` is missing")),
    };
    if let Some(unknown) = claim.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
        return Err(refused(format!(
            "unknown member `{unknown}` in the claim `rolegate`, expected one of roles, attrs, tenant"
        )));
    }
    let roles = claim
        .get("roles")
        .ok_or_else(|| refused("the claim `rolegate` has no `roles`"))?;
    let tenant = claim
        .get("tenant")
        .ok_or_else(|| refused("the claim `rolegate` has no `tenant`"))?;
    let mut principal = Map::new();
    principal.insert("id".to_owned(), Value::String(sub.to_owned()));
    principal.insert("roles".to_owned(), roles.clone());
    if let Some(attrs) = claim.get("attrs") {
        principal.insert("attrs".to_owned(), attrs.clone());
    }
    let principal = Principal::from_json(&Value::Object(principal).to_string())
        .map_err(|e| at_claim(&e, "principal", "rolegate"))?;
    let tenant = Tenant::from_json(&tenant.to_string())
        .map_err(|e| at_claim(&e, "tenant", "rolegate.tenant"))?;
    Ok((principal, tenant))
}

/// An engine input error as a `token_claims` error, its path rewritten into the token
/// (`principal.roles[0]` is `rolegate.roles[0]`).
fn at_claim(error: &rolegate::InputError, input: &str, claim: &str) -> TokenError {
    let path = error.path.to_string();
    let path = match path.strip_prefix(input) {
        Some(rest) => format!("{claim}{rest}"),
        None => path,
    };
    refused(format!("{path}: {}", error.message))
}
