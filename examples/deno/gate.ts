// Deno: the same gate as the Worker, in front of a small API served by Deno.serve.
// Only requests the policy allows reach `api`; the verified identity comes from the token.
//
// Run (from a project with the package in node_modules and `"nodeModulesDir": "manual"`):
//   deno run --allow-net --allow-read --allow-env gate.ts
// Environment: PORT (default 8000), TOKENS (path of the verification config),
// POLICY_URL (served policy JSON, revalidated) or POLICY_FILE (a static policy JSON),
// POLICY_INTERVAL_MS (default 30000).

import { createPolicyLoader, gateFetch, Policy } from "rolegate/edge";

const env = (name: string, fallback?: string) => Deno.env.get(name) ?? fallback;
const tokens = await Deno.readTextFile(env("TOKENS", "tokens.json")!);
const policyUrl = env("POLICY_URL");
const source = policyUrl
  ? { loader: createPolicyLoader({ url: policyUrl, interval: Number(env("POLICY_INTERVAL_MS", "30000")) }) }
  : { policy: Policy.fromJson(await Deno.readTextFile(env("POLICY_FILE", "policy.json")!)) };

/** The API behind the gate: answers with what the gate verified and decided. */
function api(request: Request): Response {
  const url = new URL(request.url);
  if (request.headers.get("rolegate-outcome") === "origin") {
    // The decision needs the resource's attributes; this API keeps no resources, so it
    // refuses. A real one loads the resource and finishes with `session.completeGate`.
    return Response.json({ reason: "origin", action: request.headers.get("rolegate-action") }, { status: 403 });
  }
  return Response.json({
    ok: true,
    method: request.method,
    path: url.pathname,
    route: request.headers.get("rolegate-route"),
    action: request.headers.get("rolegate-action"),
    principal: request.headers.get("rolegate-principal"),
  });
}

const port = Number(env("PORT", "8000"));
Deno.serve(
  { hostname: "127.0.0.1", port, onListen: () => console.log(`listening on http://127.0.0.1:${port}`) },
  gateFetch(api, { ...source, tokens }),
);
