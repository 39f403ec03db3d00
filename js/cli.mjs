#!/usr/bin/env node
// `npx rolegate`: the package's own command, for teams that work in JavaScript only. It
// runs on the package's full engine (the same one as `import "rolegate"` in Node) and
// answers as the `rolegate` command of the Rust crate does for the same commands: the same
// artifact bytes, fingerprints, error codes and decisions.
//
//   npx rolegate build policy.json -o public/policy.rolegate
//   npx rolegate validate policy.json
//   npx rolegate fingerprint policy.json
//   npx rolegate check policy.json campaign.create -p '{"id":"u1","roles":[{"role":"campaigner"}]}'
//   npx rolegate explain policy.json campaign.create -p @user.json -s workspace:w1
//   npx rolegate matrix policy.json --format csv
//   npx rolegate types policy.json > src/policy-names.ts
//   npx rolegate presets | npx rolegate export outreach > policy.json

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Policy, RolegateError } from "./node.mjs";
import { closest } from "./dev.js";

const here = dirname(fileURLToPath(import.meta.url));
const presetsDir = join(here, "presets");
/** The policy of `matrix`, `types`, `fingerprint` and `export` when none is named, as in the Rust command. */
const DEFAULT_PRESET = "outreach";
const { version } = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));

const HELP = `rolegate ${version}: roles and permissions, from the npm package

usage: rolegate <command> [arguments]

  build POLICY -o FILE       compile a policy into its artifact, what Policy.load (every
                             module, the page module included) loads without reading text
  validate POLICY...         print each policy's errors and warnings (exit 1 on errors)
  fingerprint POLICY         print the policy fingerprint (SHA-256 of its artifact)
  check POLICY ACTION -p PRINCIPAL [-t TENANT] [-r RESOURCE] [-s SCOPE]
                             decide one request; print the decision as JSON
  explain POLICY ACTION -p PRINCIPAL [-t TENANT] [-r RESOURCE] [-s SCOPE]
                             decide one request and explain each step
  matrix POLICY [-f markdown|csv|html|json]
                             print the role x action matrix
  types POLICY               print TypeScript unions of the policy's names (for
                             Policy.load<PolicyNames>, so that a misspelled action fails tsc)
  presets                    list the presets shipped in the package
  export POLICY              print a policy (a preset, or TOML) as JSON, to start from (a
                             preset's \`$schema\` names the package's policy.schema.json)

POLICY is a JSON or TOML policy file, an artifact of \`rolegate build\`, or a preset name
(\`outreach\` where it may be left out).
PRINCIPAL, TENANT and RESOURCE are JSON text, or @file.json; the principal's roles must
all be declared by the policy (an undeclared one is an error here, as in the Rust command).
Exit codes: 0 success, 1 a rejected policy, 2 bad usage or unreadable input.
`;

/** A usage error: exit 2. */
class Usage extends Error {}

function presetNames() {
  return existsSync(presetsDir)
    ? readdirSync(presetsDir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.slice(0, -5))
        .sort()
    : [];
}

/** The policy an argument names, and how to name it in messages. */
function loadPolicy(arg) {
  if (existsSync(arg)) {
    const bytes = readFileSync(arg);
    if (bytes.subarray(0, 8).toString("latin1") === "rolegate") return { source: arg, policy: Policy.load(bytes) };
    if (/\.toml$/i.test(arg)) return { source: arg, policy: Policy.fromToml(bytes.toString("utf8")), text: true };
    return { source: arg, policy: Policy.fromJson(bytes.toString("utf8")), text: true };
  }
  const preset = join(presetsDir, `${arg}.json`);
  if (/^[a-z0-9-]+$/.test(arg) && existsSync(preset)) {
    return { source: `preset \`${arg}\``, policy: Policy.fromJson(readFileSync(preset, "utf8")), text: true };
  }
  throw new Usage(`\`${arg}\` is neither a policy file nor a preset (presets: ${presetNames().join(", ")})`);
}

