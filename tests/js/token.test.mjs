// js/token.js, imported straight from the repository: every case of the shared token corpus
// (tests/fixtures/tokens/cases.json, also run by crates/token/tests/cases.rs) in Node, Deno,
// workerd and Chromium; bearer headers; configuration errors; round trips (minted here and
// verified here and by the native `rolegate token verify`, minted by `rolegate token mint`
// and verified here); and 300 mutated tokens that must get the same outcome natively.
// Deno, workerd and Chromium come from tests/js/node_modules (`bash scripts/setup js`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { CHROMIUM, CHROMIUM_ARGS, freePort, loadPlaywright, serve } from "./harness.mjs";
import { tool } from "./pack.mjs";
import { RolegateError } from "../../js/errors.js";
import { bearer, generateKeyPair, loadTokenConfig, mintToken, verifyToken } from "../../js/token.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixtures = join(root, "tests", "fixtures", "tokens");
const corpus = JSON.parse(readFileSync(join(fixtures, "cases.json"), "utf8"));
const configText = readFileSync(join(fixtures, corpus.config), "utf8");
const native = process.env.ROLEGATE_BIN ?? join(root, "target", "debug", "rolegate");

const CODES = [
  "token_missing", "token_malformed", "token_algorithm", "token_signature", "token_expired",
  "token_not_yet_valid", "token_issuer", "token_audience", "token_claims",
];

