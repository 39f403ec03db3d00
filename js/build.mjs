// Assembles the npm package in pkg/ from the wasm-bindgen outputs and the sources in js/,
// then prints the sizes of what each kind of page loads (raw and gzip -9).
//
// usage: node js/build.mjs --core DIR --full DIR --node DIR --out DIR --version X.Y.Z
//   --core: wasm-bindgen web output of the decision engine alone (pages, edge functions)
//   --full: the same with team changes and the lint (Deno, `rolegate/team` in browsers)
//   --node: wasm-bindgen nodejs output of the full engine (CommonJS)

import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
for (const key of ["core", "full", "node", "out", "version"]) {
  if (!args[key]) {
    console.error(`build.mjs: missing --${key}`);
    process.exit(2);
  }
}
const out = args.out;
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "wasm"), { recursive: true });
mkdirSync(join(out, "wasm-full"), { recursive: true });
mkdirSync(join(out, "cjs"), { recursive: true });

const write = (file, text) => writeFileSync(join(out, file), text);
const copy = (from, to) => copyFileSync(from, join(out, to));

// The wasm-bindgen glue and modules.
copy(join(args.core, "rolegate.js"), "wasm/rolegate.js");
copy(join(args.core, "rolegate_bg.wasm"), "wasm/rolegate_bg.wasm");
copy(join(args.full, "rolegate.js"), "wasm-full/rolegate.js");
copy(join(args.full, "rolegate_bg.wasm"), "wasm-full/rolegate_bg.wasm");
copy(join(args.node, "rolegate.js"), "cjs/rolegate.js");
copy(join(args.node, "rolegate_bg.wasm"), "cjs/rolegate_bg.wasm");
// wasm-bindgen's Node glue is CommonJS; the package is `"type": "module"`.
write("cjs/package.json", '{ "type": "commonjs" }\n');

// The API sources, as ES modules and (by a transform of their exports) CommonJS.
function toCommonJs(source) {
  const names = [];
  let text = source.replace(/^import \{([^}]+)\} from "\.\/([\w-]+)\.js";$/gm, (_, list, file) => `const {${list}} = require("./${file}.cjs");`);
  text = text.replace(/^export function (\w+)/gm, (_, name) => {
    names.push(name);
    return `function ${name}`;
  });
  if (/^export /m.test(text)) throw new Error("toCommonJs: only `export function` is supported");
  return `"use strict";\n${text}\nmodule.exports = { ${names.join(", ")} };\n`;
}
for (const name of ["api", "snapshot", "dom"]) {
  const source = readFileSync(join(here, `${name}.js`), "utf8");
  write(`${name}.js`, source);
  if (name !== "dom") write(`${name}.cjs`, toCommonJs(source));
}
for (const name of ["index.d.ts", "snapshot.d.ts", "dom.d.ts", "README.md"]) {
  copy(join(here, name), name);
}

const reexports = `export const { Policy, Session, RolegateError, codes, features } = api;\nexport { snapshotCheck, snapshotCan } from "./snapshot.js";\n`;

// Entries, each for one kind of host, over one of the two modules (`wasm`: decisions only,
// `wasm-full`: with explain, the matrix, team changes and the lint).
const entries = {
  web: (dir) => `// rolegate for pages and Deno: fetches the WebAssembly module that sits next to this file.
import init, * as raw from "./${dir}/rolegate.js";
import { createApi } from "./api.js";
await init({ module_or_path: new URL("./${dir}/rolegate_bg.wasm", import.meta.url) });
const api = createApi(raw);
${reexports}`,
  // Bundlers (esbuild, Vite, webpack): the module travels inside the bundle, no asset
  // setup. It travels gzip-compressed (base64 text of compressed bytes costs no more on the
  // wire than the module file itself) and is inflated with the platform's DecompressionStream.
  browser: (dir) => `// rolegate for bundled pages: the WebAssembly module is inlined, so no bundler plugin is needed.
import init, * as raw from "./${dir}/rolegate.js";
import encoded from "./${dir}/inline.js";
import { createApi } from "./api.js";
const packed = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
const bytes = await new Response(new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
await init({ module_or_path: bytes });
const api = createApi(raw);
${reexports}`,
  // Cloudflare Workers (workerd): the module is imported as a compiled WebAssembly.Module,
  // as Workers require (no compiling from bytes at request time).
  workerd: (dir) => `// rolegate for Cloudflare Workers: the WebAssembly module is imported, compiled, with the script.
import * as raw from "./${dir}/rolegate.js";
import module from "./${dir}/rolegate_bg.wasm";
import { createApi } from "./api.js";
raw.initSync({ module });
const api = createApi(raw);
${reexports}`,
};
for (const dir of ["wasm", "wasm-full"]) {
  const bytes = readFileSync(join(out, dir, "rolegate_bg.wasm"));
  write(`${dir}/inline.js`, `export default "${gzipSync(bytes, { level: 9 }).toString("base64")}";\n`);
}
write("web.js", entries.web("wasm"));
write("browser.js", entries.browser("wasm"));
write("workerd.js", entries.workerd("wasm"));
write("full-web.js", entries.web("wasm-full"));
write("full-browser.js", entries.browser("wasm-full"));
write("full-workerd.js", entries.workerd("wasm-full"));

