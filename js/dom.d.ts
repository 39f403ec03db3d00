import type { Decision, Session, Snapshot } from "./index.js";

/** Where decisions come from: a session, a snapshot, or a function. */
export type DecisionSource = Session | Snapshot | ((action: string, scope: string) => Decision);

/**
 * Applies decisions to every element marked `data-rolegate="action"` under `root`:
 * denied ones are hidden, locked ones get `aria-disabled="true"` and the hint as title;
 * allowed and `conditional` ones (allowed for some resources of their kind) are shown.
 */
export declare function applyDecisions(
  root: ParentNode,
  source: DecisionSource,
  options?: { scope?: string },
): { shown: number; locked: number; hidden: number };
