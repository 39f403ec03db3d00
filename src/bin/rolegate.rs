//! The `rolegate` command: validate, check, explain, print matrices and run fixtures.

use clap::{Arg, ArgAction, ArgMatches, Command};
use rolegate::fixtures::FixtureFile;
use rolegate::matrix::Matrix;
use rolegate::presets::{DEFAULT_PRESET, PRESETS, preset};
use rolegate::team::{Team, TeamChange};
use rolegate::{Format, Policy, PolicyErrors, Principal, Resource, Tenant};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Writes a line to standard output; a closed pipe (`rolegate ... | head`) ends quietly.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let result = writeln!(std::io::stdout().lock(), $($arg)*);
        written(result);
    }};
}

/// Like `out!`, without the newline.
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let result = write!(std::io::stdout().lock(), $($arg)*);
        written(result);
    }};
}

fn written(result: std::io::Result<()>) {
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("rolegate: cannot write to standard output: {e}");
        std::process::exit(i32::from(EXIT_USAGE));
    }
}

/// Exit code for bad usage or unreadable input.
const EXIT_USAGE: u8 = 2;
/// Exit code for a rejected policy or failed fixtures.
const EXIT_FAILED: u8 = 1;

struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }
    fn failed(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_FAILED,
            message: message.into(),
        }
    }
}

fn policy_arg() -> Arg {
    Arg::new("policy")
        .help("a policy file (.toml or .json) or a preset name")
        .default_value(DEFAULT_PRESET)
}

fn decision_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("policy")
            .help("a policy file (.toml or .json) or a preset name")
            .required(true),
    )
    .arg(
        Arg::new("action")
            .help("the action, like `campaign.create`")
            .required(true),
    )
    .arg(
        Arg::new("principal")
            .long("principal")
            .short('p')
            .help("the principal as JSON, or @file.json")
            .required(true),
    )
    .arg(
        Arg::new("tenant")
            .long("tenant")
            .short('t')
            .help("the tenant as JSON, or @file.json")
            .default_value(r#"{"id":"tenant"}"#),
    )
    .arg(
        Arg::new("resource")
            .long("resource")
            .short('r')
            .help("the resource as JSON, or @file.json")
            .conflicts_with("scope"),
    )
    .arg(
        Arg::new("scope")
            .long("scope")
            .short('s')
            .help("the scope acted in, like `workspace:w1`"),
    )
}

fn cli() -> Command {
    Command::new("rolegate")
        .version(env!("CARGO_PKG_VERSION"))
        .about("One role and permission policy, decided identically everywhere")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            Command::new("validate")
                .about("Check policy documents; print their errors and warnings")
                .arg(
                    Arg::new("policies")
                        .num_args(1..)
                        .required(true)
                        .help("policy files or preset names"),
                )
                .arg(
                    Arg::new("json")
                        .long("json")
                        .action(ArgAction::SetTrue)
                        .help("print diagnostics as JSON"),
                ),
        )
        .subcommand(decision_args(
            Command::new("check").about("Decide one request and print the decision as JSON"),
        ))
        .subcommand(decision_args(
            Command::new("explain").about("Decide one request and explain each step"),
        ))
        .subcommand(
            decision_args(
                Command::new("permissions")
                    .about("Print every action's decision at a scope, as JSON (the UI map)"),
            )
            .mut_arg("action", |a| a.required(false).hide(true)),
        )
        .subcommand(
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
        )
        .subcommand(
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
        )
        .subcommand(Command::new("presets").about("List the presets shipped with rolegate"))
        .subcommand(
            Command::new("diff")
                .about("Who gains and who loses what between two versions of a policy")
                .arg(Arg::new("old").required(true).help("the policy before (file or preset)"))
                .arg(Arg::new("new").required(true).help("the policy after (file or preset)"))
                .arg(Arg::new("json").long("json").action(ArgAction::SetTrue).help("print the changes as JSON")),
        )
        .subcommand(
            Command::new("types")
                .about("Print TypeScript unions of the policy's actions, roles, levels, features and plans")
                .arg(policy_arg()),
        )
        .subcommand(
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
        )
        .subcommand(
            Command::new("lint")
                .about("Check a team against the policy's hygiene checklist")
                .arg(Arg::new("policy").required(true).help("a policy file or a preset name"))
                .arg(Arg::new("team").required(true).help("the team, a JSON file"))
                .arg(Arg::new("now").long("now").help("the time to judge inactivity at, seconds since 1970 (default: now)"))
                .arg(Arg::new("json").long("json").action(ArgAction::SetTrue).help("print the findings as JSON")),
        )
        .subcommand(
            Command::new("batch")
                .about("Decide requests read as JSON lines from standard input; print one decision per line")
                .long_about(
                    "Each input line is {\"principal\": ..., \"tenant\": ..., \"action\": ..., \"resource\": ...}; \
                     each output line is the decision, or {\"error\": {code, path, message}} for rejected inputs",
                )
                .arg(policy_arg()),
        )
        .subcommand(
            Command::new("export")
                .about("Print a policy document as JSON (after validating it)")
                .arg(policy_arg()),
        )
}

