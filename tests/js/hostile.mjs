// The hostile-input corpus (tests/fixtures/hostile/) through the package's public API, in
// any runtime: Node imports this module, pages fetch it. Each case gets the coded error its
// file states, or the decision the native engine gives for the same JSON (precomputed by
// tests/js/prepare.mjs with `rolegate batch`); never anything else, never an allow the
// native engine does not give. Also: the wasm instance stays healthy (known-good checks
// interleaved with every kind of erroring call), and Object.prototype stays as it was.

/** Expands a fixture value's templates (tests/fixtures/README.md), as tests/hostile.rs does. */
export function expand(value) {
  if (Array.isArray(value)) return value.map(expand);
  if (value === null || typeof value !== "object") return value;
  if ("$repeat" in value) return expand(value.$repeat).repeat(value.times);
  if ("$list" in value) return Array.from({ length: value.times }, () => expand(value.$list));
  if ("$nest" in value) {
    let v = expand(value.inner);
    for (let i = 0; i < value.$nest; i++) v = [v];
    return v;
  }
  if ("$object" in value) {
    const { prefix, times, value: v } = value.$object;
    const p = expand(prefix);
    const out = {};
    const item = expand(v);
    for (let i = 0; i < times; i++) out[`${p}${i}`] = item;
    return out;
  }
  if ("$concat" in value) return value.$concat.map(expand).join("");
  if ("$number" in value) return Number(value.$number);
  if ("$surrogate" in value) return String.fromCharCode(parseInt(value.$surrogate, 16));
  const out = {};
  for (const key of Object.keys(value)) {
    if (key.startsWith("$")) throw new Error(`a template this runner does not know: ${key}`);
    // defineProperty: a fixture's `__proto__` key is an own property, as JSON.parse makes it.
    Object.defineProperty(out, key, { value: expand(value[key]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const inJs = (c) => !c.runtimes || c.runtimes.includes("js");

/** A case's inputs, expanded (named principals, tenants and resources resolved). */
export function inputs(file, c) {
  const pick = (section, v) => (typeof v === "string" && file[section] ? file[section][v] : v);
  return {
    principal: expand(pick("principals", c.principal)),
    tenant: expand(pick("tenants", c.tenant)),
    action: c.action,
    resource: c.resource === undefined ? undefined : expand(pick("resources", c.resource)),
  };
}

/** Which request cases the native engine decides for the JavaScript runners: index -> inputs. */
export function nativeRequests(file) {
  const out = [];
  file.cases.forEach((c, i) => {
    if (inJs(c) && (c.expect_js ?? c.expect) === "reference") out.push([i, inputs(file, c)]);
  });
  return out;
}

function describeError(e) {
  return e && e.name === "RolegateError" ? `${e.code} at \`${e.path}\`: ${String(e.message).slice(0, 160)}` : String(e && e.stack || e).slice(0, 400);
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Runs the document cases with `api` (a module that compiles text); TOML cases run where the
 * module reads TOML. Returns `{ cases, skipped, failures }`.
 */
export function runDocuments(api, file) {
  const failures = [];
  let cases = 0;
  let skipped = 0;
  for (const c of file.cases) {
    if (!inJs(c)) continue;
    let policy;
    let error;
    try {
      if (c.format === "toml") policy = api.Policy.fromToml(expand(c.text));
      else if (c.text !== undefined) policy = api.Policy.fromJson(expand(c.text));
      else policy = api.Policy.fromObject(expand(c.document));
    } catch (e) {
      error = e;
    }
    if (c.format === "toml" && error?.code === "unsupported") {
      skipped += 1; // a module that reads JSON only
      continue;
    }
    cases += 1;
    const expect = expand(c.expect_js ?? c.expect);
    if (expect === "compiles") {
      if (error) failures.push(`${c.name}: refused, ${describeError(error)}`);
      else {
        const again = api.Policy.load(policy.build());
        if (again.fingerprint !== policy.fingerprint) failures.push(`${c.name}: the artifact loads another policy`);
        again.free();
        policy.free();
      }
    } else if (!error) {
      failures.push(`${c.name}: compiled, expected ${JSON.stringify(expect).slice(0, 200)}`);
      policy.free();
    } else if (error.name !== "RolegateError" || error.code !== expect.error.code || error.path !== expect.error.path) {
      failures.push(`${c.name}: expected ${expect.error.code} at \`${String(expect.error.path).slice(0, 80)}\`, got ${describeError(error)}`);
    }
  }
  return { cases, skipped, failures };
}

/**
 * Runs a request file's cases with `policy` (compiled or loaded in `api`'s module) against
 * `native` (index -> the native decision). Returns `{ cases, failures }`.
 */
export function runRequests(policy, file, native) {
  const failures = [];
  let cases = 0;
  file.cases.forEach((c, i) => {
    if (!inJs(c)) return;
    cases += 1;
    const { principal, tenant, action, resource } = inputs(file, c);
    const expect = expand(c.expect_js ?? c.expect);
    let decision;
    let error;
    try {
      const session = policy.session(principal, tenant, { strict: true }); // the corpus states the engine's refusals
      try {
        decision = session.check(action, resource);
        // Every entry point agrees: `can`, the map of `permissions`, `explain`.
        if (session.can(action, resource) !== decision.allowed) failures.push(`${c.name}: can disagrees with check`);
        const explained = session.explain ? safe(() => session.explain(action, resource)) : undefined;
        if (explained && !explained.error && !same(explained.decision, decision)) {
          failures.push(`${c.name}: explain decides ${JSON.stringify(explained.decision)}`);
        }
      } finally {
        session.free();
      }
    } catch (e) {
      error = e;
    }
    if (expect === "reference") {
      const want = native[i];
      if (error) failures.push(`${c.name}: ${describeError(error)}, the native engine decides ${JSON.stringify(want)}`);
      else if (!same(decision, want)) failures.push(`${c.name}: ${JSON.stringify(decision)}, the native engine: ${JSON.stringify(want)}`);
      else if (c.never_allowed && decision.allowed) failures.push(`${c.name}: allowed`);
    } else if (!error) {
      failures.push(`${c.name}: decided ${JSON.stringify(decision)}, expected ${JSON.stringify(expect).slice(0, 200)}`);
    } else if (error.name !== "RolegateError" || error.code !== expect.error.code || error.path !== expect.error.path) {
      failures.push(`${c.name}: expected ${expect.error.code} at \`${expect.error.path}\`, got ${describeError(error)}`);
    }
  });
  return { cases, failures };
}

function safe(f) {
  try {
    return f();
  } catch (e) {
    return { error: e };
  }
}

/** What Object.prototype, Array.prototype and Function.prototype hold, to compare later. */
export function prototypes() {
  const out = {};
  for (const [name, proto] of [["Object", Object.prototype], ["Array", Array.prototype], ["Function", Function.prototype], ["String", String.prototype]]) {
    out[name] = Reflect.ownKeys(proto)
      .map((k) => {
        const d = Object.getOwnPropertyDescriptor(proto, k);
        return `${String(k)}:${typeof d.value}:${d.get ? "get" : ""}:${d.writable}:${d.enumerable}`;
      })
      .sort();
    out[`${name}.proto`] = Object.getPrototypeOf(proto) === null ? "null" : "set";
  }
  out.plain = ({}).polluted === undefined && Object.keys({}).length === 0 ? "clean" : "polluted";
  return out;
}

/**
 * The instance stays healthy: every kind of erroring call (bad inputs, limits, freed
 * objects, hostile values), each followed by known-good checks whose answers must not
 * change. `api` compiles text when `text` is true; `policy` is a good policy of its module
 * with the role `__proto__` (tests/fixtures/hostile/requests.json). Returns failures.
 */
export function runHealth(api, policy, { text }) {
  const failures = [];
  const good = policy.session({ id: "u1", roles: [{ role: "__proto__", scope: "org" }] }, { id: "acme" });
  const known = [
    ["__proto__.view", undefined],
    ["doc.view", { scope: "org", attrs: { ["__proto__"]: "x" } }],
    ["constructor.edit", { scope: "__proto__:x" }],
    ["nope.nope", "org"],
  ];
  const expected = known.map(([a, r]) => JSON.stringify(good.check(a, r)));
  const freshExpected = JSON.stringify(good.permissions("org"));
  const check = (label) => {
    known.forEach(([a, r], i) => {
      const got = JSON.stringify(good.check(a, r));
      if (got !== expected[i]) failures.push(`after ${label}: ${a} is ${got}, was ${expected[i]}`);
    });
    // A new session of the same policy, and a new policy, answer the same.
    const s = policy.session({ id: "u1", roles: [{ role: "__proto__", scope: "org" }] }, { id: "acme" });
    const got = JSON.stringify(s.permissions("org"));
    if (got !== freshExpected) failures.push(`after ${label}: a new session's permissions differ`);
    s.free();
  };
  const bad = [
    ["a principal that is a number", () => policy.session(7, { id: "t" })],
    ["a principal over the roles limit", () => policy.session({ id: "u", roles: Array.from({ length: 10001 }, () => ({ role: "__proto__" })) }, { id: "t" })],
    ["a principal of 5 MB", () => policy.session({ id: "x".repeat(5 << 20) }, { id: "t" })],
    ["an unknown role", () => policy.session({ id: "u", roles: [{ role: "nope" }] }, { id: "t" })],
    ["a cyclic principal", () => { const p = { id: "u" }; p.attrs = { self: p }; return policy.session(p, { id: "t" }); }],
    ["a getter", () => policy.session({ get id() { return "u"; } }, { id: "t" })],
    ["a Proxy", () => policy.session(new Proxy({ id: "u" }, {}), { id: "t" })],
    ["NaN", () => good.check("doc.view", { scope: "org", attrs: { constructor: NaN } })],
    ["a lone surrogate", () => good.check("doc.view", { scope: "org", id: "\ud800" })],
    ["a resource attribute over the limit", () => good.check("doc.view", { scope: "org", attrs: { ["__proto__"]: "s".repeat(4097) } })],
    ["an attribute of the wrong type", () => good.check("doc.view", { scope: "org", attrs: { constructor: "1" } })],
    ["a resource of 5 MB", () => good.check("doc.view", { scope: "org", attrs: { a: "s".repeat(5 << 20) } })],
    ["a scope of 2 MB", () => good.check("doc.view", "workspace:" + "w".repeat(2 << 20))],
    ["a BigInt", () => good.check("doc.view", { scope: "org", attrs: { n: 1n } })],
    ["a Symbol action", () => good.check(Symbol("x"))],
    ["a freed session", () => { const s = policy.session({ id: "u" }, { id: "t" }); s.free(); return s.check("doc.view"); }],
    ["an artifact of garbage", () => api.Policy.load(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))],
    ["an artifact of 100,000 zero bytes", () => api.Policy.load(new Uint8Array(100000))],
    ["a truncated artifact", () => api.Policy.load(policy.build ? policy.build().slice(0, 50) : new Uint8Array(50))],
  ];
  if (text) {
    bad.push(
      ["a policy of 5 MB", () => api.Policy.fromJson(`{"version":1,"description":"${"x".repeat(5 << 20)}"}`)],
      ["a policy nested 100,000 deep", () => api.Policy.fromJson(`${"[".repeat(100000)}${"]".repeat(100000)}`)],
      ["a policy with 10,001 actions", () => api.Policy.fromObject({ version: 1, scopes: { org: {} }, actions: Object.fromEntries(Array.from({ length: 10001 }, (_, i) => [`a.x${i}`, { scope: "org" }])) })],
      ["a condition nested 2,000 deep", () => api.Policy.fromObject({ version: 1, scopes: { org: {} }, attributes: { resource: { n: "number" } }, actions: { "a.b": { scope: "org" } }, roles: { r: { scope: "org" } }, rules: { x: { effect: "allow", roles: ["r"], actions: ["a.b"], when: `${"(".repeat(2000)}resource.n == 1${")".repeat(2000)}` } } })],
      ["a policy with a lone surrogate", () => api.Policy.fromJson('{"version":1,"name":"\ud800","scopes":{"org":{}}}')],
      ["a freed policy", () => { const p = api.Policy.fromObject({ version: 1, scopes: { org: {} } }); p.free(); return p.session({ id: "u" }, { id: "t" }); }],
    );
  }
  for (const [label, call] of bad) {
    let error;
    try {
      const out = call();
      // A call that answers must answer with a decision that denies (these are all bad).
      if (out && typeof out === "object" && "allowed" in out && out.allowed) failures.push(`${label}: allowed`);
    } catch (e) {
      error = e;
    }
    if (error && error.name !== "RolegateError") failures.push(`${label}: threw ${describeError(error)}`);
    check(label);
  }
  good.free();
  return failures;
}

/**
 * A real trap, and what follows it: `raw` is a module built with the feature `debug-trap`
 * (tests/js/trap.mjs) and `api` the package's API over it (`createApi(raw)`), `artifact`
 * the bytes of tests/fixtures/hostile/requests.json's policy. The call that traps is a
 * RolegateError `trapped`; the objects made before refuse every call (`trapped`); new
 * policies decide as before, over a fresh instance, healthy through every kind of erroring
 * call; and this holds trap after trap. Returns failures (and, in `seen`, what a trap does
 * to a raw instance that nobody restarts).
 */
export function runTrap(api, raw, artifact) {
  const failures = [];
  const seen = {};
  const principal = { id: "u1", roles: [{ role: "__proto__", scope: "org" }] };
  const tenant = { id: "acme", features: ["__proto__"] };
  const asks = [
    ["__proto__.view", undefined],
    ["doc.view", { scope: "org", id: "d1", attrs: { ["__proto__"]: "k" } }],
    ["constructor.edit", { scope: "__proto__:x" }],
    ["prototype.run", "org"],
  ];
  const answers = (session) => JSON.stringify(asks.map(([a, r]) => session.check(a, r)));
  const first = api.Policy.load(artifact);
  const baseline = answers(first.session(principal, tenant));
  const expectTrapped = (label, f) => {
    try {
      f();
      failures.push(`${label}: answered`);
    } catch (e) {
      if (e.name !== "RolegateError" || e.code !== "trapped") failures.push(`${label}: threw ${e.name} ${e.code}: ${e.message}`);
    }
  };
  let policy = first;
  for (let round = 0; round < 3; round++) {
    const session = policy.session(principal, tenant);
    if (answers(session) !== baseline) failures.push(`round ${round}: the answers before the trap differ`);
    raw.__armTrap(1 + round);
    // Decisions that cross into wasm until the armed one traps (a resource with
    // attributes and no id: decided by the engine, not by the action's program in
    // JavaScript).
    let trapped;
    for (let i = 0; i < 10 && !trapped; i++) {
      try {
        session.check("doc.view", { scope: `__proto__:t${round}-${i}`, attrs: { ["__proto__"]: "k" } });
      } catch (e) {
        trapped = e;
      }
    }
    if (!trapped) raw.__armTrap(0);
    if (!trapped || trapped.code !== "trapped" || !/restarted/.test(trapped.message)) {
      failures.push(`round ${round}: the trap was ${trapped ? `${trapped.name} ${trapped.code}: ${trapped.message}` : "never met"}`);
    }
    expectTrapped(`round ${round}: the session of the trapped instance`, () => session.check("__proto__.view"));
    expectTrapped(`round ${round}: the policy of the trapped instance`, () => policy.session(principal, tenant));
    expectTrapped(`round ${round}: the first policy`, () => first.session(principal, tenant));
    session.free(); // an object of the old instance is dropped, nothing freed in the new one
    // A policy loaded now lives in the new instance and answers as before.
    policy = api.Policy.load(artifact);
    const fresh = policy.session(principal, tenant);
    if (answers(fresh) !== baseline) failures.push(`round ${round}: the answers after the trap differ`);
    failures.push(...runHealth(api, policy, { text: false }).map((f) => `round ${round}, health: ${f}`));
    fresh.free();
  }
  // What a trap does to an instance that is not replaced (the raw module, without the
  // package's JavaScript): the object whose call trapped stays borrowed forever.
  const rawPolicy = raw.RawPolicy.load(artifact);
  const rawSession = rawPolicy.session(JSON.stringify(principal), JSON.stringify(tenant));
  const scope = rawSession.scope("org", 0);
  raw.__armTrap(1);
  try {
    rawSession.checkParts(0, scope);
  } catch (e) {
    seen.trap = `${e.constructor.name}: ${e.message}`;
  }
  try {
    rawSession.checkParts(0, scope);
    seen.after = "answered";
  } catch (e) {
    seen.after = `${e.constructor.name}: ${e.message}`;
  }
  return { failures, seen };
}
