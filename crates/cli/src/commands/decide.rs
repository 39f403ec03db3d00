//! Deciding requests: `check`, `explain`, `permissions` (the UI map) and `batch`.

use crate::load::{arg, load_policy, policy_arg, principal, resource, tenant};
use crate::output::{Failure, Outcome, out, out_raw};
use clap::{Arg, ArgMatches, Command};
use rolegate::{Principal, Resource, SessionOptions, Tenant};

/// The commands of this group.
pub(crate) fn commands() -> Vec<Command> {
    vec![
        decision_args(
            Command::new("check").about("Decide one request and print the decision as JSON"),
        ),
        decision_args(Command::new("explain").about("Decide one request and explain each step")),
        decision_args(
            Command::new("permissions")
                .about("Print every action's decision at a scope, as JSON (the UI map)"),
        )
        .mut_arg("action", |a| a.required(false).hide(true)),
        Command::new("batch")
            .about("Decide requests read as JSON lines from standard input; print one decision per line")
            .long_about(
                "Each input line is {\"principal\": ..., \"tenant\": ..., \"action\": ..., \"resource\": ...}; \
                 each output line is the decision, or {\"error\": {code, path, message}} for rejected inputs",
            )
            .arg(policy_arg()),
    ]
}

/// Runs the command `name` if it belongs to this group.
pub(crate) fn run(name: &str, m: &ArgMatches) -> Option<Outcome> {
    Some(match name {
        "check" => decide(m, Mode::Check),
        "explain" => decide(m, Mode::Explain),
        "permissions" => decide(m, Mode::Permissions),
        "batch" => batch(m),
        _ => return None,
    })
}

fn decision_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("policy")
            .help(
                "a policy file (.toml, .json or an artifact of `rolegate build`) or a preset name",
            )
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

#[derive(PartialEq)]
enum Mode {
    Check,
    Explain,
    Permissions,
}

fn decide(m: &ArgMatches, mode: Mode) -> Outcome {
    let (_, policy) = load_policy(arg(m, "policy"), None)?;
    let principal = principal(arg(m, "principal"))?;
    let tenant = tenant(arg(m, "tenant"))?;
    let resource = match (
        m.get_one::<String>("resource"),
        m.get_one::<String>("scope"),
    ) {
        (Some(raw), _) => resource(raw)?,
        (None, Some(scope)) => Resource::at(scope.clone()),
        (None, None) => Resource::default(),
    };
    let session = policy
        .session_with(&principal, &tenant, SessionOptions::strict())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let action = arg(m, "action");
    hint_unknown_names(&policy, action, &resource.scope);
    match mode {
        Mode::Permissions => {
            let map: serde_json::Map<String, serde_json::Value> = session
                .permissions_for(&resource)
                .into_iter()
                .map(|(a, d)| (a.to_string(), serde_json::to_value(&d).unwrap_or_default()))
                .collect();
            let text = serde_json::to_string_pretty(&map)
                .map_err(|e| Failure::usage(format!("cannot print the decisions: {e}")))?;
            out!("{text}");
        }
        Mode::Explain => out_raw!("{}", session.explain(action, &resource)),
        Mode::Check => {
            let decision = session.check(action, &resource);
            let text = serde_json::to_string_pretty(&decision)
                .map_err(|e| Failure::usage(format!("cannot print the decision: {e}")))?;
            out!("{text}");
        }
    }
    Ok(())
}

/// On standard error, "did you mean" for an action or a scope level the policy does not
/// have: the decision itself (`unknown_action`, `bad_scope`) stays what the engine says.
fn hint_unknown_names(policy: &rolegate::Policy, action: &str, scope: &str) {
    if policy.action_id(action).is_none() && !action.is_empty() {
        let hint =
            rolegate::suggest::did_you_mean(action, policy.actions().iter().map(|a| &*a.name));
        eprintln!("note: `{action}` is not an action of the policy{hint}");
    }
    for segment in scope.split('/').filter(|s| !s.is_empty()) {
        let level = segment.split_once(':').map_or(segment, |(l, _)| l);
        if !policy.levels().iter().any(|l| &*l.name == level) {
            let hint =
                rolegate::suggest::did_you_mean(level, policy.levels().iter().map(|l| &*l.name));
            eprintln!("note: `{level}` is not a scope level of the policy{hint}");
        }
    }
}

/// One line of `batch` input. The principal, tenant and resource are read by the
/// package's own readers, so a rejected one is answered with the same code and path.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    principal: serde_json::Value,
    tenant: serde_json::Value,
    action: String,
    #[serde(default)]
    resource: Option<serde_json::Value>,
}

fn batch_answer(policy: &rolegate::Policy, request: &BatchRequest) -> serde_json::Result<String> {
    let inputs = Principal::from_json(&request.principal.to_string()).and_then(|principal| {
        let tenant = Tenant::from_json(&request.tenant.to_string())?;
        let resource = match &request.resource {
            Some(raw) => Resource::from_json(&raw.to_string())?,
            None => Resource::default(),
        };
        let session = policy.session_with(&principal, &tenant, SessionOptions::strict())?;
        Ok(session.check(&request.action, &resource))
    });
    match inputs {
        Ok(decision) => serde_json::to_string(&decision),
        Err(e) => serde_json::to_string(&serde_json::json!({ "error": e })),
    }
}

fn batch(m: &ArgMatches) -> Outcome {
    use std::io::{BufRead, Write};
    let (_, policy) = load_policy(arg(m, "policy"), None)?;
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let request: BatchRequest = serde_json::from_str(&line)
            .map_err(|e| Failure::usage(format!("line {}: not a request: {e}", n + 1)))?;
        let answer = batch_answer(&policy, &request)
            .map_err(|e| Failure::usage(format!("cannot print a decision: {e}")))?;
        writeln!(out, "{answer}").map_err(|e| Failure::usage(format!("cannot write: {e}")))?;
    }
    out.flush()
        .map_err(|e| Failure::usage(format!("cannot write: {e}")))?;
    Ok(())
}
