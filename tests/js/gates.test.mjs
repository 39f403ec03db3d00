// The four gates side by side, over real HTTP on 127.0.0.1: the Worker of examples/worker in
// workerd, examples/deno/gate.ts in Deno, examples/node-express in Node, and examples/axum
// (native), each started by this test from the packed package (or the workspace's build),
// all loading their policy from one policy server (examples/worker/origin.mjs, which reads
// the policy file on every request). Then:
// - before any policy exists, every gate fails closed (503 policy_unavailable);
// - for each preset in turn, the policy file is switched and every gate picks it up without
//   a restart; then the same generated requests (tokens of the preset's personas, every
//   route, random and tricky paths) go through all four: status, reason and the policy
//   fingerprint header must be identical for each (at least 1,000 requests in all);
// - each bad-token case is refused with its code by all four;
// - path tricks, sent raw (`/api/../billing`, `%2e%2e`, encoded slashes, `//`, case);
// - a broken policy update is refused: the last good policy stays in force, the gates say
//   so in `rolegate-policy-error`.
//
// usage: node --test tests/js/gates.test.mjs (after scripts/build-npm and prepare.mjs)

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { root, scratchProject, tool } from "./pack.mjs";
import { freePort } from "./harness.mjs";

const INTERVAL_MS = 150;
const AXUM_BIN = join(root, "target", "debug", "rolegate-axum-example");
const CLI = join(root, "target", "debug", "rolegate");
const TOKENS = join(root, "tests", "fixtures", "tokens");
const GATE_FIXTURES = join(root, "tests", "fixtures", "gates");

const children = [];
process.on("exit", () => children.forEach((c) => c.exitCode === null && c.kill("SIGKILL")));
after(() => children.forEach((c) => c.exitCode === null && c.kill("SIGKILL")));

/**
 * Starts a process; resolves when it prints `listening` (or at once with `quiet`: workerd
 * prints nothing when it serves), with its output kept for errors.
 */
function start(name, command, args, options, quiet = false) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  child.output = "";
  if (quiet) {
    child.stdout.on("data", (d) => (child.output += d));
    child.stderr.on("data", (d) => (child.output += d));
    return Promise.resolve(child);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s:\n${child.output}`)), 60_000);
    const seen = (d) => {
      child.output += d;
      if (/listening|origin on/.test(child.output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening:\n${child.output}`));
    });
  });
}

/** One raw HTTP request (the path is sent exactly as given). */
function send(port, method, path, token, extraHeaders = {}) {
  return new Promise((resolve, reject) => {
    const headers = { ...extraHeaders };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers, timeout: 20_000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          reason: res.headers["rolegate-reason"] ?? null,
          outcome: res.headers["rolegate-outcome"] ?? null,
          policy: res.headers["rolegate-policy"] ?? null,
          policyError: res.headers["rolegate-policy-error"] ?? null,
          body,
        }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on("error", reject);
    req.end();
  });
}

