// Permission checks from JavaScript: rolegate next to CASL, Cedar (wasm) and Casbin, in one
// Node process, on the same workloads: a UI render, a resource condition, and the call-center
// workload of callcenter.mjs (memberships at many scopes, a deny rule across roles, a
// resource condition), where each row is printed next to CASL and a hand-written function,
// with peak memory per engine (peak-memory.mjs, a fresh process each) and the targets of the
// performance issue, met or not. Prints ns per check, checks per second and the size of what
// each library ships; writes the figures to target/bench-js.json.
//
//   node bench/js/compare.mjs            (a few minutes on 2 cores)
//   BENCH_MS=50 BENCH_ROUNDS=3 BENCH_WARMUP_MS=300 BENCH_MEMORY_RUNS=1 BENCH_CEDAR_EVERY=50 \
//     node bench/js/compare.mjs   (a quick look)
//
// The peers are dev dependencies of tests/js (`cd tests/js && npm ci`); rolegate is the built
// package in pkg/. Before anything is timed, every engine answers every request of the
// workload and the answers are compared: the run stops (exit 1) if any engine disagrees.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { Policy } from "../../pkg/node.mjs";
import { snapshotCan, snapshotCheck } from "../../pkg/snapshot.js";

import * as callcenter from "./callcenter.mjs";

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
// Fresh processes per engine for the call-center workload's peak memory (the median counts).
const MEMORY_RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 3);
// Cedar takes hundreds of µs per request: BENCH_CEDAR_EVERY=20 checks its answers on every
// 20th request of the call-center workload only (a quick look; the default checks them all).
const CEDAR_EVERY = Number(process.env.BENCH_CEDAR_EVERY ?? 1);

// ---------------------------------------------------------------------------------------------
// The workload, written once.
// ---------------------------------------------------------------------------------------------

// Outreach (presets/outreach.toml): the 14 actions in catalog order, three organisation roles,
// a tenant with Outreach enabled (so no feature gate applies), principals with one role each.
const outreachDoc = JSON.parse(readFileSync(join(root, "examples/outreach.policy.json"), "utf8"));
// The render asks the 14 actions this workload was written with: the preset's catalog without
// the two it gained later (contact.upload, template.build), so the figures stay comparable.
const LATER = new Set(["contact.upload", "template.build"]);
const ACTIONS = Object.keys(outreachDoc.actions).filter((a) => !LATER.has(a));
if (ACTIONS.length !== 14) throw new Error(`the outreach preset has ${ACTIONS.length} actions besides contact.upload and template.build, expected 14`);
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
// The call-center workload (callcenter.mjs): 500 users with roles at many scopes, 50
// workspaces, 40 actions, a viewer cap as a deny rule across roles, numbers seen only by their
// assignee. rolegate's full module compiles the document; its page module loads the artifact
// the full module builds (the same bytes as `rolegate build`), as a page does.
// ---------------------------------------------------------------------------------------------

