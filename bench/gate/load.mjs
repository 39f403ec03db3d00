// A load run on loopback: what the edge gate costs. Two Workers in one workerd process, side
// by side in front of the same origin (examples/worker/origin.mjs): the gate of
// examples/worker (token verified with ES256, route matched, decided) and a pass-through
// Worker that forwards every request unchanged. autocannon sends the same allowed request to
// each for a bounded time; the script prints requests per second and latency at p50 and p99,
// and the latency the gate adds, and writes them to target/gate-load.json. A benchmark, not
// a test: nothing fails on speed.
//
// usage: node bench/gate/load.mjs   (after scripts/build-npm; LOAD_SECONDS, LOAD_CONNECTIONS)

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { root, scratchProject, tool } from "../../tests/js/pack.mjs";
import { freePort } from "../../tests/js/harness.mjs";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 16);
const PRESET = "outreach";
const CLI = join(root, "target", "debug", "rolegate");

const require = createRequire(join(root, "tests", "js", "package.json"));
const autocannon = require("autocannon");

const children = [];
const stop = () => children.forEach((c) => c.exitCode === null && c.kill("SIGKILL"));
process.on("exit", stop);

function start(command, args, options, ready) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return ready ? new Promise((resolve) => child.stdout.on("data", () => /origin on/.test(output) && resolve(child))) : child;
}

const dir = scratchProject("gate-bench");
const fixture = JSON.parse(readFileSync(join(root, "tests", "fixtures", "gates", `${PRESET}.json`), "utf8"));
writeFileSync(join(dir, "policy.json"), execFileSync(CLI, ["export", PRESET], { encoding: "utf8" }));
copyFileSync(join(root, "tests", "fixtures", "tokens", "keys.json"), join(dir, "tokens.json"));
copyFileSync(join(root, "examples", "worker", "origin.mjs"), join(dir, "origin.mjs"));
copyFileSync(join(root, "examples", "worker", "worker.js"), join(dir, "worker.js"));
writeFileSync(join(dir, "passthrough.js"), "export default { fetch: (request, env) => env.ORIGIN.fetch(request) };\n");

// An allowed request: the first fixture case the gate allows, with its persona's token.
const api = await import(join(dir, "node_modules", "rolegate", "edge-node.mjs"));
const allowed = fixture.cases.find((c) => c.expect.outcome === "allow" && !c.attrs && c.method === "GET");
const persona = fixture.personas[allowed.persona];
const keys = JSON.parse(readFileSync(join(root, "tests", "fixtures", "tokens", "keys.private.json"), "utf8"));
const config = JSON.parse(readFileSync(join(dir, "tokens.json"), "utf8"));
const token = await api.mintToken(
  {
    sub: persona.principal.id,
    iss: config.issuer,
    aud: config.audience,
    exp: Math.floor(Date.now() / 1000) + 3600,
    rolegate: { roles: persona.principal.roles, attrs: persona.principal.attrs, tenant: persona.tenant },
  },
  (keys.keys ?? keys).find((k) => k.alg === "ES256"),
);

const esbuild = tool("esbuild");
for (const file of ["worker.js", "passthrough.js"]) {
  const r = spawnSync(esbuild, [file, "--bundle", "--format=esm", "--platform=neutral", "--conditions=workerd,worker,import", "--external:*.wasm", `--outfile=dist/${file}`, "--log-level=warning"], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`esbuild: ${r.stderr}`);
}
const [originPort, policyPort, gatePort, passPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
await start(process.execPath, ["origin.mjs", "policy.json"], { cwd: dir, env: { ...process.env, ORIGIN_PORT: String(originPort), POLICY_PORT: String(policyPort) } }, true);
writeFileSync(
  join(dir, "bench.capnp"),
  `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "gate", worker = .gate),
    (name = "passthrough", worker = .passthrough),
    (name = "origin", external = (address = "127.0.0.1:${originPort}", http = ())),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "gate", address = "127.0.0.1:${gatePort}", http = (), service = "gate"),
    (name = "passthrough", address = "127.0.0.1:${passPort}", http = (), service = "passthrough"),
  ],
);
const gate :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "wasm-full/rolegate_bg.wasm", wasm = embed "node_modules/rolegate/wasm-full/rolegate_bg.wasm"),
  ],
  bindings = [
    (name = "TOKENS", text = embed "tokens.json"),
    (name = "POLICY_URL", text = "http://127.0.0.1:${policyPort}/policy.json"),
    (name = "POLICY_INTERVAL_MS", text = "30000"),
    (name = "ORIGIN", service = "origin"),
  ],
  compatibilityDate = "2025-01-01",
);
const passthrough :Workerd.Worker = (
  modules = [ (name = "passthrough.js", esModule = embed "dist/passthrough.js") ],
  bindings = [ (name = "ORIGIN", service = "origin") ],
  compatibilityDate = "2025-01-01",
);
`,
);
start(tool("workerd"), ["serve", "bench.capnp"], { cwd: dir });
for (const port of [gatePort, passPort]) {
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${allowed.path}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status === 200) break;
      if (i > 200) throw new Error(`port ${port} answers ${res.status}: ${await res.text()}`);
    } catch (e) {
      if (i > 200) throw e;
    }
    await sleep(50);
  }
}

function run(port) {
  return new Promise((resolve, reject) =>
    autocannon(
      { url: `http://127.0.0.1:${port}${allowed.path}`, method: allowed.method, headers: { authorization: `Bearer ${token}` }, connections: CONNECTIONS, duration: SECONDS },
      (err, result) => (err ? reject(err) : resolve(result)),
    ),
  );
}

const results = {};
for (const [name, port] of [["pass-through", passPort], ["gate", gatePort]]) {
  await run(port); // warm-up pass, not counted
  const r = await run(port);
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  results[name] = { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total };
}
stop();

const added = { p50: results.gate.p50 - results["pass-through"].p50, p99: results.gate.p99 - results["pass-through"].p99 };
console.log(`gate load run: workerd on 127.0.0.1, ${CONNECTIONS} connections, ${SECONDS} s each, ${allowed.method} ${allowed.path} (${PRESET}, ES256 token), ${cpus().length} cores (${cpus()[0]?.model ?? "unknown cpu"})`);
console.log("| worker | requests/s | p50 ms | p99 ms |");
console.log("|---|---|---|---|");
for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} |`);
console.log(`the gate adds ${added.p50} ms at p50 and ${added.p99} ms at p99`);
writeFileSync(join(root, "target", "gate-load.json"), `${JSON.stringify({ seconds: SECONDS, connections: CONNECTIONS, results, added }, null, 2)}\n`);
