// The npm package in the bundlers and frameworks people build pages with, each with its
// default configuration: scratch projects made from the packed tarball, built by Vite (5, 6
// and the latest; and Vite 5's dev server), webpack 5, esbuild (iife and esm) and Next.js (a server component that
// decides, and a client component hydrated from its snapshot; built by Turbopack and by
// webpack, served by `next start`), then loaded in Chromium. Each page must decide as the
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

/** Waits until `url` answers 200 (30 s at most) while `child` runs. */
async function waitForHttp(child, url, output) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) fail(`the server exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) return;
      if (Date.now() > deadline) fail(`${url} answers ${res.status}:\n${await res.text()}\n${output()}`);
    } catch (e) {
      if (Date.now() > deadline) fail(`${url} did not answer within 30 s (${e.message}):\n${output()}`);
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
      const url = `http://127.0.0.1:${port}/`;
      await waitForHttp(child, url, () => output);
      const { page, problems, requested } = await openPage(url);
      try {
        await page.waitForSelector('#client[data-hydrated="yes"]', { timeout: 20_000 }).catch(() => {
          fail(`Next.js (${bundler}): the client component never hydrated; problems: ${problems.join("\n") || "none"}\n${output}`);
        });
        const server = JSON.parse(await page.textContent("#server"));
        const client = JSON.parse(await page.textContent("#client"));
        const expected = cases.map((c) => c.expect);
        assert.deepEqual(server, expected, `Next.js (${bundler}): the server component's decisions differ from the fixture's`);
        assert.deepEqual(client, expected, `Next.js (${bundler}): the client component's decisions (from the snapshot) differ`);
        assert.deepEqual(problems, [], `Next.js (${bundler}): errors on the page:\n${problems.join("\n")}\n${output}`);
        assert.deepEqual(requested.filter((p) => p.endsWith(".wasm")), [], `Next.js (${bundler}): the page requested a .wasm file`);
        assert.doesNotMatch(output, /error/i, `Next.js (${bundler}): next start logged an error:\n${output}`);
        console.log(`Next.js (${bundler}): ${expected.length} decisions on the server and after hydration as expected`);
      } finally {
        await page.close();
      }
    } finally {
      await stop(child);
    }
  });
}
