// Every limit of `rolegate::limits` at its edge through the npm package in Node, installed
// from its packed tarball: the limit is accepted, one more is a RolegateError
// `limit_exceeded` at the path of what is over it (docs/POLICY.md, "Limits"; natively:
// tests/limits.rs).
//
// usage: node --test tests/js/limits.test.mjs

import { before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { scratchProject } from "./pack.mjs";

let api;

before(async () => {
  const dir = scratchProject("limits");
  writeFileSync(join(dir, "load.mjs"), 'export * from "rolegate";\n');
  api = await import(pathToFileURL(join(dir, "load.mjs")).href);
});

const MiB4 = 4 * 1024 * 1024;

function base() {
  return {
    version: 1,
    scopes: { org: {}, workspace: { parent: "org" } },
    features: { f: {} },
    plans: { p: { features: ["f"] } },
    attributes: { principal: { a: "string", l: "string[]" }, resource: { a: "string" }, tenant: { a: "string" } },
    actions: { "doc.view": { scope: "org" }, "doc.edit": { scope: "workspace", feature: "f" } },
    roles: { admin: { scope: "org", cascade: true, allow: ["*"] }, member: { scope: "workspace", allow: ["doc.edit"] } },
  };
}

/** `f()` throws `limit_exceeded` at `path`. */
function over(f, path, label = path) {
  assert.throws(f, (e) => {
    assert.equal(e.name, "RolegateError", `${label}: ${e.stack}`);
    assert.equal(e.code, "limit_exceeded", `${label}: ${e.code} ${e.message}`);
    assert.equal(e.path, path, `${label}: ${e.message}`);
    return true;
  });
}

/** `f()` does not throw `limit_exceeded` (it may throw another error). */
function within(f, label) {
  try {
    return f();
  } catch (e) {
    assert.notEqual(e.code, "limit_exceeded", `${label}: ${e.message}`);
    return undefined;
  }
}

test("document bytes and nesting", () => {
  const text = JSON.stringify(base());
  const pad = (n) => text + " ".repeat(n - text.length);
  api.Policy.fromJson(pad(MiB4)).free();
  over(() => api.Policy.fromJson(pad(MiB4 + 1)), "");
  // Bytes, not characters: 2-byte characters within 4 MiB characters but over in bytes.
  const wide = text.slice(0, -1) + `,"description":"${"é".repeat(MiB4 / 2)}"}`;
  assert.ok(wide.length < MiB4);
  over(() => api.Policy.fromJson(wide), "");
  const nested = (n) => `{"version":1,"scopes":{"org":{}},"description":${"[".repeat(n)}${"]".repeat(n)}}`;
  within(() => api.Policy.fromJson(nested(64)), "64 levels");
  over(() => api.Policy.fromJson(nested(65)), "");
});

test("section counts: levels, actions, roles, rules, features, plans", () => {
  const entries = (section, n) => {
    const doc = base();
    const table = (doc[section] ??= {});
    for (let i = Object.keys(table).length; i < n; i++) {
      table[
        {
          scopes: `l${i}`,
          actions: `a.x${i}`,
          roles: `r${i}`,
          rules: `u${i}`,
          features: `f${i}`,
          plans: `p${i}`,
        }[section]
      ] = {
        scopes: { parent: "org" },
        actions: { scope: "org" },
        roles: { scope: "org", allow: ["doc.view"] },
        rules: { effect: "deny", roles: ["member"], actions: ["doc.edit"], when: 'principal.a == "x"' },
        features: {},
        plans: { features: ["f"] },
      }[section];
    }
    return doc;
  };
  for (const [section, max] of [["scopes", 64], ["actions", 10000], ["roles", 1000], ["rules", 1000], ["features", 1000], ["plans", 1000]]) {
    const policy = api.Policy.fromObject(entries(section, max));
    // The artifact at the limit loads, in the same module.
    api.Policy.load(policy.build()).free();
    policy.free();
    over(() => api.Policy.fromObject(entries(section, max + 1)), section);
  }
});

test("conditions: bytes, nesting, list items", () => {
  const withWhen = (when) => ({ ...base(), rules: { r: { effect: "allow", roles: ["member"], actions: ["doc.edit"], when } } });
  const head = 'principal.a == "';
  const long = (n) => `${head}${"x".repeat(n - head.length - 1)}"`;
  api.Policy.fromObject(withWhen(long(4096))).free();
  over(() => api.Policy.fromObject(withWhen(long(4097))), "rules.r.when");
  const nest = (n) => `${"(".repeat(n)}principal.a == "x"${")".repeat(n)}`;
  api.Policy.fromObject(withWhen(nest(64))).free();
  over(() => api.Policy.fromObject(withWhen(nest(65))), "rules.r.when");
  const list = (n) => `principal.a in [${Array.from({ length: n }, (_, i) => `"v${i}"`).join(",")}]`;
  const policy = api.Policy.fromObject(withWhen(list(256)));
  const s = policy.session({ id: "u", roles: [{ role: "member", scope: "workspace:w" }], attrs: { a: "v255" } }, { id: "t", features: ["f"] });
  assert.equal(s.check("doc.edit", "workspace:w").effect, "allow");
  policy.free();
  over(() => api.Policy.fromObject(withWhen(list(257))), "rules.r.when");
});

test("principals, tenants and resources: counts", () => {
  const policy = api.Policy.fromObject(base());
  const tenant = { id: "t", features: ["f"] };
  const roles = (n) => Array.from({ length: n }, (_, i) => ({ role: "member", scope: `workspace:w${i}` }));
  const s = policy.session({ id: "u", roles: roles(10000) }, tenant);
  assert.equal(s.check("doc.edit", "workspace:w9999").effect, "allow");
  over(() => policy.session({ id: "u", roles: roles(10001) }, tenant), "principal.roles");
  const attrs = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
  policy.session({ id: "u", attrs: attrs(1000) }, tenant).free();
  over(() => policy.session({ id: "u", attrs: attrs(1001) }, tenant), "principal.attrs");
  policy.session({ id: "u" }, { id: "t", attrs: attrs(1000) }).free();
  over(() => policy.session({ id: "u" }, { id: "t", attrs: attrs(1001) }), "tenant.attrs");
  policy.session({ id: "u" }, { id: "t", features: Array(1000).fill("f") }).free();
  over(() => policy.session({ id: "u" }, { id: "t", features: Array(1001).fill("f") }), "tenant.features");
  // A resource's attributes cross with a check whose rules read them, or with details
  // the engine's reader must check (here: lists).
  within(() => s.check("doc.view", { scope: "org", attrs: { ...attrs(999), l: [1] } }), "1,000 resource attributes");
  over(() => s.check("doc.view", { scope: "org", attrs: { ...attrs(1000), l: [1] } }), "resource.attrs");
  over(() => s.permissions({ scope: "org", id: "r", attrs: attrs(1001) }), "resource.attrs");
  // The JSON text of a value: 4 MiB.
  const padded = (n) => ({ id: "u", attrs: { a: "x".repeat(4000) }, roles: [] });
  within(() => policy.session(padded(), tenant), "a small principal");
  over(() => policy.session({ id: "u", attrs: Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`k${i}`, "x".repeat(4000)])) }, tenant), "principal");
  s.free();
  policy.free();
});

