// Assembles the npm package in pkg/ from the wasm-bindgen outputs and the sources in js/,
// then prints the sizes of what each kind of page loads (raw and gzip -9).
//
// usage: node js/build.mjs --core DIR --full DIR --out DIR --version X.Y.Z
//   --core: wasm-bindgen web output of the decision engine alone (pages, edge functions)
//   --full: the same with explain, the matrix, team changes, the lint and the TOML reader
//           (`rolegate/full`, Node, Deno)
//   --full-json (optional): the full module built without the TOML reader, to print its cost
//
// What the package holds is written once, in the tables below: MODULES (the WebAssembly
// modules), ENTRIES (every file the exports map names, under which path and condition, and
// how an entry loads which module) and LIBRARY (the JavaScript API shared by the entries).
// The entry files, the exports map, `main`, `module`, `types` and `sideEffects` of the
// built package.json, and the size report are all derived from them.
//
// Every module ships once: each `.wasm` file, and each inlined copy (gzip, base64) under a
// bundler-neutral name. No entry reaches a file through `new URL(..., import.meta.url)` where
// a bundler would see it (bundlers copy such files as assets, or rewrite them): bundled
// pages and Node carry the module inline.
//
// esbuild (bundling and minifying) and zopfli (the inlined modules' compression) come from
// js/build-tools, installed by `scripts/setup wasm`.

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { patchGlue } from "./glue.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
for (const key of ["core", "full", "out", "version"]) {
  if (!args[key]) {
    console.error(`build.mjs: missing --${key}`);
    process.exit(2);
  }
}

// The WebAssembly modules: which wasm-bindgen output (`--target web`), the folder it goes to,
// and the inlined copy's module format (the full one is read by Node's CommonJS too).
const MODULES = {
  core: { from: args.core, dir: "wasm", inline: "inline.js" }, // decisions only: pages, edge functions
  full: { from: args.full, dir: "wasm-full", inline: "inline.cjs" }, // the full engine: Node, Deno, `rolegate/full`
};

// The exports map, row by row and in its order: the export path, the condition (`node.import`
// is `import` inside `node`; none: the path names the file directly), the file, and for an
// entry how it loads (LOADERS) which module (MODULES).
const ENTRIES = [
  [".", "types", "index.d.ts"],
  [".", "workerd", "workerd.js", "import", "core"],
  [".", "worker", "workerd.js", "import", "core"],
  [".", "deno", "full-web.js", "fetch", "full"],
  [".", "browser", "browser.js", "lazy", "core"],
  [".", "node.import", "node.mjs", "wrap", "node.cjs"],
  [".", "node.require", "node.cjs", "node", "full"],
  [".", "default", "browser.js", "lazy", "core"],
  ["./web", "types", "index.d.ts"],
  ["./web", "default", "web.js", "fetch", "core"],
  ["./full", "types", "index.d.ts"],
  ["./full", "workerd", "full-workerd.js", "import", "full"],
  ["./full", "worker", "full-workerd.js", "import", "full"],
  ["./full", "deno", "full-web.js", "fetch", "full"],
  ["./full", "browser", "full-browser.js", "inline", "full"],
  ["./full", "node.import", "node.mjs", "wrap", "node.cjs"],
  ["./full", "node.require", "node.cjs", "node", "full"],
  ["./full", "default", "full-web.js", "fetch", "full"],
  ["./dom", "types", "dom.d.ts"],
  ["./dom", "default", "dom.js"],
  ["./react", "types", "react.d.ts"],
  ["./react", "default", "react.js"],
  ["./store", "types", "react.d.ts"],
  ["./store", "default", "store.js"],
  ["./edge", "types", "edge.d.ts"],
  ["./edge", "workerd", "edge-workerd.js", "import", "full", "edge"],
  ["./edge", "worker", "edge-workerd.js", "import", "full", "edge"],
  ["./edge", "node.import", "edge-node.mjs", "wrap", "edge-node.cjs"],
  ["./edge", "node.require", "edge-node.cjs", "node", "full", "node"],
  ["./edge", "default", "edge-web.js", "fetch", "full", "edge"],
  ["./node", "types", "edge.d.ts"],
  ["./node", "import", "edge-node.mjs", "wrap", "edge-node.cjs"],
  ["./node", "default", "edge-node.cjs", "node", "full", "node"],
  ["./snapshot", "types", "snapshot.d.ts"],
  ["./snapshot", "node.import", "snapshot.mjs", "wrap", "snapshot.cjs"],
  ["./snapshot", "import", "snapshot.js"],
  ["./snapshot", "require", "snapshot.cjs"],
  ["./dev", "types", "dev.d.ts"],
  ["./dev", "import", "dev.js"],
  ["./dev", "require", "dev.cjs"],
  ["./policy.schema.json", null, "policy.schema.json"],
  ["./presets/*.json", null, "presets/*.json"],
  ["./query", "types", "query.d.ts"],
  ["./query", "node.import", "query.mjs", "wrap", "query.cjs"],
  ["./query", "import", "query.js"],
  ["./query", "require", "query.cjs"],
  ["./rolegate.wasm", null, "wasm/rolegate_bg.wasm"],
  ["./package.json", null, "package.json"],
].map(([path, condition, file, load, module, gates]) => ({ path, condition, file, load, module, gates }));

