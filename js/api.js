//! The public JavaScript API of rolegate over one loaded WebAssembly module: `Policy`,
//! `Session`, `RolegateError`, the stable codes and what the module carries.
//!
//! One factory, `createApi(raw)`, so that the same sources serve every entry of the package
//! (each entry loads its module its own way, then hands the raw exports here). The parts
//! live in their own modules: errors.js, boundary.js (the calls into wasm), policy.js,
//! session.js; snapshot.js answers from snapshots without WebAssembly.

import { RolegateError } from "./errors.js";
import { connect } from "./boundary.js";
import { definePolicy } from "./policy.js";
import { Session } from "./session.js";

/**
 * The API over `raw`, a module instantiated already, or still loading when `loading` (its
 * promise) is given: `ready` resolves once policies can be compiled.
 */
export function createApi(raw, loading) {
  const boundary = connect(raw, loading);
  return { Policy: definePolicy(boundary), Session, RolegateError, codes: boundary.codes, features: Object.freeze({ full: boundary.full, routes: boundary.routes, text: boundary.text }), ready: boundary.ready };
}
