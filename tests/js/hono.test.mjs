// The gate as Hono middleware (`honoGate` from rolegate/edge), from the packed package in a
// scratch project, with Hono from npm: a Hono app is a fetch handler, which is how it runs
// on Workers, Deno and Bun, so requests go through `app.fetch`. Allowed, denied, locked,
// no route, a bad token, the origin outcome completed by a loader, and the gate's answer
// and session in the handler (`c.get("rolegate")`).
//
// usage: node --test tests/js/hono.test.mjs

import { before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Hono } from "hono";
import { root, scratchProject } from "./pack.mjs";

const POLICY = JSON.parse(readFileSync(join(root, "tests", "fixtures", "gates", "example.json"), "utf8")).policy;
const KEYS = JSON.parse(readFileSync(join(root, "tests", "fixtures", "tokens", "keys.private.json"), "utf8"));
const CONFIG = JSON.parse(readFileSync(join(root, "tests", "fixtures", "tokens", "keys.json"), "utf8"));

let edge;
let app;
let originApp;
const loaderPlans = [];
let forwarded;
let member;

before(async () => {
  const dir = scratchProject("hono");
  edge = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "edge-node.mjs")).href);
  const policy = edge.Policy.fromObject(POLICY);
  const numbers = new Map([["n1", { assignee: "u1" }], ["n2", { assignee: "u9" }]]);
  app = new Hono();
  app.use(
    "/api/*",
    edge.honoGate({
      policy,
      tokens: CONFIG,
      loadResource: (resource, request, plan) => {
        loaderPlans.push(plan);
        return resource.type === "number" ? (numbers.get(resource.id) ?? null) : {};
      },
    }),
  );
  app.all("/api/*", (c) => {
    const { answer, identity, session } = c.get("rolegate");
    return c.json({ ok: true, action: answer.action, principal: identity.subject, canBilling: session.can("billing.view") });
  });
  // Without a loader, `origin` answers reach the handler with the plan the resource must meet.
  originApp = new Hono();
  originApp.use("/api/*", edge.honoGate({ policy, tokens: CONFIG }));
  originApp.all("/api/*", (c) => c.json({ outcome: c.get("rolegate").answer.outcome, plan: c.get("rolegate").plan ?? null }));
  forwarded = edge.gateFetch((request) => Response.json({ plan: request.headers.get("rolegate-plan"), outcome: request.headers.get("rolegate-outcome") }), { policy, tokens: CONFIG });
  const key = (KEYS.keys ?? KEYS).find((k) => k.alg === "EdDSA");
  const exp = Math.floor(Date.now() / 1000) + 600;
  member = await edge.mintToken(
    { sub: "u1", iss: CONFIG.issuer, aud: CONFIG.audience, exp, rolegate: { roles: [{ role: "member", scope: "workspace:w1" }], tenant: { id: "acme" } } },
    key,
  );
});

async function get(path, token = member) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const res = await app.fetch(new Request(`http://app.local${path}`, { headers }));
  return { status: res.status, reason: res.headers.get("rolegate-reason"), policy: res.headers.get("rolegate-policy"), body: await res.json() };
}

test("hono: the gate decides before the handlers, with the contract's statuses and headers", async () => {
  const fingerprint = edge.Policy.fromObject(POLICY).fingerprint;
  const allowed = await get("/api/w/w1/campaigns/c1");
  assert.deepEqual([allowed.status, allowed.reason, allowed.policy], [200, "granted", fingerprint]);
  assert.deepEqual(allowed.body, { ok: true, action: "campaign.view", principal: "u1", canBilling: false });

  const denied = await get("/api/billing");
  assert.deepEqual([denied.status, denied.reason], [403, "not_member"]);
  assert.deepEqual(denied.body, { reason: "not_member", effect: "deny", action: "billing.view" });

  // (A `Request` resolves `..` in its URL before any handler sees it; an encoded slash stays.)
  const noRoute = await get("/api/w/w1%2Fx/campaigns/c1");
  assert.deepEqual([noRoute.status, noRoute.reason], [404, "no_route"]);

  const mine = await get("/api/w/w1/numbers/n1");
  assert.deepEqual([mine.status, mine.reason], [200, "granted"], "the loader's attributes finish the origin answer: assigned to u1");
  const theirs = await get("/api/w/w1/numbers/n2");
  assert.deepEqual([theirs.status, theirs.reason], [403, "condition_failed"]);
  const missing = await get("/api/w/w1/numbers/n404");
  assert.deepEqual([missing.status, missing.reason], [404, "not_found"]);

  const anonymous = await get("/api/w/w1/campaigns/c1", null);
  assert.deepEqual([anonymous.status, anonymous.reason], [401, "token_missing"]);
});

test("an origin answer passes the query plan to the origin: the rolegate-plan header and the handler's plan", async () => {
  const policy = edge.Policy.fromObject(POLICY);
  // A route whose action a condition on the resource decides: the member's own numbers.
  assert.ok(policy.routes().some((r) => r.route === "GET /api/w/{w}/numbers/{n}"));
  const path = "/api/w/w1/numbers/n1";
  const headers = { authorization: `Bearer ${member}`, "rolegate-plan": "{\"outcome\":\"allow_all\"}" };
  const viaHono = await (await originApp.fetch(new Request(`http://app.local${path}`, { headers }))).json();
  assert.equal(viaHono.outcome, "origin", path);
  const session = policy.session({ id: "u1", roles: [{ role: "member", scope: "workspace:w1" }] }, { id: "acme" });
  const answer = session.gate("GET", path);
  const expected = session.plan(answer.action, { type: "number", scope: answer.resource.scope });
  assert.equal(expected.outcome, "conditional");
  assert.deepEqual(viaHono.plan, expected);
  // A loader gets the same plan, for its query.
  loaderPlans.length = 0;
  await app.fetch(new Request(`http://app.local${path}`, { headers }));
  assert.deepEqual(loaderPlans, [expected]);
  // Forwarded by gateFetch: the gate's plan, never the one the client sent.
  const viaFetch = await (await forwarded(new Request(`http://app.local${path}`, { headers }))).json();
  assert.equal(viaFetch.outcome, "origin");
  assert.deepEqual(JSON.parse(viaFetch.plan), expected);
  session.free();
});
