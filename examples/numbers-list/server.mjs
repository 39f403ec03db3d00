// A list page's API: the numbers this user may see, fetched from the database by a query
// the policy wrote. The policy's plan for `number.view` ("a member sees only the numbers
// assigned to them") becomes the WHERE clause, so the database returns only those rows:
// nothing is loaded and filtered afterwards, and nothing is forgotten.
//
// Run: npm install && node server.mjs
// Environment: PORT (default 3000), TOKENS (the token verification config, docs/TOKENS.md),
// POLICY_FILE (the policy JSON, default policy.json), DATABASE (SQLite file with a table
// `numbers(id, label, assignee_id, scope)`, default numbers.db).

import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { Policy, bearer, loadTokenConfig, verifyToken } from "rolegate/node";
import { toSql } from "rolegate/query";

const env = process.env;
const policy = Policy.fromJson(readFileSync(env.POLICY_FILE ?? "policy.json", "utf8"));
const tokens = await loadTokenConfig(readFileSync(env.TOKENS ?? "tokens.json", "utf8"));
const db = new Database(env.DATABASE ?? "numbers.db", { readonly: true });
// Where the table holds what the policy reads: `resource.assignee` is `assignee_id`.
const columns = { scope: "scope", attributes: { assignee: "assignee_id" } };

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json", "rolegate-policy": policy.fingerprint });
  res.end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  if (req.method !== "GET" || new URL(req.url, "http://localhost").pathname !== "/api/numbers") {
    return send(res, 404, { reason: "no_route" });
  }
  let identity;
  try {
    identity = await verifyToken(bearer(req.headers.authorization), tokens);
  } catch (e) {
    return send(res, 401, { reason: e.code ?? "token_malformed" });
  }
  const session = policy.session(identity.principal, identity.tenant);
  try {
    const plan = session.plan("number.view", { type: "number" });
    // None at all: the page shows the list locked with the hint, or not at all.
    if (plan.outcome === "deny_all") return send(res, 403, { effect: plan.effect, reason: plan.reason, hint: plan.hint });
    const where = toSql(plan, columns, { dialect: "sqlite" });
    const rows = db
      .prepare(`SELECT id, label, assignee_id AS assignee, scope FROM numbers WHERE ${where.sql} ORDER BY id`)
      .all(...where.params);
    send(res, 200, { numbers: rows, where: where.sql });
  } finally {
    session.free();
  }
});

const port = Number(env.PORT ?? 3000);
server.listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`));
