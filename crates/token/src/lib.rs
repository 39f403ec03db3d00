//! Verified identity for rolegate's gates: a signed token (a JWS compact token, a "JWT")
//! read into the engine's [`Principal`](rolegate::Principal) and
//! [`Tenant`](rolegate::Tenant), with one stable code for every way a token is refused.
//!
//! The same format, configuration file, checks, order and codes are implemented for
//! JavaScript (Web Crypto) in `js/token.js`, and one case corpus
//! (`tests/fixtures/tokens/cases.json`) is run against both. The format is documented in
//! `docs/TOKENS.md`.
//!
//! # Quick example
//!
//! ```
//! use rolegate_token::{TokenConfig, TokenErrorCode, bearer};
//!
//! let config = TokenConfig::from_json(include_str!("../../../tests/fixtures/tokens/keys.json"))?;
//! match config.verify(bearer("Bearer not.a.token")?, 1_800_000_000) {
//!     Ok(identity) => println!("{} of {}", identity.principal.id, identity.tenant.id),
//!     Err(e) => assert_eq!(e.code, TokenErrorCode::Malformed), // a 401 at the gate
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Concepts
//!
//! - [`TokenConfig`]: the accepted keys (public JWKs; HS256 secrets), the issuer and
//!   audience to require, the leeway for `exp` and `nbf`. Read once, used for every request.
//! - [`TokenConfig::verify`]: the checks in a fixed order; the first failure is the
//!   [`TokenError`], with a [`TokenErrorCode`].
//! - [`Identity`]: the subject, principal, tenant and all claims of a verified token. The
//!   token layer does not check roles against a policy: the gate's decision does.
//! - [`bearer`]: the token of an `Authorization` header.
//! - [`mint`] and [`generate`]: tokens and keys for tests and demos.
//!
//! The cryptography is RustCrypto's: `hmac` and `sha2` (HS256), `p256` (ES256),
//! `ed25519-dalek` (EdDSA); random keys come from `getrandom`.

mod claims;
mod config;
mod error;
mod keys;
mod mint;
mod verify;

pub use config::{DEFAULT_LEEWAY, MAX_LEEWAY, TokenConfig};
pub use error::{ConfigError, TokenError, TokenErrorCode};
pub use keys::Algorithm;
pub use mint::{generate, mint};
pub use verify::{Identity, MAX_DEPTH, bearer};
