// The interactive demo as a visitor uses it: `rolegate serve` on 127.0.0.1 with the page
// built from www/ (which installs the package from pkg/ as an app installs it from npm),
// driven in headless Chromium. Every marked control of every page, for every person of
// every preset, is compared with the native engine's decision (`rolegate batch`); then
// the plan and feature switches, the policy editor, the team rules, forced requests and
// the server's answers, the keyboard, the console. Screenshots and timings go to
// target/demo/.
//
// usage: node --test tests/js/demo.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./pack.mjs";
import { CHROMIUM, CHROMIUM_ARGS, freePort, loadPlaywright, serve } from "./harness.mjs";

const nativeBin = join(root, "target", "debug", "rolegate");
const out = join(root, "target", "demo");
const PRESETS = ["outreach", "calilio", "callscaler", "callaro", "project-members"];
const PAGES = ["dashboard", "campaigns", "outreach", "numbers", "recordings", "live", "reports", "team", "billing", "settings"];

let server;
let origin;
let browser;
const consoleErrors = [];
const requestLog = [];
const failedLoads = []; // the requests answered 4xx or 5xx, for the failure message
let forcedRefusals = 0; // forced requests the server refused: the browser logs each as a failed load

function fail(message) {
  throw new Error(`demo test: ${message}`);
}

before(async () => {
  if (!existsSync(nativeBin)) fail(`${nativeBin} is missing: run \`cargo build\``);
  if (!existsSync(CHROMIUM)) fail(`Chromium is not installed at ${CHROMIUM}: run \`bash scripts/setup chromium\``);
  if (!existsSync(join(root, "www", "node_modules", "preact"))) fail("www/node_modules is missing: run `bash scripts/setup www`");
  if (!existsSync(join(root, "pkg", "package.json"))) fail("pkg/ is missing: run `bash scripts/build-npm`");
  execFileSync("node", [join(root, "www", "build.mjs")], { env: { ...process.env, ROLEGATE_BIN: nativeBin }, stdio: "inherit" });
  mkdirSync(out, { recursive: true });
  const port = await freePort();
  server = spawn(nativeBin, ["serve", "--listen", `127.0.0.1:${port}`, "--www", join(root, "www", "dist")], { stdio: ["ignore", "pipe", "inherit"] });
  origin = `http://127.0.0.1:${port}`;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("rolegate serve did not start in 20 s")), 20_000);
    server.stdout.on("data", (chunk) => {
      if (String(chunk).includes("http://")) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.on("exit", (code) => reject(new Error(`rolegate serve exited with ${code}`)));
  });
  const chromium = await loadPlaywright();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  page.on("request", (r) => {
    if (r.url().includes("/api/")) requestLog.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) failedLoads.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
  });
  return page;
}

async function api(path, init) {
  const response = await fetch(origin + path, init);
  return response.json();
}

async function open(page, preset) {
  await api(`/demo/${preset}/reset`, { method: "POST" });
  await page.goto(`${origin}/?preset=${preset}#/dashboard`);
  await page.waitForSelector("body[data-ready=true]");
  await page.waitForSelector(`.app[data-preset="${preset}"]`);
}

async function choosePerson(page, person) {
  await page.selectOption("#person", person);
  await page.waitForSelector(`.app[data-person="${person}"]`);
}

async function visit(page, id) {
  await page.evaluate((id) => {
    location.hash = `#/${id}`;
  }, id);
  await page.waitForFunction((id) => location.hash === `#/${id}`, id);
  await page.waitForTimeout(20);
}

/** Every control marked with an engine decision on the page now. */
function controls(page) {
  return page.$$eval("[data-rolegate]", (els) =>
    els.map((el) => ({
      action: el.dataset.rolegate,
      scope: el.dataset.rolegateScope ?? "",
      type: el.dataset.rolegateType,
      id: el.dataset.rolegateId,
      state: el.dataset.rolegateState,
      hidden: el.hidden,
      disabled: el.getAttribute("aria-disabled") === "true",
      hint: el.title,
      label: el.textContent.trim(),
    })),
  );
}