fn render_errors(source: &str, errors: &PolicyErrors) -> String {
    errors
        .iter()
        .map(|d| format!("{source}: {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads a policy from a file, or from a preset when no such file exists.
fn load_policy(arg: &str, relative_to: Option<&Path>) -> Result<(String, Policy), Failure> {
    let path = match relative_to {
        Some(dir) if Path::new(arg).is_relative() => dir.join(arg),
        _ => PathBuf::from(arg),
    };
    let (source, text, format) = if path.is_file() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Failure::usage(format!("cannot read `{}`: {e}", path.display())))?;
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            _ => Format::Toml,
        };
        (path.display().to_string(), text, format)
    } else if let Some(text) = preset(arg) {
        (format!("preset `{arg}`"), text.to_owned(), Format::Toml)
    } else {
        let names: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
        return Err(Failure::usage(format!(
            "`{arg}` is neither a policy file nor a preset (presets: {})",
            names.join(", ")
        )));
    };
    let policy = Policy::from_text(&text, format)
        .map_err(|errors| Failure::failed(render_errors(&source, &errors)))?;
    Ok((source, policy))
}

fn json_arg<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> Result<T, Failure> {
    let text = match raw.strip_prefix('@') {
        Some(file) => std::fs::read_to_string(file)
            .map_err(|e| Failure::usage(format!("cannot read {what} file `{file}`: {e}")))?,
        None => raw.to_owned(),
    };
    serde_json::from_str(&text).map_err(|e| Failure::usage(format!("{what} is not valid: {e}")))
}

