//! The boundary with the WebAssembly module: holds one loaded module's exports (what they
//! carry, the stable codes), makes the calls that cross into it, and encodes and decodes
//! what crosses (values as JSON text, times as seconds, errors back into `RolegateError`).
//!
//! The policy and session modules reach the engine only through here.

import { RolegateError } from "./errors.js";

/** The action id the engine decides as an action the catalog does not have. */
export const UNKNOWN_ACTION = 0xffffffff;

/**
 * The longest JSON text of a value given at run time, and of a policy document, in UTF-8
 * bytes (`rolegate::limits::MAX_INPUT_BYTES`, `MAX_DOCUMENT_BYTES`). A JavaScript string
 * is never shorter in UTF-16 units than in UTF-8 bytes, so a text longer than this in
 * units is over the limit in bytes too: it is refused here, before it is copied into
 * WebAssembly memory; the engine checks the bytes of the others.
 */
export const MAX_TEXT = 4 * 1024 * 1024;

/** The deepest nesting of JSON the engine reads (`rolegate::limits::MAX_NESTING`). */
const MAX_NESTING = 64;

/** A text over MAX_TEXT (`limit_exceeded`), refused before it crosses. */
export function tooLong(path, what, text) {
  return new RolegateError("limit_exceeded", path, `${what} is ${text.length} characters of JSON, over the limit of ${MAX_TEXT} bytes`);
}

/** Whether a string is well-formed UTF-16 (no lone surrogate), as UTF-8 can carry it. */
export const wellFormed =
  typeof "".isWellFormed === "function" ? (s) => s.isWellFormed() : (s) => !/[\uD800-\uDFFF]/u.test(s);

/**
 * A string that crosses into wasm as it is: a lone surrogate would be replaced on the way
 * (by U+FFFD), making two different strings one, so it is bad input at `path`.
 */
export function checkedString(value, path) {
  if (!wellFormed(value)) {
    throw badInput(path, `${path} holds a lone surrogate, which UTF-8 cannot carry: give well-formed text`);
  }
  return value;
}

/** A call on an object after its `free()` (`freed`): nothing crosses into wasm. */
export function freed(what) {
  return new RolegateError("freed", "", `this ${what} was freed: make a new one`);
}

/** A value of the wrong shape given from JavaScript (`bad_input`). */
export function badInput(path, message) {
  return new RolegateError("bad_input", path, message);
}

/** How a message names what was given instead: `null`, `a list`, `an object`, `a number`. */
export function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Whether a call into wasm ended in a trap (`unreachable` after a panic, an out-of-bounds
 * access, the stack exhausted): the instance may be left half-way through a change, and
 * nothing it answers can be trusted any more.
 */
function isTrap(thrown) {
  return (
    (typeof WebAssembly === "object" && thrown instanceof WebAssembly.RuntimeError) ||
    (thrown instanceof RangeError && /call stack/i.test(thrown.message))
  );
}

/** Turns what the raw layer throws (JSON text) into a RolegateError. */
export function rethrow(thrown) {
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

/**
 * An object as JSON text for the engine; anything else is bad input at `path`. Over `max`
 * (MAX_TEXT for principals, tenants and resources; teams are unbounded) it is refused
 * before it crosses.
 */
export function toJson(value, path, what, max = MAX_TEXT) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badInput(path, `${what} must be an object, got ${describe(value)}`);
  }
  // Plain data (the common case) goes as it is; anything else through the replacer below,
  // which says where and why.
  if (plainData(value, 0)) {
    const text = JSON.stringify(value);
    if (text.length > max) throw tooLong(path, what, text);
    return text;
  }
  try {
    const paths = new Map([[value, [path, 0]]]); // each object or list met, with its path and depth
    const text = JSON.stringify(value, function (key, v) {
      return strict(this, key, v, paths, path, what);
    });
    if (text.length > max) throw tooLong(path, what, text);
    return text;
  } catch (e) {
    throw e instanceof RolegateError ? e : badInput(path, `${what} cannot be turned into JSON: ${e.message}`);
  }
}

