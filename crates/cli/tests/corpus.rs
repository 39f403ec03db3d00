//! The decision corpus (`tests/fixtures/decisions/*.json`), run natively: every case
//! through `check`, `permissions_for`, `explain` and `filter`, which must all agree with
//! the expected decision; the same cases again from each policy's artifact.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::Policy;
use rolegate::presets::{PRESETS, preset};
use rolegate_cli::fixtures::FixtureFile;
use std::path::Path;

/// The repository root: the fixtures, presets and examples live there.
fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> Vec<(String, FixtureFile)> {
    let dir = root().join("tests/fixtures/decisions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let file = FixtureFile::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, file)
        })
        .collect()
}

#[test]
fn every_case_of_the_corpus_passes_on_every_entry_point() {
    let mut total = 0;
    let mut failures = Vec::new();
    for (name, file) in corpus() {
        let text =
            preset(&file.policy).unwrap_or_else(|| panic!("{name}: no preset `{}`", file.policy));
        let compiled = Policy::from_toml(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The same cases decided from the policy's artifact: the loaded index must decide
        // exactly as the compiled one.
        let loaded = Policy::from_artifact(&compiled.to_artifact())
            .unwrap_or_else(|e| panic!("{name}: artifact: {e}"));
        for (form, policy) in [("text", &compiled), ("artifact", &loaded)] {
            let results = file.run(policy);
            assert!(!results.is_empty(), "{name} has no case");
            for r in &results {
                if !r.passed() {
                    failures.push(format!(
                        "{name} ({form}): {}\n    {}",
                        r.name,
                        r.failures.join("\n    ")
                    ));
                }
            }
            println!("{name} ({form}): {} cases", results.len());
            total += results.len();
        }
    }
    println!("{total} cases");
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_preset_has_a_fixture_file_and_every_role_and_action_is_exercised() {
    let corpus = corpus();
    for (preset_name, text) in PRESETS {
        let policy = Policy::from_toml(text).unwrap();
        assert!(
            policy.warnings().is_empty(),
            "{preset_name}: {:?}",
            policy.warnings()
        );
        let files: Vec<&FixtureFile> = corpus
            .iter()
            .filter(|(_, f)| f.policy == *preset_name)
            .map(|(_, f)| f)
            .collect();
        assert!(
            !files.is_empty(),
            "preset `{preset_name}` has no fixture file"
        );
        for action in policy.actions() {
            assert!(
                files
                    .iter()
                    .any(|f| f.cases.iter().any(|c| c.action == *action.name)),
                "preset `{preset_name}`: action `{}` has no case",
                action.name
            );
        }
        for role in policy.roles() {
            let held = files.iter().any(|f| {
                f.principals
                    .values()
                    .any(|p| p.roles.iter().any(|r| r.role == *role.name))
            });
            assert!(
                held,
                "preset `{preset_name}`: no principal holds role `{}`",
                role.name
            );
        }
    }
}