test("principals, tenants and resources: ids, names, strings and lists", () => {
  const policy = api.Policy.fromObject(base());
  const t = { id: "t" };
  const x = (n) => "x".repeat(n);
  policy.session({ id: x(1024) }, { id: x(1024) }).free();
  over(() => policy.session({ id: x(1025) }, t), "principal.id");
  over(() => policy.session({ id: "u" }, { id: x(1025) }), "tenant.id");
  over(() => policy.session({ id: "u", roles: [{ role: x(1025) }] }, t), "principal.roles[0].role");
  within(() => policy.session({ id: "u", roles: [{ role: x(1024) }] }, t), "a role name of 1,024 bytes");
  over(() => policy.session({ id: "u" }, { id: "t", plan: x(1025) }), "tenant.plan");
  over(() => policy.session({ id: "u" }, { id: "t", features: ["f", x(1025)] }), "tenant.features[1]");
  over(() => policy.session({ id: "u", attrs: { [x(1025)]: 1 } }, t), "principal.attrs");
  policy.session({ id: "u", attrs: { [x(1024)]: 1 } }, t).free();
  policy.session({ id: "u", attrs: { a: x(4096) } }, t).free();
  over(() => policy.session({ id: "u", attrs: { a: x(4097) } }, t), "principal.attrs.a");
  policy.session({ id: "u", attrs: { l: Array(1000).fill("x") } }, t).free();
  over(() => policy.session({ id: "u", attrs: { l: Array(1001).fill("x") } }, t), "principal.attrs.l");
  over(() => policy.session({ id: "u", attrs: { l: ["x", x(4097)] } }, t), "principal.attrs.l[1]");
  // A resource's id and type cross as strings, and are bounded the same way.
  const s = policy.session({ id: "u", roles: [{ role: "admin" }] }, t);
  const rule = api.Policy.fromObject({ ...base(), rules: { r: { effect: "deny", roles: ["*"], actions: ["doc.view"], when: 'resource.a == "no"' } } });
  const reads = rule.session({ id: "u", roles: [{ role: "admin" }] }, t);
  assert.equal(reads.check("doc.view", { scope: "org", id: x(1024), type: x(1024), attrs: { a: "yes" } }).effect, "allow");
  over(() => reads.check("doc.view", { scope: "org", id: x(1025) }), "resource.id");
  over(() => reads.check("doc.view", { scope: "org", type: x(1025) }), "resource.type");
  over(() => reads.check("doc.view", { scope: "org", attrs: { a: x(4097) } }), "resource.attrs.a");
  // A scope of 1,024 bytes is read; one byte more is unreadable (bad_scope).
  const scope = (n) => `workspace:${"w".repeat(n - 10)}`;
  const member = policy.session({ id: "u", roles: [{ role: "member", scope: scope(1024) }] }, { id: "t", features: ["f"] });
  assert.equal(member.check("doc.edit", scope(1024)).effect, "allow");
  assert.equal(member.check("doc.edit", scope(1025)).reason, "bad_scope");
  assert.throws(() => policy.session({ id: "u", roles: [{ role: "member", scope: scope(1025) }] }, t), (e) => e.code === "bad_scope" && e.path === "principal.roles[0].scope");
  for (const o of [s, reads, member, rule, policy]) o.free();
});

test("gate paths: 4,096 bytes and 32 segments", () => {
  const doc = { ...base(), routes: { "GET /{x}": { action: "doc.view", scope: "org" } } };
  const policy = api.Policy.fromObject(doc);
  const s = policy.session({ id: "u", roles: [{ role: "admin" }] }, { id: "t" });
  assert.equal(s.gate("GET", `/${"p".repeat(4095)}`).reason, "granted");
  assert.equal(s.gate("GET", `/${"p".repeat(4096)}`).reason, "no_route");
  const route = "GET " + Array.from({ length: 32 }, (_, i) => `/{p${i}}`).join("");
  const deep = api.Policy.fromObject({ ...base(), routes: { [route]: { action: "doc.view", scope: "org" } } });
  const d = deep.session({ id: "u", roles: [{ role: "admin" }] }, { id: "t" });
  assert.equal(d.gate("GET", "/a".repeat(32)).reason, "granted");
  assert.equal(d.gate("GET", "/a".repeat(33)).reason, "no_route");
  for (const o of [s, d, policy, deep]) o.free();
});
