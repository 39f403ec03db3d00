//! Keys: the three algorithms, reading public and private JWKs, signing and verifying.
//! The cryptography is RustCrypto's (`hmac` + `sha2`, `p256`, `ed25519-dalek`).

use crate::error::ConfigError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::fmt;

/// The signing algorithms a token may use (the JWS `alg` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// HMAC with SHA-256, a shared secret (`kty: oct`).
    Hs256,
    /// ECDSA on P-256 with SHA-256, signatures as raw `r || s` (`kty: EC`, `crv: P-256`).
    Es256,
    /// Ed25519 (`kty: OKP`, `crv: Ed25519`).
    EdDsa,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: [Algorithm; 3] = [Algorithm::Hs256, Algorithm::Es256, Algorithm::EdDsa];

    /// The JWS name: `HS256`, `ES256`, `EdDSA`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Es256 => "ES256",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// The algorithm of a JWS name (exact, case-sensitive); `None` for any other name,
    /// `none` included.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The JWK `kty` and `crv` of this algorithm's keys.
    fn key_type(self) -> (&'static str, Option<&'static str>) {
        match self {
            Algorithm::Hs256 => ("oct", None),
            Algorithm::Es256 => ("EC", Some("P-256")),
            Algorithm::EdDsa => ("OKP", Some("Ed25519")),
        }
    }

    /// The length of a signature in bytes.
    pub(crate) fn signature_len(self) -> usize {
        match self {
            Algorithm::Hs256 => 32,
            Algorithm::Es256 | Algorithm::EdDsa => 64,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fewest bytes an HS256 secret may have.
pub(crate) const MIN_SECRET_LEN: usize = 32;

/// The verifying half of a key.
#[derive(Clone)]
pub(crate) enum PublicKey {
    Hmac(Vec<u8>),
    P256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// The signing half of a key.
pub(crate) enum PrivateKey {
    Hmac(Vec<u8>),
    P256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl PublicKey {
    /// Whether `signature` is this key's signature of `data`; a signature of the wrong
    /// length never is.
    pub(crate) fn verifies(&self, data: &[u8], signature: &[u8]) -> bool {
        use ed25519_dalek::Verifier as _;
        match self {
            PublicKey::Hmac(secret) => Hmac::<Sha256>::new_from_slice(secret)
                .is_ok_and(|mac| mac.chain_update(data).verify_slice(signature).is_ok()),
            PublicKey::P256(key) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| key.verify(data, &s).is_ok()),
            PublicKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| key.verify(data, &s).is_ok()),
        }
    }
}

impl PrivateKey {
    /// The signature of `data`.
    pub(crate) fn sign(&self, data: &[u8]) -> Result<Vec<u8>, ConfigError> {
        use ed25519_dalek::Signer as _;
        match self {
            PrivateKey::Hmac(secret) => Hmac::<Sha256>::new_from_slice(secret)
                .map(|mac| mac.chain_update(data).finalize().into_bytes().to_vec())
                .map_err(|e| ConfigError::new("k", format!("unusable secret: {e}"))),
            PrivateKey::P256(key) => {
                let signature: p256::ecdsa::Signature = key
                    .try_sign(data)
                    .map_err(|e| ConfigError::new("d", format!("cannot sign: {e}")))?;
                Ok(signature.to_bytes().to_vec())
            }
            PrivateKey::Ed25519(key) => Ok(key.sign(data).to_bytes().to_vec()),
        }
    }

    /// The verifying half.
    pub(crate) fn public(&self) -> PublicKey {
        match self {
            PrivateKey::Hmac(secret) => PublicKey::Hmac(secret.clone()),
            PrivateKey::P256(key) => PublicKey::P256(*key.verifying_key()),
            PrivateKey::Ed25519(key) => PublicKey::Ed25519(key.verifying_key()),
        }
    }
}

/// A JWK read: its `kid`, its algorithm and the key.
#[derive(Clone)]
pub(crate) struct Jwk<K> {
    pub(crate) kid: Option<String>,
    pub(crate) alg: Algorithm,
    pub(crate) key: K,
}

/// Decodes base64url without padding, strictly (no `=`, `+` or `/`, no stray bits).
pub(crate) fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Encodes base64url without padding.
pub(crate) fn encode_base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn at(path: &str, member: &str) -> String {
    format!("{path}.{member}")
}

fn string_member<'a>(
    jwk: &'a Map<String, Value>,
    path: &str,
    member: &str,
) -> Result<Option<&'a str>, ConfigError> {
    match jwk.get(member) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ConfigError::new(at(path, member), "expected a string")),
    }
}

