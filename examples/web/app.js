// A web app: show, lock (disabled with the hint) or hide UI from the user's roles.
import { Policy } from "rolegate";
import { applyDecisions } from "rolegate/dom";
import policyDocument from "../outreach.policy.json";

const policy = Policy.fromObject(policyDocument);

export function render(user, organization) {
  const session = policy.session(user, organization);
  // <button data-rolegate="campaign.create">New campaign</button> and friends:
  return applyDecisions(document, session); // { shown, locked, hidden }
}
