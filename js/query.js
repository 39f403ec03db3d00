//! Query plans (`session.plan`) as database filters, in plain JavaScript: no WebAssembly,
//! so that a server translates plans it received (a header, a queue, a cache) without
//! loading the engine. Each translator reads the plan's JSON (docs/PLANS.md) and a column
//! map, and fails with a RolegateError rather than widen a filter:
//!
//! - `toSql(plan, columns, { dialect })`: a parameterized `WHERE` fragment, byte for byte
//!   what the Rust `QueryPlan::to_sql` writes (src/query/sql.rs);
//! - `toMongo(plan, columns)`: a MongoDB filter document;
//! - `toPrisma(plan, columns, { fields })`: a Prisma `where` object (Prisma over PostgreSQL).
//!
//! Codes: `unmapped_attribute` and `unmapped_scope` (the plan reads what the column map does
//! not name), `unsupported` (the target cannot express a node), `bad_input` (a column map,
//! an option or a plan that cannot be read), each at its path.

import { RolegateError } from "./errors.js";

const KINDS = ["string", "number", "boolean"];

function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

// Control characters in messages are written as `\u{..}`, as the engine writes them.
function escapeControls(text) {
  return text.replace(/\p{Cc}/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
}

function badInput(path, message) {
  return new RolegateError("bad_input", path, escapeControls(message));
}

/** A key appended to a path as the engine writes it (`a.b`, `a."x y"`, `a[0]`). */
function key(path, name) {
  const bare = /^[A-Za-z0-9_-]+$/.test(name);
  const segment = bare ? name : `"${escapeControls(name.replace(/\\/g, "\\\\").replace(/"/g, '\\"'))}"`;
  return path ? `${path}.${segment}` : segment;
}

const index = (path, i) => `${path}[${i}]`;

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** `name` or `table.name`, of ASCII letters, digits and `_`, not starting with a digit. */
const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

// The column map, checked as `Columns::from_json` checks it: `{ scope?, scope_level?,
// attributes? }`, each column a name, or `table.name` where `dotted` allows it.
function readColumns(columns, dotted = true) {
  if (!isPlainObject(columns)) throw badInput("columns", `columns must be an object, got ${describe(columns)}`);
  for (const name of Object.keys(columns)) {
    if (name !== "scope" && name !== "scope_level" && name !== "attributes") {
      throw badInput(key("columns", name), `unknown field \`${name}\`, expected one of \`scope\`, \`scope_level\`, \`attributes\``);
    }
  }
  const named = (name) => {
    const value = columns[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw badInput(key("columns", name), `expected a string, got ${describe(value)}`);
    return value;
  };
  const scope = named("scope");
  const scopeLevel = named("scope_level");
  const attributes = new Map();
  const given = columns.attributes;
  if (given !== undefined && given !== null) {
    if (!isPlainObject(given)) throw badInput("columns.attributes", `expected an object, got ${describe(given)}`);
    for (const name of Object.keys(given)) {
      if (typeof given[name] !== "string") {
        throw badInput(key("columns.attributes", name), `expected a string, got ${describe(given[name])}`);
      }
      attributes.set(name, given[name]);
    }
  }
  const checks = [
    ["columns.scope", scope],
    ["columns.scope_level", scopeLevel],
    ...[...attributes.keys()].sort().map((name) => [key("columns.attributes", name), attributes.get(name)]),
  ];
  for (const [path, column] of checks) {
    if (column === undefined) continue;
    if (!COLUMN.test(column)) {
      throw badInput(path, `\`${column}\` is not a column name: write \`name\` or \`table.name\`, of letters, digits and \`_\``);
    }
    if (!dotted && column.includes(".")) {
      throw badInput(path, `\`${column}\` is not a field name: Prisma filters name the model's fields, without a table`);
    }
  }
  return { scope, scopeLevel, attributes };
}

// A value as the engine's messages show it.
function show(value) {
  if (typeof value === "number") return Number.isInteger(value) && Math.abs(value) < 1e15 ? String(value) : "a number";
  if (typeof value === "string") return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return String(value);
}

// Errors of a translation, as the engine words them.
const unmappedAttribute = (name, path) =>
  new RolegateError("unmapped_attribute", path, escapeControls(`resource attribute \`${name}\` has no column in the column map`));
const unmappedScope = (path) =>
  new RolegateError("unmapped_scope", path, "the plan reads the resource's scope, and the column map has no `scope` column");
const unmappedLevel = (path) =>
  new RolegateError(
    "unmapped_scope",
    path,
    "the plan reads the level of the resource's scope (the scope tree has several branches), and the column map has no `scope_level` column",
  );
const unsupported = (path, message) => new RolegateError("unsupported", path, escapeControls(message));

// A plan value: a string, a finite number, a boolean, or a list of them (which no target
// compares a column with: `unsupported`); anything else is not a plan's.
function readValue(value, path) {
  if (KINDS.includes(typeof value) && (typeof value !== "number" || Number.isFinite(value))) return value;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (!Array.isArray(item)) readValue(item, index(path, i));
    });
    return value;
  }
  if (value === null) return value;
  throw badInput(path, `a plan's value is a string, a number, a boolean or a list, got ${describe(value)}`);
}

