/**
 * A file meant to be included (a tenant's file, using the lets its host's file defines) compiled on its
 * own fails with "${images} is not defined", which says nothing of the cause. When a named file uses
 * lets it never sees defined, moat looks around the policy tree for the file that includes it (in the
 * git repository holding it, or the folder above it) and says which one to compile instead.
 *
 * Only names of files and line numbers are shown: the files searched are not the policy being compiled.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { toPosix } from "./find-inputs.js";

/** How far the search goes: folders up from the policy tree, and files read in all. */
const MAX_LEVELS_UP = 3;
const MAX_FILES = 2000;

const INCLUDE = /^[ \t]*include[ \t]+"((?:[^"\\\r\n]|\\.)*)"/gm;

export function withIncludeHints(diagnostics: readonly Diagnostic[], entries: readonly string[], tree: string, display: (file: string) => string): readonly Diagnostic[] {
  const named = new Set(entries);
  const firstUndefined = new Map<string, Diagnostic>();
  for (const d of diagnostics) {
    if (d.code === "MOAT201" && d.span !== undefined && named.has(d.span.file) && !firstUndefined.has(d.span.file)) firstUndefined.set(d.span.file, d);
  }
  if (firstUndefined.size === 0) return diagnostics;
  const includers = findIncluders(new Set(firstUndefined.keys()), tree);
  const hinted = new Map<Diagnostic, string>();
  for (const [file, d] of firstUndefined) {
    const by = includers.get(file);
    const hint =
      by === undefined
        ? "if this file is meant to be included, compile the file that includes it, or a folder that holds both: lets are seen only by the files included after them"
        : `this file is meant to be included: ${display(by.file)} includes it (line ${by.line}); ${whatToCompile(by.file, file, display)}`;
    hinted.set(d, d.hint === undefined ? hint : `${d.hint}; ${hint}`);
  }
  return diagnostics.map((d) => {
    const hint = hinted.get(d);
    return hint === undefined ? d : { ...d, hint };
  });
}

/** For each wanted file, the first .iso file (in path order) that includes it, and the include's line. */
function findIncluders(wanted: ReadonlySet<string>, tree: string): Map<string, { file: string; line: number }> {
  const found = new Map<string, { file: string; line: number }>();
  const files: string[] = [];
  walk(searchTop(tree), files);
  for (const file of files.sort()) {
    if (wanted.has(file)) continue;
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const m of text.matchAll(INCLUDE)) {
      const written = m[1]!.replace(/\\(.)/g, "$1");
      if (written.startsWith("/")) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), written));
      if (wanted.has(target) && !found.has(target)) found.set(target, { file, line: text.slice(0, m.index).split("\n").length });
    }
  }
  return found;
}

/**
 * The folder to search: the git repository holding the tree (its top at most MAX_LEVELS_UP above it),
 * else the tree's parent only: never a shared folder above unrelated trees (a temp folder, `/`), whose
 * other policies are none of this one's business and whose size would make the search slow and its
 * answer depend on what else is there.
 */
function searchTop(tree: string): string {
  let dir = tree;
  for (let level = 0; level <= MAX_LEVELS_UP; level++) {
    if (fs.existsSync(`${dir}/.git`)) return dir;
    const parent = path.posix.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.posix.dirname(tree);
}

function walk(dir: string, files: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  // In name order, so that which files a capped search reads does not depend on the file system.
  for (const entry of entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
    if (files.length >= MAX_FILES) return;
    const full = toPosix(`${dir === "/" ? "" : dir}/${entry.name}`);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "node_modules") walk(full, files);
    } else if (entry.isFile() && entry.name.endsWith(".iso")) {
      files.push(full);
    }
  }
}

/** A file includes only inside the folder compiled: its own folder when the included file lies under it, else one holding both. */
function whatToCompile(includer: string, included: string, display: (file: string) => string): string {
  const folder = path.posix.dirname(includer);
  if (included.startsWith(`${folder}/`)) return `compile that file, or its folder (${display(folder)})`;
  return `compile the folder that holds both (${display(commonFolder(includer, included))})`;
}

function commonFolder(a: string, b: string): string {
  const x = path.posix.dirname(a).split("/");
  const y = path.posix.dirname(b).split("/");
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i).join("/") || "/";
}
