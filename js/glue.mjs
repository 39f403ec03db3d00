// Changes to the wasm-bindgen glue (`--target web`) that the package's JavaScript layer
// relies on, made by js/build.mjs (and by the trap test, tests/js/trap.mjs, on the module it
// builds): after a trap, the layer replaces the instance by a fresh one of the same module
// (`__reinstantiate`), and the objects of the old instance must never reach the new one.
//
// - `__reinstantiate()`: a new instance of the compiled module, synchronously; the glue's
//   exports go on working, over the new instance.
// - The finalizers that free a collected object's memory remember the instance it was made
//   in, and free nothing in another: an old pointer would free memory of the new instance.

const REGISTRY = /new FinalizationRegistry\(ptr => wasm\.(__wbg_\w+_free)\(ptr( >>> 0)?, 1\)\)/g;
const REGISTER = /\.register\((\w+), \1\.__wbg_ptr, \1\)/g;
const NEEDED = ["let wasmModule, wasmInstance, wasm;", "function __wbg_get_imports(", "function __wbg_finalize_init(instance, module)"];

/** The glue's text with the changes above; throws when it does not have the expected shape. */
export function patchGlue(glue) {
  for (const text of NEEDED) {
    if (!glue.includes(text)) throw new Error(`glue.mjs: the wasm-bindgen glue has no \`${text}\` (did wasm-bindgen change?)`);
  }
  let registries = 0;
  let registrations = 0;
  const out = glue
    .replace(REGISTRY, (_, free, shift = "") => {
      registries += 1;
      return `new FinalizationRegistry(([ptr, exports]) => exports === wasm && wasm.${free}(ptr${shift}, 1))`;
    })
    .replace(REGISTER, (_, obj) => {
      registrations += 1;
      return `.register(${obj}, [${obj}.__wbg_ptr, wasm], ${obj})`;
    });
  if (registries === 0 || registrations < registries) {
    throw new Error(`glue.mjs: found ${registries} finalizers and ${registrations} registrations in the glue (did wasm-bindgen change?)`);
  }
  return `${out}
/** A fresh instance of the same module, in place of the current one (after a trap). */
export function __reinstantiate() {
  const module = wasmModule;
  return __wbg_finalize_init(new WebAssembly.Instance(module, __wbg_get_imports()), module);
}
`;
}