// A scalar value to compare a column with (`scalar` of the engine).
function scalar(value, path, target) {
  readValue(value, path);
  if (value === null || Array.isArray(value)) {
    throw unsupported(path, `comparing a column with \`${show(value)}\` has no ${target} translation`);
  }
  return value;
}

function text(node, field, path) {
  const value = node[field];
  if (typeof value !== "string") throw badInput(key(path, field), `\`${field}\` must be a string, got ${describe(value)}`);
  return value;
}

function list(node, field, path) {
  const value = node[field];
  if (!Array.isArray(value) || value.length === 0) {
    throw badInput(key(path, field), `\`${field}\` must be a list that is not empty, got ${Array.isArray(value) ? "an empty list" : describe(value)}`);
  }
  return value;
}

const OPS = ["and", "or", "not", "present", "eq", "in", "contains", "eq_attr", "in_attr", "scope_in", "scope_is", "scope_level"];

/** The op of a condition node, checked. */
function opOf(node, path) {
  if (!isPlainObject(node)) throw badInput(path, `a condition is an object with an \`op\`, got ${describe(node)}`);
  if (!OPS.includes(node.op)) {
    throw badInput(key(path, "op"), `unknown condition \`${typeof node.op === "string" ? node.op : describe(node.op)}\`, expected one of ${OPS.map((o) => `\`${o}\``).join(", ")}`);
  }
  return node.op;
}

// The plan's parts, checked: its scope, whether that is the tenant (the root: a scope
// with no `level:id` segment), and the outcome with its condition.
function readPlan(plan) {
  if (!isPlainObject(plan)) throw badInput("", `a plan must be an object (what \`session.plan\` returns), got ${describe(plan)}`);
  if (typeof plan.scope !== "string") throw badInput("scope", `the plan's \`scope\` must be a string, got ${describe(plan.scope)}`);
  const outcome = plan.outcome;
  if (outcome !== "allow_all" && outcome !== "deny_all" && outcome !== "conditional") {
    throw badInput("outcome", `unknown outcome \`${typeof outcome === "string" ? outcome : describe(outcome)}\`, expected \`allow_all\`, \`deny_all\` or \`conditional\``);
  }
  if (outcome === "conditional") opOf(plan.condition, "condition");
  return { scope: plan.scope, root: !plan.scope.includes(":"), outcome, condition: plan.condition };
}

