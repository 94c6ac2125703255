/**
 * The compilation root, and how outputs name a source by it: a header's `source`, the manifest's
 * inputs, a grant's file, a chain of includes. Plain POSIX path arithmetic: no file is read.
 */
import { posix } from "node:path";

/** The deepest folder holding every path: headers name sources relative to it. */
export function compilationRoot(paths: readonly string[]): string {
  if (paths.length === 0) return ".";
  let common = posix.dirname(paths[0]!).split("/");
  for (const path of paths.slice(1)) {
    const parts = posix.dirname(path).split("/");
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  const joined = common.join("/");
  return joined === "" ? (paths[0]!.startsWith("/") ? "/" : ".") : joined;
}

/** A path relative to the compilation root, for headers, the manifest and chains of includes. */
export function relativeToRoot(root: string, path: string): string {
  // root is a folder prefix of every source path, so slicing is exact (and needs no working folder).
  if (root === ".") return path;
  const prefix = root.endsWith("/") ? root : root + "/";
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
