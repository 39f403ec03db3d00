// Permission checks from JavaScript: rolegate next to CASL, Cedar (wasm) and Casbin, in one
// Node process, on the same workload. Prints ns per check, checks per second and the size of
// what each library ships; writes the figures to target/bench-js.json.
//
//   node bench/js/compare.mjs            (about a minute on 2 cores)
//   BENCH_MS=50 BENCH_ROUNDS=3 BENCH_WARMUP_MS=100 node bench/js/compare.mjs   (a quick look)
//
// The peers are dev dependencies of tests/js (`cd tests/js && npm ci`); rolegate is the built
// package in pkg/. Before anything is timed, every engine answers every request of the
// workload and the answers are compared: the run stops (exit 1) if any engine disagrees.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { Policy } from "../../pkg/node.mjs";
import { snapshotCan } from "../../pkg/snapshot.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const peersDir = join(root, "tests/js");
const requirePeer = createRequire(join(peersDir, "package.json"));

function loadPeer(name) {
  try {
    return requirePeer(name);
  } catch (e) {
    console.error(`cannot load ${name} from tests/js/node_modules (${e.code ?? e.message}); run \`cd tests/js && npm ci\` first`);
    process.exit(2);
  }
}
const casl = loadPeer("@casl/ability");
const cedar = loadPeer("@cedar-policy/cedar-wasm/nodejs");
const casbin = loadPeer("casbin");
const version = (name) => JSON.parse(readFileSync(join(peersDir, "node_modules", name, "package.json"), "utf8")).version;
const rolegateVersion = JSON.parse(readFileSync(join(root, "pkg/package.json"), "utf8")).version;

const ROUND_MS = Number(process.env.BENCH_MS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// WebAssembly functions start in V8's baseline compiler and are optimized while they run:
// each measurement first runs its operation for this long.
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1000);

// ---------------------------------------------------------------------------------------------
// The workload, written once.
// ---------------------------------------------------------------------------------------------

// Outreach (presets/outreach.toml): the 14 actions in catalog order, three organisation roles,
// a tenant with Outreach enabled (so no feature gate applies), principals with one role each.
const outreachDoc = JSON.parse(readFileSync(join(root, "examples/outreach.policy.json"), "utf8"));
const ACTIONS = Object.keys(outreachDoc.actions);
if (ACTIONS.length !== 14) throw new Error(`the outreach preset has ${ACTIONS.length} actions, expected 14`);
const TENANT = { id: "acme", features: ["outreach"] };
const OUTREACH_ROLES = ["org_admin", "campaigner", "operations"];
const outreachUsers = [];
for (let i = 0; i < 9; i++) outreachUsers.push({ id: `u${i + 1}`, role: OUTREACH_ROLES[i % 3] });
const CHECKS_PER_RENDER = outreachUsers.length * ACTIONS.length;

// Calilio (presets/calilio.toml): members see only the numbers assigned to them; the Owner and
// the Admins see every number. 7 principals x 20 numbers, assigned to members and admins.
const calilioUsers = [
  { id: "o1", role: "owner" },
  { id: "a1", role: "admin" },
  { id: "a2", role: "admin" },
  { id: "m1", role: "member" },
  { id: "m2", role: "member" },
  { id: "m3", role: "member" },
  { id: "m4", role: "member" },
];
const assignees = ["m1", "m2", "m3", "m4", "a1"];
const numbers = [];
for (let i = 0; i < 20; i++) numbers.push({ id: `n${i + 1}`, assignee: assignees[i % assignees.length] });
const CHECKS_PER_LIST = calilioUsers.length * numbers.length;

// rolegate's calilio document: `rolegate export calilio` when the CLI is built, otherwise the
// part of the preset this check uses.
function calilioDocument() {
  for (const bin of ["target/release/rolegate", "target/debug/rolegate"]) {
    const path = join(root, bin);
    if (!existsSync(path)) continue;
    try {
      return { doc: JSON.parse(execFileSync(path, ["export", "calilio"], { encoding: "utf8" })), source: `\`${bin} export calilio\`` };
    } catch {
      // fall through to the built-in excerpt
    }
  }
  return {
    source: "the built-in excerpt of presets/calilio.toml (the rolegate CLI is not built)",
    doc: {
      version: 1,
      name: "calilio",
      scopes: { org: { label: "Account" } },
      attributes: { resource: { assignee: "string" } },
      actions: { "number.view": { scope: "org" }, "call.make": { scope: "org" } },
      roles: {
        owner: { scope: "org", allow: ["*"] },
        admin: { scope: "org", allow: ["*"] },
        member: { scope: "org", allow: ["call.make"] },
      },
      rules: {
        assigned_only: { effect: "allow", roles: ["member"], actions: ["number.view"], when: "resource.assignee == principal.id" },
      },
    },
  };
}
const calilio = calilioDocument();

