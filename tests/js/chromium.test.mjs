// The npm package in Chromium, as a user installs it: a page without a bundler (web.js,
// which fetches the WebAssembly module next to itself), a page bundled by esbuild (the
// `browser` export condition, wasm inlined), and the DOM helper (`rolegate/dom`) compared
// element by element with the native decisions of the `rolegate` command.
//
// usage: node --test tests/js/chromium.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, scratchProject, tool } from "./pack.mjs";
import { CHROMIUM, CHROMIUM_ARGS, loadPlaywright, serve } from "./harness.mjs";

const corpusPath = join(root, "target", "js-corpus.json");
const corpusModule = join(root, "tests", "js", "corpus.mjs");
const nativeBin = join(root, "target", "debug", "rolegate");

let dir; // the scratch project, served as the site's root
let server;
let origin;
let browser;
let corpus;
const requests = []; // every path the server was asked for, with its status

function fail(message) {
  throw new Error(`chromium test: ${message}`);
}

before(async () => {
  if (!existsSync(corpusPath)) {
    fail(`${corpusPath} is missing: run \`cargo build\` then \`node tests/js/prepare.mjs\``);
  }
  if (!existsSync(nativeBin)) fail(`${nativeBin} is missing: run \`cargo build\``);
  if (!existsSync(CHROMIUM)) fail(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\``);
  const esbuild = tool("esbuild");
  const chromium = await loadPlaywright();
  corpus = JSON.parse(readFileSync(corpusPath, "utf8"));

  dir = scratchProject("chromium");

  // Page A: no bundler, the module fetched next to web.js.
  writeFileSync(
    join(dir, "plain.html"),
    `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rolegate without a bundler</title></head>
<body>
<script type="module">
import * as api from "/node_modules/rolegate/web.js";
import { runCorpus, runGateCorpus } from "/corpus.mjs";
try {
  const corpus = await (await fetch("/corpus.json")).json();
  window.result = { ...runCorpus(api, corpus), gates: runGateCorpus(api, corpus) };
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
</script>
</body></html>
`,
  );

  // Page C: the full module without a bundler (full-web.js): the gate corpus and the
  // presets' fingerprints too (the page module leaves the route table out).
  writeFileSync(
    join(dir, "full.html"),
    `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rolegate/full without a bundler</title></head>
<body>
<script type="module">
import * as api from "/node_modules/rolegate/full-web.js";
import { runCorpus, runGateCorpus } from "/corpus.mjs";
try {
  const corpus = await (await fetch("/corpus.json")).json();
  window.result = { ...runCorpus(api, corpus), artifact: runCorpus(api, corpus, { from: "artifact" }), gates: runGateCorpus(api, corpus) };
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
</script>
</body></html>
`,
  );

  // Page B: bundled by esbuild through the package's `browser` condition.
  copyFileSync(corpusModule, join(dir, "corpus.mjs"));
  writeFileSync(
    join(dir, "entry.mjs"),
    `import * as api from "rolegate";
import { runCorpus } from "./corpus.mjs";
try {
  await api.ready; // a bundled page compiles the module in the background
  const corpus = await (await fetch("/corpus.json")).json();
  window.result = runCorpus(api, corpus);
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
`,
  );
  try {
    execFileSync(esbuild, ["entry.mjs", "--bundle", "--format=esm", "--platform=browser", "--outfile=bundle.js", "--log-level=warning"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    fail(`esbuild failed to bundle the package:\n${e.stderr || e.message}`);
  }
  writeFileSync(
    join(dir, "bundled.html"),
    `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rolegate bundled</title></head>
<body><script type="module" src="/bundle.js"></script></body></html>
`,
  );

  // The DOM helper page: the package's modules through an import map, no bundler.
  writeFileSync(
    join(dir, "dom.html"),
    `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rolegate/dom</title>
<script type="importmap">
{ "imports": { "rolegate": "/node_modules/rolegate/web.js", "rolegate/dom": "/node_modules/rolegate/dom.js" } }
</script>
</head>
<body><main id="app"></main>
<script type="module">
import * as api from "rolegate";
import { applyDecisions } from "rolegate/dom";
try {
  const corpus = await (await fetch("/corpus.json")).json();
  window.rolegate = { api, applyDecisions, artifacts: corpus.artifacts };
  window.ready = true;
} catch (e) {
  window.ready = String(e && e.stack || e);
}
</script>
</body></html>
`,
  );

  server = await serve(dir, {
    routes: { "/corpus.json": corpusPath, "/corpus.mjs": corpusModule },
    onRequest: (path, status) => requests.push({ path, status }),
  });
  origin = `http://127.0.0.1:${server.address().port}`;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
  } catch (e) {
    fail(`Chromium (${CHROMIUM}) failed to start: ${e.message}`);
  }
});

after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((resolve) => server.close(resolve));
});

