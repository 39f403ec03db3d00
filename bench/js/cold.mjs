// Cold start: a fresh Node process, from its start to the first decision, for rolegate
// (the full module from the policy's JSON text and from its artifact, the page module from
// the artifact), CASL and a hand-written function, on the outreach workload of compare.mjs.
// Each variant runs in its own child process, many times; the median and the spread are
// printed, with the phases (import and instantiate, load or compile, first decision) and the
// process's peak resident memory. Writes target/bench-cold.json.
//
//   node bench/js/cold.mjs              (about 30 s on 2 cores)
//   COLD_RUNS=5 node bench/js/cold.mjs  (a quick look)
//
// rolegate is the built package in pkg/ (`bash scripts/build-npm`); CASL is a dev dependency
// of tests/js (`cd tests/js && npm ci`). A child that decides wrongly stops the run (exit 1).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const RUNS = Number(process.env.COLD_RUNS ?? 25);
const work = join(root, "target", "bench-cold");
mkdirSync(work, { recursive: true });

for (const file of ["pkg/node.mjs", "pkg/wasm/rolegate.js", "tests/js/node_modules/@casl/ability/package.json"]) {
  if (!existsSync(join(root, file))) {
    console.error(`${file} is missing: run \`bash scripts/build-npm\` and \`cd tests/js && npm ci\` first`);
    process.exit(2);
  }
}

// The policy, as JSON text and as its artifact (built by the full module: the same bytes as
// `rolegate build`).
const policyPath = join(root, "examples", "outreach.policy.json");
const artifactPath = join(work, "outreach.rolegate");
{
  const { Policy } = await import(pathToFileURL(join(root, "pkg", "node.mjs")).href);
  writeFileSync(artifactPath, Policy.fromJson(readFileSync(policyPath, "utf8")).build());
}

const url = (p) => JSON.stringify(pathToFileURL(join(root, p)).href);
const PRINCIPAL = `{ id: "u1", roles: [{ role: "campaigner", scope: "org" }] }`;
const TENANT = `{ id: "acme", features: ["outreach"] }`;

