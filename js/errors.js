//! The error of the JavaScript API: `RolegateError`, a stable `code` (the engine's codes,
//! and `unsupported`, `internal`, `not_in_snapshot` of this layer), a `path` to what is
//! wrong and a message. No WebAssembly here, so that the snapshot module and the
//! WebAssembly-backed API throw the one same class.

/** Errors of rolegate: a stable `code`, a `path` to what is wrong, a human message. */
export class RolegateError extends Error {
  constructor(code, path, message, errors) {
    super(message);
    this.name = "RolegateError";
    this.code = code;
    this.path = path;
    if (errors !== undefined) this.errors = errors;
  }
}
