//! The corpus of broken policy documents (`tests/fixtures/invalid/`): every file must be
//! rejected with exactly the errors listed for it in `expected.json`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rolegate::{Format, Policy, PolicyErrors, Severity};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The corpus must cover at least this many distinct error codes.
const MIN_DISTINCT_CODES: usize = 20;

/// What `expected.json` says about one error.
#[derive(Debug)]
struct Expected {
    code: String,
    path: String,
    /// `None`: not compared. `Some(None)`: must have no line. `Some(Some(n))`: must be line n.
    line: Option<Option<u32>>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid")
}

fn read_expected(dir: &Path) -> BTreeMap<String, Vec<Expected>> {
    let path = dir.join("expected.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let value: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
    let Value::Object(files) = value else {
        panic!("expected.json must be an object: file name -> list of errors");
    };
    let mut out = BTreeMap::new();
    for (file, errors) in files {
        let Value::Array(errors) = errors else {
            panic!("expected.json: `{file}` must map to a list of errors");
        };
        assert!(
            !errors.is_empty(),
            "expected.json: `{file}` lists no error, but every file of the corpus must be rejected"
        );
        let mut list = Vec::new();
        for (i, e) in errors.iter().enumerate() {
            let Value::Object(e) = e else {
                panic!("expected.json: `{file}`[{i}] must be an object");
            };
            for key in e.keys() {
                assert!(
                    matches!(key.as_str(), "code" | "path" | "line"),
                    "expected.json: `{file}`[{i}] has an unknown key `{key}`"
                );
            }
            let code = e
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("expected.json: `{file}`[{i}] needs a string `code`"))
                .to_owned();
            assert!(
                rolegate::ErrorCode::from_code(&code).is_some(),
                "expected.json: `{file}`[{i}]: `{code}` is not an error code"
            );
            let path = e
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("expected.json: `{file}`[{i}] needs a string `path`"))
                .to_owned();
            let line = match e.get("line") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(v) => {
                    let n = v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or_else(|| {
                        panic!("expected.json: `{file}`[{i}]: `line` must be a positive integer or null")
                    });
                    assert!(n >= 1, "expected.json: `{file}`[{i}]: lines are 1-based");
                    Some(Some(n))
                }
            };
            list.push(Expected { code, path, line });
        }
        out.insert(file, list);
    }
    out
}

fn corpus_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "expected.json")
        .collect()
}

fn format_of(file: &str) -> Format {
    if file.ends_with(".toml") {
        Format::Toml
    } else if file.ends_with(".json") {
        Format::Json
    } else {
        panic!("`{file}`: corpus files are `.toml` or `.json`");
    }
}