const cc = callcenter;
const ccUsers = cc.makeUsers();
const ccNumbers = cc.makeNumbers(ccUsers);
const ccRequests = cc.makeRequests(ccUsers, ccNumbers);
const ccPolicyText = JSON.stringify(cc.policyDocument);
const ccPolicy = Policy.fromObject(cc.policyDocument);
const ccArtifact = ccPolicy.build();
mkdirSync(join(root, "target"), { recursive: true });
writeFileSync(join(root, "target/bench-callcenter.rolegate"), ccArtifact); // for peak-memory.mjs
const pageModule = await import("../../pkg/wasm/rolegate.js");
pageModule.initSync({ module: readFileSync(join(root, "pkg/wasm/rolegate_bg.wasm")) });
const { createApi } = await import("../../pkg/api.js");
const PagePolicy = createApi(pageModule).Policy;
const ccPagePolicy = PagePolicy.load(ccArtifact);
const ccPrincipals = ccUsers.map(cc.rolegatePrincipal);
const ccSessions = ccPrincipals.map((p) => ccPolicy.session(p, cc.TENANT));
const ccPageSessions = ccPrincipals.map((p) => ccPagePolicy.session(p, cc.TENANT));
const ccSnapshots = ccSessions.map((s, u) => s.snapshot(ccRequests.pages[u]));
const ccHands = ccUsers.map(cc.handUser);
const ccAbilities = ccUsers.map((u) => cc.caslAbility(casl, u));
const ccCaslSubject = cc.caslSubjects(casl);
const ccCedarText = cc.cedarPolicies();
cedarPrepare("callcenter", ccCedarText);
const ccCedarUsers = ccUsers.map(cc.cedarUser);
const ccNumberScope = (n) => cc.workspaceScope(n.workspace);
// Each request prepared once for each engine, as the application would hold it. (Object
// literals with every field written out: objects made by spreading another come out with
// slow property access in V8, which made every row of a pass over them 100 ns slower.)
const ccScoped = ccRequests.scoped.map((q) => {
  const resource = cc.cedarResource(q.action, q.scope);
  return {
    user: q.user,
    action: q.action,
    scope: q.scope,
    number: undefined,
    resource: undefined,
    session: ccSessions[q.user],
    pageSession: ccPageSessions[q.user],
    snapshot: ccSnapshots[q.user],
    hand: ccHands[q.user],
    ability: ccAbilities[q.user],
    caslVerb: cc.caslAction(q.action)[0],
    caslSubject: ccCaslSubject(q.action, q.scope),
    cedar: { principal: ccCedarUsers[q.user].uid, action: { type: "Action", id: q.action }, resource: resource.uid, context: {}, entities: [ccCedarUsers[q.user], resource], preparsedPolicySetId: "callcenter" },
  };
});
const ccConditional = ccRequests.conditional.map((q) => {
  const scope = ccNumberScope(q.number);
  const resource = cc.cedarResource(q.action, scope, q.number);
  return {
    user: q.user,
    action: q.action,
    scope,
    number: q.number,
    session: ccSessions[q.user],
    pageSession: ccPageSessions[q.user],
    hand: ccHands[q.user],
    ability: ccAbilities[q.user],
    resource: cc.rolegateNumber(q.number),
    caslVerb: cc.caslAction(q.action)[0],
    caslSubject: cc.caslNumber(casl, q.number),
    cedar: { principal: ccCedarUsers[q.user].uid, action: { type: "Action", id: q.action }, resource: resource.uid, context: {}, entities: [ccCedarUsers[q.user], resource], preparsedPolicySetId: "callcenter" },
  };
});
// The pages: one UI map (the 40 actions) per user and scope.
const ccPages = ccRequests.pages.flatMap((scopes, u) => scopes.map((scope) => ({
  user: u,
  scope,
  session: ccSessions[u],
  pageSession: ccPageSessions[u],
  snapshot: ccSnapshots[u],
  hand: ccHands[u],
  ability: ccAbilities[u],
  casl: cc.ACTIONS.map((a) => [cc.caslAction(a)[0], ccCaslSubject(a, scope)]),
})));
const CC_ACTIONS = cc.ACTIONS;
const CC_RENDER = cc.RENDER_ACTIONS;

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
// The call-center workload: the hand-written function is the oracle (first column).
function callCenterScopedAnswers() {
  const out = {
    "hand-written function (oracle)": [],
    "rolegate session.check": [],
    "rolegate session.can": [],
    "rolegate page module session.check": [],
    "rolegate snapshotCheck": [],
    "rolegate snapshotCan": [],
    "rolegate session.permissions(scope)": [],
    "rolegate page module session.permissions(scope)": [],
    CASL: [],
    "Cedar statefulIsAuthorized": [],
  };
  const maps = new Map();
  const mapOf = (session, scope) => {
    let perUser = maps.get(session);
    if (perUser === undefined) maps.set(session, (perUser = new Map()));
    let m = perUser.get(scope);
    if (m === undefined) perUser.set(scope, (m = session.permissions(scope)));
    return m;
  };
  for (const [i, q] of ccScoped.entries()) {
    out["hand-written function (oracle)"].push(cc.handCheck(q.hand, q.action, q.scope));
    out["rolegate session.check"].push(q.session.check(q.action, q.scope).allowed);
    out["rolegate session.can"].push(q.session.can(q.action, q.scope));
    out["rolegate page module session.check"].push(q.pageSession.check(q.action, q.scope).allowed);
    out["rolegate snapshotCheck"].push(snapshotCheck(q.snapshot, q.action, q.scope).allowed);
    out["rolegate snapshotCan"].push(snapshotCan(q.snapshot, q.action, q.scope));
    out["rolegate session.permissions(scope)"].push(mapOf(q.session, q.scope)[q.action].allowed);
    out["rolegate page module session.permissions(scope)"].push(mapOf(q.pageSession, q.scope)[q.action].allowed);
    out.CASL.push(q.ability.can(q.caslVerb, q.caslSubject));
    out["Cedar statefulIsAuthorized"].push(i % CEDAR_EVERY === 0 ? cedarAllowed(cedar.statefulIsAuthorized(q.cedar)) : null);
  }
  return out;
}
function callCenterConditionAnswers() {
  const out = {
    "hand-written function (oracle)": [],
    "rolegate session.check": [],
    "rolegate page module session.check": [],
    "rolegate session.filter": [],
    CASL: [],
    "Cedar statefulIsAuthorized": [],
  };
  for (const [i, q] of ccConditional.entries()) {
    out["hand-written function (oracle)"].push(cc.handCheck(q.hand, q.action, q.scope, q.number));
    out["rolegate session.check"].push(q.session.check(q.action, q.resource).allowed);
    out["rolegate page module session.check"].push(q.pageSession.check(q.action, q.resource).allowed);
    out["rolegate session.filter"].push(q.session.filter(q.action, [q.resource]).length === 1);
    out.CASL.push(q.ability.can(q.caslVerb, q.caslSubject));
    out["Cedar statefulIsAuthorized"].push(i % CEDAR_EVERY === 0 ? cedarAllowed(cedar.statefulIsAuthorized(q.cedar)) : null);
  }
  return out;
}
const ccDescribe = (q) => {
  const u = ccUsers[q.user];
  const roles = [...u.org, ...[...u.ws].map(([w, r]) => `${r}@w${w}`)].join(" ");
  return `${u.id} [${roles}] ${q.action} at ${q.scope}${q.number ? ` on ${q.number.id} assigned to ${q.number.assignee}` : ""}`;
};

