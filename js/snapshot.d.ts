import type { Decision, Resource, Snapshot } from "./index.js";

/**
 * The decision a snapshot holds for `action` at the resource's scope (no WebAssembly involved).
 * Throws a `RolegateError` with the code `not_in_snapshot` for a scope the snapshot does not
 * hold, or a resource with id, type or attributes.
 */
export declare function snapshotCheck(snapshot: Snapshot, action: string, resource?: Resource | string): Decision;
/** Whether a snapshot allows `action` at the resource's scope. */
export declare function snapshotCan(snapshot: Snapshot, action: string, resource?: Resource | string): boolean;