// What an entry of `rolegate/edge` or `rolegate/node` adds to the API: the gates (edge.js,
// with the tokens of token.js), and for Node the Express middleware (node-gate.js). They
// load the full module: the page module leaves the route table out (its size budget).
const GATES = {
  edge: [
    'import { createEdge } from "./edge.js";',
    "export const { createGate, gateFetch, honoGate, createPolicyLoader } = createEdge(api);",
    'export { bearer, loadTokenConfig, verifyToken, mintToken, generateKeyPair } from "./token.js";',
  ],
  // CommonJS: Node's entries (see `node` below).
  node: [
    'const { createEdge } = require("./edge.cjs");',
    'const { createNodeGate } = require("./node-gate.cjs");',
    'const { bearer, loadTokenConfig, verifyToken, mintToken, generateKeyPair } = require("./token.cjs");',
    "const edge = createEdge(api);",
    "const { createGate, gateFetch, honoGate, createPolicyLoader } = edge;",
    "const { expressGate } = createNodeGate(edge);",
    "module.exports = { ...api, createGate, gateFetch, honoGate, createPolicyLoader, expressGate, bearer, loadTokenConfig, verifyToken, mintToken, generateKeyPair };",
  ],
};

// The JavaScript API shared by the entries, one file each in the package (also as CommonJS
// unless `esmOnly`). Each is bundled with the sources it imports, except the shared ones,
// which stay imports so that every entry meets the one same module (one `RolegateError`).
const LIBRARY = [
  { name: "errors" },
  { name: "api" },
  { name: "snapshot" },
  { name: "query" },
  { name: "dev" },
  { name: "dom", esmOnly: true },
  { name: "store", esmOnly: true },
  { name: "react", esmOnly: true, external: ["react"] },
  { name: "token" },
  { name: "edge" },
  { name: "node-gate" },
];
const SHARED = new Set(LIBRARY.map((m) => `./${m.name}.js`));

/** The inlined module (gzip, base64) as bytes, inflated by the platform's DecompressionStream. */
const inflate = (encoded) =>
  `new Response(new Blob([Uint8Array.from(atob(${encoded}), (c) => c.charCodeAt(0))]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer()`;

// How an entry loads its module: a comment, imports, what runs before the API is made, and
// the promise of a module still loading (`loading`), which the API exports as `ready`.
const LOADERS = {
  fetch: (dir) => ({
    about: "for pages without a bundler and Deno: fetches the WebAssembly module that sits next to this file.",
    imports: [`import init, * as raw from "./${dir}/rolegate.js";`],
    setup: [`await init({ module_or_path: new URL("./${dir}/rolegate_bg.wasm", import.meta.url) });`],
  }),
  // Bundled pages (esbuild in any format, Vite, webpack, Rollup, Next.js client components):
  // the module travels inside the bundle, no asset and no plugin. It travels gzip-compressed
  // (base64 text of compressed bytes costs no more on the wire than the module file) and is
  // compiled asynchronously with no top-level await, which many bundler targets forbid:
  // `ready` resolves once policies can be compiled.
  lazy: (dir, inline) => ({
    about: "for bundled pages: the WebAssembly module is inlined and compiles in the background (`await ready` once).",
    imports: [`import init, * as raw from "./${dir}/rolegate.js";`, `import encoded from "./${dir}/${inline}";`],
    setup: [],
    loading: `${inflate("encoded")}.then((bytes) => init({ module_or_path: bytes }))`,
  }),
  // Bundled admin pages (`rolegate/full`): inlined too, ready on import.
  inline: (dir, inline) => ({
    about: "for bundled pages: the WebAssembly module is inlined, so no bundler plugin is needed.",
    imports: [`import init, * as raw from "./${dir}/rolegate.js";`, `import encoded from "./${dir}/${inline}";`],
    setup: [`await init({ module_or_path: await ${inflate("encoded")} });`],
  }),
  // Cloudflare Workers (workerd): the module is imported as a compiled WebAssembly.Module,
  // as Workers require (no compiling from bytes at request time).
  import: (dir) => ({
    about: "for Cloudflare Workers: the WebAssembly module is imported, compiled, with the script.",
    imports: [`import * as raw from "./${dir}/rolegate.js";`, `import module from "./${dir}/rolegate_bg.wasm";`],
    setup: ["raw.initSync({ module });"],
  }),
  // Node (and Bun, and server bundles such as Next.js): one CommonJS implementation, read by
  // `require` and, through the ES module wrappers (`wrap`), by `import`: one engine and one
  // `RolegateError` in a process. The module's file is read next to the entry (no decoding or
  // inflating at start); where a bundler moved the entry away from it, the inlined copy is
  // inflated synchronously (node:zlib) instead, so bundles need no path rewritten.
  node: (dir, inline) => ({ about: "for Node (CommonJS; node.mjs and edge-node.mjs are its ES module face).", commonJs: true, dir, inline }),
};

