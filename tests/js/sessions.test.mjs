// Sessions in the package as a user gets it (the packed tarball in a scratch project):
// a principal's stale role (one the policy does not declare) left out with a warning, or
// refused with `{ strict: true }` and by the gates; the opt-in warning for actions outside
// the catalog; `using` (Symbol.dispose), compiled by TypeScript and run in Node. Through
// the full module (Node's entry) and the page module (what browsers load, from an artifact).

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, scratchProject, tool } from "./pack.mjs";

let dir;
let node; // the package's Node entry (full module)
let page; // the page module's API, as browsers get it
let outreach; // the outreach preset, as JSON text

before(async () => {
  dir = scratchProject("sessions");
  writeFileSync(join(dir, "load.mjs"), 'export * from "rolegate";\n');
  node = await import(pathToFileURL(join(dir, "load.mjs")).href);
  const pkg = join(dir, "node_modules", "rolegate");
  const raw = await import(pathToFileURL(join(pkg, "wasm", "rolegate.js")).href);
  raw.initSync({ module: readFileSync(join(pkg, "wasm", "rolegate_bg.wasm")) });
  const { createApi } = await import(pathToFileURL(join(pkg, "api.js")).href);
  page = createApi(raw);
  outreach = readFileSync(join(pkg, "presets", "outreach.json"), "utf8");
});

/** The outreach policy in each module: compiled from JSON (full), loaded from its artifact (page). */
function policies() {
  const full = node.Policy.fromJson(outreach);
  return [
    ["full module", full],
    ["page module", page.Policy.load(full.build())],
  ];
}

test("a stale role grants nothing, is a warning with the engine's words, and strict refuses it", () => {
  for (const [label, policy] of policies()) {
    const tenant = { id: "acme", features: ["outreach"] };
    const current = { id: "u1", roles: [{ role: "campaigner", scope: "org" }] };
    const stale = { id: "u1", roles: [{ role: "Org_Admin", scope: "org" }, { role: "campaigner", scope: "org" }, { role: "ghost" }] };
    const session = policy.session(stale, tenant);
    const reference = policy.session(current, tenant);
    // The same decisions as without the stale roles, action for action.
    assert.deepEqual(session.permissions(), reference.permissions(), label);
    assert.deepEqual(session.permissions("org"), reference.permissions("org"), label);
    assert.deepEqual(session.warnings, [
      { code: "unknown_role", path: "principal.roles[0].role", message: "role `Org_Admin` is not declared by the policy (did you mean `org_admin`?)" },
      { code: "unknown_role", path: "principal.roles[2].role", message: "role `ghost` is not declared by the policy" },
    ], label);
    assert.ok(Object.isFrozen(session.warnings));
    assert.deepEqual(reference.warnings, [], label);
    // Only stale roles: not a member.
    const alone = policy.session({ id: "u2", roles: [{ role: "ghost", scope: "org" }] }, tenant);
    assert.equal(alone.check("cx.view", "org").reason, "not_member", label);
    // Strict: today's error, at the same path, with the same message.
    assert.throws(
      () => policy.session(stale, tenant, { strict: true }),
      (e) => e instanceof node.RolegateError || e.name === "RolegateError"
        ? e.code === "unknown_role" && e.path === "principal.roles[0].role" && e.message === session.warnings[0].message
        : false,
      label,
    );
    // Other errors of the principal still name the assignment as given (indexes counted with the stale ones).
    assert.throws(
      () => policy.session({ id: "u1", roles: [{ role: "ghost" }, { role: "campaigner", scope: "workspace:w1" }] }, tenant),
      (e) => e.code === "bad_scope" && e.path === "principal.roles[1].scope",
      label,
    );
    // A stale entry of another shape is the engine's to judge (unknown field), not dropped.
    assert.throws(() => policy.session({ id: "u1", roles: [{ role: "ghost", scop: "org" }] }, tenant), (e) => e.code === "bad_input" || e.code === "unknown_field", label);
    // Bad options are bad input.
    assert.throws(() => policy.session(current, tenant, { strict: "yes" }), (e) => e.code === "bad_input" && e.path === "options");
    assert.throws(() => policy.session(current, tenant, { lenient: true }), (e) => e.code === "bad_input" && e.path === "options");
  }
});

