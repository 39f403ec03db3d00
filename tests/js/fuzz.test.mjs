// Fuzzing the JavaScript/WebAssembly boundary: random hostile JavaScript values (objects with
// getters, Proxies, symbols, BigInt, Maps, cyclic objects, lone surrogates, NaN, -0 and
// Infinity, huge arrays, `__proto__` keys, wrong types everywhere) as principals, tenants,
// resources, scopes, actions and team changes, through the package's public API in Node
// (installed from its packed tarball). The oracle: each call throws a RolegateError with a
// stable code, or gives what the native engine gives for the JSON form of the same input
// (`rolegate batch` for decisions, `rolegate team apply` for a sample of team changes).
//
// Time-boxed: ROLEGATE_FUZZ_SECONDS (default 5) of generation, then the native comparison;
// ROLEGATE_FUZZ_SEED replays a run (each run prints its seed).
//
// usage: node --test tests/js/fuzz.test.mjs
//        ROLEGATE_FUZZ_SECONDS=600 node --test tests/js/fuzz.test.mjs

import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, scratchProject } from "./pack.mjs";

const native = process.env.ROLEGATE_BIN ?? join(root, "target", "debug", "rolegate");
const SECONDS = Number(process.env.ROLEGATE_FUZZ_SECONDS ?? 5);
const SEED = Number(process.env.ROLEGATE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

let api;
let hostile;

before(async () => {
  hostile = JSON.parse(readFileSync(join(root, "target", "js-hostile.json"), "utf8"));
  const dir = scratchProject("fuzz");
  writeFileSync(join(dir, "load.mjs"), 'export * from "rolegate";\n');
  api = await import(pathToFileURL(join(dir, "load.mjs")).href);
});

/** A small seeded generator (mulberry32). */
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const g = {
    next,
    below: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
  };
  return g;
}

/** The caller's own exception, thrown by hostile getters and Proxy traps: it may pass through. */
class Sentinel extends Error {}

const NAMES = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "id", "roles", "attrs", "scope", "type", "features", "plan", "role"];

function hostileString(g, names) {
  switch (g.below(12)) {
    case 0: return g.pick(NAMES);
    case 1: return "\ud800";
    case 2: return `a${g.pick(["\udfff", "\ud83d", "\u0000", "\u200b", "\ufeff", "\u202e"])}b`;
    case 3: return "x".repeat(g.pick([1023, 1024, 1025, 4096, 4097, 70000]));
    case 4: return g.pick(["", " ", "org", "ORG", "*", "tag:*", "workspace:", ":a", "/", "a/b", "%2F", "..", "a:b:c"]);
    case 5: return `${g.pick(["workspace", "__proto__", "org", "project"])}:${g.pick(["a", "ab", "a ", "A", "", "a/b", "__proto__", "\ud800"])}`;
    default: return g.pick(names);
  }
}

function hostileNumber(g) {
  return g.pick([NaN, -0, 0, Infinity, -Infinity, 1e308, -1e308, 5e-324, 2 ** 53 + 1, -1, 0.5, 3, 1e21]);
}

