// The npm package in Deno: installed from its tarball into a scratch project, imported as
// the bare specifier "rolegate" from that project's node_modules (so Deno picks the
// package's `deno` export condition), then the whole decision corpus is run through it
// and compared with the native decisions. Also: errors cross into Deno as real `Error`s.
//
// usage: node --test tests/js/deno.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, scratchProject, tool } from "./pack.mjs";

const corpusPath = join(root, "target", "js-corpus.json");

function loadCorpus() {
  if (!existsSync(corpusPath)) {
    throw new Error(`${corpusPath} is missing: run \`cargo build\` then \`node tests/js/prepare.mjs\``);
  }
  return JSON.parse(readFileSync(corpusPath, "utf8"));
}

// Runs in Deno: the whole corpus through the package.
const CORPUS_SCRIPT = `import * as api from "rolegate";
import { runCorpus, runGateCorpus } from "./corpus.mjs";
const corpus = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const result = runCorpus(api, corpus);
const artifact = runCorpus(api, corpus, { from: "artifact" });
const gates = runGateCorpus(api, corpus);
console.log(JSON.stringify({ deno: Deno.version.deno, resolved: import.meta.resolve("rolegate"), ...result, artifact, gates }));
`;

// Runs in Deno: what an unknown role throws in a strict session (and is, in a lenient one).
const ERROR_SCRIPT = `import * as api from "rolegate";
const corpus = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const policy = api.Policy.fromObject(corpus.presets[Deno.args[1]]);
const warnings = policy.session({ id: "u", roles: [{ role: "ghost" }] }, { id: "t" }).warnings;
let out = { threw: false, warnings };
try {
  policy.session({ id: "u", roles: [{ role: "ghost" }] }, { id: "t" }, { strict: true });
} catch (e) {
  out = {
    threw: true,
    warnings,
    isError: e instanceof Error,
    isRolegateError: e instanceof api.RolegateError,
    name: e.name,
    code: e.code,
    path: e.path,
    message: e.message,
    hasStack: typeof e.stack === "string" && e.stack.length > 0,
  };
}
console.log(JSON.stringify(out));
`;

let project;

/** The scratch project with the package installed and the scripts written, made once. */
function setup() {
  if (project) return project;
  const deno = tool("deno");
  const dir = scratchProject("deno");
  copyFileSync(join(root, "tests", "js", "corpus.mjs"), join(dir, "corpus.mjs"));
  writeFileSync(join(dir, "corpus.run.mjs"), CORPUS_SCRIPT);
  writeFileSync(join(dir, "error.run.mjs"), ERROR_SCRIPT);
  // Bare specifiers come from the existing node_modules; Deno installs nothing.
  writeFileSync(join(dir, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }, null, 2));
  const denoDir = join(root, "target", "deno-dir");
  mkdirSync(denoDir, { recursive: true });
  project = { deno, dir, denoDir };
  return project;
}

/** Runs a script of the scratch project in Deno (read access only, no network); returns its JSON output. */
function runDeno(script, ...args) {
  const { deno, dir, denoDir } = setup();
  const run = spawnSync(
    deno,
    ["run", "--no-prompt", "--node-modules-dir=manual", `--allow-read=${dir},${corpusPath}`, script, ...args],
    {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 64 << 20,
      env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    },
  );
  if (run.error) throw new Error(`deno ${script} could not run: ${run.error.message}`);
  assert.equal(run.status, 0, `deno ${script} exited with ${run.status} (signal ${run.signal}):\n${run.stderr}\n${run.stdout}`);
  const last = run.stdout.trim().split("\n").pop();
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`deno ${script} printed no JSON:\n${run.stdout}\n${run.stderr}`);
  }
}

test("deno: the whole decision corpus agrees with the native decisions", { timeout: 120_000 }, () => {
  const corpus = loadCorpus();
  const total = Object.values(corpus.files).reduce((n, f) => n + f.cases.length, 0);
  assert.ok(total > 500, `the corpus has only ${total} cases`);

  const result = runDeno("corpus.run.mjs", corpusPath);
  assert.match(result.resolved, /\/node_modules\/rolegate\/full-web\.js$/, `Deno resolved "rolegate" to ${result.resolved}, not the package's deno entry (full-web.js)`);
  assert.deepEqual(
    result.failures.slice(0, 20),
    [],
    `${result.failures.length} disagreements in Deno ${result.deno}, the first ones:\n${result.failures.slice(0, 20).join("\n")}`,
  );
  assert.equal(result.cases, total, `Deno ran ${result.cases} cases, the corpus has ${total}`);
  for (const [file, fixture] of Object.entries(corpus.files)) {
    assert.equal(result.perFile[file], fixture.cases.length, `${file}: ${result.perFile[file]} cases run of ${fixture.cases.length}`);
  }
  const gateTotal = Object.values(corpus.gates).reduce((n, f) => n + f.cases.length, 0);
  assert.equal(result.gates.cases, gateTotal, `Deno ran ${result.gates.cases} gate cases of ${gateTotal}`);
  assert.deepEqual(result.gates.failures.slice(0, 20), [], "the gate corpus and fingerprints in Deno");
  assert.equal(result.artifact.from, "artifact");
  assert.equal(result.artifact.cases, total, "the corpus from the presets' artifacts in Deno");
  assert.deepEqual(result.artifact.failures.slice(0, 20), [], "the corpus from the presets' artifacts in Deno");
  console.log(`deno: ${result.cases} cases, ${result.gates.cases} gate cases, ${result.failures.length + result.gates.failures.length} disagreements`);
});

test("deno: a stale role is a warning, and a strict session throws a real Error with code and path", { timeout: 60_000 }, () => {
  const corpus = loadCorpus();
  const preset = Object.keys(corpus.presets).sort()[0];
  const e = runDeno("error.run.mjs", corpusPath, preset);
  assert.deepEqual(e.warnings.map((w) => [w.code, w.path]), [["unknown_role", "principal.roles[0].role"]], "a lenient session's warnings");
  assert.equal(e.threw, true, "a strict session with an undeclared role did not throw");
  assert.equal(e.isError, true, "the thrown value is not an instance of Error");
  assert.equal(e.isRolegateError, true, "the thrown value is not an instance of the package's RolegateError");
  assert.equal(e.name, "RolegateError");
  assert.equal(e.code, "unknown_role");
  assert.equal(e.path, "principal.roles[0].role");
  assert.match(e.message, /ghost/);
  assert.equal(e.hasStack, true, "the error has no stack");
});
