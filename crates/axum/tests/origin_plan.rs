//! An `origin` answer passed on without a resource loader carries the query plan of the
//! route's action over resources of its type at its scope: the `rolegate-plan` header (a
//! client's own removed) and `Gated::plan`, the same plan as `Session::plan`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::Router;
use axum::body::Body;
use axum::extract::Extension;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::any;
use rolegate::{Policy, Principal, RoleAssignment, Tenant};
use rolegate_axum::{Gated, PolicySource, RolegateConfig, RolegateLayer, SharedPolicy};
use rolegate_token::{TokenConfig, mint};
use serde_json::{Value, json};
use tower_service::Service;

const POLICY: &str = r#"{
  "version": 1,
  "scopes": { "org": {} },
  "attributes": { "resource": { "assignee": "string" } },
  "actions": { "number.view": { "scope": "org" } },
  "roles": { "member": { "scope": "org" } },
  "rules": {
    "own": { "effect": "allow", "roles": ["member"], "actions": ["number.view"], "when": "resource.assignee == principal.id" }
  },
  "routes": { "GET /api/numbers/{n}": { "action": "number.view", "resource": "number", "id": "{n}" } }
}"#;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../tests/fixtures/tokens/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[tokio::test]
async fn an_origin_answer_carries_the_plan_the_resource_must_meet() {
    let policy = Policy::from_json(POLICY).unwrap();
    let tokens = TokenConfig::from_json(&fixture("keys.json")).unwrap();
    let config = RolegateConfig::with_source(
        PolicySource::Shared(SharedPolicy::new(policy.clone())),
        tokens,
    );
    let mut app = Router::new()
        .route(
            "/api/{*rest}",
            any(|headers: HeaderMap, Extension(gated): Extension<Gated>| async move {
                let header = headers
                    .get("rolegate-plan")
                    .map(|v| v.to_str().unwrap().to_owned());
                let plan = gated.plan.map(|p| serde_json::to_value(p).unwrap());
                json!({ "header": header, "plan": plan, "outcome": gated.decision.outcome.as_str() })
                    .to_string()
            }),
        )
        .layer(RolegateLayer::new(config));
    let keys: Value = serde_json::from_str(&fixture("keys.private.json")).unwrap();
    let key = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "hs1")
        .unwrap()
        .to_string();
    // A member whose id needs escaping in a header.
    let claims = json!({
        "sub": "zoë",
        "iss": "https://auth.example",
        "aud": "rolegate-demo",
        "exp": 4_000_000_000u64,
        "rolegate": { "roles": [{ "role": "member", "scope": "org" }], "tenant": { "id": "acme" } },
    });
    let token = mint(&key, &claims, Some("hs1")).unwrap();
    let request = Request::get("/api/numbers/n1")
        .header("authorization", format!("Bearer {token}"))
        .header("rolegate-plan", r#"{"outcome":"allow_all"}"#)
        .body(Body::empty())
        .unwrap();
    let response = app.call(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["outcome"], "origin");

    let principal = Principal {
        id: "zoë".into(),
        roles: vec![RoleAssignment {
            role: "member".into(),
            scope: "org".into(),
        }],
        ..Principal::default()
    };
    let tenant = Tenant {
        id: "acme".into(),
        ..Tenant::default()
    };
    let session = policy.session(&principal, &tenant).unwrap();
    let expected =
        serde_json::to_value(session.plan("number.view", "number", Some("org")).unwrap()).unwrap();
    assert_eq!(expected["outcome"], "conditional");
    assert_eq!(body["plan"], expected);
    let header = body["header"].as_str().unwrap();
    assert!(
        header.is_ascii() && header.contains("zo\\u00eb"),
        "{header}"
    );
    assert_eq!(serde_json::from_str::<Value>(header).unwrap(), expected);
}
