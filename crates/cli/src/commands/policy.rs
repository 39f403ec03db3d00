//! Commands about a policy as a whole: `validate`, `build`, `matrix`, `diff`, `types`,
//! `export` and `presets`.

use crate::load::{arg, load_policy, policy_arg};
use crate::output::{EXIT_FAILED, Failure, Outcome, out, out_raw};
use clap::{Arg, ArgAction, ArgMatches, Command};
use rolegate::matrix::Matrix;
use rolegate::presets::PRESETS;

/// The commands of this group.
pub(crate) fn commands() -> Vec<Command> {
    vec![
        Command::new("validate")
            .about("Check policy documents; print their errors and warnings")
            .arg(
                Arg::new("policies")
                    .num_args(1..)
                    .required(true)
                    .help("policy files or preset names"),
            )
            .arg(json_flag("print diagnostics as JSON")),
        Command::new("build")
            .about("Compile a policy into its artifact, what pages, edge functions and backends load without reading text")
            .long_about(
                "Writes the compiled policy in its compact, versioned binary form (docs/ARTIFACT.md). \
                 `Policy.load` (npm) and `Policy::from_artifact` (Rust) load it; every command \
                 that takes a policy takes it too. Prints the size and the fingerprint (the \
                 artifact's SHA-256).",
            )
            .arg(policy_arg())
            .arg(
                Arg::new("output")
                    .long("output")
                    .short('o')
                    .required(true)
                    .value_name("FILE")
                    .help("where to write the artifact"),
            ),
        Command::new("matrix")
            .about("Print the role x action matrix")
            .arg(policy_arg())
            .arg(
                Arg::new("format")
                    .long("format")
                    .short('f')
                    .value_parser(["markdown", "csv", "html", "json"])
                    .default_value("markdown"),
            ),
        Command::new("presets").about("List the presets shipped with rolegate"),
        Command::new("diff")
            .about("Who gains and who loses what between two versions of a policy")
            .arg(Arg::new("old").required(true).help("the policy before (file or preset)"))
            .arg(Arg::new("new").required(true).help("the policy after (file or preset)"))
            .arg(json_flag("print the changes as JSON")),
        Command::new("types")
            .about("Print TypeScript unions of the policy's actions, roles, levels, features and plans")
            .arg(policy_arg()),
        Command::new("export")
            .about("Print a policy document as JSON (after validating it)")
            .arg(policy_arg()),
    ]
}

/// Runs the command `name` if it belongs to this group.
pub(crate) fn run(name: &str, m: &ArgMatches) -> Option<Outcome> {
    Some(match name {
        "validate" => validate(m),
        "build" => build(m),
        "matrix" => matrix(m),
        "presets" => {
            for (name, _) in PRESETS {
                out!("{name}");
            }
            Ok(())
        }
        "diff" => diff(m),
        "types" => load_policy(arg(m, "policy"), None)
            .map(|(_, policy)| out_raw!("{}", rolegate::typescript::unions(&policy))),
        "export" => export(m),
        _ => return None,
    })
}

/// A `--json` switch.
pub(crate) fn json_flag(help: &'static str) -> Arg {
    Arg::new("json")
        .long("json")
        .action(ArgAction::SetTrue)
        .help(help)
}

fn validate(m: &ArgMatches) -> Outcome {
    let json = m.get_flag("json");
    let mut failed = false;
    let mut report = Vec::new();
    for arg in m.get_many::<String>("policies").into_iter().flatten() {
        match load_policy(arg, None) {
            Ok((source, policy)) if json => report.push(
                serde_json::json!({ "source": source, "ok": true, "warnings": policy.warnings() }),
            ),
            Ok((source, policy)) => {
                out!(
                    "ok: {source} ({} actions, {} roles, {} rules)",
                    policy.actions().len(),
                    policy.roles().len(),
                    policy.rules().len()
                );
                for w in policy.warnings() {
                    out!("{source}: {w}");
                }
            }
            Err(f) if f.code == EXIT_FAILED => {
                failed = true;
                if json {
                    report.push(
                        serde_json::json!({ "source": arg, "ok": false, "message": f.message }),
                    );
                } else {
                    eprintln!("{}", f.message);
                }
            }
            Err(f) => return Err(f),
        }
    }
    if json {
        out!("{}", serde_json::Value::Array(report));
    }
    if failed {
        return Err(Failure::failed("some policies were rejected"));
    }
    Ok(())
}

fn matrix(m: &ArgMatches) -> Outcome {
    let (_, policy) = load_policy(arg(m, "policy"), None)?;
    let matrix = Matrix::of(&policy);
    let out = match m.get_one::<String>("format").map(String::as_str) {
        Some("csv") => matrix.to_csv(),
        Some("html") => matrix.to_html(),
        Some("json") => serde_json::to_string_pretty(&matrix).unwrap_or_default() + "\n",
        _ => matrix.to_markdown(),
    };
    out_raw!("{out}");
    Ok(())
}

fn diff(m: &ArgMatches) -> Outcome {
    let (_, old) = load_policy(arg(m, "old"), None)?;
    let (_, new) = load_policy(arg(m, "new"), None)?;
    let changes = rolegate::diff::diff(&old, &new);
    if m.get_flag("json") {
        let text = serde_json::to_string_pretty(&changes)
            .map_err(|e| Failure::usage(format!("cannot print the changes: {e}")))?;
        out!("{text}");
        return Ok(());
    }
    for change in &changes {
        out!("{change}");
    }
    out!("changes: {}", changes.len());
    Ok(())
}

fn export(m: &ArgMatches) -> Outcome {
    let (source, policy) = load_policy(arg(m, "policy"), None)?;
    let text = serde_json::to_string_pretty(crate::load::document(&source, &policy)?)
        .map_err(|e| Failure::usage(format!("cannot print the document: {e}")))?;
    out!("{text}");
    Ok(())
}

fn build(m: &ArgMatches) -> Outcome {
    let (source, policy) = load_policy(arg(m, "policy"), None)?;
    let output = arg(m, "output");
    let artifact = policy.to_artifact();
    std::fs::write(output, &artifact)
        .map_err(|e| Failure::usage(format!("cannot write `{output}`: {e}")))?;
    out!(
        "{source} -> {output}: {} bytes, fingerprint {}",
        artifact.len(),
        policy.fingerprint()
    );
    Ok(())
}
