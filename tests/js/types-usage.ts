// Uses every public type of the package; `tsc --noEmit` must accept it.
import {
  Policy,
  RolegateError,
  ready,
  snapshotCan,
  snapshotCheck,
  type Decision,
  type Diagnostic,
  type Effect,
  type Explanation,
  type Principal,
  type Reason,
  type Resource,
  type Snapshot,
  type Tenant,
  type PolicyDocument,
  type ErrorCode,
  type Team,
  type TeamChange,
  type TeamChangeResult,
  type Finding,
  type DenialReason,
  type PolicyError,
  type QueryPlan,
  type PlanCondition,
  type TranslateErrorCode,
} from "rolegate";
import { toSql, toMongo, toPrisma, type Columns, type SqlWhere, type MongoFilter, type PrismaWhere } from "rolegate/query";
import { applyDecisions } from "rolegate/dom";
import { snapshotCheck as check } from "rolegate/snapshot";

const doc: PolicyDocument = {
  version: 1,
  scopes: { org: {}, workspace: { parent: "org" } },
  features: { outreach: { hint: "Ask your Org Admin to enable Outreach" } },
  attributes: { resource: { assignee: "string" } },
  actions: {
    "campaign.create": { scope: "workspace", feature: "outreach", tags: ["write"] },
    "number.view": { scope: "workspace" },
  },
  roles: { admin: { scope: "org", cascade: true, allow: ["*"] }, member: { scope: "workspace" } },
  rules: {
    own: { effect: "allow", roles: ["member"], actions: ["number.view"], when: "resource.assignee == principal.id" },
  },
};

const policy: Policy = Policy.fromObject(doc);
const principal: Principal = { id: "u2", roles: [{ role: "member", scope: "workspace:w1" }], attrs: { team: "a" } };
const tenant: Tenant = { id: "acme", plan: null, features: [] };
const session = policy.session(principal, tenant);

const resource: Resource = { type: "number", id: "n1", scope: "workspace:w1", attrs: { assignee: "u2" } };
const decision: Decision = session.check("number.view", resource);
const effect: Effect = decision.effect;
const reason: Reason = decision.reason;
const hint: string | undefined = decision.hint;
const allowed: boolean = session.can("campaign.create", "workspace:w1");
const map: { [action: string]: Decision } = session.permissions("workspace:w1");
const visible: Resource[] = session.filter("number.view", [resource]);
const why: Explanation = session.explain("campaign.create", { scope: "workspace:w1" });
const text: string = why.text;
const snapshot: Snapshot = session.snapshot(["workspace:w1"]);
const fromSnapshot: Decision = snapshotCheck(snapshot, "campaign.create", "workspace:w1");
const can: boolean = snapshotCan(snapshot, "number.view", { scope: "workspace:w1" });
const same: Decision = check(snapshot, "campaign.create");
const warnings: Diagnostic[] = policy.warnings;
const id: number = policy.actionId("campaign.create");

try {
  Policy.fromJson("{}");
} catch (e) {
  if (e instanceof RolegateError) {
    const code: ErrorCode = e.code;
    const path: string = e.path;
    const all: Diagnostic[] | undefined = e.errors;
    console.log(code, path, all?.length);
    if (e.code === "not_in_snapshot") console.log("ask the session itself");
    if (e.errors !== undefined) {
      const rejected = e as PolicyError;
      const first: Diagnostic | undefined = rejected.errors[0];
      console.log(first?.line, first?.column);
    }
  }
}

const team: Team = { members: [{ id: "u1", status: "active", role: "admin" }], scopes: ["workspace:w1"] };
const change: TeamChange = { type: "add_membership", member: "u1", scope: "workspace:w1", role: "member" };
const outcome: TeamChangeResult = policy.applyTeamChange(team, tenant, "u1", change, 1790000000);
if (outcome.allowed) {
  const next: Team = outcome.team;
  const rule: string = outcome.event.rule;
  console.log(next, rule);
} else {
  const denied: DenialReason = outcome.reason;
  console.log(denied, outcome.message);
}
const findings: Finding[] = policy.lintTeam(team);

declare const root: ParentNode;
const counts: { shown: number; locked: number; hidden: number } = applyDecisions(root, session, { scope: "workspace:w1" });
applyDecisions(root, snapshot);
applyDecisions(root, (action: string, scope: string) => session.check(action, scope));

switch (reason) {
  case "granted":
  case "not_member":
  case "no_grant":
  case "denied_by_rule":
  case "condition_failed":
  case "feature_disabled":
  case "plan_required":
  case "unknown_action":
  case "bad_scope":
  case "bad_attribute":
  case "conditional":
    break;
  default: {
    const exhaustive: never = reason;
    throw exhaustive;
  }
}

// An entry allowed for some resources of its kind is shown, as the DOM helper does.
switch (effect) {
  case "allow":
  case "conditional":
  case "locked":
  case "deny":
    break;
  default: {
    const exhaustive: never = effect;
    throw exhaustive;
  }
}

console.log(effect, hint, allowed, map, visible, text, fromSnapshot, can, same, warnings, id, counts, findings);

// The module is loaded once `ready` resolves; before, compiling throws `not_ready`.
const loaded: Promise<void> = ready;
void loaded;
const notReady: ErrorCode = "not_ready";
void notReady;

// Query plans (full module) and their translators (rolegate/query).
function listNumbers(session: ReturnType<Policy["session"]>): SqlWhere | string {
  const plan: QueryPlan = session.plan("number.view", { type: "number", scope: "org" });
  const columns: Columns = { scope: "scope", attributes: { assignee: "assignee_id" } };
  switch (plan.outcome) {
    case "allow_all":
      return toSql(plan, columns);
    case "deny_all":
      return `${plan.effect} ${plan.reason} ${plan.hint ?? ""}`;
    case "conditional": {
      const condition: PlanCondition = plan.condition;
      if (condition.op === "eq") console.log(condition.attr, condition.value);
      const mongo: MongoFilter = toMongo(plan, columns);
      const prisma: PrismaWhere = toPrisma(plan, columns, { fields: {} });
      console.log(mongo, prisma);
      const fragment = toSql(plan, columns, { dialect: "sqlite" });
      const first: string | number | boolean | undefined = fragment.params[0];
      console.log(first);
      return fragment;
    }
  }
}
void listNumbers;
const unmapped: TranslateErrorCode = "unmapped_attribute";
const asError: ErrorCode = unmapped;
void asError;
