//! The `Session` class: a principal in a tenant, deciding over one WebAssembly module.
//!
//! Speed: a session keeps, per scope, the row of decisions by action, filled as actions are
//! asked (one call into wasm each) or whole at once for `permissions` and snapshots, so that
//! a render loop checking hundreds of elements crosses into wasm once per action and scope,
//! not once per element. A decision crosses as an integer, the id of one distinct decision
//! of the policy: its frozen object is made once per policy and shared by all its sessions,
//! so a new session reads no JSON for the decisions the policy has met already. The UI map
//! of a scope is one frozen object, made once. A resource with details crosses only when
//! the action's rules read the resource, or when it has attributes other than plain values
//! (which the engine's reader alone checks).

import { UNKNOWN_ACTION, badInput, checkedString, describe, freed, optionalString, toJson, wellFormed } from "./boundary.js";
import { ENGINE, compileProgram } from "./conditions.js";
import { SNAPSHOT_INDEXES } from "./snapshot.js";

/** Where `rolegate/dev` hooks its warning about actions outside the catalog, on a policy. */
const ON_UNKNOWN_ACTION = Symbol.for("rolegate.onUnknownAction");

/** How many scopes a session keeps rows for. */
const SCOPES = 1024;

function hasDetails(resource) {
  return resource.id !== undefined || resource.type !== undefined || resource.attrs !== undefined;
}

// The scope of a resource argument (a scope string, an object, or nothing), checked.
function scopeOf(resource) {
  if (resource === undefined || resource === null) return "";
  if (typeof resource === "string") return checkedString(resource, "resource");
  const proto = typeof resource === "object" && !Array.isArray(resource) && Object.getPrototypeOf(resource);
  if (proto !== Object.prototype && proto !== null) {
    throw badInput("resource", `resource must be a plain object or a scope string, got ${describe(resource)}`);
  }
  for (const key in resource) {
    if (key !== "scope" && key !== "id" && key !== "type" && key !== "attrs") {
      throw badInput(`resource.${key}`, `unknown field \`${key}\`, expected one of \`type\`, \`id\`, \`scope\`, \`attrs\``);
    }
  }
  if (resource.scope === undefined) return "";
  if (typeof resource.scope !== "string") {
    throw badInput("resource.scope", `scope must be a string, got ${describe(resource.scope)}`);
  }
  return checkedString(resource.scope, "resource.scope");
}

// id, type and attributes (as JSON) of a resource with details, checked; the attributes
// only when `withAttrs`.
function partsOf(resource, withAttrs) {
  return [
    optionalString(resource.id, "resource.id"),
    optionalString(resource.type, "resource.type"),
    resource.attrs == null || !withAttrs ? undefined : toJson(resource.attrs, "resource.attrs", "attrs"),
  ];
}

// Attributes that need no reading for a decision that does not read them: a plain object
// whose own values are well-formed strings, finite numbers, booleans, null or undefined,
// which the engine's reader accepts as they are. This recognizes a safe subset and checks
// nothing: everything else (lists, nested objects, other prototypes, NaN, lone
// surrogates) goes to wasm, whose reader alone says what is valid and why not.
// Within the limits too, counted so that no UTF-8 text can be over them (a UTF-16 unit is
// at most 3 bytes): at most 1,000 attributes, names of at most 1,024 bytes, strings of at
// most 4,096 bytes (`rolegate::limits`); anything longer goes to wasm, whose reader counts.
function plainAttrs(attrs) {
  if (attrs === null || typeof attrs !== "object") return false;
  const proto = Object.getPrototypeOf(attrs);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(attrs);
  if (keys.length > 1000) return false;
  for (const key of keys) {
    const v = attrs[key];
    const t = typeof v;
    if (key.length * 3 > 1024 || (t === "string" ? v.length * 3 > 4096 || !wellFormed(v) : t === "number" ? !Number.isFinite(v) : t !== "boolean" && v != null)) {
      return false;
    }
  }
  return true;
}

