// Types of the rolegate package. The code unions below are checked against the Rust
// enums they mirror by `tests/typescript.rs`; the shapes by `tsc --noEmit` on
// `tests/js/types-usage.ts`.

/** Why a decision came out as it did. */
export type Reason =
  | "granted"
  | "not_member"
  | "no_grant"
  | "denied_by_rule"
  | "condition_failed"
  | "feature_disabled"
  | "plan_required"
  | "unknown_action"
  | "bad_scope";

/** What the UI does: show, show disabled with the hint, or hide. */
export type Effect = "allow" | "deny" | "locked";

/** Stable codes of problems in a policy document. */
export type PolicyErrorCode =
  | "syntax"
  | "unknown_field"
  | "missing_field"
  | "bad_type"
  | "bad_value"
  | "unsupported_version"
  | "duplicate_name"
  | "bad_name"
  | "bad_scope_level"
  | "bad_scope_tree"
  | "scope_cycle"
  | "unknown_feature"
  | "unknown_plan"
  | "unknown_role"
  | "include_cycle"
  | "bad_include_level"
  | "unknown_action"
  | "bad_pattern"
  | "pattern_matches_nothing"
  | "empty_rule"
  | "bad_condition"
  | "unknown_attribute"
  | "type_mismatch"
  | "never_applies"
  | "empty_role";

/** Stable codes of problems in a principal, tenant or resource. */
export type InputErrorCode =
  | "unknown_role"
  | "bad_scope"
  | "scope_level_mismatch"
  | "unknown_plan"
  | "unknown_feature"
  | "bad_attribute"
  | "bad_input"
  | "unknown_action";

/**
 * Every code a `RolegateError` may carry: the engine's, and those of the JavaScript layer
 * (`unsupported`: not in this entry's module; `internal`; `not_in_snapshot`: a snapshot
 * holds no answer for the question, see `snapshotCheck`).
 */
export type ErrorCode = PolicyErrorCode | InputErrorCode | "unsupported" | "internal" | "not_in_snapshot";

/** An attribute value. */
export type AttrValue = string | number | boolean | null | AttrValue[];

/** Named attribute values. */
export type Attrs = { [name: string]: AttrValue };

/** A role held at a scope (`"org"`, `"workspace:w1"`, `"workspace:w1/project:p7"`). */
export interface RoleAssignment {
  role: string;
  /** Where the role is held; empty or omitted for the tenant itself. */
  scope?: string;
}

/** Who is asking. The engine stores no users: build this from your database or token. */
export interface Principal {
  id: string;
  roles?: RoleAssignment[];
  attrs?: Attrs;
}

/** The tenant (organization) of a session. */
export interface Tenant {
  id: string;
  plan?: string | null;
  features?: string[];
  attrs?: Attrs;
}

/** What is acted on. A plain scope string stands for a resource with only a scope. */
export interface Resource {
  type?: string | null;
  id?: string | null;
  scope?: string;
  attrs?: Attrs;
}

/** The answer to "may this principal do this action on this resource". */
export interface Decision {
  readonly allowed: boolean;
  readonly effect: Effect;
  readonly reason: Reason;
  /** The role that decided (granted, or carried the deny rule). */
  readonly role?: string;
  /** Where that role is held. */
  readonly scope?: string;
  /** The named rule that decided. */
  readonly rule?: string;
  /** For locked decisions: the text to show. */
  readonly hint?: string;
}

/** A problem found in a policy document. */
export interface Diagnostic {
  severity: "error" | "warning";
  code: PolicyErrorCode;
  /** Where in the document, like `roles.admin.includes[1]`. */
  path: string;
  line?: number;
  column?: number;
  message: string;
  help?: string;
}

/** One step of an explanation. */
export interface ExplainStep {
  step: number;
  title: string;
  finding: string;
  decided: boolean;
}

/** Why a decision came out as it did, step by step. */
export interface Explanation {
  action: string;
  scope: string;
  decision: Decision;
  steps: ExplainStep[];
  /** The whole account as readable text. */
  text: string;
}