// Whether JSON.stringify carries `value` as it is, with nothing for `strict` below to refuse:
// well-formed strings, finite numbers, booleans, null, lists (without `toJSON`) of such
// values, and plain objects of data properties (without `toJSON`, keys well-formed) whose
// values are such values or undefined.
// A quick check that builds no paths; `false` sends the value through `strict`, which also
// meets what this leaves out (deeper than 64 levels, cycles).
function plainData(value, depth) {
  if (value === null) return true;
  const t = typeof value;
  if (t === "string") return wellFormed(value);
  if (t === "boolean") return true;
  if (t === "number") return isFinite(value);
  if (t !== "object" || depth > 64 || typeof value.toJSON === "function") return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === undefined || !plainData(item, depth + 1)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) {
    const own = Object.getOwnPropertyDescriptor(value, key);
    if (own === undefined || own.get || own.set || !wellFormed(key)) return false;
    if (own.value !== undefined && !plainData(own.value, depth + 1)) return false;
  }
  return true;
}

// JSON.stringify's replacer: only what JSON carries as it is passes (strings, finite
// numbers, booleans, null, lists, plain objects of data properties); anything it would
// drop, change or call (a function, a symbol, NaN, a Map, a Date, `toJSON`, a getter) is
// bad input (at `path` and the innermost key), so that no value silently disappears on the way in. A property
// set to `undefined` is absent, as in JSON.
function strict(holder, key, value, paths, root, what) {
  const list = Array.isArray(holder);
  const [path, depth] = paths.get(holder) ?? ["", 0];
  const at = key === "" ? root : list ? `${path}[${key}]` : path ? `${path}.${key}` : key;
  // As deep as the engine reads JSON (`rolegate::limits::MAX_NESTING`), and no deeper:
  // refused here, as the engine would, before the stack runs out.
  if (key !== "" && depth >= MAX_NESTING) {
    throw new RolegateError("limit_exceeded", root, `${what} nests deeper than ${MAX_NESTING} levels`);
  }
  if (key !== "" && value !== null && typeof value === "object") paths.set(value, [at, depth + 1]);
  const own = key === "" || list ? undefined : Object.getOwnPropertyDescriptor(holder, key);
  const raw = own ? own.value : key === "" ? value : holder[key];
  const t = typeof raw;
  const proto = t === "object" && raw !== null && !Array.isArray(raw) && Object.getPrototypeOf(raw);
  if (
    (own && (own.get || own.set)) ||
    (proto !== false && ((proto !== Object.prototype && proto !== null) || typeof raw.toJSON === "function")) ||
    t === "function" || t === "symbol" || t === "bigint" ||
    (t === "number" && !isFinite(raw)) ||
    (raw === undefined && list)
  ) {
    throw badInput(at, `${at} must be a string, a finite number, true, false, null, a list or a plain object (of data properties)`);
  }
  if ((t === "string" && !wellFormed(raw)) || !wellFormed(key)) {
    throw badInput(at, `${at} holds a lone surrogate, which JSON text for the engine cannot carry: give well-formed text`);
  }
  return value;
}

/** A time in whole seconds since 1970, checked. */
export function seconds(value, path) {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw badInput(path, `${path} must be a time in whole seconds since 1970, got ${describe(value)}`);
  }
  return value;
}

/** A string or nothing (undefined), checked (well-formed: see `checkedString`). */
export function optionalString(value, path) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badInput(path, `${path} must be a string, got ${describe(value)}`);
  return checkedString(value, path);
}

/** The current time in whole seconds since 1970. */
export function now() {
  return Math.floor(Date.now() / 1000);
}

/**
 * Connects to one module's raw exports. The entries for pages and edge functions carry the
 * decision engine alone; explain, the matrix, team changes and the lint come with
 * `rolegate/full` (and in Node and Deno).
 *
 * `loading`, when given, is the promise of a module still being instantiated (a bundled
 * page compiles it asynchronously, without top-level await): until it settles, policies
 * cannot be compiled (`not_ready`) and `codes` is empty; `ready` resolves once both are there.
 */
