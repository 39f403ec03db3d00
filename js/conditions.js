// Checks whose rules read the resource, decided where the resource is: the engine lays out
// what decides an action at a scope for a particular resource (its "program":
// src/decide/program.rs), and this evaluates it on the resource's JavaScript object, with
// no JSON and no call into WebAssembly per check. It answers a decision id (of the policy),
// or ENGINE wherever the engine must decide: a condition left undecided by a missing
// attribute (the decision then names it), an attribute of another type than declared
// (`bad_attribute`), a value the engine's reader would refuse or that is not read here
// (getters, lists of objects, long strings). The engine's answer is the only one there is;
// this is a shortcut to it, compared with it on random policies and resources by
// tests/js/conditions.test.mjs.

/** Decide in the engine. */
export const ENGINE = -1;

const view = new DataView(new ArrayBuffer(8));

/** A value of the program: a number crosses as the two halves of its 64 bits. */
function valueOf(v) {
  if (Array.isArray(v)) return v.map(valueOf);
  if (v !== null && typeof v === "object") {
    view.setUint32(0, v.f[0]);
    view.setUint32(4, v.f[1]);
    return view.getFloat64(0);
  }
  return v;
}

/** Equality of condition values: by type and value, lists item by item. */
function same(a, b) {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
  return true;
}

// Both compilers give functions of the resource; `undefined` stands for "undecided" (a
// condition) or "missing" (an operand).

function operand(node) {
  if ("v" in node) {
    const c = valueOf(node.v);
    return () => c;
  }
  if ("u" in node) return () => undefined;
  if ("a" in node) {
    const name = node.a;
    return (r) => {
      // Own attributes only: `constructor` or `toString` missing from the resource is
      // missing, not the function Object.prototype holds under that name.
      const v = r.attrs == null || !Object.prototype.hasOwnProperty.call(r.attrs, name) ? undefined : r.attrs[name];
      return v === null ? undefined : v;
    };
  }
  if ("r" in node) {
    const name = node.r;
    return (r) => (r[name] === null ? undefined : r[name]);
  }
  // A sub-condition, by its truth.
  return truth(node);
}

function truth(node) {
  if ("v" in node) {
    const c = node.v === true;
    return () => c;
  }
  if ("u" in node) return () => undefined;
  if ("a" in node || "r" in node) {
    const read = operand(node);
    return (r) => {
      const v = read(r);
      return v === undefined ? undefined : v === true;
    };
  }
  if ("h" in node) {
    const read = node.h === "id" || node.h === "type" ? operand({ r: node.h }) : operand({ a: node.h });
    return (r) => read(r) !== undefined;
  }
  if ("eq" in node || "ne" in node) {
    const eq = "eq" in node;
    const [a, b] = (eq ? node.eq : node.ne).map(operand);
    return (r) => {
      const x = a(r);
      if (x === undefined) return undefined;
      const y = b(r);
      if (y === undefined) return undefined;
      return same(x, y) === eq;
    };
  }
  if ("in" in node) {
    const [a, b] = node.in.map(operand);
    return (r) => {
      const x = a(r);
      if (x === undefined) return undefined;
      const list = b(r);
      if (list === undefined) return undefined;
      if (!Array.isArray(list)) return false;
      for (const item of list) if (same(item, x)) return true;
      return false;
    };
  }
  if ("and" in node || "or" in node) {
    // `&&` is decided by a false term, `||` by a true one; else a term left undecided
    // leaves it undecided.
    const decisive = "or" in node;
    const terms = (decisive ? node.or : node.and).map(truth);
    return (r) => {
      let undecided = false;
      for (const t of terms) {
        const v = t(r);
        if (v === decisive) return decisive;
        if (v === undefined) undecided = true;
      }
      return undecided ? undefined : !decisive;
    };
  }
  if ("not" in node) {
    const inner = truth(node.not);
    return (r) => {
      const v = inner(r);
      return v === undefined ? undefined : !v;
    };
  }
  throw new Error("unknown condition node");
}

const wellFormed = typeof "".isWellFormed === "function" ? (s) => s.isWellFormed() : () => false;

