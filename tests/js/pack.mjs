// Packs pkg/ with `npm pack` and installs the tarball into a scratch project, as a user
// would get the package. Shared by the runtime tests.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const tools = join(root, "tests", "js", "node_modules", ".bin");

/** Path of a tool installed by `scripts/setup js`; throws when it is missing. */
export function tool(name) {
  const path = join(tools, name);
  if (!existsSync(path)) {
    throw new Error(`${name} is not installed (expected ${path}): run \`bash scripts/setup js\``);
  }
  return path;
}

let tarball;

/** Packs pkg/ once per process; returns the tarball's path. */
export function pack() {
  if (tarball) return tarball;
  const pkg = join(root, "pkg");
  if (!existsSync(join(pkg, "package.json"))) {
    throw new Error("pkg/ is not built: run `bash scripts/build-npm`");
  }
  const dest = join(root, "target", "npm-pack", String(process.pid));
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  execFileSync("npm", ["pack", pkg, "--pack-destination", dest, "--silent"], { encoding: "utf8" });
  const file = readdirSync(dest).find((f) => f.endsWith(".tgz"));
  if (!file) throw new Error("npm pack made no tarball");
  tarball = join(dest, file);
  return tarball;
}

/** A fresh scratch project under target/scratch/<name> with the packed package installed. */
export function scratchProject(name, extra = {}) {
  const dir = join(root, "target", "scratch", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `scratch-${name}`, private: true, type: "module", ...extra }, null, 2));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", pack()], { cwd: dir, encoding: "utf8" });
  return dir;
}
