//! `rolegate test`: runs decision fixture files (the format of [`crate::fixtures`]) and
//! reports every failing case; `--report` writes every case's decision as JSON.

use crate::fixtures::FixtureFile;
use crate::load::load_policy;
use crate::output::{Failure, Outcome, out};
use clap::{Arg, ArgAction, ArgMatches, Command};
use std::path::Path;

/// The commands of this group.
pub(crate) fn commands() -> Vec<Command> {
    vec![
        Command::new("test")
            .about("Run decision fixture files; exit 1 when a case fails")
            .arg(
                Arg::new("fixtures")
                    .num_args(1..)
                    .required(true)
                    .help("fixture files (.json)"),
            )
            .arg(
                Arg::new("policy")
                    .long("policy")
                    .help("use this policy instead of the files' own"),
            )
            .arg(
                Arg::new("report")
                    .long("report")
                    .help("write every case's decision to this file, as JSON"),
            )
            .arg(
                Arg::new("verbose")
                    .long("verbose")
                    .short('v')
                    .action(ArgAction::SetTrue)
                    .help("list every case"),
            ),
    ]
}

/// Runs the command `name` if it belongs to this group.
pub(crate) fn run(name: &str, m: &ArgMatches) -> Option<Outcome> {
    (name == "test").then(|| test(m))
}

/// The counts of one or more fixture files, and every case's decision by file name.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    report: serde_json::Map<String, serde_json::Value>,
}

fn run_file(m: &ArgMatches, file: &str, tally: &mut Tally) -> Outcome {
    let path = Path::new(file);
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read `{file}`: {e}")))?;
    let fixtures =
        FixtureFile::from_json(&text).map_err(|e| Failure::usage(format!("{file}: {e}")))?;
    let policy_arg = m.get_one::<String>("policy").unwrap_or(&fixtures.policy);
    let base = path
        .parent()
        .filter(|_| m.get_one::<String>("policy").is_none());
    let (_, policy) = load_policy(policy_arg, base)?;
    let results = fixtures.run(&policy);
    let name = path
        .file_name()
        .map_or_else(|| file.to_owned(), |n| n.to_string_lossy().into_owned());
    let decisions = results
        .iter()
        .map(|r| serde_json::to_value(&r.decision).unwrap_or_default())
        .collect();
    tally
        .report
        .insert(name, serde_json::Value::Array(decisions));
    let file_failed = results.iter().filter(|r| !r.passed()).count();
    for r in &results {
        if !r.passed() {
            out!("FAIL {file}: {}", r.name);
            for f in &r.failures {
                out!("     {f}");
            }
        } else if m.get_flag("verbose") {
            let d = r
                .decision
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            out!("ok   {file}: {} -> {d}", r.name);
        }
    }
    out!("{file}: {} cases, {} failed", results.len(), file_failed);
    tally.passed += results.len() - file_failed;
    tally.failed += file_failed;
    Ok(())
}

fn test(m: &ArgMatches) -> Outcome {
    let mut tally = Tally::default();
    for file in m.get_many::<String>("fixtures").into_iter().flatten() {
        run_file(m, file, &mut tally)?;
    }
    if let Some(target) = m.get_one::<String>("report") {
        let text = serde_json::to_string_pretty(&tally.report).unwrap_or_default();
        std::fs::write(target, text + "\n")
            .map_err(|e| Failure::usage(format!("cannot write `{target}`: {e}")))?;
    }
    out!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed > 0 {
        return Err(Failure::failed(format!(
            "{} fixture cases failed",
            tally.failed
        )));
    }
    Ok(())
}
