//! Token commands (`token keygen`, `token mint`, `token verify`): keys and signed tokens for
//! the gates' verified identity, through the `rolegate-token` crate (see docs/TOKENS.md).

use crate::load::{arg, inline_or_file, time_arg};
use crate::output::{Failure, Outcome, out};
use clap::{Arg, ArgMatches, Command};
use rolegate::{Principal, Tenant};
use rolegate_token::{Algorithm, TokenConfig, generate, mint};
use serde_json::{Map, Value};

/// The commands of this group.
pub(crate) fn commands() -> Vec<Command> {
    vec![
        Command::new("token")
            .about("Signing keys and signed tokens (JWT) for the gates' verified identity")
            .subcommand_required(true)
            .subcommand(
                Command::new("keygen")
                    .about("Generate a key pair as JWKs (prints {\"private\", \"public\"} unless written to files)")
                    .arg(Arg::new("alg").long("alg").required(true).value_parser(["HS256", "ES256", "EdDSA"]).help("the algorithm"))
                    .arg(Arg::new("kid").long("kid").help("the key id, put in both JWKs"))
                    .arg(Arg::new("out-private").long("out-private").help("write the private JWK to this file (created with mode 600)"))
                    .arg(Arg::new("out-public").long("out-public").help("write the public JWK to this file")),
            )
            .subcommand(
                Command::new("mint")
                    .about("Sign a token for a principal and tenant (test and demo tokens); print it")
                    .arg(Arg::new("key").long("key").required(true).help("the private JWK file"))
                    .arg(Arg::new("principal").long("principal").short('p').required(true).help("the principal: a JSON file (or @file, or inline JSON), as `rolegate check` reads it"))
                    .arg(Arg::new("tenant").long("tenant").short('t').required(true).help("the tenant: a JSON file (or @file, or inline JSON)"))
                    .arg(Arg::new("ttl").long("ttl").default_value("3600").help("seconds until the token expires"))
                    .arg(Arg::new("iss").long("iss").help("the issuer claim"))
                    .arg(Arg::new("aud").long("aud").help("the audience claim"))
                    .arg(Arg::new("now").long("now").help("the time of issue, seconds since 1970 (default: now)")),
            )
            .subcommand(
                Command::new("verify")
                    .about("Verify a token; print its subject, principal and tenant as JSON (exit 1 and the error code when refused)")
                    .arg(Arg::new("config").long("config").short('c').required(true).help("the verification configuration, a JSON file"))
                    .arg(Arg::new("now").long("now").help("the time to verify at, seconds since 1970 (default: now)"))
                    .arg(Arg::new("token").required(true).allow_hyphen_values(true).help("the token, or `-` to read it from standard input")),
            ),
    ]
}

/// Runs the command `name` if it belongs to this group.
pub(crate) fn run(name: &str, m: &ArgMatches) -> Option<Outcome> {
    if name != "token" {
        return None;
    }
    Some(match m.subcommand() {
        Some(("keygen", m)) => keygen(m),
        Some(("mint", m)) => mint_token(m),
        Some(("verify", m)) => verify(m),
        _ => Err(Failure::usage(
            "unknown token command: see `rolegate token --help`",
        )),
    })
}

fn keygen(m: &ArgMatches) -> Outcome {
    let alg = Algorithm::from_name(arg(m, "alg"))
        .ok_or_else(|| Failure::usage(format!("unsupported algorithm `{}`", arg(m, "alg"))))?;
    let kid = m.get_one::<String>("kid").map(String::as_str);
    let (private, public) = generate(alg, kid).map_err(|e| Failure::failed(e.to_string()))?;
    let private_file = m.get_one::<String>("out-private");
    let public_file = m.get_one::<String>("out-public");
    if let Some(file) = private_file {
        write_private(file, &private)?;
    }
    if let Some(file) = public_file {
        std::fs::write(file, public.clone() + "\n")
            .map_err(|e| Failure::usage(format!("cannot write `{file}`: {e}")))?;
    }
    match (private_file, public_file) {
        (None, None) => out!("{{\"private\":{private},\"public\":{public}}}"),
        (Some(_), None) => out!("{public}"),
        (None, Some(_)) => out!("{private}"),
        (Some(_), Some(_)) => {}
    }
    Ok(())
}

