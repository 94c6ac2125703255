/**
 * Turns the PATH arguments into the compilation's entries: absolute POSIX paths, sorted by code unit
 * and without duplicates, so that neither argument order nor directory listing order can change the
 * output. A named file is taken whatever its extension (the operator chose it); a folder contributes its
 * `*.iso` files, searched recursively, skipping dot-folders and node_modules. Symlinked folders are not
 * followed (a link cycle must not hang moat); symlinked files are.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describeFsError } from "./outputs/fs-layer.js";

export type FoundInputs = { readonly entries: readonly string[] } | { readonly error: string; readonly kind: "usage" | "none" };

export function findInputs(args: readonly string[], cwd: string, display: (p: string) => string): FoundInputs {
  const found = new Set<string>();
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
        count = walk(abs, found);
      } catch (e) {
        return { kind: "usage", error: `cannot read folder ${arg}: ${describeFsError(e)}` };
      }
      if (count === 0 && args.length > 0) return { kind: "none", error: `no .iso files found in ${display(abs)}` };
    } else {
      found.add(abs);
    }
  }
  if (found.size === 0) return { kind: "none", error: `no .iso files found in ${display(toPosix(path.resolve(cwd)))}` };
  return { entries: [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** Adds the folder's .iso files to `found`; returns how many it holds. */
function walk(dir: string, found: Set<string>): number {
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir === "/" ? "" : dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "node_modules") count += walk(full, found);
    } else if (entry.name.endsWith(".iso") && (entry.isFile() || (entry.isSymbolicLink() && isFile(full)))) {
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
