//! The `Policy` class: a compiled policy over one WebAssembly module (its catalog, roles,
//! warnings, matrix, team changes and lint), and the door to its sessions.
//!
//! Action names are interned once per policy: a session asks by id. Decisions come back from
//! the engine as ids of the policy's distinct decisions; the policy keeps one frozen object
//! per id, shared by all its sessions.

import { badInput, describe, freed, now, rethrow, seconds, toJson, wellFormed } from "./boundary.js";
import { openSession } from "./session.js";

const token = {};

/** A name within the engine's limit of 1,024 bytes of UTF-8, and well-formed. */
const readable = (s) => wellFormed(s) && (s.length <= 341 || new TextEncoder().encode(s).length <= 1024);

/** How many distinct decisions a policy keeps before it forgets them and starts again. */
const DECISIONS = 1 << 16;

/**
 * An error of the engine about the principal given without its stale assignments (indexes
 * in `stale`), with its path naming the assignment as the caller gave it.
 */
function renumbered(thrown, stale) {
  try {
    rethrow(thrown);
  } catch (e) {
    const match = /^principal\.roles\[(\d+)\]/.exec(e.path ?? "");
    if (!match) return e;
    let index = Number(match[1]);
    for (let i = 0; i <= index; i++) if (stale.has(i)) index++;
    e.path = `principal.roles[${index}]${e.path.slice(match[0].length)}`;
    return e;
  }
}

/** The `strict` of a session's options (`{ strict?: boolean }`), checked. */
function strictOption(options) {
  if (options == null) return false;
  if (typeof options !== "object" || Object.keys(options).some((k) => k !== "strict") || (options.strict !== undefined && typeof options.strict !== "boolean")) {
    throw badInput("options", "options must be { strict?: true | false }");
  }
  return options.strict === true;
}

/**
 * The `Policy` class of one module (a boundary, see `connect`): its constructors compile
 * with that module; the rest is `CompiledPolicy`.
 */