function readDialect(options) {
  if (options === undefined || options === null) return "postgres";
  if (!isPlainObject(options)) throw badInput("options", `options must be an object \`{ dialect }\`, got ${describe(options)}`);
  const dialect = options.dialect ?? "postgres";
  if (dialect === "postgres" || dialect === "postgresql") return "postgres";
  if (dialect === "sqlite") return "sqlite";
  throw badInput("dialect", `unknown dialect \`${typeof dialect === "string" ? dialect : describe(dialect)}\`, expected \`postgres\` or \`sqlite\``);
}

/**
 * The plan as a SQL `WHERE` fragment (without the keyword) and its parameters, in
 * placeholder order: `$1` for PostgreSQL, `?` for SQLite. Byte for byte what the Rust
 * `QueryPlan::to_sql` writes: the condition, within the plan's scope when that is not the
 * tenant; `(1 = 1)` when every row is allowed, `(1 = 0)` when none is.
 */
export function toSql(plan, columns, options) {
  const dialect = readDialect(options);
  const map = readColumns(columns);
  const p = readPlan(plan);
  let sql = "";
  const params = [];
  const param = (value) => {
    params.push(dialect === "sqlite" && typeof value === "boolean" ? (value ? 1 : 0) : value);
    sql += dialect === "postgres" ? `$${params.length}` : "?";
  };
  const attr = (name, path) => {
    const column = map.attributes.get(name);
    if (column === undefined) throw unmappedAttribute(name, path);
    return column;
  };
  const scopeColumn = (path) => {
    if (map.scope === undefined) throw unmappedScope(path);
    return map.scope;
  };
  // `list` (a list column) holds what `push` writes.
  const holds = (column, push) => {
    if (dialect === "postgres") {
      sql += "COALESCE(";
      push();
      sql += ` = ANY(${column}), FALSE)`;
    } else {
      sql += `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = `;
      push();
      sql += ")";
    }
  };
  const startsWith = (column, prefix) => {
    if (dialect === "postgres") {
      sql += `starts_with(${column}, `;
      param(prefix);
      sql += ")";
    } else {
      // Not LIKE: SQLite's LIKE ignores the case of ASCII letters.
      sql += `substr(${column}, 1, length(`;
      param(prefix);
      sql += ")) = ";
      param(prefix);
    }
  };
  const write = (node, path) => {
    const op = opOf(node, path);
    switch (op) {
      case "and":
      case "or": {
        const args = list(node, "args", path);
        sql += "(";
        args.forEach((arg, i) => {
          if (i > 0) sql += op === "and" ? " AND " : " OR ";
          write(arg, index(key(path, "args"), i));
        });
        sql += ")";
        break;
      }
      case "not":
        // Every atom is true or false, never NULL: NOT is safe.
        sql += "NOT ";
        write(node.arg, key(path, "arg"));
        break;
      case "present":
        sql += `${attr(text(node, "attr", path), key(path, "attr"))} IS NOT NULL`;
        break;
      case "eq": {
        const column = attr(text(node, "attr", path), key(path, "attr"));
        const value = scalar(node.value, key(path, "value"), "SQL");
        sql += `(${column} IS NOT NULL AND ${column} = `;
        param(value);
        sql += ")";
        break;
      }
      case "in": {
        const column = attr(text(node, "attr", path), key(path, "attr"));
        sql += `(${column} IS NOT NULL AND ${column} IN (`;
        list(node, "values", path).forEach((v, i) => {
          const value = scalar(v, index(key(path, "values"), i), "SQL");
          if (i > 0) sql += ", ";
          param(value);
        });
        sql += "))";
        break;
      }
      case "contains": {
        const column = attr(text(node, "attr", path), key(path, "attr"));
        const value = scalar(node.value, key(path, "value"), "SQL");
        holds(column, () => param(value));
        break;
      }
      case "eq_attr": {
        const a = attr(text(node, "attr", path), key(path, "attr"));
        const b = attr(text(node, "other", path), key(path, "other"));
        sql += `(${a} IS NOT NULL AND ${b} IS NOT NULL AND ${a} = ${b})`;
        break;
      }
      case "in_attr": {
        const a = attr(text(node, "attr", path), key(path, "attr"));
        const l = attr(text(node, "list", path), key(path, "list"));
        sql += `(${a} IS NOT NULL AND `;
        holds(l, () => {
          sql += a;
        });
        sql += ")";
        break;
      }
      case "scope_in": {
        const scope = text(node, "scope", path);
        const column = scopeColumn(key(path, "scope"));
        sql += `(${column} = `;
        param(scope);
        sql += " OR ";
        startsWith(column, `${scope}/`);
        sql += ")";
        break;
      }
      case "scope_is": {
        const scope = text(node, "scope", path);
        const column = scopeColumn(key(path, "scope"));
        sql += `${column} IN (`;
        param(scope);
        // The root may be stored as the empty scope too.
        if (!scope.includes(":")) {
          sql += ", ";
          param("");
        }
        sql += ")";
        break;
      }
      case "scope_level": {
        const levels = list(node, "levels", path);
        if (map.scopeLevel === undefined) throw unmappedLevel(key(path, "levels"));
        sql += `${map.scopeLevel} IN (`;
        levels.forEach((level, i) => {
          if (typeof level !== "string") throw badInput(index(key(path, "levels"), i), `a level is a string, got ${describe(level)}`);
          if (i > 0) sql += ", ";
          param(level);
        });
        sql += ")";
        break;
      }
    }
  };
  const within = !p.root;
  if (within) {
    sql += "(";
    write({ op: "scope_in", scope: p.scope }, "");
    sql += " AND ";
  }
  if (p.outcome === "allow_all") sql += "(1 = 1)";
  else if (p.outcome === "deny_all") sql += "(1 = 0)";
  else write(p.condition, "condition");
  if (within) sql += ")";
  return { sql, params };
}