/** The outcome of one token as the corpus writes it. */
async function outcome(token, config, now) {
  try {
    const { principal, tenant } = await verifyToken(token, config, { now });
    return { ok: true, principal, tenant };
  } catch (e) {
    assert.ok(e instanceof RolegateError, `not a RolegateError: ${e}`);
    assert.equal(e.path, "token");
    assert.match(e.message, /^[a-z`]/);
    return { code: e.code };
  }
}

test("every case of the token corpus gives its expected outcome", async () => {
  const config = await loadTokenConfig(configText);
  assert.ok(corpus.cases.length >= 30);
  const failures = [];
  for (const c of corpus.cases) {
    const got = await outcome(c.token, config, c.now);
    try {
      assert.deepEqual(got, c.expect);
    } catch {
      failures.push({ name: c.name, expected: c.expect, got });
    }
  }
  assert.deepEqual(failures, []);
  console.log(`token corpus: ${corpus.cases.length} cases agree`);
});

test("the corpus covers every code, every algorithm and tokens minted natively", () => {
  const codes = new Set(corpus.cases.map((c) => c.expect.code).filter(Boolean));
  assert.deepEqual([...codes].sort(), [...CODES].sort());
  const valid = corpus.cases.filter((c) => c.expect.ok);
  for (const alg of ["HS256", "ES256", "EdDSA"]) {
    const header = (c) => JSON.parse(Buffer.from(c.token.split(".")[0], "base64url").toString());
    assert.ok(valid.some((c) => header(c).alg === alg && header(c).kid !== undefined), `${alg} with kid`);
    assert.ok(valid.some((c) => header(c).alg === alg && header(c).kid === undefined), `${alg} without kid`);
    assert.ok(valid.some((c) => c.name === `rust-minted ${alg} verifies`), `${alg} minted natively`);
  }
});

test("bearer takes `Bearer <token>` in any case and nothing else", () => {
  assert.equal(bearer("Bearer a.b.c"), "a.b.c");
  assert.equal(bearer("bEaReR a.b.c"), "a.b.c");
  for (const header of [undefined, null, "", "Bearer", "Bearer ", "Bearer  a.b.c", "Bearer a.b.c ", "Bearer a b", "Bearer a\tb", "Basic dXNlcg==", " Bearer a.b.c", "Bearera.b.c"]) {
    assert.throws(() => bearer(header), (e) => e instanceof RolegateError && e.code === "token_missing", String(header));
  }
});

test("a token is verified at the clock's time when no `now` is given", async () => {
  const { privateJwk, publicJwk } = await generateKeyPair("EdDSA", "k");
  const config = await loadTokenConfig({ keys: [publicJwk] });
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: "u", exp: now + 600, rolegate: { roles: [], tenant: { id: "t" } } };
  assert.equal((await verifyToken(await mintToken(claims, privateJwk), config)).subject, "u");
  const old = await mintToken({ ...claims, exp: now - 600 }, privateJwk);
  await assert.rejects(verifyToken(old, config), { code: "token_expired" });
});

test("verifyToken refuses a configuration that loadTokenConfig did not make", async () => {
  await assert.rejects(verifyToken("a.b.c", JSON.parse(configText)), TypeError);
});

test("configuration errors are config_invalid with the path of the problem", async () => {
  const keys = JSON.parse(configText).keys;
  const [hs, es, ed] = keys;
  const bad = [
    ["{", ""],
    [[], ""],
    [{ keys }, null],
    [{ keys, audiance: "x" }, "audiance"],
    [{ keys: [] }, "keys"],
    [{ keys: hs }, "keys"],
    [{ keys, leeway: -1 }, "leeway"],
    [{ keys, leeway: 1.5 }, "leeway"],
    [{ keys, leeway: 86401 }, "leeway"],
    [{ keys, issuer: "" }, "issuer"],
    [{ keys: [{ ...hs, k: "c2hvcnQ" }] }, "keys[0].k"],
    [{ keys: [{ ...es, d: "AAAA" }] }, "keys[0].d"],
    [{ keys: [{ ...es, alg: "EdDSA" }] }, "keys[0].kty"],
    [{ keys: [{ ...es, crv: "P-384" }] }, "keys[0].crv"],
    [{ keys: [{ ...es, y: es.x }] }, "keys[0]"],
    [{ keys: [{ ...ed, alg: "none" }] }, "keys[0].alg"],
    [{ keys: [{ ...ed, use: "enc" }] }, "keys[0].use"],
    [{ keys: [{ ...ed, x: ed.x + "=" }] }, "keys[0].x"],
    [{ keys: [hs, { ...es, kid: "hs1" }] }, "keys[1].kid"],
  ];
  for (const [config, path] of bad) {
    if (path === null) {
      await loadTokenConfig(config);
      continue;
    }
    await assert.rejects(loadTokenConfig(config), (e) => e instanceof RolegateError && e.code === "config_invalid" && e.path === path, JSON.stringify(config));
  }
});

/** Runs the native command line; a missing binary fails the test. */
function rolegate(args, input) {
  assert.ok(existsSync(native), `the native binary is missing: build it with \`cargo build -p rolegate-cli\` (or set ROLEGATE_BIN), looked at ${native}`);
  return spawnSync(native, args, { encoding: "utf8", input });
}

for (const alg of ["HS256", "ES256", "EdDSA"]) {
  test(`${alg}: minted here verifies here and natively; minted natively verifies here`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "rolegate-token-"));
    try {
      const { privateJwk, publicJwk } = await generateKeyPair(alg, `${alg}-1`);
      const configJson = { issuer: "iss", audience: "aud", keys: [publicJwk] };
      const config = await loadTokenConfig(configJson);
      writeFileSync(join(dir, "config.json"), JSON.stringify(configJson));
      const rolegateClaim = { roles: [{ role: "admin", scope: "org" }], attrs: { n: 1 }, tenant: { id: "acme", plan: "pro" } };
      const claims = { sub: "alice", iss: "iss", aud: "aud", exp: 2_000_000_000, rolegate: rolegateClaim };
      const token = await mintToken(claims, privateJwk);
      const here = await verifyToken(token, config, { now: 1_900_000_000 });
      assert.deepEqual(here.principal, { id: "alice", roles: rolegateClaim.roles, attrs: { n: 1 } });
      const there = rolegate(["token", "verify", "--config", join(dir, "config.json"), "--now", "1900000000", "-"], token);
      assert.equal(there.status, 0, there.stderr);
      assert.deepEqual(JSON.parse(there.stdout), { subject: "alice", principal: here.principal, tenant: here.tenant });
      const refused = rolegate(["token", "verify", "--config", join(dir, "config.json"), "--now", "2000000060", token]);
      assert.equal(refused.status, 1);
      assert.equal(JSON.parse(refused.stdout).error.code, "token_expired");

      writeFileSync(join(dir, "private.json"), JSON.stringify(privateJwk));
      writeFileSync(join(dir, "principal.json"), JSON.stringify({ id: "bob", roles: [{ role: "viewer", scope: "workspace:w1" }] }));
      writeFileSync(join(dir, "tenant.json"), JSON.stringify({ id: "acme", features: ["sso"] }));
      const minted = execFileSync(native, ["token", "mint", "--key", join(dir, "private.json"), "--principal", join(dir, "principal.json"), "--tenant", join(dir, "tenant.json"), "--iss", "iss", "--aud", "aud", "--now", "1900000000", "--ttl", "60"], { encoding: "utf8" }).trim();
      const back = await verifyToken(minted, config, { now: 1_900_000_030 });
      assert.deepEqual(back.principal, { id: "bob", roles: [{ role: "viewer", scope: "workspace:w1" }] });
      assert.deepEqual(back.tenant, { id: "acme", features: ["sso"] });
      assert.equal(back.claims.exp, 1_900_000_060);
      assert.equal(JSON.parse(Buffer.from(minted.split(".")[0], "base64url")).kid, `${alg}-1`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// ---- the same corpus in Deno and in workerd ---------------------------------------------

// Runs in the other runtime: every case, then a mint and verify round trip per algorithm.
const RUNNER = `import { generateKeyPair, loadTokenConfig, mintToken, verifyToken } from "./token.js";
export async function run(cases, configText) {
  const config = await loadTokenConfig(configText);
  const outcomes = [];
  for (const c of cases) {
    try {
      const { principal, tenant } = await verifyToken(c.token, config, { now: c.now });
      outcomes.push({ ok: true, principal, tenant });
    } catch (e) {
      outcomes.push({ code: e.code, name: e.name });
    }
  }
  const roundTrips = [];
  for (const alg of ["HS256", "ES256", "EdDSA"]) {
    const { privateJwk, publicJwk } = await generateKeyPair(alg, "k");
    const token = await mintToken({ sub: alg, exp: 2e9, rolegate: { roles: [], tenant: { id: "t" } } }, privateJwk);
    roundTrips.push((await verifyToken(token, await loadTokenConfig({ keys: [publicJwk] }), { now: 1.9e9 })).subject);
  }
  return { outcomes, roundTrips };
}
`;

/** A scratch directory with js/token.js, its error class, the corpus and the runner. */
function runtimeProject(name) {
  const dir = mkdtempSync(join(tmpdir(), `rolegate-token-${name}-`));
  copyFileSync(join(root, "js", "token.js"), join(dir, "token.js"));
  copyFileSync(join(root, "js", "errors.js"), join(dir, "errors.js"));
  copyFileSync(join(fixtures, "cases.json"), join(dir, "cases.json"));
  copyFileSync(join(fixtures, corpus.config), join(dir, "keys.json"));
  writeFileSync(join(dir, "runner.mjs"), RUNNER);
  return dir;
}

function assertRuntimeAgrees(runtime, result) {
  assert.equal(result.outcomes.length, corpus.cases.length);
  const failures = [];
  corpus.cases.forEach((c, i) => {
    const { name, ...got } = result.outcomes[i];
    if (got.code !== undefined) assert.equal(name, "RolegateError", `${runtime}: ${c.name}`);
    try {
      assert.deepEqual(got, c.expect);
    } catch {
      failures.push({ name: c.name, expected: c.expect, got });
    }
  });
  assert.deepEqual(failures, []);
  assert.deepEqual(result.roundTrips, ["HS256", "ES256", "EdDSA"]);
  console.log(`token corpus in ${runtime}: ${corpus.cases.length} cases agree`);
}

test("deno: every case of the token corpus, and round trips", async () => {
  const dir = runtimeProject("deno");
  try {
    writeFileSync(
      join(dir, "main.mjs"),
      `import { run } from "./runner.mjs";
const corpus = JSON.parse(await Deno.readTextFile("cases.json"));
console.log(JSON.stringify(await run(corpus.cases, await Deno.readTextFile("keys.json"))));
`,
    );
    const out = spawnSync(tool("deno"), ["run", "--allow-read=.", "main.mjs"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
    assert.equal(out.status, 0, out.stderr);
    assertRuntimeAgrees("deno", JSON.parse(out.stdout));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("workerd: every case of the token corpus, and round trips, behind a real socket", { timeout: 60_000 }, async () => {
  const dir = runtimeProject("workerd");
  const port = await freePort();
  writeFileSync(
    join(dir, "worker.mjs"),
    `import { run } from "./runner.mjs";
import corpus from "./cases.json";
import keys from "./keys.json";
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/ping") return new Response("ok");
    return Response.json(await run(corpus.cases, JSON.stringify(keys)));
  },
};
`,
  );
  const modules = [
    '(name = "worker.mjs", esModule = embed "worker.mjs")',
    '(name = "runner.mjs", esModule = embed "runner.mjs")',
    '(name = "token.js", esModule = embed "token.js")',
    '(name = "errors.js", esModule = embed "errors.js")',
    '(name = "cases.json", json = embed "cases.json")',
    '(name = "keys.json", json = embed "keys.json")',
  ];
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .tokens) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const tokens :Workerd.Worker = (
  modules = [ ${modules.join(", ")} ],
  compatibilityDate = "2025-01-01",
);
`,
  );
  let output = "";
  let exited = null;
  const child = spawn(tool("workerd"), ["serve", "config.capnp"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  child.on("exit", (code, signal) => (exited = { code, signal }));
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      assert.equal(exited, null, `workerd exited before serving:\n${output}`);
      const up = await fetch(`${base}/ping`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (up) break;
      assert.ok(Date.now() < deadline, `workerd did not answer on ${base} within 20 s:\n${output}`);
      await sleep(100);
    }
    const res = await fetch(`${base}/corpus`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 200, output);
    assertRuntimeAgrees("workerd", await res.json());
  } finally {
    if (exited === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("chromium: every case of the token corpus, and round trips, in a page", { timeout: 60_000 }, async () => {
  const dir = runtimeProject("chromium");
  writeFileSync(
    join(dir, "index.html"),
    `<!doctype html><script type="module">
import { run } from "./runner.mjs";
const [corpus, keys] = await Promise.all([fetch("cases.json").then((r) => r.json()), fetch("keys.json").then((r) => r.text())]);
run(corpus.cases, keys).then((r) => (window.result = r), (e) => (window.result = { error: String(e) }));
</script>`,
  );
  const chromium = await loadPlaywright();
  const server = await serve(dir);
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30_000 });
    const result = await page.evaluate(() => window.result);
    assert.equal(result.error, undefined, result.error);
    assertRuntimeAgrees("chromium", result);
  } finally {
    await browser?.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- differential: mutated tokens, natively and here ------------------------------------

/** A small seeded generator, so that a failure can be replayed. */
function generator(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n) => Math.floor(next() * n);
  return { below, pick: (items) => items[below(items.length)], chance: (p) => next() < p };
}

const SAMPLE_VALUES = [null, true, 0, -1, 1.5, 1e300, "", "x", "org", [], ["a"], [1, [2]], {}, { id: "t" }, { role: "r" }];

/** Replaces or deletes one member somewhere in `value` (a copy). */
function mutateJson(value, g) {
  const copy = structuredClone(value);
  const containers = [];
  const walk = (v) => {
    if (v !== null && typeof v === "object") {
      containers.push(v);
      Object.values(v).forEach(walk);
    }
  };
  walk(copy);
  const target = g.pick(containers);
  const keys = Object.keys(target);
  const key = keys.length > 0 && g.chance(0.8) ? g.pick(keys) : g.pick(["extra", "0", "scope", "attrs", "plan"]);
  if (g.chance(0.3) && !Array.isArray(target)) delete target[key];
  else target[key] = structuredClone(g.pick(SAMPLE_VALUES));
  return copy;
}

/** What the native engine reads for a principal or tenant: absent and null are the same. */
function normalized(identity) {
  const { principal, tenant } = identity;
  const p = { id: principal.id, roles: principal.roles.map((r) => ({ role: r.role, scope: r.scope ?? "" })) };
  if (principal.attrs && Object.keys(principal.attrs).length > 0) p.attrs = principal.attrs;
  const t = { id: tenant.id };
  if (tenant.plan !== undefined && tenant.plan !== null) t.plan = tenant.plan;
  if (tenant.features?.length > 0) t.features = tenant.features;
  if (tenant.attrs && Object.keys(tenant.attrs).length > 0) t.attrs = tenant.attrs;
  return { subject: identity.subject, principal: p, tenant: t };
}

test("300 mutated tokens get the same outcome natively and here", { timeout: 120_000 }, async () => {
  const g = generator(Number(process.env.TOKEN_SEED ?? 20261128));
  const config = await loadTokenConfig(configText);
  const privateKeys = JSON.parse(readFileSync(join(fixtures, "keys.private.json"), "utf8")).keys;
  const valid = corpus.cases.filter((c) => c.expect.ok);
  const configPath = join(fixtures, corpus.config);
  const codes = new Map();
  const disagreements = [];
  for (let i = 0; i < 300; i++) {
    const base = g.pick(valid);
    let token;
    if (g.chance(0.4)) {
      const at = g.below(base.token.length);
      token = base.token.slice(0, at) + g.pick([..."AQgw-_=+/. x", "%"]) + base.token.slice(at + 1);
    } else {
      const claims = JSON.parse(Buffer.from(base.token.split(".")[1], "base64url").toString());
      const key = g.pick(privateKeys);
      const kid = g.chance(0.8) ? g.pick([undefined, null]) : g.pick(["hs1", "es1", "ed1", "nope"]);
      let mutated;
      if (g.chance(0.4)) {
        mutated = { ...claims };
        const name = g.pick(["exp", "nbf", "iat", "iss", "aud", "sub"]);
        const near = [base.now - 100, base.now - 30, base.now + 30, base.now + 100];
        const values = [...near, ...near, "https://auth.example", "https://other.example", "rolegate-demo", ["x", "rolegate-demo"], ["x"], ...SAMPLE_VALUES];
        if (g.chance(0.2)) delete mutated[name];
        else mutated[name] = g.pick(values);
      } else {
        mutated = mutateJson(claims, g);
      }
      token = await mintToken(mutated, key, { kid });
    }
    let here;
    try {
      here = normalized(await verifyToken(token, config, { now: base.now }));
    } catch (e) {
      assert.ok(e instanceof RolegateError, String(e));
      here = { code: e.code };
    }
    const out = rolegate(["token", "verify", "--config", configPath, "--now", String(base.now), token]);
    assert.ok(out.status === 0 || out.status === 1, `${token}: exit ${out.status}: ${out.stderr}`);
    const printed = JSON.parse(out.stdout);
    const there = printed.error ? { code: printed.error.code } : printed;
    codes.set(here.code ?? "ok", (codes.get(here.code ?? "ok") ?? 0) + 1);
    try {
      assert.deepEqual(there, here);
    } catch {
      disagreements.push({ token, here, there });
    }
  }
  assert.deepEqual(disagreements.slice(0, 5), []);
  assert.ok(codes.size >= 6, `too few outcomes: ${JSON.stringify([...codes])}`);
  console.log(`mutated tokens: ${JSON.stringify(Object.fromEntries(codes))}`);
});