// The loaders only Node runs (its entries are not minified).
const NODE_LOADERS = new Set(["node", "wrap"]);

const API_NAMES = "Policy, Session, RolegateError, codes, features, ready";
const SNAPSHOT_NAMES = "snapshotCheck, snapshotCan";

/** The source of an entry file (an ES module wrapper is written once its CommonJS is). */
function entrySource({ load, module, gates }) {
  const { dir, inline } = MODULES[module];
  const loader = LOADERS[load](dir, inline);
  if (loader.commonJs) {
    // The gates' entry builds on node.cjs: the same engine.
    const body = gates
      ? ['const api = require("./node.cjs");', ...GATES[gates]]
      : [
          `const raw = require("./${dir}/rolegate.cjs");`,
          "// The module's bytes: the .wasm file next to this one, as the package is installed (read",
          "// as it is: nothing to decode or inflate at start), or the inlined copy where a server",
          "// bundle has moved this file away from it.",
          "function wasmBytes() {",
          "  try {",
          `    return require("node:fs").readFileSync(require("node:path").join(__dirname, "${dir}", "rolegate_bg.wasm"));`,
          "  } catch {",
          `    return require("node:zlib").gunzipSync(Buffer.from(require("./${dir}/${inline}"), "base64"));`,
          "  }",
          "}",
          "raw.initSync({ module: wasmBytes() });",
          'const { createApi } = require("./api.cjs");',
          `const { ${SNAPSHOT_NAMES} } = require("./snapshot.cjs");`,
          `module.exports = { ...createApi(raw), ${SNAPSHOT_NAMES} };`,
        ];
    return [`// rolegate ${loader.about}`, '"use strict";', ...body, ""].join("\n");
  }
  return [
    `// rolegate ${loader.about}`,
    ...loader.imports,
    'import { createApi } from "./api.js";',
    ...loader.setup,
    `const api = createApi(raw${loader.loading ? `, ${loader.loading}` : ""});`,
    `export const { ${API_NAMES} } = api;`,
    `export { ${SNAPSHOT_NAMES} } from "./snapshot.js";`,
    ...(gates ? GATES[gates] : []),
    "",
  ].join("\n");
}

/** An ES module that re-exports a CommonJS file of the package, name by name. */
function wrapperSource(file, names) {
  return [
    `// rolegate for Node, as an ES module: ${file} under it, so that \`import\` and \`require\` meet one engine and one RolegateError.`,
    `import cjs from "./${file}";`,
    `export const { ${names.join(", ")} } = cjs;`,
    "",
  ].join("\n");
}

/** The entries, one per file, in the order the table first names them. */
function entryFiles() {
  const files = new Map();
  for (const row of ENTRIES.filter((r) => r.load)) {
    const seen = files.get(row.file);
    if (seen && (seen.load !== row.load || seen.module !== row.module || seen.gates !== row.gates)) {
      throw new Error(`build.mjs: ${row.file} is named with two ways of loading`);
    }
    files.set(row.file, row);
  }
  return [...files.values()];
}