/** The native engine's decisions for a list of questions, through `rolegate batch`. */
function native(preset, questions) {
  if (!questions.length) return [];
  const input = questions.map((q) => JSON.stringify(q)).join("\n") + "\n";
  const output = execFileSync(nativeBin, ["batch", preset], { input, encoding: "utf8" });
  return output.trim().split("\n").map((line) => JSON.parse(line));
}

const STATE = { allow: "shown", conditional: "shown", locked: "locked", deny: "hidden" };

/** Compares every marked control of every page for one person with native decisions. */
async function compareAll(page, preset, person, snapshot, tenantOverride) {
  const token = await api(`/demo/${preset}/token`, { method: "POST", body: JSON.stringify({ member: person, ...tenantOverride }) });
  const seen = [];
  for (const id of PAGES) {
    await visit(page, id);
    for (const c of await controls(page)) seen.push({ ...c, page: id });
  }
  const records = snapshot.data.resources ?? {};
  const questions = seen.map((c) => {
    let resource = { scope: c.scope };
    if (c.type) {
      const record = (records[c.type] ?? []).find((r) => r.id === c.id);
      resource = { type: c.type, id: c.id, scope: c.scope, attrs: record?.attrs ?? {} };
    }
    return { principal: token.principal, tenant: token.tenant, action: c.action, resource };
  });
  const decisions = native(preset, questions);
  const mismatches = [];
  seen.forEach((c, i) => {
    const d = decisions[i];
    const expected = STATE[d.effect];
    const okState = c.state === expected;
    const okDom = expected === "shown" ? !c.hidden && !c.disabled : expected === "locked" ? !c.hidden && c.disabled && c.hint === (d.hint ?? "Locked") : c.hidden;
    if (!okState || !okDom) mismatches.push({ person, page: c.page, action: c.action, scope: c.scope, id: c.id, ui: c.state, native: d });
  });
  return { count: seen.length, mismatches, states: seen.map((c) => c.state) };
}

test("every control of every page, for every person of the five presets, is in the state of the native decision", async () => {
  const page = await newPage();
  let total = 0;
  const perState = { shown: 0, locked: 0, hidden: 0 };
  for (const preset of PRESETS) {
    await open(page, preset);
    const snapshot = await api(`/demo/${preset}`);
    for (const member of snapshot.data.team.members) {
      await choosePerson(page, member.id);
      const { count, mismatches, states } = await compareAll(page, preset, member.id, snapshot, { plan: snapshot.data.tenant.plan, features: snapshot.data.tenant.features });
      assert.deepEqual(mismatches, [], `${preset}/${member.id}: controls that disagree with the native engine`);
      assert.ok(count > 5, `${preset}/${member.id}: only ${count} marked controls`);
      total += count;
      for (const s of states) perState[s]++;
    }
  }
  console.log(`demo: ${total} control states equal the native decisions (shown ${perState.shown}, locked ${perState.locked}, hidden ${perState.hidden})`);
  assert.ok(perState.shown > 100 && perState.locked > 0 && perState.hidden > 100, JSON.stringify(perState));
  await page.close();
});

/** The states of every control on every page, keyed by page, action, scope and record. */
async function statesByKey(page) {
  const map = new Map();
  for (const id of PAGES) {
    await visit(page, id);
    for (const c of await controls(page)) map.set(`${id} ${c.action} ${c.scope} ${c.id ?? ""} ${c.label}`, c.state);
  }
  return map;
}

function changed(a, b) {
  const keys = [];
  for (const [k, v] of a) if (b.get(k) !== v) keys.push(k);
  return keys.sort();
}