/** A page that records page errors, console errors and failed requests. */
async function openPage(path) {
  const page = await browser.newPage();
  const problems = [];
  const warnings = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.stack || e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    if (m.type() === "warning") warnings.push(m.text());
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  const fetched = [];
  page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(`${origin}${path}`);
  return { page, problems, warnings, fetched };
}

const totalCases = () => Object.values(corpus.files).reduce((n, f) => n + f.cases.length, 0);

async function runCorpusPage(path, label) {
  const { page, problems, warnings, fetched } = await openPage(path);
  try {
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 20_000 }).catch(() => {
      fail(`${label}: the page never produced a result; problems: ${problems.join("\n") || "none"}`);
    });
    const result = await page.evaluate(() => window.result);
    assert.equal(result.error, undefined, `${label}: the page threw: ${result.error}`);
    assert.deepEqual(problems, [], `${label}: errors on the page:\n${problems.join("\n")}`);
    const total = totalCases();
    assert.ok(total > 500, `the corpus holds ${total} cases, expected more than 500`);
    assert.equal(result.cases, total, `${label}: ran ${result.cases} cases of ${total}`);
    assert.equal(
      result.failures.length,
      0,
      `${label}: ${result.failures.length} disagreements, first ones:\n${result.failures.slice(0, 20).join("\n")}`,
    );
    for (const [file, fixture] of Object.entries(corpus.files)) {
      assert.equal(result.perFile[file], fixture.cases.length, `${label}: ${file} ran ${result.perFile[file]} cases`);
    }
    if (warnings.length) console.log(`${label}: console warnings:\n  ${warnings.join("\n  ")}`);
    console.log(`${label}: ${result.cases} cases, ${result.failures.length} disagreements`);
    return { fetched, result };
  } finally {
    await page.close();
  }
}

test("the package without a bundler (web.js) agrees with the native engine on the whole corpus", async () => {
  const { fetched, result } = await runCorpusPage("/plain.html", "chromium (no bundler)");
  assert.equal(result.from, "artifact", "the page module decides from the presets' artifacts");
  const gateTotal = Object.values(corpus.gates).reduce((n, f) => n + f.cases.length, 0);
  assert.equal(result.gates.from, "artifact");
  assert.equal(result.gates.cases, gateTotal, `the page module ran ${result.gates.cases} gate cases of ${gateTotal}`);
  assert.deepEqual(result.gates.failures.slice(0, 20), [], "the gate corpus from artifacts in the page module");
  assert.ok(
    fetched.includes("/node_modules/rolegate/wasm/rolegate_bg.wasm"),
    `web.js should fetch the module next to itself; fetched: ${fetched.join(", ")}`,
  );
  const wasm = requests.find((r) => r.path === "/node_modules/rolegate/wasm/rolegate_bg.wasm");
  assert.equal(wasm?.status, 200);
});

