//! `rolegate serve`: the interactive demo. Serves the built page (`www/dist`) and, per
//! preset, an `/api/` over an in-memory copy of the demo's data, behind the same gate as
//! any backend (`rolegate-axum`: a verified token, the policy's route table, the decision),
//! with the demo's people as signed tokens. The demo-only endpoints under `/demo/` hand out
//! those tokens, show the data, apply team changes under the team rules and replace the
//! policy the server enforces.
//!
//! | path | what |
//! |---|---|
//! | `GET /demo` | the presets, the default one, the fingerprint of each policy in force |
//! | `GET /demo/{preset}` | the data, team, audit and activity logs, the policy text and fingerprint |
//! | `POST /demo/{preset}/token` | `{member, plan?, features?}`: a signed token for that person |
//! | `PUT /demo/{preset}/policy` | a policy (JSON text): enforced from now on, or 422 with its errors |
//! | `POST /demo/{preset}/team` | a team change by the token's person: the new team and audit event, or 403 |
//! | `POST /demo/{preset}/reset` | the preset's data, team and policy as they started |
//! | `ANY /{preset}/api/...` | the product's API, gated by the policy's route table |

mod files;
mod store;

use crate::load::arg;
use crate::output::{Failure, Outcome, out};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderValue, Method, Response, StatusCode, header};
use axum::routing::{any, get, post, put};
use clap::{Arg, ArgMatches, Command};
use rolegate::team::TeamChange;
use rolegate::{Policy, presets};
use rolegate_axum::{Gated, PolicySource, RolegateConfig, RolegateLayer, SharedPolicy};
use rolegate_token::{Algorithm, TokenConfig, generate, mint};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use store::{DATA, Store};

/// The token issuer and audience of the demo's tokens.
const ISSUER: &str = "rolegate-serve";
const AUDIENCE: &str = "rolegate-demo";
/// How long a demo token lasts (seconds).
const TOKEN_TTL: u64 = 8 * 3600;
/// The largest request body the demo reads (a policy is the largest).
const BODY_LIMIT: usize = 1 << 20;

/// The commands of this group.
pub(crate) fn commands() -> Vec<Command> {
    vec![
        Command::new("serve")
            .about(
                "Serve the interactive demo: the page, and an API per preset enforced by the gate",
            )
            .arg(
                Arg::new("listen")
                    .long("listen")
                    .short('l')
                    .default_value("127.0.0.1:8080")
                    .help("the address to listen on"),
            )
            .arg(
                Arg::new("www")
                    .long("www")
                    .default_value("www/dist")
                    .help("the built page's directory"),
            )
            .arg(
                Arg::new("preset")
                    .long("preset")
                    .default_value(presets::DEFAULT_PRESET)
                    .help("the preset the page opens with"),
            ),
    ]
}

/// Runs the command `name` if it belongs to this group.
pub(crate) fn run(name: &str, m: &ArgMatches) -> Option<Outcome> {
    (name == "serve").then(|| serve(m))
}

/// One preset of the demo.
struct Preset {
    name: &'static str,
    /// The policy the gate enforces.
    policy: SharedPolicy,
    /// The policy it started with.
    initial: Policy,
    data: &'static str,
    store: Mutex<Store>,
}

