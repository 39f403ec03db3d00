// The README's JavaScript quickstarts, run as shown. Their code is the files under
// examples/ (react/app.jsx, next/app/page.js and toolbar.js, web/app.js,
// node/quickstart.mjs, deno/quickstart.ts, worker/worker.js), the quickstarts importing
// "rolegate" and ../outreach.policy.json (the output of `rolegate export outreach`). This test
// checks that the README still shows those files verbatim, then runs the quickstarts against
// the package as a user installs it (npm pack, npm install): in Node (ES module, and the
// CommonJS entry), in Deno, and as bundled web apps (the React app and the DOM helper's) in
// Chromium, asserting what the examples' comments promise. The Worker runs in
// gates.test.mjs, the Next.js page in bundlers.test.mjs (served by `next dev`).
//
// usage: node --test tests/js/readme.test.mjs

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, scratchProject, tool } from "./pack.mjs";
import { CHROMIUM, CHROMIUM_ARGS, loadPlaywright, serve } from "./harness.mjs";

const examples = join(root, "examples");
const policyPath = join(examples, "outreach.policy.json");
const nativeBin = join(root, "target", "debug", "rolegate");
const QUICKSTARTS = ["react/app.jsx", "next/app/page.js", "next/app/toolbar.js", "web/app.js", "node/quickstart.mjs", "deno/quickstart.ts", "worker/worker.js"];
const REACT = "19.3.1";

const CAMPAIGNER = { id: "u2", roles: [{ role: "campaigner", scope: "org" }] };
const ACME_OUTREACH = { id: "acme", features: ["outreach"] };
const ACME = { id: "acme" };

function fail(message) {
  throw new Error(`readme test: ${message}`);
}

function readExample(relative) {
  const file = join(examples, relative);
  if (!existsSync(file)) fail(`${file} is missing`);
  return readFileSync(file, "utf8");
}

/** The outreach feature's hint, from the example policy. */
function outreachHint() {
  const hint = JSON.parse(readExample("outreach.policy.json")).features?.outreach?.hint;
  assert.equal(typeof hint, "string", "examples/outreach.policy.json has no features.outreach.hint");
  return hint;
}

/** A scratch project with the package installed, the policy at its root and `files` (example path -> scratch path) copied. */
function exampleProject(name, files, extra) {
  const dir = scratchProject(name, extra);
  copyFileSync(policyPath, join(dir, "outreach.policy.json"));
  for (const [from, to] of Object.entries(files)) {
    mkdirSync(join(dir, to, ".."), { recursive: true });
    copyFileSync(join(examples, from), join(dir, to));
  }
  return dir;
}

/** The non-empty lines a process printed. */
const lines = (text) => text.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "");

// Everything started by a test, stopped at the end (and on an unexpected exit).
const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test("readme: every quickstart is shown verbatim, and the example policy is `rolegate export outreach`", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/^```[^\n]*\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => m[1]);
  assert.ok(blocks.length > 0, "README.md has no fenced code block");
  for (const relative of QUICKSTARTS) {
    const code = readExample(relative).trim();
    assert.ok(
      blocks.some((block) => block.includes(code)),
      `examples/${relative} is not shown verbatim in any fenced code block of README.md (the README and the example drifted apart)`,
    );
    assert.ok(readme.includes(`\`examples/${relative}\``), `README.md does not name examples/${relative}`);
  }
  // The README's HTML snippet is an element of the example page.
  const page = readExample("web/index.html");
  const htmlBlocks = [...readme.matchAll(/^```html\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => m[1].trim());
  for (const snippet of htmlBlocks) {
    assert.ok(page.includes(snippet), `README.md's HTML snippet is not in examples/web/index.html:\n${snippet}`);
  }

  if (!existsSync(nativeBin)) fail(`${nativeBin} is missing: run \`cargo build\``);
  const exported = JSON.parse(execFileSync(nativeBin, ["export", "outreach"], { cwd: root, encoding: "utf8" }));
  assert.deepEqual(JSON.parse(readExample("outreach.policy.json")), exported, "examples/outreach.policy.json differs from `rolegate export outreach`");
  console.log(`readme: ${QUICKSTARTS.length} quickstarts shown verbatim, policy equals \`rolegate export outreach\``);
});