// The oracle against rolegate's native engine (`rolegate batch`) on a sample of the requests,
// when the command is built: CARGO_TARGET_DIR, then target/, release before debug.
function nativeSample() {
  const dirs = [process.env.CARGO_TARGET_DIR, join(root, "target")].filter(Boolean);
  const bin = dirs.flatMap((d) => ["release", "debug"].map((p) => join(d, p, "rolegate"))).find((p) => existsSync(p));
  if (bin === undefined) return { checked: 0, note: "the rolegate command is not built: the oracle was not checked against the native engine" };
  mkdirSync(join(root, "target"), { recursive: true });
  const policyFile = join(root, "target/bench-callcenter.policy.json");
  writeFileSync(policyFile, ccPolicyText);
  const sample = [...ccScoped.filter((_, i) => i % 20 === 0), ...ccConditional.filter((_, i) => i % 10 === 0)];
  const lines = sample.map((q) =>
    JSON.stringify({ principal: ccPrincipals[q.user], tenant: cc.TENANT, action: q.action, resource: q.resource ?? { scope: q.scope } }),
  );
  const out = execFileSync(bin, ["batch", policyFile], { input: `${lines.join("\n")}\n`, encoding: "utf8", maxBuffer: 1 << 28 }).trim().split("\n");
  let bad = 0;
  sample.forEach((q, i) => {
    const native = JSON.parse(out[i]).allowed;
    const oracle = cc.handCheck(q.hand, q.action, q.scope, q.number);
    if (native !== oracle) {
      if (bad < 10) console.error(`  DISAGREE call-center (native): ${ccDescribe(q)}: the hand-written function says ${oracle}, \`rolegate batch\` says ${native}`);
      bad++;
    }
  });
  return { checked: sample.length, disagreements: bad, command: bin.replace(root, "") };
}

