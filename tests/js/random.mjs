// Random policies, principals, tenants and resources for the JavaScript property tests
// (plan.test.mjs, conditions.test.mjs): the Rust property tests' generator (tests/random),
// as JSON documents, seeded.

/** The level name of a scope text (`root` for the root). */
export function levelOf(scope, root) {
  if (!scope.includes(":")) return root;
  const last = scope.slice(scope.lastIndexOf("/") + 1);
  return last.slice(0, last.indexOf(":"));
}

/** A small seeded generator (mulberry32): the same seed gives the same cases. */
export function generator(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const g = {
    below: (n) => Math.floor(next() * n),
    chance: (percent) => next() * 100 < percent,
    pick: (items) => items[g.below(items.length)],
  };
  return g;
}

/** Values that try to break out of SQL, of a pattern and of a regular expression. */
export const HOSTILE = ["u1", "u2", "a'b", 'x"; DROP TABLE t; --', "é/*", "U1", "50%_\\", "^(.*)$"];
/** Scope ids: a few, so that resources meet assignments, and some that look like patterns. */
export const IDS = ["0", "1", "0", "1", "_", "%", "'0", "X"];

/** The scope levels of a policy document: name -> parent, and the root. */
export function tree(doc) {
  const parents = Object.fromEntries(Object.entries(doc.scopes).map(([l, s]) => [l, s.parent ?? null]));
  const root = Object.keys(parents).find((l) => parents[l] === null);
  return { parents, root, levels: Object.keys(parents) };
}

/** A scope at `level`: its path from the root, ids from IDS. */
export function scopeAt(g, t, level) {
  if (level === t.root) return g.chance(50) ? t.root : "";
  const path = [];
  for (let l = level; l !== t.root; l = t.parents[l]) path.unshift(`${l}:${l[0]}${g.pick(IDS)}`);
  return path.join("/");
}

/** A random policy: the Rust property tests' generator (tests/random), as a JSON document. */
export const CONDITIONS = [
  "resource.assignee == principal.id",
  "resource.owner != principal.id",
  "resource.level in [1, 3]",
  "principal.id in resource.tags",
  "resource.locked",
  "!resource.locked",
  "resource.assignee == resource.owner",
  "resource.assignee in resource.tags",
  "(resource.level == 2) == resource.locked",
  '(resource.level == 1) != (principal.dept == "sales")',
  'resource.id == "x1" || resource.id != "x2" && resource.level != 0',
  'resource.type == "number" && resource.assignee != "u1"',
  'principal.dept == "sales" || resource.assignee != "u1"',
  '"f0" in tenant.features && resource.level != 2',
  "resource.level in principal.levels",
  'resource.tags == ["u1", "a\'b"]',
  'principal.dept == "sales"',
  '!(tenant.tier == "gold") || resource.owner == "u1"',
  "resource has owner && resource.owner != principal.id",
  "!(resource has locked) || resource.level == 1",
  "principal has dept && !(resource.assignee == principal.id)",
  '"u1" in resource.tags || !(principal.id in resource.tags)',
  "resource.assignee == resource.owner || !(resource.owner in resource.tags)",
];