impl Preset {
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The demo's state.
struct Demo {
    presets: BTreeMap<&'static str, Arc<Preset>>,
    default: String,
    www: PathBuf,
    private_key: String,
    tokens: TokenConfig,
}

type Shared = Arc<Demo>;

fn serve(m: &ArgMatches) -> Outcome {
    let demo = Arc::new(demo(m)?);
    let listen = arg(m, "listen").to_owned();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| Failure::usage(format!("cannot listen on {listen}: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| Failure::failed(e.to_string()))?;
        if !demo.www.join("index.html").is_file() {
            eprintln!(
                "rolegate serve: no page in `{}` (build it: `npm --prefix www run build`); the API runs without it",
                demo.www.display()
            );
        }
        out!("rolegate demo: http://{address}/  (preset `{}`; Ctrl-C stops it)", demo.default);
        axum::serve(listener, router(demo))
            .await
            .map_err(|e| Failure::failed(format!("the server stopped: {e}")))
    })
}

fn demo(m: &ArgMatches) -> Result<Demo, Failure> {
    let default = arg(m, "preset").to_owned();
    if !DATA.iter().any(|(name, _)| *name == default) {
        return Err(Failure::usage(format!("`{default}` is not a preset")));
    }
    let (private_key, public_key) =
        generate(Algorithm::EdDsa, Some("demo")).map_err(|e| Failure::failed(e.to_string()))?;
    let tokens = TokenConfig::from_json(
        &json!({ "issuer": ISSUER, "audience": AUDIENCE, "keys": [serde_json::from_str::<Value>(&public_key).unwrap_or_default()] })
            .to_string(),
    )
    .map_err(|e| Failure::failed(e.to_string()))?;
    let mut presets = BTreeMap::new();
    for (name, data) in DATA {
        let text =
            presets::preset(name).ok_or_else(|| Failure::failed(format!("no preset `{name}`")))?;
        let policy = Policy::from_toml(text)
            .map_err(|e| Failure::failed(format!("preset `{name}`: {e}")))?;
        let store =
            Store::new(data, &policy).map_err(|e| Failure::failed(format!("{name}: {e}")))?;
        presets.insert(
            *name,
            Arc::new(Preset {
                name,
                policy: SharedPolicy::new(policy.clone()),
                initial: policy,
                data,
                store: Mutex::new(store),
            }),
        );
    }
    Ok(Demo {
        presets,
        default,
        www: PathBuf::from(arg(m, "www")),
        private_key,
        tokens,
    })
}

/// The whole server.
fn router(demo: Shared) -> Router {
    let mut app = Router::new()
        .route("/demo", get(info))
        .route("/demo/{preset}", get(snapshot))
        .route("/demo/{preset}/token", post(token))
        .route("/demo/{preset}/policy", put(push_policy))
        .route("/demo/{preset}/team", post(team_change))
        .route("/demo/{preset}/reset", post(reset))
        .with_state(Arc::clone(&demo));
    for preset in demo.presets.values() {
        app = app.nest(&format!("/{}", preset.name), api(&demo, preset));
    }
    let files = Arc::clone(&demo);
    app.fallback(move |request: Request| {
        let demo = Arc::clone(&files);
        async move {
            if request.method() != Method::GET && request.method() != Method::HEAD {
                return files::plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            }
            files::serve(&demo.www, request.uri().path()).await
        }
    })
}

/// One preset's API behind its gate.
fn api(demo: &Demo, preset: &Arc<Preset>) -> Router {
    let loading = Arc::clone(preset);
    let config = RolegateConfig::with_source(
        PolicySource::Shared(preset.policy.clone()),
        demo.tokens.clone(),
    )
    .resource_loader(move |resource, _| {
        let attrs = loading.store().attrs_of(resource);
        async move { attrs }
    });
    Router::new()
        .route("/api/{*rest}", any(carry_out))
        .layer(RolegateLayer::new(config))
        .with_state(Arc::clone(preset))
}

/// A request the gate let through: carried out on the data.
async fn carry_out(State(preset): State<Arc<Preset>>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let Some(gated) = parts.extensions.get::<Gated>().cloned() else {
        return reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "reason": "internal" }),
        );
    };
    let body = read_json(body).await.unwrap_or(Value::Null);
    let (status, answer) = preset.store().carry_out(
        &gated.decision,
        &gated.session,
        &gated.identity.subject,
        unix_now(),
        parts.method.as_str(),
        &body,
    );
    reply(
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        &answer,
    )
}

fn preset_of(demo: &Demo, name: &str) -> Option<Arc<Preset>> {
    demo.presets.get(name).cloned()
}

fn unknown_preset(name: &str) -> Response<Body> {
    reply(
        StatusCode::NOT_FOUND,
        &json!({ "reason": "unknown_preset", "message": format!("no preset `{name}`") }),
    )
}

async fn info(State(demo): State<Shared>) -> Response<Body> {
    let presets: Vec<Value> = demo
        .presets
        .values()
        .map(|p| json!({ "name": p.name, "fingerprint": p.policy.get().fingerprint() }))
        .collect();
    reply(
        StatusCode::OK,
        &json!({ "presets": presets, "default": demo.default, "issuer": ISSUER, "audience": AUDIENCE }),
    )
}

async fn snapshot(State(demo): State<Shared>, UrlPath(name): UrlPath<String>) -> Response<Body> {
    match preset_of(&demo, &name) {
        Some(p) => {
            let fingerprint = p.policy.get().fingerprint().to_owned();
            reply(StatusCode::OK, &p.store().snapshot(&fingerprint))
        }
        None => unknown_preset(&name),
    }
}

