// `rolegate/react` as a React app uses it: a scratch project with the packed package and
// React from npm, bundled by esbuild and run in Chromium (a locked button shows its hint,
// a denied one its fallback, switching the principal re-renders), and rendered on the
// server from a snapshot with react-dom/server (no WebAssembly on that path).
//
// usage: node --test tests/js/react.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, scratchProject, tool } from "./pack.mjs";
import { CHROMIUM, CHROMIUM_ARGS, loadPlaywright, serve } from "./harness.mjs";

const REACT = "19.3.1";
const nativeBin = join(root, "target", "debug", "rolegate");
let dir;
let browser;
let server;

function native(action, principal, tenant, preset = "outreach") {
  return JSON.parse(execFileSync(nativeBin, ["check", preset, action, "-p", JSON.stringify(principal), "-t", JSON.stringify(tenant)], { encoding: "utf8" }));
}

const tenant = { id: "acme", features: [] };
const people = {
  cam: { id: "cam", roles: [{ role: "campaigner", scope: "org" }] },
  ada: { id: "ada", roles: [{ role: "org_admin", scope: "org" }] },
};

before(async () => {
  if (!existsSync(nativeBin)) throw new Error(`${nativeBin} is missing: run \`cargo build\``);
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`bash scripts/setup chromium\``);
  dir = scratchProject("react", { dependencies: { react: REACT, "react-dom": REACT } });
  writeFileSync(join(dir, "policy.json"), readFileSync(join(root, "examples", "outreach.policy.json")));
  writeFileSync(join(dir, "people.json"), JSON.stringify({ tenant, people }));
  writeFileSync(
    join(dir, "app.js"),
    `import { createElement as h, useMemo, useState } from "react";
import { createRoot } from "react-dom/client";
import { Policy, ready } from "rolegate";
import { RolegateProvider, Can, useDecision } from "rolegate/react";
import setup from "./people.json";

function Toolbar() {
  const cx = useDecision("cx.view");
  return h("div", null,
    h(Can, { action: "campaign.create", locked: (d) => h("button", { id: "create", disabled: true, title: d.hint, "data-state": "locked" }, "New campaign") },
      h("button", { id: "create", "data-state": "shown" }, "New campaign")),
    h(Can, { action: "sms.configure", fallback: h("span", { id: "sms", "data-state": "hidden" }) },
      h("button", { id: "sms", "data-state": "shown" }, "SMS")),
    h("output", { id: "cx" }, cx.reason));
}

function App({ policy }) {
  const [who, setWho] = useState("cam");
  const principal = useMemo(() => setup.people[who], [who]);
  return h(RolegateProvider, { policy, principal, tenant: setup.tenant },
    h(Toolbar),
    h("button", { id: "switch", onClick: () => setWho("ada") }, "Switch to Ada"),
    h("output", { id: "who" }, who));
}

// The page module loads the artifact \`rolegate build\` wrote, served beside the page.
Promise.all([ready, fetch("policy.rolegate").then((r) => r.arrayBuffer())]).then(([, artifact]) => {
  const policy = Policy.load(artifact);
  createRoot(document.getElementById("root")).render(h(App, { policy }));
});
`,
  );
  execFileSync(tool("esbuild"), ["app.js", "--bundle", "--outfile=dist/app.js", "--format=esm", "--loader:.json=json", "--log-level=warning"], { cwd: dir, encoding: "utf8" });
  execFileSync(nativeBin, ["build", join(root, "examples", "outreach.policy.json"), "-o", join(dir, "dist", "policy.rolegate")], { encoding: "utf8" });
  writeFileSync(join(dir, "dist", "index.html"), `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><div id="root"></div><script type="module" src="app.js"></script></body></html>`);
  server = await serve(join(dir, "dist"));
  const chromium = await loadPlaywright();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("react in Chromium: allowed, locked with its hint, denied with its fallback; a new principal re-renders", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
  await page.waitForSelector("#create");
  for (const who of ["cam", "ada"]) {
    if (who === "ada") {
      await page.click("#switch");
      await page.waitForFunction(() => document.querySelector("#who")?.textContent === "ada");
    }
    const create = native("campaign.create", people[who], tenant);
    const sms = native("sms.configure", people[who], tenant);
    const cx = native("cx.view", people[who], tenant);
    const state = { allow: "shown", locked: "locked", deny: "hidden" };
    assert.equal(await page.getAttribute("#create", "data-state"), state[create.effect], `${who}: campaign.create`);
    if (create.effect === "locked") assert.equal(await page.getAttribute("#create", "title"), create.hint, `${who}: the hint`);
    // `Can` without `locked` renders the fallback for a locked action too.
    assert.equal(await page.getAttribute("#sms", "data-state"), sms.effect === "allow" ? "shown" : "hidden", `${who}: sms.configure`);
    assert.equal(await page.textContent("#cx"), cx.reason, `${who}: useDecision`);
  }
  // The two people get different hints for the same locked button (who may enable it).
  assert.notEqual(native("campaign.create", people.cam, tenant).hint, native("campaign.create", people.ada, tenant).hint);
  assert.deepEqual(errors, []);
  await page.close();
});