// Each child prints { started, imported, loaded, decided, allowed, rss } in ms since its time
// origin (the process's start) and bytes; `started` is when its own first line runs (what
// Node costs before any script is behind it, and most sensitive to a loaded machine);
// `allowed` is the decision on campaign.create (true).
const START = "const started = performance.now();";
const report = `
const rss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ started, imported, loaded, decided, allowed, rss }));
`;
const VARIANTS = {
  "rolegate, full module, JSON text": `
${START}
import { readFileSync } from "node:fs";
const { Policy } = await import(${url("pkg/node.mjs")});
const imported = performance.now();
const policy = Policy.fromJson(readFileSync(${JSON.stringify(policyPath)}, "utf8"));
const loaded = performance.now();
const allowed = policy.session(${PRINCIPAL}, ${TENANT}).can("campaign.create");
const decided = performance.now();
${report}`,
  "rolegate, full module, artifact": `
${START}
import { readFileSync } from "node:fs";
const { Policy } = await import(${url("pkg/node.mjs")});
const imported = performance.now();
const policy = Policy.load(readFileSync(${JSON.stringify(artifactPath)}));
const loaded = performance.now();
const allowed = policy.session(${PRINCIPAL}, ${TENANT}).can("campaign.create");
const decided = performance.now();
${report}`,
  "rolegate, page module, artifact": `
${START}
import { readFileSync } from "node:fs";
const raw = await import(${url("pkg/wasm/rolegate.js")});
raw.initSync({ module: readFileSync(${JSON.stringify(join(root, "pkg", "wasm", "rolegate_bg.wasm"))}) });
const { createApi } = await import(${url("pkg/api.js")});
const { Policy } = createApi(raw);
const imported = performance.now();
const policy = Policy.load(readFileSync(${JSON.stringify(artifactPath)}));
const loaded = performance.now();
const allowed = policy.session(${PRINCIPAL}, ${TENANT}).can("campaign.create");
const decided = performance.now();
${report}`,
  "CASL": `
${START}
const { AbilityBuilder, createMongoAbility } = await import(${url("tests/js/node_modules/@casl/ability/dist/esm/index.mjs")});
const imported = performance.now();
const { can, build } = new AbilityBuilder(createMongoAbility);
can("manage", "Campaign");
can("view", "Report");
const ability = build();
const loaded = performance.now();
const allowed = ability.can("create", "Campaign");
const decided = performance.now();
${report}`,
  "hand-written function": `
${START}
const imported = performance.now();
const grants = { campaigner: new Set(["campaign.create", "campaign.view", "report.view"]) };
const loaded = performance.now();
const allowed = [{ role: "campaigner" }].some((r) => grants[r.role]?.has("campaign.create"));
const decided = performance.now();
${report}`,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const results = {};
for (const [name, source] of Object.entries(VARIANTS)) {
  const script = join(work, `${name.replace(/[^a-z]+/gi, "-")}.mjs`);
  writeFileSync(script, source);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const child = spawnSync(process.execPath, [script], { encoding: "utf8" });
    if (child.status !== 0) {
      console.error(`${name}: the child failed:\n${child.stderr}`);
      process.exit(1);
    }
    const run = JSON.parse(child.stdout.trim().split("\n").pop());
    if (run.allowed !== true) {
      console.error(`${name}: decided ${run.allowed} for campaign.create, expected true`);
      process.exit(1);
    }
    runs.push(run);
  }
  const pick = (f) => runs.map(f);
  results[name] = {
    first_decision_ms: median(pick((r) => r.decided)),
    first_decision_min_ms: Math.min(...pick((r) => r.decided)),
    script_ms: median(pick((r) => r.decided - r.started)),
    import_ms: median(pick((r) => r.imported)),
    load_ms: median(pick((r) => r.loaded - r.imported)),
    decide_ms: median(pick((r) => r.decided - r.loaded)),
    peak_rss_mb: median(pick((r) => r.rss)) / 2 ** 20,
  };
}

console.log(`cold start in a fresh Node ${process.version} process (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}), median of ${RUNS} runs`);
console.log("| variant | process start to first decision | script start to first decision | import + instantiate | load / compile | first decision | peak RSS |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
const ms = (x) => `${x.toFixed(2)} ms`;
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${ms(r.first_decision_ms)} (min ${ms(r.first_decision_min_ms)}) | ${ms(r.script_ms)} | ${ms(r.import_ms)} | ${ms(r.load_ms)} | ${ms(r.decide_ms)} | ${r.peak_rss_mb.toFixed(1)} MB |`);
}
const base = results["hand-written function"];
console.log(`\nabove the hand-written function (what Node itself costs): ${Object.entries(results)
  .filter(([n]) => n !== "hand-written function")
  .map(([n, r]) => `${n} +${(r.first_decision_ms - base.first_decision_ms).toFixed(2)} ms`)
  .join("; ")}`);
// The target: the first decision from the artifact within 10 ms of what Node itself costs, in
// both modules; measured from the script's start as well, which a loaded machine moves less.
console.log("\nperformance target: cold start to the first decision from the artifact < 10 ms above bare Node");
for (const name of ["rolegate, full module, artifact", "rolegate, page module, artifact"]) {
  const r = results[name];
  const above = r.first_decision_ms - base.first_decision_ms;
  const script = r.script_ms - base.script_ms;
  console.log(`  ${above < 10 ? "met    " : "not met"}  ${name}: +${above.toFixed(2)} ms above bare Node from the process's start; +${script.toFixed(2)} ms from the script's start (${script < 10 ? "met" : "not met"} so measured)`);
}
writeFileSync(join(root, "target", "bench-cold.json"), JSON.stringify({ node: process.version, runs: RUNS, results }, null, 2));
