// The npm package in workerd (the Cloudflare Workers runtime): installed from its tarball
// into a scratch project, a Worker that imports "rolegate" is bundled with esbuild (the
// package's `workerd` export condition), with the WebAssembly module left as a separate
// module import, declared in the workerd config as a `wasm` module: compiled when the
// Worker is loaded, as on Cloudflare, never from bytes at request time (workerd forbids
// that, which the worker also shows). Then, over HTTP: the whole decision corpus against
// the native decisions, and an edge gate (403 with the reason, 200 when allowed).
//
// usage: node --test tests/js/workerd.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { root, scratchProject, tool } from "./pack.mjs";
import { freePort } from "./harness.mjs";

const corpusPath = join(root, "target", "js-corpus.json");
const GATE_PRESET = "outreach";
const GATE_FILE = "outreach.json";

// The Worker. corpus.json is a JSON module of the workerd config; corpus.mjs is bundled in.
const WORKER = `import * as rolegate from "rolegate";
import { runCorpus, fromBase64 } from "./corpus.mjs";
import corpus from "./corpus.json";

// An edge gate: the policy's artifact is loaded once, when the Worker is loaded.
const policy = rolegate.Policy.load(fromBase64(corpus.artifacts[${JSON.stringify(GATE_PRESET)}]));
const fixture = corpus.files[${JSON.stringify(GATE_FILE)}];

function json(value, status = 200) {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/ping") return new Response("ok");
    if (url.pathname === "/corpus") {
      try {
        return json(runCorpus(rolegate, corpus));
      } catch (e) {
        return json({ error: String(e && e.stack || e) }, 500);
      }
    }
    if (url.pathname === "/gate") {
      const action = url.searchParams.get("action") ?? "";
      const principal = fixture.principals[url.searchParams.get("role") ?? ""];
      if (!principal) return json({ error: "unknown role" }, 400);
      const tenant = fixture.tenants[url.searchParams.get("tenant") ?? "not_enabled"];
      if (!tenant) return json({ error: "unknown tenant" }, 400);
      const session = policy.session(principal, tenant);
      try {
        const decision = session.check(action, { scope: "org" });
        if (!decision.allowed) return json({ error: "forbidden", reason: decision.reason, decision }, 403);
        return json({ ok: true, decision });
      } finally {
        session.free();
      }
    }
    if (url.pathname === "/compile-from-bytes") {
      // What the runtime says to compiling WebAssembly from bytes at request time.
      try {
        new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
        return json({ allowed: true });
      } catch (e) {
        return json({ allowed: false, message: e.message });
      }
    }
    return json({ error: "not found" }, 404);
  },
};
`;

function loadCorpus() {
  if (!existsSync(corpusPath)) {
    throw new Error(`${corpusPath} is missing: run \`cargo build\` then \`node tests/js/prepare.mjs\``);
  }
  return JSON.parse(readFileSync(corpusPath, "utf8"));
}

let child; // the workerd process
let output = ""; // its stdout and stderr
let exited = null; // its exit status, once it has exited
let base; // http://127.0.0.1:<port>
let corpus;
let bundleText;
let wasmName;

function stopWorkerd() {
  if (child && exited === null) child.kill("SIGKILL");
}
// Also on an unexpected end of this process, workerd must not outlive the test.
process.on("exit", stopWorkerd);

after(() => stopWorkerd());

const logs = () => `workerd output:\n${output || "(none)"}`;

