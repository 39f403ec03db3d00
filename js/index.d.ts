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
  | "bad_scope"
  | "bad_attribute"
  | "conditional";

/**
 * What the UI does: show, show disabled with the hint, or hide. `conditional`: asked without
 * a particular resource (no id, no attributes), the action is allowed for the resources that
 * meet a grant's condition only; show the entry, and check with the resource to decide.
 */
export type Effect = "allow" | "deny" | "locked" | "conditional";

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
  | "bad_route"
  | "unknown_param"
  | "route_conflict"
  | "limit_exceeded"
  | "not_artifact"
  | "artifact_version"
  | "corrupt_artifact"
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
  | "unknown_action"
  | "limit_exceeded";

/** Stable codes of a refused token (js/token.js, docs/TOKENS.md), in the order of the checks. */
export type TokenErrorCode =
  | "token_missing"
  | "token_malformed"
  | "token_algorithm"
  | "token_signature"
  | "token_expired"
  | "token_not_yet_valid"
  | "token_issuer"
  | "token_audience"
  | "token_claims";

/** Stable codes of a query plan that cannot be translated (`rolegate/query`, `QueryPlan::to_sql`). */
export type TranslateErrorCode =
  | "unmapped_attribute"
  | "unmapped_scope"
  | "unsupported";

/**
 * Every code a `RolegateError` may carry: the engine's, and those of the JavaScript layer
 * (`unsupported`: not in this entry's module; `internal`; `not_in_snapshot`: a snapshot
 * holds no answer for the question, see `snapshotCheck`; `not_ready`: a policy compiled
 * before the module has loaded, see `ready`; the token codes and `config_invalid`, a token
 * verification configuration that cannot be used).
 */
export type ErrorCode = PolicyErrorCode | InputErrorCode | TokenErrorCode | TranslateErrorCode | "unsupported" | "internal" | "not_in_snapshot" | "not_ready" | "config_invalid" | "freed" | "trapped";

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
  /**
   * The attribute the request lacked (`resource.status`) that left the deciding rule's
   * condition undecided: the deny rule that applied, or the grant that did not, because of it.
   */
  readonly missing?: string;
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

// <generated: policy document shape>
// From the table in tests/shape.rs: edit it there and run
// `ROLEGATE_BLESS=1 cargo test --test shape` to rewrite this block. `version` is a
// number and enumerated values also take any string, so that a policy imported from a
// JSON file type-checks (TypeScript widens its values); the engine checks them.

/** The policy document in its JSON form (see docs/POLICY.md): what `Policy.fromObject` takes. */
export interface PolicyDocument {
  /** The JSON Schema an editor checks the file against (`policy.schema.json`); read and ignored by the engine. */
  $schema?: string;
  /** The policy format version: must be 1 (the engine checks it). */
  version: number;
  /** Short name of the policy, e.g. `outreach`. */
  name?: string;
  /** Free text for people reading the policy. */
  description?: string;
  /** Scope levels, keyed by level name, forming a tree: exactly one level has no `parent` (the root, the tenant, usually `org`); every other level names its enclosing level. */
  scopes?: { [name: string]: ScopeLevelDoc };
  /** Tenant features, keyed by feature name. An action that needs a feature is locked for tenants that do not have it. */
  features?: { [name: string]: FeatureDoc };
  /** Plans a tenant may be on, keyed by plan name. A plan grants features and sets limits. */
  plans?: { [name: string]: PlanDoc };
  /** Attributes that `when` conditions may read, declared with their types: `principal.<name>`, `resource.<name>`, `tenant.<name>`. */
  attributes?: AttributesDoc;
  /** Every action the policy decides, keyed by action name (`resource.verb`, lowercase segments joined by dots, at least two), in display order. */
  actions?: { [name: string]: ActionDoc };
  /** Roles, keyed by role name, in display order. */
  roles?: { [name: string]: RoleDoc };
  /** Named allow and deny rules attached to roles, with optional conditions. A matching deny rule wins over every allow. */
  rules?: { [name: string]: RuleDoc };
  /** Team rules: who may change whose roles, unique and protected roles, ownership transfer, and the hygiene checklist. */
  team?: TeamDoc;
  /** The route table for gates: request patterns (`METHOD /path/{param}`) mapped to the action they need, where it is decided, and the resource they are about. */
  routes?: { [name: string]: RouteDoc };
}

/** A scope level, e.g. `workspace` or `project`. */
export interface ScopeLevelDoc {
  /** The enclosing scope level. Absent on exactly one level: the root, the tenant. */
  parent?: string;
  /** Display name of the level. */
  label?: string;
}

