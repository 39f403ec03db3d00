// Prepares the fixture corpus for the JavaScript runtimes: the presets as JSON documents
// and as artifacts,
// the decision fixture files, and the native decisions for every case (from the
// `rolegate` command), the query plan fixtures with the native plans and SQL, in one file:
// target/js-corpus.json.
//
// usage: node tests/js/prepare.mjs [path/to/rolegate]

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = process.argv[2] ?? join(root, "target", "debug", "rolegate");
const run = (...args) => execFileSync(bin, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });

const presets = {};
for (const name of run("presets").trim().split("\n")) {
  presets[name] = JSON.parse(run("export", name));
}
// Team fixtures may name a policy file beside them instead of a preset.
const teamDir = join(root, "tests", "fixtures", "team");
const teamPolicies = {};
for (const file of readdirSync(teamDir).filter((f) => f.endsWith(".toml"))) {
  teamPolicies[file] = JSON.parse(run("export", join(teamDir, file)));
}
const dir = join(root, "tests", "fixtures", "decisions");
const names = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const files = {};
for (const name of names) files[name] = JSON.parse(readFileSync(join(dir, name), "utf8"));
mkdirSync(join(root, "target"), { recursive: true });
const report = join(root, "target", "native-decisions.json");
run("test", ...names.map((n) => join(dir, n)), "--report", report);
const native = JSON.parse(readFileSync(report, "utf8"));
// The gate fixtures and every preset's fingerprint, as the native engine computes it.
const gateDir = join(root, "tests", "fixtures", "gates");
const gates = {};
for (const name of readdirSync(gateDir).filter((f) => f.endsWith(".json")).sort()) {
  gates[name] = JSON.parse(readFileSync(join(gateDir, name), "utf8"));
}
const fingerprints = {};
for (const name of Object.keys(presets)) fingerprints[name] = run("fingerprint", name).trim();
// Every preset's artifact as `rolegate build` writes it (base64): what the page module loads.
const artifacts = {};
for (const name of Object.keys(presets)) {
  const file = join(root, "target", `preset-${name}.rolegate`);
  run("build", name, "-o", file);
  artifacts[name] = readFileSync(file).toString("base64");
}
// The gate fixtures that carry their own policy: its artifact too.
const gateArtifacts = {};
for (const [name, fixture] of Object.entries(gates)) {
  if (!fixture.policy) continue;
  const source = join(root, "target", `gate-${name}`);
  const file = join(root, "target", `gate-${name}.rolegate`);
  writeFileSync(source, JSON.stringify(fixture.policy));
  run("build", source, "-o", file);
  gateArtifacts[name] = readFileSync(file).toString("base64");
}
// The query plan fixtures, and for each case the plan and its SQL in both dialects as the
// native engine gives them now (`rolegate plan --sql`).
const planDir = join(root, "tests", "fixtures", "plans");
const plans = {};
for (const name of readdirSync(planDir).filter((f) => f.endsWith(".json")).sort()) {
  const fixture = JSON.parse(readFileSync(join(planDir, name), "utf8"));
  const nativePlans = fixture.cases.map((c) => {
    const args = ["plan", fixture.policy, c.action, c.type, "-p", JSON.stringify(c.principal), "-t", JSON.stringify(c.tenant)];
    if (c.scope !== undefined) args.push("--scope", c.scope);
    const answer = (dialect) => JSON.parse(run(...args, "--sql", dialect, "--columns", JSON.stringify(fixture.columns)));
    const [postgres, sqlite] = [answer("postgres"), answer("sqlite")];
    return { plan: postgres.plan, postgres: { sql: postgres.sql, params: postgres.params }, sqlite: { sql: sqlite.sql, params: sqlite.params } };
  });
  plans[name] = { fixture, native: nativePlans };
}
// The hostile corpus (tests/fixtures/hostile): the native decision of every request case
// that the JavaScript runners compare (`rolegate batch` over the same JSON), and each
// request file's policy as an artifact, for the page module.
const { nativeRequests } = await import("./hostile.mjs");
const hostileDir = join(root, "tests", "fixtures", "hostile");
const hostile = { files: {}, native: {}, artifacts: {} };
for (const name of readdirSync(hostileDir).filter((f) => f.endsWith(".json")).sort()) {
  const fixture = JSON.parse(readFileSync(join(hostileDir, name), "utf8"));
  hostile.files[name] = fixture;
  if (!fixture.policy) continue;
  const source = join(root, "target", `hostile-${name}`);
  writeFileSync(source, JSON.stringify(fixture.policy));
  const file = join(root, "target", `hostile-${name}.rolegate`);
  run("build", source, "-o", file);
  hostile.artifacts[name] = readFileSync(file).toString("base64");
  const requests = nativeRequests(fixture);
  const lines = execFileSync(bin, ["batch", source], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 256 << 20,
    input: requests.map(([, r]) => JSON.stringify(r)).join("\n"),
  }).trim().split("\n");
  if (lines.length !== requests.length) throw new Error(`prepare: ${requests.length} hostile requests of ${name}, ${lines.length} answers`);
  hostile.native[name] = {};
  requests.forEach(([i], k) => {
    hostile.native[name][i] = JSON.parse(lines[k]);
  });
}
writeFileSync(join(root, "target", "js-hostile.json"), JSON.stringify(hostile));

const out = join(root, "target", "js-corpus.json");
writeFileSync(out, JSON.stringify({ presets, teamPolicies, files, native, gates, fingerprints, artifacts, gateArtifacts, plans }));
const cases = Object.values(files).reduce((n, f) => n + f.cases.length, 0);
const gateCases = Object.values(gates).reduce((n, f) => n + f.cases.length, 0);
const planCases = Object.values(plans).reduce((n, f) => n + f.native.length, 0);
const hostileCases = Object.values(hostile.native).reduce((n, f) => n + Object.keys(f).length, 0);
console.log(`prepared ${hostileCases} native decisions of the hostile corpus: target/js-hostile.json`);
console.log(`prepared ${cases} decision cases of ${names.length} files, ${gateCases} gate cases and ${planCases} query plan cases for the JavaScript runtimes: ${out}`);