/** An action of the catalog. */
export interface ActionInfo {
  readonly name: string;
  readonly label?: string;
  readonly group?: string;
  readonly scope?: string;
  readonly tags: readonly string[];
  readonly feature?: string;
  readonly plans: readonly string[];
  /** Whether a rule covering the action reads the resource (its decisions then depend on it). */
  readonly readsResource?: boolean;
}

/** A role of the policy. */
export interface RoleInfo {
  readonly name: string;
  readonly label?: string;
  readonly scope?: string;
  readonly cascade: boolean;
}

/** The role x action matrix. */
export interface Matrix {
  roles: string[];
  columns: string[];
  rows: { action: string; label: string; cells: ("yes" | "no" | "conditional")[] }[];
}

/** A plain, serializable record of a session's decisions per scope. */
export interface Snapshot {
  version: 1;
  policy: string | null;
  principal: string | null;
  actions: string[];
  scopes: { [scope: string]: { [action: string]: Decision } };
  /** The decision for an action the catalog does not have. */
  unknown: Decision;
}

/** The policy document in its JSON form (see docs/POLICY.md). */
export interface PolicyDocument {
  version: 1;
  name?: string;
  description?: string;
  scopes?: { [level: string]: { parent?: string; label?: string } };
  features?: { [feature: string]: { label?: string; hint?: string } };
  plans?: { [plan: string]: { label?: string; features?: string[] } };
  attributes?: {
    principal?: { [name: string]: AttrType };
    resource?: { [name: string]: AttrType };
    tenant?: { [name: string]: AttrType };
  };
  actions?: {
    [action: string]: {
      scope: string;
      label?: string;
      group?: string;
      tags?: string[];
      feature?: string;
      plans?: string[];
      hint?: string;
    };
  };
  roles?: {
    [role: string]: {
      scope: string;
      label?: string;
      description?: string;
      cascade?: boolean;
      includes?: string[];
      allow?: string[];
    };
  };
  rules?: {
    [rule: string]: {
      effect: "allow" | "deny";
      roles: string[];
      actions: string[];
      when?: string;
      description?: string;
    };
  };
}

/** Attribute types of the condition language. */
export type AttrType = "string" | "number" | "bool" | "string[]" | "number[]";

/** Errors of rolegate: a stable `code` and a `path` to what is wrong. */
export declare class RolegateError extends Error {
  readonly name: "RolegateError";
  readonly code: ErrorCode;
  readonly path: string;
  /** Every error of a rejected policy document. */
  readonly errors?: Diagnostic[];
}

/** Why a team change was refused. */
export type DenialReason =
  | "actor_not_member"
  | "actor_not_active"
  | "unknown_member"
  | "member_exists"
  | "unknown_role"
  | "bad_scope"
  | "cannot_assign_role"
  | "cannot_remove_role"
  | "cannot_manage_scopes"
  | "owner_protected"
  | "unique_role_taken"
  | "unique_role_required"
  | "not_in_organization"
  | "membership_exists"
  | "unknown_membership"
  | "plan_limit_reached"
  | "transfer_not_allowed"
  | "transfer_target_invalid"
  | "not_invited"
  | "scope_exists"
  | "invalid_team"
  | "unknown_plan";

/** What a hygiene finding is about. */
export type FindingCode =
  | "no_backup_admin"
  | "too_many_admins"
  | "no_reviewer"
  | "pending_invitation"
  | "inactive_member"
  | "scope_without_owner";

/** A role held in one scope. */
export interface Membership {
  scope: string;
  role: string;
}

/** A member of the organization. */
export interface Member {
  id: string;
  email?: string;
  status?: "invited" | "active";
  /** The organization role; absent for members who only hold roles in scopes. */
  role?: string;
  memberships?: Membership[];
  /** Seconds since 1970. */
  last_active?: number;
}

/** A team: members and the scopes the organization created. */
export interface Team {
  members: Member[];
  scopes?: string[];
}