/** The exports map, and the top-level fields that point into it. */
function manifestFields() {
  const exports = {};
  for (const { path, condition, file } of ENTRIES) {
    if (condition === null) {
      exports[path] = `./${file}`;
      continue;
    }
    let target = (exports[path] ??= {});
    const keys = condition.split(".");
    for (const key of keys.slice(0, -1)) target = target[key] ??= {};
    target[keys.at(-1)] = `./${file}`;
  }
  const root = exports["."];
  return {
    types: root.types,
    main: root.node.require,
    module: root.browser,
    sideEffects: entryFiles().map((e) => `./${e.file}`),
    exports,
  };
}

const out = args.out;
const write = (file, text) => writeFileSync(join(out, file), text);
const copy = (from, to) => copyFileSync(from, join(out, to));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const tool = async (name, main) => {
  const path = join(here, "build-tools", "node_modules", name, main);
  if (!existsSync(path)) {
    console.error(`build.mjs: ${name} is not installed (expected ${path}): run \`bash scripts/setup wasm\``);
    process.exit(2);
  }
  return import(pathToFileURL(path).href);
};
const esbuild = await tool("esbuild", "lib/main.js");
const { gzipAsync } = (await tool("@gfx/zopfli", "dist/index.js")).default;

// The wasm-bindgen glue and modules. The glue's default location of the module (a
// `new URL` next to it) goes: every entry says where its module comes from, and a bundler
// would otherwise copy a `.wasm` asset that no page requests.
const DEFAULT_URL = /\n\s*if \(module_or_path === undefined\) \{\n\s*module_or_path = new URL\('rolegate_bg\.wasm', import\.meta\.url\);\n\s*\}/;
for (const { from, dir, inline } of Object.values(MODULES)) {
  mkdirSync(join(out, dir), { recursive: true });
  const glue = readFileSync(join(from, "rolegate.js"), "utf8");
  if (!DEFAULT_URL.test(glue)) throw new Error(`build.mjs: the glue in ${from} has no default module URL to remove (did wasm-bindgen change?)`);
  write(`${dir}/rolegate.js`, patchGlue(glue.replace(DEFAULT_URL, "")));
  copy(join(from, "rolegate_bg.wasm"), `${dir}/rolegate_bg.wasm`);
  // The inlined copy: gzip by zopfli (about 5% smaller than zlib's best), as base64 text.
  const bytes = readFileSync(join(out, dir, "rolegate_bg.wasm"));
  const packed = Buffer.from(await gzipAsync(bytes, { numiterations: 15 })).toString("base64");
  write(`${dir}/${inline}`, inline.endsWith(".cjs") ? `module.exports = "${packed}";\n` : `export default "${packed}";\n`);
}
// The full engine's glue as CommonJS too, for Node's one implementation (node.cjs).
{
  const dir = MODULES.full.dir;
  const result = await esbuild.transform(readFileSync(join(out, dir, "rolegate.js"), "utf8"), { format: "cjs", target: "es2022", logLevel: "error" });
  write(`${dir}/rolegate.cjs`, result.code);
}

// The API: each library module bundled with what it imports, as ES module and CommonJS.
function shared(extension) {
  return {
    name: "shared-modules",
    setup(build) {
      build.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (resolved) => {
        if (resolved.kind === "entry-point" || !SHARED.has(resolved.path)) return undefined;
        return { path: resolved.path.replace(/\.js$/, extension), external: true };
      });
    },
  };
}
for (const { name, esmOnly, external = [] } of LIBRARY) {
  for (const [format, extension] of esmOnly ? [["esm", ".js"]] : [["esm", ".js"], ["cjs", ".cjs"]]) {
    const result = await esbuild.build({
      entryPoints: [join(here, `${name}.js`)],
      bundle: true,
      write: false,
      format,
      platform: "neutral",
      target: "es2022",
      legalComments: "none",
      external,
      plugins: [shared(extension)],
    });
    write(`${name}${extension}`, result.outputFiles[0].text);
  }
}
// The command (`npx rolegate`, over node.mjs), the presets it knows, as JSON (each names
// the schema beside them in `$schema`), and the policy JSON Schema.
copy(join(here, "cli.mjs"), "cli.mjs");
copy(join(here, "..", "policy.schema.json"), "policy.schema.json");
mkdirSync(join(out, "presets"), { recursive: true });
for (const file of readdirSync(join(here, "presets")).filter((f) => f.endsWith(".json"))) {
  copy(join(here, "presets", file), `presets/${file}`);
}
// The declarations the exports map names, and the README.
const declarations = ENTRIES.filter((r) => r.condition === "types").map((r) => r.file);
for (const name of new Set([...declarations, "README.md"])) {
  copy(join(here, name), name);
}

