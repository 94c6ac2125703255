/**
 * Turns the PATH arguments into the compilation's entries: absolute POSIX paths, sorted by code unit
 * and without duplicates, so that neither argument order nor directory listing order can change the
 * output. A named file is taken whatever its extension (the operator chose it); a folder contributes its
 * policy files, searched recursively, skipping dot-folders and node_modules: `*.iso` and, for the
 * commands that compile, `*.iso.json` (the JSON form; `moat fmt` formats only the language). Symlinked
 * folders are not followed (a link cycle must not hang moat); symlinked files are.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describeFsError } from "./outputs/fs-layer.js";

export type FoundInputs = { readonly entries: readonly string[] } | { readonly error: string; readonly kind: "usage" | "none" };

/** Which files a folder contributes: every policy file, or only `.iso` files (for fmt). */
export type InputKinds = "policy" | "iso";

const JSON_SUFFIX = ".iso.json";

export function findInputs(args: readonly string[], cwd: string, display: (p: string) => string, kinds: InputKinds = "policy"): FoundInputs {
  const found = new Set<string>();
  const what = kinds === "policy" ? ".iso or .iso.json files" : ".iso files";
  const wanted = (name: string): boolean => name.endsWith(".iso") || (kinds === "policy" && name.endsWith(JSON_SUFFIX));
  for (const arg of args.length === 0 ? ["."] : args) {
    const abs = toPosix(path.resolve(cwd, arg));
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch (e) {
      return { kind: "usage", error: `cannot read ${arg}: ${describeFsError(e)}` };
    }
    if (stat.isDirectory()) {
      let count: number;
      try {
        count = walk(abs, found, wanted);
      } catch (e) {
        return { kind: "usage", error: `cannot read folder ${arg}: ${describeFsError(e)}` };
      }
      if (count === 0 && args.length > 0) return { kind: "none", error: `no ${what} found in ${display(abs)}` };
    } else {
      if (kinds === "iso" && abs.endsWith(JSON_SUFFIX)) return { kind: "usage", error: `${arg} is a policy in the JSON form; moat fmt formats only .iso files` };
      found.add(abs);
    }
  }
  if (found.size === 0) return { kind: "none", error: `no ${what} found in ${display(toPosix(path.resolve(cwd)))}` };
  return { entries: [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
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
