// A web app: show, lock (disabled with the hint) or hide UI from the user's roles.
import { Policy, ready } from "rolegate";
import { applyDecisions } from "rolegate/dom";
import policyDocument from "../outreach.policy.json";

// Compile once, when the engine is ready (a bundle compiles it in the background).
const policy = ready.then(() => Policy.fromObject(policyDocument));

export async function render(user, organization) {
  const session = (await policy).session(user, organization);
  // <button data-rolegate="campaign.create">New campaign</button> and friends:
  return applyDecisions(document, session); // { shown, locked, hidden }
}
