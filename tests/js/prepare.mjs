// Prepares the fixture corpus for the JavaScript runtimes: the presets as JSON documents,
// the decision fixture files, and the native decisions for every case (from the
// `rolegate` command), in one file: target/js-corpus.json.
//
// usage: node tests/js/prepare.mjs [path/to/rolegate]

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = process.argv[2] ?? join(root, "target", "debug", "rolegate");
const run = (...args) => execFileSync(bin, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });

const presets = {};
for (const name of run("presets").trim().split("\n")) {
  presets[name] = JSON.parse(run("export", name));
}
const dir = join(root, "tests", "fixtures", "decisions");
const names = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const files = {};
for (const name of names) files[name] = JSON.parse(readFileSync(join(dir, name), "utf8"));
mkdirSync(join(root, "target"), { recursive: true });
const report = join(root, "target", "native-decisions.json");
run("test", ...names.map((n) => join(dir, n)), "--report", report);
const native = JSON.parse(readFileSync(report, "utf8"));
const out = join(root, "target", "js-corpus.json");
writeFileSync(out, JSON.stringify({ presets, files, native }));
const cases = Object.values(files).reduce((n, f) => n + f.cases.length, 0);
console.log(`prepared ${cases} cases of ${names.length} files for the JavaScript runtimes: ${out}`);