before(async () => {
  corpus = loadCorpus();
  const workerd = tool("workerd");
  const esbuild = tool("esbuild");
  const dir = scratchProject("workerd");

  copyFileSync(join(root, "tests", "js", "corpus.mjs"), join(dir, "corpus.mjs"));
  copyFileSync(corpusPath, join(dir, "corpus.json"));
  writeFileSync(join(dir, "worker.src.mjs"), WORKER);

  const build = spawnSync(
    esbuild,
    [
      "worker.src.mjs",
      "--bundle",
      "--format=esm",
      "--platform=neutral",
      "--conditions=workerd,worker,import",
      "--external:*.wasm",
      "--external:./corpus.json",
      "--outfile=worker.js",
      "--log-level=warning",
    ],
    { cwd: dir, encoding: "utf8", timeout: 30_000 },
  );
  if (build.error) throw new Error(`esbuild could not run: ${build.error.message}`);
  assert.equal(build.status, 0, `esbuild failed:\n${build.stderr}`);
  bundleText = readFileSync(join(dir, "worker.js"), "utf8");

  // The name under which the bundle imports the WebAssembly module: the config declares
  // the module under it (resolved against the bundle's own name, "worker.js").
  const wasmImports = [...bundleText.matchAll(/^import\s+\w+\s+from\s+"([^"]+\.wasm)";?$/gm)].map((m) => m[1]);
  assert.equal(wasmImports.length, 1, `the bundle should import exactly one .wasm module, it imports: ${JSON.stringify(wasmImports)}`);
  wasmName = new URL(wasmImports[0], "file:///worker.js").pathname.slice(1);
  const wasmFile = join(dir, "node_modules", "rolegate", wasmName);
  assert.ok(existsSync(wasmFile), `the bundle imports ${wasmImports[0]}, not in the installed package (${wasmFile})`);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const capnp = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .gate) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const gate :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = ${JSON.stringify(wasmName)}, wasm = embed ${JSON.stringify(`node_modules/rolegate/${wasmName}`)}),
    (name = "corpus.json", json = embed "corpus.json"),
  ],
  compatibilityDate = "2025-01-01",
);
`;
  writeFileSync(join(dir, "config.capnp"), capnp);

  child = spawn(workerd, ["serve", "config.capnp"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  child.on("exit", (code, signal) => (exited = { code, signal }));
  child.on("error", (e) => {
    exited = { error: e.message };
    output += `\nspawn error: ${e.message}`;
  });

  // Wait until the socket answers (bounded).
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited !== null) {
      throw new Error(`workerd exited before serving (${JSON.stringify(exited)}).\n${logs()}`);
    }
    try {
      const res = await fetch(`${base}/ping`, { signal: AbortSignal.timeout(1000) });
      if (res.ok && (await res.text()) === "ok") break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopWorkerd();
      throw new Error(`workerd did not answer on ${base} within 20 s.\n${logs()}`);
    }
    await sleep(100);
  }
});

async function get(path) {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

test("workerd: the WebAssembly module is a module import, not bytes compiled at request time", { timeout: 30_000 }, async () => {
  assert.equal(wasmName, "wasm/rolegate_bg.wasm");
  assert.ok(!bundleText.includes("inline.js") && !/[A-Za-z0-9+/]{4096}/.test(bundleText), "the bundle carries the WebAssembly module inline");
  // The runtime forbids compiling from bytes at request time, so the corpus run below can
  // only pass through the imported module.
  const { status, body } = await get("/compile-from-bytes");
  assert.equal(status, 200, logs());
  assert.equal(body.allowed, false, "this workerd compiles WebAssembly from bytes at request time");
});

test("workerd: the whole decision corpus agrees with the native decisions", { timeout: 60_000 }, async () => {
  const total = Object.values(corpus.files).reduce((n, f) => n + f.cases.length, 0);
  assert.ok(total > 500, `the corpus has only ${total} cases`);
  const { status, body } = await get("/corpus");
  assert.equal(status, 200, `GET /corpus answered ${status}: ${JSON.stringify(body)}\n${logs()}`);
  assert.deepEqual(
    body.failures.slice(0, 20),
    [],
    `${body.failures.length} disagreements in workerd, the first ones:\n${body.failures.slice(0, 20).join("\n")}`,
  );
  assert.equal(body.cases, total, `workerd ran ${body.cases} cases, the corpus has ${total}`);
  for (const [file, fixture] of Object.entries(corpus.files)) {
    assert.equal(body.perFile[file], fixture.cases.length, `${file}: ${body.perFile[file]} cases run of ${fixture.cases.length}`);
  }
  console.log(`workerd: ${body.cases} cases, ${body.failures.length} disagreements`);
});

/** The fixture case of the gate preset for this principal, tenant and action, with its native decision. */
function fixtureCase(principal, tenant, action) {
  const fixture = corpus.files[GATE_FILE];
  const i = fixture.cases.findIndex((c) => c.principal === principal && c.tenant === tenant && c.action === action);
  assert.ok(i >= 0, `${GATE_FILE} has no case for ${principal} / ${tenant} / ${action}`);
  return { expect: fixture.cases[i].expect, native: corpus.native[GATE_FILE][i] };
}

test("workerd: edge gate: 403 with the reason before Outreach is enabled, 200 for org_admin with it on", { timeout: 30_000 }, async () => {
  const locked = await get("/gate?action=campaign.create&role=campaigner");
  const lockedCase = fixtureCase("campaigner", "not_enabled", "campaign.create");
  assert.equal(lockedCase.expect.effect, "locked");
  assert.equal(lockedCase.expect.reason, "feature_disabled");
  assert.equal(locked.status, 403, `campaigner before Outreach is enabled: ${locked.status} ${JSON.stringify(locked.body)}`);
  assert.equal(locked.body.reason, "feature_disabled");
  assert.equal(locked.body.decision.allowed, false);
  assert.equal(locked.body.decision.effect, "locked");
  assert.deepEqual(locked.body.decision, lockedCase.native);

  const open = await get("/gate?action=campaign.create&role=org_admin&tenant=enabled");
  const openCase = fixtureCase("org_admin", "enabled", "campaign.create");
  assert.equal(open.status, 200, `org_admin with Outreach on: ${open.status} ${JSON.stringify(open.body)}`);
  assert.equal(open.body.decision.allowed, true);
  assert.equal(open.body.decision.reason, openCase.expect.reason);
  assert.deepEqual(open.body.decision, openCase.native);

  // The same campaigner, once Outreach is on, passes the gate.
  const enabled = await get("/gate?action=campaign.create&role=campaigner&tenant=enabled");
  assert.equal(enabled.status, 200, `campaigner with Outreach on: ${enabled.status} ${JSON.stringify(enabled.body)}`);
});
