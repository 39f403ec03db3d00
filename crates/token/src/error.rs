//! The errors of this crate: [`TokenError`] (a token was refused; a 401 at a gate, with a
//! stable [`TokenErrorCode`]) and [`ConfigError`] (a verification configuration or a key
//! could not be read; a deployment mistake, never a client's).

use std::fmt;

/// Why a token was refused. Each code is the same string in Rust and in JavaScript, and
/// the checks run in the order of this list, so every runtime reports the same code for
/// the same token (see `docs/TOKENS.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenErrorCode {
    /// No token: no `Authorization` header, not `Bearer <token>`, or an empty token.
    Missing,
    /// Not three base64url parts, a header or payload that is not a JSON object, a
    /// registered claim of the wrong type, `sub` or `exp` missing.
    Malformed,
    /// `alg` is `none`, not supported, not configured, or not the chosen key's algorithm;
    /// or no key has the header's `kid`.
    Algorithm,
    /// The signature does not verify with the chosen key.
    Signature,
    /// `exp` has passed (with the leeway).
    Expired,
    /// `nbf` has not come yet (with the leeway).
    NotYetValid,
    /// `iss` is missing or not the configured issuer.
    Issuer,
    /// `aud` is missing or does not name the configured audience.
    Audience,
    /// The `rolegate` claim is missing or not of the documented shape.
    Claims,
}

impl TokenErrorCode {
    /// Every code, in the order the checks run.
    pub const ALL: [TokenErrorCode; 9] = [
        TokenErrorCode::Missing,
        TokenErrorCode::Malformed,
        TokenErrorCode::Algorithm,
        TokenErrorCode::Signature,
        TokenErrorCode::Expired,
        TokenErrorCode::NotYetValid,
        TokenErrorCode::Issuer,
        TokenErrorCode::Audience,
        TokenErrorCode::Claims,
    ];

    /// The stable code: `token_missing`, `token_malformed`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            TokenErrorCode::Missing => "token_missing",
            TokenErrorCode::Malformed => "token_malformed",
            TokenErrorCode::Algorithm => "token_algorithm",
            TokenErrorCode::Signature => "token_signature",
            TokenErrorCode::Expired => "token_expired",
            TokenErrorCode::NotYetValid => "token_not_yet_valid",
            TokenErrorCode::Issuer => "token_issuer",
            TokenErrorCode::Audience => "token_audience",
            TokenErrorCode::Claims => "token_claims",
        }
    }
}

impl fmt::Display for TokenErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused token: a stable code and a lowercase message for logs. A gate answers 401
/// with the code; the message may name claims of the token, never key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// The stable code.
    pub code: TokenErrorCode,
    /// What is wrong, in lowercase English.
    pub message: String,
}

impl TokenError {
    pub(crate) fn new(code: TokenErrorCode, message: impl Into<String>) -> Self {
        TokenError {
            code,
            message: message.into(),
        }
    }

    /// Shorthand for a `token_malformed` error.
    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        TokenError::new(TokenErrorCode::Malformed, message)
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for TokenError {}

/// A verification configuration, a key (JWK) or a minting request that cannot be used;
/// its code is always `config_invalid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where the problem is (`keys[1].x`, `leeway`); empty for the whole document.
    pub path: String,
    /// What is wrong, in lowercase English.
    pub message: String,
}

impl ConfigError {
    /// The stable code of every configuration error.
    pub const CODE: &'static str = "config_invalid";

    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The stable code, `config_invalid`.
    pub fn code(&self) -> &'static str {
        Self::CODE
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", Self::CODE, self.message)
        } else {
            write!(f, "{}: {}: {}", Self::CODE, self.path, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}
