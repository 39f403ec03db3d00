//! Gates for request handlers: verify the token, decide the request through the policy's
//! route table, and answer or pass it on, the same way on Cloudflare Workers, Deno, Bun and
//! Node (docs/EDGE.md states the contract: order, statuses, bodies, headers).
//!
//! `createEdge(api)` takes the API of one loaded module (`createApi` in api.js) and gives:
//! - `createPolicyLoader(options)`: the policy from a URL or a Workers KV binding, revalidated
//!   when due (ETag), swapped atomically, the last good one kept when an update fails;
//! - `createGate(options)`: `gate.decide(request)` (the answer, before any origin) and
//!   `gate.handle(request, next)` (a `Response`: the refusal, or `next`'s answer with the
//!   gate's headers);
//! - `gateFetch(handler, options)`: a `fetch` handler (Workers modules, Deno.serve, Bun)
//!   wrapped so that only allowed requests reach it;
//! - `honoGate(options)`: the same as a Hono middleware (`c.get("rolegate")` in handlers).
//! The Node middlewares (node-gate.js) are made from `createGate` too.

import { bearer, loadTokenConfig, verifyToken } from "./token.js";

/** Default milliseconds between policy revalidations. */
const DEFAULT_INTERVAL_MS = 30_000;

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

/** A refusal's or an answer's headers and body, before it becomes a `Response`. */
function refusal(status, outcome, reason, body, extra = {}) {
  return { status, outcome, reason, body: { reason, ...body }, headers: { ...JSON_TYPE, ...extra } };
}

export function createEdge(api) {
  return { createGate, gateFetch, honoGate, createPolicyLoader: (options) => policyLoader(api.Policy, options) };
}

/**
 * The policy, kept current: `{ text }` (static), `{ url, fetch?, headers? }` (serving the
 * policy's JSON or its artifact, `rolegate build`) or
 * `{ kv, key }` (a Workers KV namespace, or `(env) => namespace`), revalidated when
 * `interval` ms have passed since the last check.
 */
function policyLoader(Policy, options) {
  const interval = options.interval ?? DEFAULT_INTERVAL_MS;
  const log = options.log ?? ((line) => console.warn(line));
  const state = { policy: null, etag: null, text: null, error: null, refused: null, checked: -Infinity, pending: null };

  /** Reports a failed update once per distinct failure. */
  function failed(code, message, key) {
    state.error = code;
    if (state.refused === key) return;
    state.refused = key;
    log(`rolegate: policy update refused (${code}): ${String(message).split("\n")[0]}; ${state.policy ? "the last good policy stays in force" : "no policy yet: requests are refused"}`);
  }

  /**
   * Takes a served policy: JSON text, or bytes that are JSON text or an artifact of
   * `rolegate build` (told by its first bytes), compiled or loaded when it changed.
   */
  function adopt(source, etag) {
    // What identifies the source: the text, or an artifact's bytes, all of them (an
    // altered artifact keeps the digest in its header).
    const artifact = typeof source !== "string" && String.fromCharCode(...source.subarray(0, 8)) === "rolegate";
    const text = artifact ? null : typeof source === "string" ? source : new TextDecoder().decode(source);
    const key = artifact ? `artifact:${new TextDecoder("latin1").decode(source)}` : text;
    if (key !== state.text) {
      try {
        state.policy = artifact ? Policy.load(source) : Policy.fromJson(text);
        state.text = key;
      } catch (e) {
        failed(e.code ?? "internal", e.message, key);
        return;
      }
    }
    Object.assign(state, { etag, error: null, refused: null });
  }

  async function fetchUrl() {
    const headers = { ...(options.headers ?? {}) };
    if (state.etag) headers["if-none-match"] = state.etag;
    const response = await (options.fetch ?? globalThis.fetch)(options.url, { headers });
    if (response.status === 304) {
      Object.assign(state, { error: null, refused: null });
      return;
    }
    if (!response.ok) throw Object.assign(new Error(`GET ${options.url} answered ${response.status}`), { code: "fetch_failed" });
    adopt(new Uint8Array(await response.arrayBuffer()), response.headers.get("etag"));
  }

  async function readKv(env) {
    const namespace = typeof options.kv === "function" ? options.kv(env) : options.kv;
    const text = await namespace.get(options.key ?? "policy.json", { type: "text" });
    if (text === null) throw Object.assign(new Error(`KV key ${options.key ?? "policy.json"} is empty`), { code: "fetch_failed" });
    adopt(text, null);
  }

  async function refresh(env) {
    state.checked = Date.now();
    try {
      if (options.text !== undefined) adopt(options.text, null);
      else if (options.url) await fetchUrl();
      else if (options.kv) await readKv(env);
    } catch (e) {
      failed("fetch_failed", e.message, `fetch: ${e.message}`);
    }
  }

  return {
    /** The policy in force, revalidated first when due; null when none was ever loaded. */
    async current(env) {
      if (Date.now() - state.checked >= interval || state.policy === null) {
        state.pending ??= refresh(env).finally(() => (state.pending = null));
        await state.pending;
      }
      return state.policy;
    },
    /** Revalidates now. */
    refresh: (env) => refresh(env),
    /** The code of the last failed update, or null. */
    get error() {
      return state.error;
    },
    get policy() {
      return state.policy;
    },
  };
}