/// A token for one person of the team, in the tenant with the plan and features given.
async fn token(
    State(demo): State<Shared>,
    UrlPath(name): UrlPath<String>,
    body: Body,
) -> Response<Body> {
    let Some(preset) = preset_of(&demo, &name) else {
        return unknown_preset(&name);
    };
    let Some(request) = read_json(body).await.filter(Value::is_object) else {
        return bad_request("the body is not a JSON object `{member, plan?, features?}`");
    };
    let member = request.get("member").and_then(Value::as_str).unwrap_or("");
    let features: Vec<String> = request
        .get("features")
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let store = preset.store();
    let root = preset.policy.get().root_level().to_owned();
    let Some(principal) = store.principal(member, &root) else {
        return reply(
            StatusCode::NOT_FOUND,
            &json!({ "reason": "unknown_member", "message": format!("`{member}` is not in the team") }),
        );
    };
    let tenant = store.tenant(request.get("plan").and_then(Value::as_str), &features);
    drop(store);
    let now = unix_now();
    let claims = json!({
        "sub": principal.id,
        "iat": now,
        "exp": now + TOKEN_TTL,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "rolegate": { "roles": principal.roles, "tenant": tenant },
    });
    match mint(&demo.private_key, &claims, Some("demo")) {
        Ok(token) => reply(
            StatusCode::OK,
            &json!({ "token": token, "principal": principal, "tenant": tenant }),
        ),
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "reason": "internal", "message": e.to_string() }),
        ),
    }
}

/// Replaces the policy the preset's gate enforces.
async fn push_policy(
    State(demo): State<Shared>,
    UrlPath(name): UrlPath<String>,
    body: Body,
) -> Response<Body> {
    let Some(preset) = preset_of(&demo, &name) else {
        return unknown_preset(&name);
    };
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return bad_request("the policy is larger than 1 MiB");
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match Policy::from_json(&text) {
        Ok(policy) => {
            let fingerprint = policy.fingerprint().to_owned();
            preset.policy.replace(policy);
            let mut store = preset.store();
            store.policy_text = text;
            store.log(json!({ "method": "PUT", "route": "/demo/policy", "effect": format!("policy replaced ({})", &fingerprint[..12]) }));
            reply(StatusCode::OK, &json!({ "fingerprint": fingerprint }))
        }
        Err(errors) => reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "reason": "policy_invalid", "errors": errors.0 }),
        ),
    }
}

/// A team change by the person of the bearer token, under the team rules.
async fn team_change(
    State(demo): State<Shared>,
    UrlPath(name): UrlPath<String>,
    request: Request,
) -> Response<Body> {
    let Some(preset) = preset_of(&demo, &name) else {
        return unknown_preset(&name);
    };
    let (parts, body) = request.into_parts();
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let identity = match rolegate_token::bearer(authorization)
        .and_then(|token| demo.tokens.verify(token, unix_now()))
    {
        Ok(identity) => identity,
        Err(e) => {
            return reply(
                StatusCode::UNAUTHORIZED,
                &json!({ "reason": e.code.as_str(), "message": e.message }),
            );
        }
    };
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return bad_request("the change is larger than 1 MiB");
    };
    let change = match TeamChange::from_json(&String::from_utf8_lossy(&bytes)) {
        Ok(change) => change,
        Err(e) => {
            return reply(
                StatusCode::BAD_REQUEST,
                &json!({ "reason": e.code.as_str(), "path": e.path.to_string(), "message": e.message }),
            );
        }
    };
    let policy = preset.policy.get();
    let mut store = preset.store();
    match policy.apply(
        &store.team,
        &identity.tenant,
        &identity.subject,
        &change,
        unix_now(),
    ) {
        Ok((team, event)) => {
            store.team = team;
            let answer = json!({ "event": serde_json::from_str::<Value>(&event.to_json()).unwrap_or_default() });
            store.log(json!({ "method": "POST", "route": "/demo/team", "action": change.kind(), "effect": format!("{} {}", change.kind(), change.target()) }));
            store.audit(&event);
            reply(StatusCode::OK, &answer)
        }
        Err(denial) => reply(
            StatusCode::FORBIDDEN,
            &json!({ "reason": denial.reason.as_str(), "message": denial.message }),
        ),
    }
}

/// Puts a preset back as it started.
async fn reset(State(demo): State<Shared>, UrlPath(name): UrlPath<String>) -> Response<Body> {
    let Some(preset) = preset_of(&demo, &name) else {
        return unknown_preset(&name);
    };
    match Store::new(preset.data, &preset.initial) {
        Ok(fresh) => {
            preset.policy.replace(preset.initial.clone());
            *preset.store() = fresh;
            reply(
                StatusCode::OK,
                &json!({ "fingerprint": preset.initial.fingerprint() }),
            )
        }
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "reason": "internal", "message": e }),
        ),
    }
}

async fn read_json(body: Body) -> Option<Value> {
    let bytes = to_bytes(body, BODY_LIMIT).await.ok()?;
    if bytes.is_empty() {
        return None;
    }
    serde_json::from_slice(&bytes).ok()
}

fn bad_request(message: &str) -> Response<Body> {
    reply(
        StatusCode::BAD_REQUEST,
        &json!({ "reason": "bad_request", "message": message }),
    )
}

fn reply(status: StatusCode, body: &Value) -> Response<Body> {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