/** A JSON argument, given inline or as @file. */
function jsonArg(what, raw) {
  const text = raw.startsWith("@") ? readFileSync(raw.slice(1), "utf8") : raw;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Usage(`the ${what} is not JSON: ${e.message}`);
  }
}

/** `error[code] at path (line L, column C): message`, as the Rust command prints a diagnostic. */
function diagnostic(d) {
  let out = `${d.severity === "warning" ? "warning" : "error"}[${d.code}]`;
  if (d.path) out += ` at ${d.path}`;
  if (d.line !== undefined && d.column !== undefined) out += ` (line ${d.line}, column ${d.column})`;
  out += `: ${d.message}`;
  if (d.help) out += `\n  help: ${d.help}`;
  return out;
}

/** Splits arguments into positionals and `-x value` / `--name value` options. */
function parse(args, options) {
  const positional = [];
  const values = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = options[arg];
    if (name) {
      if (i + 1 >= args.length) throw new Usage(`${arg} needs a value`);
      values[name] = args[++i];
    } else if (arg.startsWith("-") && arg !== "-") {
      throw new Usage(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  return { positional, values };
}

/**
 * The session, action and resource of a `check` or `explain` command line. As the Rust
 * command: a strict session (an undeclared role is an error, exit 2), and on standard error
 * a note with the close known name for an action or scope level the policy does not have.
 */
function request(command, args) {
  const flags = { "-p": "principal", "--principal": "principal", "-t": "tenant", "--tenant": "tenant", "-r": "resource", "--resource": "resource", "-s": "scope", "--scope": "scope" };
  const { positional, values } = parse(args, flags);
  if (positional.length !== 2 || !values.principal) throw new Usage(`usage: rolegate ${command} POLICY ACTION -p PRINCIPAL [-t TENANT] [-r RESOURCE] [-s SCOPE]`);
  const { policy } = loadPolicy(positional[0]);
  let session;
  try {
    session = policy.session(jsonArg("principal", values.principal), values.tenant ? jsonArg("tenant", values.tenant) : { id: "tenant" }, { strict: true });
  } catch (e) {
    if (e instanceof RolegateError) throw new InputRejected(diagnostic(e));
    throw e;
  }
  let resource = values.resource ? jsonArg("resource", values.resource) : undefined;
  if (values.scope !== undefined) resource = { ...resource, scope: values.scope };
  const [action, scope] = [positional[1], resource?.scope ?? ""];
  const names = policy.actions.map((a) => a.name);
  if (action !== "" && !names.includes(action)) console.error(`note: \`${action}\` is not an action of the policy${suggestion(action, names)}`);
  // The scope levels, from the policy's TypeScript names (`export type ScopeLevel = | "org" | ...;`).
  const levels = [...(/export type ScopeLevel =([^;]*);/.exec(policy.types())?.[1] ?? "").matchAll(/"(?:[^"\\]|\\.)*"/g)].map((m) => JSON.parse(m[0]));
  for (const segment of typeof scope === "string" ? scope.split("/").filter(Boolean) : []) {
    const level = segment.includes(":") ? segment.slice(0, segment.indexOf(":")) : segment;
    if (!levels.includes(level)) console.error(`note: \`${level}\` is not a scope level of the policy${suggestion(level, levels)}`);
  }
  return { session, action, resource };
}

/** ` (did you mean `x`?)`, or nothing: the engine's rule (src/suggest.rs). */
function suggestion(word, known) {
  const close = closest(word, known);
  return close === undefined ? "" : ` (did you mean \`${close}\`?)`;
}

/** A principal, tenant or resource the engine refuses: printed as the engine says, exit 2. */
class InputRejected extends Error {}

const COMMANDS = {
  build(args) {
    const { positional, values } = parse(args, { "-o": "output", "--output": "output" });
    if (positional.length !== 1 || !values.output) throw new Usage("usage: rolegate build POLICY -o FILE");
    const { source, policy } = loadPolicy(positional[0]);
    const artifact = policy.build();
    writeFileSync(values.output, artifact);
    console.log(`${source} -> ${values.output}: ${artifact.length} bytes, fingerprint ${policy.fingerprint}`);
    return 0;
  },
  validate(args) {
    if (args.length === 0) throw new Usage("usage: rolegate validate POLICY...");
    let failed = false;
    for (const arg of args) {
      try {
        const { source, policy } = loadPolicy(arg);
        console.log(`ok: ${source} (${policy.actions.length} actions, ${policy.roles.length} roles)`);
        for (const w of policy.warnings) console.log(`${source}: ${diagnostic(w)}`);
      } catch (e) {
        if (!(e instanceof RolegateError)) throw e;
        failed = true;
        for (const d of e.errors ?? [{ code: e.code, path: e.path, message: e.message }]) console.error(`${arg}: ${diagnostic(d)}`);
      }
    }
    return failed ? 1 : 0;
  },
  fingerprint(args) {
    if (args.length > 1) throw new Usage("usage: rolegate fingerprint [POLICY]");
    console.log(loadPolicy(args[0] ?? DEFAULT_PRESET).policy.fingerprint);
    return 0;
  },
  check(args) {
    const { session, action, resource } = request("check", args);
    console.log(JSON.stringify(session.check(action, resource), null, 2));
    return 0;
  },
  explain(args) {
    const { session, action, resource } = request("explain", args);
    process.stdout.write(session.explain(action, resource ?? {}).text);
    return 0;
  },
  matrix(args) {
    const { positional, values } = parse(args, { "-f": "format", "--format": "format" });
    const format = values.format ?? "markdown";
    if (positional.length > 1) throw new Usage("usage: rolegate matrix [POLICY] [-f markdown|csv|html|json]");
    if (!["markdown", "csv", "html", "json"].includes(format)) throw new Usage(`--format must be one of markdown, csv, html, json, not \`${format}\``);
    const { policy } = loadPolicy(positional[0] ?? DEFAULT_PRESET);
    process.stdout.write(format === "json" ? `${JSON.stringify(policy.matrix(), null, 2)}\n` : policy.matrix(format));
    return 0;
  },
  types(args) {
    if (args.length > 1) throw new Usage("usage: rolegate types [POLICY]");
    process.stdout.write(loadPolicy(args[0] ?? DEFAULT_PRESET).policy.types());
    return 0;
  },
  presets(args) {
    if (args.length) throw new Usage("usage: rolegate presets");
    for (const name of presetNames()) console.log(name);
    return 0;
  },
  export(args) {
    if (args.length !== 1) throw new Usage("usage: rolegate export POLICY");
    const { policy, text } = loadPolicy(args[0]);
    if (!text) throw new Usage(`${args[0]} is an artifact: it holds the compiled policy, not its document; give the policy it was built from`);
    const file = existsSync(args[0]) ? args[0] : join(presetsDir, `${args[0]}.json`);
    // A JSON file as written (its `$schema` and key order kept); TOML as the engine read it.
    const document = /\.toml$/i.test(file) ? policy.document() : JSON.parse(readFileSync(file, "utf8"));
    policy.free();
    // A preset names the schema beside it in the package; exported into a project, the
    // schema is where npm installed the package.
    if (file.startsWith(presetsDir) && "$schema" in document) document.$schema = "./node_modules/rolegate/policy.schema.json";
    console.log(JSON.stringify(document, null, 2));
    return 0;
  },
};

function main(argv) {
  const [command, ...args] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  if (command === "--version" || command === "-V") {
    console.log(`rolegate ${version}`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`rolegate: unknown command \`${command}\`: see \`rolegate --help\``);
    return 2;
  }
  try {
    return run(args);
  } catch (e) {
    if (e instanceof Usage) {
      console.error(`rolegate ${command}: ${e.message}`);
      return 2;
    }
    if (e instanceof InputRejected) {
      console.error(e.message);
      return 2;
    }
    if (e instanceof RolegateError) {
      for (const d of e.errors ?? [{ code: e.code, path: e.path, message: e.message }]) console.error(diagnostic(d));
      return 1;
    }
    if (e && e.code === "ENOENT") {
      console.error(`rolegate ${command}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
