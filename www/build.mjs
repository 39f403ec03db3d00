// Builds the demo page into dist/ (or, with --static, into dist-static/: a page without
// the server half, ready to publish as static files). The presets' policies are exported
// to JSON by the rolegate command (ROLEGATE_BIN, else target/release or target/debug).

import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const isStatic = process.argv.includes("--static");
const out = join(here, isStatic ? "dist-static" : "dist");

function rolegateBin() {
  const candidates = [process.env.ROLEGATE_BIN, join(here, "../target/release/rolegate"), join(here, "../target/debug/rolegate")].filter((p) => p && existsSync(p));
  if (!candidates.length) {
    throw new Error("the rolegate command is not built: run `cargo build -p rolegate-cli` (or set ROLEGATE_BIN)");
  }
  if (process.env.ROLEGATE_BIN) return candidates[0];
  return candidates.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

const bin = rolegateBin();
const presets = ["outreach", "calilio", "callscaler", "callaro", "project-members"];
const policies = Object.fromEntries(presets.map((name) => [name, execFileSync(bin, ["export", name], { encoding: "utf8" })]));
mkdirSync(join(here, "generated"), { recursive: true });
writeFileSync(join(here, "generated/policies.json"), JSON.stringify(policies));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
const result = await build({
  entryPoints: [join(here, "src/main.jsx")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: true,
  outfile: join(out, "app.js"),
  define: { "globalThis.ROLEGATE_STATIC": String(isStatic) },
  metafile: true,
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(out, "index.html"));
copyFileSync(join(here, "src/style.css"), join(out, "app.css"));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + (o.bytes ?? 0), 0);
console.log(`www: built ${isStatic ? "the static page" : "the page"} into ${out} in ${Date.now() - started} ms (${(statSync(join(out, "app.js")).size / 1024).toFixed(0)} KB app.js; policies from ${bin})`);
void bytes;
