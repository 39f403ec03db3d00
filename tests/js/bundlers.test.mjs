// The npm package in the bundlers and frameworks people build pages with, each with its
// default configuration: scratch projects made from the packed tarball, built by Vite (5, 6
// and the latest; and Vite 5's dev server), webpack 5, Rollup (with the node-resolve plugin
// that finds packages), esbuild (iife and esm), Bun's bundler, and Next.js (a server
// component that decides, and a client component hydrated from its snapshot; built by
// Turbopack and by webpack, served by `next start`, and served by `next dev`), then loaded
// in Chromium; and the package in the Bun runtime. Each page must decide as the
// native engine does (cases of the outreach fixture), log no console error, request no
// `.wasm` file, and its build must emit no `.wasm` asset: every entry a bundler picks
// carries its module inline.
//
// The tools are installed once per run into one scratch folder, each pinned to an exact
// version (TOOLS); a tool that cannot be installed fails the test.
//
// usage: node --test tests/js/bundlers.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { root, scratchProject, tool } from "./pack.mjs";
import { CHROMIUM, CHROMIUM_ARGS, freePort, loadPlaywright, serve } from "./harness.mjs";

// The tools, pinned: npm aliases let three Vite majors live side by side.
const TOOLS = {
  vite5: "npm:vite@5.4.21",
  vite6: "npm:vite@6.4.6",
  vite: "8.4.0",
  webpack: "5.113.0",
  "webpack-cli": "7.3.1",
  next: "16.4.6",
  rollup: "4.68.5",
  "@rollup/plugin-node-resolve": "16.0.3",
  bun: "1.4.4", // the runtime and bundler, its binary from its platform package (@oven/bun-linux-x64)
  react: "19.3.1",
  "react-dom": "19.3.1",
};

const corpusPath = join(root, "target", "js-corpus.json");
const FIXTURE = "outreach.json";

let dir; // the scratch folder: node_modules, and one project folder per tool
let browser;
let policy;
let artifact;
let cases; // [{ principal, tenant, action, resource, expect: { effect, reason } }]
const servers = [];
const children = [];

function fail(message) {
  throw new Error(`bundlers test: ${message}`);
}