test("switching the Outreach feature or the plan changes exactly the controls gated by it", async () => {
  const page = await newPage();
  await open(page, "outreach");
  const policy = JSON.parse((await api("/demo/outreach")).policy);
  await choosePerson(page, "cam");
  const on = await statesByKey(page);
  await page.uncheck("#feature-outreach");
  const off = await statesByKey(page);
  const gated = new Set(Object.entries(policy.actions).filter(([, a]) => a.feature === "outreach").map(([n]) => n));
  const diff = changed(on, off);
  const expected = [...on.keys()].filter((k) => gated.has(k.split(" ")[1]) && on.get(k) === "shown").sort();
  assert.ok(expected.length >= 5, `feature-gated controls shown to a Campaigner: ${expected.length}`);
  assert.deepEqual(diff, expected, "the controls that changed are the feature's");
  for (const k of diff) assert.equal(off.get(k), "locked", `${k} is locked without the feature`);

  await open(page, "callscaler");
  const scaler = JSON.parse((await api("/demo/callscaler")).policy);
  await choosePerson(page, "owen");
  const agency = await statesByKey(page);
  await page.selectOption("#plan", "enterprise");
  await page.waitForTimeout(50);
  const enterprise = await statesByKey(page);
  const planned = new Set(Object.entries(scaler.actions).filter(([, a]) => (a.plans ?? []).length).map(([n]) => n));
  const planDiff = changed(agency, enterprise);
  assert.ok(planDiff.length >= 1, "the Enterprise plan unlocks something");
  for (const k of planDiff) {
    assert.ok(planned.has(k.split(" ")[1]), `${k} changed with the plan but is not plan-gated`);
    assert.equal(agency.get(k), "locked");
    assert.equal(enterprise.get(k), "shown");
  }
  await page.close();
});

