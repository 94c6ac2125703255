import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A file of the repository, found from the folder holding package.json, so compiled copies of the tests work too. */
export function repoFile(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    if (dirname(dir) === dir) throw new Error("no package.json above the syntax tests");
    dir = dirname(dir);
  }
  return join(dir, relative);
}
