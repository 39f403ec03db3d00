//! Minting tokens and generating keys, for tests, demos and `rolegate token`. A service
//! that issues tokens in production would use its identity provider instead; the format
//! is the same.

use crate::error::ConfigError;
use crate::keys::{Algorithm, PrivateKey, encode_base64url, public_members, read_private};
use serde_json::{Map, Value};

/// Signs `claims` (a JSON object) with a private JWK (the `alg` member chooses the
/// algorithm) and returns the compact token. The header is
/// `{ "alg", "typ": "JWT", "kid"? }`, with `header_kid` as its `kid` when given.
///
/// The claims are signed as given: nothing checks that they would verify.
///
/// ```
/// use rolegate_token::{Algorithm, TokenConfig, generate, mint};
/// use serde_json::json;
///
/// let (private_jwk, public_jwk) = generate(Algorithm::EdDsa, Some("ed1"))?;
/// let claims = json!({
///     "sub": "alice", "exp": 2_000_000_000,
///     "rolegate": { "roles": [{ "role": "admin", "scope": "org" }], "tenant": { "id": "acme" } },
/// });
/// let token = mint(&private_jwk, &claims, Some("ed1"))?;
/// let config = TokenConfig::from_json(&format!(r#"{{ "keys": [{public_jwk}] }}"#))?;
/// let identity = config.verify(&token, 1_900_000_000).unwrap();
/// assert_eq!(identity.principal.id, "alice");
/// assert_eq!(identity.tenant.id, "acme");
/// # Ok::<(), rolegate_token::ConfigError>(())
/// ```
pub fn mint(
    private_jwk_json: &str,
    claims: &Value,
    header_kid: Option<&str>,
) -> Result<String, ConfigError> {
    let jwk: Value = serde_json::from_str(private_jwk_json)
        .map_err(|e| ConfigError::new("key", format!("not valid JSON: {e}")))?;
    let key = read_private(&jwk, "key")?;
    if !claims.is_object() {
        return Err(ConfigError::new("claims", "expected a JSON object"));
    }
    let mut header = Map::new();
    header.insert("alg".to_owned(), Value::from(key.alg.as_str()));
    header.insert("typ".to_owned(), Value::from("JWT"));
    if let Some(kid) = header_kid {
        header.insert("kid".to_owned(), Value::from(kid));
    }
    let signed = format!(
        "{}.{}",
        encode_base64url(Value::Object(header).to_string().as_bytes()),
        encode_base64url(claims.to_string().as_bytes())
    );
    let signature = key.key.sign(signed.as_bytes())?;
    Ok(format!("{signed}.{}", encode_base64url(&signature)))
}

/// Generates a key pair for `alg` from the operating system's random source and returns
/// `(private_jwk, public_jwk)` as JSON text, both with `alg`, `use: "sig"` and the `kid`
/// when given. For HS256 both hold the same 32-byte secret.
pub fn generate(alg: Algorithm, kid: Option<&str>) -> Result<(String, String), ConfigError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| ConfigError::new("", format!("no random bytes from the system: {e}")))?;
    let private = match alg {
        Algorithm::Hs256 => PrivateKey::Hmac(seed.to_vec()),
        // A seed at or above the group order (odds about 2^-32) is refused, not reduced.
        Algorithm::Es256 => PrivateKey::P256(
            p256::ecdsa::SigningKey::from_slice(&seed)
                .map_err(|_| ConfigError::new("", "the random seed is not a P-256 key: retry"))?,
        ),
        Algorithm::EdDsa => PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed)),
    };
    let mut public = public_members(&private.public());
    public.insert("alg".to_owned(), Value::from(alg.as_str()));
    public.insert("use".to_owned(), Value::from("sig"));
    if let Some(kid) = kid {
        public.insert("kid".to_owned(), Value::from(kid));
    }
    let mut private_jwk = public.clone();
    match &private {
        PrivateKey::Hmac(_) => {}
        PrivateKey::P256(key) => {
            private_jwk.insert(
                "d".to_owned(),
                Value::from(encode_base64url(&key.to_bytes())),
            );
        }
        PrivateKey::Ed25519(key) => {
            private_jwk.insert(
                "d".to_owned(),
                Value::from(encode_base64url(key.as_bytes())),
            );
        }
    }
    Ok((
        Value::Object(private_jwk).to_string(),
        Value::Object(public).to_string(),
    ))
}
