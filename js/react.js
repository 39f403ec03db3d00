//! `rolegate/react`: decisions in React components, over a framework-neutral store.
//!
//!   <RolegateProvider policy={policy} principal={user} tenant={org}>
//!     <Can action="campaign.create" locked={(d) => <button disabled title={d.hint}>New</button>}>
//!       <button onClick={create}>New</button>
//!     </Can>
//!   </RolegateProvider>
//!
//! `createDecisionStore` (`rolegate/store`, no React) is the store underneath; the provider
//! can also start from a server's snapshot (SSR hydration without WebAssembly). Nothing here
//! runs unless imported.

import { createContext, createElement, useContext, useMemo, useSyncExternalStore } from "react";
import { RolegateError } from "./errors.js";
import { createDecisionStore } from "./store.js";

export { createDecisionStore };

const Context = createContext(null);

/**
 * Provides decisions to the components below: give `policy`, `principal` and `tenant`, or
 * a `snapshot`, or a `store` made by `createDecisionStore`. A new policy, principal, tenant
 * or snapshot (by identity: keep them in state or memoize them) makes a new session, and
 * what depends on it re-renders. Sessions are released when collected.
 */
export function RolegateProvider({ policy, principal, tenant, snapshot, store, children }) {
  const own = useMemo(
    () => (store ? null : createDecisionStore(policy && principal ? { policy, principal, tenant } : { snapshot })),
    [store, policy, principal, tenant, snapshot],
  );
  return createElement(Context.Provider, { value: store ?? own }, children);
}

function useStore() {
  const store = useContext(Context);
  if (!store) throw new RolegateError("bad_input", "", "use rolegate/react's hooks inside a <RolegateProvider>");
  useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  return store;
}

/** The decision on `action` (on `resource`: an object, a scope string, or the tenant). */
export function useDecision(action, resource) {
  return useStore().check(action, resource);
}

/** Every action's decision at `scope`: `{ [action]: decision }`. */
export function usePermissions(scope = "") {
  return useStore().permissions(scope);
}

/**
 * Renders `children` when `action` is allowed, or `conditional` (asked without a particular
 * resource, it is allowed for some: an entry that lists them; pass the resource to decide
 * on one); `locked` when a feature or plan locks it (a node, or a function of the decision,
 * which carries the hint); `fallback` otherwise (and when locked without `locked`).
 * `children` may be a function of the decision too.
 */
export function Can({ action, resource, locked, fallback = null, children }) {
  const decision = useDecision(action, resource);
  const render = (node) => (typeof node === "function" ? node(decision) : node);
  if (decision.effect === "allow" || decision.effect === "conditional") return render(children);
  if (decision.effect === "locked" && locked !== undefined) return render(locked);
  return render(fallback);
}
