// The policy loader of rolegate/edge, from the packed package: a policy served over real
// HTTP on 127.0.0.1 with an ETag (revalidated with If-None-Match, 304 keeps it), a broken
// update refused with its code while the last good policy stays, one log line per distinct
// failure, fail closed before any policy, and a Workers KV namespace as the source (an
// object with KV's `get(key, { type: "text" })`, as the Workers runtime hands it to a Worker).
//
// usage: node --test tests/js/loader.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, scratchProject } from "./pack.mjs";

const POLICY = JSON.parse(readFileSync(join(root, "tests", "fixtures", "gates", "example.json"), "utf8")).policy;

let edge;
let server;
let url;
const served = { status: 503, text: "", etag: null, requests: [] };

before(async () => {
  const dir = scratchProject("loader");
  edge = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "edge-node.mjs")).href);
  server = createServer((req, res) => {
    served.requests.push({ ifNoneMatch: req.headers["if-none-match"] ?? null });
    if (served.status !== 200) return res.writeHead(served.status).end("unavailable");
    if (served.etag && req.headers["if-none-match"] === served.etag) return res.writeHead(304).end();
    res.writeHead(200, { "content-type": "application/json", ...(served.etag ? { etag: served.etag } : {}) }).end(served.text);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${server.address().port}/policy.json`;
});

after(() => new Promise((resolve) => server.close(resolve)));

test("loader: fails closed, then follows the served policy, and keeps the last good one", async () => {
  const logs = [];
  const loader = edge.createPolicyLoader({ url, interval: 0, log: (line) => logs.push(line) });
  assert.equal(await loader.current(), null, "no policy before one is served");
  assert.equal(loader.error, "fetch_failed");

  served.status = 200;
  served.text = JSON.stringify(POLICY);
  served.etag = '"v1"';
  const first = await loader.current();
  assert.ok(first, "the served policy is loaded");
  assert.equal(loader.error, null);
  const v1 = first.fingerprint;

  // Revalidation sends the ETag; 304 keeps the very same compiled policy.
  served.requests.length = 0;
  assert.equal(await loader.current(), first);
  assert.deepEqual(served.requests, [{ ifNoneMatch: '"v1"' }]);

  // A new policy is swapped in.
  served.text = JSON.stringify({ ...POLICY, name: "second version" });
  served.etag = '"v2"';
  const second = await loader.current();
  assert.notEqual(second.fingerprint, v1);

  // A broken update is refused with its code; the last good policy stays; one log line.
  served.text = JSON.stringify({ ...POLICY, actions_typo: {} });
  served.etag = '"v3"';
  assert.equal(await loader.current(), second);
  assert.equal(loader.error, "unknown_field");
  assert.equal(await loader.current(), second);
  assert.equal(logs.filter((l) => l.includes("unknown_field")).length, 1, `one line per distinct failure: ${logs.join("\n")}`);
  assert.match(logs.at(-1), /the last good policy stays in force/);

  // The server down: still the last good policy, the error says so.
  served.status = 500;
  assert.equal(await loader.current(), second);
  assert.equal(loader.error, "fetch_failed");

  // Served again (unchanged since the last good one): the error clears.
  served.status = 200;
  served.text = JSON.stringify({ ...POLICY, name: "second version" });
  served.etag = '"v2"';
  assert.equal((await loader.current()).fingerprint, second.fingerprint);
  assert.equal(loader.error, null);
});

test("loader: revalidates only when the interval has passed", async () => {
  served.status = 200;
  served.text = JSON.stringify(POLICY);
  served.etag = '"i1"';
  const loader = edge.createPolicyLoader({ url, interval: 60_000 });
  await loader.current();
  served.requests.length = 0;
  await loader.current();
  await loader.current();
  assert.equal(served.requests.length, 0, "no request within the interval");
  await loader.refresh();
  assert.equal(served.requests.length, 1, "refresh() revalidates at once");
});

test("loader: a Workers KV namespace as the source", async () => {
  const store = new Map();
  const namespace = { get: async (key, options) => (assert.deepEqual(options, { type: "text" }), store.get(key) ?? null) };
  const loader = edge.createPolicyLoader({ kv: (env) => env.POLICY_KV, key: "policy.json", interval: 0, log: () => {} });
  const env = { POLICY_KV: namespace };
  assert.equal(await loader.current(env), null);
  store.set("policy.json", JSON.stringify(POLICY));
  const policy = await loader.current(env);
  assert.equal(policy.fingerprint, edge.Policy.fromObject(POLICY).fingerprint);
  store.set("policy.json", "{ not json");
  assert.equal(await loader.current(env), policy);
  assert.equal(loader.error, "syntax");
});

test("a gate without a policy or a loader is a configuration error", () => {
  assert.throws(() => edge.createGate({ tokens: {} }), TypeError);
  assert.throws(() => edge.createGate({ policy: edge.Policy.fromObject(POLICY) }), TypeError);
});