export function definePolicy(boundary) {
  return class Policy extends CompiledPolicy {
    /** Compiles a policy written in JSON text. */
    static fromJson(text) {
      try {
        return new Policy(token, boundary, boundary.compile("json", text));
      } catch (e) {
        // TOML given as JSON (`version = 1`, `[scopes]`, a comment): say so, and the fix.
        if (e.code === "syntax" && typeof text === "string" && /^\s*(#|\[[a-z]|[\w"-]+\s*=)/i.test(text)) {
          e.message += " (this looks like TOML: turn it into JSON with `rolegate export FILE`, or read it with Policy.fromToml where the module reads TOML)";
        }
        throw e;
      }
    }

    /**
     * Compiles a policy given as a plain object (the JSON form). Its errors name the place
     * in the object by path (`roles.admin.allow[2]`); the line and column of the JSON text
     * made from it would point at nothing the caller wrote, so they are left out.
     */
    static fromObject(document) {
      return new Policy(token, boundary, boundary.compile("object", toJson(document, "", "a policy document")));
    }

    /** Compiles a policy written in TOML (when this build reads TOML). */
    static fromToml(text) {
      return new Policy(token, boundary, boundary.compile("toml", text));
    }

    /**
     * Loads a policy from its artifact (`rolegate build`, or `policy.build()`): the compiled
     * policy, with no text to read. Every module loads artifacts; the page module loads
     * nothing else.
     */
    static load(artifact) {
      return new Policy(token, boundary, boundary.load(artifact));
    }
  };
}

/** A compiled policy: what every entry's `Policy` is, whichever module it compiled with. */
class CompiledPolicy {
  #boundary;
  #raw;
  #actionIds;
  #actions;
  #roles;
  #roleNames;
  #name;
  #fingerprint;
  #generation;
  #decisionList = []; // decision id -> frozen decision
  // What the sessions reach (through their raw session, which shares the engine's table
  // of decisions with the policy's other sessions and outlives a freed policy): a decision
  // by id, and `forgetting(raw)`, called before each call into the engine that gives out
  // ids, which starts the table anew once it holds too many (sessions keep the objects
  // they have); and the action ids by name, for snapshots' indexes.
  #decisions = {
    actionIds: null,
    generation: 0, // how many times the table started anew
    of: (id, raw) => this.#decisionList[id] ?? this.#fetchDecision(id, raw),
    forgetting: (raw) => {
      if (this.#decisionList.length >= DECISIONS) {
        this.#guard(() => raw.forget());
        this.#decisionList = [];
        this.#decisions.generation++;
      }
    },
  };

  constructor(given, boundary, rawPolicy) {
    if (given !== token) {
      throw new TypeError("use Policy.load, Policy.fromJson, Policy.fromToml or Policy.fromObject");
    }
    this.#boundary = boundary;
    this.#raw = rawPolicy;
    this.#generation = boundary.generation;
    const catalog = JSON.parse(this.#call((r) => r.catalog()));
    this.#name = catalog.name;
    this.#actions = Object.freeze(catalog.actions.map((a) => Object.freeze(a)));
    this.#roles = Object.freeze(catalog.roles.map((r) => Object.freeze(r)));
    this.#actionIds = new Map(this.#actions.map((a, i) => [a.name, i]));
    this.#decisions.actionIds = this.#actionIds;
  }

  #fetchDecision(id, raw) {
    const d = Object.freeze(JSON.parse(this.#guard(() => raw.decision(id))));
    this.#decisionList[id] = d;
    return d;
  }

  // A call into wasm through another object (a session's raw session); a trap in it
  // restarts the engine (`trapped`).
  #guard(f) {
    try {
      return f();
    } catch (e) {
      this.#boundary.rethrow(e);
    }
  }

  // A call into the raw policy; a trap in it restarts the engine (`trapped`).
  #call(f) {
    const raw = this.#live;
    try {
      return f(raw);
    } catch (e) {
      this.#boundary.rethrow(e);
    }
  }

  /** The policy's name. */
  get name() {
    this.#live; // after free(), `freed`; after a trap, `trapped`
    return this.#name;
  }

  /** The action catalog, in order. */
  get actions() {
    return this.#actions;
  }

  /** The roles, in order. */
  get roles() {
    return this.#roles;
  }

  /** Compile warnings (full module: Node, Deno, `rolegate/full`; the page module leaves the pass out). */
  get warnings() {
    this.#boundary.fullOnly("warnings");
    return JSON.parse(this.#call((r) => r.warnings()));
  }

  /**
   * The policy fingerprint: the SHA-256 of its artifact, 64 hex digits, the same as
   * `Policy::fingerprint` in Rust and `rolegate fingerprint`; gates send it as the
   * `rolegate-policy` header.
   */
  get fingerprint() {
    this.#fingerprint ??= this.#call((r) => r.fingerprint());
    return this.#fingerprint;
  }

  /**
   * The policy's artifact (a Uint8Array): its compiled form, what `Policy.load` loads in
   * every module and runtime, byte for byte what `rolegate build` writes. Full module.
   */
  build() {
    this.#boundary.fullOnly("build");
    return this.#call((r) => r.build());
  }

  /** Whether `fingerprint` (a server's `rolegate-policy` header) names this very policy. */
  matchesFingerprint(fingerprint) {
    return typeof fingerprint === "string" && fingerprint.trim().toLowerCase() === this.fingerprint;
  }

  /** The route table: `[{ route, method, action, params, resource? }]`, in document order. */
  routes() {
    return JSON.parse(this.#call((r) => r.routes()));
  }

  /**
   * The role x action matrix: as data, or given a format (`markdown`, `csv`, `html`) as the
   * text `rolegate matrix` prints. Full module.
   */
  matrix(format) {
    this.#boundary.fullOnly("matrix");
    if (format === undefined) return JSON.parse(this.#call((r) => r.matrix()));
    return this.#call((r) => r.matrix(String(format)));
  }

  /** TypeScript unions of the policy's names and its `PolicyNames`, as `rolegate types` prints them. Full module. */
  types() {
    this.#boundary.fullOnly("types");
    return this.#call((r) => r.types());
  }

  /**
   * The policy document it was compiled from, as a plain object (the JSON form, what
   * `rolegate export` prints: a TOML policy becomes JSON this way); undefined for a policy
   * loaded from its artifact. Full module.
   */
  document() {
    this.#boundary.fullOnly("document");
    const text = this.#call((r) => r.document());
    return text === undefined ? undefined : JSON.parse(text);
  }


  /** The id of an action (-1 when the catalog has none of that name). */
  actionId(name) {
    const id = this.#actionIds.get(name);
    return id === undefined ? -1 : id;
  }

  /**
   * Applies a team change under the policy's team rules. Returns
   * `{ allowed: true, team, event }` or `{ allowed: false, reason, message }`; the team
   * given is not modified. Malformed input throws a RolegateError.
   */
  applyTeamChange(team, tenant, actor, change, at = now()) {
    this.#boundary.fullOnly("applyTeamChange");
    if (typeof actor !== "string") throw badInput("actor", `actor must be a member id (a string), got ${describe(actor)}`);
    const time = seconds(at, "at");
    const args = [toJson(team, "team", "team", Infinity), toJson(tenant ?? { id: "" }, "tenant", "tenant"), actor, toJson(change, "change", "change", Infinity), time];
    return JSON.parse(this.#call((r) => r.applyTeam(...args)));
  }

  /** The hygiene checklist of the policy's `team.lint` section, for a team at `now`. */
  lintTeam(team, at = now()) {
    this.#boundary.fullOnly("lintTeam");
    const time = seconds(at, "now");
    const text = toJson(team, "team", "team", Infinity);
    return JSON.parse(this.#call((r) => r.lintTeam(text, time)));
  }

  /**
   * A session: a principal in a tenant, ready to ask decisions. A role the policy does not
   * declare grants nothing and is listed in `session.warnings`; with `{ strict: true }` it
   * is a RolegateError `unknown_role` (what gates do: dropping a stale role that carried a
   * deny rule can widen access).
   */
  session(principal, tenant, options) {
    const strict = strictOption(options);
    const p = toJson(principal, "principal", "principal");
    const t = toJson(tenant ?? { id: "" }, "tenant", "tenant");
    const stale = strict ? undefined : this.#staleRoles(principal);
    let rawSession;
    try {
      if (stale === undefined) {
        rawSession = this.#call((r) => r.session(p, t));
      } else {
        // The engine gets the principal without them, and its paths name the roles as given.
        const kept = principal.roles.filter((_, i) => !stale.has(i));
        const q = toJson({ ...principal, roles: kept }, "principal", "principal");
        rawSession = this.#call((r) => r.session(q, t));
      }
    } catch (e) {
      throw stale === undefined ? e : renumbered(e, stale);
    }
    return openSession(this.#boundary, this, rawSession, principal, this.#decisions, stale && this.#warnings(principal, stale));
  }

  // The indexes of the principal's assignments whose role the policy does not declare
  // (plain `{ role, scope? }` entries: anything else goes to the engine, which says what is
  // wrong with it), or undefined when there are none.
  #staleRoles(principal) {
    const roles = principal.roles;
    if (!Array.isArray(roles)) return undefined;
    this.#roleNames ??= new Set(this.#roles.map((r) => r.name));
    let stale;
    roles.forEach((a, i) => {
      if (a === null || typeof a !== "object" || typeof a.role !== "string" || this.#roleNames.has(a.role)) return;
      if (Object.keys(a).some((k) => k !== "role" && k !== "scope")) return;
      // A name or scope the engine would refuse (over its limits, or not well-formed) is
      // bad input, not a stale role: it goes to the engine, which says why.
      if (!readable(a.role) || !(a.scope == null || (typeof a.scope === "string" && readable(a.scope)))) return;
      (stale ??= new Set()).add(i);
    });
    return stale;
  }

  // The warnings of the stale assignments, in the engine's words: each alone, as a strict
  // session of the engine refuses it (`unknown_role` with the close known role), at its path.
  #warnings(principal, stale) {
    return Object.freeze(
      [...stale].map((i) => {
        const { role } = principal.roles[i];
        try {
          this.#live.session(JSON.stringify({ id: "", roles: [{ role }] }), '{"id":""}').free();
        } catch (e) {
          if (typeof e !== "string") this.#boundary.rethrow(e); // a trap: `trapped`
          else {
            const { code, message } = JSON.parse(e);
            return Object.freeze({ code, path: `principal.roles[${i}].role`, message });
          }
        }
        return Object.freeze({ code: "unknown_role", path: `principal.roles[${i}].role`, message: `role \`${role}\` is not declared by the policy` });
      }),
    );
  }

  /** Frees the WebAssembly memory now (it is also freed when collected); a second call does nothing. */
  /** `using policy = Policy.fromJson(...)` frees it at the end of the block. */
  [Symbol.dispose ?? Symbol.for("Symbol.dispose")]() {
    this.free();
  }

  free() {
    if (this.#raw === null) return;
    // An object of an instance that a trap replaced is left to the collector: its memory
    // went with the instance.
    if (this.#generation === this.#boundary.generation) this.#raw.free();
    this.#raw = null;
  }

  // The raw policy; after free() a RolegateError `freed`, after a trap restarted the
  // engine `trapped`, before anything crosses into wasm.
  get #live() {
    if (this.#raw === null) throw freed("policy");
    if (this.#generation !== this.#boundary.generation) throw this.#boundary.stale("policy");
    return this.#raw;
  }
}