test("the package bundled by esbuild (browser condition, wasm inlined) agrees with the native engine", async () => {
  const { fetched } = await runCorpusPage("/bundled.html", "chromium (esbuild bundle)");
  const wasm = fetched.filter((p) => p.endsWith(".wasm"));
  assert.deepEqual(wasm, [], `the bundled page should fetch no .wasm file (it is inlined), fetched: ${wasm.join(", ")}`);
});

test("the full module in Chromium agrees with the native engine on the gate corpus and the fingerprints", async () => {
  const { result } = await runCorpusPage("/full.html", "chromium (rolegate/full)");
  const gateTotal = Object.values(corpus.gates).reduce((n, f) => n + f.cases.length, 0);
  assert.equal(result.gates.cases, gateTotal, `ran ${result.gates.cases} gate cases of ${gateTotal}`);
  assert.deepEqual(result.gates.failures.slice(0, 20), [], "gate corpus and fingerprints in Chromium");
  assert.equal(result.from, "text");
  assert.equal(result.artifact.from, "artifact");
  assert.equal(result.artifact.cases, totalCases(), "the corpus from the artifacts");
  assert.deepEqual(result.artifact.failures.slice(0, 20), [], "the corpus from the artifacts in Chromium (rolegate/full)");
  console.log(`chromium (rolegate/full): ${result.gates.cases} gate cases, ${Object.keys(corpus.fingerprints).length} fingerprints, ${result.gates.failures.length} disagreements`);
});

// ---- The DOM helper --------------------------------------------------------------------

/** The native decision of every action, from `rolegate permissions`. */
const nativeCache = new Map();
function nativePermissions(preset, principal, tenant, scope) {
  const key = JSON.stringify([preset, principal, tenant, scope]);
  if (!nativeCache.has(key)) {
    const args = ["permissions", preset, "-p", JSON.stringify(principal), "-t", JSON.stringify(tenant)];
    if (scope) args.push("--scope", scope);
    nativeCache.set(key, JSON.parse(execFileSync(nativeBin, args, { cwd: root, encoding: "utf8" })));
  }
  return nativeCache.get(key);
}

/**
 * Builds the page for one view: every action once outside any scope (the tenant), and once
 * under `scope` (half through an ancestor's data-rolegate-scope, half through the
 * element's own); every third button has a title of its own, to see it restored, and
 * every button a click handler bound before the helper runs. Applies the decisions of a
 * session (or of its snapshot) and reads each element back.
 */
function renderView(page, view, { fresh, source = "session" }) {
  return page.evaluate(
    ({ view, fresh, source }) => {
      const { api, applyDecisions, artifacts } = window.rolegate;
      const app = document.getElementById("app");
      // The page module loads the artifact `rolegate build` wrote.
      const bytes = () => Uint8Array.from(atob(artifacts[view.preset]), (c) => c.charCodeAt(0));
      const policy = (window.policies ??= {})[view.preset] ??= api.Policy.load(bytes());
      const actions = policy.actions.map((a) => a.name);
      if (fresh || !app.firstChild) {
        const esc = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
        const button = (action, region, i, own) =>
          `<button type="button" data-rolegate="${esc(action)}" data-region="${region}"` +
          (own ? ` data-rolegate-scope="${esc(view.scope)}"` : "") +
          (i % 3 === 0 ? ` title="original ${esc(action)}"` : "") +
          `>${esc(action)}</button>`;
        const free = actions.map((a, i) => button(a, "tenant", i, false)).join("");
        const half = Math.ceil(actions.length / 2);
        const inherited = actions.slice(0, half).map((a, i) => button(a, "scoped", i, false)).join("");
        const own = actions.slice(half).map((a, i) => button(a, "scoped", i + half, true)).join("");
        app.innerHTML =
          `<section id="tenant">${free}</section>` +
          `<section id="scoped-parent" data-rolegate-scope="${esc(view.scope)}"><div><span>${inherited}</span></div></section>` +
          `<section id="scoped-own">${own}</section>`;
        window.clicksBefore = {};
        for (const el of app.querySelectorAll("[data-rolegate]")) {
          const key = `${el.getAttribute("data-region")} ${el.getAttribute("data-rolegate")}`;
          window.clicksBefore[key] = 0;
          el.addEventListener("click", () => window.clicksBefore[key]++);
        }
      } else {
        // Re-applying on the same elements: only the scope changes.
        for (const el of app.querySelectorAll("[data-rolegate-scope]")) el.setAttribute("data-rolegate-scope", view.scope);
      }
      const session = policy.session(view.principal, view.tenant);
      const counts = applyDecisions(app, source === "snapshot" ? session.snapshot(["", view.scope]) : session);
      const elements = [...app.querySelectorAll("[data-rolegate]")].map((el) => ({
        action: el.getAttribute("data-rolegate"),
        region: el.getAttribute("data-region"),
        hidden: el.hidden,
        display: getComputedStyle(el).display,
        ariaDisabled: el.getAttribute("aria-disabled"),
        title: el.getAttribute("title"),
        state: el.getAttribute("data-rolegate-state"),
        disabled: el.disabled,
      }));
      session.free();
      return { counts, elements, actions };
    },
    { view, fresh, source },
  );
}