// Within the boundary's limits (src/limits.rs) whatever the text's UTF-8 length: a
// character is at most 3 bytes per UTF-16 unit.
const MAX_NAME_UNITS = 341; // MAX_NAME_BYTES 1,024
const MAX_STRING_UNITS = 1365; // MAX_STRING_BYTES 4,096
const MAX_ITEMS = 1000; // MAX_LIST_VALUE_ITEMS
const MAX_ATTRIBUTES = 1000;
// Well within MAX_INPUT_BYTES (4 MiB of JSON), counted as 3 bytes per UTF-16 unit.
const MAX_BYTES = 1 << 20;

function scalar(v) {
  const t = typeof v;
  return t === "string" ? v.length <= MAX_STRING_UNITS && wellFormed(v) : t === "number" ? Number.isFinite(v) : t === "boolean" || v === null;
}

const TYPES = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  bool: (v) => typeof v === "boolean",
  "string[]": (v) => Array.isArray(v) && v.every((i) => typeof i === "string"),
  "number[]": (v) => Array.isArray(v) && v.every((i) => typeof i === "number"),
};

/**
 * Whether the resource's attributes are values the engine's reader takes as they are
 * (a plain object of data properties: well-formed strings, finite numbers, booleans, null,
 * lists of those), each of its declared type or missing (`types`). Anything else goes to
 * the engine, which refuses it with its code or decides `bad_attribute`.
 */
function readable(attrs, types) {
  if (attrs === undefined || attrs === null) return true;
  if (typeof attrs !== "object" || Array.isArray(attrs)) return false;
  const proto = Object.getPrototypeOf(attrs);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(attrs);
  if (keys.length > MAX_ATTRIBUTES) return false;
  let bytes = 0;
  for (const key of keys) {
    if (key.length > MAX_NAME_UNITS || !wellFormed(key)) return false;
    const own = Object.getOwnPropertyDescriptor(attrs, key);
    if (own.get || own.set) return false;
    const v = own.value;
    bytes += 3 * key.length + 8;
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      if (Object.getPrototypeOf(v) !== Array.prototype || v.length > MAX_ITEMS) return false;
      for (let i = 0; i < v.length; i++) {
        if (v[i] === undefined || !scalar(v[i])) return false;
        bytes += typeof v[i] === "string" ? 3 * v[i].length + 8 : 32;
      }
    } else if (!scalar(v)) {
      return false;
    } else {
      bytes += typeof v === "string" ? 3 * v.length + 8 : 32;
    }
    if (bytes > MAX_BYTES) return false;
    const type = types[key];
    if (type !== undefined && !TYPES[type](v)) return false;
  }
  return true;
}

/**
 * A program's JSON compiled: a function of a resource (`{ id, type?, attrs? }`, the id a
 * string) that answers a decision id (of the policy), or ENGINE.
 */
export function compileProgram(text) {
  const p = JSON.parse(text);
  if (p === null) return null;
  const types = Object.assign(Object.create(null), p.t);
  const compileList = (list) => list.map(([condition, verdict]) => [condition === null ? null : truth(condition), verdict]);
  const denies = compileList(p.d);
  const grants = compileList(p.g);
  const none = p.n;
  return (resource) => {
    if (resource.id.length > MAX_NAME_UNITS || !wellFormed(resource.id)) return ENGINE;
    const type = resource.type;
    if (type !== undefined && type !== null && (typeof type !== "string" || type.length > MAX_NAME_UNITS || !wellFormed(type))) return ENGINE;
    if (!readable(resource.attrs, types)) return ENGINE;
    for (const [condition, verdict] of denies) {
      if (condition === null) return verdict;
      const v = condition(resource);
      if (v === true) return verdict;
      // Undecided: the deny rule applies, and the decision names the attribute.
      if (v === undefined) return ENGINE;
    }
    let undecided = false;
    for (const [condition, verdict] of grants) {
      if (condition === null) return verdict;
      const v = condition(resource);
      if (v === true) return verdict;
      if (v === undefined) undecided = true;
    }
    return undecided ? ENGINE : none;
  };
}
