//! One request through the gate, in the contract's order: policy, token, session, route
//! table, resource loader; then the refusal (a JSON body and the gate's headers) or the
//! request passed on (client `rolegate-*` headers removed, the gate's set) with the
//! inner service's answer carrying the gate's headers too.

use crate::RolegateConfig;
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use rolegate::{GateDecision, GateOutcome, Session, SessionOptions};
use rolegate_token::Identity;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use tower_service::Service;

/// What the gate verified and decided, in the extensions of every request it passes on
/// (next to the [`GateDecision`] and the [`Session`] themselves).
#[derive(Debug, Clone)]
pub struct Gated {
    /// The gate's answer (`allow`, or `origin` when no resource loader finished it).
    pub decision: GateDecision,
    /// The session of the caller, for further questions.
    pub session: Session,
    /// The verified identity of the token.
    pub identity: Identity,
    /// The fingerprint of the policy that decided.
    pub fingerprint: String,
    /// For an `origin` answer: the query plan of the route's action over resources of its
    /// type at its scope, the condition the resource must meet (also the `rolegate-plan`
    /// header), so that the handler can load it with that condition in its query.
    pub plan: Option<rolegate::query::QueryPlan>,
}

/// The gate's headers of one answer.
struct Stamp {
    outcome: &'static str,
    reason: &'static str,
    policy: Option<String>,
    policy_error: Option<&'static str>,
}

impl Stamp {
    fn apply(&self, headers: &mut HeaderMap) {
        if let Some(fingerprint) = &self.policy {
            set(headers, "rolegate-policy", fingerprint);
        }
        if let Some(code) = self.policy_error {
            set(headers, "rolegate-policy-error", code);
        }
        set(headers, "rolegate-reason", self.reason);
        set(headers, "rolegate-outcome", self.outcome);
    }
}

