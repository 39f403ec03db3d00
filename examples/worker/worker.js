// A Cloudflare Worker that gates every request before it reaches the origin: the caller's
// token is verified (docs/TOKENS.md), the request is matched against the policy's route
// table and decided (docs/POLICY.md, "Routes"), and only allowed requests are forwarded,
// with the verified identity in `rolegate-*` headers. Refusals are JSON:
// 401 { reason: "token_expired", ... }, 403 { reason, effect: "deny" | "locked", action, hint? },
// 404 { reason: "no_route" }. Every response carries the policy fingerprint (`rolegate-policy`).
//
// Bindings (config.capnp for workerd, wrangler.toml for Cloudflare):
//   TOKENS       the token verification config (public keys), JSON text
//   POLICY_URL   where the policy JSON is served (revalidated with ETag), or
//   POLICY_KV    a KV namespace holding it under `policy.json`
//   POLICY_INTERVAL_MS  how often to revalidate (default 30000)
//   ORIGIN       the origin service the allowed requests go to

import { createGate, createPolicyLoader } from "rolegate/edge";

let gate; // one per isolate: the policy is compiled once and kept current

function gateFor(env) {
  gate ??= createGate({
    loader: createPolicyLoader({
      url: env.POLICY_URL || undefined,
      kv: env.POLICY_URL ? undefined : (e) => e.POLICY_KV,
      interval: Number(env.POLICY_INTERVAL_MS ?? 30_000),
    }),
    tokens: env.TOKENS,
  });
  return gate;
}

export default {
  async fetch(request, env) {
    return gateFor(env).handle(request, (forwarded) => env.ORIGIN.fetch(forwarded), env);
  },
};
