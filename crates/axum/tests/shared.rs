//! A policy the application replaces itself ([`SharedPolicy`]): the gate decides every
//! request with the policy in force when it starts, and its answers carry that policy's
//! fingerprint.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::any;
use rolegate::Policy;
use rolegate_axum::{PolicySource, RolegateConfig, RolegateLayer, SharedPolicy};
use rolegate_token::{TokenConfig, mint};
use serde_json::{Value, json};
use tower_service::Service;

const POLICY: &str = r#"{
  "version": 1,
  "scopes": { "org": {} },
  "actions": { "report.view": { "scope": "org" } },
  "roles": { "viewer": { "scope": "org", "allow": [] } },
  "routes": { "GET /api/reports": { "action": "report.view" } }
}"#;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../tests/fixtures/tokens/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn viewer_token() -> String {
    let keys: Value = serde_json::from_str(&fixture("keys.private.json")).unwrap();
    let key = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "hs1")
        .unwrap()
        .to_string();
    let claims = json!({
        "sub": "u1",
        "iss": "https://auth.example",
        "aud": "rolegate-demo",
        "exp": 4_000_000_000u64,
        "rolegate": { "roles": [{ "role": "viewer", "scope": "org" }], "tenant": { "id": "acme" } },
    });
    mint(&key, &claims, Some("hs1")).unwrap()
}

async fn get(app: &mut Router, token: &str) -> (StatusCode, String, String) {
    let request = Request::get("/api/reports")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.call(request).await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    (
        response.status(),
        header("rolegate-reason"),
        header("rolegate-policy"),
    )
}

#[tokio::test]
async fn a_replaced_policy_decides_the_next_requests() {
    let before = Policy::from_json(POLICY).unwrap();
    let after = Policy::from_json(&POLICY.replace(r#""allow": []"#, r#""allow": ["report.view"]"#))
        .unwrap();
    let shared = SharedPolicy::new(before.clone());
    let tokens = TokenConfig::from_json(&fixture("keys.json")).unwrap();
    let config = RolegateConfig::with_source(PolicySource::Shared(shared.clone()), tokens);
    let mut app = Router::new()
        .route("/api/{*rest}", any(|| async { "the reports" }))
        .layer(RolegateLayer::new(config));
    let token = viewer_token();

    let (status, reason, fingerprint) = get(&mut app, &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(reason, "no_grant");
    assert_eq!(fingerprint, before.fingerprint());

    let replaced = shared.replace(after.clone());
    assert_eq!(replaced.fingerprint(), before.fingerprint());
    assert_eq!(shared.get().fingerprint(), after.fingerprint());
    let (status, reason, fingerprint) = get(&mut app, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reason, "granted");
    assert_eq!(fingerprint, after.fingerprint());
}
