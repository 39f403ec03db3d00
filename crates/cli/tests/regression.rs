//! Regression tests of the `rolegate` command, one per bug fixed, each named after what
//! broke; the library's are in the repository's `tests/regression.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// d5687a7: `rolegate ... | head` panicked with "failed printing to stdout: Broken pipe"
/// (exit 101) when the reader closed the pipe before the output was written.
#[test]
fn cli_panicked_when_its_output_pipe_closed() {
    use std::fmt::Write as _;
    use std::process::{Command, Stdio};
    // An export far larger than a pipe's buffer, so that some of it is written after the
    // reader has gone.
    let mut policy = String::from("version = 1\n[scopes]\norg = {}\n[actions]\n");
    for i in 0..3000 {
        writeln!(
            policy,
            "\"report.view_{i}\" = {{ scope = \"org\", label = \"View the report number {i} of the quarterly series\" }}"
        )
        .unwrap();
    }
    policy.push_str("[roles.reader]\nscope = \"org\"\nallow = [\"report.*\"]\n");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("closed-pipe.toml");
    std::fs::write(&path, policy).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .arg("export")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {stderr}",
        out.status.code()
    );
    assert!(stderr.is_empty(), "stderr: {stderr}");
}

/// Issue 15: the command kept the last of two equal attribute keys where the package
/// refused them; both now read inputs with one reader, which refuses the repetition.
#[test]
fn cli_kept_the_last_of_duplicate_attribute_keys() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args([
            "check",
            "outreach",
            "cx.view",
            "-p",
            r#"{"id":"u","roles":[{"role":"operations"}],"attrs":{"a":1,"a":2}}"#,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("principal.attrs.a") && stderr.contains("given twice"),
        "{stderr}"
    );
}

/// Issue 15: `scope: null` on a role assignment meant different things in the command and
/// the package; in both it is the root (the tenant), as an absent scope is.
#[test]
fn a_null_scope_on_a_role_is_the_root_in_the_command_too() {
    let check = |principal: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rolegate"))
            .args(["check", "outreach", "cx.view", "-p", principal])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let null = check(r#"{"id":"u","roles":[{"role":"operations","scope":null}]}"#);
    let absent = check(r#"{"id":"u","roles":[{"role":"operations"}]}"#);
    assert!(null.contains(r#""reason": "granted""#), "{null}");
    assert_eq!(null, absent);
}
