//! `rolegate/dev`: warnings for development builds, in a module of its own so that pages
//! that do not import it carry none of it.
//!
//!   import { warnUnknownActions } from "rolegate/dev";
//!   if (import.meta.env.DEV) warnUnknownActions(policy);

/** Where sessions call the hook (see session.js): a registered symbol, shared by every copy of the package. */
const ON_UNKNOWN_ACTION = Symbol.for("rolegate.onUnknownAction");

/**
 * From now on, the first check (`check`, `can`, `filter`) of each action outside `policy`'s
 * catalog, by any of its sessions, logs one `console.warn` naming the action and the close
 * known one: a misspelled or stale action name, which is otherwise a silent denial
 * (`unknown_action`). `warnUnknownActions(policy, false)` turns it off. Returns the policy.
 */
export function warnUnknownActions(policy, on = true) {
  if (policy === null || typeof policy !== "object" || !Array.isArray(policy.actions)) {
    throw new TypeError("warnUnknownActions: give a Policy");
  }
  if (!on) {
    delete policy[ON_UNKNOWN_ACTION];
    return policy;
  }
  const seen = new Set();
  Object.defineProperty(policy, ON_UNKNOWN_ACTION, {
    configurable: true,
    value(action) {
      if (seen.has(action)) return;
      seen.add(action);
      const close = closest(action, policy.actions.map((a) => a.name));
      console.warn(`rolegate: action \`${action}\` is not in the policy's catalog, so it is denied (reason unknown_action)${close ? ` (did you mean \`${close}\`?)` : ""}`);
    },
  });
  return policy;
}

/**
 * The known name closest to `word` when it is close enough to be a misspelling, by the
 * engine's rule (src/suggest.rs): at most a third of its length away (at least 2 edits),
 * ASCII case differences count as close, an exact name is no misspelling.
 */
export function closest(word, known) {
  if (known.includes(word)) return undefined;
  const lower = word.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const limit = Math.max(Math.floor([...word].length / 3), 2);
  let best;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = distance(lower, name.replace(/[A-Z]/g, (c) => c.toLowerCase()));
    if (d <= limit && d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Edit distance (insertions, deletions, substitutions), by code point. */
function distance(a, b) {
  const [x, y] = [[...a], [...b]];
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  x.forEach((ca, i) => {
    const next = [i + 1];
    y.forEach((cb, j) => next.push(Math.min(row[j] + (ca === cb ? 0 : 1), row[j + 1] + 1, next[j] + 1)));
    row = next;
  });
  return row[y.length];
}