// ---------------------------------------------------------------------------------------------
// rolegate
// ---------------------------------------------------------------------------------------------

const outreachPolicy = Policy.fromObject(outreachDoc);
const rgPrincipal = (u) => ({ id: u.id, roles: [{ role: u.role, scope: "org" }] });
const rgSessions = outreachUsers.map((u) => outreachPolicy.session(rgPrincipal(u), TENANT));
const rgSnapshots = rgSessions.map((s) => s.snapshot());
const calilioPolicy = Policy.fromObject(calilio.doc);
const rgCalilioSessions = calilioUsers.map((u) => calilioPolicy.session(rgPrincipal(u), { id: "acme" }));
const rgNumbers = numbers.map((n) => ({ type: "number", id: n.id, scope: "org", attrs: { assignee: n.assignee } }));

// ---------------------------------------------------------------------------------------------
// CASL: one ability per user; "campaign.create" is the action "create" on the subject "Campaign".
// ---------------------------------------------------------------------------------------------

const pascal = (s) => s.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("");
const caslActions = ACTIONS.map((a) => {
  const [subj, verb] = a.split(".");
  return [verb, pascal(subj)];
});

function caslOutreachAbility(user) {
  const { can, build } = new casl.AbilityBuilder(casl.createMongoAbility);
  switch (user.role) {
    case "org_admin":
      can("manage", "all");
      break;
    case "campaigner":
      can("view", "Outreach");
      can("manage", "Campaign");
      can("retry", "Message");
      can("send", "TestEmail");
      break;
    case "operations":
      can("view", "Cx");
      break;
  }
  return build();
}
function caslCalilioAbility(user) {
  const { can, build } = new casl.AbilityBuilder(casl.createMongoAbility);
  if (user.role === "owner" || user.role === "admin") can("manage", "all");
  if (user.role === "member") can("view", "Number", { assignee: user.id });
  return build();
}
const caslAbilities = outreachUsers.map(caslOutreachAbility);
const caslCalilioAbilities = calilioUsers.map(caslCalilioAbility);
const caslNumbers = numbers.map((n) => casl.subject("Number", { id: n.id, assignee: n.assignee }));

// ---------------------------------------------------------------------------------------------
// Cedar: policies as text, entities as JSON. The Node entry of @cedar-policy/cedar-wasm.
// ---------------------------------------------------------------------------------------------

const cedarOutreachPolicies = `
permit (principal in Role::"org_admin", action, resource);
permit (
  principal in Role::"campaigner",
  action in [
    Action::"outreach.view",
    Action::"campaign.create", Action::"campaign.edit", Action::"campaign.run",
    Action::"campaign.stop", Action::"campaign.delete", Action::"campaign.export",
    Action::"message.retry", Action::"test_email.send"
  ],
  resource
);
permit (principal in Role::"operations", action == Action::"cx.view", resource);
`;
const cedarCalilioPolicies = `
permit (principal in Role::"owner", action, resource);
permit (principal in Role::"admin", action, resource);
permit (principal in Role::"member", action == Action::"number.view", resource)
when { resource.assignee == principal.id };
`;
function cedarPrepare(id, text) {
  const answer = cedar.preparsePolicySet(id, { staticPolicies: text });
  if (answer.type !== "success") throw new Error(`cedar rejected ${id}: ${JSON.stringify(answer.errors)}`);
}
cedarPrepare("outreach", cedarOutreachPolicies);
cedarPrepare("calilio", cedarCalilioPolicies);