/** A tenant feature: a product that is off until enabled for the tenant or granted by its plan. */
export interface FeatureDoc {
  /** Display name of the feature. */
  label?: string;
  /** Text shown on actions locked because the feature is off, to those who may not enable it, e.g. `Ask your Org Admin to enable Outreach`. */
  hint?: string;
  /** The action that enables the feature (an action of the root level, from `actions`): whoever is allowed it gets `enable_hint` on actions locked by the feature. Given with `enable_hint`. */
  enable?: string;
  /** Text shown on actions locked because the feature is off, to those allowed the `enable` action, e.g. `Enable Outreach in Settings`. Given with `enable`. */
  enable_hint?: string;
}

/** A plan a tenant may be on. */
export interface PlanDoc {
  /** Display name of the plan. */
  label?: string;
  /** Features every tenant on this plan has (names from `features`). */
  features?: string[];
  /** What the plan limits: `seats` (members, invitations included) or a scope level (how many scopes of that level the team may create). A limit that is absent is unlimited. */
  limits?: { [name: string]: number };
}

/** Attribute declarations for conditions: attribute names mapped to their types. */
export interface AttributesDoc {
  /** Attributes of the principal (the user), readable as `principal.<name>`: name -> type. */
  principal?: { [name: string]: AttrType | (string & {}) };
  /** Attributes of the resource, readable as `resource.<name>`: name -> type. */
  resource?: { [name: string]: AttrType | (string & {}) };
  /** Attributes of the tenant, readable as `tenant.<name>`: name -> type. */
  tenant?: { [name: string]: AttrType | (string & {}) };
}

/** An action of the catalog. Its name is its key in `actions`. */
export interface ActionDoc {
  /** The scope level the action applies at (a name from `scopes`). Required. */
  scope: string;
  /** Display name of the action (the row of the permission matrix). */
  label?: string;
  /** Group for menus and documentation, e.g. `Billing`. */
  group?: string;
  /** Tags that patterns select with `tag:<name>`. */
  tags?: string[];
  /** A tenant feature the action requires (a name from `features`); the action is locked while the feature is off. */
  feature?: string;
  /** Plans the action requires, any of them (names from `plans`); the action is locked on other plans. */
  plans?: string[];
  /** Text for a locked decision on this action; overrides the feature's `hint` (those allowed the feature's `enable` action still get its `enable_hint`). */
  hint?: string;
}

/** A role, assigned to principals at a scope level. Its name is its key in `roles`. */
export interface RoleDoc {
  /** The scope level the role is assigned at (a name from `scopes`). Required. */
  scope: string;
  /** Display name of the role (the column of the permission matrix). */
  label?: string;
  /** Free text about the role. */
  description?: string;
  /** Whether the role also holds in every scope below the one it is assigned at. Default false. */
  cascade?: boolean;
  /** Roles whose grants this role has too (names from `roles`). */
  includes?: string[];
  /** Action patterns the role allows without condition: `campaign.create`, `campaign.*`, `*` or `tag:write`. */
  allow?: string[];
}

/** A named allow or deny rule. Its name is its key in `rules`. */
export interface RuleDoc {
  /** `allow` grants the actions when the condition holds; `deny` forbids them and wins over every allow. */
  effect: "allow" | "deny" | (string & {});
  /** Roles the rule is attached to (names from `roles`), or `*` for every role. */
  roles: string[];
  /** Action patterns the rule covers: `campaign.create`, `campaign.*`, `*` or `tag:write`. */
  actions: string[];
  /** A condition over `principal`, `resource` and `tenant`, e.g. `resource.assignee == principal.id`. Operators: `==`, `!=`, `in`, `&&`, `||`, `!`, parentheses, `has` (`resource has assignee`). A comparison over an attribute the request lacks is undecided: an allow rule then does not apply, a deny rule does. Absent: always holds. */
  when?: string;
  /** Free text about the rule. */
  description?: string;
}

/** Who may change whose roles, unique and protected roles, ownership transfer, and the hygiene checklist. */
export interface TeamDoc {
  /** Roles exactly one member holds (the owner): never a second, never none. */
  unique?: string[];
  /** Roles whose holders nobody else may remove, demote or change. */
  protected?: string[];
  /** By role: the fewest active members that must hold it (a holder of a role that includes it counts), in the organization for an organization role, in each scope for a scope role. A change that would leave fewer is refused (`min_holders_required`); the lint reports teams short of holders. */
  min_holders?: { [name: string]: number };
  /** By role: what its holders may do to the team. */
  manage?: { [name: string]: ManageDoc };
  /** Ownership transfer: the holder of `role` hands it to a member holding one of `to`, and becomes `previous`, in one change. */
  transfer?: TransferDoc;
  /** Whether a scope membership needs an active member of the organization (default true). */
  require_org_member?: boolean;
  /** Thresholds of the hygiene checklist (`rolegate lint`). */
  lint?: TeamLintDoc;
}