/** `text` as a regular expression that matches it literally (in JavaScript and in MongoDB). */
function literal(text) {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/**
 * The plan as a MongoDB filter document over a collection of the plan's resource type,
 * whose fields `columns` names (the column map of `toSql`; `table.name` is a nested field).
 * `{}` when every document is allowed, `{ $expr: false }` when none is. Lists are arrays;
 * the scope is a string field, the root stored as the root level's name or `""`.
 */
export function toMongo(plan, columns) {
  const map = readColumns(columns);
  const p = readPlan(plan);
  const attr = (name, path) => {
    const column = map.attributes.get(name);
    if (column === undefined) throw unmappedAttribute(name, path);
    return column;
  };
  const scopeColumn = (path) => {
    if (map.scope === undefined) throw unmappedScope(path);
    return map.scope;
  };
  // A field present and not null, inside `$expr`.
  const present = (column) => ({ $ne: [{ $ifNull: [`$${column}`, null] }, null] });
  const write = (node, path) => {
    const op = opOf(node, path);
    switch (op) {
      case "and":
      case "or":
        return { [op === "and" ? "$and" : "$or"]: list(node, "args", path).map((arg, i) => write(arg, index(key(path, "args"), i))) };
      case "not":
        // Query operators are true or false on every document (a missing field matches no
        // comparison): `$nor` of one filter is its negation.
        return { $nor: [write(node.arg, key(path, "arg"))] };
      case "present":
        // `$ne: null` matches a field that is there and not null.
        return { [attr(text(node, "attr", path), key(path, "attr"))]: { $ne: null } };
      case "eq": {
        const column = attr(text(node, "attr", path), key(path, "attr"));
        return { [column]: { $eq: scalar(node.value, key(path, "value"), "MongoDB") } };
      }
      case "in": {
        const column = attr(text(node, "attr", path), key(path, "attr"));
        return { [column]: { $in: list(node, "values", path).map((v, i) => scalar(v, index(key(path, "values"), i), "MongoDB")) } };
      }
      case "contains": {
        const column = attr(text(node, "attr", path), key(path, "attr"));
        return { [column]: { $elemMatch: { $eq: scalar(node.value, key(path, "value"), "MongoDB") } } };
      }
      case "eq_attr": {
        const a = attr(text(node, "attr", path), key(path, "attr"));
        const b = attr(text(node, "other", path), key(path, "other"));
        return { $expr: { $and: [present(a), present(b), { $eq: [`$${a}`, `$${b}`] }] } };
      }
      case "in_attr": {
        const a = attr(text(node, "attr", path), key(path, "attr"));
        const l = attr(text(node, "list", path), key(path, "list"));
        return { $expr: { $and: [present(a), { $in: [`$${a}`, { $ifNull: [`$${l}`, []] }] }] } };
      }
      case "scope_in": {
        const scope = text(node, "scope", path);
        const column = scopeColumn(key(path, "scope"));
        return { $or: [{ [column]: { $eq: scope } }, { [column]: { $regex: `^${literal(`${scope}/`)}` } }] };
      }
      case "scope_is": {
        const scope = text(node, "scope", path);
        const column = scopeColumn(key(path, "scope"));
        return { [column]: { $in: scope.includes(":") ? [scope] : [scope, ""] } };
      }
      case "scope_level": {
        const levels = list(node, "levels", path);
        if (map.scopeLevel === undefined) throw unmappedLevel(key(path, "levels"));
        levels.forEach((level, i) => {
          if (typeof level !== "string") throw badInput(index(key(path, "levels"), i), `a level is a string, got ${describe(level)}`);
        });
        return { [map.scopeLevel]: { $in: [...levels] } };
      }
    }
  };
  const body = p.outcome === "allow_all" ? {} : p.outcome === "deny_all" ? { $expr: false } : write(p.condition, "condition");
  return p.root ? body : { $and: [write({ op: "scope_in", scope: p.scope }, ""), body] };
}

/** `text` as the start of a LIKE pattern (`startsWith`), its `%`, `_` and `\` escaped. */
function likePrefix(text) {
  return text.replace(/[\\%_]/g, "\\$&");
}

/**
 * The plan as a Prisma `where` object over the model of the plan's resource type, whose
 * fields `columns` names (the column map of `toSql`, plain field names). For Prisma over
 * PostgreSQL: list attributes are scalar lists (`String[]`, `has`); the scope's prefix is
 * a `startsWith` whose `%`, `_` and `\` are escaped. Comparisons under `not` also match a
 * `null` field (`{ field: null }`, so such fields are optional in the schema), as the plan
 * allows a resource without the attribute. Two attributes compared (`eq_attr`, `in_attr`)
 * need `options.fields`, the model's field references (`prisma.number.fields`).
 * `{}` when every row is allowed, `{ OR: [] }` when none is.
 */
export function toPrisma(plan, columns, options) {
  const map = readColumns(columns, false);
  if (options !== undefined && options !== null && !isPlainObject(options)) {
    throw badInput("options", `options must be an object \`{ fields }\`, got ${describe(options)}`);
  }
  const fields = options?.fields;
  if (fields !== undefined && fields !== null && typeof fields !== "object") {
    throw badInput("fields", `fields must be the model's field references (\`prisma.MODEL.fields\`), got ${describe(fields)}`);
  }
  const p = readPlan(plan);
  const attr = (name, path) => {
    const column = map.attributes.get(name);
    if (column === undefined) throw unmappedAttribute(name, path);
    return column;
  };
  const scopeColumn = (path) => {
    if (map.scope === undefined) throw unmappedScope(path);
    return map.scope;
  };
  const ref = (column, path) => {
    const found = fields?.[column];
    if (found === undefined || found === null) {
      throw unsupported(
        path,
        fields
          ? `the model's field references have no \`${column}\``
          : "comparing two fields needs the model's field references: pass `{ fields: prisma.MODEL.fields }`",
      );
    }
    return found;
  };
  // Prisma writes `NOT` as SQL's, under which a comparison with NULL drops the row: the
  // negation is pushed down to the comparisons (`negated`), and a negated comparison
  // matches a null field explicitly.
  const write = (node, path, negated) => {
    const op = opOf(node, path);
    const orNull = (...columns) => (filter) => ({ OR: [...columns.map((c) => ({ [c]: null })), filter] });
    switch (op) {
      case "and":
      case "or": {
        const args = list(node, "args", path).map((arg, i) => write(arg, index(key(path, "args"), i), negated));
        return { [(op === "and") !== negated ? "AND" : "OR"]: args };
      }
      case "not":
        return write(node.arg, key(path, "arg"), !negated);
      case "present": {
        // A literal null is `IS NULL`: no unknown, `NOT` is safe either way.
        const column = attr(text(node, "attr", path), key(path, "attr"));
        return { [column]: negated ? null : { not: null } };
      }
      case "eq": {
        const column = attr(text(node, "attr", path), key(path, "attr"));
        const value = scalar(node.value, key(path, "value"), "Prisma");
        return negated ? orNull(column)({ [column]: { not: value } }) : { [column]: { equals: value } };
      }
      case "in": {
        const column = attr(text(node, "attr", path), key(path, "attr"));
        const values = list(node, "values", path).map((v, i) => scalar(v, index(key(path, "values"), i), "Prisma"));
        return negated ? orNull(column)({ [column]: { notIn: values } }) : { [column]: { in: values } };
      }
      case "contains": {
        // Prisma's scalar lists are never null (an absent list is empty).
        const column = attr(text(node, "attr", path), key(path, "attr"));
        const filter = { [column]: { has: scalar(node.value, key(path, "value"), "Prisma") } };
        return negated ? { NOT: filter } : filter;
      }
      case "eq_attr": {
        const a = attr(text(node, "attr", path), key(path, "attr"));
        const b = attr(text(node, "other", path), key(path, "other"));
        const filter = { [a]: { equals: ref(b, key(path, "other")) } };
        return negated ? orNull(a, b)({ NOT: filter }) : filter;
      }
      case "in_attr": {
        const a = attr(text(node, "attr", path), key(path, "attr"));
        const l = attr(text(node, "list", path), key(path, "list"));
        const filter = { [l]: { has: ref(a, key(path, "attr")) } };
        return negated ? orNull(a)({ NOT: filter }) : filter;
      }
      case "scope_in": {
        const scope = text(node, "scope", path);
        const column = scopeColumn(key(path, "scope"));
        const prefix = likePrefix(`${scope}/`);
        return negated
          ? { AND: [{ [column]: { not: scope } }, { NOT: { [column]: { startsWith: prefix } } }] }
          : { OR: [{ [column]: { equals: scope } }, { [column]: { startsWith: prefix } }] };
      }
      case "scope_is": {
        const scope = text(node, "scope", path);
        const column = scopeColumn(key(path, "scope"));
        const values = scope.includes(":") ? [scope] : [scope, ""];
        return { [column]: negated ? { notIn: values } : { in: values } };
      }
      case "scope_level": {
        const levels = list(node, "levels", path);
        if (map.scopeLevel === undefined) throw unmappedLevel(key(path, "levels"));
        levels.forEach((level, i) => {
          if (typeof level !== "string") throw badInput(index(key(path, "levels"), i), `a level is a string, got ${describe(level)}`);
        });
        return { [map.scopeLevel]: negated ? { notIn: [...levels] } : { in: [...levels] } };
      }
    }
  };
  const body = p.outcome === "allow_all" ? {} : p.outcome === "deny_all" ? { OR: [] } : write(p.condition, "condition", false);
  return p.root ? body : { AND: [write({ op: "scope_in", scope: p.scope }, "", false), body] };
}