/** A small deterministic random generator (xorshift), so that runs are repeatable. */
function random(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const gates = {}; // name -> port
let policyFile;
let mint; // (persona) -> token
let api; // the package, in this process
let presets; // [{ name, json, fingerprint, personas, routes }]
let loaded = {}; // the Node and axum gates with a resource loader: name -> port

before(async () => {
  for (const file of [CLI, AXUM_BIN]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`cargo build --workspace\``);
  }
  const workerd = tool("workerd");
  const esbuild = tool("esbuild");
  const deno = tool("deno");
  const dir = scratchProject("gates");
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "express@5.3.0"], { cwd: dir, encoding: "utf8" });
  api = await import(join(dir, "node_modules", "rolegate", "edge-node.mjs"));

  // Keys and tokens: the verification config every gate reads, and the private keys.
  copyFileSync(join(TOKENS, "keys.json"), join(dir, "tokens.json"));
  const privateKeys = JSON.parse(readFileSync(join(TOKENS, "keys.private.json"), "utf8"));
  const config = JSON.parse(readFileSync(join(TOKENS, "keys.json"), "utf8"));
  const es256 = (privateKeys.keys ?? privateKeys).find((k) => k.alg === "ES256");
  const exp = Math.floor(Date.now() / 1000) + 3600;
  mint = (persona, extra = {}) =>
    api.mintToken(
      {
        sub: persona.principal.id,
        iss: config.issuer,
        aud: config.audience,
        exp,
        rolegate: { roles: persona.principal.roles ?? [], attrs: persona.principal.attrs, tenant: persona.tenant },
        ...extra,
      },
      es256,
    );

  // The presets, their personas (from the gate fixtures) and their routes (from the CLI).
  presets = readdirSync(GATE_FIXTURES)
    .filter((f) => f.endsWith(".json") && f !== "example.json")
    .sort()
    .map((f) => {
      const fixture = JSON.parse(readFileSync(join(GATE_FIXTURES, f), "utf8"));
      const name = fixture.preset;
      const json = execFileSync(CLI, ["export", name], { encoding: "utf8" });
      return {
        name,
        json,
        fingerprint: execFileSync(CLI, ["fingerprint", name], { encoding: "utf8" }).trim(),
        personas: fixture.personas,
        cases: fixture.cases,
        routes: JSON.parse(execFileSync(CLI, ["routes", name, "--json"], { encoding: "utf8" })),
      };
    });
  assert.ok(presets.length >= 5, "a gate fixture file for each preset");

  // The policy server and the Worker's origin.
  policyFile = join(dir, "policy.json");
  rmSync(policyFile, { force: true });
  const [originPort, policyPort] = [await freePort(), await freePort()];
  const policyUrl = `http://127.0.0.1:${policyPort}/policy.json`;
  copyFileSync(join(root, "examples", "worker", "origin.mjs"), join(dir, "origin.mjs"));
  const env = { ...process.env, ORIGIN_PORT: String(originPort), POLICY_PORT: String(policyPort) };
  await start("origin", process.execPath, ["origin.mjs", policyFile], { cwd: dir, env });

  const common = { ...process.env, TOKENS: join(dir, "tokens.json"), POLICY_URL: policyUrl, POLICY_INTERVAL_MS: String(INTERVAL_MS) };
  const starting = [];

  // workerd: the example Worker, bundled as its package.json says, its config with free ports.
  copyFileSync(join(root, "examples", "worker", "worker.js"), join(dir, "worker.js"));
  const build = spawnSync(esbuild, ["worker.js", "--bundle", "--format=esm", "--platform=neutral", "--conditions=workerd,worker,import", "--external:*.wasm", "--outfile=dist/worker.js", "--log-level=warning"], { cwd: dir, encoding: "utf8" });
  assert.equal(build.status, 0, `esbuild: ${build.stderr}`);
  gates.workerd = await freePort();
  const capnp = readFileSync(join(root, "examples", "worker", "config.capnp"), "utf8")
    .replaceAll("127.0.0.1:8787", `127.0.0.1:${gates.workerd}`)
    .replaceAll("127.0.0.1:8788", `127.0.0.1:${originPort}`)
    .replaceAll("http://127.0.0.1:8789/policy.json", policyUrl)
    .replace('(name = "POLICY_INTERVAL_MS", text = "30000")', `(name = "POLICY_INTERVAL_MS", text = "${INTERVAL_MS}")`);
  assert.ok(capnp.includes(policyUrl) && capnp.includes(`"${INTERVAL_MS}"`), "the example config has the expected bindings");
  writeFileSync(join(dir, "config.capnp"), capnp);
  const workerdProcess = await start("workerd", workerd, ["serve", "config.capnp", "--verbose"], { cwd: dir }, true);

  // Deno.
  gates.deno = await freePort();
  copyFileSync(join(root, "examples", "deno", "gate.ts"), join(dir, "gate.ts"));
  writeFileSync(join(dir, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
  starting.push(start("deno", deno, ["run", "--allow-net", "--allow-read", "--allow-env", "gate.ts"], { cwd: dir, env: { ...common, PORT: String(gates.deno), DENO_DIR: join(root, "target", "deno-dir") } }));

  // Node with Express.
  gates.node = await freePort();
  copyFileSync(join(root, "examples", "node-express", "server.mjs"), join(dir, "server.mjs"));
  starting.push(start("node-express", process.execPath, ["server.mjs"], { cwd: dir, env: { ...common, PORT: String(gates.node) } }));

  // axum.
  gates.axum = await freePort();
  starting.push(start("axum", AXUM_BIN, ["--tokens", join(dir, "tokens.json"), "--policy-url", policyUrl, "--interval-ms", String(INTERVAL_MS), "--listen", `127.0.0.1:${gates.axum}`], { cwd: dir }));
  // The Node and axum gates again, with a resource loader over the same numbers, on calilio
  // (a member sees only the numbers assigned to them: the `origin` outcome).
  const numbers = JSON.stringify([["n1", { assignee: "u3" }], ["n2", { assignee: "u9" }]]);
  writeFileSync(join(dir, "calilio.json"), execFileSync(CLI, ["export", "calilio"], { encoding: "utf8" }));
  loaded.node = await freePort();
  starting.push(start("node-express (loader)", process.execPath, ["server.mjs"], { cwd: dir, env: { ...process.env, TOKENS: join(dir, "tokens.json"), POLICY_FILE: join(dir, "calilio.json"), NUMBERS: numbers, PORT: String(loaded.node) } }));
  loaded.axum = await freePort();
  starting.push(start("axum (loader)", AXUM_BIN, ["--tokens", join(dir, "tokens.json"), "--policy", "calilio", "--numbers", numbers, "--listen", `127.0.0.1:${loaded.axum}`], { cwd: dir }));
  await Promise.all(starting);
  // workerd prints nothing when it listens with a config: wait until its socket answers.
  await waitFor(async () => (await send(gates.workerd, "GET", "/")).status > 0, `workerd answers\n${workerdProcess.output}`);
});

