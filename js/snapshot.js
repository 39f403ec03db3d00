// Answers from a session snapshot, in plain JavaScript: no WebAssembly is loaded, so a
// page rendered on the server can hydrate and keep deciding with this module alone.
// What a snapshot cannot answer throws a RolegateError with the code `not_in_snapshot`.

import { RolegateError } from "./errors.js";

function scopeOf(resource) {
  if (resource === undefined || resource === null) return "";
  if (typeof resource === "string") return resource;
  if (resource.id !== undefined || resource.type !== undefined || resource.attrs !== undefined) {
    throw new RolegateError(
      "not_in_snapshot",
      "resource",
      "a snapshot holds decisions per scope; a resource with id, type or attributes needs the session itself",
    );
  }
  return resource.scope ?? "";
}

// The index of a snapshot made by `session.snapshot()` (the snapshot is frozen, so the index
// cannot fall out of step with it): the action ids by name, the scopes and their rows of
// decisions in catalog order, and for many scopes a Map of the rows by scope. Kept beside the
// snapshot, here (session.js fills it), not as a symbol property of it: React refuses to
// pass an object with symbol properties from a server component to a client component.
// A snapshot read back from JSON, or passed to a client component, has none: it is read by name.
export const SNAPSHOT_INDEXES = new WeakMap();

/** The decision a snapshot holds for `action` at the resource's scope. */
export function snapshotCheck(snapshot, action, resource) {
  const index = SNAPSHOT_INDEXES.get(snapshot);
  if (index !== undefined && typeof resource === "string") {
    let row;
    if (index.byScope === null) {
      const scopes = index.scopes;
      for (let i = 0; i < scopes.length; i++) {
        if (scopes[i] === resource) {
          row = index.rows[i];
          break;
        }
      }
    } else {
      row = index.byScope.get(resource);
    }
    if (row !== undefined) {
      const id = index.ids.get(action);
      return id === undefined ? snapshot.unknown : row[id];
    }
  }
  const scope = scopeOf(resource);
  // Own properties only: a scope named `constructor` or `__proto__` is not in a snapshot
  // that does not hold it.
  const row = Object.prototype.hasOwnProperty.call(snapshot.scopes, scope) ? snapshot.scopes[scope] : undefined;
  if (row === undefined) {
    throw new RolegateError(
      "not_in_snapshot",
      "scope",
      `the snapshot has no decisions for scope \`${scope}\`; include it in session.snapshot([...])`,
    );
  }
  return Object.prototype.hasOwnProperty.call(row, action) ? row[action] : snapshot.unknown;
}

/** Whether a snapshot allows `action` at the resource's scope. */
export function snapshotCan(snapshot, action, resource) {
  return snapshotCheck(snapshot, action, resource).allowed;
}
