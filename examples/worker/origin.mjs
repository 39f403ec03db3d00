// The origin behind the example Worker (127.0.0.1:8788), and the policy server it loads
// the policy from (127.0.0.1:8789/policy.json, with an ETag; the file is read on every
// request, so editing it updates the gate within its interval). For trying the example:
//   node origin.mjs path/to/policy.json        (ORIGIN_PORT, POLICY_PORT change the ports)
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "policy.json";
createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  if (req.headers["rolegate-outcome"] === "origin") {
    // The decision needs the resource's attributes; this origin keeps no resources, so it
    // refuses. A real one loads the resource and finishes the decision (docs/EDGE.md).
    res.statusCode = 403;
    return res.end(JSON.stringify({ reason: "origin", action: req.headers["rolegate-action"] }));
  }
  res.end(JSON.stringify({
    ok: true,
    method: req.method,
    path: req.url,
    route: req.headers["rolegate-route"],
    action: req.headers["rolegate-action"],
    principal: req.headers["rolegate-principal"],
  }));
}).listen(Number(process.env.ORIGIN_PORT ?? 8788), "127.0.0.1");
createServer((req, res) => {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return res.writeHead(503).end("no policy yet");
  }
  const etag = `"${createHash("sha256").update(text).digest("hex").slice(0, 16)}"`;
  if (req.headers["if-none-match"] === etag) return res.writeHead(304).end();
  res.writeHead(200, { "content-type": "application/json", etag }).end(text);
}).listen(Number(process.env.POLICY_PORT ?? 8789), "127.0.0.1");
console.log(`origin on http://127.0.0.1:${process.env.ORIGIN_PORT ?? 8788}, policy on http://127.0.0.1:${process.env.POLICY_PORT ?? 8789}/policy.json`);
