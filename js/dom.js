// Applies decisions to the page: elements marked `data-rolegate="campaign.create"` are
// hidden when denied, and shown disabled with the hint when locked. An action allowed for
// some resources only (`conditional`: a grant whose condition reads the resource, asked
// without one) is shown: a list or menu entry stays, and a check with the resource decides
// what each item allows.
//
//   <button data-rolegate="campaign.create" data-rolegate-scope="workspace:w1">Run</button>
//
// The scope is the element's `data-rolegate-scope`, else the nearest ancestor's, else
// `options.scope`, else the tenant. A locked element gets `aria-disabled="true"` and the
// hint as its title and stays reachable by keyboard (it is not `disabled`); its clicks
// are stopped before they reach handlers added without `capture` (a capture handler on
// the element itself that was added before this runs first, as the DOM orders them).
// `source` is a session, a snapshot, or a function (action, scope) => decision.

import { snapshotCheck } from "./snapshot.js";

const ORIGINAL_TITLE = "rolegateTitle";

function decider(source) {
  if (typeof source === "function") return source;
  if (source && typeof source.check === "function") return (action, scope) => source.check(action, scope);
  if (source && source.scopes) return (action, scope) => snapshotCheck(source, action, scope);
  throw new TypeError("applyDecisions needs a session, a snapshot or a function (action, scope) => decision");
}

function blockWhenLocked(event) {
  if (event.currentTarget.getAttribute("aria-disabled") === "true") {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}

/** Applies decisions to every marked element under `root`; returns the counts. */
export function applyDecisions(root, source, options = {}) {
  const decide = decider(source);
  const counts = { shown: 0, locked: 0, hidden: 0 };
  const elements = root.querySelectorAll("[data-rolegate]");
  for (const el of elements) {
    const action = el.getAttribute("data-rolegate");
    const scoped = el.closest("[data-rolegate-scope]");
    const scope = scoped ? scoped.getAttribute("data-rolegate-scope") : options.scope ?? "";
    const decision = decide(action, scope);
    // Remember the page's own title, unless the title shown is the hint set here.
    if (el.dataset.rolegateState !== "locked") el.dataset[ORIGINAL_TITLE] = el.getAttribute("title") ?? "";
    if (!el.dataset.rolegateBound) {
      el.addEventListener("click", blockWhenLocked, true);
      el.dataset.rolegateBound = "1";
    }
    if (decision.effect === "allow" || decision.effect === "conditional") {
      el.hidden = false;
      el.removeAttribute("aria-disabled");
      restoreTitle(el);
      el.dataset.rolegateState = "shown";
      counts.shown++;
    } else if (decision.effect === "locked") {
      el.hidden = false;
      el.setAttribute("aria-disabled", "true");
      if (decision.hint) el.setAttribute("title", decision.hint);
      else restoreTitle(el);
      el.dataset.rolegateState = "locked";
      counts.locked++;
    } else {
      el.hidden = true;
      el.removeAttribute("aria-disabled");
      restoreTitle(el);
      el.dataset.rolegateState = "hidden";
      counts.hidden++;
    }
    el.dataset.rolegateReason = decision.reason;
  }
  return counts;
}

function restoreTitle(el) {
  const original = el.dataset[ORIGINAL_TITLE];
  if (original) el.setAttribute("title", original);
  else el.removeAttribute("title");
}
