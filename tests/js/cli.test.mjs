// `npx rolegate` from the packed tarball, in a scratch project, as a JavaScript-only team
// runs it: every command answers as the Rust crate's `rolegate` does (the same artifact
// bytes, fingerprints, error codes and decisions), and what it builds is what the page
// module loads.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { scratchProject } from "./pack.mjs";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const nativeBin = join(root, "target", "debug", "rolegate");
let dir;

/** `npx rolegate ...args` in the scratch project (never fetching: the package is installed). */
function npx(...args) {
  const run = spawnSync("npx", ["--no", "--", "rolegate", ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  if (run.error) throw new Error(`npx could not run: ${run.error.message}`);
  return run;
}
const native = (...args) => spawnSync(nativeBin, args, { cwd: root, encoding: "utf8" });

before(() => {
  if (!existsSync(nativeBin)) throw new Error(`${nativeBin} is missing: run \`cargo build\``);
  dir = scratchProject("cli");
});

test("npx rolegate lists the presets, exports them as the Rust command does, and says how to use it", () => {
  const presets = npx("presets");
  assert.equal(presets.status, 0, presets.stderr);
  const names = presets.stdout.trim().split("\n");
  assert.deepEqual(names, native("presets").stdout.trim().split("\n").sort());
  for (const name of names) {
    const exported = npx("export", name);
    assert.equal(exported.status, 0, exported.stderr);
    // The package's preset is the crate's, with `$schema` naming the schema the package installs.
    const { $schema, ...document } = JSON.parse(exported.stdout);
    assert.equal($schema, "./node_modules/rolegate/policy.schema.json", name);
    assert.deepEqual(document, JSON.parse(native("export", name).stdout), name);
  }
  const help = npx("--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /build POLICY -o FILE/);
  const unknown = npx("frobnicate");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command `frobnicate`/);
});

test("npx rolegate build writes the bytes `rolegate build` writes, and the page module loads them", async () => {
  const policyFile = join(dir, "outreach.policy.json");
  writeFileSync(policyFile, readFileSync(join(root, "examples", "outreach.policy.json")));
  for (const [source, arg] of [["a JSON file", "outreach.policy.json"], ["a preset", "calilio"]]) {
    const built = npx("build", arg, "-o", "policy.rolegate");
    assert.equal(built.status, 0, `${source}: ${built.stderr}`);
    const nativeOut = join(root, "target", "cli-test.rolegate");
    const nativeArg = arg.endsWith(".json") ? policyFile : arg;
    assert.equal(native("build", nativeArg, "-o", nativeOut).status, 0);
    const ours = readFileSync(join(dir, "policy.rolegate"));
    assert.ok(ours.equals(readFileSync(nativeOut)), `${source}: npx rolegate build and rolegate build wrote different bytes`);
    const fingerprint = native("fingerprint", nativeArg).stdout.trim();
    assert.match(built.stdout, new RegExp(`${ours.length} bytes, fingerprint ${fingerprint}`));
    assert.equal(npx("fingerprint", arg).stdout.trim(), fingerprint);
    assert.equal(npx("fingerprint", "policy.rolegate").stdout.trim(), fingerprint, "the artifact's own fingerprint");
  }
  // The page module (what a browser entry loads) decides from it.
  const pkg = join(dir, "node_modules", "rolegate");
  const raw = await import(join(pkg, "wasm", "rolegate.js"));
  raw.initSync({ module: readFileSync(join(pkg, "wasm", "rolegate_bg.wasm")) });
  const { createApi } = await import(join(pkg, "api.js"));
  const policy = createApi(raw).Policy.load(readFileSync(join(dir, "policy.rolegate")));
  assert.equal(policy.fingerprint, native("fingerprint", "calilio").stdout.trim());
});

test("npx rolegate validate reports the codes, paths and positions the Rust command reports", () => {
  const invalid = join(root, "tests", "fixtures", "invalid");
  const files = readdirSync(invalid).filter((f) => f.endsWith(".json")).sort();
  assert.ok(files.length >= 10, `only ${files.length} broken JSON documents`);
  for (const file of files) {
    const ours = npx("validate", join(invalid, file));
    assert.equal(ours.status, 1, `${file}: exit ${ours.status}\n${ours.stdout}${ours.stderr}`);
    const theirs = native("validate", join(invalid, file));
    // The same diagnostics, line for line (`file: error[code] at path (line, column): message`).
    const lines = (text) => text.split("\n").filter((l) => l.includes("error["));
    assert.deepEqual(lines(ours.stderr), lines(theirs.stderr + theirs.stdout), file);
  }
  const ok = npx("validate", "outreach");
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^ok: preset `outreach`/);
  // TOML is read by the package's full module: the same verdict as the Rust command.
  const toml = npx("validate", join(root, "presets", "outreach.toml"));
  assert.equal(toml.status, 0, toml.stderr);
  assert.match(toml.stdout, /^ok: /);
  const missing = npx("build", "no-such-policy", "-o", "x.rolegate");
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /neither a policy file nor a preset \(presets: calilio/);
});

test("npx rolegate check decides as the Rust command does", () => {
  const cases = [
    ["outreach", "campaign.create", { id: "u1", roles: [{ role: "campaigner", scope: "org" }] }, { id: "acme", features: ["outreach"] }, null],
    ["outreach", "campaign.create", { id: "u1", roles: [{ role: "campaigner", scope: "org" }] }, { id: "acme", features: [] }, null],
    ["calilio", "number.view", { id: "m1", roles: [{ role: "member", scope: "org" }] }, { id: "t" }, { type: "number", id: "n1", attrs: { assignee: "m2" } }],
    ["project-members", "project.view", { id: "a1", roles: [] }, { id: "t" }, null],
  ];
  for (const [policy, action, principal, tenant, resource] of cases) {
    const args = [policy, action, "-p", JSON.stringify(principal), "-t", JSON.stringify(tenant)];
    if (resource) args.push("-r", JSON.stringify(resource));
    const ours = npx("check", ...args);
    assert.equal(ours.status, 0, ours.stderr);
    const theirs = native("check", ...args);
    assert.deepEqual(JSON.parse(ours.stdout), JSON.parse(theirs.stdout), `${policy} ${action}`);
  }
  // An undeclared role: the same message and exit code (2, bad input) as the Rust command.
  const ghost = ["outreach", "campaign.create", "-p", JSON.stringify({ id: "u", roles: [{ role: "Campaigner" }] })];
  const bad = npx("check", ...ghost);
  const nativeBad = native("check", ...ghost);
  assert.equal(nativeBad.status, 2);
  assert.equal(bad.status, nativeBad.status, bad.stderr);
  assert.equal(bad.stderr, nativeBad.stderr);
  assert.match(bad.stderr, /error\[unknown_role\] at principal\.roles\[0\]\.role: .*did you mean `campaigner`/);
  execFileSync("npx", ["--no", "--", "rolegate", "--version"], { cwd: dir, encoding: "utf8" });
});

/** Every preset and the fixture policies beside the decision fixtures, as `npx rolegate` takes them. */
function corpusPolicies() {
  const names = npx("presets").stdout.trim().split("\n");
  return names.map((name) => [name, name]);
}

test("npx rolegate explain, matrix and types print what the Rust command prints, byte for byte", () => {
  const fixtures = join(root, "tests", "fixtures", "decisions");
  const files = readdirSync(fixtures).filter((f) => f.endsWith(".json")).sort();
  let explained = 0;
  for (const file of files) {
    const fixture = JSON.parse(readFileSync(join(fixtures, file), "utf8"));
    if (typeof fixture.policy !== "string" || !/^[a-z-]+$/.test(fixture.policy)) continue;
    // Every tenth case of each file, through explain (output, notes and exit code).
    for (const [i, c] of (fixture.cases ?? []).entries()) {
      if (i % 10 !== 0) continue;
      const principal = fixture.principals?.[c.principal] ?? c.principal;
      const tenant = fixture.tenants?.[c.tenant] ?? c.tenant;
      const args = [fixture.policy, c.action, "-p", JSON.stringify(principal)];
      if (tenant) args.push("-t", JSON.stringify(tenant));
      if (c.resource) args.push("-r", JSON.stringify(c.resource));
      const [ours, theirs] = [npx("explain", ...args), native("explain", ...args)];
      assert.equal(ours.status, theirs.status, `${file} #${i}: ${ours.stderr}`);
      assert.equal(ours.stdout, theirs.stdout, `${file} #${i}`);
      assert.equal(ours.stderr, theirs.stderr, `${file} #${i}`);
      explained++;
    }
  }
  assert.ok(explained >= 50, `only ${explained} fixture cases explained`);
  // Misspelled names: the notes with "did you mean" on standard error, and the decision.
  const typo = ["outreach", "campaign.craete", "-p", JSON.stringify({ id: "u1", roles: [{ role: "campaigner", scope: "org" }] }), "-s", "wrkspace:w1/org:x"];
  for (const command of ["explain", "check"]) {
    const [ours, theirs] = [npx(command, ...typo), native(command, ...typo)];
    assert.equal(ours.status, theirs.status, command);
    assert.equal(ours.stdout, theirs.stdout, command);
    assert.equal(ours.stderr, theirs.stderr, command);
    assert.match(ours.stderr, /note: `campaign\.craete` is not an action of the policy \(did you mean `campaign\.create`\?\)/);
  }
  for (const [label, policy] of corpusPolicies()) {
    for (const format of ["markdown", "csv", "html", "json"]) {
      const [ours, theirs] = [npx("matrix", policy, "--format", format), native("matrix", policy, "--format", format)];
      assert.equal(ours.status, 0, ours.stderr);
      assert.equal(ours.stdout, theirs.stdout, `${label} matrix ${format}`);
    }
    assert.equal(npx("matrix", policy).stdout, native("matrix", policy).stdout, `${label} matrix`);
    const [ours, theirs] = [npx("types", policy), native("types", policy)];
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, theirs.stdout, `${label} types`);
  }
  // A JSON policy file and a TOML one (the package's full module reads TOML).
  for (const file of [join(root, "examples", "outreach.policy.json"), join(root, "presets", "calilio.toml")]) {
    for (const command of [["types"], ["matrix", "-f", "csv"], ["fingerprint"], ["validate"]]) {
      const [ours, theirs] = [npx(command[0], file, ...command.slice(1)), native(command[0], file, ...command.slice(1))];
      assert.equal(ours.status, theirs.status, `${command} ${file}: ${ours.stderr}`);
      if (command[0] !== "validate") assert.equal(ours.stdout, theirs.stdout, `${command} ${file}`);
    }
  }
  // No policy named: the default preset, as the Rust command.
  for (const args of [["matrix"], ["types"], ["fingerprint"]]) {
    const [ours, theirs] = [npx(...args), native(...args)];
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, theirs.stdout, args.join(" "));
  }
  // Bad usage: exit 2, as the Rust command.
  for (const args of [["matrix", "outreach", "-f", "pdf"], ["explain", "outreach"], ["check", "outreach"], ["types", "a", "b"]]) {
    assert.equal(npx(...args).status, 2, args.join(" "));
    assert.equal(native(...args).status, 2, args.join(" "));
  }
});

test("npx rolegate export turns TOML into the JSON `rolegate export` prints, and a preset names the shipped schema", () => {
  const toml = join(root, "presets", "outreach.toml");
  const [ours, theirs] = [npx("export", toml), native("export", toml)];
  assert.equal(ours.status, 0, ours.stderr);
  assert.deepEqual(JSON.parse(ours.stdout), JSON.parse(theirs.stdout));
  const preset = JSON.parse(npx("export", "calilio").stdout);
  assert.equal(preset.$schema, "./node_modules/rolegate/policy.schema.json");
  assert.ok(existsSync(join(dir, preset.$schema)), "the schema a preset names is installed with the package");
  writeFileSync(join(dir, "calilio.policy.json"), JSON.stringify(preset));
  assert.equal(npx("validate", "calilio.policy.json").status, 0);
  assert.equal(npx("fingerprint", "calilio.policy.json").stdout, native("fingerprint", "calilio").stdout);
});
