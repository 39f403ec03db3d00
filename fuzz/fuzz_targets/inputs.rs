//! The boundary readers: principals, tenants, resources, resource attributes and resource
//! lists as the JavaScript layer sends them (JSON text), and the team readers (teams,
//! changes, audit events). Oracles:
//! - the readers accept JSON only: text they read is JSON to `serde_json` too;
//! - `Deserialize` through `serde_json` reads what `from_json` reads, and refuses what it
//!   refuses;
//! - what reads, written back (`Serialize`, or `to_json` for teams and events), reads back
//!   to the same value;
//! - a principal, tenant or resource that reads is decided by every fixture policy without
//!   a panic, and an allow names a role.
//!
//! Input: the first byte picks the reader, the rest is the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolegate::team::{AuditEvent, Team, TeamChange};
use rolegate::{Effect, Principal, Resource, Tenant};
use rolegate_fuzz::fixtures;

/// Text our reader accepted must be JSON (after the byte order mark that the readers skip,
/// as `tests/regression.rs` holds).
fn is_json(text: &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        panic!("read as JSON, but it is not JSON ({e}): {text:?}");
    }
}

/// `Deserialize` (through `serde_json`) and `from_json` are one set of rules: on JSON text
/// without a byte order mark (which `serde_json` refuses) they read the same value or both
/// refuse.
fn same_as_deserialize<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
    text: &str,
    read: Option<&T>,
) {
    if text.starts_with('\u{feff}') {
        return;
    }
    let deserialized = serde_json::from_str::<T>(text).ok();
    assert_eq!(
        deserialized.as_ref(),
        read,
        "Deserialize and from_json differ on {text:?}"
    );
}

fn decide(principal: Option<&Principal>, tenant: Option<&Tenant>, resource: Option<&Resource>) {
    let default_principal = Principal::new("u1").with_role("org_admin", "");
    let default_tenant = Tenant::new("acme");
    let default_resource = Resource::at("");
    for fixture in fixtures() {
        let (p, t) = fixture
            .personas
            .first()
            .map_or((&default_principal, &default_tenant), |(p, t)| (p, t));
        let principal = principal.unwrap_or(p);
        let tenant = tenant.unwrap_or(t);
        let resource = resource.unwrap_or(&default_resource);
        let Ok(session) = fixture.policy.session(principal, tenant) else {
            continue;
        };
        for action in fixture.policy.actions().iter().take(8) {
            let d = session.check(&action.name, resource);
            if d.effect == Effect::Allow {
                assert!(d.role.is_some(), "an allow without a role: {d:?}");
            }
        }
        let _ = session.permissions(&resource.scope);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 8 {
        0 => {
            let read = Principal::from_json(text);
            same_as_deserialize(text, read.as_ref().ok());
            let Ok(p) = read else {
                return;
            };
            is_json(text);
            let written = serde_json::to_string(&p).expect("writes");
            assert_eq!(Principal::from_json(&written).as_ref(), Ok(&p), "{written}");
            decide(Some(&p), None, None);
        }
        1 => {
            let read = Tenant::from_json(text);
            same_as_deserialize(text, read.as_ref().ok());
            let Ok(t) = read else {
                return;
            };
            is_json(text);
            let written = serde_json::to_string(&t).expect("writes");
            assert_eq!(Tenant::from_json(&written).as_ref(), Ok(&t), "{written}");
            decide(None, Some(&t), None);
        }
        2 => {
            let read = Resource::from_json(text);
            same_as_deserialize(text, read.as_ref().ok());
            let Ok(r) = read else {
                return;
            };
            is_json(text);
            let written = serde_json::to_string(&r).expect("writes");
            assert_eq!(Resource::from_json(&written).as_ref(), Ok(&r), "{written}");
            decide(None, None, Some(&r));
        }
        3 => {
            let Ok(a) = Resource::attrs_from_json(text) else {
                return;
            };
            is_json(text);
            let written = serde_json::to_string(&a).expect("writes");
            assert_eq!(
                Resource::attrs_from_json(&written).as_ref(),
                Ok(&a),
                "{written}"
            );
        }
        4 => {
            let Ok(list) = Resource::list_from_json(text) else {
                return;
            };
            is_json(text);
            let written = serde_json::to_string(&list).expect("writes");
            assert_eq!(
                Resource::list_from_json(&written).as_ref(),
                Ok(&list),
                "{written}"
            );
        }
        5 => {
            let Ok(team) = Team::from_json(text) else {
                return;
            };
            is_json(text);
            let written = team.to_json();
            assert_eq!(Team::from_json(&written).as_ref(), Ok(&team), "{written}");
        }
        6 => {
            let Ok(_change) = TeamChange::from_json(text) else {
                return;
            };
            is_json(text);
        }
        _ => {
            let Ok(event) = AuditEvent::from_json(text) else {
                return;
            };
            is_json(text);
            let written = event.to_json();
            assert_eq!(
                AuditEvent::from_json(&written).as_ref(),
                Ok(&event),
                "{written}"
            );
        }
    }
});
