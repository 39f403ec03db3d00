//! Team commands: `team apply` (one change under the policy's team rules) and `lint` (the
//! hygiene checklist).

use super::policy::json_flag;
use crate::load::{arg, inline_or_file, load_policy, tenant, time_arg};
use crate::output::{Failure, Outcome, out};
use clap::{Arg, ArgAction, ArgMatches, Command};
use rolegate::team::{FindingSeverity, Team, TeamChange};

/// The commands of this group.
pub(crate) fn commands() -> Vec<Command> {
    vec![
        Command::new("team")
            .about("Team changes under the policy's team rules")
            .subcommand_required(true)
            .subcommand(
                Command::new("apply")
                    .about("Apply one change to a team file; print the new team and the audit event as JSON (exit 1 when refused)")
                    .arg(Arg::new("policy").required(true).help("a policy file or a preset name"))
                    .arg(Arg::new("team").required(true).help("the team, a JSON file"))
                    .arg(Arg::new("actor").long("actor").short('a').required(true).help("the member making the change"))
                    .arg(Arg::new("change").long("change").short('c').required(true).help("the change as JSON, or @file.json"))
                    .arg(Arg::new("tenant").long("tenant").short('t').default_value(r#"{"id":"tenant"}"#).help("the tenant as JSON (its plan sets the limits)"))
                    .arg(Arg::new("at").long("at").help("the time of the change, seconds since 1970 (default: now)"))
                    .arg(Arg::new("write").long("write").action(ArgAction::SetTrue).help("write the new team back to the team file")),
            ),
        Command::new("lint")
            .about("Check a team against the policy's hygiene checklist")
            .arg(Arg::new("policy").required(true).help("a policy file or a preset name"))
            .arg(Arg::new("team").required(true).help("the team, a JSON file"))
            .arg(Arg::new("now").long("now").help("the time to judge inactivity at, seconds since 1970 (default: now)"))
            .arg(json_flag("print the findings as JSON")),
    ]
}

/// Runs the command `name` if it belongs to this group.
pub(crate) fn run(name: &str, m: &ArgMatches) -> Option<Outcome> {
    Some(match name {
        "team" => match m.subcommand() {
            Some(("apply", m)) => apply(m),
            _ => Err(Failure::usage(
                "unknown team command: see `rolegate team --help`",
            )),
        },
        "lint" => lint(m),
        _ => return None,
    })
}

fn read_team(path: &str) -> Result<Team, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read `{path}`: {e}")))?;
    Team::from_json(&text).map_err(|e| Failure::usage(format!("{path}: {e}")))
}

fn apply(m: &ArgMatches) -> Outcome {
    let (_, policy) = load_policy(arg(m, "policy"), None)?;
    let team_path = arg(m, "team");
    let team = read_team(team_path)?;
    let text = inline_or_file("change", arg(m, "change"))?;
    let change = TeamChange::from_json(&text).map_err(|e| Failure::usage(e.to_string()))?;
    let tenant = tenant(arg(m, "tenant"))?;
    let at = time_arg(m, "at")?;
    match policy.apply(&team, &tenant, arg(m, "actor"), &change, at) {
        Ok((next, event)) => {
            if m.get_flag("write") {
                std::fs::write(team_path, next.to_json() + "\n")
                    .map_err(|e| Failure::usage(format!("cannot write `{team_path}`: {e}")))?;
            }
            out!(
                "{{\"team\":{},\"event\":{}}}",
                next.to_json(),
                event.to_json()
            );
            Ok(())
        }
        Err(denial) => {
            out!("{{\"denied\":{}}}", denial.to_json());
            Err(Failure::failed(denial.to_string()))
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn lint(m: &ArgMatches) -> Outcome {
    let (_, policy) = load_policy(arg(m, "policy"), None)?;
    let team = read_team(arg(m, "team"))?;
    let findings = policy.lint(&team, time_arg(m, "now")?);
    if m.get_flag("json") {
        out!("{}", rolegate::team::findings_to_json(&findings));
        return Ok(());
    }
    for f in &findings {
        out!("{f}");
    }
    let warnings = findings
        .iter()
        .filter(|f| f.severity == FindingSeverity::Warning)
        .count();
    out!(
        "findings: {} ({}, {})",
        findings.len(),
        plural(warnings, "warning"),
        plural(findings.len() - warnings, "note")
    );
    Ok(())
}
