//! The verification configuration: one JSON document, read the same way by every runtime
//! (`{ "issuer"?, "audience"?, "leeway"?, "keys": [JWK, ...] }`), and the choice of the key
//! for a token's header.

use crate::error::{ConfigError, TokenError, TokenErrorCode};
use crate::keys::{Algorithm, Jwk, PublicKey, read_public};
use serde_json::Value;

/// The leeway for `exp` and `nbf` when the configuration gives none, in seconds.
pub const DEFAULT_LEEWAY: u64 = 60;
/// The largest leeway a configuration may give, in seconds (one day).
pub const MAX_LEEWAY: u64 = 86_400;

/// How tokens are verified: the accepted keys, the issuer and audience to require, the
/// leeway for clock skew. Read once ([`TokenConfig::from_json`]), then used for every
/// request ([`TokenConfig::verify`](crate::TokenConfig::verify)).
#[derive(Clone)]
pub struct TokenConfig {
    pub(crate) issuer: Option<String>,
    pub(crate) audience: Option<String>,
    pub(crate) leeway: u64,
    pub(crate) keys: Vec<Jwk<PublicKey>>,
}

impl std::fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The keys are secrets (HS256) or at least not worth printing.
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("{} {}", k.alg, k.kid.as_deref().unwrap_or("(no kid)")))
            .collect();
        f.debug_struct("TokenConfig")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("keys", &keys)
            .finish()
    }
}

const MEMBERS: [&str; 4] = ["issuer", "audience", "leeway", "keys"];

impl TokenConfig {
    /// Reads a configuration from JSON text. Unknown top-level members, keys with private
    /// members, HS256 secrets shorter than 32 bytes, two keys with one `kid`, and public
    /// keys that are not points of their curve are refused.
    pub fn from_json(text: &str) -> Result<TokenConfig, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("", format!("not valid JSON: {e}")))?;
        let Some(doc) = value.as_object() else {
            return Err(ConfigError::new("", "expected a JSON object"));
        };
        if let Some(unknown) = doc.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
            return Err(ConfigError::new(
                unknown.as_str(),
                format!(
                    "unknown member `{unknown}`, expected one of issuer, audience, leeway, keys"
                ),
            ));
        }
        let issuer = non_empty_string(doc.get("issuer"), "issuer")?;
        let audience = non_empty_string(doc.get("audience"), "audience")?;
        let leeway = match doc.get("leeway") {
            None => DEFAULT_LEEWAY,
            Some(v) => v
                .as_f64()
                .filter(|n| n.fract() == 0.0 && (0.0..=MAX_LEEWAY as f64).contains(n))
                .map(|n| n as u64)
                .ok_or_else(|| {
                    ConfigError::new(
                        "leeway",
                        format!("expected whole seconds from 0 to {MAX_LEEWAY}"),
                    )
                })?,
        };
        let Some(Value::Array(items)) = doc.get("keys") else {
            return Err(ConfigError::new("keys", "expected a list of JWKs"));
        };
        if items.is_empty() {
            return Err(ConfigError::new(
                "keys",
                "no keys: a token could never verify",
            ));
        }
        let mut keys: Vec<Jwk<PublicKey>> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let key = read_public(item, &format!("keys[{i}]"))?;
            if let Some(kid) = &key.kid {
                if keys.iter().any(|k| k.kid.as_ref() == Some(kid)) {
                    return Err(ConfigError::new(
                        format!("keys[{i}].kid"),
                        format!("two keys have the kid `{kid}`"),
                    ));
                }
            }
            keys.push(key);
        }
        Ok(TokenConfig {
            issuer,
            audience,
            leeway,
            keys,
        })
    }

    /// The issuer every token must name in `iss`, if any.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The audience every token must name in `aud`, if any.
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// The leeway for `exp` and `nbf`, in seconds.
    pub fn leeway(&self) -> u64 {
        self.leeway
    }

    /// The key for a token whose header has `alg` and maybe `kid`: the key with that
    /// `kid` when the header has one, else the first key of that algorithm. The header's
    /// `alg` must be the key's.
    pub(crate) fn key_for(
        &self,
        alg: &str,
        kid: Option<&str>,
    ) -> Result<(Algorithm, &PublicKey), TokenError> {
        let refused = |message: String| TokenError::new(TokenErrorCode::Algorithm, message);
        let Some(algorithm) = Algorithm::from_name(alg) else {
            return Err(refused(format!(
                "algorithm `{alg}` is not accepted (accepted: HS256, ES256, EdDSA)"
            )));
        };
        let key = match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or_else(|| refused(format!("no key has the kid `{kid}`")))?,
            None => self
                .keys
                .iter()
                .find(|k| k.alg == algorithm)
                .ok_or_else(|| refused(format!("no key is configured for {algorithm}")))?,
        };
        if key.alg != algorithm {
            return Err(refused(format!(
                "the key `{}` is for {}, the token says {algorithm}",
                kid.unwrap_or_default(),
                key.alg
            )));
        }
        Ok((algorithm, &key.key))
    }
}

fn non_empty_string(value: Option<&Value>, member: &str) -> Result<Option<String>, ConfigError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(ConfigError::new(member, "expected a non-empty string")),
    }
}
