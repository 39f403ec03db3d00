// Node with Express: the policy's gate as a middleware in front of the API's handlers.
// Only requests the policy allows reach them; `req.rolegate` holds the verified identity,
// the gate's answer and a session for further questions.
//
// Run: npm install && node server.mjs
// Environment: PORT (default 3000), TOKENS (path of the verification config),
// POLICY_URL (served policy JSON, revalidated) or POLICY_FILE (a static policy JSON),
// POLICY_INTERVAL_MS (default 30000).

import express from "express";
import { readFileSync } from "node:fs";
import { createPolicyLoader, expressGate, Policy } from "rolegate/node";

const env = process.env;
const tokens = readFileSync(env.TOKENS ?? "tokens.json", "utf8");
const source = env.POLICY_URL
  ? { loader: createPolicyLoader({ url: env.POLICY_URL, interval: Number(env.POLICY_INTERVAL_MS ?? 30_000) }) }
  : { policy: Policy.fromJson(readFileSync(env.POLICY_FILE ?? "policy.json", "utf8")) };

// Numbers and who they are assigned to (NUMBERS, JSON `[["n1", {"assignee": "u1"}], ...]`):
// the resource loader finishes decisions whose rules read the resource ("a member sees
// only the numbers assigned to them"). Without it, such requests reach the handlers marked
// `rolegate-outcome: origin`, and the handler decides with `req.rolegate.session`.
const numbers = env.NUMBERS ? new Map(JSON.parse(env.NUMBERS)) : null;

const app = express();
app.use(
  expressGate({
    ...source,
    tokens,
    loadResource: numbers && ((resource) => (resource.type === "number" ? (numbers.get(resource.id) ?? null) : {})),
  }),
);
// Every allowed request: what the gate verified and decided.
app.all(/.*/, (req, res) => {
  if (req.rolegate.answer.outcome === "origin") {
    // The decision needs the resource's attributes and no loader is configured: this API
    // keeps no resources, so it refuses.
    res.status(403).json({ reason: "origin", action: req.rolegate.answer.action });
    return;
  }
  res.json({
    ok: true,
    method: req.method,
    path: req.path,
    route: req.rolegate.answer.route,
    action: req.rolegate.answer.action,
    principal: req.rolegate.identity.subject,
  });
});

const port = Number(env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`));