/** Any hostile value, `depth` levels deep at most. */
function hostileValue(g, names, depth = 0) {
  const leaf = depth > 3;
  switch (g.below(leaf ? 8 : 22)) {
    case 0: return hostileString(g, names);
    case 1: return hostileNumber(g);
    case 2: return g.chance(0.5);
    case 3: return null;
    case 4: return undefined;
    case 5: return BigInt(g.below(100));
    case 6: return Symbol(g.pick(names));
    case 7: return g.pick(names);
    case 8: return () => "f";
    case 9: return new Map([[g.pick(names), 1]]);
    case 10: return new Set([1]);
    case 11: return new Date(0);
    case 12: return Array.from({ length: g.below(4) }, () => hostileValue(g, names, depth + 1));
    case 13: return g.chance(0.1) ? Array(g.pick([100_000, 2_000_000])).fill(g.pick(names)) : Array(g.pick([1000, 1001, 10001])).fill(g.pick(names));
    case 14: return JSON.parse(`{"__proto__": ${JSON.stringify(g.pick(names))}}`);
    case 15: {
      const o = { id: "u" };
      Object.defineProperty(o, g.pick(names), { get: () => g.pick(names), enumerable: true });
      return o;
    }
    case 16: {
      const o = {};
      Object.defineProperty(o, "id", { get() { throw new Sentinel("a getter threw"); }, enumerable: true });
      return o;
    }
    case 17: return new Proxy(hostileObject(g, names, depth + 1), {});
    case 18: return new Proxy({}, { ownKeys() { throw new Sentinel("a Proxy trap threw"); } });
    case 19: {
      const o = { id: "u" };
      o.self = o;
      return o;
    }
    case 20: return Object.assign(Object.create(null), hostileObject(g, names, depth + 1));
    default: return hostileObject(g, names, depth + 1);
  }
}

function hostileObject(g, names, depth) {
  const o = {};
  for (let i = g.below(4); i > 0; i--) {
    Object.defineProperty(o, g.chance(0.3) ? g.pick(NAMES) : g.pick(names), { value: hostileValue(g, names, depth), enumerable: true, writable: true, configurable: true });
  }
  return o;
}

