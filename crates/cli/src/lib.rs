//! The `rolegate` command: validate policies, decide and explain requests, print the role
//! x action matrix, diff two policy versions, run decision fixtures, apply team changes and
//! lint teams; make and check the signed tokens of the gates.
//!
//! This crate holds the command line only; the engine is the `rolegate` crate, which
//! depends on no command-line or server library. One file per command group:
//!
//! | file | commands |
//! |---|---|
//! | `commands/policy.rs` | `validate`, `matrix`, `diff`, `types`, `export`, `presets` |
//! | `commands/decide.rs` | `check`, `explain`, `permissions`, `batch` |
//! | `commands/gate.rs` | `gate`, `routes`, `fingerprint` |
//! | `commands/team.rs` | `team apply`, `lint` |
//! | `commands/test.rs` | `test` (decision fixture files, see [`fixtures`]) |
//! | `commands/token.rs` | `token keygen`, `token mint`, `token verify` (the `rolegate-token` crate) |
//! | `commands/serve/` | `serve`: the interactive demo's server (the page, an API per preset behind the gate) |
//!
//! `load.rs` reads policies (files or presets) and inputs, through the same readers as the
//! npm package; `output.rs` holds the exit codes (0 ok, 1 rejected or failed, 2 bad usage).

mod commands;
pub mod fixtures;
mod load;
mod output;

use output::{EXIT_USAGE, Failure};
use std::process::ExitCode;

fn cli() -> clap::Command {
    clap::Command::new("rolegate")
        .version(env!("CARGO_PKG_VERSION"))
        .about("One role and permission policy, decided identically everywhere")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommands(commands::all())
}

/// Runs the command line of this process and returns its exit code.
pub fn run() -> ExitCode {
    let matches = match cli().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let result = match matches.subcommand() {
        Some((name, m)) => commands::run(name, m),
        None => Err(Failure::usage("unknown command: see `rolegate --help`")),
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