export function connect(raw, loading) {
  const full = typeof raw.RawPolicy.prototype.applyTeam === "function";
  const routes = typeof raw.RawPolicy.prototype.routes === "function";
  const codes = {};
  let loaded = false;
  // Each trap starts a new instance, a new generation: the objects of the ones before hold
  // pointers into memory that is gone, and refuse every call (`trapped`).
  let generation = 0;
  const load = () => {
    Object.assign(codes, JSON.parse(raw.codes()));
    loaded = true;
  };
  return {
    raw,
    full,
    routes,
    text: typeof raw.RawPolicy.fromJson === "function",
    codes,

    /** How many times the instance was replaced after a trap. */
    get generation() {
      return generation;
    },

    /**
     * Rethrows what a call into wasm threw as a RolegateError. A trap (see `isTrap`)
     * replaces the instance with a fresh one of the same module (the glue's
     * `__reinstantiate`, added by js/build.mjs) and is a RolegateError `trapped`; the
     * policies and sessions of the old instance refuse every later call, `trapped` too.
     */
    rethrow(thrown) {
      if (!isTrap(thrown)) rethrow(thrown);
      generation += 1;
      let restarted = "it was restarted";
      try {
        raw.__reinstantiate();
      } catch (e) {
        restarted = `it could not be restarted (${e && e.message})`;
      }
      throw new RolegateError(
        "trapped",
        "",
        `the engine stopped on an internal error (${thrown.message}) and ${restarted}: the policies and sessions made before are gone, load them again`,
      );
    },

    /** The error of an object of an instance that a trap replaced. */
    stale(what) {
      return new RolegateError("trapped", "", `this ${what} was lost when the engine restarted after an internal error: load it again`);
    },

    /** Refuses to compile or load before the module is instantiated (`not_ready`). */
    ready_() {
      if (!loaded) throw new RolegateError("not_ready", "", "the WebAssembly module is still loading: `await ready` (exported by rolegate) before the first policy");
    },

    /** Loads a policy's artifact (a Uint8Array or an ArrayBuffer) into a raw policy. */
    load(bytes) {
      this.ready_();
      if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
      else if (ArrayBuffer.isView(bytes) && !(bytes instanceof Uint8Array)) bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (!(bytes instanceof Uint8Array)) {
        throw badInput("", `a policy artifact must be a Uint8Array or an ArrayBuffer (what \`rolegate build\` writes), got ${describe(bytes)}`);
      }
      try {
        return raw.RawPolicy.load(bytes);
      } catch (e) {
        this.rethrow(e);
      }
    },
    ready: loading ? loading.then(load) : Promise.resolve(load()),

    /** Refuses, in the decisions-only module, what only the full module carries. */
    fullOnly(what) {
      if (!full) {
        throw new RolegateError(
          "unsupported",
          "",
          `${what} is in the full module: import it from \`rolegate/full\` (this entry carries decisions only, to stay small)`,
        );
      }
    },

    /**
     * Compiles policy text (`format`: "json", "toml", or "object": JSON made from an object,
     * whose errors go by path alone) into a raw policy.
     */
    compile(format, text) {
      this.ready_();
      const method = format === "toml" ? "fromToml" : format === "object" ? "fromObjectJson" : "fromJson";
      if (typeof raw.RawPolicy.fromJson !== "function") {
        throw new RolegateError(
          "unsupported",
          "",
          "the page module decides with compiled policies and reads no policy text: load the policy's artifact with Policy.load(bytes) (build it with `rolegate build POLICY -o FILE`, or `policy.build()` from `rolegate/full`), or import `rolegate/full` to compile text",
        );
      }
      if (typeof raw.RawPolicy[method] !== "function") {
        throw new RolegateError("unsupported", "", "this build of rolegate reads JSON policies only; convert the TOML to JSON or use Policy.fromObject");
      }
      if (typeof text !== "string") throw badInput("", `policy text must be a string, got ${describe(text)}`);
      if (text.length > MAX_TEXT) throw tooLong("", "the document", text);
      if (!wellFormed(text)) throw new RolegateError("syntax", "", "the document holds a lone surrogate, which UTF-8 cannot carry: give well-formed text");
      try {
        return raw.RawPolicy[method](text);
      } catch (e) {
        this.rethrow(e);
      }
    },
  };
}