/// Sets a header; a value that cannot be a header (control characters) is left out.
fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// A refusal: the status, a JSON body `{ reason, ... }` and the gate's headers.
fn refusal<B: From<String>>(
    status: StatusCode,
    stamp: &Stamp,
    body: Map<String, Value>,
) -> Response<B> {
    let mut full = Map::new();
    full.insert("reason".to_owned(), Value::from(stamp.reason));
    full.extend(body);
    let mut response = Response::new(B::from(Value::Object(full).to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    stamp.apply(headers);
    response
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The request through the gate, then through `inner` when allowed.
pub(crate) async fn handle<S, ReqBody, ResBody>(
    config: Arc<RolegateConfig>,
    mut inner: S,
    request: Request<ReqBody>,
) -> Result<Response<ResBody>, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<String>,
{
    let state = config.policy().await;
    let Some(policy) = state.policy else {
        let stamp = Stamp {
            outcome: "unavailable",
            reason: "policy_unavailable",
            policy: None,
            policy_error: None,
        };
        let body = object(json!({ "message": "no policy is loaded" }));
        return Ok(refusal(StatusCode::SERVICE_UNAVAILABLE, &stamp, body));
    };
    let fingerprint = policy.fingerprint().to_owned();
    let mut stamp = Stamp {
        outcome: "unauthenticated",
        reason: "",
        policy: Some(fingerprint.clone()),
        policy_error: state.error,
    };
    let authorization = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let verified = rolegate_token::bearer(authorization)
        .and_then(|token| config.tokens.verify(token, (config.now)()));
    let identity = match verified {
        Ok(identity) => identity,
        Err(error) => {
            stamp.reason = error.code.as_str();
            return Ok(unauthenticated(&stamp, &error.message));
        }
    };
    let session = match policy.session_with(
        &identity.principal,
        &identity.tenant,
        SessionOptions::strict(),
    ) {
        Ok(session) => session,
        Err(error) => {
            stamp.reason = "token_claims";
            return Ok(unauthenticated(&stamp, &error.message));
        }
    };
    let target = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let mut decision = session.gate(request.method().as_str(), &target);
    let (mut parts, body) = request.into_parts();
    if let (GateOutcome::Origin, Some(load), Some(resource)) = (
        decision.outcome,
        &config.resource_loader,
        &decision.resource,
    ) {
        // The loader finds the plan in the request's extensions: the condition the resource
        // must meet, for its query.
        if let Some(plan) = origin_plan(&session, &decision) {
            parts.extensions.insert(plan);
        }
        match load(resource, &parts).await {
            Some(attrs) => decision = session.complete(&decision, attrs),
            None => {
                stamp.outcome = "deny";
                stamp.reason = "not_found";
                let body = json!({ "action": decision.action.as_deref(), "message": "the resource does not exist" });
                return Ok(refusal(StatusCode::NOT_FOUND, &stamp, object(body)));
            }
        }
    }
    stamp.outcome = decision.outcome.as_str();
    stamp.reason = decision.reason();
    if let Some(response) = refused(&decision, &stamp) {
        return Ok(response);
    }
    forward_headers(&mut parts.headers, &identity, &decision, &fingerprint);
    let plan = origin_plan(&session, &decision);
    if let Some(plan) = &plan {
        if let Ok(text) = serde_json::to_string(plan) {
            set(&mut parts.headers, "rolegate-plan", &ascii_json(&text));
        }
    }
    parts.extensions.insert(decision.clone());
    parts.extensions.insert(session.clone());
    parts.extensions.insert(Gated {
        decision,
        session,
        identity,
        fingerprint,
        plan,
    });
    let mut response = inner.call(Request::from_parts(parts, body)).await?;
    stamp.apply(response.headers_mut());
    Ok(response)
}

/// 401 with the token's code and `www-authenticate`.
fn unauthenticated<B: From<String>>(stamp: &Stamp, message: &str) -> Response<B> {
    let mut response = refusal(
        StatusCode::UNAUTHORIZED,
        stamp,
        object(json!({ "message": message })),
    );
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

/// The refusal of a `deny`, `locked` or `no_route` answer; `None` for `allow` and `origin`.
fn refused<B: From<String>>(decision: &GateDecision, stamp: &Stamp) -> Option<Response<B>> {
    match decision.outcome {
        GateOutcome::Allow | GateOutcome::Origin => None,
        GateOutcome::NoRoute => {
            let body = object(json!({ "message": "no route matches this request" }));
            Some(refusal(StatusCode::NOT_FOUND, stamp, body))
        }
        GateOutcome::Deny | GateOutcome::Locked => {
            let effect = decision
                .decision
                .as_ref()
                .map_or(stamp.outcome, |d| d.effect.as_str());
            let mut body =
                object(json!({ "effect": effect, "action": decision.action.as_deref() }));
            if let Some(hint) = decision.hint() {
                body.insert("hint".to_owned(), Value::from(hint));
            }
            Some(refusal(StatusCode::FORBIDDEN, stamp, body))
        }
    }
}

/// The plan of an `origin` answer's action and resource (none for other answers).
fn origin_plan(session: &Session, decision: &GateDecision) -> Option<rolegate::query::QueryPlan> {
    if decision.outcome != GateOutcome::Origin {
        return None;
    }
    let (action, resource) = (decision.action.as_deref()?, decision.resource.as_ref()?);
    session
        .plan(
            action,
            resource.kind.as_deref().unwrap_or_default(),
            Some(&resource.scope),
        )
        .ok()
}

/// JSON text as a header value: every character outside printable ASCII escaped as
/// `\uXXXX` (UTF-16 units, as the JS gates write it).
fn ascii_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (' '..='~').contains(&c) {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// The client's `rolegate-*` headers removed, then the gate's set.
fn forward_headers(
    headers: &mut HeaderMap,
    identity: &Identity,
    decision: &GateDecision,
    fingerprint: &str,
) {
    let spoofed: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("rolegate-"))
        .cloned()
        .collect();
    for name in spoofed {
        headers.remove(&name);
    }
    set(headers, "rolegate-principal", &identity.subject);
    set(headers, "rolegate-tenant", &identity.tenant.id);
    if let Some(action) = &decision.action {
        set(headers, "rolegate-action", action);
    }
    if let Some(route) = &decision.route {
        set(headers, "rolegate-route", route);
    }
    set(headers, "rolegate-outcome", decision.outcome.as_str());
    set(headers, "rolegate-policy", fingerprint);
}
