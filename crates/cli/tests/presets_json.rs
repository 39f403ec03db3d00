//! The npm package ships each preset as JSON (`js/presets/`, for `npx rolegate` and
//! JavaScript-only teams): each file is `rolegate export` of the preset built into the
//! crate, with `"$schema"` first (the policy JSON Schema the package ships beside them, for
//! editors), and there is one per preset; every reader accepts that `$schema`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::Policy;
use rolegate::presets::PRESETS;
use std::path::Path;

#[test]
fn every_preset_ships_as_json_in_the_package_and_equals_its_export() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../js/presets");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected: Vec<String> = PRESETS.iter().map(|(n, _)| format!("{n}.json")).collect();
    expected.sort();
    assert_eq!(
        files, expected,
        "js/presets/ holds one JSON file per preset"
    );
    for (name, text) in PRESETS {
        let policy = Policy::from_toml(text).unwrap();
        let exported = serde_json::to_string_pretty(policy.document().unwrap()).unwrap();
        let shipped = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let with_schema = exported.replacen('{', "{\n  \"$schema\": \"../policy.schema.json\",", 1);
        assert_eq!(
            shipped.trim_end(),
            with_schema,
            "js/presets/{name}.json is stale: regenerate it with `rolegate export {name}` (and `$schema` first)"
        );
        // The engine reads it as the preset: the same fingerprint.
        let read = Policy::from_json(&shipped).unwrap();
        assert_eq!(read.fingerprint(), policy.fingerprint(), "{name}");
    }
}