// An id or a type that may be over the limit of 1,024 bytes: wasm's reader counts its bytes.
const longName = (s) => s !== undefined && s.length * 3 > 1024;

const token = {};
const NO_WARNINGS = Object.freeze([]);

/** A principal in a tenant, asking decisions of a policy's module. */
export class Session {
  #boundary;
  #policy;
  #raw;
  #principal;
  #decisions; // the policy's decisions and action ids: { of(id, raw), forgetting(raw), generation, actionIds }
  #rows = new Map(); // scope text -> array of decisions by action id, filled as asked
  #complete = new Set(); // scopes whose row is filled
  #maps = new Map(); // scope text -> the frozen UI map
  #programs = new Map(); // scope -> action id -> compiled program (conditions.js), or null
  #programsOf = 0; // the generation of the policy's decisions whose ids the programs hold
  #scopeIds = new Map();
  #nextSlot = 0;
  #warnings;
  #generation;

  constructor(given, boundary, policy, rawSession, principal, decisions, warnings) {
    if (given !== token) throw new TypeError("use policy.session(principal, tenant)");
    this.#boundary = boundary;
    this.#policy = policy;
    this.#raw = rawSession;
    this.#principal = principal;
    this.#decisions = decisions;
    this.#warnings = warnings ?? NO_WARNINGS;
    this.#generation = boundary.generation;
  }

  // A call into the raw session; a trap in it restarts the engine (`trapped`).
  #call(f) {
    try {
      return f(this.#raw);
    } catch (e) {
      this.#boundary.rethrow(e);
    }
  }

  /** The policy this session decides with. */
  get policy() {
    return this.#policy;
  }

  /**
   * What the session left out of its principal: `[{ code: "unknown_role", path, message }]`,
   * one per role the policy does not declare (it grants nothing). Empty when every role is
   * declared; a strict session refuses such a principal instead.
   */
  get warnings() {
    return this.#warnings;
  }

