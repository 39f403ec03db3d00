//! The policy loader in-process, through its fetch trait: a scripted source (the answers a
//! policy server would give, one per fetch) drives it through failure, a first policy, 304,
//! a new policy, a refused update and recovery. The hyper fetch over real HTTP is exercised
//! by tests/js/gates.test.mjs, which starts the axum example against a policy server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::Policy;
use rolegate_axum::{BoxFuture, FetchError, Fetched, PolicyFetch, PolicyLoader};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Answers fetches from a script; records the ETag each fetch sent.
#[derive(Clone, Default)]
struct Script {
    answers: Arc<Mutex<VecDeque<Result<Fetched, FetchError>>>>,
    sent: Arc<Mutex<Vec<Option<String>>>>,
}

impl PolicyFetch for Script {
    fn fetch<'a>(&'a self, etag: Option<&'a str>) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        self.sent.lock().unwrap().push(etag.map(str::to_owned));
        let next = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Ok(Fetched::NotModified));
        Box::pin(async move { next })
    }
}

fn text(policy_json: &str, etag: &str) -> Result<Fetched, FetchError> {
    Ok(Fetched::Text {
        text: policy_json.to_owned(),
        etag: Some(etag.to_owned()),
    })
}

/// Waits until the loader has made `n` fetches.
async fn after_fetches(script: &Script, n: usize) {
    for _ in 0..500 {
        if script.sent.lock().unwrap().len() >= n {
            tokio::time::sleep(Duration::from_millis(5)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("the loader made fewer than {n} fetches");
}

#[tokio::test]
async fn the_loader_fails_closed_follows_updates_and_keeps_the_last_good_policy() {
    // The outreach preset as JSON (`rolegate export outreach`).
    let v1 = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/outreach.policy.json"
    ))
    .unwrap();
    let outreach = Policy::from_json(&v1).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&v1).unwrap();
    doc["description"] = "second version".into();
    let v2 = doc.to_string();
    doc["actions_typo"] = serde_json::json!({});
    let broken = doc.to_string();

    let script = Script::default();
    script.answers.lock().unwrap().extend([
        Err(FetchError::new("connection refused")),
        text(&v1, "\"v1\""),
        Ok(Fetched::NotModified),
        text(&v2, "\"v2\""),
        text(&broken, "\"v3\""),
        Ok(Fetched::NotModified),
    ]);
    let loader = PolicyLoader::start(script.clone(), Duration::from_millis(150));

    // Before any policy: none, and the error says why (fail closed).
    let first = loader.current().await;
    assert!(first.policy.is_none());
    assert_eq!(first.error, Some("fetch_failed"));

    after_fetches(&script, 2).await;
    let state = loader.state();
    let p1 = state
        .policy
        .expect("the first policy is in force")
        .fingerprint()
        .to_owned();
    assert_eq!(
        p1,
        outreach.fingerprint(),
        "the served text is the policy in force"
    );
    assert_eq!(state.error, None);

    after_fetches(&script, 3).await;
    assert_eq!(
        script.sent.lock().unwrap()[2].as_deref(),
        Some("\"v1\""),
        "revalidation sends the ETag"
    );
    assert_eq!(
        loader.state().policy.unwrap().fingerprint(),
        p1,
        "304 keeps the policy"
    );

    after_fetches(&script, 4).await;
    let p2 = loader.state().policy.unwrap().fingerprint().to_owned();
    assert_ne!(p2, p1, "a new policy is swapped in");

    after_fetches(&script, 5).await;
    let refused = loader.state();
    assert_eq!(
        refused.policy.unwrap().fingerprint(),
        p2,
        "the last good policy stays"
    );
    assert_eq!(
        refused.error,
        Some("unknown_field"),
        "the refused update's code"
    );
    assert_eq!(
        script.sent.lock().unwrap()[5 - 1].as_deref(),
        Some("\"v2\""),
        "the ETag sent is the last good policy's"
    );

    after_fetches(&script, 6).await;
    let recovered = loader.state();
    assert_eq!(
        recovered.error, None,
        "a 304 for the good policy clears the error"
    );
    assert_eq!(recovered.policy.unwrap().fingerprint(), p2);
}