// The entries; then the ES module wrappers, over the names their CommonJS file exports.
const entries = entryFiles();
for (const entry of entries.filter((e) => e.load !== "wrap")) write(entry.file, entrySource(entry));
const requireOut = createRequire(join(resolve(out), "package.json"));
for (const entry of entries.filter((e) => e.load === "wrap")) {
  write(entry.file, wrapperSource(entry.module, Object.keys(requireOut(join(resolve(out), entry.module)))));
}

// What browsers load is minified (whitespace, comments, local names), as ES modules.
const browserFiles = [
  ...["core", "full"].map((m) => `${MODULES[m].dir}/rolegate.js`),
  ...LIBRARY.map((m) => `${m.name}.js`),
  ...entries.filter((e) => !NODE_LOADERS.has(e.load)).map((e) => e.file),
];
for (const file of browserFiles) {
  const source = readFileSync(join(out, file), "utf8");
  const result = await esbuild.transform(source, { minify: true, format: "esm", target: "es2022", legalComments: "none" });
  const readable = file.includes("/") ? "(generated by wasm-bindgen)" : file;
  write(file, `// rolegate ${args.version} (minified; the readable source is js/${readable} in the repository)\n${result.code}`);
}

// package.json: the static fields of js/package.json, the version, and what the tables give.
const { files, ...fields } = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
write("package.json", `${JSON.stringify({ ...fields, version: args.version, ...manifestFields(), files }, null, 2)}\n`);

reportSizes();

/** Prints what each kind of page loads, raw and gzip -9, and writes pkg/size.json. */
function reportSizes() {
  const size = (list) => {
    let raw = 0;
    let gz = 0;
    for (const f of list) {
      const bytes = readFileSync(join(out, f));
      raw += bytes.length;
      gz += gzipSync(bytes, { level: 9 }).length;
    }
    return { raw, gz };
  };
  // The API modules a page loads besides its entry and its module's glue.
  const api = LIBRARY.filter((m) => !["query", "dev", "dom", "store", "react", "token", "edge", "node-gate"].includes(m.name)).map((m) => `${m.name}.js`);
  const page = (file, module, wasm) => [`${MODULES[module].dir}/rolegate.js`, ...api, file, wasm];
  const rows = [
    ["wasm/rolegate_bg.wasm", ["wasm/rolegate_bg.wasm"]],
    ["JS (glue + api + snapshot + web.js)", page("web.js", "core", undefined).filter(Boolean)],
    ["page without bundler (web.js + wasm)", page("web.js", "core", "wasm/rolegate_bg.wasm")],
    ["bundled page (browser.js, wasm inlined)", page("browser.js", "core", "wasm/inline.js")],
    ["dom helper (dom.js)", ["dom.js"]],
    ["react bindings (react.js + store.js)", ["react.js", "store.js"]],
    ["rolegate/full page (full-web.js + wasm)", page("full-web.js", "full", "wasm-full/rolegate_bg.wasm")],
  ];
  console.log("size of what a browser loads (budget: 60 KB gzip, target 40 KB without the gate; rolegate/full adds explain, the matrix, team changes, lint, warnings and TOML):");
  for (const [label, list] of rows) {
    const s = size(list);
    console.log(`  ${label.padEnd(42)} raw ${kb(s.raw).padStart(9)}   gzip -9 ${kb(s.gz).padStart(8)}`);
  }
  // What the TOML reader adds to the full module: the same module built without it.
  let toml;
  if (args["full-json"]) {
    const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
    toml = gz(join(out, "wasm-full", "rolegate_bg.wasm")) - gz(join(args["full-json"], "rolegate_bg.wasm"));
    console.log(`  ${"of which the TOML reader (Policy.fromToml)".padEnd(42)} ${"".padStart(13)}   gzip -9 ${kb(toml).padStart(8)}`);
  }
  const [pageSize, bundled, full] = [rows[2], rows[3], rows[6]].map(([, list]) => size(list));
  writeFileSync(
    join(out, "size.json"),
    `${JSON.stringify({ page: { raw: pageSize.raw, gzip: pageSize.gz }, bundled: { raw: bundled.raw, gzip: bundled.gz }, full: { raw: full.raw, gzip: full.gz }, ...(toml === undefined ? {} : { fullToml: toml }), wasm: statSync(join(out, "wasm/rolegate_bg.wasm")).size })}\n`,
  );
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} KB`;
}
