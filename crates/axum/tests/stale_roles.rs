//! A token that carries a role the policy no longer declares (renamed by a policy update,
//! the token minted before): the layer refuses it, 401 `token_claims`, and never decides
//! without the role, since a stale role that carried a deny rule, left out, would widen
//! access (SECURITY.md, "Stale roles").
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

/// An editor may delete campaigns; a viewer cap (a deny rule on `write` actions) takes that
/// away from anyone who also holds `viewer`.
const POLICY: &str = r#"{
  "version": 1,
  "scopes": { "org": {} },
  "actions": { "campaign.delete": { "scope": "org", "tags": ["write"] } },
  "roles": {
    "editor": { "scope": "org", "allow": ["campaign.delete"] },
    "viewer": { "scope": "org", "allow": [] }
  },
  "rules": { "viewer_cap": { "effect": "deny", "roles": ["viewer"], "actions": ["tag:write"] } },
  "routes": { "DELETE /api/campaigns/{id}": { "action": "campaign.delete" } }
}"#;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../tests/fixtures/tokens/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn token(roles: Value) -> String {
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
        "rolegate": { "roles": roles, "tenant": { "id": "acme" } },
    });
    mint(&key, &claims, Some("hs1")).unwrap()
}

async fn delete(app: &mut Router, token: &str) -> (StatusCode, String, String) {
    let request = Request::delete("/api/campaigns/c1")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.call(request).await.unwrap();
    let status = response.status();
    let reason = response
        .headers()
        .get("rolegate-reason")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, reason, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_token_with_a_role_renamed_by_a_policy_update_is_refused_not_widened() {
    let before = Policy::from_json(POLICY).unwrap();
    let renamed = POLICY.replace(r#""viewer""#, r#""read-only""#);
    let after = Policy::from_json(&renamed).unwrap();
    let shared = SharedPolicy::new(before);
    let tokens = TokenConfig::from_json(&fixture("keys.json")).unwrap();
    let config = RolegateConfig::with_source(PolicySource::Shared(shared.clone()), tokens);
    let mut app = Router::new()
        .route("/api/{*rest}", any(|| async { "deleted" }))
        .layer(RolegateLayer::new(config));
    let stale =
        token(json!([{ "role": "editor", "scope": "org" }, { "role": "viewer", "scope": "org" }]));

    // Under the policy the token was minted for, the viewer cap denies the delete.
    let (status, reason, _) = delete(&mut app, &stale).await;
    assert_eq!(
        (status, reason.as_str()),
        (StatusCode::FORBIDDEN, "denied_by_rule")
    );

    // After the rename, the token's `viewer` is stale: refused, never decided without it
    // (which would allow the delete).
    shared.replace(after.clone());
    let (status, reason, body) = delete(&mut app, &stale).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(reason, "token_claims");
    assert!(
        body.contains("role `viewer` is not declared by the policy"),
        "{body}"
    );

    // The library's default (lenient) session is the hazard the layer avoids.
    let principal = rolegate::Principal::new("u1")
        .with_role("editor", "org")
        .with_role("viewer", "org");
    let lenient = after
        .session(&principal, &rolegate::Tenant::new("acme"))
        .unwrap();
    assert!(lenient.can("campaign.delete", &rolegate::Resource::at("org")));

    // A fresh token with the new name: capped again.
    let fresh = token(
        json!([{ "role": "editor", "scope": "org" }, { "role": "read-only", "scope": "org" }]),
    );
    let (status, reason, _) = delete(&mut app, &fresh).await;
    assert_eq!(
        (status, reason.as_str()),
        (StatusCode::FORBIDDEN, "denied_by_rule")
    );
}
