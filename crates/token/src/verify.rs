//! Verifying a token: the checks in their fixed order (structure, algorithm and key,
//! signature, time, issuer, audience, the `rolegate` claim), and `bearer`.

use crate::claims::identity;
use crate::config::TokenConfig;
use crate::error::{TokenError, TokenErrorCode};
use crate::keys::decode_base64url;
use rolegate::{Principal, Tenant};
use serde_json::{Map, Value};

/// The deepest nesting of lists and objects a header or payload may have (the payload
/// object itself is level 1).
pub const MAX_DEPTH: usize = 32;

/// Who a verified token speaks for: the engine's principal and tenant, built from the
/// verified claims only, and every claim for the caller's own use.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// The `sub` claim, also the principal's id.
    pub subject: String,
    /// `{ "id": sub, "roles": rolegate.roles, "attrs": rolegate.attrs }`.
    pub principal: Principal,
    /// `rolegate.tenant`.
    pub tenant: Tenant,
    /// Every claim of the payload.
    pub claims: Value,
}

/// The token of an `Authorization` header value: `Bearer <token>`, the scheme in any
/// case, one space, a token without whitespace. Anything else is `token_missing`.
///
/// ```
/// use rolegate_token::{TokenErrorCode, bearer};
///
/// assert_eq!(bearer("Bearer abc.def.ghi")?, "abc.def.ghi");
/// assert_eq!(bearer("bearer abc.def.ghi")?, "abc.def.ghi");
/// assert_eq!(bearer("Basic dXNlcjpwYXNz").unwrap_err().code, TokenErrorCode::Missing);
/// assert_eq!(bearer("Bearer  abc").unwrap_err().code, TokenErrorCode::Missing);
/// # Ok::<(), rolegate_token::TokenError>(())
/// ```
pub fn bearer(authorization: &str) -> Result<&str, TokenError> {
    let missing = |message: &str| TokenError::new(TokenErrorCode::Missing, message);
    let Some((scheme, token)) = authorization.split_once(' ') else {
        return Err(missing(if authorization.is_empty() {
            "no authorization header"
        } else {
            "the authorization header is not `Bearer <token>`"
        }));
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(missing("the authorization scheme is not `Bearer`"));
    }
    if token.is_empty() || token.contains(|c: char| c.is_ascii_whitespace()) {
        return Err(missing("the authorization header is not `Bearer <token>`"));
    }
    Ok(token)
}

/// A token whose structure is sound: its header's `alg` and `kid`, the signed text, the
/// signature, the claims with the registered ones checked for type.
struct Parsed<'t> {
    alg: String,
    kid: Option<String>,
    signed: &'t str,
    signature: Vec<u8>,
    claims: Map<String, Value>,
    sub: String,
    exp: f64,
    nbf: Option<f64>,
}

impl TokenConfig {
    /// Verifies a token (the compact JWS, without `Bearer `) at the time `now_unix_seconds`
    /// and returns the identity it carries. The checks run in this order, the first that
    /// fails giving the code: structure (`token_missing`, `token_malformed`), algorithm
    /// and key (`token_algorithm`), signature (`token_signature`), `exp`
    /// (`token_expired`), `nbf` (`token_not_yet_valid`), `iss` (`token_issuer`), `aud`
    /// (`token_audience`), the `rolegate` claim (`token_claims`).
    pub fn verify(&self, token: &str, now_unix_seconds: u64) -> Result<Identity, TokenError> {
        let parsed = parse(token)?;
        let (alg, key) = self.key_for(&parsed.alg, parsed.kid.as_deref())?;
        let expected_len = alg.signature_len();
        if parsed.signature.len() != expected_len {
            return Err(TokenError::new(
                TokenErrorCode::Signature,
                format!(
                    "a {alg} signature has {expected_len} bytes, found {}",
                    parsed.signature.len()
                ),
            ));
        }
        if !key.verifies(parsed.signed.as_bytes(), &parsed.signature) {
            return Err(TokenError::new(
                TokenErrorCode::Signature,
                "the signature does not verify",
            ));
        }
        let now = now_unix_seconds as f64;
        let leeway = self.leeway as f64;
        if now >= parsed.exp + leeway {
            return Err(TokenError::new(
                TokenErrorCode::Expired,
                "the token has expired",
            ));
        }
        if parsed.nbf.is_some_and(|nbf| now + leeway < nbf) {
            return Err(TokenError::new(
                TokenErrorCode::NotYetValid,
                "the token is not valid yet",
            ));
        }
        if let Some(issuer) = &self.issuer {
            if parsed.claims.get("iss").and_then(Value::as_str) != Some(issuer) {
                return Err(TokenError::new(
                    TokenErrorCode::Issuer,
                    format!("the token is not issued by `{issuer}`"),
                ));
            }
        }
        if let Some(audience) = &self.audience {
            let names_it = match parsed.claims.get("aud") {
                Some(Value::String(aud)) => aud == audience,
                Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(audience)),
                _ => false,
            };
            if !names_it {
                return Err(TokenError::new(
                    TokenErrorCode::Audience,
                    format!("the token is not meant for `{audience}`"),
                ));
            }
        }
        let (principal, tenant) = identity(&parsed.sub, &parsed.claims)?;
        Ok(Identity {
            subject: parsed.sub,
            principal,
            tenant,
            claims: Value::Object(parsed.claims),
        })
    }
}

