// The hostile-input corpus (tests/fixtures/hostile/) through the npm package, installed
// from its packed tarball: in Node (the full module, ES module and CommonJS) and in headless
// Chromium (the page module from artifacts, and `rolegate/full` compiling text). Each case
// gets its coded error or the native engine's decision for the same JSON; the instance
// stays healthy through every kind of erroring call; Object.prototype is unchanged after.
//
// usage: node --test tests/js/hostile.test.mjs (after tests/js/prepare.mjs)

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, scratchProject } from "./pack.mjs";
import { CHROMIUM, CHROMIUM_ARGS, loadPlaywright, serve } from "./harness.mjs";
import { prototypes, runDocuments, runHealth, runRequests } from "./hostile.mjs";

const hostilePath = join(root, "target", "js-hostile.json");
let hostile;
let dir;
let esm;
let cjs;
let before_;

before(async () => {
  if (!existsSync(hostilePath)) throw new Error(`${hostilePath} is missing: run \`node tests/js/prepare.mjs\``);
  hostile = JSON.parse(readFileSync(hostilePath, "utf8"));
  before_ = prototypes();
  dir = scratchProject("hostile");
  writeFileSync(join(dir, "load.mjs"), 'export * from "rolegate";\n');
  esm = await import(pathToFileURL(join(dir, "load.mjs")).href);
  cjs = createRequire(join(dir, "index.cjs"))("rolegate");
});

const requestFiles = () => Object.keys(hostile.files).filter((n) => hostile.files[n].policy);

test("hostile documents in Node: each refused with its code and path, or compiled", () => {
  const result = runDocuments(esm, hostile.files["documents.json"]);
  assert.deepEqual(result.failures, []);
  assert.ok(result.cases >= 25, `${result.cases} cases`);
  console.log(`node: ${result.cases} hostile documents (${result.skipped} TOML ones skipped: the module reads JSON)`);
});

test("hostile requests in Node: the native decision or the coded error, from text and from the artifact", () => {
  let total = 0;
  for (const api of [esm, cjs]) {
    for (const name of requestFiles()) {
      const file = hostile.files[name];
      for (const policy of [api.Policy.fromObject(file.policy), api.Policy.load(Buffer.from(hostile.artifacts[name], "base64"))]) {
        const result = runRequests(policy, file, hostile.native[name]);
        assert.deepEqual(result.failures, [], name);
        total += result.cases;
        policy.free();
      }
    }
  }
  assert.ok(total >= 4 * 300, `${total} cases`);
  console.log(`node: ${total} hostile requests (ESM and CommonJS, text and artifact)`);
});

test("the instance stays healthy in Node: known-good answers between erroring calls", () => {
  const policy = esm.Policy.fromObject(hostile.files["requests.json"].policy);
  assert.deepEqual(runHealth(esm, policy, { text: true }), []);
  policy.free();
});

test("a snapshot keeps a scope named `__proto__` as data", () => {
  const policy = esm.Policy.fromObject(hostile.files["requests.json"].policy);
  const session = policy.session({ id: "u1", roles: [{ role: "__proto__", scope: "org" }] }, { id: "acme" });
  const snap = session.snapshot(["org", "__proto__", "constructor"]);
  assert.deepEqual(Object.keys(snap.scopes), ["org", "__proto__", "constructor"]);
  assert.equal(Object.getPrototypeOf(snap.scopes), Object.prototype);
  assert.equal(snap.scopes.__proto__["doc.view"].reason, "bad_scope");
  const copy = JSON.parse(JSON.stringify(snap));
  assert.deepEqual(Object.keys(copy.scopes), ["org", "__proto__", "constructor"]);
  // A scope the snapshot does not hold is not found on Object.prototype.
  const only = session.snapshot(["org"]);
  for (const scope of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
    assert.throws(() => esm.snapshotCheck(only, "doc.view", scope), (e) => e.code === "not_in_snapshot", scope);
  }
  session.free();
  policy.free();
});

test("Object.prototype and the other prototypes are unchanged after the corpus in Node", () => {
  assert.deepEqual(prototypes(), before_);
});

// Chromium: the page module (artifacts) and the full module (text) without a bundler.
let server;
let browser;

after(async () => {
  await browser?.close();
  server?.close();
});

test("the hostile corpus in Chromium: page module and full module, healthy instance, prototypes unchanged", async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`bash scripts/setup chromium\``);
  const chromium = await loadPlaywright();
  copyFileSync(join(root, "tests", "js", "hostile.mjs"), join(dir, "hostile.mjs"));
  copyFileSync(hostilePath, join(dir, "hostile.json"));
  const page = (entry) => `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>hostile</title></head>
<body><script type="module">
import * as api from "${entry}";
import { prototypes, runDocuments, runHealth, runRequests } from "/hostile.mjs";
try {
  const before = prototypes();
  const hostile = await (await fetch("/hostile.json")).json();
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const out = { documents: null, requests: 0, failures: [] };
  if (api.features.text) {
    const d = runDocuments(api, hostile.files["documents.json"]);
    out.documents = d.cases;
    out.failures.push(...d.failures);
  }
  for (const [name, file] of Object.entries(hostile.files)) {
    if (!file.policy) continue;
    const policies = [api.Policy.load(bytes(hostile.artifacts[name]))];
    if (api.features.text) policies.push(api.Policy.fromObject(file.policy));
    for (const policy of policies) {
      const r = runRequests(policy, file, hostile.native[name]);
      out.requests += r.cases;
      out.failures.push(...r.failures.map((f) => name + ": " + f));
      policy.free();
    }
  }
  const policy = api.Policy.load(bytes(hostile.artifacts["requests.json"]));
  out.failures.push(...runHealth(api, policy, { text: api.features.text }).map((f) => "health: " + f));
  const after = prototypes();
  if (JSON.stringify(after) !== JSON.stringify(before)) out.failures.push("prototypes changed: " + JSON.stringify(after));
  window.result = out;
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
</script></body></html>
`;
  writeFileSync(join(dir, "hostile-page.html"), page("/node_modules/rolegate/web.js"));
  writeFileSync(join(dir, "hostile-full.html"), page("/node_modules/rolegate/full-web.js"));
  server = await serve(dir);
  const origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  for (const [label, file, text] of [["page module", "hostile-page.html", false], ["full module", "hostile-full.html", true]]) {
    const tab = await browser.newPage();
    const errors = [];
    tab.on("pageerror", (e) => errors.push(String(e)));
    await tab.goto(`${origin}/${file}`);
    await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 120_000 });
    const result = await tab.evaluate(() => window.result);
    assert.equal(result.error, undefined, `${label}: ${result.error}`);
    assert.deepEqual(result.failures, [], label);
    assert.deepEqual(errors, [], label);
    assert.ok(result.requests >= 300, `${label}: ${result.requests} requests`);
    if (text) assert.ok(result.documents >= 25, `${label}: ${result.documents} documents`);
    console.log(`chromium (${label}): ${result.requests} hostile requests${text ? `, ${result.documents} documents` : ""}, healthy instance, prototypes unchanged`);
    await tab.close();
  }
});