/** Runs a build command in `cwd`; fails with its output when it does not succeed. */
function run(label, command, args, cwd, env = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: 240_000,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CI: "1", ...env },
  });
  if (result.error) fail(`${label} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`${label} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  console.log(`${label}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return `${result.stdout}\n${result.stderr}`;
}

/** Every `.wasm` file under `folder`, as paths relative to it. */
function wasmFiles(folder) {
  const found = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== "cache") walk(path);
      } else if (entry.name.endsWith(".wasm")) found.push(relative(folder, path));
    }
  };
  walk(folder);
  return found;
}

/** Writes files under `folder` (a map of relative path to text). */
function writeFiles(folder, files) {
  for (const [name, text] of Object.entries(files)) {
    const path = join(folder, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
  }
}

// The page every bundler builds: decides the cases once the module is ready. Before
// `ready`, compiling must refuse with `not_ready` (never a raw wasm error).
// The page module loads the policy's artifact (what \`rolegate build\` wrote), here inlined
// as base64; the server components of Next.js compile the JSON document (Node, full module).
const CASES_MODULE = () =>
  `export const policy = ${JSON.stringify(policy)};\nexport const artifact = ${JSON.stringify(artifact)};\nexport const cases = ${JSON.stringify(cases)};\n`;
const MAIN = `import { Policy, ready } from "rolegate";
import { artifact, cases } from "./cases.js";

const bytes = Uint8Array.from(atob(artifact), (c) => c.charCodeAt(0));
let early = "compiled";
try {
  Policy.load(bytes);
} catch (e) {
  early = e.code;
}

async function main() {
  await ready;
  const compiled = Policy.load(bytes);
  const decisions = cases.map((c) => {
    const d = compiled.session(c.principal, c.tenant).check(c.action, c.resource);
    return { effect: d.effect, reason: d.reason };
  });
  window.result = { early, decisions };
}
main().catch((e) => {
  window.result = { error: String((e && e.stack) || e) };
});
`;

before(async () => {
  if (!existsSync(corpusPath)) fail(`${corpusPath} is missing: run \`cargo build\` then \`node tests/js/prepare.mjs\``);
  if (!existsSync(CHROMIUM)) fail(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\``);
  const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
  const fixture = corpus.files[FIXTURE];
  policy = corpus.presets[fixture.policy];
  artifact = corpus.artifacts[fixture.policy];
  // Every seventh case: allow, locked and deny, Outreach on and off.
  cases = fixture.cases
    .filter((_, i) => i % 7 === 0)
    .map((c) => ({
      principal: fixture.principals[c.principal],
      tenant: fixture.tenants[c.tenant],
      action: c.action,
      resource: c.resource,
      expect: { effect: c.expect.effect, reason: c.expect.reason },
    }));
  const effects = new Set(cases.map((c) => c.expect.effect));
  assert.deepEqual([...effects].sort(), ["allow", "deny", "locked"], "the chosen cases should cover allow, locked and deny");

  const started = Date.now();
  try {
    dir = scratchProject("bundlers", { dependencies: TOOLS });
  } catch (e) {
    fail(`the bundlers could not be installed (${Object.entries(TOOLS).map(([k, v]) => `${k}@${v}`).join(", ")}): ${e.stderr || e.message}`);
  }
  console.log(`bundlers: installed the package and the tools in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const chromium = await loadPlaywright();
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
  } catch (e) {
    fail(`Chromium (${CHROMIUM}) failed to start: ${e.message}`);
  }
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  if (browser) await browser.close();
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
});

/** Opens `url`; records page errors, console errors, failed requests and every path requested. */
async function openPage(url) {
  const page = await browser.newPage();
  const problems = [];
  const requested = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.stack || e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(url);
  return { page, problems, requested };
}

/** Serves `folder` on 127.0.0.1, loads `page` in Chromium and checks the decisions. */
async function checkStaticSite(label, folder, pagePath = "/index.html") {
  assert.deepEqual(wasmFiles(folder), [], `${label}: the build emitted .wasm files that no page uses`);
  const server = await serve(folder);
  servers.push(server);
  await checkPage(label, `http://127.0.0.1:${server.address().port}${pagePath}`);
}

/** Loads `url` in Chromium and checks the decisions, the console and the requests. */
async function checkPage(label, url) {
  const { page, problems, requested } = await openPage(url);
  try {
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 20_000 }).catch(() => {
      fail(`${label}: the page never produced a result; problems: ${problems.join("\n") || "none"}`);
    });
    const result = await page.evaluate(() => window.result);
    assert.equal(result.error, undefined, `${label}: the page threw: ${result.error}`);
    assert.deepEqual(problems, [], `${label}: errors on the page:\n${problems.join("\n")}`);
    assert.equal(result.early, "not_ready", `${label}: compiling before \`ready\` gave ${result.early}, expected the code not_ready`);
    assert.deepEqual(
      result.decisions,
      cases.map((c) => c.expect),
      `${label}: the decisions differ from the fixture's`,
    );
    assert.deepEqual(requested.filter((p) => p.endsWith(".wasm")), [], `${label}: the page requested a .wasm file`);
    console.log(`${label}: ${result.decisions.length} decisions as expected, no console error, no .wasm requested or emitted`);
  } finally {
    await page.close();
  }
}

/**
 * Waits until `url` answers 200 (`limit` ms at most, 30 s by default) while `child` runs; a
 * dev server compiles the page on its first request, so one request may take long.
 */
