//! The command groups; each lists its commands and runs the ones that are its own.

mod decide;
mod gate;
mod plan;
mod policy;
mod serve;
mod team;
mod test;
mod token;

use crate::output::{Failure, Outcome};
use clap::{ArgMatches, Command};

/// Every command, in the order `rolegate --help` lists them.
pub(crate) fn all() -> Vec<Command> {
    let mut commands = policy::commands();
    commands.extend(decide::commands());
    commands.extend(gate::commands());
    commands.extend(plan::commands());
    commands.extend(team::commands());
    commands.extend(test::commands());
    commands.extend(token::commands());
    commands.extend(serve::commands());
    commands
}

/// Runs the command `name`.
pub(crate) fn run(name: &str, m: &ArgMatches) -> Outcome {
    policy::run(name, m)
        .or_else(|| decide::run(name, m))
        .or_else(|| gate::run(name, m))
        .or_else(|| plan::run(name, m))
        .or_else(|| team::run(name, m))
        .or_else(|| test::run(name, m))
        .or_else(|| token::run(name, m))
        .or_else(|| serve::run(name, m))
        .unwrap_or_else(|| Err(Failure::usage("unknown command: see `rolegate --help`")))
}