export function randomPolicy(g) {
  const levels = [["org", null], ["workspace", "org"], ["project", "workspace"], ["team", "org"]];
  const doc = {
    version: 1,
    name: "random",
    scopes: Object.fromEntries(levels.map(([l, p]) => [l, p ? { parent: p } : {}])),
    features: { f0: { hint: "turn f0 on" }, f1: {} },
    plans: { p0: { label: "Plan Zero", features: ["f0"] }, p1: {} },
    attributes: {
      principal: { dept: "string", levels: "number[]" },
      resource: { assignee: "string", level: "number", owner: "string", locked: "bool", tags: "string[]" },
      tenant: { tier: "string" },
    },
    actions: {},
    roles: {},
    rules: {},
  };
  const within = (level, ancestor) => {
    for (let l = level; l; l = levels.find(([x]) => x === l)[1]) if (l === ancestor) return true;
    return false;
  };
  const count = 2 + g.below(10);
  for (let i = 0; i < count; i++) {
    const action = { scope: g.pick(levels)[0] };
    const tags = [];
    if (g.chance(40)) tags.push("write");
    if (g.chance(20)) tags.push("sensitive");
    if (tags.length) action.tags = tags;
    if (g.chance(20)) action.feature = g.pick(["f0", "f1"]);
    if (g.chance(15)) action.plans = [g.pick(["p0", "p1"])];
    if (g.chance(10)) action.hint = "custom hint";
    doc.actions[`r${g.below(3)}.v${i}`] = action;
  }
  const names = Object.keys(doc.actions);
  const rootActions = names.filter((n) => doc.actions[n].scope === "org");
  for (const [name, feature] of Object.entries(doc.features)) {
    if (rootActions.length && g.chance(70)) {
      feature.enable = g.pick(rootActions);
      feature.enable_hint = `you may enable ${name}`;
    }
  }
  const patterns = () => {
    const out = [];
    for (let k = 0, n = 1 + g.below(2); k < n; k++) {
      const name = g.pick(names);
      const a = doc.actions[name];
      const roll = g.below(10);
      out.push(roll === 0 ? "*" : roll <= 2 ? `${name.split(".")[0]}.*` : roll === 3 && a.tags ? `tag:${a.tags[0]}` : name);
    }
    return out;
  };
  const roleCount = 1 + g.below(5);
  for (let i = 0; i < roleCount; i++) {
    const level = g.pick(levels)[0];
    const includes = Object.entries(doc.roles)
      .filter(([, r]) => within(r.scope, level) && g.chance(30))
      .map(([n]) => n);
    const role = { scope: level, cascade: g.chance(50) };
    if (includes.length) role.includes = includes;
    if (g.chance(75)) role.allow = patterns();
    doc.roles[`role${i}`] = role;
  }
  for (let i = 0, n = g.below(5); i < n; i++) {
    const rule = {
      effect: g.chance(40) ? "deny" : "allow",
      roles: g.chance(20) ? ["*"] : [`role${g.below(roleCount)}`],
      actions: patterns(),
    };
    if (g.chance(70)) rule.when = g.pick(CONDITIONS);
    doc.rules[`rule${i}`] = rule;
  }
  return doc;
}

/** A random value of an attribute type. */
export function randomValue(g, type) {
  switch (type) {
    case "string":
      return g.pick(HOSTILE);
    case "number":
      return g.below(4);
    case "bool":
      return g.chance(50);
    case "string[]":
      return Array.from({ length: g.below(3) }, () => g.pick(HOSTILE));
    case "number[]":
      return Array.from({ length: g.below(3) }, () => g.below(4));
    default:
      throw new Error(`attribute type ${type}`);
  }
}

export function randomAttrs(g, declared) {
  const attrs = {};
  for (const [name, type] of Object.entries(declared ?? {})) {
    if (g.chance(55)) attrs[name] = randomValue(g, type);
    else if (g.chance(10)) attrs[name] = null;
  }
  return attrs;
}

export function randomPrincipal(g, doc, t) {
  const roles = [];
  const names = Object.keys(doc.roles);
  for (let i = 0, n = g.below(4); i < n; i++) {
    const role = g.pick(names);
    roles.push({ role, scope: scopeAt(g, t, doc.roles[role].scope ?? t.root) });
  }
  const attrs = randomAttrs(g, doc.attributes?.principal);
  return { id: g.pick(HOSTILE), roles, attrs };
}

export function randomTenant(g, doc) {
  const tenant = { id: "acme", features: Object.keys(doc.features ?? {}).filter(() => g.chance(40)) };
  const plans = Object.keys(doc.plans ?? {});
  if (plans.length && g.below(3) > 0) tenant.plan = g.pick(plans);
  tenant.attrs = randomAttrs(g, doc.attributes?.tenant);
  return tenant;
}

/** A resource of `type`, often at or below `at`. */
export function randomResource(g, doc, t, type, at) {
  let scope = scopeAt(g, t, g.pick(t.levels));
  if (at.includes(":") && g.chance(70)) {
    const below = t.levels.filter((l) => t.parents[l] === levelOf(at, t.root));
    scope = g.chance(40) || !below.length ? at : `${at}/${scopeAt(g, t, g.pick(below)).split("/").at(-1)}`;
  }
  const r = { type, scope, attrs: randomAttrs(g, doc.attributes?.resource) };
  if (g.chance(90)) r.id = `x${g.below(3)}`;
  return r;
}
