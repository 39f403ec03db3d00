// Query plans through the npm package, installed from its packed tarball: `session.plan`
// (full module) gives the native plan, and `rolegate/query` translates it to SQL byte for
// byte as the Rust translator does, to MongoDB filters and to Prisma `where` objects.
//
// - every case of tests/fixtures/plans: the plan and its SQL (both dialects) are the
//   native engine's (prepare.mjs runs `rolegate plan --sql`), and the rows selected are
//   the fixture's;
// - 10,000 random cases (the presets and random policies; seeded: a failure prints its
//   seed, and PLAN_SEED=N replays it): the rows a real SQLite (better-sqlite3) returns for
//   the SQL, the documents mingo matches with the MongoDB filter, the rows a model of
//   Prisma over PostgreSQL (three-valued logic, LIKE) selects with the `where`, and the
//   resources the condition allows evaluated directly, all equal `session.filter`;
//   a sample of them is planned and translated by the native command too;
// - values that try to break out of SQL stay parameters; errors carry their code and path.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, scratchProject } from "./pack.mjs";
import { fromBase64 } from "./corpus.mjs";
import { CONDITIONS, HOSTILE, generator, levelOf, randomPolicy, randomPrincipal, randomResource, randomTenant, scopeAt, tree } from "./random.mjs";

const native = process.env.ROLEGATE_BIN ?? join(root, "target", "debug", "rolegate");

let corpus;
let api; // rolegate (Node: the full module)
let query; // rolegate/query (ES module)
let queryCjs; // rolegate/query (CommonJS)
let page; // the page module (browser.js), which leaves plans out
let Database; // better-sqlite3
let mingo;

/** A test tool from tests/js/node_modules; a missing one fails the test, loudly. */
function testTool(name) {
  const require = createRequire(join(root, "tests", "js", "package.json"));
  try {
    return require(name);
  } catch (e) {
    throw new Error(`${name} is not installed in tests/js/node_modules (${e.message}): run \`bash scripts/setup js\``);
  }
}

before(async () => {
  corpus = JSON.parse(readFileSync(join(root, "target", "js-corpus.json"), "utf8"));
  if (!corpus.plans) throw new Error("target/js-corpus.json has no query plans: run `node tests/js/prepare.mjs PATH/TO/rolegate`");
  Database = testTool("better-sqlite3");
  mingo = testTool("mingo");
  const dir = scratchProject("plan");
  writeFileSync(join(dir, "load.mjs"), 'export * from "rolegate";\n');
  writeFileSync(join(dir, "load-query.mjs"), 'export * from "rolegate/query";\n');
  api = await import(pathToFileURL(join(dir, "load.mjs")).href);
  query = await import(pathToFileURL(join(dir, "load-query.mjs")).href);
  queryCjs = createRequire(join(dir, "index.cjs"))("rolegate/query");
  page = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "browser.js")).href);
  await page.ready;
});

// ---------------------------------------------------------------------------------------
// What each target selects, evaluated here.

/** `scope` is `ancestor` or below it (the root: every scope). */
function within(scope, ancestor) {
  return !ancestor.includes(":") || scope === ancestor || scope.startsWith(`${ancestor}/`);
}

function same(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  return a === b;
}