/**
 * A gate: `{ policy }` or `{ loader }`, `tokens` (the verification config: JSON text or
 * object, see docs/TOKENS.md), optional `loadResource(resource, request)` for the `origin`
 * outcome, optional `now()` in seconds.
 */
export function createGate(options) {
  if (!options.policy && !options.loader) throw new TypeError("createGate: give `policy` (a compiled Policy) or `loader` (createPolicyLoader)");
  if (options.tokens === undefined) throw new TypeError("createGate: give `tokens`, the token verification config (docs/TOKENS.md)");
  const staticPolicy = options.policy ?? null;
  const loader = options.loader ?? null;
  let tokens = null;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  async function decide(request, env) {
    const policy = staticPolicy ?? (await loader.current(env));
    if (policy === null) return refusal(503, "unavailable", "policy_unavailable", { message: "no policy is loaded" });
    const fingerprint = policy.fingerprint;
    const policyHeaders = { "rolegate-policy": fingerprint };
    if (loader?.error) policyHeaders["rolegate-policy-error"] = loader.error;
    tokens ??= loadTokenConfig(options.tokens);
    let identity;
    try {
      identity = await verifyToken(bearer(request.headers.get("authorization")), await tokens, { now: now() });
    } catch (e) {
      if (typeof e.code !== "string" || !e.code.startsWith("token_")) throw e;
      return refusal(401, "unauthenticated", e.code, { message: e.message }, { ...policyHeaders, "www-authenticate": 'Bearer error="invalid_token"' });
    }
    let session;
    try {
      session = policy.session(identity.principal, identity.tenant, { strict: true }); // fail closed: a stale role may have carried a deny rule
    } catch (e) {
      return refusal(401, "unauthenticated", "token_claims", { message: e.message }, { ...policyHeaders, "www-authenticate": 'Bearer error="invalid_token"' });
    }
    try {
      let answer = session.gate(request.method, rawPath(request.url, new URL(request.url)));
      if (answer.outcome === "origin" && options.loadResource) {
        // The loader gets the plan too: the condition the resource must meet, for its query.
        const attrs = await options.loadResource(answer.resource, request, originPlan(session, answer));
        if (attrs === null || attrs === undefined) {
          session.free();
          return refusal(404, "deny", "not_found", { action: answer.action, message: "the resource does not exist" }, policyHeaders);
        }
        answer = session.completeGate(answer, attrs);
      }
      // Left to the origin: the query plan of the route's action over resources of its type
      // at its scope, the condition the loaded resource must meet (docs/PLANS.md), which
      // the origin can add to the query that loads it.
      const plan = answer.outcome === "origin" ? originPlan(session, answer) : undefined;
      return { answer, session, identity, policy, plan, headers: policyHeaders, ...answerShape(answer) };
    } catch (e) {
      session.free();
      throw e;
    }
  }

  async function handle(request, next, env) {
    const result = await decide(request, env);
    try {
      const headers = { ...result.headers, "rolegate-outcome": result.outcome, "rolegate-reason": result.reason };
      if (result.status !== 200) {
        return new Response(JSON.stringify(result.body), { status: result.status, headers });
      }
      const response = await next(forwardRequest(request, result), result);
      const out = new Response(response.body, response);
      for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
      return out;
    } finally {
      result.session?.free();
    }
  }

  return { decide, handle, loader };
}

