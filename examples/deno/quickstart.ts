// Deno: the same package, the same decisions.
// Run with: deno run --allow-read quickstart.ts (the package reads its .wasm file).
import { Policy, type Decision } from "rolegate";

const policy = Policy.fromJson(await Deno.readTextFile(new URL("../outreach.policy.json", import.meta.url)));
const session = policy.session(
  { id: "u3", roles: [{ role: "operations", scope: "org" }] },
  { id: "acme", features: ["outreach"] },
);

const sidebar: Decision = session.check("outreach.view");
console.log(sidebar.effect, sidebar.reason); // deny no_grant: Operations do not see Outreach
console.log(session.can("cx.view")); // true
