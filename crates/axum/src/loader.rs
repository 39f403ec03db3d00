//! The policy loader: the policy JSON fetched from a URL at start and every interval
//! (`If-None-Match` with the ETag), compiled in the background and swapped in atomically,
//! the last good policy kept when an update fails. [`PolicyFetch`] is the fetch, so that an
//! HTTPS client can be plugged in; [`HttpFetch`] is the plain `http://` one, on hyper.

use bytes::Bytes;
use http::{StatusCode, Uri, header};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rolegate::Policy;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The default time between two fetches.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);

/// How long a fetch may take before it counts as failed, and how long the first requests
/// wait for the first fetch.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The code of a refused update whose fetch failed.
pub const FETCH_FAILED: &str = "fetch_failed";

/// What one fetch of the policy gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The server answered 304: the policy with the ETag sent is still current.
    NotModified,
    /// A policy text, with the ETag to send next time.
    Text {
        /// The policy JSON.
        text: String,
        /// The response's `ETag`, if any.
        etag: Option<String>,
    },
}

/// A failed fetch (its code is always `fetch_failed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// What went wrong, lowercase.
    pub message: String,
}

impl FetchError {
    /// A failed fetch with its message.
    pub fn new(message: impl Into<String>) -> Self {
        FetchError {
            message: message.into(),
        }
    }
}

/// Fetches the policy text: plain HTTP with [`HttpFetch`], or any client (reqwest, HTTPS,
/// a file, a key-value store) behind this trait.
pub trait PolicyFetch: Send + Sync + 'static {
    /// Fetches the policy; `etag` is the one of the text in force, for `If-None-Match`.
    fn fetch<'a>(&'a self, etag: Option<&'a str>) -> BoxFuture<'a, Result<Fetched, FetchError>>;
}

/// [`PolicyFetch`] over plain `http://` with hyper's client.
#[derive(Debug, Clone)]
pub struct HttpFetch {
    url: Uri,
    client: Client<HttpConnector, Empty<Bytes>>,
}

impl HttpFetch {
    /// A fetch of `url` (`http://` only: use your own [`PolicyFetch`] for HTTPS).
    pub fn new(url: &str) -> Result<HttpFetch, FetchError> {
        let url: Uri = url
            .parse()
            .map_err(|e| FetchError::new(format!("invalid policy url `{url}`: {e}")))?;
        if url.scheme_str() != Some("http") {
            return Err(FetchError::new(format!(
                "the policy url `{url}` is not http:// (plug an https client in with PolicyFetch)"
            )));
        }
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(HttpFetch { url, client })
    }
}

impl PolicyFetch for HttpFetch {
    fn fetch<'a>(&'a self, etag: Option<&'a str>) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        Box::pin(async move {
            let mut request = http::Request::get(self.url.clone());
            if let Some(etag) = etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            let request = request
                .body(Empty::new())
                .map_err(|e| FetchError::new(format!("GET {}: {e}", self.url)))?;
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| FetchError::new(format!("GET {}: {e}", self.url)))?;
            let status = response.status();
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified);
            }
            if !status.is_success() {
                return Err(FetchError::new(format!(
                    "GET {} answered {}",
                    self.url,
                    status.as_u16()
                )));
            }
            let etag = response
                .headers()
                .get(header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| FetchError::new(format!("GET {}: {e}", self.url)))?
                .to_bytes();
            let text = String::from_utf8(body.to_vec())
                .map_err(|_| FetchError::new(format!("GET {}: the body is not utf-8", self.url)))?;
            Ok(Fetched::Text { text, etag })
        })
    }
}

/// The policy in force and the code of the last refused update.
#[derive(Clone, Default)]
pub struct PolicyState {
    /// The policy in force; `None` until one was loaded.
    pub policy: Option<Policy>,
    /// The code of the last refused update (`syntax`, `unknown_field`, `fetch_failed`),
    /// cleared when a good policy (or a 304) comes.
    pub error: Option<&'static str>,
}

/// What the refresh task keeps between fetches.
struct Revision {
    etag: Option<String>,
    text: Option<String>,
    refused: Option<String>,
}

struct Shared {
    state: RwLock<PolicyState>,
    fetch: Box<dyn PolicyFetch>,
    fetch_timeout: Duration,
}