// Node, as an ES module: the full engine, loaded synchronously from disk.
write(
  "node.mjs",
  `// rolegate for Node (ES module): loads the WebAssembly module synchronously from disk.
import { readFileSync } from "node:fs";
import * as raw from "./wasm-full/rolegate.js";
import { createApi } from "./api.js";
raw.initSync({ module: readFileSync(new URL("./wasm-full/rolegate_bg.wasm", import.meta.url)) });
const api = createApi(raw);
${reexports}`,
);

// Node, as CommonJS.
write(
  "node.cjs",
  `// rolegate for Node (CommonJS).
"use strict";
const raw = require("./cjs/rolegate.js");
const { createApi } = require("./api.cjs");
const { snapshotCheck, snapshotCan } = require("./snapshot.cjs");
module.exports = { ...createApi(raw), snapshotCheck, snapshotCan };
`,
);

// What browsers load is minified (whitespace, comments, local names), as ES modules.
const esbuild = await import(join(here, "..", "tests", "js", "node_modules", "esbuild", "lib", "main.js"));
for (const file of ["wasm/rolegate.js", "wasm-full/rolegate.js", "api.js", "snapshot.js", "dom.js", "web.js", "browser.js", "workerd.js", "full-web.js", "full-browser.js", "full-workerd.js"]) {
  const source = readFileSync(join(out, file), "utf8");
  const result = await esbuild.transform(source, { minify: true, format: "esm", target: "es2022", legalComments: "none" });
  write(file, `// rolegate ${args.version} (minified; the readable source is js/${file.startsWith("wasm/") ? "(generated by wasm-bindgen)" : file} in the repository)\n${result.code}`);
}

const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
pkg.version = args.version;
write("package.json", `${JSON.stringify(pkg, null, 2)}\n`);

// Sizes: what a page loads, raw and gzip -9.
function size(files) {
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const bytes = readFileSync(join(out, f));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gz };
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const rows = [
  ["wasm/rolegate_bg.wasm", ["wasm/rolegate_bg.wasm"]],
  ["JS (glue + api + snapshot + web.js)", ["wasm/rolegate.js", "api.js", "snapshot.js", "web.js"]],
  ["page without bundler (web.js + wasm)", ["wasm/rolegate.js", "api.js", "snapshot.js", "web.js", "wasm/rolegate_bg.wasm"]],
  ["bundled page (browser.js, wasm inlined)", ["wasm/rolegate.js", "api.js", "snapshot.js", "browser.js", "wasm/inline.js"]],
  ["dom helper (dom.js)", ["dom.js"]],
  ["rolegate/full page (full-web.js + wasm)", ["wasm-full/rolegate.js", "api.js", "snapshot.js", "full-web.js", "wasm-full/rolegate_bg.wasm"]],
];
console.log("size of what a browser loads (budget: 64 KB gzip; rolegate/full adds explain, the matrix, team changes and lint):");
for (const [label, files] of rows) {
  const s = size(files);
  console.log(`  ${label.padEnd(42)} raw ${kb(s.raw).padStart(9)}   gzip -9 ${kb(s.gz).padStart(8)}`);
}
const page = size(rows[2][1]);
const bundled = size(rows[3][1]);
const full = size(rows[5][1]);
writeFileSync(
  join(out, "size.json"),
  `${JSON.stringify({ page: { raw: page.raw, gzip: page.gz }, bundled: { raw: bundled.raw, gzip: bundled.gz }, full: { raw: full.raw, gzip: full.gz }, wasm: statSync(join(out, "wasm/rolegate_bg.wasm")).size })}\n`,
);
