//! What a library user of the core pulls in: no command-line parser, no HTTP stack, no
//! JavaScript boundary unless asked for. The command line lives in `crates/cli`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

/// The crates `cargo tree` lists for the core with the given extra arguments.
fn tree(args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["tree", "-p", "rolegate", "-e", "normal", "--prefix", "none"])
        .args(["--format", "{p}"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

const FORBIDDEN: &[&str] = &[
    "clap",
    "hyper",
    "tokio",
    "axum",
    "tower",
    "reqwest",
    "ureq",
    "http",
    "rouille",
    "actix-web",
];

#[test]
fn the_core_library_pulls_in_no_cli_and_no_http_stack() {
    for args in [&[][..], &["--all-features"][..]] {
        let crates = tree(args);
        assert!(crates.iter().any(|c| c == "rolegate"), "{crates:?}");
        for name in FORBIDDEN {
            assert!(
                !crates.iter().any(|c| c == name),
                "the core depends on `{name}` with {args:?}: {crates:?}"
            );
        }
    }
}

#[test]
fn the_default_core_has_no_javascript_boundary() {
    let crates = tree(&[]);
    assert!(
        !crates.iter().any(|c| c.starts_with("wasm-bindgen")),
        "{crates:?}"
    );
}