const cedarUser = (u) => ({ uid: { type: "User", id: u.id }, attrs: { id: u.id }, parents: [{ type: "Role", id: u.role }] });
const cedarOrg = { type: "Org", id: TENANT.id };
// Requests built once per (principal, action): [plain call, stateful call].
const cedarOutreachCalls = outreachUsers.map((u) => {
  const entities = [cedarUser(u)];
  return ACTIONS.map((a) => {
    const base = { principal: { type: "User", id: u.id }, action: { type: "Action", id: a }, resource: cedarOrg, context: {}, entities };
    return [
      { ...base, policies: { staticPolicies: cedarOutreachPolicies } },
      { ...base, preparsedPolicySetId: "outreach" },
    ];
  });
});
const cedarCalilioCalls = calilioUsers.map((u) =>
  numbers.map((n) => {
    const base = {
      principal: { type: "User", id: u.id },
      action: { type: "Action", id: "number.view" },
      resource: { type: "Number", id: n.id },
      context: {},
      entities: [cedarUser(u), { uid: { type: "Number", id: n.id }, attrs: { assignee: n.assignee }, parents: [] }],
    };
    return [
      { ...base, policies: { staticPolicies: cedarCalilioPolicies } },
      { ...base, preparsedPolicySetId: "calilio" },
    ];
  }),
);
function cedarAllowed(answer) {
  if (answer.type !== "success") throw new Error(`cedar failed: ${JSON.stringify(answer.errors)}`);
  return answer.response.decision === "allow";
}

// ---------------------------------------------------------------------------------------------
// Casbin: RBAC with domains, model and policy from strings (in memory).
// ---------------------------------------------------------------------------------------------

