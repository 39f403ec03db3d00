// Node backend: enforce the policy on every request.
import { readFileSync } from "node:fs";
import { Policy } from "rolegate";

// Compile once, at startup.
const policy = Policy.fromJson(readFileSync(new URL("../outreach.policy.json", import.meta.url), "utf8"));

// Per request: the signed-in user and their organization, from your database or token.
const session = policy.session(
  { id: "u2", roles: [{ role: "campaigner", scope: "org" }] },
  { id: "acme", features: ["outreach"] },
);

console.log(session.can("campaign.create")); // true
const settings = session.check("sms.configure");
console.log(settings.effect, settings.reason); // deny no_grant