function compareView(preset, view, readback, label) {
  const bad = [];
  const expected = {
    tenant: nativePermissions(preset, view.principal, view.tenant, ""),
    scoped: nativePermissions(preset, view.principal, view.tenant, view.scope),
  };
  const counts = { shown: 0, locked: 0, hidden: 0 };
  assert.equal(readback.elements.length, readback.actions.length * 2, `${label}: element count`);
  readback.actions.forEach((action, i) => {
    const originalTitle = i % 3 === 0 ? `original ${action}` : null;
    for (const region of ["tenant", "scoped"]) {
      const el = readback.elements.find((e) => e.action === action && e.region === region);
      const native = expected[region][action];
      const where = `${label}: ${action} at ${region === "tenant" ? "the tenant" : view.scope}`;
      if (!el) {
        bad.push(`${where}: no element`);
        continue;
      }
      if (!native) {
        bad.push(`${where}: no native decision`);
        continue;
      }
      const want = {
        hidden: native.effect === "deny",
        display: native.effect === "deny" ? "none" : "inline-block",
        ariaDisabled: native.effect === "locked" ? "true" : null,
        title: native.effect === "locked" ? native.hint ?? originalTitle : originalTitle,
        // `conditional`: allowed for some resources of the kind, so the entry is shown.
        state: { allow: "shown", conditional: "shown", locked: "locked", deny: "hidden" }[native.effect],
        disabled: false,
      };
      counts[want.state]++;
      for (const [key, value] of Object.entries(want)) {
        if (el[key] !== value) bad.push(`${where}: native ${native.effect}${native.hint ? ` (${native.hint})` : ""}, ${key} is ${JSON.stringify(el[key])}, expected ${JSON.stringify(value)}`);
      }
    }
  });
  assert.deepEqual(readback.counts, counts, `${label}: the counts applyDecisions returned`);
  return bad;
}