async function waitForHttp(child, url, output, limit = 30_000) {
  const deadline = Date.now() + limit;
  for (;;) {
    if (child.exitCode !== null) fail(`the server exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(5000, limit / 2)) });
      if (res.status === 200) return;
      if (Date.now() > deadline) fail(`${url} answers ${res.status}:\n${await res.text()}\n${output()}`);
    } catch (e) {
      if (Date.now() > deadline) fail(`${url} did not answer within ${limit / 1000} s (${e.message}):\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Stops a server this test started, and waits for it to exit. */
async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** A Vite project with its default configuration: index.html and the page's module. */
function viteProject(name) {
  const folder = join(dir, name);
  writeFiles(folder, {
    "index.html": `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rolegate in ${name}</title></head>
<body><script type="module" src="/main.js"></script></body></html>
`,
    "main.js": MAIN,
    "cases.js": CASES_MODULE(),
  });
  return folder;
}

for (const [name, bin] of [
  ["vite5", "vite5/bin/vite.js"],
  ["vite6", "vite6/bin/vite.js"],
  ["vite", "vite/bin/vite.js"],
]) {
  const version = TOOLS[name].replace(/^npm:vite@/, "");
  test(`Vite ${version} (default configuration): \`vite build\`, the page decides in Chromium`, { timeout: 180_000 }, async () => {
    const folder = viteProject(name);
    run(`vite ${version} build`, process.execPath, [join(dir, "node_modules", bin), "build"], folder);
    await checkStaticSite(`Vite ${version}`, join(folder, "dist"));
  });
}

test(`Vite ${TOOLS.vite5.replace(/^npm:vite@/, "")} dev server (default configuration): the page decides in Chromium`, { timeout: 120_000 }, async () => {
  const folder = viteProject("vite5-dev");
  const port = await freePort();
  let output = "";
  const child = spawn(process.execPath, [join(dir, "node_modules", "vite5", "bin", "vite.js"), "--port", String(port), "--strictPort", "--host", "127.0.0.1"], {
    cwd: folder,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  try {
    await waitForHttp(child, `http://127.0.0.1:${port}/`, () => output);
    await checkPage("Vite dev", `http://127.0.0.1:${port}/`);
    assert.doesNotMatch(output, /error/i, `the Vite dev server logged an error:\n${output}`);
  } finally {
    await stop(child);
  }
});

test(`webpack ${TOOLS.webpack} (no configuration file): the page decides in Chromium`, { timeout: 180_000 }, async () => {
  const folder = join(dir, "webpack");
  writeFiles(folder, { "src/index.js": MAIN, "src/cases.js": CASES_MODULE() });
  run(`webpack ${TOOLS.webpack}`, process.execPath, [join(dir, "node_modules", "webpack-cli", "bin", "cli.js"), "--mode", "production"], folder);
  writeFiles(folder, {
    "dist/index.html": `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rolegate in webpack</title></head>
<body><script src="main.js"></script></body></html>
`,
  });
  await checkStaticSite("webpack", join(folder, "dist"));
});

test(`Rollup ${TOOLS.rollup} (no configuration file; \`--plugin node-resolve\` to find packages): the page decides in Chromium`, { timeout: 120_000 }, async () => {
  const folder = join(dir, "rollup");
  writeFiles(folder, { "main.js": MAIN, "cases.js": CASES_MODULE() });
  run(`rollup ${TOOLS.rollup}`, process.execPath, [join(dir, "node_modules", "rollup", "dist", "bin", "rollup"), "main.js", "--plugin", "node-resolve", "--dir", "dist"], folder);
  writeFiles(folder, {
    "dist/index.html": `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rolegate in Rollup</title></head>
<body><script type="module" src="main.js"></script></body></html>
`,
  });
  await checkStaticSite("Rollup", join(folder, "dist"));
});

/** The Bun binary from the npm package `bun`; fails loudly when its platform package did not install. */
function bunBinary() {
  const bin = join(dir, "node_modules", ".bin", "bun");
  const probe = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    fail(`Bun ${TOOLS.bun} is not usable (${probe.error?.message ?? probe.stderr}): the npm package \`bun\` needs its platform package (@oven/bun-linux-x64 here) from the npm registry`);
  }
  return bin;
}

test(`Bun ${TOOLS.bun}: \`bun build\` (default target, the browser) decides in Chromium, and the Bun runtime decides as Node does`, { timeout: 120_000 }, async () => {
  const bun = bunBinary();
  const folder = join(dir, "bun");
  writeFiles(folder, {
    "main.js": MAIN,
    "cases.js": CASES_MODULE(),
    // The runtime: \`import "rolegate"\` as in Node (full module), from JSON and from the artifact.
    "run.mjs": `import { Policy, ready } from "rolegate";
import { policy, artifact, cases } from "./cases.js";
await ready;
const out = {};
for (const [label, compiled] of [["json", Policy.fromObject(policy)], ["artifact", Policy.load(Buffer.from(artifact, "base64"))]]) {
  out[label] = cases.map((c) => {
    const d = compiled.session(c.principal, c.tenant).check(c.action, c.resource);
    return { effect: d.effect, reason: d.reason };
  });
}
console.log(JSON.stringify(out));
`,
  });
  run(`bun ${TOOLS.bun} build`, bun, ["build", "main.js", "--outdir", "dist"], folder);
  writeFiles(folder, {
    "dist/index.html": `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rolegate in Bun</title></head>
<body><script type="module" src="main.js"></script></body></html>
`,
  });
  await checkStaticSite("Bun build", join(folder, "dist"));
  const result = spawnSync(bun, ["run.mjs"], { cwd: folder, encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) fail(`bun run.mjs failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  const decided = JSON.parse(result.stdout);
  const expected = cases.map((c) => c.expect);
  assert.deepEqual(decided.json, expected, "Bun (JSON policy): decisions differ from the fixture's");
  assert.deepEqual(decided.artifact, expected, "Bun (artifact): decisions differ from the fixture's");
  console.log(`Bun runtime: ${expected.length} decisions as expected, from JSON and from the artifact`);
});

for (const format of ["iife", "esm"]) {
  test(`esbuild --bundle, ${format === "iife" ? "its default format (iife)" : "--format=esm"}: the page decides in Chromium`, { timeout: 120_000 }, async () => {
    const folder = join(dir, `esbuild-${format}`);
    writeFiles(folder, { "main.js": MAIN, "cases.js": CASES_MODULE() });
    run(`esbuild ${format}`, tool("esbuild"), ["main.js", "--bundle", ...(format === "esm" ? ["--format=esm"] : []), "--outdir=dist", "--log-level=warning"], folder);
    writeFiles(folder, {
      "dist/index.html": `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rolegate in esbuild</title></head>
<body><script ${format === "esm" ? 'type="module" ' : ""}src="main.js"></script></body></html>
`,
    });
    await checkStaticSite(`esbuild ${format}`, join(folder, "dist"));
  });
}

// Next.js: the server component compiles the policy and decides (Node, the full module),
// renders those decisions, and hands a snapshot to a client component, which decides from
// it (`rolegate/snapshot`, no WebAssembly) once hydrated.
const NEXT_FILES = () => ({
  "cases.js": CASES_MODULE(),
  "app/layout.js": `export const metadata = { title: "rolegate in Next.js" };
export default function RootLayout({ children }) {
  return (<html lang="en"><head><link rel="icon" href="data:," /></head><body>{children}</body></html>);
}
`,
  "app/page.js": `import { Policy } from "rolegate";
import { policy, cases } from "../cases.js";
import Decisions from "./decisions.js";

export const dynamic = "force-dynamic";

export default function Page() {
  const compiled = Policy.fromObject(policy);
  const decisions = cases.map((c) => {
    const d = compiled.session(c.principal, c.tenant).check(c.action, c.resource);
    return { effect: d.effect, reason: d.reason };
  });
  const snapshots = cases.map((c) => compiled.session(c.principal, c.tenant).snapshot(["", c.resource?.scope ?? ""]));
  return (
    <main>
      <pre id="server">{JSON.stringify(decisions)}</pre>
      <Decisions snapshots={snapshots} />
    </main>
  );
}
`,
  "app/decisions.js": `"use client";
import { useEffect, useState } from "react";
import { snapshotCheck } from "rolegate/snapshot";
import { cases } from "../cases.js";

export default function Decisions({ snapshots }) {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const decisions = cases.map((c, i) => {
    const d = snapshotCheck(snapshots[i], c.action, c.resource?.scope ?? "");
    return { effect: d.effect, reason: d.reason };
  });
  return <pre id="client" data-hydrated={hydrated ? "yes" : "no"}>{JSON.stringify(decisions)}</pre>;
}
`,
});

for (const bundler of ["turbopack", "webpack"]) {
  test(`Next.js ${TOOLS.next} (${bundler}): \`next build\` and \`next start\`, a server component decides, a client component hydrates from its snapshot`, { timeout: 300_000 }, async () => {
    const folder = join(dir, `next-${bundler}`);
    writeFiles(folder, NEXT_FILES());
    const next = join(dir, "node_modules", "next", "dist", "bin", "next");
    run(`next build (${bundler})`, process.execPath, [next, "build", ...(bundler === "webpack" ? ["--webpack"] : [])], folder);
    assert.deepEqual(wasmFiles(join(folder, ".next")), [], `Next.js (${bundler}): the build emitted .wasm files`);

    const port = await freePort();
    let output = "";
    const child = spawn(process.execPath, [next, "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: folder,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    try {
      await checkNextApp(`Next.js (${bundler})`, child, port, () => output);
    } finally {
      await stop(child);
    }
  });
}

/**
 * The README's Next.js page: rendered on the server (the HTML holds the locked button with
 * its hint before any script runs), hydrated without errors, and the same after hydration.
 */
async function checkNextQuickstart(child, port, output) {
  const url = `http://127.0.0.1:${port}/quickstart`;
  await waitForHttp(child, url, output, 150_000);
  const hint = JSON.parse(readFileSync(join(root, "examples", "outreach.policy.json"), "utf8")).features.outreach.hint;
  const html = await (await fetch(url)).text();
  assert.match(html, /<button disabled="" title="([^"]*)">New campaign<\/button>/, "the server-rendered HTML has no locked New campaign button");
  assert.equal(/<button disabled="" title="([^"]*)">/.exec(html)[1].replace(/&#x27;/g, "'"), hint);
  assert.match(html, /SMS settings are for Org Admins/);
  const { page, problems, requested } = await openPage(url);
  try {
    await page.waitForLoadState("networkidle");
    const state = await page.evaluate(() => ({
      buttons: [...document.querySelectorAll("button")].map((b) => ({ disabled: b.disabled, title: b.title, text: b.textContent })),
      links: [...document.querySelectorAll("a")].map((a) => a.textContent),
    }));
    assert.deepEqual(state, { buttons: [{ disabled: true, title: hint, text: "New campaign" }], links: [] }, "the quickstart page after hydration");
    assert.deepEqual(problems, [], `Next.js quickstart: errors on the page:\n${problems.join("\n")}\n${output()}`);
    assert.deepEqual(requested.filter((p) => p.endsWith(".wasm")), [], "Next.js quickstart: the page requested a .wasm file");
    console.log("Next.js quickstart: the campaigner's New campaign locked with the hint, server-rendered and hydrated");
  } finally {
    await page.close();
  }
}

/** The Next.js app served on `port` by `child`: the server's and the hydrated client's decisions, no error. */
async function checkNextApp(label, child, port, output, limit) {
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(child, url, output, limit);
  const { page, problems, requested } = await openPage(url);
  try {
    await page.waitForSelector('#client[data-hydrated="yes"]', { timeout: 60_000 }).catch(() => {
      fail(`${label}: the client component never hydrated; problems: ${problems.join("\n") || "none"}\n${output()}`);
    });
    const server = JSON.parse(await page.textContent("#server"));
    const client = JSON.parse(await page.textContent("#client"));
    const expected = cases.map((c) => c.expect);
    assert.deepEqual(server, expected, `${label}: the server component's decisions differ from the fixture's`);
    assert.deepEqual(client, expected, `${label}: the client component's decisions (from the snapshot) differ`);
    assert.deepEqual(problems, [], `${label}: errors on the page:\n${problems.join("\n")}\n${output()}`);
    assert.deepEqual(requested.filter((p) => p.endsWith(".wasm")), [], `${label}: the page requested a .wasm file`);
    assert.doesNotMatch(output(), /error/i, `${label}: the server logged an error:\n${output()}`);
    console.log(`${label}: ${expected.length} decisions on the server and after hydration as expected`);
  } finally {
    await page.close();
  }
}

// The README's Next.js quickstart (examples/next/app, shown verbatim in the README) is served
// by the same dev server at /quickstart, with the example policy at the project's root.
const QUICKSTART_FILES = () => ({
  "outreach.policy.json": readFileSync(join(root, "examples", "outreach.policy.json"), "utf8"),
  "app/quickstart/page.js": readFileSync(join(root, "examples", "next", "app", "page.js"), "utf8"),
  "app/quickstart/toolbar.js": readFileSync(join(root, "examples", "next", "app", "toolbar.js"), "utf8"),
});

test(`Next.js ${TOOLS.next} dev server (\`next dev\`, default configuration): a server component decides, a client component hydrates; the README's quickstart page`, { timeout: 240_000 }, async () => {
  const folder = join(dir, "next-dev");
  writeFiles(folder, { ...NEXT_FILES(), ...QUICKSTART_FILES() });
  const next = join(dir, "node_modules", "next", "dist", "bin", "next");
  const port = await freePort();
  let output = "";
  const child = spawn(process.execPath, [next, "dev", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: folder,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const started = Date.now();
  try {
    await checkNextApp("Next.js dev", child, port, () => output, 150_000);
    console.log(`Next.js dev: first page in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await checkNextQuickstart(child, port, () => output);
  } finally {
    await stop(child);
  }
});