fn validate(m: &ArgMatches) -> Result<(), Failure> {
    let json = m.get_flag("json");
    let mut failed = false;
    let mut report = Vec::new();
    for arg in m.get_many::<String>("policies").into_iter().flatten() {
        match load_policy(arg, None) {
            Ok((source, policy)) => {
                if json {
                    report.push(serde_json::json!({ "source": source, "ok": true, "warnings": policy.warnings() }));
                } else {
                    out!(
                        "ok: {source} ({} actions, {} roles, {} rules)",
                        policy.actions().len(),
                        policy.roles().len(),
                        policy.document().rules.len()
                    );
                    for w in policy.warnings() {
                        out!("{source}: {w}");
                    }
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

#[derive(PartialEq)]
enum Mode {
    Check,
    Explain,
    Permissions,
}

fn decide(m: &ArgMatches, mode: Mode) -> Result<(), Failure> {
    let policy_name = m.get_one::<String>("policy").map_or("", String::as_str);
    let (_, policy) = load_policy(policy_name, None)?;
    let principal: Principal = json_arg(
        "principal",
        m.get_one::<String>("principal").map_or("", String::as_str),
    )?;
    let tenant: Tenant = json_arg(
        "tenant",
        m.get_one::<String>("tenant").map_or("{}", String::as_str),
    )?;
    let resource = match (
        m.get_one::<String>("resource"),
        m.get_one::<String>("scope"),
    ) {
        (Some(raw), _) => json_arg("resource", raw)?,
        (None, Some(scope)) => Resource::at(scope.clone()),
        (None, None) => Resource::default(),
    };
    let session = policy
        .session(&principal, &tenant)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let action = m.get_one::<String>("action").map_or("", String::as_str);
    if mode == Mode::Permissions {
        let map: serde_json::Map<String, serde_json::Value> = session
            .permissions_for(&resource)
            .into_iter()
            .map(|(a, d)| (a.to_string(), serde_json::to_value(&d).unwrap_or_default()))
            .collect();
        let text = serde_json::to_string_pretty(&map)
            .map_err(|e| Failure::usage(format!("cannot print the decisions: {e}")))?;
        out!("{text}");
    } else if mode == Mode::Explain {
        out_raw!("{}", session.explain(action, &resource));
    } else {
        let decision = session.check(action, &resource);
        let text = serde_json::to_string_pretty(&decision)
            .map_err(|e| Failure::usage(format!("cannot print the decision: {e}")))?;
        out!("{text}");
    }
    Ok(())
}

fn matrix(m: &ArgMatches) -> Result<(), Failure> {
    let (_, policy) = load_policy(
        m.get_one::<String>("policy")
            .map_or(DEFAULT_PRESET, String::as_str),
        None,
    )?;
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

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    principal: Principal,
    tenant: Tenant,
    action: String,
    #[serde(default)]
    resource: Resource,
}

fn batch(m: &ArgMatches) -> Result<(), Failure> {
    use std::io::{BufRead, Write};
    let (_, policy) = load_policy(
        m.get_one::<String>("policy")
            .map_or(DEFAULT_PRESET, String::as_str),
        None,
    )?;
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let request: BatchRequest = serde_json::from_str(&line)
            .map_err(|e| Failure::usage(format!("line {}: not a request: {e}", n + 1)))?;
        let answer = match policy.session(&request.principal, &request.tenant) {
            Ok(session) => {
                serde_json::to_string(&session.check(&request.action, &request.resource))
            }
            Err(e) => serde_json::to_string(&serde_json::json!({ "error": e })),
        }
        .map_err(|e| Failure::usage(format!("cannot print a decision: {e}")))?;
        writeln!(out, "{answer}").map_err(|e| Failure::usage(format!("cannot write: {e}")))?;
    }
    out.flush()
        .map_err(|e| Failure::usage(format!("cannot write: {e}")))?;
    Ok(())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn time_arg(m: &ArgMatches, name: &str) -> Result<u64, Failure> {
    match m.get_one::<String>(name) {
        None => Ok(now()),
        Some(text) => text.parse().map_err(|_| {
            Failure::usage(format!(
                "--{name} `{text}` is not a time in seconds since 1970"
            ))
        }),
    }
}

fn read_team(path: &str) -> Result<Team, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read `{path}`: {e}")))?;
    Team::from_json(&text).map_err(|e| Failure::usage(format!("{path}: {e}")))
}

fn team_apply(m: &ArgMatches) -> Result<(), Failure> {
    let (_, policy) = load_policy(
        m.get_one::<String>("policy").map_or("", String::as_str),
        None,
    )?;
    let team_path = m.get_one::<String>("team").map_or("", String::as_str);
    let team = read_team(team_path)?;
    let raw = m.get_one::<String>("change").map_or("", String::as_str);
    let text = match raw.strip_prefix('@') {
        Some(file) => std::fs::read_to_string(file)
            .map_err(|e| Failure::usage(format!("cannot read change file `{file}`: {e}")))?,
        None => raw.to_owned(),
    };
    let change = TeamChange::from_json(&text).map_err(|e| Failure::usage(e.to_string()))?;
    let tenant: Tenant = json_arg(
        "tenant",
        m.get_one::<String>("tenant").map_or("{}", String::as_str),
    )?;
    let actor = m.get_one::<String>("actor").map_or("", String::as_str);
    let at = time_arg(m, "at")?;
    match policy.apply(&team, &tenant, actor, &change, at) {
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

fn lint(m: &ArgMatches) -> Result<(), Failure> {
    let (_, policy) = load_policy(
        m.get_one::<String>("policy").map_or("", String::as_str),
        None,
    )?;
    let team = read_team(m.get_one::<String>("team").map_or("", String::as_str))?;
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
        .filter(|f| f.severity == rolegate::team::FindingSeverity::Warning)
        .count();
    out!(
        "findings: {} ({warnings} warning{}, {} note{})",
        findings.len(),
        if warnings == 1 { "" } else { "s" },
        findings.len() - warnings,
        if findings.len() - warnings == 1 {
            ""
        } else {
            "s"
        }
    );
    Ok(())
}

fn diff(m: &ArgMatches) -> Result<(), Failure> {
    let (_, old) = load_policy(m.get_one::<String>("old").map_or("", String::as_str), None)?;
    let (_, new) = load_policy(m.get_one::<String>("new").map_or("", String::as_str), None)?;
    let changes = rolegate::matrix::diff(&old, &new);
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

fn export(m: &ArgMatches) -> Result<(), Failure> {
    let (_, policy) = load_policy(
        m.get_one::<String>("policy")
            .map_or(DEFAULT_PRESET, String::as_str),
        None,
    )?;
    let text = serde_json::to_string_pretty(policy.document())
        .map_err(|e| Failure::usage(format!("cannot print the document: {e}")))?;
    out!("{text}");
    Ok(())
}

fn test(m: &ArgMatches) -> Result<(), Failure> {
    let verbose = m.get_flag("verbose");
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut report = serde_json::Map::new();
    for file in m.get_many::<String>("fixtures").into_iter().flatten() {
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
            .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
        report.insert(
            name,
            serde_json::Value::Array(
                results
                    .iter()
                    .map(|r| serde_json::to_value(&r.decision).unwrap_or_default())
                    .collect(),
            ),
        );
        let file_failed = results.iter().filter(|r| !r.passed()).count();
        for r in &results {
            if !r.passed() {
                out!("FAIL {file}: {}", r.name);
                for f in &r.failures {
                    out!("     {f}");
                }
            } else if verbose {
                let d = r
                    .decision
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                out!("ok   {file}: {} -> {d}", r.name);
            }
        }
        out!("{file}: {} cases, {} failed", results.len(), file_failed);
        passed += results.len() - file_failed;
        failed += file_failed;
    }
    if let Some(target) = m.get_one::<String>("report") {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        std::fs::write(target, text + "\n")
            .map_err(|e| Failure::usage(format!("cannot write `{target}`: {e}")))?;
    }
    out!("{passed} passed, {failed} failed");
    if failed > 0 {
        return Err(Failure::failed(format!("{failed} fixture cases failed")));
    }
    Ok(())
}

fn main() -> ExitCode {
    let matches = match cli().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let result = match matches.subcommand() {
        Some(("validate", m)) => validate(m),
        Some(("check", m)) => decide(m, Mode::Check),
        Some(("explain", m)) => decide(m, Mode::Explain),
        Some(("permissions", m)) => decide(m, Mode::Permissions),
        Some(("matrix", m)) => matrix(m),
        Some(("test", m)) => test(m),
        Some(("export", m)) => export(m),
        Some(("diff", m)) => diff(m),
        Some(("types", m)) => load_policy(
            m.get_one::<String>("policy")
                .map_or(DEFAULT_PRESET, String::as_str),
            None,
        )
        .map(|(_, policy)| out_raw!("{}", rolegate::matrix::typescript(&policy))),
        Some(("batch", m)) => batch(m),
        Some(("team", m)) => match m.subcommand() {
            Some(("apply", m)) => team_apply(m),
            _ => Err(Failure::usage(
                "unknown team command: see `rolegate team --help`",
            )),
        },
        Some(("lint", m)) => lint(m),
        Some(("presets", _)) => {
            for (name, _) in PRESETS {
                out!("{name}");
            }
            Ok(())
        }
        _ => Err(Failure::usage("unknown command: see `rolegate --help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("{}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}
