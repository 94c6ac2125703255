/**
 * Turns the PATH arguments into the compilation's entries: absolute POSIX paths, sorted by code unit
 * and without duplicates, so that neither argument order nor directory listing order can change the
 * output. A named file is taken whatever its extension (the operator chose it); a folder contributes its
 * policy files, searched recursively, skipping dot-folders and node_modules: `*.iso` and, for the
 * commands that compile, `*.iso.json` (the JSON form; `moat fmt` formats only the language). Symlinked
 * folders are not followed (a link cycle must not hang moat); symlinked files are, and read-source.ts
 * reads them only when they lead to a regular file inside the policy tree.
 *
 * The policy tree is decided here, from the arguments alone: the deepest folder holding every named
 * folder and the folder of every named file. It bounds what the compile may read (every entry and every
 * include, links followed), and no policy file can widen it. The operator's arguments are trusted, the
 * content of the folders is not: a pull request can turn a named folder into a link (to `/`, say), so a
 * tree that is itself a link is refused, and so is a named folder whose link leads out of the tree.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isInsideTree } from "../model/load-files.js";
import { describeFsError } from "./outputs/fs-layer.js";

/** The folder a compilation may read from: as named (absolute POSIX), and where it really is (links followed). */
export interface PolicyTree {
  readonly path: string;
  readonly real: string;
}

export type FoundInputs =
  | { readonly entries: readonly string[]; readonly tree: PolicyTree }
  | { readonly error: string; readonly kind: "usage" | "none" | "outside" };

/** Which files a folder contributes: every policy file, or only `.iso` files (for fmt). */
export type InputKinds = "policy" | "iso";

const JSON_SUFFIX = ".iso.json";

export function findInputs(args: readonly string[], cwd: string, display: (p: string) => string, kinds: InputKinds = "policy"): FoundInputs {
  const found = new Set<string>();
  const what = kinds === "policy" ? ".iso or .iso.json files" : ".iso files";
  const wanted = (name: string): boolean => name.endsWith(".iso") || (kinds === "policy" && name.endsWith(JSON_SUFFIX));
  const named: { readonly arg: string; readonly abs: string; readonly folder: boolean }[] = [];
  for (const arg of args.length === 0 ? ["."] : args) {
    const abs = toPosix(path.resolve(cwd, arg));
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch (e) {
      return { kind: "usage", error: `cannot read ${arg}: ${describeFsError(e)}` };
    }
    if (!stat.isDirectory() && kinds === "iso" && abs.endsWith(JSON_SUFFIX)) return { kind: "usage", error: `${arg} is a policy in the JSON form; moat fmt formats only .iso files` };
    named.push({ arg, abs, folder: stat.isDirectory() });
  }

  // The tree is fixed before any folder is searched: a named folder that is a link to `/` must not
  // have moat walk the whole file system before refusing it.
  const treePath = deepestCommonFolder(named.map((n) => (n.folder ? n.abs : path.posix.dirname(n.abs))));
  let tree: PolicyTree;
  try {
    if (fs.lstatSync(treePath).isSymbolicLink()) {
      return { kind: "outside", error: `policy folder ${JSON.stringify(display(treePath))} is a link: moat reads the policy tree where it was named and follows no link out of it; compile from the folder the link points to` };
    }
    tree = { path: treePath, real: toPosix(fs.realpathSync(treePath)) };
  } catch (e) {
    return { kind: "usage", error: `cannot read folder ${display(treePath)}: ${describeFsError(e)}` };
  }

  for (const { arg, abs, folder } of named) {
    if (!folder) {
      found.add(abs);
      continue;
    }
    let count: number;
    try {
      if (!isInsideTree(tree.real, toPosix(fs.realpathSync(abs)))) {
        return { kind: "outside", error: `policy folder ${JSON.stringify(arg)} leads outside the policy tree through a link; compile from the folder it points to, or move its files into the policy tree` };
      }
      count = walk(abs, found, wanted);
    } catch (e) {
      return { kind: "usage", error: `cannot read folder ${arg}: ${describeFsError(e)}` };
    }
    if (count === 0 && args.length > 0) return { kind: "none", error: `no ${what} found in ${display(abs)}` };
  }
  if (found.size === 0) return { kind: "none", error: `no ${what} found in ${display(toPosix(path.resolve(cwd)))}` };
  return { entries: [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), tree };
}

/** The deepest folder holding every one of these absolute POSIX folders. */
function deepestCommonFolder(folders: readonly string[]): string {
  let common = folders[0]!.split("/");
  for (const folder of folders.slice(1)) {
    const parts = folder.split("/");
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  const joined = common.join("/");
  return joined === "" ? "/" : joined;
}

/** Adds the folder's wanted files to `found`; returns how many it holds. */
function walk(dir: string, found: Set<string>, wanted: (name: string) => boolean): number {
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir === "/" ? "" : dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "node_modules") count += walk(full, found, wanted);
    } else if (wanted(entry.name) && (entry.isFile() || (entry.isSymbolicLink() && isFile(full)))) {
      found.add(full);
      count++;
    }
  }
  return count;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Normalized POSIX form of an absolute path (moat's file identities use `/` on every platform). */
export function toPosix(p: string): string {
  return path.sep === "/" ? p : p.split(path.sep).join("/");
}