async function waitFor(check, what, limit = 20_000) {
  const deadline = Date.now() + limit;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

/** Sends one request to every gate; returns `{ gate: answer }`. */
async function everywhere(method, path, token, headers) {
  const out = {};
  await Promise.all(Object.entries(gates).map(async ([name, port]) => (out[name] = await send(port, method, path, token, headers))));
  return out;
}

/** Switches the served policy and waits until every gate enforces it. */
async function usePolicy(text, fingerprint, token) {
  writeFileSync(policyFile, text);
  for (const [name, port] of Object.entries(gates)) {
    await waitFor(async () => (await send(port, "GET", "/", token)).policy === fingerprint, `${name} enforces policy ${fingerprint.slice(0, 12)}`);
  }
}

function sameEverywhere(answers, label) {
  const shape = (a) => `${a.status} ${a.reason} ${a.policy}`;
  const first = shape(Object.values(answers)[0]);
  for (const [name, a] of Object.entries(answers)) {
    assert.equal(shape(a), first, `${label}: ${name} answered ${shape(a)}, ${Object.keys(answers)[0]} ${first}\n${JSON.stringify(answers)}`);
  }
}

/** The requests for one preset: every persona on every route, the fixture cases, random paths. */
function requestsFor(preset, rand) {
  const ids = new Set(["x1"]);
  for (const p of Object.values(preset.personas)) {
    for (const r of p.principal.roles ?? []) for (const part of String(r.scope).split("/")) if (part.includes(":")) ids.add(part.split(":")[1]);
    ids.add(p.principal.id);
  }
  const pool = [...ids];
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const out = [];
  for (const persona of Object.keys(preset.personas)) {
    for (const route of preset.routes) {
      const [method, pattern] = route.route.split(" ");
      const path = pattern.replace(/\{[^}]+\}/g, () => pick(pool));
      out.push({ persona, method, path });
    }
  }
  for (const c of preset.cases) if (!c.attrs) out.push({ persona: c.persona, method: c.method, path: c.path });
  const literals = [...new Set(preset.routes.flatMap((r) => r.route.split(" ")[1].split("/").filter((s) => s && !s.startsWith("{"))))];
  const tricky = ["..", ".", "%2e%2e", "%2F", "a%2Fb", "", "%41", "%zz", "API", "%252F"];
  for (let i = 0; i < 40; i++) {
    const segments = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => (rand() < 0.2 ? pick(tricky) : rand() < 0.6 ? pick(literals) : pick(pool)));
    out.push({ persona: pick(Object.keys(preset.personas)), method: pick(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "get"]), path: `/${segments.join("/")}${rand() < 0.1 ? "/" : ""}` });
  }
  return out;
}

