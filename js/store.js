//! `rolegate/store`: a framework-neutral store of decisions (subscribe / getSnapshot), what
//! `rolegate/react` binds to React, and what Vue, Svelte or any other UI binds in a few lines.

import { RolegateError } from "./errors.js";
import { snapshotCheck } from "./snapshot.js";

/**
 * A store of decisions: from a policy, a principal and a tenant (a session), or from a
 * snapshot (`session.snapshot(scopes)`, as a server sends it). `set` replaces any of them
 * and notifies subscribers; `check` and `permissions` answer from the current state, with
 * the same decision objects as long as the state is the same.
 */
export function createDecisionStore(initial = {}) {
  let state = {};
  let session = null;
  let version = 0;
  let maps = new Map();
  const listeners = new Set();

  function rebuild(next) {
    const previous = session;
    state = { ...state, ...next };
    session = null;
    if (state.policy && state.principal) session = state.policy.session(state.principal, state.tenant);
    else if (!state.snapshot) throw new RolegateError("bad_input", "", "a decision store needs a policy and a principal, or a snapshot");
    if (previous) previous.free();
    version++;
    maps = new Map();
  }
  rebuild(initial);

  return {
    /** The state's version: it changes on every `set`. */
    getSnapshot: () => version,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      rebuild(next);
      for (const listener of [...listeners]) listener();
    },
    /** The decision on `action` (see `session.check`). */
    check(action, resource) {
      return session ? session.check(action, resource) : snapshotCheck(state.snapshot, action, resource);
    },
    /** Every action's decision at a scope, one object per scope and state. */
    permissions(scope = "") {
      let map = maps.get(scope);
      if (map === undefined) {
        if (session) map = session.permissions(scope);
        else {
          const scopes = state.snapshot.scopes;
          const row = Object.prototype.hasOwnProperty.call(scopes, scope) ? scopes[scope] : undefined;
          if (!row) throw new RolegateError("not_in_snapshot", "scope", `the snapshot holds no decisions at \`${scope}\``);
          map = row;
        }
        maps.set(scope, map);
      }
      return map;
    },
    /** Frees the session (the store answers no more). */
    free() {
      if (session) session.free();
      session = null;
    },
  };
}