fn describe(errors: &PolicyErrors) -> String {
    errors
        .iter()
        .map(|d| {
            format!(
                "    {} at `{}` line {:?}: {}",
                d.code, d.path, d.line, d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks one file; returns the problems found (empty when it passes).
fn check_file(file: &str, text: &str, expected: &[Expected]) -> Vec<String> {
    let format = format_of(file);
    let result = catch_unwind(AssertUnwindSafe(|| Policy::from_text(text, format)));
    let errors = match result {
        Err(_) => return vec!["the engine panicked".to_owned()],
        Ok(Ok(_)) => return vec!["the document was accepted; it must be rejected".to_owned()],
        Ok(Err(errors)) => errors,
    };
    let mut problems = Vec::new();
    if errors.iter().next().is_none() {
        problems.push("rejected with an empty list of errors".to_owned());
    }
    for d in errors.iter() {
        if d.severity != Severity::Error {
            problems.push(format!(
                "{} at `{}` is a warning inside the list of errors",
                d.code, d.path
            ));
        }
        let first = d.message.chars().next();
        if first.is_none_or(char::is_uppercase) {
            problems.push(format!(
                "{} at `{}`: the message must be non-empty and start in lowercase: {:?}",
                d.code, d.path, d.message
            ));
        }
        if d.message.trim_end().ends_with('.') {
            problems.push(format!(
                "{} at `{}`: the message must not end with a period: {:?}",
                d.code, d.path, d.message
            ));
        }
    }

    let actual: BTreeSet<(String, String)> = errors
        .iter()
        .map(|d| (d.code.as_str().to_owned(), d.path.to_string()))
        .collect();
    let wanted: BTreeSet<(String, String)> = expected
        .iter()
        .map(|e| (e.code.clone(), e.path.clone()))
        .collect();
    for (code, path) in wanted.difference(&actual) {
        problems.push(format!("missing error: {code} at `{path}`"));
    }
    for (code, path) in actual.difference(&wanted) {
        problems.push(format!("unexpected error: {code} at `{path}`"));
    }

    for e in expected {
        let Some(line) = e.line else {
            continue;
        };
        let matching: Vec<Option<u32>> = errors
            .iter()
            .filter(|d| d.code.as_str() == e.code && d.path.to_string() == e.path)
            .map(|d| d.line)
            .collect();
        if !matching.is_empty() && !matching.contains(&line) {
            problems.push(format!(
                "{} at `{}`: expected line {:?}, the engine gave {:?}",
                e.code, e.path, line, matching
            ));
        }
    }

    if !problems.is_empty() {
        problems.push(format!("the engine reported:\n{}", describe(&errors)));
    }
    problems
}

#[test]
fn every_invalid_document_is_rejected_with_exactly_its_errors() {
    let dir = corpus_dir();
    let expected = read_expected(&dir);
    let files = corpus_files(&dir);

    let mut failures = Vec::new();
    for file in &files {
        if !expected.contains_key(file) {
            failures.push(format!("{file}: no entry in expected.json"));
        }
    }
    for file in expected.keys() {
        if !files.contains(file) {
            failures.push(format!("{file}: listed in expected.json, but no such file"));
        }
    }

    let mut checked = 0;
    let mut errors_checked = 0;
    let mut codes = BTreeSet::new();
    for (file, wanted) in &expected {
        if !files.contains(file) {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        let problems = check_file(file, &text, wanted);
        checked += 1;
        errors_checked += wanted.len();
        codes.extend(wanted.iter().map(|e| e.code.clone()));
        if problems.is_empty() {
            let listed: Vec<&str> = wanted.iter().map(|e| e.code.as_str()).collect();
            println!("ok    {file}: {}", listed.join(", "));
        } else {
            println!("FAIL  {file}");
            failures.push(format!("{file}:\n  {}", problems.join("\n  ")));
        }
    }

    println!(
        "{checked} invalid documents, {errors_checked} expected errors, {} distinct codes: {}",
        codes.len(),
        codes.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} problem(s) in the invalid corpus:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        codes.len() >= MIN_DISTINCT_CODES,
        "the corpus covers {} distinct codes, fewer than {MIN_DISTINCT_CODES}",
        codes.len()
    );
}

/// A policy whose one rule has `condition` as its `when`.
fn with_condition(condition: &str) -> String {
    format!(
        "version = 1\n[scopes]\norg = {{}}\n[attributes]\nresource = {{ level = \"number\" }}\n[actions]\n\"a.view\" = {{ scope = \"org\" }}\n[roles.r]\nscope = \"org\"\nallow = [\"a.view\"]\n[rules.x]\neffect = \"deny\"\nroles = [\"r\"]\nactions = [\"a.view\"]\nwhen = '{condition}'\n"
    )
}

/// Regression: a condition of 10,000 `&&` terms overflowed the stack while type-checking.
#[test]
fn huge_and_deep_conditions_are_rejected_without_crashing() {
    for (condition, code) in [
        (
            vec!["resource.level == 1"; 10_000].join(" && "),
            "limit_exceeded",
        ),
        (
            vec!["resource.level == 1"; 100_000].join(" || "),
            "limit_exceeded",
        ),
        (
            format!(
                "{}resource.level == 1{}",
                "(".repeat(1000),
                ")".repeat(1000)
            ),
            "limit_exceeded",
        ),
        (
            format!("{}(resource.level == 1)", "!".repeat(3000)),
            "limit_exceeded",
        ),
    ] {
        let text = with_condition(&condition);
        let result = catch_unwind(AssertUnwindSafe(|| Policy::from_text(&text, Format::Toml)));
        let errors = result
            .unwrap_or_else(|_| panic!("panicked on a {} byte condition", condition.len()))
            .expect_err("must be rejected");
        let first = errors.iter().next().unwrap();
        assert_eq!(first.code.as_str(), code, "{errors}");
        assert_eq!(first.path.to_string(), "rules.x.when");
        assert_eq!(first.line, Some(15));
    }
    // Long chains within the length limit are one node each, and compile.
    let chain = vec!["resource.level == 1"; 150].join(" && ");
    assert!(Policy::from_text(&with_condition(&chain), Format::Toml).is_ok());
}
