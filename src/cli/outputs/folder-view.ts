/**
 * What is in the output folder, read one folder at a time. A fleet writes tens of thousands of files into
 * a handful of folders, so one listing per folder replaces an lstat per file; an entry is lstat'ed only
 * when its folder lists it (in a fresh output folder, never). A view is a snapshot: it is only valid while
 * nothing it has read changes, which holds for the plan (it reads, never writes) and, under the lock, for
 * the renames of one transaction until the first one touches a listed folder's entry again.
 */
import type { OutputFs } from "./fs-layer.js";
import { errorCode } from "./fs-layer.js";

export type EntryKind = "file" | "dir" | "other";

export class FolderView {
  private readonly listings = new Map<string, ReadonlySet<string> | undefined>();
  private readonly kinds = new Map<string, EntryKind | undefined>();

  /** `root` may itself be a link to a folder (an operator's choice); links below it are never followed. */
  constructor(
    private readonly root: string,
    private readonly fs: OutputFs,
  ) {}

  /** Whether anything is at a path under the root: its folder lists it (no lstat). */
  has(path: string): boolean {
    const slash = path.lastIndexOf("/");
    return this.list(path.slice(0, slash))?.has(path.slice(slash + 1)) === true;
  }

  /** Like `fs.kind(path)` for a path under the root, from the listing of its folder. */
  kind(path: string): EntryKind | undefined {
    if (this.kinds.has(path)) return this.kinds.get(path);
    const kind = this.has(path) ? this.fs.kind(path) : undefined;
    this.kinds.set(path, kind);
    return kind;
  }

  /** The names in a folder under the root (or the root), or undefined when no folder is there. */
  list(dir: string): ReadonlySet<string> | undefined {
    if (this.listings.has(dir)) return this.listings.get(dir);
    let names: ReadonlySet<string> | undefined;
    if (dir === this.root || this.kind(dir) === "dir") {
      try {
        names = new Set(this.fs.readdir(dir));
      } catch (e) {
        const code = errorCode(e);
        if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
      }
    }
    this.listings.set(dir, names);
    return names;
  }
}