/** What the holders of one role may do to the team. */
export interface ManageDoc {
  /** Roles they may give: invite as, change to, add memberships with. */
  assign?: string[];
  /** Roles whose holders they may remove or change to another role. */
  remove?: string[];
  /** Whether they may create and delete scopes (workspaces, businesses, projects). */
  scopes?: boolean;
}

/** Ownership transfer: the holder of `role` hands it to a member holding one of `to`, and becomes `previous`, in one change. */
export interface TransferDoc {
  /** The role handed over (usually the unique owner role). */
  role: string;
  /** Roles the new holder must have. */
  to: string[];
  /** What the previous holder becomes. */
  previous: string;
}

/** Thresholds of the hygiene checklist. */
export interface TeamLintDoc {
  /** Organization roles that count as admin access. */
  admin_roles?: string[];
  /** At least this many active admins (a backup); default 2 when admin roles are named. */
  min_admins?: number;
  /** At most this many admins. */
  max_admins?: number;
  /** Roles giving review access; someone active should hold one. */
  reviewer_roles?: string[];
  /** Active members not seen for this many days are reported. */
  inactive_days?: number;
  /** By scope level: roles one of which someone must hold in every scope of that level. */
  scope_owner_roles?: { [name: string]: string[] };
}

/** What a request matching the route asks for. Its pattern is its key in `routes`. */
export interface RouteDoc {
  /** The action the request needs (a name from `actions`). */
  action: string;
  /** Where the action is decided: a scope template over the path's parameters, e.g. `workspace:{workspace}` or `workspace:{workspace}/project:{project}`, at the action's level or below it. Absent: the tenant. */
  scope?: string;
  /** The type of the resource the request is about, e.g. `campaign`. */
  resource?: string;
  /** The resource's id, a template over the path's parameters, e.g. `{campaign}`. */
  id?: string;
  /** Free text about the route. */
  description?: string;
}

/** The type of an attribute: `string`, `number` (a 64-bit float), `bool`, `string[]` or `number[]`. */
export type AttrType = "string" | "number" | "bool" | "string[]" | "number[]";
// </generated>

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
  | "unknown_plan"
  | "bad_member"
  | "min_holders_required";

/** What a hygiene finding is about. */
export type FindingCode =
  | "no_backup_admin"
  | "too_many_admins"
  | "no_reviewer"
  | "pending_invitation"
  | "inactive_member"
  | "scope_without_owner"
  | "too_few_holders";

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

/**
 * The names of one policy, for typed checks: `rolegate types POLICY` writes them as
 * `PolicyNames` (`Policy.load<PolicyNames>(bytes)`), and a session of that policy then
 * refuses, at compile time, an action the policy does not have. Any string by default.
 */
export interface Names {
  action: string;
  role: string;
  level: string;
  feature: string;
  plan: string;
}

