// Peak memory of one engine on the call-center workload, in a fresh Node process: loads the
// engine alone, prepares the 500 users (rolegate sessions, CASL abilities, Cedar entities or
// the hand-written function's users), answers every tenth request of the workload (scoped
// and conditional), and prints { engine, allowed, maxRss } with maxRss in bytes. Run by
// compare.mjs once per engine; `node alone` prepares the workload and loads no engine.
//
//   node bench/js/peak-memory.mjs "rolegate page"
//
// The page module loads target/bench-callcenter.rolegate, which compare.mjs writes.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import * as cc from "./callcenter.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const requirePeer = createRequire(join(root, "tests/js/package.json"));
const engine = process.argv[2];

const users = cc.makeUsers();
const numbers = cc.makeNumbers(users);
const requests = cc.makeRequests(users, numbers);
const scoped = requests.scoped.filter((_, i) => i % 10 === 0);
const conditional = requests.conditional.filter((_, i) => i % 10 === 0);
const scopeOf = (n) => cc.workspaceScope(n.workspace);

// Each engine: prepare every user, then decide a scoped and a conditional request.
async function prepare() {
  switch (engine) {
    case "node alone":
      return { scoped: () => false, conditional: () => false };
    case "hand-written": {
      const hands = users.map(cc.handUser);
      return {
        scoped: (q) => cc.handCheck(hands[q.user], q.action, q.scope),
        conditional: (q) => cc.handCheck(hands[q.user], q.action, scopeOf(q.number), q.number),
      };
    }
    case "CASL": {
      const casl = requirePeer("@casl/ability");
      const abilities = users.map((u) => cc.caslAbility(casl, u));
      const subjectAt = cc.caslSubjects(casl);
      const numberSubjects = new Map(numbers.map((n) => [n, cc.caslNumber(casl, n)]));
      return {
        scoped: (q) => abilities[q.user].can(cc.caslAction(q.action)[0], subjectAt(q.action, q.scope)),
        conditional: (q) => abilities[q.user].can(cc.caslAction(q.action)[0], numberSubjects.get(q.number)),
      };
    }
    case "rolegate full":
    case "rolegate page": {
      let policy;
      if (engine === "rolegate full") {
        const { Policy } = await import("../../pkg/node.mjs");
        policy = Policy.fromJson(JSON.stringify(cc.policyDocument));
      } else {
        const raw = await import("../../pkg/wasm/rolegate.js");
        raw.initSync({ module: readFileSync(join(root, "pkg/wasm/rolegate_bg.wasm")) });
        const { createApi } = await import("../../pkg/api.js");
        policy = createApi(raw).Policy.load(readFileSync(join(root, "target/bench-callcenter.rolegate")));
      }
      const sessions = users.map((u) => policy.session(cc.rolegatePrincipal(u), cc.TENANT));
      const resources = new Map(numbers.map((n) => [n, cc.rolegateNumber(n)]));
      return {
        scoped: (q) => sessions[q.user].check(q.action, q.scope).allowed,
        conditional: (q) => sessions[q.user].check(q.action, resources.get(q.number)).allowed,
      };
    }
    case "Cedar": {
      const cedar = requirePeer("@cedar-policy/cedar-wasm/nodejs");
      const prepared = cedar.preparsePolicySet("callcenter", { staticPolicies: cc.cedarPolicies() });
      if (prepared.type !== "success") throw new Error(`cedar rejected the policies: ${JSON.stringify(prepared.errors)}`);
      const cedarUsers = users.map(cc.cedarUser);
      const ask = (q, resource) => {
        const answer = cedar.statefulIsAuthorized({
          principal: cedarUsers[q.user].uid,
          action: { type: "Action", id: q.action },
          resource: resource.uid,
          context: {},
          entities: [cedarUsers[q.user], resource],
          preparsedPolicySetId: "callcenter",
        });
        if (answer.type !== "success") throw new Error(`cedar failed: ${JSON.stringify(answer.errors)}`);
        return answer.response.decision === "allow";
      };
      return {
        scoped: (q) => ask(q, cc.cedarResource(q.action, q.scope)),
        conditional: (q) => ask(q, cc.cedarResource(q.action, scopeOf(q.number), q.number)),
      };
    }
    default:
      console.error(`unknown engine \`${engine}\`: one of node alone, hand-written, CASL, rolegate full, rolegate page, Cedar`);
      process.exit(2);
  }
}

const decide = await prepare();
let allowed = 0;
for (const q of scoped) if (decide.scoped(q)) allowed++;
for (const q of conditional) if (decide.conditional(q)) allowed++;
console.log(JSON.stringify({ engine, allowed, maxRss: process.resourceUsage().maxRSS * 1024 }));