fn required_member<'a>(
    jwk: &'a Map<String, Value>,
    path: &str,
    member: &str,
) -> Result<&'a str, ConfigError> {
    string_member(jwk, path, member)?
        .ok_or_else(|| ConfigError::new(path, format!("missing member `{member}`")))
}

/// A base64url member, decoded.
fn bytes_member(
    jwk: &Map<String, Value>,
    path: &str,
    member: &str,
) -> Result<Vec<u8>, ConfigError> {
    let text = required_member(jwk, path, member)?;
    decode_base64url(text)
        .ok_or_else(|| ConfigError::new(at(path, member), "not base64url without padding"))
}

/// A base64url member of exactly `len` bytes (a coordinate, a private scalar or seed).
fn sized_member(
    jwk: &Map<String, Value>,
    path: &str,
    member: &str,
    len: usize,
) -> Result<Vec<u8>, ConfigError> {
    let bytes = bytes_member(jwk, path, member)?;
    if bytes.len() != len {
        return Err(ConfigError::new(
            at(path, member),
            format!("expected {len} bytes, found {}", bytes.len()),
        ));
    }
    Ok(bytes)
}

/// The HS256 secret `k`, at least `MIN_SECRET_LEN` bytes.
fn secret_member(jwk: &Map<String, Value>, path: &str) -> Result<Vec<u8>, ConfigError> {
    let bytes = bytes_member(jwk, path, "k")?;
    if bytes.len() < MIN_SECRET_LEN {
        return Err(ConfigError::new(
            at(path, "k"),
            format!(
                "an HS256 secret has at least {MIN_SECRET_LEN} bytes, found {}",
                bytes.len()
            ),
        ));
    }
    Ok(bytes)
}

type JwkHead<'a> = (&'a Map<String, Value>, Option<String>, Algorithm);

/// Reads what every JWK has: `kty`, `crv`, `alg`, `use`, `kid`, consistent with each other.
fn jwk_head<'a>(value: &'a Value, path: &str) -> Result<JwkHead<'a>, ConfigError> {
    let jwk = value
        .as_object()
        .ok_or_else(|| ConfigError::new(path, "expected a JWK, a JSON object"))?;
    let alg_name = required_member(jwk, path, "alg")?;
    let alg = Algorithm::from_name(alg_name).ok_or_else(|| {
        ConfigError::new(
            at(path, "alg"),
            format!("unsupported algorithm `{alg_name}` (supported: HS256, ES256, EdDSA)"),
        )
    })?;
    let (kty, crv) = alg.key_type();
    let found_kty = required_member(jwk, path, "kty")?;
    if found_kty != kty {
        return Err(ConfigError::new(
            at(path, "kty"),
            format!("an {alg} key has `kty` `{kty}`, found `{found_kty}`"),
        ));
    }
    if let Some(crv) = crv {
        let found_crv = required_member(jwk, path, "crv")?;
        if found_crv != crv {
            return Err(ConfigError::new(
                at(path, "crv"),
                format!("an {alg} key has `crv` `{crv}`, found `{found_crv}`"),
            ));
        }
    }
    if let Some(usage) = string_member(jwk, path, "use")? {
        if usage != "sig" {
            return Err(ConfigError::new(
                at(path, "use"),
                format!("a signing key has `use` `sig`, found `{usage}`"),
            ));
        }
    }
    let kid = string_member(jwk, path, "kid")?.map(str::to_owned);
    Ok((jwk, kid, alg))
}

