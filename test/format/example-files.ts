/** The bundled example policies: every .iso file under examples/, as Sources with repo-relative paths. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Source } from "../../src/source.js";

/** The folder holding package.json above this file (found by walking up, so a compiled copy works too). */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export function isoFilesUnder(folder: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(folder).sort();
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return name === "generated" ? [] : isoFilesUnder(path);
    return name.endsWith(".iso") ? [path] : [];
  });
}

export function exampleSources(): Source[] {
  return isoFilesUnder(join(repoRoot, "examples")).map((path) => ({
    path: relative(repoRoot, path).split("\\").join("/"),
    text: readFileSync(path, "utf8"),
  }));
}
