//! The policy artifact: what `Policy::to_artifact` writes loads back into an index that
//! decides the same, and every other byte string is refused with its code, never a panic.
//!
//! Round trips of random policies are in `differential.rs`, and the decision corpus from
//! artifacts in the command's `corpus.rs`; here: the presets, the header's checks, every
//! single-byte change and every truncation of real artifacts, and random changes to the
//! body under a recomputed digest (what only a forged artifact could hold), each of which
//! must be refused or decide without panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use rolegate::presets::PRESETS;
use rolegate::{ARTIFACT_VERSION, ErrorCode, Policy, Principal, Resource, Tenant};

/// SHA-256 as the artifact uses it (checked against `Policy::fingerprint` below), to forge
/// digests for the body-mutation test.
fn digest(bytes: &[u8]) -> [u8; 32] {
    sha256(&[&bytes[..10], &bytes[42..]].concat())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn presets() -> Vec<(&'static str, Policy)> {
    PRESETS
        .iter()
        .map(|(name, text)| (*name, Policy::from_toml(text).unwrap()))
        .collect()
}

fn code(result: Result<Policy, rolegate::PolicyErrors>) -> ErrorCode {
    match result {
        Ok(_) => panic!("loaded"),
        Err(e) => {
            assert_eq!(e.iter().count(), 1, "{e}");
            e.code().unwrap()
        }
    }
}

#[test]
fn presets_round_trip_byte_for_byte_and_keep_their_fingerprint() {
    for (name, policy) in presets() {
        let artifact = policy.to_artifact();
        assert_eq!(&artifact[..8], b"rolegate", "{name}");
        assert_eq!(
            u16::from_le_bytes([artifact[8], artifact[9]]),
            ARTIFACT_VERSION
        );
        assert_eq!(hex(&artifact[10..42]), policy.fingerprint(), "{name}");
        assert_eq!(hex(&digest(&artifact)), policy.fingerprint(), "{name}");
        let loaded = Policy::from_artifact(&artifact).unwrap();
        assert_eq!(loaded.to_artifact(), artifact, "{name}");
        assert_eq!(loaded.fingerprint(), policy.fingerprint(), "{name}");
        assert!(loaded.document().is_none());
        assert_eq!(loaded.name(), policy.name());
        assert_eq!(loaded.actions().len(), policy.actions().len());
        assert_eq!(loaded.roles().len(), policy.roles().len());
        assert_eq!(loaded.routes().len(), policy.routes().len());
        // The same policy in JSON gives the same artifact.
        let json = serde_json::to_string(policy.document().unwrap()).unwrap();
        assert_eq!(
            Policy::from_json(&json).unwrap().to_artifact(),
            artifact,
            "{name}"
        );
    }
}

#[test]
fn a_change_that_can_change_a_decision_changes_the_fingerprint() {
    let text = PRESETS[0].1;
    let base = Policy::from_toml(text).unwrap();
    let doc = base.document().unwrap();
    let mut changed = doc.clone();
    let (role, _) = changed.roles.0[0].clone();
    changed.roles.0[0].1.label = Some(format!("{role} (renamed)"));
    let relabeled = Policy::from_document(changed).unwrap();
    assert_ne!(relabeled.fingerprint(), base.fingerprint());
    let mut changed = doc.clone();
    changed.roles.0.last_mut().unwrap().1.allow.clear();
    let narrowed = Policy::from_document(changed).unwrap();
    assert_ne!(narrowed.fingerprint(), base.fingerprint());
    // Free text that no decision reads does not.
    let mut changed = doc.clone();
    changed.description = Some("another description".into());
    let described = Policy::from_document(changed).unwrap();
    assert_eq!(described.fingerprint(), base.fingerprint());
}

#[test]
fn bytes_that_are_not_an_artifact_are_refused_by_their_header() {
    let artifact = presets()[0].1.to_artifact();
    assert_eq!(code(Policy::from_artifact(b"")), ErrorCode::NotArtifact);
    assert_eq!(
        code(Policy::from_artifact(br#"{"version": 1}"#)),
        ErrorCode::NotArtifact
    );
    assert_eq!(
        code(Policy::from_artifact(b"rolegate")),
        ErrorCode::CorruptArtifact
    );
    let mut other = artifact.clone();
    other[8..10].copy_from_slice(&(ARTIFACT_VERSION + 1).to_le_bytes());
    let errors = Policy::from_artifact(&other).unwrap_err();
    assert_eq!(errors.code(), Some(ErrorCode::ArtifactVersion));
    assert!(errors.to_string().contains("rolegate build"), "{errors}");
}

#[test]
fn every_changed_byte_and_every_truncation_of_the_presets_is_refused() {
    let mut refused = 0;
    for (name, policy) in presets() {
        let artifact = policy.to_artifact();
        for at in 0..artifact.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut bytes = artifact.clone();
                bytes[at] ^= flip;
                let code = code(Policy::from_artifact(&bytes));
                let expected = match at {
                    0..8 => ErrorCode::NotArtifact,
                    8..10 => ErrorCode::ArtifactVersion,
                    _ => ErrorCode::CorruptArtifact,
                };
                assert_eq!(code, expected, "{name}: byte {at} ^ {flip:#x}");
                refused += 1;
            }
        }
        for len in 0..artifact.len() {
            let code = code(Policy::from_artifact(&artifact[..len]));
            assert!(
                matches!(code, ErrorCode::NotArtifact | ErrorCode::CorruptArtifact),
                "{name}: truncated to {len}: {code}"
            );
            refused += 1;
        }
        let mut longer = artifact.clone();
        longer.push(0);
        assert_eq!(
            code(Policy::from_artifact(&longer)),
            ErrorCode::CorruptArtifact
        );
    }
    println!("{refused} altered artifacts refused");
    assert!(refused > 50_000);
}

/// Decides a little of everything with a policy, so that a forged index that loads is
/// exercised, not only read.
fn exercise(policy: &Policy) {
    let roles: Vec<_> = policy
        .roles()
        .iter()
        .map(|r| rolegate::RoleAssignment {
            role: r.name.to_string(),
            scope: String::new(),
        })
        .collect();
    let principal = Principal {
        id: "u1".into(),
        roles,
        ..Principal::default()
    };
    let Ok(session) = policy.session(&principal, &Tenant::default()) else {
        return;
    };
    for action in policy.actions() {
        let _ = session.check(&action.name, &Resource::default());
        let _ = session
            .explain(&action.name, &Resource::default())
            .to_string();
    }
    let _ = session.permissions_for(&Resource::default());
    for route in policy.routes() {
        let path = route
            .pattern
            .split_once(' ')
            .map_or("/", |(_, p)| p)
            .replace(['{', '}'], "");
        let _ = session.gate(route.method(), &path);
    }
    let _ = rolegate::matrix::Matrix::of(policy);
}

#[test]
fn forged_artifacts_with_a_valid_digest_are_refused_or_decide_without_panicking() {
    let artifacts: Vec<Vec<u8>> = presets().iter().map(|(_, p)| p.to_artifact()).collect();
    let config = ProptestConfig {
        cases: 4_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let outcomes = std::cell::RefCell::new((0usize, 0usize));
    let strategy = (
        0..artifacts.len(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        any::<bool>(),
    );
    runner
        .run(&strategy, |(which, changes, cut)| {
            let mut bytes = artifacts[which].clone();
            for (at, value) in &changes {
                let i = 42 + at.index(bytes.len() - 42);
                bytes[i] = *value;
            }
            if cut {
                let (at, _) = changes[0];
                bytes.truncate(42 + at.index(bytes.len() - 42));
            }
            let forged = digest(&bytes);
            bytes[10..42].copy_from_slice(&forged);
            match Policy::from_artifact(&bytes) {
                Ok(policy) => {
                    exercise(&policy);
                    outcomes.borrow_mut().0 += 1;
                }
                Err(e) => {
                    prop_assert_eq!(e.code(), Some(ErrorCode::CorruptArtifact));
                    let d = e.iter().next().unwrap();
                    prop_assert!(d.message.starts_with("corrupt artifact: "));
                    outcomes.borrow_mut().1 += 1;
                }
            }
            Ok(())
        })
        .unwrap();
    let (loaded, refused) = outcomes.into_inner();
    println!("forged artifacts: {loaded} loaded and decided, {refused} refused");
    assert!(
        loaded > 100 && refused > 100,
        "{loaded} loaded, {refused} refused"
    );
}

// SHA-256 (FIPS 180-4), kept apart from the engine's so that the digest check is tested
// against an independent implementation.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes(chunk[i * 4..i * 4 + 4].try_into().unwrap());
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}