async function domTest(preset, views) {
  const { page, problems } = await openPage("/dom.html");
  try {
    await page.waitForFunction(() => window.ready !== undefined, null, { timeout: 20_000 });
    const ready = await page.evaluate(() => window.ready);
    assert.equal(ready, true, `the DOM page failed to load: ${ready}`);
    const bad = [];
    const tally = { allow: 0, locked: 0, deny: 0, conditional: 0 };
    // Each view on a fresh DOM, then all of them re-applied in turn on one DOM, then each
    // view from a snapshot of the session instead of the session.
    const passes = [
      { fresh: true, source: "session", suffix: "" },
      { fresh: false, source: "session", suffix: " (re-applied)" },
      { fresh: true, source: "snapshot", suffix: " (from a snapshot)" },
    ];
    for (const { fresh, source, suffix } of passes) {
      for (const view of views) {
        const label = `${preset} ${view.name}${suffix}`;
        const readback = await renderView(page, { ...view, preset }, { fresh, source });
        bad.push(...compareView(preset, view, readback, label));
        if (fresh && source === "session") {
          for (const region of ["", view.scope]) {
            for (const d of Object.values(nativePermissions(preset, view.principal, view.tenant, region))) tally[d.effect]++;
          }
        }
      }
    }
    assert.deepEqual(bad, [], `DOM state disagrees with the native decisions (${bad.length}):\n${bad.slice(0, 30).join("\n")}`);
    assert.deepEqual(problems, [], `errors on the page:\n${problems.join("\n")}`);
    return { page, tally, elements: views.length * 2 };
  } catch (e) {
    await page.close();
    throw e;
  }
}

/** A locked button stays focusable and its clicks (mouse, element.click(), keyboard) are stopped. */
async function lockedInteraction(page, preset, view, lockedAction, allowedAction) {
  const readback = await renderView(page, { ...view, preset }, { fresh: true });
  const state = (action) => readback.elements.find((e) => e.action === action && e.region === "scoped")?.state;
  assert.equal(state(lockedAction), "locked", `${preset} ${view.name}: ${lockedAction} should be locked`);
  assert.equal(state(allowedAction), "shown", `${preset} ${view.name}: ${allowedAction} should be shown`);
  const select = (action) => `#scoped-parent [data-rolegate="${action}"], #scoped-own [data-rolegate="${action}"]`;
  // Handlers the application binds after the helper ran (renderView bound some before).
  await page.evaluate((selectors) => {
    window.clicks = { locked: 0, allowed: 0 };
    document.querySelector(selectors.locked).addEventListener("click", () => window.clicks.locked++);
    document.querySelector(selectors.allowed).addEventListener("click", () => window.clicks.allowed++);
  }, { locked: select(lockedAction), allowed: select(allowedAction) });

  const focused = await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    el.focus();
    return { active: document.activeElement === el, tabIndex: el.tabIndex, disabled: el.disabled };
  }, select(lockedAction));
  assert.deepEqual(focused, { active: true, tabIndex: 0, disabled: false }, `${preset}: the locked ${lockedAction} should take keyboard focus`);

  await page.keyboard.press("Enter");
  await page.keyboard.press("Space");
  await page.evaluate((sel) => document.querySelector(sel).click(), select(lockedAction));
  // A real mouse click (force: Playwright itself refuses to click an aria-disabled element).
  await page.click(select(lockedAction), { force: true });
  await page.click(select(allowedAction));
  await page.evaluate((sel) => document.querySelector(sel).click(), select(allowedAction));
  const clicks = await page.evaluate(
    ([locked, allowed]) => ({ ...window.clicks, lockedBefore: window.clicksBefore[locked], allowedBefore: window.clicksBefore[allowed] }),
    [`scoped ${lockedAction}`, `scoped ${allowedAction}`],
  );
  assert.deepEqual(
    clicks,
    { locked: 0, allowed: 2, lockedBefore: 0, allowedBefore: 2 },
    `${preset}: clicks reaching the handlers (bound after and before the helper ran) of the locked ${lockedAction} and the allowed ${allowedAction}`,
  );
}

function views(preset, list) {
  const fixture = corpus.files[`${preset}.json`];
  assert.ok(fixture, `no fixture file ${preset}.json in the corpus`);
  return list.map(([name, principal, tenant, scope]) => {
    assert.ok(fixture.principals[principal], `no persona ${principal} in ${preset}.json`);
    assert.ok(fixture.tenants[tenant], `no tenant ${tenant} in ${preset}.json`);
    return { name, principal: fixture.principals[principal], tenant: fixture.tenants[tenant], scope };
  });
}