  // The decision of an id the raw session just gave out.
  #decision(id) {
    return this.#decisions.of(id, this.#raw);
  }

  // The raw session, for a call that gives out decision ids.
  get #deciding() {
    this.#decisions.forgetting(this.#raw);
    return this.#raw;
  }

  // Scope ids, at most SCOPES of them: a long-lived session asked about ever new scopes
  // reuses the slots and forgets the rows of the scopes it drops.
  #scopeId(scope) {
    // A scope longer than the engine reads (1024 bytes) is unreadable whatever it says:
    // one short unreadable stand-in keeps it out of wasm memory and out of the cache.
    // So is a scope with a lone surrogate, which would cross as another scope (U+FFFD).
    if (scope.length > 1024 || !wellFormed(scope)) scope = "/";
    let id = this.#scopeIds.get(scope);
    if (id === undefined) {
      const slot = this.#nextSlot++ % SCOPES;
      if (this.#scopeIds.size >= SCOPES) {
        for (const [text, used] of this.#scopeIds) {
          if (used === slot) {
            this.#scopeIds.delete(text);
            this.#rows.delete(text);
            this.#complete.delete(text);
            this.#maps.delete(text);
            break;
          }
        }
      }
      id = this.#call((r) => r.scope(scope, slot));
      this.#scopeIds.set(scope, id);
    }
    return id;
  }

  // The row of a scope, as far as it is filled.
  #row(scope) {
    let row = this.#rows.get(scope);
    if (row === undefined) {
      this.#scopeId(scope); // first: it may drop the row of another scope
      row = new Array(this.#policy.actions.length).fill(undefined);
      this.#rows.set(scope, row);
    }
    return row;
  }

  // The decision of action `id` at `scope`, into its row.
  #fill(row, scope, id) {
    const scopeId = this.#scopeId(scope);
    const raw = this.#deciding;
    const d = this.#decision(this.#call(() => raw.checkParts(id, scopeId)));
    row[id] = d;
    return d;
  }

  // The row of a scope, filled.
  #fullRow(scope) {
    const row = this.#row(scope);
    if (!this.#complete.has(scope)) {
      for (let i = 0; i < row.length; i++) if (row[i] === undefined) this.#fill(row, scope, i);
      this.#complete.add(scope);
    }
    return row;
  }

  #unknownAction(scope) {
    const scopeId = this.#scopeId(scope);
    const raw = this.#deciding;
    return this.#decision(this.#call(() => raw.checkParts(UNKNOWN_ACTION, scopeId)));
  }

  // The program of an action at a scope, compiled once (a few hundred scopes are kept).
  #program(action, scope) {
    if (scope.length > 1024) return null; // unreadable: the engine answers `bad_scope`
    // Programs hold decision ids: those of the policy's current table only.
    this.#decisions.forgetting(this.#raw);
    if (this.#programsOf !== this.#decisions.generation) {
      this.#programs.clear();
      this.#programsOf = this.#decisions.generation;
    }
    let programs = this.#programs.get(scope);
    if (programs === undefined) {
      if (this.#programs.size >= 256) this.#programs.clear();
      programs = [];
      this.#programs.set(scope, programs);
    }
    let program = programs[action];
    if (program === undefined) {
      const scopeId = this.#scopeId(scope);
      program = compileProgram(this.#call((r) => r.program(action, scopeId)));
      programs[action] = program;
    }
    return program;
  }

  // Every call after free() is a RolegateError `freed`, and after a trap restarted the
  // engine `trapped`, before anything crosses into wasm.
  #alive() {
    if (this.#raw === null) throw freed("session");
    if (this.#generation !== this.#boundary.generation) throw this.#boundary.stale("session");
  }

  /** Decides `action` on `resource` (an object, a scope string, or nothing for the tenant). */
  check(action, resource) {
    this.#alive();
    if (typeof action !== "string") throw badInput("action", `action must be a string, got ${describe(action)}`);
    const scope = scopeOf(resource);
    const id = this.#policy.actionId(action);
    if (id < 0) {
      // An unknown action name with a lone surrogate would cross as another name: bad input.
      checkedString(action, "action");
      this.#policy[ON_UNKNOWN_ACTION]?.(action);
    }
    if (typeof resource === "object" && resource !== null && hasDetails(resource)) {
      // Only actions whose rules read the resource need its details in wasm; the others
      // are decided by scope, from the session's row. Attributes other than plain values
      // go to wasm, so that the engine's reader is the one that checks them (the decision
      // is the row's).
      const reads = id < 0 || this.#policy.actions[id].readsResource;
      if (reads && id >= 0 && typeof resource.id === "string") {
        // A particular resource: decided here from the action's program, unless it needs
        // the engine (src/decide/program.rs, conditions.js).
        const verdict = this.#program(id, scope)?.(resource) ?? ENGINE;
        if (verdict !== ENGINE) return this.#decision(verdict);
      }
      const parts = partsOf(resource, reads || (resource.attrs != null && !plainAttrs(resource.attrs)));
      if (reads || parts[2] !== undefined || longName(parts[0]) || longName(parts[1])) {
        const scopeId = this.#scopeId(scope);
        const raw = this.#deciding;
        return this.#decision(this.#call(() => raw.checkParts(id < 0 ? UNKNOWN_ACTION : id, scopeId, parts[0], parts[1], parts[2])));
      }
    }
    if (id < 0) return this.#unknownAction(scope);
    const row = this.#rows.get(scope) ?? this.#row(scope);
    return row[id] ?? this.#fill(row, scope, id);
  }

  /** Whether the principal may perform `action` on `resource` now. */
  can(action, resource) {
    return this.check(action, resource).allowed;
  }

  /**
   * Every action of the catalog with its decision: `{ [action]: Decision }`, frozen. The map
   * of a scope is made once: later calls give the same object.
   */
  permissions(resource) {
    this.#alive();
    const scope = scopeOf(resource);
    if (resource !== undefined && resource !== null && typeof resource === "object" && hasDetails(resource)) {
      // The engine decides every action on the resource, parts and all.
      const parts = partsOf(resource, true);
      const scopeId = this.#scopeId(scope);
      const decisions = [];
      for (let i = 0; i < this.#policy.actions.length; i++) {
        const raw = this.#deciding;
        decisions.push(this.#decision(this.#call(() => raw.checkParts(i, scopeId, parts[0], parts[1], parts[2]))));
      }
      return this.#mapOf(decisions);
    }
    return this.#scopeMap(scope);
  }

  // The UI map of a scope, made once.
  #scopeMap(scope) {
    let map = this.#maps.get(scope);
    if (map === undefined) {
      map = this.#mapOf(this.#fullRow(scope));
      this.#maps.set(scope, map);
    }
    return map;
  }

  #mapOf(decisions) {
    const map = {};
    const actions = this.#policy.actions;
    for (let i = 0; i < actions.length; i++) map[actions[i].name] = decisions[i];
    return Object.freeze(map);
  }

  /** The resources on which the principal may perform `action`, in order. */
  filter(action, resources) {
    this.#alive();
    if (typeof action !== "string") throw badInput("action", `action must be a string, got ${describe(action)}`);
    if (!Array.isArray(resources)) throw badInput("resources", `resources must be a list, got ${describe(resources)}`);
    // An unknown action denies every resource, each still checked as a resource.
    if (this.#policy.actionId(action) < 0) this.#policy[ON_UNKNOWN_ACTION]?.(action);
    return resources.filter((r, i) => {
      if (r === null || typeof r !== "object" || Array.isArray(r)) {
        throw badInput(`resources[${i}]`, `a resource must be an object, got ${describe(r)}`);
      }
      return this.check(action, r).allowed;
    });
  }

  /** Decides like `check`, with a readable account of each step (as the engine writes it). */
  explain(action, resource) {
    this.#alive();
    this.#boundary.fullOnly("explain");
    if (typeof action !== "string") throw badInput("action", `action must be a string, got ${describe(action)}`);
    checkedString(action, "action");
    const r = typeof resource === "string" ? { scope: resource } : resource ?? {};
    const text = toJson(r, "resource", "resource");
    const answer = JSON.parse(this.#call((raw) => raw.explain(action, text)));
    answer.explanation.text = answer.text;
    return answer.explanation;
  }

  /**
   * Which resources of `type`, at `scope` or below it (the tenant when absent), the
   * principal may perform `action` on: the query plan as plain JSON, exactly as the native
   * `QueryPlan` serializes (`outcome` `allow_all`, `deny_all` with `effect`, `reason` and
   * `hint`, or `conditional` with `condition`; docs/PLANS.md). Translate it with
   * `rolegate/query`. Full module.
   */
  plan(action, options) {
    this.#alive();
    this.#boundary.fullOnly("plan");
    const { type, scope, ...other } = Object(options);
    const extra = Object.keys(other)[0];
    if (extra !== undefined) throw badInput(extra, `unknown field \`${extra}\`, expected \`type\` or \`scope\``);
    for (const [path, value, optional] of [["action", action], ["type", type], ["scope", scope, true]]) {
      if (typeof value !== "string" && !(optional && value == null)) throw badInput(path, `${path} must be a string, got ${describe(value)}`);
      if (typeof value === "string") checkedString(value, path);
    }
    return JSON.parse(this.#call((r) => r.plan(action, type, scope ?? undefined)));
  }

  /**
   * A plain, serializable object of this session's decisions at the given scopes, for
   * server-side rendering and render loops (see `snapshotCheck`). It is frozen, and carries
   * (under a symbol, which JSON leaves out) an index that `snapshotCheck` answers from.
   */
  snapshot(scopes = [""]) {
    this.#alive();
    if (!Array.isArray(scopes)) throw badInput("scopes", `scopes must be a list, got ${describe(scopes)}`);
    const out = {
      version: 1,
      policy: this.#policy.name ?? null,
      principal: this.#principal?.id ?? null,
      actions: Object.freeze(this.#policy.actions.map((a) => a.name)),
      scopes: {},
    };
    const index = { ids: this.#decisions.actionIds, scopes: [], rows: [], byScope: null };
    for (const scope of scopes) {
      if (typeof scope !== "string") throw badInput("scopes", `scopes are strings, got ${describe(scope)}`);
      // An own property even for `__proto__`: a scope is data, never the object's prototype.
      Object.defineProperty(out.scopes, scope, { value: this.#scopeMap(scope), enumerable: true, writable: true, configurable: true });
      index.scopes.push(scope);
      index.rows.push(this.#fullRow(scope)); // complete: never written again
    }
    // A few scopes are found fastest by a scan, many by a Map.
    if (scopes.length > 8) index.byScope = new Map(index.scopes.map((scope, i) => [scope, index.rows[i]]));
    Object.freeze(out.scopes);
    out.unknown = this.#unknownAction("");
    SNAPSHOT_INDEXES.set(Object.freeze(out), Object.freeze(index));
    return out;
  }

  /**
   * Decides a request by method and path through the policy's route table:
   * `{ outcome: "allow" | "deny" | "locked" | "no_route" | "origin", status, reason, action?,
   * route?, params, resource?, decision? }`, as the Rust `Session::gate` answers.
   */
  gate(method, path) {
    this.#alive();
    if (typeof method !== "string") throw badInput("method", `method must be a string, got ${describe(method)}`);
    if (typeof path !== "string") throw badInput("path", `path must be a string, got ${describe(path)}`);
    checkedString(method, "method");
    checkedString(path, "path");
    return JSON.parse(this.#call((r) => r.gate(method, path)));
  }

  /**
   * Finishes an `origin` answer of `gate` with the loaded resource's attributes: the
   * decision `check` gives for the route's resource with them. Other answers come back as
   * they are.
   */
  completeGate(answer, attrs) {
    this.#alive();
    if (answer === null || typeof answer !== "object") throw badInput("answer", `answer must be a gate answer, got ${describe(answer)}`);
    if (answer.outcome !== "origin") return answer;
    const resource = { ...answer.resource, attrs };
    const decision = this.check(answer.action, resource);
    // A loaded resource with neither id nor attributes can be `conditional`: refused, as natively.
    const outcome = decision.effect === "conditional" ? "deny" : decision.effect;
    return { ...answer, outcome, status: decision.allowed ? 200 : 403, reason: decision.reason, resource, decision: { ...decision } };
  }

  /**
   * Compares this session's policy with the one a server decided with: `from` is a
   * `Response`, a `Headers`, a plain object of headers, or the fingerprint itself. Returns
   * `{ same, local, remote }` (`remote` null when the server sent no `rolegate-policy`).
   */
  compareFingerprint(from) {
    const local = this.#policy.fingerprint;
    let remote = null;
    if (typeof from === "string") remote = from;
    else if (from && typeof from.headers?.get === "function") remote = from.headers.get("rolegate-policy");
    else if (from && typeof from.get === "function") remote = from.get("rolegate-policy");
    else if (from && typeof from === "object") remote = from["rolegate-policy"] ?? null;
    remote = typeof remote === "string" ? remote.trim().toLowerCase() : null;
    return { same: remote === local, local, remote };
  }

  /** Frees the WebAssembly memory now (it is also freed when collected). */
  /** `using session = policy.session(...)` frees it at the end of the block. */
  [Symbol.dispose ?? Symbol.for("Symbol.dispose")]() {
    this.free();
  }

  free() {
    if (this.#raw === null) return;
    // An object of an instance that a trap replaced is left to the collector.
    if (this.#generation === this.#boundary.generation) this.#raw.free();
    this.#raw = null;
    this.#rows.clear();
    this.#complete.clear();
    this.#maps.clear();
    this.#programs.clear();
  }
}

/**
 * A session of `policy` over a raw session of the module behind `boundary`; `decisions` is
 * the policy's table of decisions by id (`of(id, raw)`, and `forgetting(raw)` before a
 * call that gives out ids); `warnings`, what the session left out of its principal.
 */
export function openSession(boundary, policy, rawSession, principal, decisions, warnings) {
  return new Session(token, boundary, policy, rawSession, principal, decisions, warnings);
}
