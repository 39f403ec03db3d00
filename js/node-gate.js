//! The Node middleware over the gate of edge.js: `expressGate(options)` for Express, Connect
//! and plain `node:http` handlers `(req, res, next)` (Hono's middleware, `honoGate`, is in
//! edge.js: Hono runs on fetch requests everywhere). Same options, order, statuses, bodies
//! and headers as every other gate (docs/EDGE.md); the allowed request reaches the next
//! handler with `req.rolegate`: `{ answer, session, identity, policy, plan? }`, the session
//! ready for further questions (`plan`, and the `rolegate-plan` header: what an `origin`
//! answer leaves to the handler, see edge.js).

import { planHeader } from "./edge.js";

/** The gate's headers of a result, for the response. */
export function responseHeaders(result) {
  return { ...result.headers, "rolegate-outcome": result.outcome, "rolegate-reason": result.reason };
}

/** A fetch-style view of a Node request, for the gate. */
function requestOf(req) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const target = req.originalUrl ?? req.url ?? "/";
  return { method: req.method, url: `http://${req.headers.host ?? "localhost"}${target}`, headers, node: req };
}

export function createNodeGate(edge) {
  /** `(req, res, next)` middleware; `loadResource(resource, req)` gets the Node request. */
  function expressGate(options) {
    const loadResource = options.loadResource && ((resource, request, plan) => options.loadResource(resource, request.node ?? request, plan));
    const gate = edge.createGate({ ...options, loadResource });
    return async function rolegateGate(req, res, next) {
      let result;
      try {
        result = await gate.decide(requestOf(req));
      } catch (e) {
        next(e);
        return;
      }
      const headers = responseHeaders(result);
      if (result.session) res.on("close", () => result.session.free());
      if (result.status !== 200) {
        res.writeHead(result.status, headers);
        res.end(JSON.stringify(result.body));
        return;
      }
      for (const name of Object.keys(req.headers)) if (name.startsWith("rolegate-")) delete req.headers[name];
      Object.assign(req.headers, {
        "rolegate-principal": result.identity.subject,
        "rolegate-tenant": result.identity.tenant.id,
        "rolegate-action": result.answer.action,
        "rolegate-route": result.answer.route,
        "rolegate-outcome": result.outcome,
        "rolegate-policy": result.policy.fingerprint,
      });
      if (result.plan) req.headers["rolegate-plan"] = planHeader(result.plan);
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      req.rolegate = { answer: result.answer, session: result.session, identity: result.identity, policy: result.policy, plan: result.plan };
      next();
    };
  }

  return { expressGate };
}