/** The condition, evaluated on a resource as docs/PLANS.md states it. */
function holds(c, r, root) {
  const attr = (name) => {
    const v = name === "id" ? r.id : r.attrs?.[name];
    return v === undefined || v === null ? undefined : v;
  };
  switch (c.op) {
    case "and":
      return c.args.every((a) => holds(a, r, root));
    case "or":
      return c.args.some((a) => holds(a, r, root));
    case "not":
      return !holds(c.arg, r, root);
    case "present":
      return attr(c.attr) !== undefined;
    case "eq":
      return attr(c.attr) !== undefined && same(attr(c.attr), c.value);
    case "in":
      return attr(c.attr) !== undefined && c.values.some((v) => same(attr(c.attr), v));
    case "contains":
      return Array.isArray(attr(c.attr)) && attr(c.attr).some((v) => same(v, c.value));
    case "eq_attr":
      return attr(c.attr) !== undefined && attr(c.other) !== undefined && same(attr(c.attr), attr(c.other));
    case "in_attr":
      return attr(c.attr) !== undefined && Array.isArray(attr(c.list)) && attr(c.list).some((v) => same(v, attr(c.attr)));
    case "scope_in":
      return within(r.scope, c.scope);
    case "scope_is":
      return c.scope.includes(":") ? r.scope === c.scope : !r.scope.includes(":");
    case "scope_level":
      return c.levels.includes(levelOf(r.scope, root));
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

/** Whether the plan allows a resource of its type. */
function planAllows(plan, r, root) {
  if (!within(r.scope, plan.scope)) return false;
  if (plan.outcome === "allow_all") return true;
  if (plan.outcome === "deny_all") return false;
  return holds(plan.condition, r, root);
}

/**
 * A model of Prisma over PostgreSQL: `where` evaluated in SQL's three-valued logic (`null`
 * is unknown), `NOT` as SQL's, `startsWith` as `LIKE 'prefix%'` with `\` escaping. Scalar
 * lists are never null. Field references are `{ ref: field }`.
 */
function prismaHolds(where, row) {
  const and = (values) => (values.includes(false) ? false : values.includes(null) ? null : true);
  const or = (values) => (values.includes(true) ? true : values.includes(null) ? null : false);
  const not = (v) => (v === null ? null : !v);
  const value = (v) => (v !== null && typeof v === "object" && "ref" in v ? row[v.ref] : v);
  const like = (text, pattern) => {
    let source = "^";
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === "\\") source += pattern[++i].replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
      else if (c === "%") source += "[\\s\\S]*";
      else if (c === "_") source += "[\\s\\S]";
      else source += c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
    }
    return new RegExp(`${source}$`, "u").test(text);
  };
  const field = (column, filter) => {
    const v = row[column];
    if (filter === null) return v === null;
    if (typeof filter !== "object" || Array.isArray(filter)) throw new Error(`a bare value for ${column}`);
    return and(
      Object.entries(filter).map(([op, operand]) => {
        // A literal null is `IS NULL`; a field reference to a null is NULL, unknown.
        const literalNull = operand === null;
        const w = value(operand);
        switch (op) {
          case "equals":
            if (literalNull) return v === null;
            return v === null || w === null ? null : same(v, w);
          case "not":
            if (literalNull) return v !== null;
            return v === null ? null : !same(v, w);
          case "in":
            return v === null ? null : w.some((x) => same(v, x));
          case "notIn":
            return v === null ? null : !w.some((x) => same(v, x));
          case "has":
            return w === null ? null : v.some((x) => same(x, w));
          case "startsWith":
            return v === null ? null : like(v, `${w}%`);
          default:
            throw new Error(`unknown Prisma filter ${op}`);
        }
      }),
    );
  };
  const evaluate = (w) =>
    and(
      Object.entries(w).map(([k, v]) => {
        if (k === "AND") return and(v.map(evaluate));
        if (k === "OR") return or(v.map(evaluate));
        if (k === "NOT") return not(Array.isArray(v) ? and(v.map(evaluate)) : evaluate(v));
        return field(k, v);
      }),
    );
  return evaluate(where) === true;
}

// ---------------------------------------------------------------------------------------
// A table of resources, in SQLite, as MongoDB documents and as Prisma rows.

const ATTRS = ["assignee", "owner", "level", "locked", "tags", "assignee_role", "agents"];
const column = (attr) => `c_${attr}`;
const COLUMNS = {
  scope: "scope",
  scope_level: "scope_level",
  attributes: Object.fromEntries([["id", "rid"], ...ATTRS.map((a) => [a, column(a)])]),
};
const FIELD_REFS = Object.fromEntries(["rid", ...ATTRS.map(column)].map((c) => [c, { ref: c }]));

