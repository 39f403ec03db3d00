//! Reading a command's inputs: policies (files or presets), principals, tenants, resources
//! and times. Principals, tenants and resources go through the same readers as the npm
//! package, so both give the same error, with the same code and path, for the same input.

use crate::output::Failure;
use clap::{Arg, ArgMatches};
use rolegate::presets::{PRESETS, preset};
use rolegate::{Format, Policy, PolicyErrors, Principal, Resource, Tenant};
use std::path::{Path, PathBuf};

/// The positional `policy` argument of the commands that default to the default preset.
pub(crate) fn policy_arg() -> Arg {
    Arg::new("policy")
        .help("a policy file (.toml or .json), an artifact of `rolegate build`, or a preset name")
        .default_value(rolegate::presets::DEFAULT_PRESET)
}

/// The string value of an argument, or `""` when absent (clap fills defaults and
/// required arguments before a command runs).
pub(crate) fn arg<'m>(m: &'m ArgMatches, name: &str) -> &'m str {
    m.get_one::<String>(name).map_or("", String::as_str)
}

fn render_errors(source: &str, errors: &PolicyErrors) -> String {
    errors
        .iter()
        .map(|d| format!("{source}: {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads a policy from a file (TOML, JSON, or an artifact of `rolegate build`, told by its
/// first bytes), or from a preset when no such file exists; returns how to name its source
/// in messages, and the policy.
pub(crate) fn load_policy(
    arg: &str,
    relative_to: Option<&Path>,
) -> Result<(String, Policy), Failure> {
    let path = match relative_to {
        Some(dir) if Path::new(arg).is_relative() => dir.join(arg),
        _ => PathBuf::from(arg),
    };
    let (source, text, format) = if path.is_file() {
        let bytes = std::fs::read(&path)
            .map_err(|e| Failure::usage(format!("cannot read `{}`: {e}", path.display())))?;
        let source = path.display().to_string();
        if bytes.starts_with(b"rolegate") {
            let policy = Policy::from_artifact(&bytes)
                .map_err(|errors| Failure::failed(render_errors(&source, &errors)))?;
            return Ok((source, policy));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            Failure::usage(format!(
                "`{}` is neither UTF-8 text nor a policy artifact",
                path.display()
            ))
        })?;
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            _ => Format::Toml,
        };
        (source, text, format)
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

/// The text of an argument given inline, or read from a file when written `@file.json`.
pub(crate) fn inline_or_file(what: &str, raw: &str) -> Result<String, Failure> {
    match raw.strip_prefix('@') {
        Some(file) => std::fs::read_to_string(file)
            .map_err(|e| Failure::usage(format!("cannot read {what} file `{file}`: {e}"))),
        None => Ok(raw.to_owned()),
    }
}

/// A JSON input given as a file path, `@file`, or inline text.
pub(crate) fn file_or_inline(what: &str, raw: &str) -> Result<String, Failure> {
    if !raw.starts_with('@') && std::path::Path::new(raw).is_file() {
        return std::fs::read_to_string(raw)
            .map_err(|e| Failure::usage(format!("cannot read {what} file `{raw}`: {e}")));
    }
    inline_or_file(what, raw)
}

/// A principal argument (JSON, or `@file.json`).
pub(crate) fn principal(raw: &str) -> Result<Principal, Failure> {
    let text = inline_or_file("principal", raw)?;
    Principal::from_json(&text).map_err(|e| Failure::usage(e.to_string()))
}

/// A tenant argument (JSON, or `@file.json`).
pub(crate) fn tenant(raw: &str) -> Result<Tenant, Failure> {
    let text = inline_or_file("tenant", raw)?;
    Tenant::from_json(&text).map_err(|e| Failure::usage(e.to_string()))
}

/// A resource argument (JSON, or `@file.json`).
pub(crate) fn resource(raw: &str) -> Result<Resource, Failure> {
    let text = inline_or_file("resource", raw)?;
    Resource::from_json(&text).map_err(|e| Failure::usage(e.to_string()))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A time argument in seconds since 1970; now when absent.
pub(crate) fn time_arg(m: &ArgMatches, name: &str) -> Result<u64, Failure> {
    match m.get_one::<String>(name) {
        None => Ok(now()),
        Some(text) => text.parse().map_err(|_| {
            Failure::usage(format!(
                "--{name} `{text}` is not a time in seconds since 1970"
            ))
        }),
    }
}

/// The document of a policy read from text; an artifact holds only the compiled index.
pub(crate) fn document<'p>(
    source: &str,
    policy: &'p Policy,
) -> Result<&'p rolegate::document::Document, Failure> {
    policy.document().ok_or_else(|| {
        Failure::usage(format!(
            "{source} is an artifact: it holds the compiled policy, not its document; give the policy it was built from"
        ))
    })
}
