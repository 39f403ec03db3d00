//! A small axum backend behind the rolegate gate: only requests the policy allows reach
//! its handler, which answers what the gate verified and decided. The same behaviour as
//! `examples/node-express/server.mjs`.
//!
//! ```text
//! rolegate-axum-example --tokens tests/fixtures/tokens/keys.json \
//!     (--policy FILE_OR_PRESET | --policy-url URL [--interval-ms N]) \
//!     --listen 127.0.0.1:PORT [--numbers '[["n1",{"assignee":"u1"}]]']
//! ```

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::Response;
use rolegate::{Attrs, GateOutcome, Policy, Resource};
use rolegate_axum::{Gated, PolicyLoader, RolegateConfig, RolegateLayer};
use rolegate_token::TokenConfig;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The command line.
struct Options {
    tokens: String,
    policy: Option<String>,
    policy_url: Option<String>,
    interval_ms: u64,
    listen: String,
    numbers: Option<String>,
}

const USAGE: &str = "usage: rolegate-axum-example --tokens FILE (--policy FILE_OR_PRESET | --policy-url URL [--interval-ms N]) --listen HOST:PORT [--numbers JSON]";

fn parse_options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        tokens: String::new(),
        policy: None,
        policy_url: None,
        interval_ms: 30_000,
        listen: "127.0.0.1:3000".to_owned(),
        numbers: None,
    };
    let mut args = args;
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--tokens" => options.tokens = value,
            "--policy" => options.policy = Some(value),
            "--policy-url" => options.policy_url = Some(value),
            "--interval-ms" => {
                options.interval_ms = value
                    .parse()
                    .map_err(|_| format!("`--interval-ms` is not a number: `{value}`"))?;
            }
            "--listen" => options.listen = value,
            "--numbers" => options.numbers = Some(value),
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    if options.tokens.is_empty() {
        return Err(format!("`--tokens` is required\n{USAGE}"));
    }
    if options.policy.is_some() == options.policy_url.is_some() {
        return Err(format!(
            "give one of `--policy` and `--policy-url`\n{USAGE}"
        ));
    }
    Ok(options)
}

/// A static policy: a file (`.toml` or JSON), or a preset's name.
fn read_policy(source: &str) -> Result<Policy, String> {
    let compiled = match std::fs::read_to_string(source) {
        Ok(text) if source.ends_with(".toml") => Policy::from_toml(&text),
        Ok(text) => Policy::from_json(&text),
        Err(error) => {
            let text = rolegate::presets::preset(source).ok_or_else(|| {
                format!("cannot read policy `{source}`: {error} (nor is it a preset)")
            })?;
            Policy::from_toml(text)
        }
    };
    compiled.map_err(|errors| format!("policy `{source}`: {errors}"))
}

/// The numbers and their attributes (`[["n1", {"assignee": "u1"}], ...]`).
fn read_numbers(text: &str) -> Result<HashMap<String, Attrs>, String> {
    let pairs: Vec<(String, Value)> = serde_json::from_str(text)
        .map_err(|e| format!("`--numbers` is not a list of [id, attrs] pairs: {e}"))?;
    pairs
        .into_iter()
        .map(|(id, attrs)| {
            let attrs = Resource::attrs_from_json(&attrs.to_string())
                .map_err(|e| format!("`--numbers` {id}: {}", e.message))?;
            Ok((id, attrs))
        })
        .collect()
}

fn config(options: &Options) -> Result<RolegateConfig, String> {
    let tokens_text = std::fs::read_to_string(&options.tokens)
        .map_err(|e| format!("cannot read `{}`: {e}", options.tokens))?;
    let tokens = TokenConfig::from_json(&tokens_text).map_err(|e| {
        format!(
            "`{}`: {} at {}: {}",
            options.tokens,
            e.code(),
            e.path,
            e.message
        )
    })?;
    let config = match (&options.policy, &options.policy_url) {
        (Some(source), _) => RolegateConfig::new(read_policy(source)?, tokens),
        (None, Some(url)) => {
            let interval = Duration::from_millis(options.interval_ms);
            let loader = PolicyLoader::from_url(url, interval).map_err(|e| e.message)?;
            RolegateConfig::with_loader(loader, tokens)
        }
        (None, None) => return Err(USAGE.to_owned()),
    };
    let Some(numbers) = &options.numbers else {
        return Ok(config);
    };
    let numbers = Arc::new(read_numbers(numbers)?);
    Ok(config.resource_loader(move |resource: &Resource, _parts| {
        let attrs = if resource.kind.as_deref() == Some("number") {
            resource.id.as_ref().and_then(|id| numbers.get(id).cloned())
        } else {
            Some(Attrs::new())
        };
        std::future::ready(attrs)
    }))
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// Every allowed request: what the gate verified and decided.
async fn answer(request: Request) -> Response {
    let Some(gated) = request.extensions().get::<Gated>() else {
        let body = json!({ "reason": "not_gated" });
        return json_response(StatusCode::INTERNAL_SERVER_ERROR, &body);
    };
    let action = gated.decision.action.as_deref();
    if gated.decision.outcome == GateOutcome::Origin {
        // The decision needs the resource's attributes and no loader is configured: this
        // API keeps no resources, so it refuses.
        return json_response(
            StatusCode::FORBIDDEN,
            &json!({ "reason": "origin", "action": action }),
        );
    }
    let body = json!({
        "ok": true,
        "method": request.method().as_str(),
        "path": request.uri().path(),
        "route": gated.decision.route.as_deref(),
        "action": action,
        "principal": gated.identity.subject,
    });
    json_response(StatusCode::OK, &body)
}

async fn serve(options: Options) -> Result<(), String> {
    let config = config(&options)?;
    let app = Router::new()
        .fallback(answer)
        .layer(RolegateLayer::new(config));
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{address}");
    axum::serve(listener, app)
        .await
        .map_err(|e| format!("server stopped: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match parse_options(std::env::args().skip(1)) {
        Ok(options) => serve(options).await,
        Err(message) => Err(message),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rolegate-axum-example: {message}");
            ExitCode::FAILURE
        }
    }
}
