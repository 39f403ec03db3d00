// The public JavaScript API of rolegate, over the raw WebAssembly exports.
//
// One factory, `createApi(raw)`, so that the same source serves the ES module entries
// and the CommonJS one (the build turns `export function` into `module.exports`).
//
// Speed: action names are interned once per policy; a session keeps, per scope, the row
// of decisions for every action (one call into wasm computes the whole row), so that a
// render loop checking hundreds of elements crosses into wasm once per scope, not once
// per element. Identical decisions are the same frozen object.

export function createApi(raw) {
  const CODES = JSON.parse(raw.codes());

  class RolegateError extends Error {
    constructor(code, path, message, errors) {
      super(message);
      this.name = "RolegateError";
      this.code = code;
      this.path = path;
      if (errors !== undefined) this.errors = errors;
    }
  }

  // Turns what the raw layer throws (JSON text) into a RolegateError.
  function rethrow(thrown) {
    if (typeof thrown === "string") {
      let data;
      try {
        data = JSON.parse(thrown);
      } catch {
        throw new RolegateError("internal", "", thrown);
      }
      throw new RolegateError(data.code, data.path, data.message, data.errors);
    }
    if (thrown instanceof RolegateError) throw thrown;
    const message = thrown && thrown.message ? thrown.message : String(thrown);
    throw new RolegateError("internal", "", message);
  }

  function badInput(path, message) {
    return new RolegateError("bad_input", path, message);
  }

  function toJson(value, path, what) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw badInput(path, `${what} must be an object, got ${describe(value)}`);
    }
    try {
      return JSON.stringify(value);
    } catch (e) {
      throw badInput(path, `${what} cannot be turned into JSON: ${e.message}`);
    }
  }

  // The entries for pages and edge functions carry the decision engine alone; explain,
  // the matrix, team changes and the lint come with `rolegate/full` (and in Node and Deno).
  const FULL = typeof raw.RawPolicy.prototype.applyTeam === "function";
  function fullOnly(what) {
    if (!FULL) {
      throw new RolegateError(
        "unsupported",
        "",
        `${what} is in the full module: import it from \`rolegate/full\` (this entry carries decisions only, to stay small)`,
      );
    }
  }

  function seconds(value, path) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw badInput(path, `${path} must be a time in whole seconds since 1970, got ${describe(value)}`);
    }
    return value;
  }

  function describe(value) {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
  }

  // The readable account, as the Rust `Display` of an explanation writes it.
  function decisionText(d) {
    let text = `${d.effect} (${d.reason})`;
    if (d.role !== undefined) text += ` role \`${d.role}\``;
    if (d.scope !== undefined) text += ` at \`${d.scope}\``;
    if (d.rule !== undefined) text += ` rule \`${d.rule}\``;
    if (d.hint !== undefined) text += `: ${d.hint}`;
    return text;
  }

  function explainText(e) {
    const scope = e.scope === "" ? "the tenant" : e.scope;
    let text = `${e.action} at \`${scope}\`: ${decisionText(e.decision)}\n`;
    for (const s of e.steps) {
      text += `  ${s.step}. ${s.title}: ${s.finding}${s.decided ? "  <- decided" : ""}\n`;
    }
    return text;
  }

  const policies = new WeakMap();

  class Policy {
    #raw;
    #actionIds;
    #actions;
    #roles;

    constructor(token, rawPolicy) {
      if (token !== policies) {
        throw new TypeError("use Policy.fromJson, Policy.fromToml or Policy.fromObject");
      }
      this.#raw = rawPolicy;
      this.#actions = Object.freeze(JSON.parse(rawPolicy.actions()).map((a) => Object.freeze(a)));
      this.#roles = Object.freeze(JSON.parse(rawPolicy.roles()).map((r) => Object.freeze(r)));
      this.#actionIds = new Map(this.#actions.map((a, i) => [a.name, i]));
    }

    /** Compiles a policy written in JSON text. */
    static fromJson(text) {
      if (typeof text !== "string") throw badInput("", `policy text must be a string, got ${describe(text)}`);
      try {
        return new Policy(policies, raw.RawPolicy.fromJson(text));
      } catch (e) {
        rethrow(e);
      }
    }

    /** Compiles a policy given as a plain object (the JSON form). */
    static fromObject(document) {
      return Policy.fromJson(toJson(document, "", "a policy document"));
    }

    /** Compiles a policy written in TOML (when this build reads TOML). */
    static fromToml(text) {
      if (typeof raw.RawPolicy.fromToml !== "function") {
        throw new RolegateError("unsupported", "", "this build of rolegate reads JSON policies only; convert the TOML to JSON or use Policy.fromObject");
      }
      if (typeof text !== "string") throw badInput("", `policy text must be a string, got ${describe(text)}`);
      try {
        return new Policy(policies, raw.RawPolicy.fromToml(text));
      } catch (e) {
        rethrow(e);
      }
    }

    /** The policy's name. */
    get name() {
      return this.#raw.name() ?? undefined;
    }

    /** The action catalog, in order. */
    get actions() {
      return this.#actions;
    }

    /** The roles, in order. */
    get roles() {
      return this.#roles;
    }

    /** Compile warnings. */
    get warnings() {
      return JSON.parse(this.#raw.warnings());
    }

    /** The role x action matrix. */
    matrix() {
      fullOnly("matrix");
      return JSON.parse(this.#raw.matrix());
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
    applyTeamChange(team, tenant, actor, change, at = Math.floor(Date.now() / 1000)) {
      fullOnly("applyTeamChange");
      if (typeof actor !== "string") throw badInput("actor", `actor must be a member id (a string), got ${describe(actor)}`);
      const time = seconds(at, "at");
      try {
        return JSON.parse(
          this.#raw.applyTeam(
            toJson(team, "team", "team"),
            toJson(tenant ?? { id: "" }, "tenant", "tenant"),
            actor,
            toJson(change, "change", "change"),
            time,
          ),
        );
      } catch (e) {
        rethrow(e);
      }
    }

    /** The hygiene checklist of the policy's `team.lint` section, for a team at `now`. */
    lintTeam(team, now = Math.floor(Date.now() / 1000)) {
      fullOnly("lintTeam");
      const time = seconds(now, "now");
      try {
        return JSON.parse(this.#raw.lintTeam(toJson(team, "team", "team"), time));
      } catch (e) {
        rethrow(e);
      }
    }

    /** A session: a principal in a tenant, ready to ask decisions. */
    session(principal, tenant) {
      const p = toJson(principal, "principal", "principal");
      const t = toJson(tenant ?? { id: "" }, "tenant", "tenant");
      let rawSession;
      try {
        rawSession = this.#raw.session(p, t);
      } catch (e) {
        rethrow(e);
      }
      return new Session(sessions, this, rawSession, principal);
    }

    /** Frees the WebAssembly memory now (it is also freed when collected). */
    free() {
      this.#raw.free();
    }
  }

  const sessions = new WeakMap();
  const UNKNOWN = 0xffffffff;
  const SCOPES = 1024;

  function optionalString(value, path) {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw badInput(path, `${path} must be a string, got ${describe(value)}`);
    return value;
  }

  // What the engine would refuse in attributes: anything but strings, numbers, booleans,
  // null and lists of those.
  function checkAttrs(attrs) {
    if (typeof attrs !== "object" || Array.isArray(attrs)) {
      throw badInput("resource.attrs", `expected a table of attributes, found ${describe(attrs)}`);
    }
    const value = (v, path) => {
      if (v === null || v === undefined || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return;
      if (Array.isArray(v)) return v.forEach((item, i) => value(item, `${path}[${i}]`));
      throw badInput(path, `attribute values are strings, numbers, booleans, null or lists, found ${describe(v)}`);
    };
    for (const key of Object.keys(attrs)) value(attrs[key], `resource.attrs.${key}`);
  }

  function hasDetails(resource) {
    return resource.id !== undefined || resource.type !== undefined || resource.attrs !== undefined;
  }

  class Session {
    #policy;
    #raw;
    #principal;
    #decisions = []; // verdict id -> frozen decision
    #rows = new Map(); // scope text -> array of decisions by action id
    #scopeIds = new Map();
    #nextSlot = 0;

    constructor(token, policy, rawSession, principal) {
      if (token !== sessions) throw new TypeError("use policy.session(principal, tenant)");
      this.#policy = policy;
      this.#raw = rawSession;
      this.#principal = principal;
    }

    /** The policy this session decides with. */
    get policy() {
      return this.#policy;
    }

    #decision(verdict) {
      let d = this.#decisions[verdict];
      if (d === undefined) {
        d = Object.freeze(JSON.parse(this.#raw.decision(verdict)));
        this.#decisions[verdict] = d;
      }
      return d;
    }

    // Scope ids, at most SCOPES of them: a long-lived session asked about ever new scopes
    // reuses the slots and forgets the rows of the scopes it drops.
    #scopeId(scope) {
      let id = this.#scopeIds.get(scope);
      if (id === undefined) {
        const slot = this.#nextSlot++ % SCOPES;
        if (this.#scopeIds.size >= SCOPES) {
          for (const [text, used] of this.#scopeIds) {
            if (used === slot) {
              this.#scopeIds.delete(text);
              this.#rows.delete(text);
              break;
            }
          }
        }
        id = this.#raw.scope(scope, slot);
        this.#scopeIds.set(scope, id);
      }
      return id;
    }

    #row(scope) {
      let row = this.#rows.get(scope);
      if (row === undefined) {
        const ids = this.#raw.permissions(this.#scopeId(scope));
        row = Array.from(ids, (v) => this.#decision(v));
        this.#rows.set(scope, row);
      }
      return row;
    }

    #unknownAction(scope) {
      return this.#decision(this.#raw.check(UNKNOWN, this.#scopeId(scope)));
    }

    /** Decides `action` on `resource` (an object, a scope string, or nothing for the tenant). */
    check(action, resource) {
      if (typeof action !== "string") throw badInput("action", `action must be a string, got ${describe(action)}`);
      const scope = this.#scopeOf(resource);
      const id = this.#policy.actionId(action);
      if (typeof resource === "object" && resource !== null && hasDetails(resource)) {
        // Only actions whose rules read the resource need its details in wasm; the others
        // are decided by scope, from the session's row (the details are still checked).
        if (id < 0 || this.#policy.actions[id].readsResource) {
          const parts = this.#parts(resource);
          try {
            return this.#decision(this.#raw.checkParts(id < 0 ? UNKNOWN : id, this.#scopeId(scope), parts[0], parts[1], parts[2]));
          } catch (e) {
            rethrow(e);
          }
        }
        optionalString(resource.id, "resource.id");
        optionalString(resource.type, "resource.type");
        if (resource.attrs != null) checkAttrs(resource.attrs);
      }
      if (id < 0) return this.#unknownAction(scope);
      return this.#row(scope)[id];
    }

    /** Whether the principal may perform `action` on `resource` now. */
    can(action, resource) {
      return this.check(action, resource).allowed;
    }

    /** Every action of the catalog with its decision: `{ [action]: Decision }`. */
    permissions(resource) {
      let decisions;
      const scope = this.#scopeOf(resource);
      if (resource !== undefined && resource !== null && typeof resource === "object" && hasDetails(resource)) {
        const parts = this.#parts(resource);
        try {
          decisions = Array.from(this.#raw.permissionsParts(this.#scopeId(scope), parts[0], parts[1], parts[2]), (v) => this.#decision(v));
        } catch (e) {
          rethrow(e);
        }
      } else {
        decisions = this.#row(scope);
      }
      const map = {};
      this.#policy.actions.forEach((a, i) => {
        map[a.name] = decisions[i];
      });
      return map;
    }

    // The scope of a resource argument (a scope string, an object, or nothing), checked.
    #scopeOf(resource) {
      if (resource === undefined || resource === null) return "";
      if (typeof resource === "string") return resource;
      if (typeof resource !== "object" || Array.isArray(resource)) {
        throw badInput("resource", `resource must be an object or a scope string, got ${describe(resource)}`);
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
      return resource.scope;
    }

    // id, type and attributes (as JSON) of a resource with details, checked.
    #parts(resource) {
      return [
        optionalString(resource.id, "resource.id"),
        optionalString(resource.type, "resource.type"),
        resource.attrs == null ? undefined : toJson(resource.attrs, "resource.attrs", "attrs"),
      ];
    }

    /** The resources on which the principal may perform `action`, in order. */
    filter(action, resources) {
      if (!Array.isArray(resources)) throw badInput("resources", `resources must be a list, got ${describe(resources)}`);
      if (this.#policy.actionId(action) < 0) return [];
      return resources.filter((r, i) => {
        if (r === null || typeof r !== "object" || Array.isArray(r)) {
          throw badInput(`resources[${i}]`, `a resource must be an object, got ${describe(r)}`);
        }
        return this.check(action, r).allowed;
      });
    }

    /** Decides like `check`, with a readable account of each step. */
    explain(action, resource) {
      fullOnly("explain");
      if (typeof action !== "string") throw badInput("action", `action must be a string, got ${describe(action)}`);
      const r = typeof resource === "string" ? { scope: resource } : resource ?? {};
      let explanation;
      try {
        explanation = JSON.parse(this.#raw.explain(action, toJson(r, "resource", "resource")));
      } catch (e) {
        rethrow(e);
      }
      explanation.text = explainText(explanation);
      return explanation;
    }

    /**
     * A plain, serializable object of this session's decisions at the given scopes, for
     * server-side rendering and render loops (see `snapshotCheck`).
     */
    snapshot(scopes = [""]) {
      if (!Array.isArray(scopes)) throw badInput("scopes", `scopes must be a list, got ${describe(scopes)}`);
      const out = {
        version: 1,
        policy: this.#policy.name ?? null,
        principal: this.#principal?.id ?? null,
        actions: this.#policy.actions.map((a) => a.name),
        scopes: {},
      };
      for (const scope of scopes) {
        if (typeof scope !== "string") throw badInput("scopes", `scopes are strings, got ${describe(scope)}`);
        const row = this.#row(scope);
        const entry = {};
        out.actions.forEach((name, i) => {
          entry[name] = { ...row[i] };
        });
        out.scopes[scope] = entry;
      }
      out.unknown = { ...this.#unknownAction("") };
      return out;
    }

    /** Frees the WebAssembly memory now (it is also freed when collected). */
    free() {
      this.#raw.free();
    }
  }

  return { Policy, Session, RolegateError, codes: CODES, features: Object.freeze({ full: FULL }) };
}
