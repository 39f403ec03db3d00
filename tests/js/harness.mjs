// What the runtime tests share: Chromium's launch, a static server on 127.0.0.1, a free port.

import { readFileSync, statSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createRequire } from "node:module";
import { createServer as createNetServer } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./pack.mjs";

/** Debian's Chromium, and the flags it needs here (as root, no network but loopback). */
export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

/**
 * A static server over `base` on 127.0.0.1 (a free port), with extra `routes` (URL path to
 * file) and an `onRequest(path, status)` hook. Resolves to the listening server.
 */
export function serve(base, { routes = {}, onRequest } = {}) {
  return new Promise((resolve, reject) => {
    const s = createHttpServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      let file = routes[path];
      if (!file) {
        file = join(base, normalize(path).replace(/^[/\\]+/, ""));
        if (file !== base && !file.startsWith(base + sep)) file = undefined;
      }
      let ok = false;
      try {
        ok = file !== undefined && statSync(file).isFile();
      } catch {
        ok = false;
      }
      onRequest?.(path, ok ? 200 : 404);
      if (!ok) {
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end(`not found: ${path}`);
        return;
      }
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" });
      res.end(readFileSync(file));
    });
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}

/** playwright-core's `chromium` from tests/js/node_modules; throws clearly when missing. */
export async function loadPlaywright() {
  const require = createRequire(join(root, "tests", "js", "package.json"));
  let entry;
  try {
    entry = require.resolve("playwright-core");
  } catch {
    throw new Error("playwright-core is not installed in tests/js/node_modules: run `bash scripts/setup js`");
  }
  const mod = await import(pathToFileURL(entry).href);
  return mod.chromium ?? mod.default.chromium;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
