// A check whose rules read the resource is decided in JavaScript, from the action's
// program (js/conditions.js over src/decide/program.rs), where the resource already is.
// That is a shortcut to the engine's decision, never another decision: 100,000 random
// cases (random policies and the presets; principals, tenants and resources with missing,
// null and hostile values) through the package from its packed tarball, each check equal
// to the engine's own (the UI map of the same resource, decided in WebAssembly), and the
// evaluator alone on the same cases, counting how many it decided without the engine.
//
//   CONDITIONS_CASES=1000000 node --test tests/js/conditions.test.mjs   # a longer run

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, scratchProject } from "./pack.mjs";
import { generator, randomPolicy, randomPrincipal, randomResource, randomTenant, scopeAt, tree, HOSTILE } from "./random.mjs";

const CASES = Number(process.env.CONDITIONS_CASES ?? 100_000);

let corpus;
let api; // rolegate (Node: the full module)
let raw; // the page module's wasm, for the evaluator alone
let conditions; // the evaluator's source, as the package bundles it

before(async () => {
  corpus = JSON.parse(readFileSync(join(root, "target", "js-corpus.json"), "utf8"));
  const dir = scratchProject("conditions");
  writeFileSync(join(dir, "load.mjs"), 'export * from "rolegate";\n');
  api = await import(pathToFileURL(join(dir, "load.mjs")).href);
  const pkg = join(dir, "node_modules", "rolegate");
  raw = await import(pathToFileURL(join(pkg, "wasm", "rolegate.js")).href);
  raw.initSync({ module: readFileSync(join(pkg, "wasm", "rolegate_bg.wasm")) });
  conditions = await import(pathToFileURL(join(root, "js", "conditions.js")).href);
});

/** The actions whose rules read the resource: the ones a program decides. */
function readingActions(policy) {
  return policy.actions.filter((a) => a.readsResource).map((a) => a.name);
}

/** A resource given as a UI or a list page gives it, sometimes with values the engine refuses. */
function resourceOf(g, doc, t, type, at) {
  const r = randomResource(g, doc, t, type, at);
  r.id ??= `x${g.below(3)}`;
  const roll = g.below(100);
  if (roll < 3) r.attrs.level = g.pick([NaN, Infinity, -0, 1e300, 2 ** 53]);
  else if (roll < 5) r.attrs.assignee = g.pick([3, true, ["u1"], { id: "u1" }, "\ud800"]);
  else if (roll < 7) r.attrs.tags = g.pick([["u1", 2], [null], [["u1"]], "u1"]);
  else if (roll < 8) Object.defineProperty(r.attrs, "owner", { get: () => "u1", enumerable: true });
  else if (roll < 9) r.attrs.owner = "x".repeat(g.pick([1365, 1366, 5000]));
  else if (roll < 10) r.attrs.__proto__extra = g.pick(HOSTILE);
  else if (roll < 11) r.type = g.pick([null, 3, "t".repeat(400)]);
  return r;
}

/** What a call gives: its decision, or its error's code and path. */
function outcome(call) {
  try {
    return JSON.stringify(call());
  } catch (e) {
    return `${e.name} ${e.code} ${e.path}`;
  }
}

test(`${CASES.toLocaleString("en")} random checks that read the resource: decided in JavaScript exactly as the engine decides`, () => {
  const g = generator(7);
  const presets = Object.keys(corpus.presets);
  let checks = 0;
  let quick = 0;
  let engine = 0;
  let errors = 0;
  const reasons = new Map();
  while (checks < CASES) {
    const fromPreset = g.chance(20);
    const doc = fromPreset ? corpus.presets[g.pick(presets)] : randomPolicy(g);
    const t = tree(doc);
    let policy;
    try {
      policy = api.Policy.fromObject(doc);
    } catch {
      continue; // a random document that does not compile
    }
    const actions = readingActions(policy);
    if (actions.length === 0) {
      policy.free();
      continue;
    }
    // The evaluator alone, over the page module built from the same policy.
    const rawPolicy = raw.RawPolicy.load(policy.build());
    for (let p = 0; p < 10 && checks < CASES; p++) {
      const principal = randomPrincipal(g, doc, t);
      const tenant = randomTenant(g, doc);
      let session;
      let rawSession;
      try {
        session = policy.session(principal, tenant);
        rawSession = rawPolicy.session(JSON.stringify(principal), JSON.stringify(tenant));
      } catch {
        continue;
      }
      const types = fromPreset ? ["number", "campaign", "project", "table", "recording"] : ["number", "campaign"];
      for (let k = 0; k < 10 && checks < CASES; k++) {
        const action = g.pick(actions);
        // Often where the principal holds a role, so that grants and deny rules apply.
        const at = principal.roles.length && g.chance(60) ? g.pick(principal.roles).scope : scopeAt(g, t, g.pick(t.levels));
        const resource = resourceOf(g, doc, t, g.pick(types), at);
        checks++;
        // Through the package: check (the program, or the engine where it hands back)
        // against the UI map of the same resource (the engine only).
        const checked = outcome(() => session.check(action, resource));
        const mapped = outcome(() => session.permissions(resource)[action]);
        assert.equal(checked, mapped, `check and the engine disagree\naction ${action}\nresource ${JSON.stringify(resource)}\nprincipal ${JSON.stringify(principal)}\ntenant ${JSON.stringify(tenant)}\npolicy ${JSON.stringify(doc)}`);
        if (checked.startsWith("RolegateError")) {
          errors++;
          continue;
        }
        const reason = JSON.parse(checked).reason;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        // The evaluator alone: what it decided without the engine is the engine's verdict.
        const id = policy.actions.findIndex((a) => a.name === action);
        const scopeId = rawSession.scope(resource.scope ?? "", 0);
        const program = conditions.compileProgram(rawSession.program(id, scopeId));
        const verdict = program === null ? conditions.ENGINE : program(resource);
        if (verdict === conditions.ENGINE) {
          engine++;
        } else {
          quick++;
          assert.deepEqual(JSON.parse(rawSession.decision(verdict)), JSON.parse(checked), `the evaluator decided otherwise\naction ${action}\nresource ${JSON.stringify(resource)}`);
        }
      }
      session.free();
      rawSession.free();
    }
    rawPolicy.free();
    policy.free();
  }
  console.log(`conditions: ${checks} checks: ${quick} decided in JavaScript, ${engine} by the engine, ${errors} refused with a code; reasons ${JSON.stringify(Object.fromEntries(reasons))}`);
  // The comparison is only as good as the variety it saw.
  assert.ok(quick >= CASES * 0.5, `only ${quick} decided in JavaScript`);
  assert.ok(engine >= CASES * 0.05, `only ${engine} handed to the engine`);
  for (const reason of ["granted", "denied_by_rule", "condition_failed", "not_member", "feature_disabled", "bad_attribute"]) {
    assert.ok((reasons.get(reason) ?? 0) >= 100, `reason ${reason}: ${reasons.get(reason) ?? 0}`);
  }
});