const casbinOutreachModel = `
[request_definition]
r = sub, dom, act

[policy_definition]
p = sub, dom, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && keyMatch(r.act, p.act)
`;
const casbinOutreachPolicy = [
  "p, org_admin, acme, *",
  "p, campaigner, acme, outreach.view",
  "p, campaigner, acme, campaign.*",
  "p, campaigner, acme, message.retry",
  "p, campaigner, acme, test_email.send",
  "p, operations, acme, cx.view",
  ...outreachUsers.map((u) => `g, ${u.id}, ${u.role}, acme`),
].join("\n");
// ABAC: the request carries objects; the condition is a policy column that the matcher evaluates.
const casbinCalilioModel = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act, cond

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub.id, p.sub, r.dom) && r.dom == p.dom && r.obj.type == p.obj && r.act == p.act && eval(p.cond)
`;
const casbinCalilioPolicy = [
  "p, owner, acme, number, number.view, true",
  "p, admin, acme, number, number.view, true",
  "p, member, acme, number, number.view, r.obj.assignee == r.sub.id",
  ...calilioUsers.map((u) => `g, ${u.id}, ${u.role}, acme`),
].join("\n");
const casbinEnforcer = (model, policy) => casbin.newEnforcer(casbin.newModelFromString(model), new casbin.StringAdapter(policy));
const casbinOutreach = await casbinEnforcer(casbinOutreachModel, casbinOutreachPolicy);
const casbinCalilio = await casbinEnforcer(casbinCalilioModel, casbinCalilioPolicy);
const casbinSubjects = calilioUsers.map((u) => ({ id: u.id }));
const casbinNumbers = numbers.map((n) => ({ type: "number", id: n.id, assignee: n.assignee }));

// ---------------------------------------------------------------------------------------------
// One pass of each workload per engine. Each returns how many requests were allowed, which
// keeps the results alive and is checked against the other engines'.
// ---------------------------------------------------------------------------------------------

const render = {
  "rolegate session.check": () => {
    let n = 0;
    for (const s of rgSessions) for (let a = 0; a < 14; a++) if (s.check(ACTIONS[a]).allowed) n++;
    return n;
  },
  "rolegate session.can": () => {
    let n = 0;
    for (const s of rgSessions) for (let a = 0; a < 14; a++) if (s.can(ACTIONS[a])) n++;
    return n;
  },
  "rolegate snapshotCan (pure JS)": () => {
    let n = 0;
    for (const snap of rgSnapshots) for (let a = 0; a < 14; a++) if (snapshotCan(snap, ACTIONS[a])) n++;
    return n;
  },
  "rolegate session.permissions()": () => {
    // One call per principal gives the 14 decisions of the render.
    let n = 0;
    for (const s of rgSessions) {
      const map = s.permissions();
      for (let a = 0; a < 14; a++) if (map[ACTIONS[a]].allowed) n++;
    }
    return n;
  },
  "CASL ability.can": () => {
    let n = 0;
    for (const ab of caslAbilities) for (let a = 0; a < 14; a++) if (ab.can(caslActions[a][0], caslActions[a][1])) n++;
    return n;
  },
  "Cedar isAuthorized (policy text)": () => {
    let n = 0;
    for (const calls of cedarOutreachCalls) for (let a = 0; a < 14; a++) if (cedarAllowed(cedar.isAuthorized(calls[a][0]))) n++;
    return n;
  },
  "Cedar statefulIsAuthorized (preparsed)": () => {
    let n = 0;
    for (const calls of cedarOutreachCalls) for (let a = 0; a < 14; a++) if (cedarAllowed(cedar.statefulIsAuthorized(calls[a][1]))) n++;
    return n;
  },
  "Casbin enforceSync": () => {
    let n = 0;
    for (const u of outreachUsers) for (let a = 0; a < 14; a++) if (casbinOutreach.enforceSync(u.id, "acme", ACTIONS[a])) n++;
    return n;
  },
};

const condition = {
  "rolegate session.check(action, resource)": () => {
    let n = 0;
    for (const s of rgCalilioSessions) for (const r of rgNumbers) if (s.check("number.view", r).allowed) n++;
    return n;
  },
  "rolegate session.filter(action, resources)": () => {
    // The list API: one call per principal for the 20 numbers (one wasm crossing).
    let n = 0;
    for (const s of rgCalilioSessions) n += s.filter("number.view", rgNumbers).length;
    return n;
  },
  "CASL ability.can(subject)": () => {
    let n = 0;
    for (const ab of caslCalilioAbilities) for (const r of caslNumbers) if (ab.can("view", r)) n++;
    return n;
  },
  "Cedar isAuthorized (policy text)": () => {
    let n = 0;
    for (const calls of cedarCalilioCalls) for (const c of calls) if (cedarAllowed(cedar.isAuthorized(c[0]))) n++;
    return n;
  },
  "Cedar statefulIsAuthorized (preparsed)": () => {
    let n = 0;
    for (const calls of cedarCalilioCalls) for (const c of calls) if (cedarAllowed(cedar.statefulIsAuthorized(c[1]))) n++;
    return n;
  },
  "Casbin enforceSync (ABAC matcher)": () => {
    let n = 0;
    for (const sub of casbinSubjects) for (const r of casbinNumbers) if (casbinCalilio.enforceSync(sub, "acme", r, "number.view")) n++;
    return n;
  },
};

// ---------------------------------------------------------------------------------------------
// Same answers everywhere, request by request, before any timing.
// ---------------------------------------------------------------------------------------------

function renderAnswers() {
  const out = {
    "rolegate session.check": [],
    "rolegate session.can": [],
    "rolegate snapshotCan": [],
    "rolegate session.permissions()": [],
    CASL: [],
    "Cedar isAuthorized": [],
    "Cedar statefulIsAuthorized": [],
    Casbin: [],
  };
  outreachUsers.forEach((u, i) => {
    const perms = rgSessions[i].permissions();
    ACTIONS.forEach((a, k) => {
      out["rolegate session.check"].push(rgSessions[i].check(a).allowed);
      out["rolegate session.can"].push(rgSessions[i].can(a));
      out["rolegate snapshotCan"].push(snapshotCan(rgSnapshots[i], a));
      out["rolegate session.permissions()"].push(perms[a].allowed);
      out.CASL.push(caslAbilities[i].can(caslActions[k][0], caslActions[k][1]));
      out["Cedar isAuthorized"].push(cedarAllowed(cedar.isAuthorized(cedarOutreachCalls[i][k][0])));
      out["Cedar statefulIsAuthorized"].push(cedarAllowed(cedar.statefulIsAuthorized(cedarOutreachCalls[i][k][1])));
      out.Casbin.push(casbinOutreach.enforceSync(u.id, "acme", a));
    });
  });
  return out;
}
function conditionAnswers() {
  const out = { "rolegate session.check": [], "rolegate session.filter": [], CASL: [], "Cedar isAuthorized": [], "Cedar statefulIsAuthorized": [], Casbin: [] };
  calilioUsers.forEach((u, i) => {
    const kept = new Set(rgCalilioSessions[i].filter("number.view", rgNumbers));
    numbers.forEach((n, k) => {
      out["rolegate session.filter"].push(kept.has(rgNumbers[k]));
      out["rolegate session.check"].push(rgCalilioSessions[i].check("number.view", rgNumbers[k]).allowed);
      out.CASL.push(caslCalilioAbilities[i].can("view", caslNumbers[k]));
      out["Cedar isAuthorized"].push(cedarAllowed(cedar.isAuthorized(cedarCalilioCalls[i][k][0])));
      out["Cedar statefulIsAuthorized"].push(cedarAllowed(cedar.statefulIsAuthorized(cedarCalilioCalls[i][k][1])));
      out.Casbin.push(casbinCalilio.enforceSync(casbinSubjects[i], "acme", casbinNumbers[k], "number.view"));
    });
  });
  return out;
}
function compareAnswers(label, answers, describe) {
  const names = Object.keys(answers);
  const reference = answers[names[0]];
  let bad = 0;
  for (const name of names.slice(1)) {
    answers[name].forEach((v, i) => {
      if (v !== reference[i]) {
        if (bad < 10) console.error(`  DISAGREE ${label}: ${describe(i)}: ${names[0]} says ${reference[i]}, ${name} says ${v}`);
        bad++;
      }
    });
  }
  const allowed = reference.filter(Boolean).length;
  return { label, engines: names, requests: reference.length, allowed, denied: reference.length - allowed, disagreements: bad };
}

const machine = `${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.arch()}`;
console.log(`rolegate ${rolegateVersion} (pkg/node.mjs), @casl/ability ${version("@casl/ability")}, @cedar-policy/cedar-wasm ${version("@cedar-policy/cedar-wasm")} (Cedar ${cedar.getCedarVersion()}), casbin ${version("casbin")}`);
console.log(`machine: ${machine}`);
console.log(`calilio document for rolegate: ${calilio.source}`);
console.log("OPA is not measured: its wasm policies are made by its compiler (`opa build -t wasm`), a Go binary that is not an npm package and cannot be installed here.");
console.log("");

const agreement = [
  compareAnswers("UI render (outreach, 9 principals x 14 actions)", renderAnswers(), (i) => {
    const u = outreachUsers[Math.floor(i / 14)];
    return `${u.id} (${u.role}) ${ACTIONS[i % 14]}`;
  }),
  compareAnswers("resource condition (calilio number.view, 7 principals x 20 numbers)", conditionAnswers(), (i) => {
    const u = calilioUsers[Math.floor(i / numbers.length)];
    const n = numbers[i % numbers.length];
    return `${u.id} (${u.role}) number.view ${n.id} assigned to ${n.assignee}`;
  }),
];
let disagreements = 0;
for (const a of agreement) {
  disagreements += a.disagreements;
  if (a.disagreements === 0) {
    console.log(`same answers: ${a.engines.length} engines/APIs agree on all ${a.requests} requests of the ${a.label} (${a.allowed} allowed, ${a.denied} denied)`);
  } else {
    console.error(`DIFFERENT ANSWERS: ${a.disagreements} of ${a.requests} requests of the ${a.label}`);
  }
}
if (disagreements > 0) {
  console.error("the engines do not decide the workload the same way: nothing timed");
  process.exit(1);
}
console.log("");

// ---------------------------------------------------------------------------------------------
// Timing: warm up, find how many passes fill ROUND_MS, then ROUNDS rounds; the median counts.
// ---------------------------------------------------------------------------------------------

let sink = 0;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function timeSync(fn, opsPerCall) {
  const budget = BigInt(Math.round(ROUND_MS * 1e6));
  // Warm-up, then find how many passes fill a round.
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(WARMUP_MS * 1e6));
  while (process.hrtime.bigint() < warmEnd) sink += fn();
  let passes = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < passes; i++) sink += fn();
    const dt = process.hrtime.bigint() - t0;
    if (dt >= budget / 2n) {
      passes = Math.max(1, Math.ceil((passes * ROUND_MS * 1e6) / Number(dt)));
      break;
    }
    passes *= 2;
  }
  const perOp = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < passes; i++) sink += fn();
    perOp.push(Number(process.hrtime.bigint() - t0) / (passes * opsPerCall));
  }
  return { ns: median(perOp), min: Math.min(...perOp), max: Math.max(...perOp), ops: passes * opsPerCall };
}

async function timeAsync(fn, opsPerCall) {
  const budget = BigInt(Math.round(ROUND_MS * 1e6));
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(WARMUP_MS * 1e6));
  while (process.hrtime.bigint() < warmEnd) sink += await fn();
  let passes = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < passes; i++) sink += await fn();
    const dt = process.hrtime.bigint() - t0;
    if (dt >= budget / 2n) {
      passes = Math.max(1, Math.ceil((passes * ROUND_MS * 1e6) / Number(dt)));
      break;
    }
    passes *= 2;
  }
  const perOp = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < passes; i++) sink += await fn();
    perOp.push(Number(process.hrtime.bigint() - t0) / (passes * opsPerCall));
  }
  return { ns: median(perOp), min: Math.min(...perOp), max: Math.max(...perOp), ops: passes * opsPerCall };
}

const results = [];
function record(group, engine, operation, unit, t, baseline) {
  const row = { group, engine, operation, unit, ns: t.ns, perSecond: 1e9 / t.ns, minNs: t.min, maxNs: t.max, opsPerRound: t.ops, baseline };
  results.push(row);
  console.log(`  ${`${engine} ${operation}`.padEnd(58)} ${fmtNs(t.ns).padStart(10)} / ${unit}`);
  return row;
}
const engineOf = (name) => name.split(" ")[0];
const opOf = (name) => name.slice(name.indexOf(" ") + 1);

console.log(`timing: ${WARMUP_MS} ms warm-up, then ${ROUNDS} rounds of >= ${ROUND_MS} ms each; the median round counts`);
console.log(`UI render: ${outreachUsers.length} principals x 14 actions = ${CHECKS_PER_RENDER} checks per pass`);
for (const [name, fn] of Object.entries(render)) {
  record("UI render (outreach, 14 actions per principal)", engineOf(name), opOf(name), "check", timeSync(fn, CHECKS_PER_RENDER), "rolegate session.check");
}

console.log(`resource condition: ${calilioUsers.length} principals x ${numbers.length} numbers = ${CHECKS_PER_LIST} checks per pass`);
for (const [name, fn] of Object.entries(condition)) {
  record("resource condition (calilio number.view, assignee == principal.id)", engineOf(name), opOf(name), "check", timeSync(fn, CHECKS_PER_LIST), "rolegate session.check(action, resource)");
}

// Setting up: compiling a policy, and what a page does for one user before its first render.
console.log("setting up");
const setupGroup = "setting up";
const outreachText = JSON.stringify(outreachDoc);
record(setupGroup, "rolegate", "Policy.fromObject(outreach) + free", "policy", timeSync(() => {
  const p = Policy.fromObject(outreachDoc);
  const n = p.actions.length;
  p.free();
  return n;
}, 1), "rolegate Policy.fromObject(outreach) + free");
record(setupGroup, "rolegate", "Policy.fromJson(text) + free", "policy", timeSync(() => {
  const p = Policy.fromJson(outreachText);
  const n = p.actions.length;
  p.free();
  return n;
}, 1), "rolegate Policy.fromObject(outreach) + free");
record(setupGroup, "Cedar", "preparsePolicySet(outreach text)", "policy set", timeSync(() => {
  cedar.preparsePolicySet("bench", { staticPolicies: cedarOutreachPolicies });
  return 1;
}, 1), "rolegate Policy.fromObject(outreach) + free");
record(setupGroup, "Casbin", "newEnforcer(model, StringAdapter)", "enforcer", await timeAsync(async () => {
  const e = await casbinEnforcer(casbinOutreachModel, casbinOutreachPolicy);
  return e ? 1 : 0;
}, 1), "rolegate Policy.fromObject(outreach) + free");

let who = 0;
record(setupGroup, "rolegate", "policy.session(principal, tenant) + free", "session", timeSync(() => {
  const s = outreachPolicy.session(rgPrincipal(outreachUsers[who++ % 9]), TENANT);
  s.free();
  return 1;
}, 1), "rolegate policy.session(principal, tenant) + free");
record(setupGroup, "rolegate", "session + first render (14 checks) + free", "session", timeSync(() => {
  const s = outreachPolicy.session(rgPrincipal(outreachUsers[who++ % 9]), TENANT);
  let n = 0;
  for (let a = 0; a < 14; a++) if (s.check(ACTIONS[a]).allowed) n++;
  s.free();
  return n;
}, 1), "rolegate session + first render (14 checks) + free");
record(setupGroup, "CASL", "build ability (AbilityBuilder)", "ability", timeSync(() => {
  const ab = caslOutreachAbility(outreachUsers[who++ % 9]);
  return ab.rules.length;
}, 1), "rolegate policy.session(principal, tenant) + free");
record(setupGroup, "CASL", "build ability + first render (14 checks)", "ability", timeSync(() => {
  const ab = caslOutreachAbility(outreachUsers[who++ % 9]);
  let n = 0;
  for (let a = 0; a < 14; a++) if (ab.can(caslActions[a][0], caslActions[a][1])) n++;
  return n;
}, 1), "rolegate session + first render (14 checks) + free");

// Ratios: each row against the rolegate row it is compared with.
const byName = new Map(results.map((r) => [`${r.engine} ${r.operation}`, r]));
for (const r of results) {
  const base = byName.get(r.baseline);
  r.ratio = base ? r.ns / base.ns : null;
}

// ---------------------------------------------------------------------------------------------
// Sizes: what a browser loads (raw and gzip -9), and what npm installs.
// ---------------------------------------------------------------------------------------------

const gz = (buf) => gzipSync(buf, { level: 9 }).length;
function filesSize(files) {
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const b = readFileSync(f);
    raw += b.length;
    gzip += gz(b);
  }
  return { raw, gzip };
}
function dirSize(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === "node_modules") continue;
      total += dirSize(p);
    } else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}
// A package and its dependencies as npm laid them out in tests/js/node_modules.
function installedSize(name) {
  const seen = new Set();
  let total = 0;
  const visit = (pkgName, fromDir) => {
    let dir;
    for (let d = fromDir; ; d = dirname(d)) {
      const candidate = join(d, "node_modules", pkgName);
      if (existsSync(join(candidate, "package.json"))) {
        dir = candidate;
        break;
      }
      if (d === dirname(d)) return;
    }
    if (seen.has(dir)) return;
    seen.add(dir);
    total += dirSize(dir);
    const pj = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(pj.dependencies ?? {})) visit(dep, dir);
  };
  visit(name, peersDir);
  return { bytes: total, packages: seen.size };
}
async function bundleSize(entry, external = []) {
  let esbuild;
  try {
    esbuild = requirePeer("esbuild");
  } catch {
    return null;
  }
  const out = await esbuild.build({
    stdin: { contents: entry, resolveDir: peersDir, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
    external,
  });
  await esbuild.stop?.();
  const b = Buffer.from(out.outputFiles[0].contents);
  return { raw: b.length, gzip: gz(b) };
}

const rgSize = JSON.parse(readFileSync(join(root, "pkg/size.json"), "utf8"));
const cedarWeb = join(peersDir, "node_modules/@cedar-policy/cedar-wasm/web");
const sizes = {
  rolegate: {
    browser: [
      { what: "page without bundler (web.js + wasm), pkg/size.json page", raw: rgSize.page.raw, gzip: rgSize.page.gzip },
      { what: "bundled page (browser.js, wasm inlined), pkg/size.json bundled", raw: rgSize.bundled.raw, gzip: rgSize.bundled.gzip },
      { what: "rolegate/full page, pkg/size.json full", raw: rgSize.full.raw, gzip: rgSize.full.gzip },
      { what: "core wasm (pkg/wasm/rolegate_bg.wasm)", ...filesSize([join(root, "pkg/wasm/rolegate_bg.wasm")]) },
    ],
    installed: { bytes: dirSize(join(root, "pkg")), packages: 1, what: "pkg/ (the npm package as built)" },
  },
  CASL: {
    browser: [
      { what: "esbuild bundle, minified: createMongoAbility, AbilityBuilder, subject", ...(await bundleSize('export { createMongoAbility, AbilityBuilder, subject } from "@casl/ability";')) },
    ],
    installed: { ...installedSize("@casl/ability"), what: "@casl/ability and its dependencies" },
  },
  Cedar: {
    browser: [
      { what: "web/cedar_wasm.js + web/cedar_wasm_bg.wasm", ...filesSize([join(cedarWeb, "cedar_wasm.js"), join(cedarWeb, "cedar_wasm_bg.wasm")]) },
      { what: "wasm alone (cedar_wasm_bg.wasm)", ...filesSize([join(cedarWeb, "cedar_wasm_bg.wasm")]) },
    ],
    installed: { ...installedSize("@cedar-policy/cedar-wasm"), what: "@cedar-policy/cedar-wasm (esm, nodejs and web builds)" },
  },
  Casbin: {
    browser: [
      { what: "esbuild bundle, minified: newEnforcer, newModelFromString, StringAdapter (fs left out)", ...(await bundleSize('export { newEnforcer, newModelFromString, StringAdapter } from "casbin";', ["fs"])) },
    ],
    installed: { ...installedSize("casbin"), what: "casbin and its dependencies" },
  },
};

// ---------------------------------------------------------------------------------------------
// Report.
// ---------------------------------------------------------------------------------------------

function fmtNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 100) return `${ns.toFixed(0)} ns`;
  return `${ns.toFixed(1)} ns`;
}
function fmtRate(perSecond) {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

console.log("");
console.log(`results (median of ${ROUNDS} rounds; ratio = time / time of the rolegate row named under "vs": above 1 is slower than rolegate, below 1 faster)`);
let lastGroup = "";
const header = `  ${"engine".padEnd(9)} ${"operation".padEnd(52)} ${"time".padStart(10)} ${"per second".padStart(11)} ${"ratio".padStart(8)}  vs`;
for (const r of results) {
  if (r.group !== lastGroup) {
    console.log("");
    console.log(`${r.group}`);
    console.log(header);
    lastGroup = r.group;
  }
  const ratio = r.ratio === null ? "" : `${r.ratio.toFixed(r.ratio < 10 ? 2 : 0)}x`;
  const vs = r.baseline === `${r.engine} ${r.operation}` ? "(baseline)" : r.baseline.replace(/^rolegate /, "");
  console.log(`  ${r.engine.padEnd(9)} ${`${r.operation} /${r.unit}`.padEnd(52)} ${fmtNs(r.ns).padStart(10)} ${fmtRate(r.perSecond).padStart(11)} ${ratio.padStart(8)}  ${vs}`);
}

console.log("");
console.log("size of what a browser loads (raw, gzip -9) and of what npm installs");
for (const [engine, s] of Object.entries(sizes)) {
  for (const b of s.browser) console.log(`  ${engine.padEnd(9)} ${b.what.padEnd(88)} ${kb(b.raw).padStart(10)} ${kb(b.gzip).padStart(10)}`);
  console.log(`  ${engine.padEnd(9)} ${`installed: ${s.installed.what} (${s.installed.packages} package${s.installed.packages === 1 ? "" : "s"})`.padEnd(88)} ${kb(s.installed.bytes).padStart(10)}`);
}
console.log("  OPA       not measured (needs `opa build` to make its wasm)");

const report = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model ?? null, cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
  versions: {
    rolegate: rolegateVersion,
    "@casl/ability": version("@casl/ability"),
    "@cedar-policy/cedar-wasm": version("@cedar-policy/cedar-wasm"),
    casbin: version("casbin"),
  },
  method: { warmupMs: WARMUP_MS, roundMs: ROUND_MS, rounds: ROUNDS, statistic: "median ns per operation over the rounds" },
  workload: {
    render: { principals: outreachUsers.length, actions: ACTIONS.length, checksPerPass: CHECKS_PER_RENDER, tenant: TENANT },
    condition: { principals: calilioUsers.length, resources: numbers.length, checksPerPass: CHECKS_PER_LIST, rolegateDocument: calilio.source },
  },
  agreement,
  notMeasured: { OPA: "its wasm policies are made by `opa build -t wasm` (a Go binary, not an npm package), which cannot be installed here" },
  results,
  sizes,
  sink,
};
mkdirSync(join(root, "target"), { recursive: true });
writeFileSync(join(root, "target/bench-js.json"), `${JSON.stringify(report, null, 2)}\n`);
console.log("");
console.log(`written: target/bench-js.json (checksum of the answers: ${sink})`);
