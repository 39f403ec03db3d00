// A web app: show, lock (disabled with the hint) or hide UI from the user's roles.
import { Policy, ready } from "rolegate";
import { applyDecisions } from "rolegate/dom";

// Load once: the compiled policy, served next to the page
// (`rolegate build outreach.policy.json -o web/outreach.rolegate`).
const policy = Promise.all([ready, fetch("outreach.rolegate")]).then(async ([, response]) =>
  Policy.load(await response.arrayBuffer()),
);

export async function render(user, organization) {
  const session = (await policy).session(user, organization);
  // <button data-rolegate="campaign.create">New campaign</button> and friends:
  return applyDecisions(document, session); // { shown, locked, hidden }
}
