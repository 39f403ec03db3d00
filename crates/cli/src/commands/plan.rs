//! Query plans: `plan` (which resources of a type a principal may act on, as a condition,
//! and as a parameterized SQL `WHERE` fragment with `--sql`).

use crate::load::{arg, file_or_inline, load_policy, principal, tenant};
use crate::output::{Failure, Outcome, out};
use clap::{Arg, ArgMatches, Command};
use rolegate::query::{Columns, Dialect, SqlWhere};
use rolegate::{QueryPlan, SessionOptions};

/// The commands of this group.
pub(crate) fn commands() -> Vec<Command> {
    vec![
        Command::new("plan")
            .about("Print which resources of a type a principal may act on: all, none (with the reason) or a condition (docs/PLANS.md)")
            .long_about(
                "Prints the query plan as JSON. With --sql (postgres, the default, or sqlite) and \
                 --columns, prints {plan, sql, params}: a WHERE fragment whose values are all \
                 parameters. An attribute or scope the plan reads without a column is an error",
            )
            .arg(
                Arg::new("policy")
                    .help("a policy file (.toml, .json or an artifact of `rolegate build`) or a preset name")
                    .required(true),
            )
            .arg(
                Arg::new("action")
                    .help("the action, like `number.view`")
                    .required(true),
            )
            .arg(
                Arg::new("type")
                    .help("the resource type, like `number`")
                    .required(true),
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
                Arg::new("scope")
                    .long("scope")
                    .short('s')
                    .help("the scope whose resources (at it and below) the plan covers; the tenant by default"),
            )
            .arg(
                Arg::new("sql")
                    .long("sql")
                    .help("also print the plan as a SQL WHERE fragment: postgres ($1) or sqlite (?)")
                    .num_args(0..=1)
                    .default_missing_value("postgres")
                    .value_parser(["postgres", "sqlite"]),
            )
            .arg(
                Arg::new("columns")
                    .long("columns")
                    .help("the column map for --sql: a JSON file, @file.json, or JSON: {\"scope\": ..., \"scope_level\": ..., \"attributes\": {name: column}}"),
            ),
    ]
}

/// Runs the command `name` if it belongs to this group.
pub(crate) fn run(name: &str, m: &ArgMatches) -> Option<Outcome> {
    Some(match name {
        "plan" => plan(m),
        _ => return None,
    })
}

/// What `plan --sql` prints.
#[derive(serde::Serialize)]
struct WithSql<'a> {
    plan: &'a QueryPlan,
    #[serde(flatten)]
    sql: SqlWhere,
}

fn plan(m: &ArgMatches) -> Outcome {
    let (_, policy) = load_policy(arg(m, "policy"), None)?;
    let principal = principal(&file_or_inline("principal", arg(m, "principal"))?)?;
    let tenant = tenant(&file_or_inline("tenant", arg(m, "tenant"))?)?;
    let session = policy
        .session_with(&principal, &tenant, SessionOptions::strict())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let scope = m.get_one::<String>("scope").map(String::as_str);
    let plan = session
        .plan(arg(m, "action"), arg(m, "type"), scope)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let json = match m.get_one::<String>("sql") {
        None => serde_json::to_string_pretty(&plan),
        Some(dialect) => {
            let dialect = Dialect::from_name(dialect).unwrap_or(Dialect::Postgres);
            let Some(raw) = m.get_one::<String>("columns") else {
                return Err(Failure::usage(
                    "--sql needs --columns: the column of each attribute the plan reads, and of the scope",
                ));
            };
            let columns = Columns::from_json(&file_or_inline("columns", raw)?)
                .map_err(|e| Failure::usage(e.to_string()))?;
            let sql = plan
                .to_sql(&columns, dialect)
                .map_err(|e| Failure::failed(e.to_string()))?;
            serde_json::to_string_pretty(&WithSql { plan: &plan, sql })
        }
    }
    .map_err(|e| Failure::failed(format!("cannot write the plan: {e}")))?;
    out!("{json}");
    Ok(())
}