test("gates refuse a token carrying a stale role: 401 token_claims, never a widened decision", async () => {
  const { createGate, mintToken, generateKeyPair } = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "edge-node.mjs")).href);
  // A viewer cap as a deny rule, and a token minted before `viewer` was renamed `read-only`.
  const policy = node.Policy.fromObject({
    version: 1,
    scopes: { org: {}, workspace: { parent: "org" } },
    actions: { "campaign.view": { scope: "workspace" }, "campaign.delete": { scope: "workspace", tags: ["write"] } },
    roles: { editor: { scope: "workspace", allow: ["campaign.*"] }, "read-only": { scope: "org", cascade: true } },
    rules: { viewer_cap: { effect: "deny", roles: ["read-only"], actions: ["tag:write"] } },
    routes: { "DELETE /api/workspaces/{workspace}/campaigns/{campaign}": { action: "campaign.delete", scope: "workspace:{workspace}" } },
  });
  const { privateJwk, publicJwk } = await generateKeyPair("EdDSA", "k");
  const tokens = { keys: [publicJwk] };
  const gate = createGate({ policy, tokens });
  const now = Math.floor(Date.now() / 1000);
  const ask = async (roles) => {
    const token = await mintToken({ sub: "u1", exp: now + 600, rolegate: { roles, tenant: { id: "acme" } } }, privateJwk);
    const request = new Request("http://app/api/workspaces/w1/campaigns/c1", { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    return gate.handle(request, async () => new Response("deleted"));
  };
  const capped = await ask([{ role: "editor", scope: "workspace:w1" }, { role: "read-only", scope: "org" }]);
  assert.equal(capped.status, 403);
  assert.equal(capped.headers.get("rolegate-reason"), "denied_by_rule");
  const stale = await ask([{ role: "editor", scope: "workspace:w1" }, { role: "viewer", scope: "org" }]);
  assert.equal(stale.status, 401, "a stale role must not widen what the gate lets through");
  assert.equal(stale.headers.get("rolegate-reason"), "token_claims");
  assert.match((await stale.json()).message, /role `viewer` is not declared/);
  // The same principal in a lenient session is the hazard the gate avoids: the delete is allowed.
  const lenient = policy.session({ id: "u1", roles: [{ role: "editor", scope: "workspace:w1" }, { role: "viewer", scope: "org" }] }, { id: "acme" });
  assert.equal(lenient.can("campaign.delete", "workspace:w1"), true);
});

test("warnUnknownActions (rolegate/dev): one console.warn per action outside the catalog, off by default", async () => {
  const { warnUnknownActions } = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "dev.js")).href);
  for (const [label, policy] of policies()) {
    const session = policy.session({ id: "u1", roles: [{ role: "campaigner", scope: "org" }] }, { id: "acme" });
    const warned = [];
    const original = console.warn;
    console.warn = (...args) => warned.push(args.join(" "));
    try {
      session.check("campaign.craete");
      assert.deepEqual(warned, [], `${label}: warned without opting in`);
      assert.equal(warnUnknownActions(policy), policy);
      assert.equal(session.check("campaign.craete").reason, "unknown_action");
      session.check("campaign.craete", "org");
      session.can("campaign.craete", { scope: "org", type: "campaign", id: "c1" });
      session.filter("contact.uplaod", [{ scope: "org" }]);
      session.check("zzz.qqq");
      session.check("campaign.create"); // in the catalog: no warning
      assert.deepEqual(warned, [
        "rolegate: action `campaign.craete` is not in the policy's catalog, so it is denied (reason unknown_action) (did you mean `campaign.create`?)",
        "rolegate: action `contact.uplaod` is not in the policy's catalog, so it is denied (reason unknown_action) (did you mean `contact.upload`?)",
        "rolegate: action `zzz.qqq` is not in the policy's catalog, so it is denied (reason unknown_action)",
      ], label);
      warnUnknownActions(policy, false);
      session.check("other.missing");
      assert.equal(warned.length, 3, label);
    } finally {
      console.warn = original;
    }
  }
});

test("using: a session and a policy declared with `using` are freed at the end of their block (TypeScript, run in Node)", () => {
  writeFileSync(
    join(dir, "using.ts"),
    [
      'import { Policy, type Session } from "rolegate";',
      'const document = { version: 1, scopes: { org: {} }, actions: { "outreach.view": { scope: "org" } }, roles: { campaigner: { scope: "org", allow: ["outreach.view"] } } };',
      "let kept: Session | undefined;",
      "let policyKept: Policy | undefined;",
      "{",
      "  using policy = Policy.fromObject(document);",
      '  using session = policy.session({ id: "u1", roles: [{ role: "campaigner", scope: "org" }] }, { id: "acme" });',
      '  if (session.can("outreach.view", "org") !== true) throw new Error("no decision inside the block");',
      "  kept = session;",
      "  policyKept = policy;",
      "}",
      "for (const [what, use] of [[\"session\", () => kept!.can(\"cx.view\")], [\"policy\", () => policyKept!.fingerprint]] as const) {",
      "  try {",
      "    use();",
      "    throw new Error(`the ${what} was not freed`);",
      "  } catch (e) {",
      "    if ((e as { code?: string }).code !== \"freed\") throw e;",
      "  }",
      "}",
      'console.log("freed");',
      "",
    ].join("\n"),
  );
  // `using` needs TypeScript's disposable types (lib esnext, or esnext.disposable on an older
  // lib); the package's declarations also type-check with a lib without them (types-usage.ts
  // in node.test.mjs: es2022), where they declare Symbol.dispose themselves.
  for (const lib of [["es2022", "esnext.disposable", "dom"], ["esnext", "dom"]]) {
    writeFileSync(
      join(dir, "tsconfig.using.json"),
      JSON.stringify({
        compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib, types: [], skipLibCheck: false, outDir: "out" },
        files: ["using.ts"],
      }),
    );
    try {
      execFileSync(tool("tsc"), ["-p", "tsconfig.using.json"], { cwd: dir, encoding: "utf8" });
    } catch (e) {
      assert.fail(`tsc (lib ${lib}) rejected \`using\`:\n${e.stdout}${e.stderr}`);
    }
    const out = execFileSync(process.execPath, [join(dir, "out", "using.js")], { cwd: dir, encoding: "utf8" });
    assert.equal(out.trim(), "freed", `lib ${lib}`);
  }
});