/** A change to a team. */
export type TeamChange =
  | { type: "invite"; member: string; email?: string; role: string; scope?: string }
  | { type: "accept"; member: string }
  | { type: "change_role"; member: string; role: string }
  | { type: "remove"; member: string }
  | { type: "add_membership"; member: string; scope: string; role: string }
  | { type: "change_membership"; member: string; scope: string; role: string }
  | { type: "remove_membership"; member: string; scope: string }
  | { type: "transfer_ownership"; to: string }
  | { type: "add_scope"; scope: string }
  | { type: "remove_scope"; scope: string };

/** The part of a team a change touched. */
export interface TeamSlice {
  members: Member[];
  scopes: string[];
}

/** The record of an applied change. */
export interface AuditEvent {
  at: number;
  actor: string;
  change: TeamChange["type"];
  target: string;
  before: TeamSlice;
  after: TeamSlice;
  /** What permitted it: `team.manage.<role>`, `team.transfer` or `self`. */
  rule: string;
}

/** The outcome of `applyTeamChange`. */
export type TeamChangeResult =
  | { allowed: true; team: Team; event: AuditEvent }
  | { allowed: false; reason: DenialReason; message: string };

/** One item of the hygiene checklist that does not hold. */
export interface Finding {
  code: FindingCode;
  severity: "warning" | "info";
  subject: string;
  message: string;
  fix: string;
}

/** The error thrown for a rejected policy document: every problem is in `errors`. */
export type PolicyError = RolegateError & { readonly code: PolicyErrorCode; readonly errors: Diagnostic[] };

/** A compiled policy. Compile once, ask many sessions. */
export declare class Policy {
  private constructor();
  /** Compiles a policy written in JSON text. Throws `RolegateError`. */
  static fromJson(text: string): Policy;
  /** Compiles a policy given as an object. Throws `RolegateError`. */
  static fromObject(document: PolicyDocument): Policy;
  /** Compiles a policy written in TOML. Throws `RolegateError` (`unsupported` in JSON-only builds). */
  static fromToml(text: string): Policy;
  readonly name: string | undefined;
  readonly actions: readonly ActionInfo[];
  readonly roles: readonly RoleInfo[];
  readonly warnings: Diagnostic[];
  /** The id of an action, or -1. */
  actionId(name: string): number;
  matrix(): Matrix;
  /**
   * Applies a team change under the policy's team rules (`at`: seconds since 1970, default
   * now). A refused change is a value (`allowed: false`), not an exception.
   */
  applyTeamChange(team: Team, tenant: Tenant, actor: string, change: TeamChange, at?: number): TeamChangeResult;
  /** The hygiene checklist for a team at `now` (seconds since 1970, default now). */
  lintTeam(team: Team, now?: number): Finding[];
  /** A session for a principal in a tenant. Throws `RolegateError` on unknown roles, plans, features or bad scopes. */
  session(principal: Principal, tenant?: Tenant): Session;
  free(): void;
}

/** A principal in a tenant, asking decisions. */
export declare class Session {
  private constructor();
  readonly policy: Policy;
  /** Decides `action` on a resource, a scope string, or the tenant when omitted. */
  check(action: string, resource?: Resource | string): Decision;
  can(action: string, resource?: Resource | string): boolean;
  /** Every action with its decision: the UI map in one call. */
  permissions(resource?: Resource | string): { [action: string]: Decision };
  /** The resources on which `action` is allowed, in order. */
  filter<T extends Resource>(action: string, resources: T[]): T[];
  /** A readable account of a decision (full module: Node, Deno, `rolegate/full`). */
  explain(action: string, resource?: Resource | string): Explanation;
  /** Decisions at the given scopes as plain data (default: the tenant). */
  snapshot(scopes?: string[]): Snapshot;
  free(): void;
}

/**
 * What this entry's module carries: `full` is true in Node, Deno and `rolegate/full`
 * (explain, the matrix, team changes, lint); pages and Workers importing `rolegate` get
 * the decision engine alone, to stay small.
 */
export declare const features: { readonly full: boolean };

/** The stable codes, as the engine lists them. */
export declare const codes: {
  reasons: Reason[];
  errors: PolicyErrorCode[];
  inputErrors: InputErrorCode[];
};

export { snapshotCheck, snapshotCan } from "./snapshot.js";