/// The structure check: three base64url parts, a header and a payload that are JSON
/// objects, the registered claims of the right types.
fn parse(token: &str) -> Result<Parsed<'_>, TokenError> {
    if token.is_empty() {
        return Err(TokenError::new(TokenErrorCode::Missing, "no token"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(TokenError::malformed(format!(
            "a token has three parts separated by `.`, found {}",
            parts.len()
        )));
    };
    let header = json_object(header, "header")?;
    let claims = json_object(payload, "payload")?;
    let signature = decode_base64url(signature)
        .ok_or_else(|| TokenError::malformed("the signature is not base64url without padding"))?;
    if header.contains_key("crit") {
        return Err(TokenError::malformed(
            "the header has `crit`: no extension is understood",
        ));
    }
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg.clone(),
        Some(_) => return Err(TokenError::malformed("the header's `alg` is not a string")),
        None => return Err(TokenError::malformed("the header has no `alg`")),
    };
    let kid = optional_string(&header, "kid", "the header's")?.map(str::to_owned);
    optional_string(&header, "typ", "the header's")?;
    let sub = match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
        Some(_) => return Err(TokenError::malformed("`sub` is not a non-empty string")),
        None => return Err(TokenError::malformed("the claim `sub` is missing")),
    };
    let exp = optional_number(&claims, "exp")?
        .ok_or_else(|| TokenError::malformed("the claim `exp` is missing"))?;
    let nbf = optional_number(&claims, "nbf")?;
    optional_number(&claims, "iat")?;
    optional_string(&claims, "iss", "the claim")?;
    match claims.get("aud") {
        None | Some(Value::String(_)) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
        Some(_) => {
            return Err(TokenError::malformed(
                "the claim `aud` is not a string or a list of strings",
            ));
        }
    }
    let (signed, _) = token.rsplit_once('.').unwrap_or_default();
    Ok(Parsed {
        alg,
        kid,
        signed,
        signature,
        claims,
        sub,
        exp,
        nbf,
    })
}

/// Decodes one part into a JSON object.
fn json_object(part: &str, what: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = decode_base64url(part).ok_or_else(|| {
        TokenError::malformed(format!("the {what} is not base64url without padding"))
    })?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|_| TokenError::malformed(format!("the {what} is not JSON")))?;
    if depth(&value) > MAX_DEPTH {
        return Err(TokenError::malformed(format!(
            "the {what} nests deeper than {MAX_DEPTH} levels"
        )));
    }
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(TokenError::malformed(format!(
            "the {what} is not a JSON object"
        ))),
    }
}

/// The nesting depth of a value: 0 for a scalar, 1 for a list or object of scalars.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn optional_string<'m>(
    map: &'m Map<String, Value>,
    name: &str,
    whose: &str,
) -> Result<Option<&'m str>, TokenError> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(TokenError::malformed(format!(
            "{whose} `{name}` is not a string"
        ))),
    }
}

fn optional_number(map: &Map<String, Value>, name: &str) -> Result<Option<f64>, TokenError> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(TokenError::malformed(format!(
            "the claim `{name}` is not a number"
        ))),
    }
}