function openTable() {
  const db = new Database(":memory:");
  db.exec(
    `CREATE TABLE t (n INTEGER PRIMARY KEY, rid TEXT, scope TEXT NOT NULL, scope_level TEXT NOT NULL,
       c_assignee TEXT, c_owner TEXT, c_level REAL, c_locked INTEGER, c_tags TEXT, c_assignee_role TEXT, c_agents TEXT)`,
  );
  const insert = db.prepare(
    `INSERT INTO t (n, rid, scope, scope_level, c_assignee, c_owner, c_level, c_locked, c_tags, c_assignee_role, c_agents)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const clear = db.prepare("DELETE FROM t");
  const statements = new Map();
  return {
    db,
    /** The row numbers SQLite selects with the fragment, among `resources`. */
    select(resources, fragment, root) {
      clear.run();
      resources.forEach((r, n) => {
        const a = (name) => {
          const v = r.attrs?.[name];
          if (v === undefined || v === null) return null;
          if (Array.isArray(v)) return JSON.stringify(v);
          return typeof v === "boolean" ? (v ? 1 : 0) : v;
        };
        insert.run(n, r.id ?? null, r.scope, levelOf(r.scope, root), ...ATTRS.map(a));
      });
      const sql = `SELECT n FROM t WHERE ${fragment.sql} ORDER BY n`;
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql).pluck();
        if (statements.size > 2000) statements.clear();
        statements.set(sql, statement);
      }
      return statement.all(...fragment.params);
    },
  };
}

/** A resource as a MongoDB document (missing attributes absent, `null` kept). */
function mongoDocument(r, n, root) {
  const doc = { _id: n, scope: r.scope, scope_level: levelOf(r.scope, root) };
  if (r.id !== undefined) doc.rid = r.id;
  for (const a of ATTRS) if (r.attrs && a in r.attrs) doc[column(a)] = r.attrs[a];
  return doc;
}

/** The list attributes: never null in a Prisma row. */
const LISTS = ["tags", "agents"];

/** A resource as a Prisma row: every column present, lists never null (an absent one is empty). */
function prismaRow(r, root) {
  const row = { rid: r.id ?? null, scope: r.scope, scope_level: levelOf(r.scope, root) };
  for (const a of ATTRS) {
    const v = r.attrs?.[a];
    row[column(a)] = v === undefined ? null : v;
  }
  for (const a of LISTS) row[column(a)] ??= [];
  return row;
}

// ---------------------------------------------------------------------------------------
// 1. The seed fixtures.

test("every query plan fixture: the package's plan is the native one, and toSql gives the fixture's SQL and parameters in both dialects", () => {
  let cases = 0;
  const table = openTable();
  for (const [file, { fixture, native: nativeCases }] of Object.entries(corpus.plans)) {
    const policy = api.Policy.fromObject(corpus.presets[fixture.policy]);
    const root = Object.keys(corpus.presets[fixture.policy].scopes).find((l) => !corpus.presets[fixture.policy].scopes[l].parent);
    fixture.cases.forEach((c, i) => {
      const where = `${file}: ${c.name}`;
      const session = policy.session(c.principal, c.tenant);
      const plan = session.plan(c.action, c.scope === undefined ? { type: c.type } : { type: c.type, scope: c.scope });
      assert.deepStrictEqual(plan, nativeCases[i].plan, `${where}: the plan differs from the native command's`);
      assert.deepStrictEqual(plan, c.plan, `${where}: the plan differs from the fixture's`);
      for (const dialect of ["postgres", "sqlite"]) {
        const fragment = query.toSql(plan, fixture.columns, { dialect });
        assert.deepStrictEqual(fragment, nativeCases[i][dialect], `${where}: ${dialect} SQL differs from the native command's`);
        assert.deepStrictEqual(fragment, c[dialect], `${where}: ${dialect} SQL differs from the fixture's`);
      }
      // The rows selected are the fixture's, by SQL, by the MongoDB filter and by `filter`.
      const rows = fixture.rows.filter((r) => r.type === c.type);
      const ids = (ns) => ns.map((n) => rows[n].id);
      const columns = {
        scope: "scope",
        scope_level: "scope_level",
        attributes: Object.fromEntries(Object.keys(fixture.columns.attributes).map((a) => [a, a === "id" ? "rid" : column(a)])),
      };
      assert.deepStrictEqual(ids(table.select(rows, query.toSql(plan, columns, { dialect: "sqlite" }), root)), c.visible, `${where}: SQLite rows`);
      const mongo = new mingo.Query(query.toMongo(plan, columns));
      assert.deepStrictEqual(rows.filter((r, n) => mongo.test(mongoDocument(r, n, root))).map((r) => r.id), c.visible, `${where}: MongoDB documents`);
      const prisma = query.toPrisma(plan, columns, { fields: FIELD_REFS });
      assert.deepStrictEqual(rows.filter((r) => prismaHolds(prisma, prismaRow(r, root))).map((r) => r.id), c.visible, `${where}: Prisma rows`);
      assert.deepStrictEqual(session.filter(c.action, rows).map((r) => r.id), c.visible, `${where}: filter`);
      session.free();
      cases++;
    });
    policy.free();
  }
  assert.ok(cases >= 15, `${cases} fixture cases`);
  console.log(`plan fixtures: ${cases} cases, plans and SQL (postgres, sqlite) as native, rows as the fixtures'`);
});