test("react on the server from a snapshot: rendered without WebAssembly, with the session's decisions", async () => {
  writeFileSync(
    join(dir, "ssr.mjs"),
    `import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { RolegateProvider, Can, usePermissions } from "rolegate/react";

function Menu() {
  const map = usePermissions("");
  return h("ul", null, Object.entries(map).filter(([, d]) => d.effect !== "deny").map(([a, d]) => h("li", { key: a, "data-effect": d.effect }, a)));
}

export function render(snapshot) {
  return renderToString(h(RolegateProvider, { snapshot },
    h(Can, { action: "campaign.create", locked: (d) => h("button", { disabled: true, title: d.hint }, "locked") }, h("button", null, "New campaign")),
    h(Menu)));
}
`,
  );
  const { Policy } = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "node.mjs")).href);
  const policy = Policy.fromJson(readFileSync(join(root, "examples", "outreach.policy.json"), "utf8"));
  const session = policy.session(people.cam, tenant);
  const snapshot = JSON.parse(JSON.stringify(session.snapshot([""])));
  const { render } = await import(pathToFileURL(join(dir, "ssr.mjs")).href);
  const html = render(snapshot);
  const create = session.check("campaign.create");
  assert.equal(create.effect, "locked");
  assert.ok(html.includes(`title="${create.hint.replace(/'/g, "&#x27;")}"`), html);
  const shown = Object.entries(session.permissions("")).filter(([, d]) => d.effect !== "deny").map(([a]) => a);
  for (const action of shown) assert.ok(html.includes(`>${action}</li>`), `${action} in ${html}`);
  assert.ok(!html.includes(">sms.configure</li>"));
  // A client that hydrates from the snapshot needs no WebAssembly: its bundle holds none.
  writeFileSync(join(dir, "client.js"), `import { RolegateProvider, Can } from "rolegate/react";\nexport { RolegateProvider, Can };\n`);
  execFileSync(tool("esbuild"), ["client.js", "--bundle", "--outfile=dist/client.js", "--format=esm", "--log-level=warning", "--external:react"], { cwd: dir, encoding: "utf8" });
  const client = readFileSync(join(dir, "dist", "client.js"), "utf8");
  assert.ok(!/rolegate_bg|WebAssembly/.test(client), "the snapshot client bundles no WebAssembly");
  console.log(`react: the snapshot client bundle is ${(client.length / 1024).toFixed(1)} KB (without React)`);
  session.free();
});

test("react: <Can> renders a conditional entry (allowed for some resources), and a resource decides", async () => {
  writeFileSync(
    join(dir, "ssr-conditional.mjs"),
    `import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { RolegateProvider, Can } from "rolegate/react";

export function render(snapshot, store) {
  const numbers = h(Can, { action: "number.view", fallback: h("span", null, "no numbers") }, h("a", { href: "/numbers" }, "Numbers"));
  const purchase = h(Can, { action: "number.purchase", fallback: h("span", null, "no purchase") }, h("button", null, "Buy a number"));
  const mine = h(Can, { action: "number.view", resource: { type: "number", id: "n1", scope: "org", attrs: { assignee: "u3" } }, fallback: null }, h("li", null, "n1"));
  const theirs = h(Can, { action: "number.view", resource: { type: "number", id: "n2", scope: "org", attrs: { assignee: "u4" } }, fallback: null }, h("li", null, "n2"));
  return [
    renderToString(h(RolegateProvider, { snapshot }, numbers, purchase)),
    renderToString(h(RolegateProvider, { store }, numbers, purchase, h("ul", null, mine, theirs))),
  ];
}
`,
  );
  const { Policy } = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "node.mjs")).href);
  const { createDecisionStore } = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "store.js")).href);
  const policy = Policy.fromObject(JSON.parse(execFileSync(nativeBin, ["export", "calilio"], { encoding: "utf8" })));
  const member = { id: "u3", roles: [{ role: "member", scope: "org" }] };
  const session = policy.session(member, { id: "acme" });
  assert.equal(native("number.view", member, { id: "acme" }, "calilio").effect, "conditional");
  const snapshot = JSON.parse(JSON.stringify(session.snapshot([""])));
  const store = createDecisionStore({ policy, principal: member, tenant: { id: "acme" } });
  const { render } = await import(pathToFileURL(join(dir, "ssr-conditional.mjs")).href);
  const [fromSnapshot, fromStore] = render(snapshot, store);
  for (const html of [fromSnapshot, fromStore]) {
    assert.ok(html.includes('href="/numbers"'), `the conditional Numbers entry is rendered: ${html}`);
    assert.ok(html.includes("no purchase"), html);
  }
  assert.ok(fromStore.includes("<li>n1</li>") && !fromStore.includes("<li>n2</li>"), `each number is decided with its assignee: ${fromStore}`);
  store.free();
  session.free();
});

test("rolegate/store without React: subscribe, set, and decisions that follow the state", async () => {
  const { createDecisionStore } = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "store.js")).href);
  const { Policy } = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "node.mjs")).href);
  const policy = Policy.fromJson(readFileSync(join(root, "examples", "outreach.policy.json"), "utf8"));
  const store = createDecisionStore({ policy, principal: people.cam, tenant });
  let notified = 0;
  const unsubscribe = store.subscribe(() => notified++);
  const v1 = store.getSnapshot();
  assert.equal(store.check("cx.view").reason, native("cx.view", people.cam, tenant).reason);
  assert.equal(store.permissions(""), store.permissions(""), "one map per scope and state");
  store.set({ principal: people.ada });
  assert.equal(notified, 1);
  assert.notEqual(store.getSnapshot(), v1);
  assert.equal(store.check("cx.view").reason, native("cx.view", people.ada, tenant).reason);
  assert.equal(store.check("campaign.create").hint, native("campaign.create", people.ada, tenant).hint);
  unsubscribe();
  store.set({ principal: people.cam });
  assert.equal(notified, 1, "no call after unsubscribe");
  store.free();
});
