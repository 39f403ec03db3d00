//! The `rolegate` command, run as a user runs it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::{Command, Output};

/// The repository root: the fixtures, presets and examples live there.
fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rolegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn matrix_of_outreach_equals_the_seed_summary_table_and_prose_rows() {
    let out = rolegate(&["matrix", "presets/outreach.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected =
        std::fs::read_to_string(root().join("tests/fixtures/matrix/outreach.md")).unwrap();
    assert_eq!(stdout(&out), expected);
}

#[test]
fn matrix_prints_csv_and_html() {
    let out = rolegate(&["matrix", "outreach", "--format", "csv"]);
    assert!(out.status.success());
    let csv = stdout(&out);
    assert!(
        csv.starts_with("Capability,Org Admin,Campaigner,Operations\n"),
        "{csv}"
    );
    assert!(
        csv.contains("See CX product in sidebar,Yes,No,Yes\n"),
        "{csv}"
    );
    let out = rolegate(&["matrix", "outreach", "--format", "html"]);
    assert!(stdout(&out).contains("<th>Org Admin</th>"));
}

#[test]
fn validate_accepts_every_preset() {
    let presets: Vec<String> = std::fs::read_dir(root().join("presets"))
        .unwrap()
        .map(|e| format!("presets/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(presets.len(), 5);
    let mut args = vec!["validate"];
    args.extend(presets.iter().map(String::as_str));
    let out = rolegate(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches("ok: ").count(), 5, "{}", stdout(&out));
}

#[test]
fn validate_reports_every_error_with_code_path_and_line() {
    let dir = std::env::temp_dir().join(format!("rolegate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.toml");
    std::fs::write(
        &file,
        "version = 1\n[scopes]\norg = {}\n[actions]\n\"a.view\" = { scope = \"org\" }\n[roles.admin]\nscope = \"org\"\nincludes = [\"ghost\"]\nallow = [\"b.*\"]\n",
    )
    .unwrap();
    let out = rolegate(&["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("error[unknown_role] at roles.admin.includes[0] (line 8"),
        "{err}"
    );
    assert!(
        err.contains("error[pattern_matches_nothing] at roles.admin.allow[0] (line 9"),
        "{err}"
    );
    let out = rolegate(&["validate", "no-such-policy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("neither a policy file nor a preset"));
}

#[test]
fn check_and_explain_answer_one_request() {
    let principal = r#"{"id":"u1","roles":[{"role":"campaigner","scope":"org"}]}"#;
    let out = rolegate(&[
        "check",
        "outreach",
        "campaign.create",
        "-p",
        principal,
        "-t",
        r#"{"id":"acme"}"#,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let decision: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(decision["effect"], "locked");
    assert_eq!(decision["reason"], "feature_disabled");
    assert_eq!(decision["allowed"], false);
    let out = rolegate(&[
        "explain",
        "outreach",
        "campaign.create",
        "-p",
        principal,
        "-t",
        r#"{"id":"acme","features":["outreach"]}"#,
    ]);
    let text = stdout(&out);
    assert!(text.contains("allow (granted) role `campaigner`"), "{text}");
    assert!(text.contains("5. gates"), "{text}");
    let out = rolegate(&[
        "check",
        "outreach",
        "campaign.create",
        "-p",
        r#"{"id":"u1","roles":[{"role":"ceo"}]}"#,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown_role"), "{}", stderr(&out));
    let out = rolegate(&["check", "outreach", "campaign.create", "-p", "[1,2]"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn test_runs_fixture_files_and_fails_on_a_wrong_expectation() {
    let out = rolegate(&["test", "tests/fixtures/decisions/outreach.json"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains(" passed, 0 failed"));
    let dir = std::env::temp_dir().join(format!("rolegate-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("wrong.json");
    std::fs::write(
        &file,
        r#"{"policy":"outreach","cases":[{"name":"operations may not create campaigns","principal":{"id":"u","roles":[{"role":"operations"}]},"tenant":{"id":"t","features":["outreach"]},"action":"campaign.create","expect":{"effect":"allow","reason":"granted"}}]}"#,
    )
    .unwrap();
    let out = rolegate(&["test", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("0 passed, 1 failed"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("effect is `deny`, expected `allow`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn lint_prints_the_findings_of_each_preset_sample_team() {
    let expected = [
        (
            "callaro",
            vec![
                "no_backup_admin",
                "no_reviewer",
                "pending_invitation",
                "inactive_member",
            ],
        ),
        ("calilio", vec!["too_many_admins", "pending_invitation"]),
        ("callscaler", vec!["inactive_member"]),
        ("outreach", vec!["pending_invitation"]),
        (
            "project-members",
            vec!["no_backup_admin", "scope_without_owner"],
        ),
    ];
    for (preset, codes) in expected {
        let team = format!("examples/teams/{preset}.json");
        let out = rolegate(&["lint", preset, &team, "--now", "1790000000"]);
        assert!(out.status.success(), "{preset}: {}", stderr(&out));
        let text = stdout(&out);
        for code in &codes {
            assert!(
                text.contains(&format!("[{code}]")),
                "{preset}: no {code} in\n{text}"
            );
        }
        assert!(
            text.contains(&format!("findings: {} (", codes.len())),
            "{preset}:\n{text}"
        );
        let out = rolegate(&["lint", preset, &team, "--now", "1790000000", "--json"]);
        let findings: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(findings.as_array().unwrap().len(), codes.len());
    }
}

#[test]
fn team_apply_prints_the_new_team_and_event_or_the_denial() {
    let change = r#"{"type":"transfer_ownership","to":"amir"}"#;
    let out = rolegate(&[
        "team",
        "apply",
        "calilio",
        "examples/teams/calilio.json",
        "--actor",
        "olga",
        "--change",
        change,
        "--at",
        "1790000100",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(result["event"]["rule"], "team.transfer");
    assert_eq!(result["event"]["at"], 1790000100);
    let members = result["team"]["members"].as_array().unwrap();
    let role = |id: &str| members.iter().find(|m| m["id"] == id).unwrap()["role"].clone();
    assert_eq!(role("amir"), "owner");
    assert_eq!(role("olga"), "admin");
    let out = rolegate(&[
        "team",
        "apply",
        "calilio",
        "examples/teams/calilio.json",
        "--actor",
        "amir",
        "--change",
        r#"{"type":"remove","member":"olga"}"#,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(result["denied"]["reason"], "owner_protected");
    let out = rolegate(&[
        "team",
        "apply",
        "calilio",
        "examples/teams/calilio.json",
        "--actor",
        "olga",
        "--change",
        r#"{"type":"fly"}"#,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad_input"), "{}", stderr(&out));
}

#[test]
fn diff_lists_who_gains_and_who_loses_what() {
    let text = std::fs::read_to_string(root().join("presets/outreach.toml")).unwrap();
    let changed = text
        .replace(
            r#""message.retry", "test_email.send", "contact.upload""#,
            r#""message.retry", "sms.configure", "contact.upload""#,
        )
        .replace(
            "[roles.operations]",
            "[roles.auditor]\nscope = \"org\"\nallow = [\"cx.view\"]\n\n[roles.operations]",
        );
    assert_ne!(changed, text);
    let dir = std::env::temp_dir().join(format!("rolegate-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("outreach-v2.toml");
    std::fs::write(&file, changed).unwrap();
    let out = rolegate(&["diff", "outreach", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "+ `campaigner` gains `sms.configure` (No -> Yes)\n- `campaigner` loses `test_email.send` (Yes -> No)\n+ role `auditor` added\nchanges: 3\n"
    );
    let out = rolegate(&["diff", file.to_str().unwrap(), "outreach", "--json"]);
    let changes: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(changes[0]["kind"], "loses");
    assert_eq!(changes[2]["kind"], "role_removed");
    let out = rolegate(&["diff", "outreach", "outreach"]);
    assert_eq!(stdout(&out), "changes: 0\n");
}

#[test]
fn types_prints_typescript_unions_of_the_policy_names() {
    let out = rolegate(&["types", "callscaler"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains(
            "export type Role =\n  | \"owner\"\n  | \"admin\"\n  | \"member\"\n  | \"viewer\";\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("export type ScopeLevel =\n  | \"org\"\n  | \"business\";\n"),
        "{text}"
    );
    assert!(text.contains("  | \"number.view\""), "{text}");
    let out = rolegate(&["types", "callaro"]);
    assert!(
        stdout(&out).contains("export type Feature = never;\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn misspelled_actions_roles_and_scope_levels_get_a_did_you_mean() {
    let o = rolegate(&[
        "check",
        "outreach",
        "campagn.create",
        "-p",
        r#"{"id":"u1","roles":[{"role":"org_admin"}]}"#,
    ]);
    assert!(stdout(&o).contains("unknown_action"));
    assert!(
        stderr(&o).contains("did you mean `campaign.create`?"),
        "{}",
        stderr(&o)
    );
    let o = rolegate(&[
        "check",
        "callscaler",
        "number.view",
        "-p",
        r#"{"id":"u1","roles":[{"role":"ownr"}]}"#,
    ]);
    assert!(
        stderr(&o).contains("did you mean `owner`?"),
        "{}",
        stderr(&o)
    );
    let o = rolegate(&[
        "check",
        "callscaler",
        "number.view",
        "-p",
        r#"{"id":"u1","roles":[{"role":"owner"}]}"#,
        "-s",
        "bussiness:b1",
    ]);
    assert!(
        stderr(&o).contains("did you mean `business`?"),
        "{}",
        stderr(&o)
    );
    // The root level written as a segment names the root, not an empty level.
    let o = rolegate(&[
        "check",
        "callscaler",
        "number.view",
        "-p",
        r#"{"id":"u1","roles":[{"role":"owner","scope":"org:1"}]}"#,
    ]);
    assert!(
        stderr(&o).contains("`org` is the root level"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn plan_prints_the_plan_and_the_sql_of_the_fixtures() {
    // The first Calilio case of tests/fixtures/plans: a member's numbers.
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/plans/calilio.json")).unwrap(),
    )
    .unwrap();
    let case = &fixture["cases"][0];
    let principal = case["principal"].to_string();
    let tenant = case["tenant"].to_string();
    let columns = fixture["columns"].to_string();
    let out = rolegate(&[
        "plan",
        "calilio",
        "number.view",
        "number",
        "-p",
        &principal,
        "-t",
        &tenant,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan, case["plan"]);
    for (dialect, key) in [("postgres", "postgres"), ("sqlite", "sqlite")] {
        let out = rolegate(&[
            "plan",
            "calilio",
            "number.view",
            "number",
            "-p",
            &principal,
            "-t",
            &tenant,
            "--sql",
            dialect,
            "--columns",
            &columns,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(answer["plan"], case["plan"]);
        assert_eq!(answer["sql"], case[key]["sql"]);
        assert_eq!(answer["params"], case[key]["params"]);
    }
}

#[test]
fn plan_refuses_what_it_cannot_translate_and_bad_usage() {
    let member = r#"{"id":"u2","roles":[{"role":"member","scope":"org"}]}"#;
    // An attribute without a column: exit 1, with the code and the path into the plan.
    let out = rolegate(&[
        "plan",
        "calilio",
        "number.view",
        "number",
        "-p",
        member,
        "--sql",
        "--columns",
        r#"{"scope":"scope","attributes":{}}"#,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("error[unmapped_attribute] at condition.attr"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    // --sql needs a column map; an unreadable scope or column map is bad usage.
    let out = rolegate(&[
        "plan",
        "calilio",
        "number.view",
        "number",
        "-p",
        member,
        "--sql",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--columns"), "{}", stderr(&out));
    let out = rolegate(&[
        "plan",
        "calilio",
        "number.view",
        "number",
        "-p",
        member,
        "--scope",
        "team:t1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error[bad_scope] at scope"),
        "{}",
        stderr(&out)
    );
    let out = rolegate(&[
        "plan",
        "calilio",
        "number.view",
        "number",
        "-p",
        member,
        "--sql",
        "sqlite",
        "--columns",
        r#"{"attributes":{"assignee":"x; --"}}"#,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error[bad_input] at columns.attributes.assignee"),
        "{}",
        stderr(&out)
    );
}
