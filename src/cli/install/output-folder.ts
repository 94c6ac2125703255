/** The compiled output folder `moat install --from DIR` reads: every entry, links never followed. */
import * as fs from "node:fs";
import type { FolderEntry } from "../../install/verify-folder.js";

export interface OutputFolder {
  readonly entries: readonly FolderEntry[];
  readonly read: (path: string) => Uint8Array | undefined;
}

/** Throws an fs error when DIR cannot be listed. DIR itself may be a link to a folder. */
export function readOutputFolder(dir: string): OutputFolder {
  const entries: FolderEntry[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(rel === "" ? dir : `${dir}/${rel}`, { withFileTypes: true })) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      const kind = e.isDirectory() ? "dir" : e.isFile() ? "file" : "other";
      entries.push({ path, kind });
      if (kind === "dir") walk(path);
    }
  };
  walk("");
  return {
    entries,
    read(path) {
      const fd = fs.openSync(`${dir}/${path}`, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      try {
        return fs.fstatSync(fd).isFile() ? fs.readFileSync(fd) : undefined;
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}
