/**
 * What is in the output folder, read one folder at a time. A fleet writes tens of thousands of files into
 * a handful of folders, so one listing per folder, which gives each entry's kind too, replaces an lstat
 * per file. A view is a snapshot: it is only valid while
 * nothing it has read changes, which holds for the plan (it reads, never writes) and, under the lock, for
 * the renames of one transaction until the first one touches a listed folder's entry again.
 */
import type { EntryKind, OutputFs } from "./fs-layer.js";
import { errorCode } from "./fs-layer.js";
import { LOCK_NAME } from "./lock.js";

/** A folder that may be searched but not read (mode -wx): each name in it is lstat'ed instead. */
const UNLISTABLE: ReadonlyMap<string, EntryKind> = new Map();

export class FolderView {
  /** Each listed folder's entries by name, with their kinds. */
  private readonly listings = new Map<string, ReadonlyMap<string, EntryKind> | undefined>();
  /** What lstat said of the names a listing could not answer for. */
  private readonly lstated = new Map<string, EntryKind | undefined>();

  /** `root` may itself be a link to a folder (an operator's choice); links below it are never followed. */
  constructor(
    private readonly root: string,
    private readonly fs: OutputFs,
  ) {}

  private exactNames: boolean | undefined;

  /**
   * Whether anything is at a path under the root: its folder lists it. On a case-insensitive file system
   * (macOS, Windows) `Foo` is where `foo` is, and a listing cannot say that nothing is there: then a name
   * the listing lacks is lstat'ed, as before listings were used, so a file in the way is never missed.
   */
  has(path: string): boolean {
    const slash = path.lastIndexOf("/");
    const names = this.list(path.slice(0, slash));
    if (names === undefined) return false;
    if (names === UNLISTABLE) return this.fs.kind(path) !== undefined;
    if (names.has(path.slice(slash + 1))) return true;
    return !this.namesAreExact() && this.fs.kind(path) !== undefined;
  }

  /** Probed once with the lock, which the writer holds while a view is in use: does its name in capitals find it? */
  private namesAreExact(): boolean {
    this.exactNames ??= this.fs.kind(`${this.root}/${LOCK_NAME.toUpperCase()}`) === undefined;
    return this.exactNames;
  }

  /** Like `fs.kind(path)` for a path under the root, from the listing of its folder. */
  kind(path: string): EntryKind | undefined {
    const slash = path.lastIndexOf("/");
    const names = this.list(path.slice(0, slash));
    if (names === undefined) return undefined;
    const listed = names.get(path.slice(slash + 1));
    if (listed !== undefined) return listed;
    // The listing has no such name: nothing is there, unless it cannot tell (as in has()).
    if (names !== UNLISTABLE && this.namesAreExact()) return undefined;
    if (this.lstated.has(path)) return this.lstated.get(path);
    const kind = this.fs.kind(path);
    this.lstated.set(path, kind);
    return kind;
  }

  /**
   * The names in a folder under the root (or the root), or undefined when no folder is there. A folder
   * that refuses to be listed but may be searched is still written into, as it was when every output
   * was lstat'ed: it gets UNLISTABLE, and lstat answers for its names.
   */
  private list(dir: string): ReadonlyMap<string, EntryKind> | undefined {
    if (this.listings.has(dir)) return this.listings.get(dir);
    let names: ReadonlyMap<string, EntryKind> | undefined;
    if (dir === this.root || this.kind(dir) === "dir") {
      try {
        const entries = new Map<string, EntryKind>();
        for (const e of this.fs.readdir(dir)) entries.set(e.name, e.kind);
        names = entries;
      } catch (e) {
        const code = errorCode(e);
        if (code === "EACCES") names = UNLISTABLE;
        else if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
      }
    }
    this.listings.set(dir, names);
    return names;
  }
}