/** A value that is mostly right, with one part made hostile now and then. */
function mostly(g, names, good) {
  if (g.chance(0.15)) return hostileValue(g, names);
  const out = { ...good };
  if (g.chance(0.5)) {
    const key = g.chance(0.7) ? g.pick(Object.keys(good).concat(["attrs"])) : g.pick(NAMES);
    Object.defineProperty(out, key, { value: hostileValue(g, names), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A scope instance of `level` (`org`, `workspace:a`, `workspace:a/project:x`), or the root. */
function scopeAt(g, doc, level) {
  const path = [];
  for (let l = level; doc.scopes[l]?.parent; l = doc.scopes[l].parent) path.unshift(`${l}:${g.pick(["a", "b", "ab", "__proto__"])}`);
  return path.length === 0 ? g.pick(["org", ""]) : path.join("/");
}

function principalOf(g, doc, names) {
  const roles = Object.keys(doc.roles ?? {});
  const types = doc.attributes?.principal ?? {};
  const good = {
    id: g.pick(["u1", "u2", g.pick(names)]),
    roles: Array.from({ length: g.below(3) }, () => {
      const role = g.pick(roles);
      return { role, scope: scopeAt(g, doc, doc.roles[role].scope) };
    }),
    attrs: Object.fromEntries(Object.entries(types).slice(0, 3).map(([k, t]) => [k, t === "string" ? g.pick(["x", "k", "blocked"]) : t === "number" ? g.pick([0, 1, -0]) : t === "bool" ? true : [g.pick(["a", "x"])]])),
  };
  return g.chance(0.6) ? good : mostly(g, names, good);
}

function tenantOf(g, doc, names) {
  const good = { id: "acme" };
  if (g.chance(0.5)) good.features = Object.keys(doc.features ?? {}).filter(() => g.chance(0.5));
  if (g.chance(0.3)) good.plan = g.pick(Object.keys(doc.plans ?? { p: 0 }));
  return g.chance(0.6) ? good : mostly(g, names, good);
}

function resourceOf(g, doc, names) {
  switch (g.below(5)) {
    case 0: return undefined;
    case 1: return hostileString(g, names);
    default: {
      const good = { scope: scopeAt(g, doc, g.pick(Object.keys(doc.scopes))) };
      if (g.chance(0.5)) good.attrs = Object.fromEntries(Object.keys(doc.attributes?.resource ?? {}).map((k) => [k, g.pick(["k", "x", 0, -0, 1, ["a"], null])]));
      if (g.chance(0.3)) good.id = g.pick(["r1", g.pick(names)]);
      return g.chance(0.5) ? good : mostly(g, names, good);
    }
  }
}

const JS_CODES = new Set(["freed", "unsupported", "not_in_snapshot"]);

/** The JSON form of a request as `rolegate batch` reads it, or undefined if JSON cannot carry it. */
function jsonForm(principal, tenant, action, resource) {
  try {
    const r = typeof resource === "string" ? { scope: resource } : resource;
    return JSON.stringify({ principal, tenant: tenant ?? { id: "" }, action, resource: r });
  } catch {
    return undefined;
  }
}

test(`random hostile values through the package agree with the native engine (${SECONDS} s, seed ${SEED})`, () => {
  const g = generator(SEED);
  const known = new Set([...api.codes.errors, ...api.codes.inputErrors, ...JS_CODES]);
  const files = Object.entries(hostile.files).filter(([, f]) => f.policy);
  const policies = files.map(([name, f]) => ({ name, doc: f.policy, policy: api.Policy.fromObject(f.policy) }));
  const pending = new Map(policies.map((p) => [p.name, []])); // JSON lines and the JS answer
  const failures = [];
  const counts = { calls: 0, decided: 0, refused: 0, passedThrough: 0, team: 0 };
  const teams = [];
  const fail = (what, detail) => {
    if (failures.length < 20) failures.push(`${what}: ${detail}`);
  };
  const judge = (what, f) => {
    counts.calls += 1;
    try {
      return { value: f() };
    } catch (e) {
      if (e instanceof Sentinel) {
        counts.passedThrough += 1;
        return { error: e };
      }
      if (e?.name !== "RolegateError" || !known.has(e.code) || typeof e.path !== "string") {
        fail(what, `threw ${e?.name} ${e?.code} ${String(e?.message).slice(0, 200)}`);
      } else counts.refused += 1;
      return { error: e };
    }
  };
  const until = Date.now() + SECONDS * 1000;
  while (Date.now() < until) {
    const p = g.pick(policies);
    const names = [...Object.keys(p.doc.roles ?? {}), ...Object.keys(p.doc.actions ?? {}), ...Object.keys(p.doc.features ?? {}), ...NAMES];
    const principal = principalOf(g, p.doc, names);
    const tenant = g.chance(0.9) ? tenantOf(g, p.doc, names) : undefined;
    const session = judge("session", () => p.policy.session(principal, tenant));
    if (session.error) continue;
    for (let i = 0; i < 4; i++) {
      const action = g.chance(0.85) ? g.pick(Object.keys(p.doc.actions)) : hostileValue(g, names);
      const resource = resourceOf(g, p.doc, names);
      const how = g.below(4);
      const what = ["check", "can", "permissions", "filter"][how];
      const answer = judge(what, () => {
        const s = session.value;
        if (how === 0) return s.check(action, resource);
        if (how === 1) return { allowed: s.can(action, resource) };
        if (how === 2) {
          const map = s.permissions(resource);
          return typeof action === "string" && Object.hasOwn(map, action) ? map[action] : undefined;
        }
        return { allowed: s.filter(action, [resource]).length === 1 };
      });
      if (answer.error || answer.value === undefined) continue;
      const line = typeof action === "string" ? jsonForm(principal, tenant, action, resource) : undefined;
      if (line === undefined) {
        fail(what, `decided ${JSON.stringify(answer.value)} on a request JSON cannot carry`);
        continue;
      }
      counts.decided += 1;
      pending.get(p.name).push([line, answer.value, how === 1 || how === 3]);
    }
    if (g.chance(0.3)) session.value.free();
  }
  // Team changes: the callaro preset and its sample team, through hostile changes.
  const team = JSON.parse(readFileSync(join(root, "examples", "teams", "callaro.json"), "utf8"));
  const callaro = api.Policy.fromObject(JSON.parse(execFileSync(native, ["export", "callaro"], { encoding: "utf8" })));
  const members = team.members.map((m) => m.id);
  for (let i = 0; i < 400; i++) {
    const names = [...members, "admin", "reviewer", "campaign_operator", ...NAMES];
    const shapes = [
      { type: "invite", member: g.pick(names), role: g.pick(names), email: "x@example.com" },
      { type: "remove", member: g.pick(names) },
      { type: "change_role", member: g.pick(names), role: g.pick(names) },
      { type: "transfer_ownership", to: g.pick(names) },
      { type: "accept", member: g.pick(names) },
    ];
    const change = g.chance(0.9) ? (g.chance(0.5) ? g.pick(shapes) : mostly(g, names, g.pick(shapes))) : hostileValue(g, names);
    const actor = g.chance(0.9) ? g.pick(members) : hostileValue(g, names);
    const answer = judge("applyTeamChange", () => callaro.applyTeamChange(team, { id: "acme" }, actor, change, 1790000000));
    if (!answer.error && teams.length < 40 && typeof actor === "string") {
      const form = (() => {
        try {
          return JSON.stringify(change);
        } catch {
          return undefined;
        }
      })();
      if (form === undefined) fail("applyTeamChange", "answered a change JSON cannot carry");
      else teams.push([actor, form, answer.value]);
    }
  }
  // The native engine, for the JSON form of every decided request.
  const dir = join(root, "target", "fuzz-js");
  mkdirSync(dir, { recursive: true });
  for (const p of policies) {
    const rows = pending.get(p.name);
    if (rows.length === 0) continue;
    const file = join(dir, `${p.name}`);
    writeFileSync(file, JSON.stringify(p.doc));
    const input = `${file}.jsonl`;
    writeFileSync(input, rows.map(([l]) => l).join("\n"));
    let lines;
    try {
      lines = execFileSync(native, ["batch", file], { input: readFileSync(input), encoding: "utf8", maxBuffer: 512 << 20, stdio: ["pipe", "pipe", "pipe"] }).trim().split("\n");
    } catch (e) {
      throw new Error(`rolegate batch ${file} < ${input} failed: ${e.stderr || e.message}`);
    }
    assert.equal(lines.length, rows.length);
    rows.forEach(([line, js, onlyAllowed], i) => {
      const n = JSON.parse(lines[i]);
      if (n.error) fail(p.name, `the package decided ${JSON.stringify(js)}, the native engine refused: ${JSON.stringify(n.error).slice(0, 200)} for ${line.slice(0, 300)}`);
      else if (onlyAllowed ? n.allowed !== js.allowed : JSON.stringify(n) !== JSON.stringify(js)) {
        fail(p.name, `the package decided ${JSON.stringify(js)}, the native engine ${lines[i]} for ${line.slice(0, 300)}`);
      }
    });
  }
  const teamFile = join(dir, "team.json");
  writeFileSync(teamFile, JSON.stringify(team));
  for (const [actor, change, js] of teams) {
    counts.team += 1;
    let out;
    try {
      out = execFileSync(native, ["team", "apply", "callaro", teamFile, "--actor", actor, "--change", change, "--at", "1790000000"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      out = e.stdout;
    }
    let n;
    try {
      n = JSON.parse(out);
    } catch {
      fail("team", `the package answered ${JSON.stringify(js).slice(0, 200)}, the native command printed ${String(out).slice(0, 200)}`);
      continue;
    }
    const same = js.allowed ? n.team !== undefined && JSON.stringify(n.team) === JSON.stringify(js.team) : n.denied?.reason === js.reason;
    if (!same) fail("team", `the package answered ${JSON.stringify(js).slice(0, 300)}, natively ${out.slice(0, 300)} for ${actor} ${change}`);
  }
  console.log(`fuzz (seed ${SEED}, ${SECONDS} s): ${counts.calls} calls, ${counts.decided} decisions compared with the native engine, ${counts.refused} refused with a stable code, ${counts.passedThrough} exceptions of the caller's own getters and traps passed through, ${counts.team} team changes compared`);
  assert.deepEqual(failures, [], `seed ${SEED}`);
  assert.ok(counts.decided > 100, `only ${counts.decided} decisions`);
});
