//! [`Policy`]: the public face of the compiled index.

use crate::compile::{
    Action, ActionKey, Compiled, Feature, Level, Plan, Role, RoleId, Rule, compile,
};
use crate::document::Document;
use crate::document::source::{self, Format};
use crate::error::{Diagnostic, PolicyErrors};
use std::fmt;
use std::sync::Arc;

/// A validated, compiled policy. Cheap to clone (shared), immutable, `Send + Sync`.
///
/// Compile it once and reuse it: every [`Session`](crate::Session) and every decision
/// works from this index.
#[derive(Clone)]
pub struct Policy {
    pub(crate) inner: Arc<Compiled>,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("name", &self.inner.name)
            .field("actions", &self.inner.actions.len())
            .field("roles", &self.inner.roles.len())
            .field("rules", &self.inner.rules.len())
            .finish()
    }
}

impl Policy {
    /// Validates and compiles a document.
    pub fn from_document(document: Document) -> Result<Policy, PolicyErrors> {
        compile(document)
            .map(|compiled| Policy {
                inner: Arc::new(compiled),
            })
            .map_err(PolicyErrors)
    }

    /// Reads, validates and compiles a document in the given format. Errors carry line and
    /// column.
    pub fn from_text(text: &str, format: Format) -> Result<Policy, PolicyErrors> {
        let (document, tree) = source::read(text, format).map_err(PolicyErrors)?;
        match compile(document) {
            Ok(mut compiled) => {
                source::attach_positions(text, &tree, &mut compiled.warnings);
                Ok(Policy {
                    inner: Arc::new(compiled),
                })
            }
            Err(mut errors) => {
                source::attach_positions(text, &tree, &mut errors);
                Err(PolicyErrors(errors))
            }
        }
    }

    /// Loads a policy from its artifact (see [`Policy::to_artifact`]): the compiled index,
    /// read and checked without any text to parse or validate. Bytes that are not an
    /// artifact (`not_artifact`), of another format version (`artifact_version`), or
    /// truncated, altered or inconsistent (`corrupt_artifact`) are refused; an artifact that
    /// loads decides exactly as the policy it was built from. The loaded policy has no
    /// [`document`](Policy::document) and no warnings.
    pub fn from_artifact(bytes: &[u8]) -> Result<Policy, PolicyErrors> {
        crate::artifact::load(bytes)
            .map(|compiled| Policy {
                inner: Arc::new(compiled),
            })
            .map_err(|d| PolicyErrors(vec![d]))
    }

    /// The policy's artifact: its compiled index in a compact, versioned binary form
    /// (format in `docs/ARTIFACT.md`), what `rolegate build` writes. The same policy gives
    /// the same bytes, whichever text it was read from; its SHA-256 (in its header) is the
    /// [`fingerprint`](Policy::fingerprint).
    pub fn to_artifact(&self) -> Vec<u8> {
        crate::artifact::build(&self.inner)
    }

    /// Reads a policy written in TOML.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyErrors> {
        Policy::from_text(text, Format::Toml)
    }

    /// Reads a policy written in JSON.
    pub fn from_json(text: &str) -> Result<Policy, PolicyErrors> {
        Policy::from_text(text, Format::Json)
    }

    /// The document the policy was compiled from; `None` for a policy loaded from its
    /// artifact ([`Policy::from_artifact`]), which keeps only the compiled index.
    pub fn document(&self) -> Option<&Document> {
        self.inner.document.as_ref()
    }

    /// The policy's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// Warnings found while compiling (the policy works, but something is likely a mistake).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.inner.warnings
    }

    /// The action catalog, in document order.
    pub fn actions(&self) -> &[Action] {
        &self.inner.actions
    }

    /// The roles, in document order.
    pub fn roles(&self) -> &[Role] {
        &self.inner.roles
    }

    /// The rules, in document order.
    pub fn rules(&self) -> &[Rule] {
        &self.inner.rules
    }

    /// The scope levels, in document order.
    pub fn levels(&self) -> &[Level] {
        &self.inner.levels
    }

    /// The tenant features, in document order (an action's `feature` is an index here).
    pub fn features(&self) -> &[Feature] {
        &self.inner.features
    }

    /// The plans, in document order (an action's `plans` are indexes here).
    pub fn plans(&self) -> &[Plan] {
        &self.inner.plans
    }

    /// An action resolved once, to check by key in hot loops
    /// ([`Session::check_id`](crate::Session::check_id),
    /// [`Session::verdict_in`](crate::Session::verdict_in)); tied to this policy.
    pub fn action_id(&self, name: &str) -> Option<ActionKey> {
        self.inner.action_index.get(name).map(|&index| ActionKey {
            index,
            policy: self.inner.identity,
        })
    }

    /// The id of a role.
    pub fn role_id(&self, name: &str) -> Option<RoleId> {
        self.inner.role_index.get(name).copied()
    }

    /// The compiled team rules (the `team` section and plan limits).
    pub fn team_rules(&self) -> &crate::compile::TeamRules {
        &self.inner.team
    }

    /// The policy fingerprint: the SHA-256 of the policy's artifact
    /// ([`Policy::to_artifact`]), 64 lowercase hex digits. The same for the TOML and JSON
    /// texts of one policy and for its artifact, in every runtime; different after any
    /// change that can change a decision. Gates send it with every answer, so that a page,
    /// an edge function and a backend can tell whether they decide with the same policy.
    /// Computed on first use.
    pub fn fingerprint(&self) -> &str {
        self.inner.fingerprint.get_or_init(|| {
            // The page module makes policies only from artifacts, which set it on load.
            #[cfg(all(feature = "wasm", not(feature = "wasm-full")))]
            return String::new();
            #[cfg(not(all(feature = "wasm", not(feature = "wasm-full"))))]
            {
                let artifact = crate::artifact::build(&self.inner);
                crate::fingerprint::hex(
                    artifact
                        .get(10..crate::artifact::HEADER)
                        .unwrap_or_default(),
                )
            }
        })
    }

    /// The root (tenant) level's name.
    pub fn root_level(&self) -> &str {
        self.inner
            .levels
            .get(self.inner.root)
            .map_or("", |l| &l.name)
    }
}
