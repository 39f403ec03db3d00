import type { Policy } from "./index.js";

/**
 * Development aid: from now on, the first check of each action outside `policy`'s catalog
 * logs one `console.warn` naming it, with the close known name (`did you mean`). Off by
 * default; `warnUnknownActions(policy, false)` turns it off. Returns the policy.
 */
export declare function warnUnknownActions<P extends Policy<any>>(policy: P, on?: boolean): P;

/** The known name closest to `word` when it is close enough to be a misspelling (the engine's "did you mean" rule). */
export declare function closest(word: string, known: readonly string[]): string | undefined;
