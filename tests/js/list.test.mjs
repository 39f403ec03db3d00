// examples/numbers-list: a list page's API that fetches only the rows the user may see,
// through the SQL the policy's query plan translates to. Started on 127.0.0.1 by the test,
// from the packed tarball, over a real SQLite database; for every persona of the Calilio
// preset the rows it answers are exactly those `session.filter` allows among all rows, and
// the query it ran carries the user's id as a parameter, never in its text.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { root, scratchProject } from "./pack.mjs";
import { freePort } from "./harness.mjs";

const requireTool = createRequire(join(root, "tests", "js", "package.json"));
const TOKENS = join(root, "tests", "fixtures", "tokens");
let dir;
let api;
let server;
let base;
let rows;
let mint;

const PEOPLE = ["o1", "a1", "a2", "m1", "m2", "m3", "m4"];
const personas = {
  owner: { id: "o1", roles: [{ role: "owner", scope: "org" }] },
  admin: { id: "a1", roles: [{ role: "admin", scope: "org" }] },
  member: { id: "m1", roles: [{ role: "member", scope: "org" }] },
  "another member": { id: "m3", roles: [{ role: "member", scope: "org" }] },
  "a member with no number": { id: "m9", roles: [{ role: "member", scope: "org" }] },
};
const TENANT = { id: "acme", plan: null, features: [] };

before(async () => {
  dir = scratchProject("numbers-list");
  // better-sqlite3 builds from source (minutes): the example uses the test tools' copy.
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(join(root, "tests", "js", "node_modules", "better-sqlite3"), join(dir, "node_modules", "better-sqlite3"), "dir");
  copyFileSync(join(root, "examples", "numbers-list", "server.mjs"), join(dir, "server.mjs"));
  api = await import(join(dir, "node_modules", "rolegate", "edge-node.mjs"));
  writeFileSync(join(dir, "policy.json"), readFileSync(join(dir, "node_modules", "rolegate", "presets", "calilio.json")));
  copyFileSync(join(TOKENS, "keys.json"), join(dir, "tokens.json"));

  // 80 numbers, assigned to people of the team or to nobody (a missing attribute).
  const Database = requireTool("better-sqlite3");
  const db = new Database(join(dir, "numbers.db"));
  db.exec("CREATE TABLE numbers (id TEXT PRIMARY KEY, label TEXT, assignee_id TEXT, scope TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO numbers VALUES (?, ?, ?, ?)");
  rows = [];
  for (let i = 0; i < 80; i++) {
    const assignee = i % 9 === 8 ? null : PEOPLE[(i * 3) % PEOPLE.length];
    const row = { id: `n${String(i).padStart(2, "0")}`, label: `+1 555 01${String(i).padStart(2, "0")}`, assignee, scope: "org" };
    insert.run(row.id, row.label, row.assignee, row.scope);
    rows.push(row);
  }
  db.close();

  const privateKeys = JSON.parse(readFileSync(join(TOKENS, "keys.private.json"), "utf8"));
  const config = JSON.parse(readFileSync(join(TOKENS, "keys.json"), "utf8"));
  const key = (privateKeys.keys ?? privateKeys).find((k) => k.alg === "ES256");
  const exp = Math.floor(Date.now() / 1000) + 3600;
  mint = (principal) =>
    api.mintToken({ sub: principal.id, iss: config.issuer, aud: config.audience, exp, rolegate: { roles: principal.roles, tenant: TENANT } }, key);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ["server.mjs"], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout.on("data", (d) => (output += d));
  server.stderr.on("data", (d) => (output += d));
  for (let i = 0; ; i++) {
    if (output.includes("listening on")) break;
    if (server.exitCode !== null || i > 200) throw new Error(`the example did not start:\n${output}`);
    await sleep(50);
  }
});

after(() => server?.kill());

const list = async (token) => {
  const response = await fetch(`${base}/api/numbers`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, body: await response.json(), fingerprint: response.headers.get("rolegate-policy") };
};

test("numbers-list: each persona gets exactly the rows filter allows, fetched by the plan's SQL", async () => {
  const policy = api.Policy.fromJson(readFileSync(join(dir, "policy.json"), "utf8"));
  const resources = rows.map((r) => ({ type: "number", id: r.id, scope: "org", attrs: r.assignee === null ? {} : { assignee: r.assignee } }));
  const seen = new Set();
  for (const [name, principal] of Object.entries(personas)) {
    const { status, body, fingerprint } = await list(await mint(principal));
    assert.equal(status, 200, `${name}: ${JSON.stringify(body)}`);
    assert.equal(fingerprint, policy.fingerprint);
    const session = policy.session(principal, TENANT);
    const allowed = session.filter("number.view", resources).map((r) => r.id);
    assert.deepEqual(body.numbers.map((n) => n.id), allowed, `${name}: the rows answered are the rows filter allows`);
    // The user's id travels as a parameter, never in the query's text.
    assert.ok(!body.where.includes(principal.id), `${name}: ${body.where}`);
    if (principal.roles[0].role === "member") assert.match(body.where, /assignee_id = \?/, `${name}: the member's rows are selected in SQL`);
    seen.add(allowed.length === rows.length ? "all" : allowed.length === 0 ? "none" : "some");
    session.free();
  }
  // The personas cover every kind of answer: all rows, some, none.
  assert.deepEqual([...seen].sort(), ["all", "none", "some"]);
  console.log(`numbers-list: ${Object.keys(personas).length} personas over ${rows.length} rows, each answered with exactly the rows filter allows`);
});

test("numbers-list: no token is 401; a user with no role is refused with the plan's reason", async () => {
  assert.equal((await list(null)).status, 401);
  const { status, body } = await list(await mint({ id: "x1", roles: [] }));
  assert.equal(status, 403);
  assert.equal(body.reason, "not_member");
  assert.equal(body.effect, "deny");
});