function compareAnswers(label, answers, describe) {
  const names = Object.keys(answers);
  const reference = answers[names[0]];
  let bad = 0;
  for (const name of names.slice(1)) {
    answers[name].forEach((v, i) => {
      // null: not asked (Cedar on a sample, BENCH_CEDAR_EVERY)
      if (v !== null && v !== reference[i]) {
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
console.log("Casbin is not run on the call-center workload: its cascading organisation roles would be one `g` line per workspace for each such user, and its matcher is evaluated once per policy line on every request (see the two workloads above).");
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
  compareAnswers(`call-center workload, checks at a scope (${ccScoped.length} requests: 500 users x 3 pages x 40 actions)`, callCenterScopedAnswers(), (i) => ccDescribe(ccScoped[i])),
  compareAnswers(`call-center workload, checks on a number (${ccConditional.length} requests: the 2 conditional actions on the numbers of each page)`, callCenterConditionAnswers(), (i) => ccDescribe(ccConditional[i])),
];
const native = nativeSample();
let disagreements = 0;
for (const a of agreement) {
  disagreements += a.disagreements;
  if (a.disagreements === 0) {
    console.log(`same answers: ${a.engines.length} engines/APIs agree on all ${a.requests} requests of the ${a.label} (${a.allowed} allowed, ${a.denied} denied)`);
  } else {
    console.error(`DIFFERENT ANSWERS: ${a.disagreements} of ${a.requests} requests of the ${a.label}`);
  }
}
if (native.checked > 0) {
  disagreements += native.disagreements;
  if (native.disagreements === 0) console.log(`same answers: the hand-written function and rolegate's native engine (\`${native.command} batch\`) agree on a sample of ${native.checked} call-center requests (every 20th at a scope, every 10th on a number)`);
  else console.error(`DIFFERENT ANSWERS: the native engine disagrees with the hand-written function on ${native.disagreements} of ${native.checked} call-center requests`);
} else console.log(native.note);
if (CEDAR_EVERY !== 1) console.log(`Cedar answered every ${CEDAR_EVERY}th request of the call-center workload only (BENCH_CEDAR_EVERY)`);
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
// The call-center workload, timed: each row next to CASL's and the hand-written function's.
// ---------------------------------------------------------------------------------------------

const ccResults = [];
function ccRecord(group, engine, operation, unit, t) {
  const row = { group, engine, operation, unit, ns: t.ns, perSecond: 1e9 / t.ns, minNs: t.min, maxNs: t.max, opsPerRound: t.ops };
  ccResults.push(row);
  console.log(`  ${`${engine} ${operation}`.padEnd(58)} ${fmtNs(t.ns).padStart(10)} / ${unit}`);
  return row;
}
// A pass over `items` calling `decide` on each: compiled anew for each row (new Function), so
// that each row's call site sees one function and V8 can inline it, as in a hand-written loop;
// one shared closure would make that call megamorphic and add its cost to every row.
function passOver(items, decide, sum = false) {
  const body = sum
    ? "let n = 0; for (let i = 0; i < items.length; i++) n += decide(items[i]); return n;"
    : "let n = 0; for (let i = 0; i < items.length; i++) if (decide(items[i])) n++; return n;";
  return new Function("items", "decide", `return () => { ${body} };`)(items, decide);
}
// The requests timed: a slice of the shuffled streams (every user appears), all the pages.
const ccScopedTimed = ccScoped.slice(0, 6000);
const ccConditionalTimed = ccConditional.slice(0, 4000);
const ccCedarScopedTimed = ccScoped.slice(0, 300);
const ccCedarConditionalTimed = ccConditional.slice(0, 300);
const G_CHECK = "check with the scope a UI passes";
const G_COND = "check whose condition reads the resource";
const G_MAP = "UI map (40 actions at a scope)";
const G_NEW = "new user: session + first render (14 actions)";
const ccPasses = {
  [G_CHECK]: {
    "rolegate session.check(action, scope)": [ccScopedTimed, (q) => q.session.check(q.action, q.scope).allowed],
    "rolegate session.can(action, scope)": [ccScopedTimed, (q) => q.session.can(q.action, q.scope)],
    "rolegate page module session.check(action, scope)": [ccScopedTimed, (q) => q.pageSession.check(q.action, q.scope).allowed],
    "rolegate snapshotCheck(snapshot, action, scope)": [ccScopedTimed, (q) => snapshotCheck(q.snapshot, q.action, q.scope).allowed],
    "rolegate snapshotCan(snapshot, action, scope)": [ccScopedTimed, (q) => snapshotCan(q.snapshot, q.action, q.scope)],
    "CASL ability.can(verb, subject)": [ccScopedTimed, (q) => q.ability.can(q.caslVerb, q.caslSubject)],
    "Cedar statefulIsAuthorized (preparsed)": [ccCedarScopedTimed, (q) => cedarAllowed(cedar.statefulIsAuthorized(q.cedar))],
    "hand-written function": [ccScopedTimed, (q) => cc.handCheck(q.hand, q.action, q.scope)],
  },
  [G_COND]: {
    "rolegate session.check(action, resource)": [ccConditionalTimed, (q) => q.session.check(q.action, q.resource).allowed],
    "rolegate page module session.check(action, resource)": [ccConditionalTimed, (q) => q.pageSession.check(q.action, q.resource).allowed],
    "CASL ability.can(verb, subject)": [ccConditionalTimed, (q) => q.ability.can(q.caslVerb, q.caslSubject)],
    "Cedar statefulIsAuthorized (preparsed)": [ccCedarConditionalTimed, (q) => cedarAllowed(cedar.statefulIsAuthorized(q.cedar))],
    "hand-written function": [ccConditionalTimed, (q) => cc.handCheck(q.hand, q.action, q.scope, q.number)],
  },
};
for (const [group, rows] of Object.entries(ccPasses)) {
  console.log(`call-center, ${group}: ${rows["hand-written function"][0].length} requests per pass (Cedar ${rows["Cedar statefulIsAuthorized (preparsed)"][0].length})`);
  for (const [name, [requests, decide]] of Object.entries(rows)) {
    ccRecord(group, engineOf(name), opOf(name), "check", timeSync(passOver(requests, decide), requests.length));
  }
}

// The UI map: every action of the catalog at the page's scope, each answer read once.
console.log(`call-center, ${G_MAP}: ${ccPages.length} maps per pass`);
const mapPasses = {
  "rolegate session.permissions(scope)": (p) => {
    const m = p.session.permissions(p.scope);
    let n = 0;
    for (let a = 0; a < 40; a++) if (m[CC_ACTIONS[a]].allowed) n++;
    return n;
  },
  "rolegate page module session.permissions(scope)": (p) => {
    const m = p.pageSession.permissions(p.scope);
    let n = 0;
    for (let a = 0; a < 40; a++) if (m[CC_ACTIONS[a]].allowed) n++;
    return n;
  },
  "rolegate snapshotCan x 40 (snapshot)": (p) => {
    let n = 0;
    for (let a = 0; a < 40; a++) if (snapshotCan(p.snapshot, CC_ACTIONS[a], p.scope)) n++;
    return n;
  },
  "CASL ability.can x 40": (p) => {
    let n = 0;
    for (let a = 0; a < 40; a++) if (p.ability.can(p.casl[a][0], p.casl[a][1])) n++;
    return n;
  },
  "hand-written function x 40": (p) => {
    let n = 0;
    for (let a = 0; a < 40; a++) if (cc.handCheck(p.hand, CC_ACTIONS[a], p.scope)) n++;
    return n;
  },
};
const mapAllowed = {};
for (const [name, one] of Object.entries(mapPasses)) {
  const pass = passOver(ccPages, one, true);
  mapAllowed[name] = pass();
  ccRecord(G_MAP, engineOf(name), opOf(name), "map", timeSync(pass, ccPages.length));
}
if (new Set(Object.values(mapAllowed)).size !== 1) {
  console.error(`the UI maps allow different counts: ${JSON.stringify(mapAllowed)}`);
  process.exit(1);
}

// A new user: the session (or ability) made from the user's roles, then the 14 actions of a
// workspace page's toolbar at one of the user's pages. Users in turn, 50 per pass.
console.log(`call-center, ${G_NEW}: 50 users per pass, in turn over the 500`);
const firstScope = ccRequests.pages.map((scopes) => scopes[1]);
const renderSubjects = firstScope.map((scope) => CC_RENDER.map((a) => [cc.caslAction(a)[0], ccCaslSubject(a, scope)]));
let nextUser = 0;
const newUserPasses = {
  "rolegate policy.session + 14 session.check + free": (u) => {
    const s = ccPolicy.session(ccPrincipals[u], cc.TENANT);
    const scope = firstScope[u];
    let n = 0;
    for (let a = 0; a < 14; a++) if (s.check(CC_RENDER[a], scope).allowed) n++;
    s.free();
    return n;
  },
  "rolegate page module policy.session + 14 session.check + free": (u) => {
    const s = ccPagePolicy.session(ccPrincipals[u], cc.TENANT);
    const scope = firstScope[u];
    let n = 0;
    for (let a = 0; a < 14; a++) if (s.check(CC_RENDER[a], scope).allowed) n++;
    s.free();
    return n;
  },
  "CASL build ability + 14 ability.can": (u) => {
    const ab = cc.caslAbility(casl, ccUsers[u]);
    const subjects = renderSubjects[u];
    let n = 0;
    for (let a = 0; a < 14; a++) if (ab.can(subjects[a][0], subjects[a][1])) n++;
    return n;
  },
  "hand-written function: prepare the user + 14 checks": (u) => {
    const h = cc.handUser(ccUsers[u]);
    const scope = firstScope[u];
    let n = 0;
    for (let a = 0; a < 14; a++) if (cc.handCheck(h, CC_RENDER[a], scope)) n++;
    return n;
  },
};
for (const [name, one] of Object.entries(newUserPasses)) {
  // 50 users per pass, the next 50 on the next pass.
  const pass = passOver(Array.from({ length: 50 }), () => {
    const n = one(nextUser);
    nextUser = (nextUser + 1) % ccUsers.length;
    return n;
  }, true);
  ccRecord(G_NEW, engineOf(name), opOf(name), "user", timeSync(pass, 50));
}

// Ratios: to CASL's and to the hand-written function's row of the same group (the first row
// of that engine in the group).
for (const r of ccResults) {
  const casl = ccResults.find((x) => x.group === r.group && x.engine === "CASL");
  const hand = ccResults.find((x) => x.group === r.group && x.engine === "hand-written");
  r.vsCasl = casl ? r.ns / casl.ns : null;
  r.vsHand = hand ? r.ns / hand.ns : null;
}

// Peak memory: a fresh Node process per engine (peak-memory.mjs) that holds the workload's
// policy and 500 sessions (or abilities, or users) and answers every tenth request of the
// workload; its maxRSS at the end, the median of BENCH_MEMORY_RUNS processes.
console.log("call-center, peak memory: a fresh process per engine");
const ccMemory = {};
for (const engine of ["node alone", "hand-written", "CASL", "rolegate full", "rolegate page", "Cedar"]) {
  const runs = [];
  for (let i = 0; i < MEMORY_RUNS; i++) {
    const child = spawnSync(process.execPath, [join(root, "bench/js/peak-memory.mjs"), engine], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (child.status !== 0) {
      console.error(`peak memory, ${engine}: the child failed (exit ${child.status}):\n${child.stderr}`);
      process.exit(1);
    }
    runs.push(JSON.parse(child.stdout.trim().split("\n").pop()));
  }
  const allowed = new Set(runs.map((r) => r.allowed));
  const rss = median(runs.map((r) => r.maxRss));
  ccMemory[engine] = { maxRssBytes: rss, allowed: [...allowed][0], runs: runs.length };
  console.log(`  ${engine.padEnd(20)} ${(rss / 2 ** 20).toFixed(1).padStart(7)} MB peak RSS (${runs[0].allowed} requests allowed)`);
}
{
  const counts = new Set(Object.entries(ccMemory).filter(([e]) => e !== "node alone").map(([, m]) => m.allowed));
  if (counts.size !== 1) {
    console.error(`the memory children allowed different counts: ${JSON.stringify(ccMemory)}`);
    process.exit(1);
  }
  const base = ccMemory["node alone"].maxRssBytes;
  for (const m of Object.values(ccMemory)) m.aboveNodeBytes = m.maxRssBytes - base;
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

// The call-center workload, side by side, and the targets of the performance issue.
console.log("");
console.log("call-center workload (500 users, 50 workspaces, 40 actions; median of the rounds; ratios: time / CASL's time and time / the hand-written function's time, below 1 is faster)");
let ccGroup = "";
for (const r of ccResults) {
  if (r.group !== ccGroup) {
    console.log("");
    console.log(r.group);
    console.log(`  ${"engine".padEnd(13)} ${"operation".padEnd(60)} ${"time".padStart(10)} ${"per second".padStart(11)} ${"/ CASL".padStart(8)} ${"/ hand".padStart(8)}`);
    ccGroup = r.group;
  }
  const ratio = (x) => (x === null ? "" : `${x.toFixed(x < 10 ? 2 : 0)}x`);
  console.log(`  ${r.engine.padEnd(13)} ${`${r.operation} /${r.unit}`.padEnd(60)} ${fmtNs(r.ns).padStart(10)} ${fmtRate(r.perSecond).padStart(11)} ${ratio(r.vsCasl).padStart(8)} ${ratio(r.vsHand).padStart(8)}`);
}
console.log("");
console.log("peak memory (a fresh process per engine: the policy, 500 users, every tenth request answered)");
const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;
const signedMb = (b) => `${b < 0 ? "-" : "+"}${mb(Math.abs(b))}`;
for (const [engine, m] of Object.entries(ccMemory)) {
  console.log(`  ${engine.padEnd(20)} ${mb(m.maxRssBytes).padStart(9)}  ${engine === "node alone" ? "(baseline)" : `${signedMb(m.aboveNodeBytes)} over node alone`}`);
}

const ccRow = (group, operation) => ccResults.find((r) => r.group === group && `${r.engine} ${r.operation}` === operation);
const caslOf = (group) => ccResults.find((r) => r.group === group && r.engine === "CASL");
const handOf = (group) => ccResults.find((r) => r.group === group && r.engine === "hand-written");
const targets = [];
function target(name, figure, met, detail) {
  targets.push({ target: name, figure, met, detail });
}
for (const op of ["rolegate session.check(action, scope)", "rolegate page module session.check(action, scope)"]) {
  const r = ccRow(G_CHECK, op);
  const speedup = caslOf(G_CHECK).ns / r.ns;
  target(`check at least 5x faster than CASL (goal 10x): ${op.replace("rolegate ", "")}`, `${fmtNs(r.ns)}, ${speedup.toFixed(2)}x CASL's speed`, speedup >= 5, speedup >= 10 ? "goal met too" : "goal 10x not met");
}
for (const op of ["rolegate session.check(action, resource)", "rolegate page module session.check(action, resource)"]) {
  const r = ccRow(G_COND, op);
  target(`condition check <= 200 ns: ${op.replace("rolegate ", "")}`, fmtNs(r.ns), r.ns <= 200, `CASL ${fmtNs(caslOf(G_COND).ns)}`);
}
for (const op of ["rolegate snapshotCheck(snapshot, action, scope)", "rolegate snapshotCan(snapshot, action, scope)"]) {
  const r = ccRow(G_CHECK, op);
  target(`snapshot < 30 ns: ${op.replace("rolegate ", "")}`, fmtNs(r.ns), r.ns < 30, "");
}
for (const op of ["rolegate session.permissions(scope)", "rolegate page module session.permissions(scope)", "rolegate snapshotCan x 40 (snapshot)"]) {
  const r = ccRow(G_MAP, op);
  const speedup = caslOf(G_MAP).ns / r.ns;
  const hand = handOf(G_MAP).ns;
  target(`UI map 10x CASL and faster than the hand-written function: ${op.replace("rolegate ", "")}`, `${fmtNs(r.ns)}: ${speedup.toFixed(1)}x CASL's speed, ${(r.ns / hand).toFixed(2)}x the hand-written time`, speedup >= 10 && r.ns < hand, `CASL ${fmtNs(caslOf(G_MAP).ns)}, hand-written ${fmtNs(hand)}`);
}
for (const op of ["rolegate policy.session + 14 session.check + free", "rolegate page module policy.session + 14 session.check + free"]) {
  const r = ccRow(G_NEW, op);
  target(`new session + first 14-action render < 5 µs: ${op.replace("rolegate ", "")}`, fmtNs(r.ns), r.ns < 5000, `CASL ${fmtNs(caslOf(G_NEW).ns)}`);
}
for (const engine of ["rolegate full", "rolegate page"]) {
  const m = ccMemory[engine];
  const c = ccMemory.CASL;
  target(`peak memory no more than CASL's: ${engine}`, `${mb(m.maxRssBytes)} (${signedMb(m.aboveNodeBytes)})`, m.maxRssBytes <= c.maxRssBytes, `CASL ${mb(c.maxRssBytes)} (${signedMb(c.aboveNodeBytes)})`);
}
console.log("");
console.log("performance targets, on the call-center workload");
for (const t of targets) console.log(`  ${(t.met ? "met    " : "not met")}  ${t.target}: ${t.figure}${t.detail ? ` (${t.detail})` : ""}`);

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
  callCenter: {
    workload: {
      users: ccUsers.length,
      workspaces: cc.WORKSPACES,
      actions: CC_ACTIONS.length,
      memberships: ccUsers.reduce((n, u) => n + u.org.length + u.ws.size, 0),
      numbers: ccNumbers.length,
      scopedRequests: ccScoped.length,
      conditionalRequests: ccConditional.length,
      pages: ccPages.length,
      artifactBytes: ccArtifact.length,
      cedarCheckedEvery: CEDAR_EVERY,
    },
    native,
    results: ccResults,
    memory: ccMemory,
    targets,
  },
  sink,
};
mkdirSync(join(root, "target"), { recursive: true });
writeFileSync(join(root, "target/bench-js.json"), `${JSON.stringify(report, null, 2)}\n`);
console.log("");
console.log(`written: target/bench-js.json (checksum of the answers: ${sink})`);
