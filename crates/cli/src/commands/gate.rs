//! Requests through the route table: `gate` (decide one request), `routes` (the table with
//! the roles that reach each route) and `fingerprint` (the policy's hash).

use crate::load::{arg, file_or_inline, load_policy, principal, tenant};
use crate::output::{Failure, Outcome, out};
use clap::{Arg, ArgMatches, Command};
use rolegate::matrix::{Cell, Matrix};
use rolegate::{Attrs, Resource, SessionOptions};

/// The commands of this group.
pub(crate) fn commands() -> Vec<Command> {
    vec![
        Command::new("gate")
            .about("Decide a request by its method and path through the policy's route table; print the answer as JSON")
            .long_about(
                "Prints {outcome, status, reason, action, route, params, resource, decision}. \
                 The outcome is allow, deny, locked, no_route (no route matches: refused) or origin \
                 (the decision needs the resource's attributes: give them with --resource-attrs)",
            )
            .arg(Arg::new("method").help("the request method, like GET").required(true))
            .arg(Arg::new("path").help("the request path, like /api/billing").required(true))
            .arg(
                Arg::new("policy")
                    .long("policy")
                    .help("a policy file (.toml, .json or an artifact of `rolegate build`) or a preset name")
                    .default_value(rolegate::presets::DEFAULT_PRESET),
            )
            .arg(
                Arg::new("principal")
                    .long("principal")
                    .short('p')
                    .help("the principal: a JSON file, @file.json, or JSON")
                    .required(true),
            )
            .arg(
                Arg::new("tenant")
                    .long("tenant")
                    .short('t')
                    .help("the tenant: a JSON file, @file.json, or JSON")
                    .default_value(r#"{"id":"tenant"}"#),
            )
            .arg(
                Arg::new("resource-attrs")
                    .long("resource-attrs")
                    .help("the loaded resource's attributes (a JSON object, file or @file), to finish an `origin` answer"),
            ),
        Command::new("routes")
            .about("Print the route table: each route's action, scope and the roles that reach it")
            .arg(crate::load::policy_arg())
            .arg(
                Arg::new("json")
                    .long("json")
                    .help("print JSON instead of a Markdown table")
                    .action(clap::ArgAction::SetTrue),
            ),
        Command::new("fingerprint")
            .about("Print the policy fingerprint (SHA-256 of its artifact), as gates send it")
            .arg(crate::load::policy_arg()),
    ]
}

/// Runs the command `name` if it belongs to this group.
pub(crate) fn run(name: &str, m: &ArgMatches) -> Option<Outcome> {
    Some(match name {
        "gate" => gate(m),
        "routes" => routes(m),
        "fingerprint" => fingerprint(m),
        _ => return None,
    })
}

fn gate(m: &ArgMatches) -> Outcome {
    let (_, policy) = load_policy(arg(m, "policy"), None)?;
    let principal = principal(&file_or_inline("principal", arg(m, "principal"))?)?;
    let tenant = tenant(&file_or_inline("tenant", arg(m, "tenant"))?)?;
    let session = policy
        .session_with(&principal, &tenant, SessionOptions::strict())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let mut answer = session.gate(arg(m, "method"), arg(m, "path"));
    if let Some(raw) = m.get_one::<String>("resource-attrs") {
        let text = file_or_inline("resource attributes", raw)?;
        let attrs: Attrs =
            Resource::attrs_from_json(&text).map_err(|e| Failure::usage(e.to_string()))?;
        answer = session.complete(&answer, attrs);
    }
    let json = serde_json::to_string_pretty(&answer)
        .map_err(|e| Failure::failed(format!("cannot write the answer: {e}")))?;
    out!("{json}");
    Ok(())
}

/// One row of `rolegate routes`.
#[derive(serde::Serialize)]
struct RouteRow {
    route: String,
    action: String,
    scope: String,
    resource: Option<String>,
    id: Option<String>,
    /// Roles whose grants reach the action.
    roles: Vec<String>,
    /// Roles that reach it only when a condition holds.
    conditional: Vec<String>,
}

fn routes(m: &ArgMatches) -> Outcome {
    let (_, policy) = load_policy(arg(m, "policy"), None)?;
    let matrix = Matrix::of(&policy);
    let root = policy.root_level().to_owned();
    let docs = policy.document().map(|d| &d.routes);
    let rows: Vec<RouteRow> = policy
        .routes()
        .iter()
        .map(|route| {
            let action = policy.actions().get(route.action).map_or("", |a| &*a.name);
            let cells = matrix.rows.iter().find(|r| r.action == action);
            let with = |want: Cell| -> Vec<String> {
                cells.map_or_else(Vec::new, |row| {
                    matrix
                        .roles
                        .iter()
                        .zip(&row.cells)
                        .filter(|(_, c)| **c == want)
                        .map(|(r, _)| r.clone())
                        .collect()
                })
            };
            // Templates as written where the document is at hand, else as compiled.
            let doc = docs.and_then(|d| d.get(&route.pattern));
            RouteRow {
                route: route.pattern.to_string(),
                action: action.to_owned(),
                scope: match doc {
                    Some(doc) => doc.scope.clone(),
                    None => route.scope_template(policy.levels()),
                }
                .unwrap_or_else(|| root.clone()),
                resource: route.resource.as_deref().map(str::to_owned),
                id: match doc {
                    Some(doc) => doc.id.clone(),
                    None => route.id_template(),
                },
                roles: with(Cell::Yes),
                conditional: with(Cell::Conditional),
            }
        })
        .collect();
    if m.get_flag("json") {
        let json = serde_json::to_string_pretty(&rows)
            .map_err(|e| Failure::failed(format!("cannot write the table: {e}")))?;
        out!("{json}");
        return Ok(());
    }
    if rows.is_empty() {
        out!("the policy has no routes");
        return Ok(());
    }
    out!("| route | action | scope | resource | roles |");
    out!("|---|---|---|---|---|");
    for r in rows {
        let mut roles = r.roles.join(", ");
        for c in &r.conditional {
            if !roles.is_empty() {
                roles.push_str(", ");
            }
            roles.push_str(c);
            roles.push_str(" (if)");
        }
        let resource = match (&r.resource, &r.id) {
            (Some(t), Some(id)) => format!("{t} {id}"),
            (Some(t), None) => t.clone(),
            (None, Some(id)) => id.clone(),
            (None, None) => String::new(),
        };
        out!(
            "| `{}` | `{}` | `{}` | {} | {} |",
            r.route,
            r.action,
            r.scope,
            resource,
            if roles.is_empty() { "none" } else { &roles }
        );
    }
    Ok(())
}

fn fingerprint(m: &ArgMatches) -> Outcome {
    let (_, policy) = load_policy(arg(m, "policy"), None)?;
    out!("{}", policy.fingerprint());
    Ok(())
}
