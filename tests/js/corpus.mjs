// Runs the whole decision corpus through the npm package, in any runtime: each case
// through check, permissions, explain and filter, compared field for field with the
// native decision and with the case's expectation. No imports: the caller hands in the
// package's API and the prepared corpus (see prepare.mjs).

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sameDecision(a, b) {
  return canonical(a) === canonical(b);
}

/** Bytes of base64 text (atob: in every runtime). */
export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A preset's policy: compiled from its JSON document (`from: "text"`) or loaded from the
 * artifact `rolegate build` wrote (`from: "artifact"`).
 */
export function presetPolicy(api, corpus, preset, from) {
  return from === "artifact" ? api.Policy.load(fromBase64(corpus.artifacts[preset])) : api.Policy.fromObject(corpus.presets[preset]);
}

/**
 * Runs every case; returns { cases, failures, perFile, explained, from }. `explain` is
 * checked where the module carries it (`api.features.full`). The policies are loaded from
 * their artifacts (`from: "artifact"`, the default where the module reads no text) or
 * compiled from their JSON documents (`from: "text"`).
 */
export function runCorpus(api, corpus, { from = api.features.text ? "text" : "artifact" } = {}) {
  const failures = [];
  const perFile = {};
  let cases = 0;
  let explainedCases = 0;
  for (const [file, fixture] of Object.entries(corpus.files)) {
    const policy = presetPolicy(api, corpus, fixture.policy, from);
    const native = corpus.native[file];
    perFile[file] = 0;
    fixture.cases.forEach((c, i) => {
      cases++;
      perFile[file]++;
      const fail = (what) => failures.push(`${file} #${i} ${c.name}: ${what}`);
      const principal = typeof c.principal === "string" ? fixture.principals[c.principal] : c.principal;
      const tenant = typeof c.tenant === "string" ? fixture.tenants[c.tenant] : c.tenant;
      let session;
      try {
        session = policy.session(principal, tenant);
      } catch (e) {
        fail(`session rejected: ${e.code} ${e.message}`);
        return;
      }
      const resource = c.resource ?? undefined;
      const decision = session.check(c.action, resource);
      if (!sameDecision(decision, native[i])) {
        fail(`check gave ${canonical(decision)}, native gave ${canonical(native[i])}`);
      }
      if (decision.effect !== c.expect.effect || decision.reason !== c.expect.reason) {
        fail(`check gave ${decision.effect}/${decision.reason}, expected ${c.expect.effect}/${c.expect.reason}`);
      }
      for (const field of ["role", "scope", "rule", "hint", "missing"]) {
        if (field in c.expect && (c.expect[field] ?? undefined) !== decision[field]) {
          fail(`${field} is ${decision[field]}, expected ${c.expect[field]}`);
        }
      }
      const map = session.permissions(resource);
      if (policy.actionId(c.action) >= 0 && !sameDecision(map[c.action], decision)) {
        fail(`permissions gave ${canonical(map[c.action])}, check gave ${canonical(decision)}`);
      }
      if (api.features.full) {
        const explained = session.explain(c.action, resource);
        if (!sameDecision(explained.decision, decision) || explained.steps.length === 0) {
          fail(`explain gave ${canonical(explained.decision)}, check gave ${canonical(decision)}`);
        }
        explainedCases++;
      }
      const listed = session.filter(c.action, [resource ?? {}]);
      if ((listed.length === 1) !== decision.allowed) {
        fail(`filter disagrees with check (${decision.effect})`);
      }
      session.free();
    });
    policy.free();
  }
  return { cases, failures, perFile, explained: explainedCases, from };
}

/**
 * Runs every gate fixture (tests/fixtures/gates) through `session.gate` (and `completeGate`
 * for cases with the loaded resource's `attrs`), compared with each case's expectation
 * (which tests/gate.rs holds natively), and every preset's fingerprint with the native one.
 * The policies are compiled from text or loaded from their artifacts (`from`, as in
 * `runCorpus`). Returns { cases, failures, from }.
 */
export function runGateCorpus(api, corpus, { from = api.features.text ? "text" : "artifact" } = {}) {
  const failures = [];
  let cases = 0;
  for (const [preset, fingerprint] of Object.entries(corpus.fingerprints)) {
    for (const from of api.features.text ? ["text", "artifact"] : ["artifact"]) {
      const policy = presetPolicy(api, corpus, preset, from);
      if (policy.fingerprint !== fingerprint) failures.push(`fingerprint of ${preset} (${from}): ${policy.fingerprint}, native ${fingerprint}`);
      if (api.features.full) {
        // The artifact built here is byte for byte the one `rolegate build` wrote.
        const built = policy.build();
        const native = fromBase64(corpus.artifacts[preset]);
        if (built.length !== native.length || built.some((b, i) => b !== native[i])) failures.push(`artifact of ${preset} (${from}) differs from rolegate build's`);
      }
      policy.free();
    }
  }
  for (const [file, fixture] of Object.entries(corpus.gates)) {
    const policy = !fixture.policy
      ? presetPolicy(api, corpus, fixture.preset, from)
      : from === "artifact"
        ? api.Policy.load(fromBase64(corpus.gateArtifacts[file]))
        : api.Policy.fromObject(fixture.policy);
    for (const c of fixture.cases) {
      cases++;
      const fail = (what) => failures.push(`${file} ${c.name}: ${what}`);
      const persona = fixture.personas[c.persona];
      let session;
      try {
        session = policy.session(persona.principal, persona.tenant);
      } catch (e) {
        fail(`session rejected: ${e.code} ${e.message}`);
        continue;
      }
      let answer = session.gate(c.method, c.path);
      if (c.attrs !== undefined) answer = session.completeGate(answer, c.attrs);
      for (const field of ["outcome", "reason", "status", "route"]) {
        if (field in c.expect && c.expect[field] !== answer[field]) fail(`${field} is ${answer[field]}, expected ${c.expect[field]}`);
      }
      if ("params" in c.expect && canonical(c.expect.params) !== canonical(answer.params)) {
        fail(`params are ${canonical(answer.params)}, expected ${canonical(c.expect.params)}`);
      }
      session.free();
    }
    policy.free();
  }
  return { cases, failures, from };
}
