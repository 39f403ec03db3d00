// A real trap in the WebAssembly engine, through the package's JavaScript layer (api.js from
// the packed tarball) over a module built with the feature `debug-trap` (tests/js/trap.mjs):
// in Node and in headless Chromium, the call that traps is a RolegateError `trapped`, the
// objects of the trapped instance refuse every call, and new policies decide as before over
// a fresh instance, trap after trap (tests/js/hostile.mjs, `runTrap`).
//
// usage: node --test tests/js/trap.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, scratchProject } from "./pack.mjs";
import { CHROMIUM, CHROMIUM_ARGS, loadPlaywright, serve } from "./harness.mjs";
import { runTrap } from "./hostile.mjs";
import { buildTrapModule } from "./trap.mjs";

let module;
let dir;
let artifact;

before(async () => {
  module = await buildTrapModule();
  dir = scratchProject("trap");
  const hostile = JSON.parse(readFileSync(join(root, "target", "js-hostile.json"), "utf8"));
  artifact = Buffer.from(hostile.artifacts["requests.json"], "base64");
});

test("a trap in Node: `trapped`, the old objects refuse, new policies decide as before", async () => {
  const raw = await import(pathToFileURL(join(module, "rolegate.js")).href);
  raw.initSync({ module: readFileSync(join(module, "rolegate_bg.wasm")) });
  const { createApi } = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "api.js")).href);
  const api = createApi(raw);
  const printed = [];
  const error = console.error;
  console.error = (...args) => printed.push(args.join(" "));
  let result;
  try {
    result = runTrap(api, raw, new Uint8Array(artifact));
  } finally {
    console.error = error;
  }
  assert.deepEqual(result.failures, []);
  // The panic's message reached console.error (the debug build's panic hook).
  assert.ok(printed.some((m) => m.includes("the trap armed by a test went off")), printed.join("\n"));
  // Without the package's restart, the object whose call trapped is unusable for good.
  assert.match(result.seen.trap, /RuntimeError: unreachable/);
  assert.notEqual(result.seen.after, "answered");
  console.log(`node: 3 traps, each answered \`trapped\` and followed by a fresh instance; a raw instance left as it is: ${result.seen.trap}, then ${result.seen.after}`);
});

let server;
let browser;
after(async () => {
  await browser?.close();
  server?.close();
});

test("a trap in Chromium: the same", async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`bash scripts/setup chromium\``);
  const chromium = await loadPlaywright();
  mkdirSync(join(dir, "trap"), { recursive: true });
  for (const f of ["rolegate.js", "rolegate_bg.wasm"]) copyFileSync(join(module, f), join(dir, "trap", f));
  copyFileSync(join(root, "tests", "js", "hostile.mjs"), join(dir, "hostile.mjs"));
  writeFileSync(join(dir, "artifact.bin"), artifact);
  writeFileSync(
    join(dir, "trap.html"),
    `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>trap</title></head>
<body><script type="module">
import init, * as raw from "/trap/rolegate.js";
import { createApi } from "/node_modules/rolegate/api.js";
import { runTrap } from "/hostile.mjs";
try {
  await init({ module_or_path: new URL("/trap/rolegate_bg.wasm", location.href) });
  const api = createApi(raw);
  const artifact = new Uint8Array(await (await fetch("/artifact.bin")).arrayBuffer());
  window.result = runTrap(api, raw, artifact);
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
</script></body></html>
`,
  );
  server = await serve(dir);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const tab = await browser.newPage();
  const printed = [];
  tab.on("console", (m) => printed.push(m.text()));
  await tab.goto(`http://127.0.0.1:${server.address().port}/trap.html`);
  await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 60_000 });
  const result = await tab.evaluate(() => window.result);
  assert.equal(result.error, undefined, result.error);
  assert.deepEqual(result.failures, []);
  assert.ok(printed.some((m) => m.includes("the trap armed by a test went off")), printed.join("\n"));
  assert.match(result.seen.trap, /RuntimeError: unreachable/);
  assert.notEqual(result.seen.after, "answered");
  console.log(`chromium: 3 traps, each answered \`trapped\` and followed by a fresh instance; a raw instance left as it is: ${result.seen.trap}, then ${result.seen.after}`);
});