/// Reads a public JWK of a verification configuration; private members are refused, so
/// that a signing key is never deployed to a gate by mistake.
pub(crate) fn read_public(value: &Value, path: &str) -> Result<Jwk<PublicKey>, ConfigError> {
    let (jwk, kid, alg) = jwk_head(value, path)?;
    let key = match alg {
        Algorithm::Hs256 => PublicKey::Hmac(secret_member(jwk, path)?),
        Algorithm::Es256 | Algorithm::EdDsa if jwk.contains_key("d") => {
            return Err(ConfigError::new(
                at(path, "d"),
                "a private key in a verification configuration: give only the public members",
            ));
        }
        Algorithm::Es256 => PublicKey::P256(p256_public(jwk, path)?),
        Algorithm::EdDsa => {
            let x = sized_member(jwk, path, "x", 32)?;
            PublicKey::Ed25519(ed25519_public(&x, path)?)
        }
    };
    Ok(Jwk { kid, alg, key })
}

fn p256_public(
    jwk: &Map<String, Value>,
    path: &str,
) -> Result<p256::ecdsa::VerifyingKey, ConfigError> {
    let mut sec1 = vec![4u8];
    sec1.extend(sized_member(jwk, path, "x", 32)?);
    sec1.extend(sized_member(jwk, path, "y", 32)?);
    p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
        .map_err(|_| ConfigError::new(path, "`x` and `y` are not a point of P-256"))
}

fn ed25519_public(x: &[u8], path: &str) -> Result<ed25519_dalek::VerifyingKey, ConfigError> {
    let bytes: [u8; 32] = x
        .try_into()
        .map_err(|_| ConfigError::new(at(path, "x"), "expected 32 bytes"))?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| ConfigError::new(at(path, "x"), "not an Ed25519 public key"))
}

/// Reads a private JWK (for minting). When the public members are given too, they must
/// belong to the private key.
pub(crate) fn read_private(value: &Value, path: &str) -> Result<Jwk<PrivateKey>, ConfigError> {
    let (jwk, kid, alg) = jwk_head(value, path)?;
    let key = match alg {
        Algorithm::Hs256 => PrivateKey::Hmac(secret_member(jwk, path)?),
        Algorithm::Es256 => {
            let d = sized_member(jwk, path, "d", 32)?;
            let key = p256::ecdsa::SigningKey::from_slice(&d)
                .map_err(|_| ConfigError::new(at(path, "d"), "not a P-256 private key"))?;
            if jwk.contains_key("x") || jwk.contains_key("y") {
                let given = p256_public(jwk, path)?;
                if &given != key.verifying_key() {
                    return Err(ConfigError::new(
                        path,
                        "`x` and `y` are not the public half of `d`",
                    ));
                }
            }
            PrivateKey::P256(key)
        }
        Algorithm::EdDsa => {
            let d = sized_member(jwk, path, "d", 32)?;
            let seed: [u8; 32] = d
                .as_slice()
                .try_into()
                .map_err(|_| ConfigError::new(at(path, "d"), "expected 32 bytes"))?;
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            if jwk.contains_key("x") {
                let given = ed25519_public(&sized_member(jwk, path, "x", 32)?, path)?;
                if given != key.verifying_key() {
                    return Err(ConfigError::new(path, "`x` is not the public half of `d`"));
                }
            }
            PrivateKey::Ed25519(key)
        }
    };
    Ok(Jwk { kid, alg, key })
}

/// The JWK members of a public key (without `alg` and `kid`).
pub(crate) fn public_members(key: &PublicKey) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |name: &str, value: String| {
        out.insert(name.to_owned(), Value::String(value));
    };
    match key {
        PublicKey::Hmac(secret) => {
            put("kty", "oct".into());
            put("k", encode_base64url(secret));
        }
        PublicKey::P256(key) => {
            let point = key.to_encoded_point(false);
            put("kty", "EC".into());
            put("crv", "P-256".into());
            put(
                "x",
                point.x().map_or_else(String::new, |x| encode_base64url(x)),
            );
            put(
                "y",
                point.y().map_or_else(String::new, |y| encode_base64url(y)),
            );
        }
        PublicKey::Ed25519(key) => {
            put("kty", "OKP".into());
            put("crv", "Ed25519".into());
            put("x", encode_base64url(key.as_bytes()));
        }
    }
    out
}
