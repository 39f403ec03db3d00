//! The rolegate gate for axum and any tower stack: [`RolegateLayer`] verifies the caller's
//! token, decides the request through the policy's route table and either answers the
//! refusal or passes the request on, with the same order, statuses, bodies and headers as
//! the JavaScript gates (docs/EDGE.md). The policy is static or kept current by a
//! [`PolicyLoader`].
//!
//! ```no_run
//! # async fn run(policy: rolegate::Policy, tokens: rolegate_token::TokenConfig) {
//! use rolegate_axum::{Gated, RolegateConfig, RolegateLayer};
//!
//! let config = RolegateConfig::new(policy, tokens);
//! let layer = RolegateLayer::new(config);
//! // Router::new().route("/api/{*rest}", get(handler)).layer(layer)
//! # let _ = layer;
//! # }
//! ```
//!
//! Allowed requests reach the inner service with [`Gated`] (the decision, the session and
//! the identity), the [`rolegate::GateDecision`] and the [`rolegate::Session`] in their
//! extensions.

mod gate;
mod loader;

pub use gate::Gated;
pub use loader::{
    BoxFuture, DEFAULT_FETCH_TIMEOUT, DEFAULT_INTERVAL, FETCH_FAILED, FetchError, Fetched,
    HttpFetch, PolicyFetch, PolicyLoader, PolicyState,
};

use http::request::Parts;
use http::{Request, Response};
use rolegate::{Attrs, Policy, Resource};
use rolegate_token::TokenConfig;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

/// Loads the attributes of the resource a route names, for the `origin` outcome; `None`
/// when the resource does not exist (404 `not_found`).
pub type ResourceLoader =
    Arc<dyn Fn(&Resource, &Parts) -> BoxFuture<'static, Option<Attrs>> + Send + Sync>;

/// Where the gate takes its policy from.
#[derive(Clone)]
pub enum PolicySource {
    /// One policy for the life of the process.
    Static(Policy),
    /// A policy kept current by a loader.
    Loader(Arc<PolicyLoader>),
    /// A policy the application replaces itself (an admin endpoint, a file watcher).
    Shared(SharedPolicy),
}

/// A policy that the application replaces while the gate runs: every request reads the one
/// in force; [`SharedPolicy::replace`] swaps it for the requests that start after it.
/// Clones share the same slot.
#[derive(Clone)]
pub struct SharedPolicy {
    slot: Arc<std::sync::RwLock<Policy>>,
}

impl SharedPolicy {
    /// A slot holding `policy`.
    pub fn new(policy: Policy) -> SharedPolicy {
        SharedPolicy {
            slot: Arc::new(std::sync::RwLock::new(policy)),
        }
    }

    /// The policy in force.
    pub fn get(&self) -> Policy {
        match self.slot.read() {
            Ok(policy) => policy.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts `policy` in force; returns the one it replaced.
    pub fn replace(&self, policy: Policy) -> Policy {
        let mut slot = match self.slot.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        std::mem::replace(&mut *slot, policy)
    }
}

impl std::fmt::Debug for SharedPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedPolicy")
            .field("fingerprint", &self.get().fingerprint())
            .finish()
    }
}

/// What the gate needs: the policy, the token verification config, an optional resource
/// loader and the clock.
#[derive(Clone)]
pub struct RolegateConfig {
    source: PolicySource,
    tokens: Arc<TokenConfig>,
    resource_loader: Option<ResourceLoader>,
    now: Arc<dyn Fn() -> u64 + Send + Sync>,
}

impl RolegateConfig {
    /// A gate over a static policy.
    pub fn new(policy: Policy, tokens: TokenConfig) -> RolegateConfig {
        RolegateConfig::with_source(PolicySource::Static(policy), tokens)
    }

    /// A gate over a policy loader.
    pub fn with_loader(loader: PolicyLoader, tokens: TokenConfig) -> RolegateConfig {
        RolegateConfig::with_source(PolicySource::Loader(Arc::new(loader)), tokens)
    }

    /// A gate over any policy source.
    pub fn with_source(source: PolicySource, tokens: TokenConfig) -> RolegateConfig {
        RolegateConfig {
            source,
            tokens: Arc::new(tokens),
            resource_loader: None,
            now: Arc::new(unix_now),
        }
    }

    /// Finishes `origin` decisions with the attributes `load` gives for the route's
    /// resource (`None`: 404 `not_found`). The request's extensions hold the
    /// [`QueryPlan`](rolegate::query::QueryPlan) of the route's action and resource type: the
    /// condition the resource must meet, for the loader's query. Without a loader, such
    /// requests are passed on marked `rolegate-outcome: origin` with that plan
    /// (`rolegate-plan`, [`Gated::plan`]), and the handler decides.
    pub fn resource_loader<F, Fut>(mut self, load: F) -> RolegateConfig
    where
        F: Fn(&Resource, &Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Attrs>> + Send + 'static,
    {
        self.resource_loader = Some(Arc::new(move |resource, parts| {
            Box::pin(load(resource, parts))
        }));
        self
    }

    /// The clock tokens are verified at, in Unix seconds (default: the system clock).
    pub fn now(mut self, now: impl Fn() -> u64 + Send + Sync + 'static) -> RolegateConfig {
        self.now = Arc::new(now);
        self
    }

    /// The policy in force and the last refused update's code (a loader's first requests
    /// wait for its first fetch).
    pub async fn policy(&self) -> PolicyState {
        match &self.source {
            PolicySource::Static(policy) => PolicyState {
                policy: Some(policy.clone()),
                error: None,
            },
            PolicySource::Loader(loader) => loader.current().await,
            PolicySource::Shared(shared) => PolicyState {
                policy: Some(shared.get()),
                error: None,
            },
        }
    }
}

impl std::fmt::Debug for RolegateConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RolegateConfig")
            .field("resource_loader", &self.resource_loader.is_some())
            .finish_non_exhaustive()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The gate as a tower layer: `Router::new()...layer(RolegateLayer::new(config))`.
#[derive(Clone, Debug)]
pub struct RolegateLayer {
    config: Arc<RolegateConfig>,
}

impl RolegateLayer {
    /// A layer gating every request with `config`.
    pub fn new(config: RolegateConfig) -> RolegateLayer {
        RolegateLayer {
            config: Arc::new(config),
        }
    }
}

impl<S> tower_layer::Layer<S> for RolegateLayer {
    type Service = RolegateService<S>;

    fn layer(&self, inner: S) -> RolegateService<S> {
        RolegateService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The gate in front of an inner service (made by [`RolegateLayer`]).
#[derive(Clone, Debug)]
pub struct RolegateService<S> {
    inner: S,
    config: Arc<RolegateConfig>,
}

impl<S, ReqBody, ResBody> tower_service::Service<Request<ReqBody>> for RolegateService<S>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The ready service goes into the future; a fresh clone stays for the next call.
        let fresh = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, fresh);
        let config = Arc::clone(&self.config);
        Box::pin(gate::handle(config, inner, request))
    }
}