/// Writes a private key readable by its owner only (on Unix).
fn write_private(file: &str, jwk: &str) -> Outcome {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(file)
        .and_then(|mut f| f.write_all(format!("{jwk}\n").as_bytes()))
        .map_err(|e| Failure::usage(format!("cannot write `{file}`: {e}")))
}

/// A JSON input given as a file path, `@file`, or inline (starting with `{`).
fn json_input(what: &str, raw: &str) -> Result<String, Failure> {
    if raw.trim_start().starts_with('{') {
        return Ok(raw.to_owned());
    }
    inline_or_file(what, &format!("@{}", raw.strip_prefix('@').unwrap_or(raw)))
}

fn mint_token(m: &ArgMatches) -> Outcome {
    let key_file = arg(m, "key");
    let key = std::fs::read_to_string(key_file)
        .map_err(|e| Failure::usage(format!("cannot read key file `{key_file}`: {e}")))?;
    let kid = serde_json::from_str::<Value>(&key)
        .ok()
        .and_then(|jwk| jwk.get("kid").and_then(Value::as_str).map(str::to_owned));
    let principal = Principal::from_json(&json_input("principal", arg(m, "principal"))?)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let tenant = Tenant::from_json(&json_input("tenant", arg(m, "tenant"))?)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let ttl: u64 = arg(m, "ttl")
        .parse()
        .ok()
        .filter(|&t| t > 0)
        .ok_or_else(|| {
            Failure::usage(format!(
                "--ttl `{}` is not a positive number of seconds",
                arg(m, "ttl")
            ))
        })?;
    let now = time_arg(m, "now")?;
    let mut rolegate = Map::new();
    rolegate.insert("roles".into(), to_json(&principal.roles)?);
    if !principal.attrs.is_empty() {
        rolegate.insert("attrs".into(), to_json(&principal.attrs)?);
    }
    rolegate.insert("tenant".into(), to_json(&tenant)?);
    let mut claims = Map::new();
    claims.insert("sub".into(), Value::from(principal.id.clone()));
    claims.insert("iat".into(), Value::from(now));
    claims.insert("exp".into(), Value::from(now.saturating_add(ttl)));
    for name in ["iss", "aud"] {
        if let Some(value) = m.get_one::<String>(name) {
            claims.insert(name.into(), Value::from(value.as_str()));
        }
    }
    claims.insert("rolegate".into(), Value::Object(rolegate));
    let token = mint(&key, &Value::Object(claims), kid.as_deref())
        .map_err(|e| Failure::usage(format!("{key_file}: {e}")))?;
    out!("{token}");
    Ok(())
}

/// One of the engine's input values as a JSON value.
fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| Failure::failed(e.to_string()))
}

fn verify(m: &ArgMatches) -> Outcome {
    let config_file = arg(m, "config");
    let text = std::fs::read_to_string(config_file)
        .map_err(|e| Failure::usage(format!("cannot read `{config_file}`: {e}")))?;
    let config =
        TokenConfig::from_json(&text).map_err(|e| Failure::usage(format!("{config_file}: {e}")))?;
    let token = match arg(m, "token") {
        "-" => {
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
                .map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
            input.trim().to_owned()
        }
        token => token.to_owned(),
    };
    match config.verify(&token, time_arg(m, "now")?) {
        Ok(identity) => {
            let principal = serde_json::to_string(&identity.principal)
                .map_err(|e| Failure::failed(e.to_string()))?;
            let tenant = serde_json::to_string(&identity.tenant)
                .map_err(|e| Failure::failed(e.to_string()))?;
            out!(
                "{{\"subject\":{},\"principal\":{principal},\"tenant\":{tenant}}}",
                Value::from(identity.subject)
            );
            Ok(())
        }
        Err(e) => {
            let error =
                serde_json::json!({ "error": { "code": e.code.as_str(), "message": e.message } });
            out!("{error}");
            Err(Failure::failed(e.to_string()))
        }
    }
}
