//! The policy artifact loader. Oracles: bytes that are not an artifact, of another
//! version, truncated or altered are refused with `not_artifact`, `artifact_version` or
//! `corrupt_artifact`, never a panic; a fixture policy's own artifact loads back to the
//! same bytes, fingerprint and decisions; and an artifact altered under a recomputed digest
//! (what only a forged one holds) is refused, or loads into a policy that decides, explains
//! and gates without a panic.
//!
//! Input: the first byte picks the mode. Even: the rest is loaded as it is. Odd: the next
//! byte picks a fixture policy, and each following (position, value) pair of bytes sets a
//! byte of its artifact's body (positions scaled to the body), the digest recomputed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolegate::{ErrorCode, Policy, Resource};
use rolegate_fuzz::fixtures;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        check(rest, false);
        return;
    }
    let Some((&which, changes)) = rest.split_first() else {
        return;
    };
    let all = fixtures();
    let fixture = &all[usize::from(which) % all.len()];
    let mut artifact = fixture.policy.to_artifact();
    if changes.len() < 2 {
        // The artifact as built: it loads to the same bytes, fingerprint and decisions.
        let loaded = Policy::from_artifact(&artifact).expect("a built artifact loads");
        assert_eq!(loaded.to_artifact(), artifact);
        assert_eq!(loaded.fingerprint(), fixture.policy.fingerprint());
        for (principal, tenant) in fixture.personas.iter().take(4) {
            let (Ok(a), Ok(b)) = (
                fixture.policy.session(principal, tenant),
                loaded.session(principal, tenant),
            ) else {
                continue;
            };
            for action in fixture.policy.actions() {
                let resource = Resource::default();
                assert_eq!(
                    a.check(&action.name, &resource),
                    b.check(&action.name, &resource)
                );
            }
        }
        return;
    }
    let body = artifact.len() - 42;
    for pair in changes.chunks_exact(2) {
        let at = 42 + usize::from(pair[0]) * body / 256;
        artifact[at] = pair[1];
    }
    let digest = rolegate::test_util::artifact_digest(&artifact);
    artifact[10..42].copy_from_slice(&digest);
    check(&artifact, true);
});

/// Loads `bytes`: refused with an artifact code, or a policy exercised without a panic.
fn check(bytes: &[u8], forged: bool) {
    match Policy::from_artifact(bytes) {
        Ok(policy) => {
            exercise(&policy);
        }
        Err(errors) => {
            let code = errors.code().expect("a refusal has a code");
            let expected: &[ErrorCode] = if forged {
                &[ErrorCode::CorruptArtifact]
            } else {
                &[
                    ErrorCode::NotArtifact,
                    ErrorCode::ArtifactVersion,
                    ErrorCode::CorruptArtifact,
                ]
            };
            assert!(expected.contains(&code), "refused with {code}: {errors}");
        }
    }
}

fn exercise(policy: &Policy) {
    let _ = policy.fingerprint();
    let _ = rolegate::matrix::Matrix::of(policy);
    let roles: Vec<rolegate::RoleAssignment> = policy
        .roles()
        .iter()
        .take(8)
        .map(|r| rolegate::RoleAssignment {
            role: r.name.to_string(),
            scope: String::new(),
        })
        .collect();
    let principal = rolegate::Principal {
        id: "u1".into(),
        roles,
        ..rolegate::Principal::default()
    };
    let Ok(session) = policy.session(&principal, &rolegate::Tenant::default()) else {
        return;
    };
    for action in policy.actions().iter().take(64) {
        let _ = session.check(&action.name, &Resource::default());
        let _ = session
            .explain(&action.name, &Resource::default())
            .to_string();
    }
    let _ = session.permissions_for(&Resource::default());
    for route in policy.routes().iter().take(64) {
        let path = route.pattern.split_once(' ').map_or("/", |(_, p)| p);
        let _ = session.gate(route.method(), &path.replace(['{', '}'], ""));
    }
}
