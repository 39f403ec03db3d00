import type { Decision, Resource, Snapshot } from "./index.js";

/** The decision a snapshot holds for `action` at the resource's scope (no WebAssembly involved). */
export declare function snapshotCheck(snapshot: Snapshot, action: string, resource?: Resource | string): Decision;
/** Whether a snapshot allows `action` at the resource's scope. */
export declare function snapshotCan(snapshot: Snapshot, action: string, resource?: Resource | string): boolean;