declare global {
  // `Symbol.dispose` (explicit resource management: `using`), as TypeScript's
  // esnext.disposable and @types/node declare it, for projects whose `lib` predates it.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** A compiled policy. Compile once, ask many sessions. */
export declare class Policy<N extends Names = Names> {
  private constructor();
  /**
   * Loads a policy from its artifact: what `rolegate build POLICY -o FILE` or `policy.build()`
   * writes, the compiled policy with no text to read. Every module loads artifacts; the page
   * module (`rolegate` in browsers and Workers) loads nothing else. Throws `RolegateError`
   * (`not_artifact`, `artifact_version`, `corrupt_artifact`, or `bad_input` for a value that
   * is not bytes).
   */
  static load<N extends Names = Names>(artifact: Uint8Array | ArrayBuffer): Policy<N>;
  /** Compiles a policy written in JSON text (not in the page module: `unsupported`). Throws `RolegateError`. */
  static fromJson<N extends Names = Names>(text: string): Policy<N>;
  /** Compiles a policy given as an object (not in the page module: `unsupported`). Throws `RolegateError`. */
  static fromObject<N extends Names = Names>(document: PolicyDocument): Policy<N>;
  /** Compiles a policy written in TOML (full module: Node, Deno, `rolegate/full`; the page module: `unsupported`). Throws `RolegateError`. */
  static fromToml<N extends Names = Names>(text: string): Policy<N>;
  /** The policy's artifact, byte for byte what `rolegate build` writes (full module). */
  build(): Uint8Array;
  readonly name: string | undefined;
  readonly actions: readonly ActionInfo[];
  readonly roles: readonly RoleInfo[];
  /** Compile warnings (not in the page module: `unsupported`; use `rolegate/full`). */
  readonly warnings: Diagnostic[];
  /** The id of an action, or -1. */
  actionId(name: N["action"]): number;
  /** The role x action matrix (full module). */
  matrix(): Matrix;
  /** The matrix as the text `rolegate matrix --format FORMAT` prints (full module). */
  matrix(format: "markdown" | "csv" | "html"): string;
  /** The document the policy was compiled from (the JSON form); undefined when loaded from an artifact (full module). */
  document(): PolicyDocument | undefined;
  /** TypeScript unions of the policy's names and `PolicyNames`, as `rolegate types` prints them (full module). */
  types(): string;
  /**
   * Applies a team change under the policy's team rules (`at`: seconds since 1970, default
   * now). A refused change is a value (`allowed: false`), not an exception.
   */
  applyTeamChange(team: Team, tenant: Tenant, actor: string, change: TeamChange, at?: number): TeamChangeResult;
  /** The hygiene checklist for a team at `now` (seconds since 1970, default now). */
  lintTeam(team: Team, now?: number): Finding[];
  /**
   * A session for a principal in a tenant. A role the policy does not declare grants nothing
   * and is listed in `session.warnings`; with `{ strict: true }` it throws `unknown_role`
   * (what the gates do). Throws `RolegateError` on unknown plans, features or bad scopes.
   */
  session(principal: Principal, tenant?: Tenant, options?: SessionOptions): Session<N>;
  /**
   * Development aid: the first check of each action outside the catalog logs a
   * `console.warn` naming it (with the close known name). Off by default.
   */
  warnUnknownActions(on?: boolean): this;
  /**
   * The policy fingerprint (SHA-256 of its artifact, 64 hex digits), as gates send it in
   * `rolegate-policy`.
   */
  readonly fingerprint: string;
  /** Whether a server's fingerprint names this very policy. */
  matchesFingerprint(fingerprint: string | null | undefined): boolean;
  /** The route table, in document order. */
  routes(): RouteInfo[];
  free(): void;
  /** `using policy = Policy.load(...)`: freed at the end of the block. */
  [Symbol.dispose](): void;
}

/** Options of `policy.session`. */
export interface SessionOptions {
  /**
   * Throw `unknown_role` for a role the policy does not declare, instead of leaving it out
   * with a warning. Enforcement points want this: a stale role that carried a deny rule,
   * left out, can widen access (SECURITY.md).
   */
  strict?: boolean;
}

/** What a session left out of its principal: a role the policy does not declare. */
export interface SessionWarning {
  code: "unknown_role";
  /** `principal.roles[2].role` */
  path: string;
  /** Names the role, and the close known role when there is one. */
  message: string;
}

/** One route of the policy's table. */
export interface RouteInfo {
  /** The pattern, `GET /api/workspaces/{workspace}/campaigns`. */
  route: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";
  action: string;
  params: string[];
  resource?: string;
}

/** What a gate does with a request. */
export type GateOutcome = "allow" | "deny" | "locked" | "no_route" | "origin";

/** A gate's answer to one request (`session.gate(method, path)`). */
export interface GateAnswer {
  outcome: GateOutcome;
  /** 403 for deny and locked, 404 for no_route, 200 for allow and origin (passed on). */
  status: 200 | 403 | 404;
  /** The decision's reason, or `no_route`, or `origin`. */
  reason: Reason | "no_route" | "origin";
  action?: string;
  route?: string;
  /** The path's parameters, decoded. */
  params: Record<string, string>;
  /** The resource the route names: type, id and scope (with `attrs` once completed). */
  resource?: { type?: string; id?: string; scope: string; attrs?: Record<string, unknown> };
  decision?: Decision;
}

/**
 * A condition over an unknown resource, what is left of a policy's rules once the principal
 * and tenant are known (docs/PLANS.md). `attr` names a resource attribute (`id` or a
 * declared one); every node but `present` and `not` is false where an attribute it reads is
 * missing.
 */
export type PlanCondition =
  | { op: "and"; args: PlanCondition[] }
  | { op: "or"; args: PlanCondition[] }
  | { op: "not"; arg: PlanCondition }
  | { op: "present"; attr: string }
  | { op: "eq"; attr: string; value: PlanValue }
  | { op: "in"; attr: string; values: PlanValue[] }
  | { op: "contains"; attr: string; value: PlanValue }
  | { op: "eq_attr"; attr: string; other: string }
  | { op: "in_attr"; attr: string; list: string }
  | { op: "scope_in"; scope: string }
  | { op: "scope_is"; scope: string }
  | { op: "scope_level"; levels: string[] };

/** A value in a plan's condition: never `null`. */
export type PlanValue = string | number | boolean | PlanValue[];

/**
 * Which resources of a type, at or below a scope, a session may perform an action on: all,
 * none (with the effect, reason and hint a list page shows), or those for which `condition`
 * holds. The JSON of the Rust `QueryPlan`.
 */
export type QueryPlan = {
  action: string;
  type: string;
  /** The scope the plan covers (it and every scope below), the root as the root level's name. */
  scope: string;
} & (
  | { outcome: "allow_all" }
  | { outcome: "deny_all"; effect: "deny" | "locked"; reason: Reason; hint?: string }
  | { outcome: "conditional"; condition: PlanCondition }
);

/** A principal in a tenant, asking decisions. */
/** A principal in a tenant, deciding with one policy (its names `N`: see `Names`). */
export declare class Session<N extends Names = Names> {
  private constructor();
  readonly policy: Policy<N>;
  /** Decides a request by method and path through the route table. */
  gate(method: string, path: string): GateAnswer;
  /** Finishes an `origin` answer with the loaded resource's attributes; other answers come back as they are. */
  completeGate(answer: GateAnswer, attrs: Record<string, unknown>): GateAnswer;
  /**
   * Compares this session's policy with a server's: a `Response`, `Headers`, a headers
   * object or the fingerprint itself (`rolegate-policy`).
   */
  compareFingerprint(from: Response | Headers | Record<string, string> | string): { same: boolean; local: string; remote: string | null };
  /** Decides `action` on a resource, a scope string, or the tenant when omitted. */
  check(action: N["action"], resource?: Resource | string): Decision;
  can(action: N["action"], resource?: Resource | string): boolean;
  /** Every action with its decision: the UI map in one call (frozen; one object per scope, made once). */
  permissions(resource?: Resource | string): Readonly<{ [A in N["action"]]: Decision }>;
  /** The resources on which `action` is allowed, in order. */
  filter<T extends Resource>(action: N["action"], resources: T[]): T[];
  /** A readable account of a decision (full module: Node, Deno, `rolegate/full`). */
  explain(action: N["action"], resource?: Resource | string): Explanation;
  /**
   * The query plan of `action` over resources of `type` at `scope` or below it (the tenant
   * when absent): translate it with `rolegate/query` (full module: Node, Deno,
   * `rolegate/full`; the page module throws `unsupported`). A scope that cannot be read
   * throws `bad_scope`.
   */
  plan(action: N["action"], options: { type: string; scope?: string | null }): QueryPlan;
  /** Decisions at the given scopes as plain data, frozen (default: the tenant). */
  snapshot(scopes?: string[]): Snapshot;
  /** The roles of the principal that the policy does not declare (they grant nothing). */
  readonly warnings: readonly SessionWarning[];
  free(): void;
  /** `using session = policy.session(...)`: freed at the end of the block. */
  [Symbol.dispose](): void;
}

/**
 * What this entry's module carries: `full` is true in Node, Deno and `rolegate/full`
 * (explain, the matrix, team changes, lint); pages and Workers importing `rolegate` get
 * the decision engine alone, to stay small.
 */
export declare const features: {
  readonly full: boolean;
  /** Whether the module carries the route table and the gate. */
  readonly routes: boolean;
  /** Whether the module compiles policy text (`fromJson`, `fromObject`); the page module loads artifacts only. */
  readonly text: boolean;
};

/**
 * Resolves once this entry's WebAssembly module is loaded; decisions are synchronous from
 * then on. Bundled pages compile the module in the background (no top-level await, which
 * many bundler targets forbid): `await ready` once before the first `Policy.fromJson` /
 * `fromObject` (earlier, they throw a `RolegateError` with the code `not_ready`). In Node,
 * Deno, Workers and a page without a bundler the module is loaded on import, and `ready`
 * is already resolved. Rejects if the module cannot be loaded.
 */
export declare const ready: Promise<void>;

/** The stable codes, as the engine lists them (empty until `ready` resolves). */
export declare const codes: {
  reasons: Reason[];
  errors: PolicyErrorCode[];
  inputErrors: InputErrorCode[];
};

export { snapshotCheck, snapshotCan } from "./snapshot.js";