/** A `fetch` handler that only sees the requests the gate passes. */
export function gateFetch(handler, options) {
  const gate = createGate(options);
  return (request, env, ctx) => gate.handle(request, (forwarded) => handler(forwarded, env, ctx), env);
}

/** Hono middleware `(c, next)`; `loadResource(resource, request)` gets the fetch `Request`. */
export function honoGate(options) {
  const gate = createGate(options);
  return async function rolegateGate(c, next) {
    const result = await gate.decide(c.req.raw, c.env);
    try {
      const headers = { ...result.headers, "rolegate-outcome": result.outcome, "rolegate-reason": result.reason };
      if (result.status !== 200) {
        return new Response(JSON.stringify(result.body), { status: result.status, headers });
      }
      c.set("rolegate", { answer: result.answer, session: result.session, identity: result.identity, policy: result.policy, plan: result.plan });
      await next();
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    } finally {
      result.session?.free();
    }
  };
}


/** The path and query exactly as the client sent them (`new URL` would resolve `..`). */
export function rawPath(text, url) {
  const afterScheme = text.indexOf("//");
  const start = afterScheme < 0 ? -1 : text.indexOf("/", afterScheme + 2);
  return start < 0 ? url.pathname + url.search : text.slice(start);
}

/** Status, outcome, reason and refusal body of a gate answer. */
export function answerShape(answer) {
  const { outcome, reason } = answer;
  if (outcome === "allow" || outcome === "origin") return { status: 200, outcome, reason, body: null };
  if (outcome === "no_route") return { status: 404, outcome, reason, body: { reason, message: "no route matches this request" } };
  const body = { reason, effect: answer.decision?.effect ?? outcome, action: answer.action };
  if (answer.decision?.hint) body.hint = answer.decision.hint;
  return { status: 403, outcome, reason, body };
}

/** The plan of an `origin` answer's action and resource, or undefined where the module has no plans. */
function originPlan(session, answer) {
  try {
    return session.plan(answer.action, { type: answer.resource?.type ?? "", scope: answer.resource?.scope });
  } catch (e) {
    if (e.code === "unsupported") return undefined;
    throw e;
  }
}

/** A plan as a header value: JSON with every character outside printable ASCII escaped. */
export function planHeader(plan) {
  return JSON.stringify(plan).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The request as the origin gets it: the client's `rolegate-*` headers removed, the gate's set. */
export function forwardRequest(request, result) {
  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) if (name.startsWith("rolegate-")) headers.delete(name);
  headers.set("rolegate-principal", result.identity.subject);
  headers.set("rolegate-tenant", result.identity.tenant.id);
  headers.set("rolegate-action", result.answer.action);
  headers.set("rolegate-route", result.answer.route);
  headers.set("rolegate-outcome", result.outcome);
  headers.set("rolegate-policy", result.policy.fingerprint);
  if (result.plan) headers.set("rolegate-plan", planHeader(result.plan));
  return new Request(request, { headers });
}