test("readme (node): the Node quickstart prints what its comments promise, also through require()", { timeout: 60_000 }, () => {
  const dir = exampleProject("readme-node", { "node/quickstart.mjs": "node/quickstart.mjs" });
  const run = spawnSync(process.execPath, ["node/quickstart.mjs"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
  if (run.error) fail(`node could not run the quickstart: ${run.error.message}`);
  assert.equal(run.status, 0, `node node/quickstart.mjs exited with ${run.status}:\n${run.stderr}\n${run.stdout}`);
  assert.deepEqual(lines(run.stdout), ["true", "deny no_grant"], `the Node quickstart printed:\n${run.stdout}${run.stderr}`);

  // The CommonJS entry: the same decisions through require("rolegate").
  writeFileSync(
    join(dir, "node", "quickstart.cjs"),
    `const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { Policy } = require("rolegate");
const policy = Policy.fromJson(readFileSync(join(__dirname, "..", "outreach.policy.json"), "utf8"));
const session = policy.session(${JSON.stringify(CAMPAIGNER)}, ${JSON.stringify(ACME_OUTREACH)});
console.log(require.resolve("rolegate"));
console.log(session.can("campaign.create"));
const settings = session.check("sms.configure");
console.log(settings.effect, settings.reason);
`,
  );
  const cjs = spawnSync(process.execPath, ["node/quickstart.cjs"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
  if (cjs.error) fail(`node could not run the CommonJS script: ${cjs.error.message}`);
  assert.equal(cjs.status, 0, `node node/quickstart.cjs exited with ${cjs.status}:\n${cjs.stderr}\n${cjs.stdout}`);
  const [resolved, ...decisions] = lines(cjs.stdout);
  assert.match(resolved, /[/\\]node_modules[/\\]rolegate[/\\]node\.cjs$/, `require("rolegate") resolved to ${resolved}, not the package's CommonJS entry`);
  assert.deepEqual(decisions, ["true", "deny no_grant"], `the CommonJS script printed:\n${cjs.stdout}${cjs.stderr}`);
  console.log("readme (node): quickstart ran as documented (ES module and require())");
});

test("readme (deno): the Deno quickstart prints what its comments promise", { timeout: 60_000 }, () => {
  const deno = tool("deno");
  const dir = exampleProject("readme-deno", { "deno/quickstart.ts": "deno/quickstart.ts" });
  // Bare specifiers come from the installed node_modules; Deno installs nothing.
  writeFileSync(join(dir, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }, null, 2));
  const denoDir = join(root, "target", "deno-dir");
  mkdirSync(denoDir, { recursive: true });
  const run = spawnSync(deno, ["run", "--no-prompt", "--node-modules-dir=manual", "--allow-read", "deno/quickstart.ts"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 45_000,
    env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  if (run.error) fail(`deno could not run the quickstart: ${run.error.message}`);
  assert.equal(run.status, 0, `deno run deno/quickstart.ts exited with ${run.status} (signal ${run.signal}):\n${run.stderr}\n${run.stdout}`);
  assert.deepEqual(lines(run.stdout), ["deny no_grant", "true"], `the Deno quickstart printed:\n${run.stdout}${run.stderr}`);
  console.log("readme (deno): quickstart ran as documented");
});

// The README's Worker (examples/worker/worker.js, checked verbatim above) is run by
// tests/js/gates.test.mjs: bundled as its package.json says, in workerd with its config,
// next to the Deno, Node and axum gates, with real tokens and policy updates.

test("readme (chromium): the web app shows, locks and hides the page's elements as documented", { timeout: 60_000 }, async () => {
  if (!existsSync(CHROMIUM)) fail(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\``);
  const esbuild = tool("esbuild");
  const chromium = await loadPlaywright();
  const hint = outreachHint();
  const dir = exampleProject("readme-web", { "web/app.js": "web/app.js", "web/index.html": "web/index.html" });
  writeFileSync(
    join(dir, "web", "main.js"),
    `import { render } from "./app.js";
render(${JSON.stringify(CAMPAIGNER)}, ${JSON.stringify(ACME)}).then((r) => (window.result = r));
`,
  );
  // As the README says: the policy built into its artifact, served next to the page.
  if (!existsSync(nativeBin)) fail(`${nativeBin} is missing: run \`cargo build\``);
  execFileSync(nativeBin, ["build", join(dir, "outreach.policy.json"), "-o", join(dir, "web", "outreach.rolegate")], { encoding: "utf8" });
  // As the README says: bundled with esbuild, no plugin, no loader flags.
  const build = spawnSync(esbuild, ["web/main.js", "--bundle", "--format=esm", "--platform=browser", "--outfile=web/bundle.js", "--log-level=warning"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 30_000,
  });
  if (build.error) fail(`esbuild could not run: ${build.error.message}`);
  assert.equal(build.status, 0, `esbuild failed to bundle the web app:\n${build.stderr}`);

  const server = await serve(dir);
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const origin = `http://127.0.0.1:${server.address().port}`;
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
  } catch (e) {
    fail(`Chromium (${CHROMIUM}) failed to start: ${e.message}`);
  }
  cleanups.push(() => browser.close());

  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.stack || e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  await page.goto(`${origin}/web/index.html`);
  try {
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 20_000 });
  } catch {
    fail(`the web app never set window.result; problems on the page:\n${problems.join("\n") || "none"}`);
  }
  const { result, elements } = await page.evaluate(() => ({
    result: window.result,
    elements: Object.fromEntries(
      [...document.querySelectorAll("[data-rolegate]")].map((el) => [
        el.textContent.trim(),
        {
          visible: !el.hidden && getComputedStyle(el).display !== "none",
          ariaDisabled: el.getAttribute("aria-disabled"),
          title: el.getAttribute("title"),
        },
      ]),
    ),
  }));
  assert.deepEqual(problems, [], `errors on the page:\n${problems.join("\n")}`);
  assert.deepEqual(
    elements,
    {
      Outreach: { visible: true, ariaDisabled: null, title: null },
      CX: { visible: false, ariaDisabled: null, title: null },
      "New campaign": { visible: true, ariaDisabled: "true", title: hint },
      "SMS settings": { visible: false, ariaDisabled: null, title: null },
    },
    "the page's elements for a campaigner before Outreach is enabled",
  );
  assert.deepEqual(result, { shown: 1, locked: 1, hidden: 2 }, "the counts render() returned");
  await page.close();
  console.log("readme (chromium): web app ran as documented (Outreach shown, CX hidden, New campaign locked with the hint, SMS settings hidden)");
});

test("readme (react): the React app locks its button with the hint, and re-renders for another user", { timeout: 90_000 }, async () => {
  if (!existsSync(CHROMIUM)) fail(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\``);
  const esbuild = tool("esbuild");
  const chromium = await loadPlaywright();
  const hint = outreachHint();
  let dir;
  try {
    dir = exampleProject("readme-react", { "react/app.jsx": "src/app.jsx" }, { dependencies: { react: REACT, "react-dom": REACT } });
  } catch (e) {
    fail(`React ${REACT} could not be installed: ${e.stderr || e.message}`);
  }
  // As the quickstart's comment says: the artifact built by the package's own command.
  mkdirSync(join(dir, "public"), { recursive: true });
  execFileSync("npx", ["--no", "--", "rolegate", "build", "outreach.policy.json", "-o", "public/outreach.rolegate"], { cwd: dir, encoding: "utf8" });
  const build = spawnSync(esbuild, ["src/app.jsx", "--bundle", "--jsx=automatic", "--format=esm", "--outfile=public/app.js", "--log-level=warning"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
  if (build.error) fail(`esbuild could not run: ${build.error.message}`);
  assert.equal(build.status, 0, `esbuild failed to bundle the React app:\n${build.stderr}`);
  writeFileSync(join(dir, "public", "index.html"), '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><div id="root"></div><script type="module" src="app.js"></script></body></html>\n');
  const server = await serve(join(dir, "public"));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.stack || e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
  const toolbar = () =>
    page.evaluate(() => ({
      buttons: [...document.querySelectorAll("nav button")].map((b) => ({ text: b.textContent, disabled: b.disabled, title: b.getAttribute("title") })),
      links: [...document.querySelectorAll("nav a")].map((a) => a.textContent),
    }));
  try {
    await page.waitForSelector("nav", { timeout: 20_000 });
  } catch {
    fail(`the React app never rendered; problems on the page:\n${problems.join("\n") || "none"}`);
  }
  // Camila, a campaigner, with Outreach off: New campaign locked with the hint, no CX.
  assert.deepEqual(await toolbar(), { buttons: [{ text: "New campaign", disabled: true, title: hint }], links: [] });
  // Omar, in operations: no New campaign (denied), the CX link.
  await page.selectOption("select", "Omar");
  await page.waitForFunction(() => document.querySelectorAll("nav a").length === 1, null, { timeout: 10_000 });
  assert.deepEqual(await toolbar(), { buttons: [], links: ["CX"] });
  await page.selectOption("select", "Camila");
  await page.waitForFunction(() => document.querySelectorAll("nav button").length === 1, null, { timeout: 10_000 });
  assert.deepEqual(problems, [], `errors on the page:\n${problems.join("\n")}`);
  await page.close();
  console.log("readme (react): New campaign locked with the hint for a campaigner, hidden for operations, CX shown; switching re-renders");
});

test("readme (package): the package README's example decides as its comment says", { timeout: 60_000 }, () => {
  const readme = readFileSync(join(root, "js", "README.md"), "utf8");
  const example = /^```js\n([\s\S]*?)^```/m.exec(readme)?.[1];
  assert.ok(example, "js/README.md has no js block");
  const start = example.indexOf("// { allowed");
  assert.ok(start >= 0, "the example's comment shows no decision");
  const promised = example.slice(start).split("\n").filter((l) => l.startsWith("//")).map((l) => l.slice(2)).join(" ");
  const expected = Function(`return (${promised})`)();
  // In Node, with the preset's artifact served where the example fetches it.
  const dir = exampleProject("readme-package", {});
  execFileSync("npx", ["--no", "--", "rolegate", "build", "outreach", "-o", "policy.rolegate"], { cwd: dir, encoding: "utf8" });
  writeFileSync(
    join(dir, "example.mjs"),
    `import { readFileSync } from "node:fs";
globalThis.fetch = async (url) => (url === "/policy.rolegate" ? new Response(readFileSync("policy.rolegate")) : new Response(null, { status: 404 }));
${example}
console.log(JSON.stringify(run));
`,
  );
  const out = execFileSync(process.execPath, ["example.mjs"], { cwd: dir, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), expected);
});
