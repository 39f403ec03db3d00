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

// Where a snapshot made by `session.snapshot()` keeps its index: the rows of decisions by
// scope, in catalog order, and the policy that numbers the actions (a symbol, which JSON
// leaves out; the snapshot is frozen, so the index cannot fall out of step with it).
const INDEX = Symbol.for("rolegate.snapshot.index");

/** The decision a snapshot holds for `action` at the resource's scope. */
export function snapshotCheck(snapshot, action, resource) {
  const index = snapshot[INDEX];
  if (index !== undefined && typeof resource === "string") {
    const row = index.rows.get(resource);
    if (row !== undefined) {
      const id = index.policy.actionId(action);
      return id < 0 ? snapshot.unknown : row[id];
    }
  }
  const scope = scopeOf(resource);
  const row = snapshot.scopes[scope];
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