test("rolegate/dom in Chromium matches the native decisions: outreach", async () => {
  const list = views("outreach", [
    ["org_admin, outreach enabled", "org_admin", "enabled", "org"],
    ["org_admin, outreach not enabled", "org_admin", "not_enabled", "org"],
    ["campaigner, outreach enabled", "campaigner", "enabled", "org"],
    ["campaigner, outreach not enabled", "campaigner", "not_enabled", "org"],
    ["operations, outreach enabled", "operations", "enabled", "org"],
    ["operations, outreach not enabled", "operations", "not_enabled", "org"],
    ["no role, outreach enabled", "no_role", "enabled", "org"],
  ]);
  const { page, tally, elements } = await domTest("outreach", list);
  try {
    await lockedInteraction(page, "outreach", list[3], "campaign.create", "outreach.view");
  } finally {
    await page.close();
  }
  assert.ok(tally.allow > 0 && tally.locked > 0 && tally.deny > 0, `outreach: every effect should be covered: ${JSON.stringify(tally)}`);
  console.log(
    `chromium dom (outreach): ${list.length} persona views x ${elements / list.length} scopes, ` +
      `${tally.allow} shown, ${tally.locked} locked, ${tally.deny} hidden, all as native (fresh, re-applied, from a snapshot); locked button focusable, clicks stopped`,
  );
});

test("rolegate/dom in Chromium matches the native decisions: calilio (conditional entries shown)", async () => {
  const list = views("calilio", [
    ["owner", "owner", "acme", "org"],
    ["admin", "admin", "acme", "org"],
    ["member: numbers assigned to them", "member", "acme", "org"],
    ["nobody", "nobody", "acme", "org"],
  ]);
  const { page, tally, elements } = await domTest("calilio", list);
  await page.close();
  assert.ok(tally.allow > 0 && tally.conditional > 0 && tally.deny > 0, `calilio: allow, conditional and deny should be covered: ${JSON.stringify(tally)}`);
  console.log(
    `chromium dom (calilio): ${list.length} persona views x ${elements / list.length} scopes, ` +
      `${tally.allow} allowed and ${tally.conditional} conditional shown, ${tally.deny} hidden, all as native (fresh, re-applied, from a snapshot)`,
  );
});

test("rolegate/dom in Chromium matches the native decisions: callscaler", async () => {
  const list = views("callscaler", [
    ["owner, pro", "owner", "pro", "business:b1"],
    ["owner, enterprise", "owner", "enterprise", "business:b2"],
    ["admin, pro", "admin", "pro", "business:b1"],
    ["admin, enterprise", "admin", "enterprise", "business:b2"],
    ["member of b1 at b1", "member", "pro", "business:b1"],
    ["member of b1 at b2", "member", "pro", "business:b2"],
    ["viewer of b1 at b1", "viewer", "pro", "business:b1"],
    ["member of b1, viewer of b2 at b2", "member_b1_viewer_b2", "pro", "business:b2"],
    ["member and viewer of b1 at b1", "member_and_viewer_b1", "pro", "business:b1"],
  ]);
  const { page, tally, elements } = await domTest("callscaler", list);
  try {
    // sso.configure is locked on the Pro plan for an admin (it needs Enterprise).
    await lockedInteraction(page, "callscaler", list[2], "sso.configure", "number.create");
  } finally {
    await page.close();
  }
  assert.ok(tally.allow > 0 && tally.locked > 0 && tally.deny > 0, `callscaler: every effect should be covered: ${JSON.stringify(tally)}`);
  console.log(
    `chromium dom (callscaler): ${list.length} persona views x ${elements / list.length} scopes, ` +
      `${tally.allow} shown, ${tally.locked} locked, ${tally.deny} hidden, all as native (fresh, re-applied, from a snapshot); locked button focusable, clicks stopped`,
  );
});