// ---------------------------------------------------------------------------------------
// 2. Random cases.

/** Every op a condition holds. */
function ops(c, seen = new Set()) {
  seen.add(c.op);
  if (c.args) c.args.forEach((a) => ops(a, seen));
  if (c.arg) ops(c.arg, seen);
  return seen;
}

/** Whether a condition compares an attribute with a whole list (no SQL, MongoDB or Prisma form). */
function comparesLists(c) {
  if (c.args) return c.args.some(comparesLists);
  if (c.arg) return comparesLists(c.arg);
  return c.op === "eq" && Array.isArray(c.value);
}

const CASES = 10_000;

test(`${CASES} random cases: SQLite's rows, mingo's documents, the Prisma model's rows and the condition itself all equal session.filter`, () => {
  const start = Number(process.env.PLAN_SEED ?? 1);
  const count = process.env.PLAN_SEED ? 1 : CASES;
  const table = openTable();
  const tally = new Map();
  const seen = (key) => tally.set(key, (tally.get(key) ?? 0) + 1);
  const presets = Object.keys(corpus.presets);
  const nativeSample = [];
  const began = Date.now();
  for (let seed = start; seed < start + count; seed++) {
    const g = generator(seed);
    const fromPreset = g.chance(25);
    const doc = fromPreset ? corpus.presets[g.pick(presets)] : randomPolicy(g);
    const t = tree(doc);
    const policy = api.Policy.fromObject(doc);
    const principal = randomPrincipal(g, doc, t);
    const tenant = randomTenant(g, doc);
    const session = policy.session(principal, tenant);
    const types = fromPreset ? ["number", "campaign", "project", "business", "table", "recording"] : ["number", "campaign"];
    const type = g.pick(types);
    const at = g.chance(40) ? "" : principal.roles.length && g.chance(50) ? g.pick(principal.roles).scope : scopeAt(g, t, g.pick(t.levels));
    // Most random actions are not the principal's: of up to four, the first whose plan is
    // a condition, else the last that allows some resource, else the last.
    const actions = Object.keys(doc.actions);
    let action;
    let plan;
    for (let tries = 0; tries < 4; tries++) {
      const a = g.pick(actions);
      const p = session.plan(a, { type, scope: at });
      if (plan === undefined || p.outcome !== "deny_all" || plan.outcome === "deny_all") [action, plan] = [a, p];
      if (p.outcome === "conditional") break;
    }
    const resources = Array.from({ length: 8 }, () => randomResource(g, doc, t, type, at));
    const context = () =>
      `seed ${seed} (replay: PLAN_SEED=${seed})\nplan ${JSON.stringify(plan)}\nprincipal ${JSON.stringify(principal)}\ntenant ${JSON.stringify(tenant)}\nresources ${JSON.stringify(resources)}\npolicy ${JSON.stringify(doc)}`;

    const allowed = new Set(session.filter(action, resources));
    const expected = resources.map((r, n) => n).filter((n) => within(resources[n].scope, plan.scope) && allowed.has(resources[n]));
    const direct = resources.map((r, n) => n).filter((n) => planAllows(plan, resources[n], t.root));
    assert.deepStrictEqual(direct, expected, `the condition evaluated directly\n${context()}`);

    seen(plan.outcome === "deny_all" ? `deny_all ${plan.reason}` : plan.outcome);
    if (plan.outcome === "conditional") for (const op of ops(plan.condition)) seen(`op ${op}`);
    for (const r of resources) seen(within(r.scope, plan.scope) ? "in scope" : "out of scope");

    let fragment;
    try {
      fragment = query.toSql(plan, COLUMNS, { dialect: "sqlite" });
    } catch (e) {
      // Only a whole list compared with a list attribute has no translation.
      assert.equal(e.code, "unsupported", `${e.message}\n${context()}`);
      assert.ok(plan.outcome === "conditional" && comparesLists(plan.condition), context());
      for (const translate of [() => query.toMongo(plan, COLUMNS), () => query.toPrisma(plan, COLUMNS, { fields: FIELD_REFS })]) {
        assert.throws(translate, (err) => err.code === "unsupported" && err.path === e.path, context());
      }
      seen("unsupported");
      session.free();
      policy.free();
      continue;
    }
    assert.deepStrictEqual(table.select(resources, fragment, t.root), expected, `SQLite rows\nsql ${fragment.sql}\nparams ${JSON.stringify(fragment.params)}\n${context()}`);
    // PostgreSQL's fragment: the same values, placeholders $1..$n (booleans stay booleans).
    const postgres = query.toSql(plan, COLUMNS, { dialect: "postgres" });
    assert.ok(!/\?/.test(postgres.sql.replace(/'[^']*'/g, "")), context());
    const filter = query.toMongo(plan, COLUMNS);
    const mongo = new mingo.Query(filter);
    const byMongo = resources.map((r, n) => n).filter((n) => mongo.test(mongoDocument(resources[n], n, t.root)));
    assert.deepStrictEqual(byMongo, expected, `MongoDB filter ${JSON.stringify(filter)}\n${context()}`);
    // A Prisma row has every list (an absent one is empty): it stands for the resource
    // with its absent lists empty, which is what its expected rows are decided on.
    const listed = resources.map((r) => ({ ...r, attrs: { ...r.attrs, ...Object.fromEntries(LISTS.filter((a) => r.attrs?.[a] == null).map((a) => [a, []])) } }));
    const allowedListed = new Set(session.filter(action, listed));
    const expectedPrisma = listed.map((r, n) => n).filter((n) => within(listed[n].scope, plan.scope) && allowedListed.has(listed[n]));
    const where = query.toPrisma(plan, COLUMNS, { fields: FIELD_REFS });
    const byPrisma = resources.map((r, n) => n).filter((n) => prismaHolds(where, prismaRow(resources[n], t.root)));
    assert.deepStrictEqual(byPrisma, expectedPrisma, `Prisma where ${JSON.stringify(where)}\n${context()}`);
    seen("translated");
    if (!fromPreset && plan.outcome === "conditional" && nativeSample.length < 60 && g.chance(30)) {
      nativeSample.push({ doc, principal, tenant, action, type, at, plan, sqlite: fragment, postgres });
    }
    session.free();
    policy.free();
  }
  const ms = Date.now() - began;
  console.log(`plans compared (${count} cases, ${ms} ms):`);
  for (const [key, n] of [...tally].sort()) console.log(`  ${key.padEnd(28)} ${n}`);
  globalThis.nativeSample = nativeSample;
  if (count === 1) return;
  // The comparison is only as good as the variety it saw.
  const at = (key) => tally.get(key) ?? 0;
  assert.ok(at("translated") >= 9_000, "translated");
  assert.ok(at("in scope") >= 40_000 && at("out of scope") >= 2_000, "scopes");
  assert.ok(at("conditional") >= 2_000 && at("allow_all") >= 500, "outcomes");
  for (const reason of ["not_member", "no_grant", "denied_by_rule", "condition_failed", "feature_disabled", "plan_required", "bad_scope"]) {
    assert.ok(at(`deny_all ${reason}`) >= 20, `deny_all ${reason}: ${at(`deny_all ${reason}`)}`);
  }
  for (const op of ["and", "or", "not", "present", "eq", "in", "contains", "eq_attr", "in_attr", "scope_in", "scope_is", "scope_level"]) {
    assert.ok(at(`op ${op}`) >= 50, `op ${op}: ${at(`op ${op}`)}`);
  }
});

test("a sample of the random plans: the native command gives the same plan and the same SQL, byte for byte", (t) => {
  const sample = globalThis.nativeSample ?? [];
  assert.ok(sample.length >= 40, `only ${sample.length} plans sampled`);
  assert.ok(existsSync(native), `the native command is not built at ${native}: \`cargo build -p rolegate-cli\`, or set ROLEGATE_BIN`);
  const dir = join(root, "target", "scratch", "plan");
  for (const [i, c] of sample.entries()) {
    const file = join(dir, `policy-${i}.json`);
    writeFileSync(file, JSON.stringify(c.doc));
    const args = ["plan", file, c.action, c.type, "-p", JSON.stringify(c.principal), "-t", JSON.stringify(c.tenant), "--scope", c.at, "--columns", JSON.stringify(COLUMNS)];
    for (const dialect of ["sqlite", "postgres"]) {
      const answer = JSON.parse(execFileSync(native, [...args, "--sql", dialect], { encoding: "utf8" }));
      assert.deepStrictEqual(answer.plan, c.plan, `native plan, case ${i}`);
      assert.deepStrictEqual({ sql: answer.sql, params: answer.params }, c[dialect], `native ${dialect} SQL, case ${i}`);
    }
  }
  console.log(`native command: ${sample.length} random plans, same plan and SQL in both dialects`);
});

// ---------------------------------------------------------------------------------------
// 3. Values that try to break out, and errors.

test("values with quotes, comments and unicode stay parameters, and select exactly their rows", () => {
  const policy = api.Policy.fromObject(corpus.presets.calilio);
  const hostile = ["o'brien\"; DROP TABLE t; --", "'; DELETE FROM t WHERE '1'='1", "é\u0000/* */", "\u202e$1 ?", "%_\\", "😀"];
  const table = openTable();
  const rows = hostile.flatMap((h, i) => [
    { type: "number", id: `n${i}`, scope: "org", attrs: { assignee: h } },
    { type: "number", id: `m${i}`, scope: "org", attrs: { assignee: `${h}x`, agents: [h] } },
  ]);
  const columns = { scope: "scope", attributes: { assignee: column("assignee"), agents: column("agents"), id: "rid" } };
  for (const h of hostile) {
    const session = policy.session({ id: h, roles: [{ role: "member", scope: "org" }] }, { id: "acme" });
    for (const [action, type] of [["number.view", "number"], ["campaign.participate", "campaign"]]) {
      const plan = session.plan(action, { type });
      assert.equal(plan.outcome, "conditional", JSON.stringify(plan));
      for (const dialect of ["postgres", "sqlite"]) {
        const { sql, params } = query.toSql(plan, columns, { dialect });
        assert.ok(params.includes(h), `${JSON.stringify(h)} is a parameter`);
        for (const piece of ["'", '"', "--", "/*", "DROP", "DELETE", "\u0000", "\u202e", "😀", "%"]) {
          assert.ok(!sql.includes(piece), `${dialect}: ${JSON.stringify(piece)} reached the SQL text: ${sql}`);
        }
      }
      const typed = rows.map((r) => ({ ...r, type }));
      const fragment = query.toSql(plan, columns, { dialect: "sqlite" });
      const expected = session.filter(action, typed).map((r) => r.id);
      assert.ok(expected.length === 1, `${JSON.stringify(h)}: ${expected}`);
      assert.deepStrictEqual(table.select(typed, fragment, "org").map((n) => typed[n].id), expected);
      const mongo = new mingo.Query(query.toMongo(plan, columns));
      assert.deepStrictEqual(typed.filter((r, n) => mongo.test(mongoDocument(r, n, "org"))).map((r) => r.id), expected);
    }
    session.free();
  }
  assert.equal(table.db.prepare("SELECT count(*) FROM t").pluck().get(), rows.length, "the table is still there, with its rows");
  policy.free();
});

test("scope ids that look like patterns select their own scope only, in SQLite, MongoDB and the Prisma model", () => {
  const policy = api.Policy.fromObject({
    version: 1,
    name: "patterns",
    scopes: { org: {}, workspace: { parent: "org" }, project: { parent: "workspace" } },
    actions: { "table.view": { scope: "project" } },
    roles: { viewer: { scope: "workspace", cascade: true, allow: ["table.view"] } },
  });
  const ids = ["w_1", "w%1", "W_1", "w\\1", "w.1", "w[1]", "w(1|2)", "w*", "w1", "wX1", "w%", "w_", "w"];
  const rows = ids.map((id) => ({ type: "table", id, scope: `workspace:${id}/project:p` }));
  const table = openTable();
  const columns = { scope: "scope", attributes: { id: "rid" } };
  for (const id of ids) {
    const session = policy.session({ id: "u1", roles: [{ role: "viewer", scope: `workspace:${id}` }] }, { id: "acme" });
    const plan = session.plan("table.view", { type: "table" });
    assert.deepStrictEqual(session.filter("table.view", rows).map((r) => r.id), [id]);
    const sqlite = table.select(rows, query.toSql(plan, columns, { dialect: "sqlite" }), "org").map((n) => rows[n].id);
    assert.deepStrictEqual(sqlite, [id], `SQLite, ${id}: ${JSON.stringify(plan)}`);
    const mongo = new mingo.Query(query.toMongo(plan, columns));
    assert.deepStrictEqual(rows.filter((r, n) => mongo.test(mongoDocument(r, n, "org"))).map((r) => r.id), [id], `MongoDB, ${id}`);
    const where = query.toPrisma(plan, columns);
    assert.deepStrictEqual(rows.filter((r) => prismaHolds(where, prismaRow(r, "org"))).map((r) => r.id), [id], `Prisma, ${id}`);
    session.free();
  }
  policy.free();
});

test("translation errors: the code and the path of the Rust translator, as RolegateError, never a filter that allows", () => {
  const calilio = api.Policy.fromObject(corpus.presets.calilio);
  const member = calilio.session({ id: "u2", roles: [{ role: "member", scope: "org" }] }, { id: "acme" });
  const plan = member.plan("number.view", { type: "number" });
  const expectError = (fn, code, path) =>
    assert.throws(fn, (e) => {
      assert.ok(e instanceof api.RolegateError, `${e} is a RolegateError`);
      assert.equal(e.name, "RolegateError");
      assert.equal(e.code, code, e.message);
      assert.equal(e.path, path, e.message);
      return true;
    });
  for (const translate of [
    (p, c) => query.toSql(p, c),
    (p, c) => query.toSql(p, c, { dialect: "sqlite" }),
    (p, c) => query.toMongo(p, c),
    (p, c) => query.toPrisma(p, c),
    (p, c) => queryCjs.toSql(p, c),
  ]) {
    // An attribute the map does not name.
    expectError(() => translate(plan, { scope: "scope", attributes: { id: "id" } }), "unmapped_attribute", "condition.attr");
    // A plan below the tenant needs the scope column, even when it allows every row.
    const admin = calilio.session({ id: "u9", roles: [{ role: "admin", scope: "org" }] }, { id: "acme" });
    const all = admin.plan("number.view", { type: "number" });
    assert.equal(all.outcome, "allow_all");
    const below = { ...all, scope: "workspace:w1" };
    expectError(() => translate(below, { attributes: {} }), "unmapped_scope", "scope");
    // Deeper paths, as the engine writes them.
    const nested = { ...plan, condition: { op: "or", args: [{ op: "scope_is", scope: "org" }, { op: "not", arg: { op: "eq_attr", attr: "assignee", other: "owner" } }] } };
    expectError(() => translate(nested, { scope: "scope", attributes: { assignee: "a" } }), "unmapped_attribute", "condition.args[1].arg.other");
    expectError(() => translate(nested, { attributes: { assignee: "a", owner: "o" } }), "unmapped_scope", "condition.args[0].scope");
    const levels = { ...plan, condition: { op: "scope_level", levels: ["workspace"] } };
    expectError(() => translate(levels, { scope: "scope" }), "unmapped_scope", "condition.levels");
    const list = { ...plan, condition: { op: "and", args: [{ op: "scope_is", scope: "org" }, { op: "eq", attr: "tags", value: ["a"] }] } };
    expectError(() => translate(list, { scope: "scope", attributes: { tags: "tags" } }), "unsupported", "condition.args[1].value");
    // What is not a column map, or not a plan: bad input, at its field.
    expectError(() => translate(plan, { attributes: { assignee: "x; DROP TABLE t" } }), "bad_input", "columns.attributes.assignee");
    expectError(() => translate(plan, { scope: "scope", extra: 1 }), "bad_input", "columns.extra");
    expectError(() => translate(plan, null), "bad_input", "columns");
    expectError(() => translate({ ...plan, outcome: "maybe" }, { attributes: { assignee: "a" } }), "bad_input", "outcome");
    expectError(() => translate({ ...plan, condition: { op: "like", attr: "assignee" } }, { attributes: { assignee: "a" } }), "bad_input", "condition.op");
    expectError(() => translate({ ...plan, condition: { op: "or", args: [] } }, { attributes: { assignee: "a" } }), "bad_input", "condition.args");
    expectError(() => translate({ ...plan, condition: { op: "eq", attr: "assignee", value: { $ne: 1 } } }, { attributes: { assignee: "a" } }), "bad_input", "condition.value");
    admin.free();
  }
  // Prisma compares two fields through the model's field references only.
  const pair = { ...plan, condition: { op: "eq_attr", attr: "assignee", other: "owner" } };
  expectError(() => query.toPrisma(pair, { attributes: { assignee: "a", owner: "o" } }), "unsupported", "condition.other");
  expectError(() => query.toPrisma(plan, { attributes: { assignee: "t.a" } }), "bad_input", "columns.attributes.assignee");
  expectError(() => query.toSql(plan, { attributes: { assignee: "a" } }, { dialect: "mysql" }), "bad_input", "dialect");
  // The CommonJS and ES module entries are one implementation, throwing the one same class.
  assert.equal(query.toSql, queryCjs.toSql);
  assert.throws(() => queryCjs.toSql(plan, {}), api.RolegateError);
  member.free();
  calilio.free();
});

test("session.plan: bad input and scopes are RolegateErrors with code and path; the page module leaves plans out", () => {
  const policy = api.Policy.fromObject(corpus.presets["project-members"]);
  const session = policy.session({ id: "u1", roles: [{ role: "viewer", scope: "project:p1" }] }, { id: "acme" });
  const expectError = (fn, code, path) => assert.throws(fn, (e) => e instanceof api.RolegateError && e.code === code && e.path === path);
  expectError(() => session.plan("table.view", { type: "table", scope: "project:p1/" }), "bad_scope", "scope");
  expectError(() => session.plan("table.view", { type: "table", scope: "nowhere:x" }), "bad_scope", "scope");
  expectError(() => session.plan("table.view", { type: 3 }), "bad_input", "type");
  expectError(() => session.plan("table.view", { type: "table", scope: 1 }), "bad_input", "scope");
  expectError(() => session.plan("table.view", { type: "table", where: 1 }), "bad_input", "where");
  expectError(() => session.plan("table.view"), "bad_input", "type");
  expectError(() => session.plan(7, { type: "table" }), "bad_input", "action");
  // An action the catalog does not have: every resource denied, as check denies it.
  assert.deepStrictEqual(session.plan("no.such", { type: "table" }), { action: "no.such", type: "table", scope: "org", outcome: "deny_all", effect: "deny", reason: "unknown_action" });
  session.free();
  expectError(() => session.plan("table.view", { type: "table" }), "freed", "");
  policy.free();
  // The page module (what `rolegate` is in browsers) decides, and does not plan.
  assert.equal(page.features.full, false);
  const pagePolicy = page.Policy.load(fromBase64(corpus.artifacts["project-members"]));
  const pageSession = pagePolicy.session({ id: "u1", roles: [{ role: "viewer", scope: "project:p1" }] }, { id: "acme" });
  assert.equal(pageSession.can("table.view", "project:p1"), true);
  assert.throws(() => pageSession.plan("table.view", { type: "table" }), (e) => e instanceof page.RolegateError && e.code === "unsupported" && /rolegate\/full/.test(e.message));
  pagePolicy.free();
});

test("the README's and docs/PLANS.md's JavaScript example runs as written", async () => {
  const text = readFileSync(join(root, "docs", "PLANS.md"), "utf8");
  const block = text.match(/```js\n([\s\S]*?)```/);
  assert.ok(block, "docs/PLANS.md has a ```js example");
  const readme = readFileSync(join(root, "README.md"), "utf8");
  assert.ok(readme.includes(block[0]), "README.md shows docs/PLANS.md's JavaScript example verbatim");
  const file = join(root, "target", "scratch", "plan", "example.mjs");
  writeFileSync(file, `${block[1]}\nexport { fragment, filter, where };\n`);
  const example = await import(pathToFileURL(file).href);
  assert.deepStrictEqual(example.fragment, { sql: "(assignee_id IS NOT NULL AND assignee_id = $1)", params: ["u2"] });
  assert.deepStrictEqual(example.filter, { assignee_id: { $eq: "u2" } });
  assert.deepStrictEqual(example.where, { assignee_id: { equals: "u2" } });
});
