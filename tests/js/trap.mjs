// Builds the trap test's WebAssembly module: the page module's engine with the feature
// `debug-trap` (`__armTrap(n)`: the n-th decision from then on panics, a real trap), in its
// own profile (`wasm-trap`) so that the package's build is left as it is; its glue changed
// as js/build.mjs changes the package's (js/glue.mjs). The package never carries it.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./pack.mjs";

/** Builds the module into target/trap-module/ (rolegate.js, rolegate_bg.wasm); returns the folder. */
export async function buildTrapModule() {
  const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  const run = (cmd, args, env = {}) => {
    try {
      execFileSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      throw new Error(`${cmd} ${args.join(" ")} failed (is it installed? \`bash scripts/setup rust wasm\`):\n${e.stderr || e.message}`);
    }
  };
  run("cargo", ["rustc", "--quiet", "-p", "rolegate", "--profile", "wasm-trap", "--lib", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", "debug-trap", "--crate-type", "cdylib"]);
  const out = join(root, "target", "trap-module");
  mkdirSync(out, { recursive: true });
  run("wasm-bindgen", ["--target", "web", "--out-dir", out, join(target, "wasm32-unknown-unknown", "wasm-trap", "rolegate.wasm")]);
  const { patchGlue } = await import(pathToFileURL(join(root, "js", "glue.mjs")).href);
  const glue = join(out, "rolegate.js");
  writeFileSync(glue, patchGlue(readFileSync(glue, "utf8")));
  return out;
}