async function replaceEditorText(page, text) {
  await page.focus(".editor .cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

test("the policy editor: an error shows at its line and the last good policy stays; a valid edit re-renders and updates the matrix; pushing it makes the fingerprints agree", async () => {
  const page = await newPage();
  await open(page, "calilio");
  const snapshot = await api("/demo/calilio");
  await choosePerson(page, "mo");
  await visit(page, "numbers");
  const before = await controls(page);
  const good = JSON.parse(snapshot.policy);
  // An error: a role that does not exist, on a known line.
  const broken = JSON.stringify({ ...good, roles: { ...good.roles, member: { ...good.roles.member, includes: ["ghost"] } } }, null, 2);
  const line = broken.split("\n").findIndex((l) => l.includes('"ghost"')) + 1;
  await replaceEditorText(page, broken);
  await page.waitForSelector('[data-policy-status="invalid"]');
  const errors = await page.$$eval("[data-error-code]", (els) => els.map((e) => ({ code: e.dataset.errorCode, line: Number(e.dataset.errorLine), text: e.textContent })));
  assert.ok(errors.some((e) => e.line === line || e.line === line - 1), `an error at line ${line}: ${JSON.stringify(errors)}`);
  assert.ok(errors.every((e) => /^[a-z_]+$/.test(e.code)), "errors have stable codes");
  // The editor marks it at its line: clicking the error puts the cursor there.
  await page.click(`[data-error-line="${errors[0].line}"]`);
  await page.waitForSelector(".cm-lint-marker-error");
  assert.match(await page.textContent(".cm-activeLine"), /ghost/);
  assert.deepEqual(await controls(page), before, "the app keeps deciding from the last good policy");

  // A valid edit: Members may buy numbers now.
  const edited = JSON.stringify({ ...good, roles: { ...good.roles, member: { ...good.roles.member, allow: [...good.roles.member.allow, "number.purchase"] } } }, null, 2);
  await replaceEditorText(page, edited);
  await page.waitForSelector('[data-policy-status="valid"]');
  const buy = await page.$eval('[data-rolegate="number.purchase"]', (el) => el.dataset.rolegateState);
  assert.equal(buy, "shown", "the Member's Buy number button appears");
  const changes = await page.$eval(".changes", (el) => el.textContent);
  assert.match(changes, /member.*gains.*number\.purchase/i);
  await page.click("text=Matrix");
  const cells = await page.$$eval('[data-matrix-action="number.purchase"] td.cell', (tds) => tds.map((td) => td.className));
  assert.ok(cells.every((c) => c.includes("yes")), `number.purchase is yes for every role: ${cells}`);
  assert.equal(await page.$eval("[data-fingerprints]", (el) => el.dataset.fingerprints), "differ");
  await page.click("text=Policy");
  await page.click("text=Push this policy to the server");
  await page.waitForSelector('[data-fingerprints="same"]');
  const served = await api("/demo");
  const pageFingerprint = await page.$eval("[data-page-fingerprint]", (el) => el.dataset.pageFingerprint);
  assert.equal(served.presets.find((p) => p.name === "calilio").fingerprint, pageFingerprint);
  // The server enforces the pushed policy: Mo's purchase goes through.
  const { token } = await api("/demo/calilio/token", { method: "POST", body: JSON.stringify({ member: "mo" }) });
  const response = await fetch(`${origin}/calilio/api/numbers`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  await page.close();
});

test("a team change that breaks a rule is refused with its reason and changes nothing; an allowed one is applied and audited", async () => {
  const page = await newPage();
  await open(page, "calilio");
  await choosePerson(page, "olga");
  await visit(page, "team");
  const removeOwner = page.locator('[data-team-change="remove"][data-team-target="olga"]');
  assert.equal(await removeOwner.getAttribute("data-team-state"), "locked");
  assert.equal(await removeOwner.getAttribute("data-team-reason"), "unique_role_required");
  await page.check("#force");
  await removeOwner.click({ force: true });
  await page.waitForSelector("[data-toast]");
  assert.match(await page.textContent("[data-toast]"), /refused by the team rules \(unique_role_required\)/);
  forcedRefusals++;
  const after = await api("/demo/calilio");
  assert.ok(after.data.team.members.some((m) => m.id === "olga" && m.role === "owner"), "the owner is still there");
  assert.equal(after.audit.length, 0);
  await page.uncheck("#force");
  await page.locator('[data-team-change="remove"][data-team-target="nia"]').click();
  await page.waitForFunction(() => !document.querySelector('[data-member="nia"]'));
  const later = await api("/demo/calilio");
  assert.equal(later.audit.length, 1);
  assert.equal(later.audit[0].change, "remove");
  assert.equal(later.audit[0].target, "nia");
  assert.match(await page.textContent(".audit"), /remove/);
  await page.close();
});

test("number assignment: an Admin unassigns another's number (audited), never the Owner's", async () => {
  const page = await newPage();
  await open(page, "calilio");
  await choosePerson(page, "amir");
  await visit(page, "numbers");
  const owners = page.locator('[data-rolegate="number.unassign"][data-rolegate-id="n5"]');
  assert.equal(await owners.getAttribute("data-rolegate-state"), "hidden");
  assert.equal(await owners.getAttribute("data-rolegate-reason"), "denied_by_rule");
  await page.locator('[data-rolegate="number.unassign"][data-rolegate-id="n1"]').click();
  await page.waitForSelector("[data-last-answer]");
  assert.equal(await page.$eval("[data-last-answer] [data-status]", (el) => el.dataset.status), "200");
  const state = await api("/demo/calilio");
  assert.equal(state.data.resources.number.find((n) => n.id === "n1").attrs?.assignee, undefined);
  const event = state.audit.at(-1);
  assert.deepEqual({ actor: event.actor, change: event.change, target: event.target, before: event.before, after: event.after }, { actor: "amir", change: "number.unassign", target: "n1", before: { assignee: "mo" }, after: { assignee: null } });
  // The Owner's number, forced: the server refuses with the same rule.
  await page.check("#force");
  await owners.click({ force: true });
  await page.waitForFunction(() => document.querySelector("[data-last-answer] [data-status]")?.dataset.status === "403");
  assert.equal(await page.$eval("[data-last-answer] [data-server-reason]", (el) => el.dataset.serverReason), "denied_by_rule");
  forcedRefusals++;
  await page.close();
});

test("forced requests get the server's 403 with the reason the UI showed; allowed ones change the data", async () => {
  const page = await newPage();
  await open(page, "outreach");
  await choosePerson(page, "cam");
  await page.uncheck("#feature-outreach");
  await visit(page, "campaigns");
  const run = page.locator('[data-rolegate="campaign.run"][data-rolegate-id="c2"]');
  assert.equal(await run.getAttribute("data-rolegate-state"), "locked");
  const uiReason = await run.getAttribute("data-rolegate-reason");
  await page.check("#force");
  await run.click({ force: true });
  await page.waitForSelector("[data-last-answer]");
  const first = await page.$eval("[data-last-answer]", (li) => ({ status: li.querySelector("[data-status]").dataset.status, reason: li.querySelector("[data-server-reason]").dataset.serverReason, agree: li.className }));
  assert.deepEqual(first, { status: "403", reason: uiReason, agree: "agree" });
  forcedRefusals++;
  // A hidden control: Operations does not see campaigns at all.
  await choosePerson(page, "ops");
  const del = page.locator('[data-rolegate="campaign.delete"][data-rolegate-id="c1"]');
  assert.equal(await del.getAttribute("data-rolegate-state"), "hidden");
  await del.click({ force: true });
  await page.waitForFunction(() => document.querySelectorAll("[data-answer]").length >= 2);
  const second = await page.$eval("[data-last-answer]", (li) => ({ status: li.querySelector("[data-status]").dataset.status, reason: li.querySelector("[data-server-reason]").dataset.serverReason }));
  assert.equal(second.status, "403");
  forcedRefusals++;
  assert.equal(second.reason, await del.getAttribute("data-rolegate-reason"));
  assert.ok((await api("/demo/outreach")).data.resources.campaign.some((c) => c.id === "c1"), "nothing was deleted");
  // Allowed: the Org Admin deletes a campaign and runs another, for real.
  await page.uncheck("#force");
  await page.check("#feature-outreach");
  await choosePerson(page, "ada");
  await page.locator('[data-rolegate="campaign.delete"][data-rolegate-id="c3"]').click();
  await page.waitForFunction(() => !document.querySelector('[data-record="c3"]'));
  await page.locator('[data-rolegate="campaign.run"][data-rolegate-id="c2"]').click();
  await page.waitForFunction(() => document.querySelector('[data-record="c2"] .pill')?.textContent === "running");
  const data = (await api("/demo/outreach")).data.resources.campaign;
  assert.ok(!data.some((c) => c.id === "c3"), "c3 deleted on the server");
  assert.equal(data.find((c) => c.id === "c2").status, "running");
  await page.close();
});

/** The visible controls of the page (engine and team rules), and those Tab reaches. */
async function tabReach(page) {
  // Each control's key, computed in the page (a button of a record, a scope, a team member).
  await page.evaluate(() => {
    window.__controlKey = (el) =>
      el.dataset.rolegate
        ? `${el.dataset.rolegate}/${el.dataset.rolegateScope ?? ""}/${el.dataset.rolegateId ?? ""}/${el.textContent.trim()}`
        : `${el.dataset.teamChange}/${el.dataset.teamTarget}`;
  });
  const wanted = await page.$$eval("button[data-rolegate], button[data-team-change]", (els) => els.filter((el) => !el.hidden).map((el) => window.__controlKey(el)));
  const unique = [...new Set(wanted)].sort();
  const reached = new Set();
  await page.focus("#preset");
  for (let i = 0; i < 400 && reached.size < unique.length; i++) {
    await page.keyboard.press("Tab");
    const key = await page.evaluate(() => {
      const el = document.activeElement;
      return el?.dataset?.rolegate || el?.dataset?.teamChange ? window.__controlKey(el) : null;
    });
    if (key) reached.add(key);
  }
  return { wanted: unique, reached: [...reached].sort() };
}

test("the keyboard reaches every shown and locked control, and a locked control describes its hint", async () => {
  const page = await newPage();
  const tours = [
    ["outreach", "cam", "campaigns", async () => page.uncheck("#feature-outreach")],
    ["calilio", "amir", "numbers"],
    ["calilio", "mo", "billing"],
    ["calilio", "amir", "team"],
    ["callscaler", "owen", "settings"],
  ];
  let total = 0;
  for (const [preset, person, at, prepare] of tours) {
    await open(page, preset);
    await choosePerson(page, person);
    await prepare?.();
    await visit(page, at);
    const { wanted, reached } = await tabReach(page);
    assert.ok(wanted.length >= 1, `${preset}/${person}/${at}: no control`);
    assert.deepEqual(reached, wanted, `${preset}/${person}/${at}: every visible control is reachable by Tab`);
    total += wanted.length;
  }
  console.log(`demo: Tab reaches all ${total} visible controls of ${tours.length} pages`);
  await open(page, "outreach");
  await choosePerson(page, "cam");
  await page.uncheck("#feature-outreach");
  await visit(page, "campaigns");
  const locked = page.locator('[data-rolegate="campaign.create"]');
  assert.equal(await locked.getAttribute("aria-disabled"), "true");
  const describedBy = await locked.getAttribute("aria-describedby");
  const description = await page.textContent(`#${describedBy}`);
  const native = JSON.parse(execFileSync(nativeBin, ["check", "outreach", "campaign.create", "--principal", '{"id":"cam","roles":[{"role":"campaigner","scope":"org"}]}', "--tenant", '{"id":"acme","features":[]}'], { encoding: "utf8" }));
  assert.equal(description, native.hint, "the accessible description is the policy's hint");
  await page.close();
});

test("screenshots of two people, and the timings of a first render and a person switch", async () => {
  const page = await newPage();
  const started = Date.now();
  await page.goto(`${origin}/?preset=outreach#/campaigns`);
  await page.waitForSelector("body[data-ready=true]");
  const firstRender = Date.now() - started;
  const inPage = await page.evaluate(() => window.__rolegateTiming);
  await api("/demo/outreach/reset", { method: "POST" });
  await page.screenshot({ path: join(out, "outreach-org-admin.png") });
  const switches = [];
  for (const person of ["cam", "ops", "ada", "cam", "ops", "ada"]) {
    const t = await page.evaluate(async (person) => {
      const select = document.querySelector("#person");
      const start = performance.now();
      select.value = person;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      await new Promise((resolve) => {
        const check = () => (document.querySelector(`.app[data-person="${person}"]`) ? resolve() : requestAnimationFrame(check));
        check();
      });
      return performance.now() - start;
    }, person);
    switches.push(t);
  }
  await page.uncheck("#feature-outreach");
  await page.selectOption("#person", "cam");
  await page.check("#why");
  await page.locator('[data-rolegate="campaign.run"][data-rolegate-id="c2"]').click({ force: true });
  await page.waitForSelector(".explain .steps");
  await page.screenshot({ path: join(out, "outreach-campaigner-why.png") });
  switches.sort((a, b) => a - b);
  const median = switches[Math.floor(switches.length / 2)];
  const figures = { loadToFirstRenderMs: firstRender, inPageBootMs: Math.round(inPage.firstRender), personSwitchMedianMs: Number(median.toFixed(1)) };
  writeFileSync(join(out, "timings.json"), JSON.stringify(figures, null, 2));
  console.log(`demo timings: page load to first interactive render ${firstRender} ms (boot in page ${figures.inPageBootMs} ms); re-render after switching person ${figures.personSwitchMedianMs} ms (median of ${switches.length})`);
  await page.close();
});

test("the static build runs without the server half: the page decides alone and says so", async () => {
  execFileSync("node", [join(root, "www", "build.mjs"), "--static"], { env: { ...process.env, ROLEGATE_BIN: nativeBin }, stdio: "inherit" });
  const site = await serve(join(root, "www", "dist-static"));
  try {
    const page = await newPage();
    await page.goto(`http://127.0.0.1:${site.address().port}/index.html?preset=calilio#/numbers`);
    await page.waitForSelector("body[data-ready=true]");
    await choosePerson(page, "mo");
    const rows = await page.$$eval("tr[data-record]:not([hidden])", (trs) => trs.map((tr) => tr.dataset.record));
    assert.deepEqual(rows.sort(), ["n1", "n4"], "a Member sees only the numbers assigned to them");
    assert.match(await page.textContent("[data-fingerprints]"), /none \(static page\)/);
    await page.check("#force");
    await page.locator('[data-rolegate="number.delete"][data-rolegate-id="n1"]').click({ force: true });
    await page.waitForSelector("[data-last-answer]");
    assert.equal(await page.$eval("[data-last-answer] [data-status]", (el) => el.dataset.status), "403");
    await page.click("text=Server (1)");
    assert.match(await page.textContent(".notice"), /no server half/);
    await page.close();
  } finally {
    site.close();
  }
});

test("no console errors in any page of the run (besides the browser's network log of the forced refusals)", () => {
  const refusals = consoleErrors.filter((m) => /Failed to load resource: the server responded with a status of 403/.test(m));
  assert.deepEqual(
    consoleErrors.filter((m) => !refusals.includes(m)),
    [],
    `failed loads: ${failedLoads.join(", ")}; API requests: ${requestLog.join(", ")}`,
  );
  assert.equal(refusals.length, forcedRefusals, "one network log line per forced request the server refused");
});
