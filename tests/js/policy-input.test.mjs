// Policy input through the package as a user gets it (the packed tarball in a scratch
// project): TOML read by the full module (Node, `rolegate/full`) and refused by the page
// module; the presets and the policy JSON Schema shipped and exported; `$schema` accepted by
// every reader; TOML given to fromJson named as such; fromObject errors by path.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, scratchProject } from "./pack.mjs";

let dir;
let node;
let full;
let page;
const nativeBin = process.env.ROLEGATE_BIN ?? join(root, "target", "debug", "rolegate");
const native = (...args) => execFileSync(nativeBin, args, { cwd: root, encoding: "utf8" });

before(async () => {
  dir = scratchProject("policy-input");
  writeFileSync(join(dir, "load.mjs"), 'export * from "rolegate";\n');
  writeFileSync(join(dir, "load-full.mjs"), 'export * from "rolegate/full";\n');
  node = await import(pathToFileURL(join(dir, "load.mjs")).href);
  full = await import(pathToFileURL(join(dir, "load-full.mjs")).href);
  const pkg = join(dir, "node_modules", "rolegate");
  const raw = await import(pathToFileURL(join(pkg, "wasm", "rolegate.js")).href);
  raw.initSync({ module: readFileSync(join(pkg, "wasm", "rolegate_bg.wasm")) });
  const { createApi } = await import(pathToFileURL(join(pkg, "api.js")).href);
  page = createApi(raw);
});

test("the full module reads TOML: every preset, with the native fingerprint and document", () => {
  for (const name of native("presets").trim().split("\n")) {
    const toml = readFileSync(join(root, "presets", `${name}.toml`), "utf8");
    for (const [label, api] of [["node", node], ["rolegate/full", full]]) {
      const policy = api.Policy.fromToml(toml);
      assert.equal(policy.fingerprint, native("fingerprint", name).trim(), `${label} ${name}`);
      assert.deepEqual(policy.document(), JSON.parse(native("export", name)), `${label} ${name}`);
    }
  }
  // TOML errors carry their code, path, line and column, as natively.
  const broken = 'version = 1\n[scopes]\norg = {}\n[roles.admin]\nscope = "org"\nallow = ["nope.view"]\n';
  assert.throws(
    () => node.Policy.fromToml(broken),
    (e) => e.code === "unknown_action" && e.path === "roles.admin.allow[0]" && e.errors[0].line === 6,
  );
  // The page module reads no text at all: it says what to do instead.
  assert.throws(() => page.Policy.fromToml("version = 1"), (e) => e.code === "unsupported" && /Policy\.load/.test(e.message));
  // The build printed what the TOML reader costs the full module.
  const sizes = JSON.parse(readFileSync(join(root, "pkg", "size.json"), "utf8"));
  assert.ok(sizes.fullToml > 1000, `size.json: ${JSON.stringify(sizes)}`);
  console.log(`the TOML reader adds ${(sizes.fullToml / 1024).toFixed(1)} KB gzip to the full module`);
});

test("the presets and the policy JSON Schema ship in the package, exported, and the presets name the schema", async () => {
  const require = createRequire(join(dir, "index.cjs"));
  const schemaPath = require.resolve("rolegate/policy.schema.json");
  const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
  assert.deepEqual(schema, JSON.parse(readFileSync(join(root, "policy.schema.json"), "utf8")));
  for (const name of native("presets").trim().split("\n")) {
    const { default: preset } = await import(pathToFileURL(require.resolve(`rolegate/presets/${name}.json`)).href, { with: { type: "json" } });
    assert.equal(preset.$schema, "../policy.schema.json", name);
    // `$schema` is accepted by every reader: fromObject, fromJson, and TOML.
    const policy = node.Policy.fromObject(preset);
    assert.equal(policy.fingerprint, native("fingerprint", name).trim(), name);
    assert.equal(node.Policy.fromJson(JSON.stringify(preset)).fingerprint, policy.fingerprint);
    const toml = `"$schema" = "../policy.schema.json"\n${readFileSync(join(root, "presets", `${name}.toml`), "utf8")}`;
    assert.equal(node.Policy.fromToml(toml).fingerprint, policy.fingerprint, `${name} (TOML)`);
  }
});

test("TOML given to fromJson says so and names the fix", () => {
  const toml = readFileSync(join(root, "presets", "outreach.toml"), "utf8");
  assert.throws(
    () => node.Policy.fromJson(toml),
    (e) => e.code === "syntax" && /looks like TOML/.test(e.message) && /Policy\.fromToml/.test(e.message) && /rolegate export/.test(e.message),
  );
});

test("fromObject errors name the place in the object by path, with no line or column of JSON nobody wrote", () => {
  const document = {
    version: 1,
    scopes: { org: {} },
    actions: { "a.view": { scope: "org" }, "a.edit": { scope: "org" } },
    roles: { admin: { scope: "org", allow: ["a.view", "a.edit", "a.edt"] }, viewer: { scope: "org", allow: ["a.vew"] } },
  };
  const misread = { ...document, roles: { admin: { scope: "org", allow: ["a.view", "a.edit", "a.delete", 3] } } };
  for (const api of [node, full]) {
    try {
      api.Policy.fromObject(document);
      assert.fail("accepted");
    } catch (e) {
      assert.equal(e.code, "unknown_action");
      assert.equal(e.path, "roles.admin.allow[2]");
      assert.deepEqual(
        e.errors.map((d) => [d.code, d.path, "line" in d || "column" in d]),
        [["unknown_action", "roles.admin.allow[2]", false], ["unknown_action", "roles.viewer.allow[0]", false]],
      );
      assert.equal(
        e.message,
        "error[unknown_action] at roles.admin.allow[2]: action `a.edt` is not in the catalog (did you mean `a.edit`?)\nerror[unknown_action] at roles.viewer.allow[0]: action `a.vew` is not in the catalog (did you mean `a.view`?)",
      );
    }
    // An error of the reader too (a number where an action name belongs).
    assert.throws(
      () => api.Policy.fromObject(misread),
      (e) => e.code === "bad_type" && e.path === "roles.admin.allow[3]" && !("line" in e.errors[0]) && e.message === "error[bad_type] at roles.admin.allow[3]: expected a string, found a number",
    );
  }
  // fromJson keeps the line and column: they point into the text the caller gave.
  assert.throws(() => node.Policy.fromJson(JSON.stringify(document, null, 2)), (e) => e.errors[0].line === 20 && e.errors[0].column === 9 && /\(line 20, column 9\)/.test(e.message));
});