test("gates: every gate fails closed before it ever had a policy", { timeout: 60_000 }, async () => {
  const token = await mint(Object.values(presets[0].personas)[0]);
  const answers = await everywhere("GET", "/api/billing", token);
  for (const [name, a] of Object.entries(answers)) {
    assert.equal(a.status, 503, `${name}: ${JSON.stringify(a)}`);
    assert.equal(a.reason, "policy_unavailable", name);
  }
});

test("gates: the same generated requests get the same status, reason and fingerprint from all four", { timeout: 600_000 }, async () => {
  const rand = random(20261128);
  let total = 0;
  const outcomes = new Map();
  for (const preset of presets) {
    const tokens = {};
    for (const [name, persona] of Object.entries(preset.personas)) tokens[name] = await mint(persona);
    await usePolicy(preset.json, preset.fingerprint, Object.values(tokens)[0]);
    const requests = requestsFor(preset, rand);
    for (let i = 0; i < requests.length; i += 8) {
      await Promise.all(
        requests.slice(i, i + 8).map(async (r) => {
          const answers = await everywhere(r.method, r.path, tokens[r.persona]);
          sameEverywhere(answers, `${preset.name} ${r.persona} ${r.method} ${r.path}`);
          const a = answers.axum;
          assert.equal(a.policy, preset.fingerprint, `${preset.name}: the fingerprint header`);
          const key = `${a.status} ${a.reason}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }),
      );
    }
    total += requests.length;
  }
  assert.ok(total >= 1000, `at least 1,000 requests (sent ${total})`);
  // The set is varied: allowed, denied, locked, no route and origin answers all occur.
  const seen = [...outcomes.keys()].join(", ");
  for (const want of [/^200 granted$/, /^403 no_grant$|^403 not_member$/, /^403 (feature_disabled|plan_required)$/, /^404 no_route$/, /^403 origin$/]) {
    assert.ok([...outcomes.keys()].some((k) => want.test(k)), `answers include ${want} (seen: ${seen})`);
  }
  console.log(`gates agreed on ${total} requests; answers: ${[...outcomes].map(([k, n]) => `${k} x${n}`).join(", ")}`);
});

test("gates: each bad token is refused with its code by all four", { timeout: 120_000 }, async () => {
  const preset = presets.find((p) => p.name === "outreach") ?? presets[0];
  const persona = Object.values(preset.personas)[0];
  await usePolicy(preset.json, preset.fingerprint, await mint(persona));
  const now = Math.floor(Date.now() / 1000);
  const good = await mint(persona);
  const [h, p, s] = good.split(".");
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  const cases = {
    token_missing: undefined,
    token_malformed: "not-a-token",
    token_algorithm: `${b64({ alg: "none", typ: "JWT" })}.${p}.`,
    token_signature: `${h}.${b64({ ...claims, sub: "someone-else" })}.${s}`,
    token_expired: await mint(persona, { exp: now - 3600 }),
    token_not_yet_valid: await mint(persona, { nbf: now + 3600 }),
    token_audience: await mint(persona, { aud: "another-api" }),
    token_issuer: await mint(persona, { iss: "https://evil.example" }),
    token_claims: await mint(persona, { rolegate: { roles: [{ role: "no_such_role", scope: "org" }], tenant: persona.tenant } }),
  };
  for (const [code, token] of Object.entries(cases)) {
    const answers = await everywhere("GET", "/api/billing", token);
    sameEverywhere(answers, code);
    for (const [name, a] of Object.entries(answers)) {
      assert.equal(a.status, 401, `${code} at ${name}: ${JSON.stringify(a)}`);
      assert.equal(a.reason, code, `${code} at ${name}`);
    }
  }
});

test("gates: path tricks never reach a route, in all four", { timeout: 120_000 }, async () => {
  const preset = presets.find((p) => p.name === "outreach") ?? presets[0];
  const persona = Object.values(preset.personas)[0];
  const token = await mint(persona);
  await usePolicy(preset.json, preset.fingerprint, token);
  const route = preset.routes.find((r) => r.route.startsWith("GET ") && !r.route.includes("{"));
  assert.ok(route, "a GET route without parameters");
  const path = route.route.split(" ")[1];
  const [first, ...rest] = path.slice(1).split("/");
  const tricks = [
    `/${first}/../${first}/${rest.join("/")}`,
    `/${first}/%2e%2e/${first}/${rest.join("/")}`,
    `/${first}/./${rest.join("/")}`,
    `/${first}//${rest.join("/")}`,
    `/${[first, ...rest].join("%2F")}`,
    `/${[first, ...rest].join("%5C")}`,
    `/${first.toUpperCase()}/${rest.join("/")}`,
  ];
  for (const trick of tricks) {
    const answers = await everywhere("GET", trick, token);
    sameEverywhere(answers, trick);
    assert.equal(answers.axum.status, 404, `${trick}: ${JSON.stringify(answers.axum)}`);
    assert.equal(answers.axum.reason, "no_route", trick);
  }
  // And spoofed identity headers do not reach the origin.
  const spoofed = await everywhere("GET", path, token, { "rolegate-principal": "admin", "rolegate-outcome": "allow" });
  sameEverywhere(spoofed, "spoofed headers");
});

test("gates: a broken policy update is refused and the last good policy stays in force", { timeout: 120_000 }, async () => {
  const preset = presets[0];
  const token = await mint(Object.values(preset.personas)[0]);
  await usePolicy(preset.json, preset.fingerprint, token);
  const route = preset.routes.find((r) => r.route.startsWith("GET "));
  const path = route.route.split(" ")[1].replace(/\{[^}]+\}/g, "x1");
  const before = await everywhere("GET", path, token);
  writeFileSync(policyFile, preset.json.replace('"version": 1', '"version": 1, "actions_typo": {}'));
  for (const [name, port] of Object.entries(gates)) {
    await waitFor(async () => (await send(port, "GET", path, token)).policyError !== null, `${name} reports the refused update`);
  }
  const during = await everywhere("GET", path, token);
  for (const [name, a] of Object.entries(during)) {
    assert.equal(a.policy, preset.fingerprint, `${name} keeps the last good policy`);
    assert.equal(`${a.status} ${a.reason}`, `${before[name].status} ${before[name].reason}`, `${name} decides as before`);
    assert.equal(a.policyError, "unknown_field", `${name} names the refused update's error`);
  }
  writeFileSync(policyFile, preset.json);
  for (const [name, port] of Object.entries(gates)) {
    await waitFor(async () => (await send(port, "GET", path, token)).policyError === null, `${name} clears the error once a good policy is served`);
  }
});

test("gates: the Node and axum middlewares finish origin answers with their resource loader", { timeout: 60_000 }, async () => {
  const calilio = presets.find((p) => p.name === "calilio");
  const member = Object.entries(calilio.personas).find(([, p]) => p.principal.roles?.some((r) => r.role === "member"));
  assert.ok(member, "a calilio member persona");
  assert.equal(member[1].principal.id, "u3", "the numbers are assigned to u3");
  const token = await mint(member[1]);
  for (const [name, port] of Object.entries(loaded)) {
    const mine = await send(port, "GET", "/api/numbers/n1", token);
    assert.deepEqual([mine.status, mine.reason, mine.outcome], [200, "granted", "allow"], `${name}: an assigned number: ${mine.body}`);
    const theirs = await send(port, "GET", "/api/numbers/n2", token);
    assert.deepEqual([theirs.status, theirs.reason], [403, "condition_failed"], `${name}: another's number: ${theirs.body}`);
    const missing = await send(port, "GET", "/api/numbers/n404", token);
    assert.deepEqual([missing.status, missing.reason], [404, "not_found"], `${name}: no such number: ${missing.body}`);
    assert.equal(mine.policy, calilio.fingerprint, `${name}: the fingerprint header`);
  }
});