/// The policy kept current from a [`PolicyFetch`]: fetched at start and every interval by a
/// background task (stopped when the loader is dropped). Requests read the policy in force
/// without waiting, except the first ones, which wait for the first fetch (at most the
/// fetch timeout). Failed updates keep the last good policy, log one `tracing` warning per
/// distinct failure and set [`PolicyState::error`].
pub struct PolicyLoader {
    shared: Arc<Shared>,
    first: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl PolicyLoader {
    /// Starts loading from a plain `http://` URL every `interval`. Call it inside a tokio
    /// runtime.
    pub fn from_url(url: &str, interval: Duration) -> Result<PolicyLoader, FetchError> {
        Ok(PolicyLoader::start(HttpFetch::new(url)?, interval))
    }

    /// Starts loading with any fetch, every `interval`. Call it inside a tokio runtime.
    pub fn start(fetch: impl PolicyFetch, interval: Duration) -> PolicyLoader {
        PolicyLoader::start_with_timeout(fetch, interval, DEFAULT_FETCH_TIMEOUT)
    }

    /// [`PolicyLoader::start`] with the time a fetch (and the first requests) may wait.
    pub fn start_with_timeout(
        fetch: impl PolicyFetch,
        interval: Duration,
        fetch_timeout: Duration,
    ) -> PolicyLoader {
        let shared = Arc::new(Shared {
            state: RwLock::new(PolicyState::default()),
            fetch: Box::new(fetch),
            fetch_timeout,
        });
        let (done, first) = watch::channel(false);
        let task = tokio::spawn(refresh_loop(Arc::clone(&shared), interval, done));
        PolicyLoader {
            shared,
            first,
            task,
        }
    }

    /// The policy in force and the last refused update's code, without waiting.
    pub fn state(&self) -> PolicyState {
        match self.shared.state.read() {
            Ok(state) => state.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The policy in force; before the first fetch finished, waits for it (at most the
    /// fetch timeout).
    pub async fn current(&self) -> PolicyState {
        if !*self.first.borrow() {
            let mut first = self.first.clone();
            let wait = first.wait_for(|done| *done);
            // A timeout or a stopped task both leave the state as it is: fail closed.
            let _ = tokio::time::timeout(self.shared.fetch_timeout, wait).await;
        }
        self.state()
    }
}

impl Drop for PolicyLoader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for PolicyLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("PolicyLoader")
            .field("policy", &state.policy.as_ref().map(Policy::fingerprint))
            .field("error", &state.error)
            .finish()
    }
}

async fn refresh_loop(shared: Arc<Shared>, interval: Duration, done: watch::Sender<bool>) {
    let mut revision = Revision {
        etag: None,
        text: None,
        refused: None,
    };
    loop {
        refresh(&shared, &mut revision).await;
        done.send_replace(true);
        tokio::time::sleep(interval).await;
    }
}

/// One revalidation: fetch, compile when the text changed, swap or refuse.
async fn refresh(shared: &Shared, revision: &mut Revision) {
    let fetched = tokio::time::timeout(
        shared.fetch_timeout,
        shared.fetch.fetch(revision.etag.as_deref()),
    )
    .await
    .unwrap_or_else(|_| Err(FetchError::new("the fetch timed out")));
    match fetched {
        Ok(Fetched::NotModified) => accept(shared, revision, None),
        Ok(Fetched::Text { text, etag }) => {
            if revision.text.as_deref() == Some(text.as_str()) {
                revision.etag = etag;
                accept(shared, revision, None);
                return;
            }
            match Policy::from_json(&text) {
                Ok(policy) => {
                    let _ = policy.fingerprint();
                    revision.etag = etag;
                    revision.text = Some(text);
                    accept(shared, revision, Some(policy));
                }
                Err(errors) => {
                    let code = errors.code().map_or("syntax", |c| c.as_str());
                    let first = errors.iter().next().map(ToString::to_string);
                    refuse(shared, revision, code, first.unwrap_or_default(), text);
                }
            }
        }
        Err(error) => {
            let key = format!("fetch: {}", error.message);
            refuse(shared, revision, FETCH_FAILED, error.message, key);
        }
    }
}

fn write_state(shared: &Shared, change: impl FnOnce(&mut PolicyState)) {
    match shared.state.write() {
        Ok(mut state) => change(&mut state),
        Err(poisoned) => change(&mut poisoned.into_inner()),
    }
}

fn accept(shared: &Shared, revision: &mut Revision, policy: Option<Policy>) {
    revision.refused = None;
    write_state(shared, |state| {
        if let Some(policy) = policy {
            state.policy = Some(policy);
        }
        state.error = None;
    });
}

fn refuse(
    shared: &Shared,
    revision: &mut Revision,
    code: &'static str,
    message: String,
    key: String,
) {
    let mut has_policy = false;
    write_state(shared, |state| {
        state.error = Some(code);
        has_policy = state.policy.is_some();
    });
    if revision.refused.as_deref() == Some(key.as_str()) {
        return;
    }
    revision.refused = Some(key);
    let line = message.lines().next().unwrap_or_default().to_owned();
    let kept = if has_policy {
        "the last good policy stays in force"
    } else {
        "no policy yet: requests are refused"
    };
    tracing::warn!("rolegate: policy update refused ({code}): {line}; {kept}");
}
