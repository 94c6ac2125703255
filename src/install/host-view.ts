/**
 * What `moat install` may learn of a host: a small read-only view that the planner works through, so
 * that every host check can be run on an in-memory host in tests. Only src/cli/ implements it on the
 * real file system (under `--root`, every host path is taken inside ROOT).
 *
 * Paths given to a view are absolute host paths ("/dev/vg0/web01"). A view never follows a link in
 * them on its own: the resolver below walks them one component at a time, reading each link itself, so
 * that a link is resolved inside ROOT (an absolute target starts again at ROOT, `..` stops at ROOT) and
 * never leads outside it. So every path the planner hands a view has no link above its last component.
 */

export type HostKind = "file" | "dir" | "link" | "block" | "char" | "other";

export interface HostStat {
  readonly kind: HostKind;
  /** The permission bits and the sticky bit (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  /**
   * `major:minor` of a block or character device node, when the view reads real device nodes (not
   * under --root, where device numbers come from sysfs: see block-devices.ts).
   */
  readonly rdev?: string;
}

export interface HostView {
  /** lstat: what is at `path`, the last component not followed; undefined when nothing is there. */
  lstat(path: string): HostStat | undefined;
  /** The target of the link at `path`, as written in the link. */
  readlink(path: string): string | undefined;
  /** The names in the folder at `path`, or undefined when it is no folder. */
  readdir(path: string): readonly string[] | undefined;
  /** A small text file (sysfs attributes, mountinfo), or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /**
   * The device-mapper table of block device NAME (`dm-N`, number `MAJOR:MINOR`) as `dmsetup table`
   * prints it, or why it cannot be read (block-devices.ts reads it only for devices that share a lower
   * device with another tenant's or a mounted one). Under --root a staged tree holds the text in
   * ROOT/.moat-staged/dmsetup-table/NAME.
   */
  dmTable(name: string, dev: string): { readonly text: string } | { readonly error: string };
  /** The owners that count as root: uid 0, and under --root the owner of ROOT (a staged tree is its stager's). */
  readonly trustedUids: ReadonlySet<number>;
}

/** Where a path leads on the host. */
export interface Resolution {
  /** The path with every link resolved; components past the first missing one are kept as written. */
  readonly path: string;
  /** Whether something is at `path` (a dangling link or a missing folder on the way: false). */
  readonly exists: boolean;
  /** Set when more than MAX_LINKS links were followed (a loop): `path` is then meaningless. */
  readonly loop?: true;
}

/** As the kernel's limit on links followed in one lookup (MAXSYMLINKS). */
export const MAX_LINKS = 40;

function split(path: string): string[] {
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

function join(parts: readonly string[]): string {
  return "/" + parts.join("/");
}

/**
 * Resolves host paths through a view, as realpath does but inside the view's root. Each resolved folder
 * is remembered, so that a thousand grants under /var/lib/libvirt/images cost one walk of that folder.
 */
export class Resolver {
  /** A folder path as written -> where it leads (only folders that exist and end as folders). */
  private readonly dirs = new Map<string, string>();

  constructor(readonly view: HostView) {}

  resolve(path: string): Resolution {
    const parts = split(path);
    // The folder is resolved once for every path in it (and remembered); then the last component.
    if (parts.length >= 2 && !parts.includes("..")) {
      const parent = this.resolveDir(join(parts.slice(0, -1)));
      if (parent !== undefined) return this.walk(split(parent), parts.slice(-1));
    }
    return this.walk([], parts);
  }

  private walk(start: readonly string[], parts: readonly string[]): Resolution {
    let current = [...start];
    let pending = [...parts];
    let exists = true;
    let followed = 0;
    while (pending.length > 0) {
      const c = pending.shift()!;
      if (c === "..") {
        current.pop(); // `..` never climbs above the root
        continue;
      }
      if (!exists) {
        current.push(c);
        continue;
      }
      const candidate = join([...current, c]);
      const st = this.view.lstat(candidate);
      if (st === undefined) {
        exists = false;
        current.push(c);
        continue;
      }
      if (st.kind === "link") {
        if (++followed > MAX_LINKS) return { path: join([...current, c, ...pending]), exists: false, loop: true };
        const target = this.view.readlink(candidate);
        if (target === undefined) {
          exists = false;
          current.push(c);
          continue;
        }
        // An absolute target starts again at the root: inside ROOT under --root.
        if (target.startsWith("/")) current = [];
        pending = [...split(target), ...pending];
        continue;
      }
      // A file where a folder should be: nothing is at the path (ENOTDIR).
      if (st.kind !== "dir" && pending.length > 0) exists = false;
      current.push(c);
    }
    return { path: join(current), exists };
  }

  /** Like resolve, for a folder, remembered; undefined when it is no folder on the host. */
  resolveDir(path: string): string | undefined {
    const key = join(split(path));
    const known = this.dirs.get(key);
    if (known !== undefined) return known;
    const r = this.resolve(key);
    if (!r.exists || r.loop === true || this.view.lstat(r.path)?.kind !== "dir") return undefined;
    this.dirs.set(key, r.path);
    return r.path;
  }

  /** A small file at `path`, links resolved inside the root first. */
  readFile(path: string): string | undefined {
    const r = this.resolve(path);
    return r.exists && r.loop !== true ? this.view.readFile(r.path) : undefined;
  }

  /** The names in a folder, links resolved inside the root first. */
  readdir(path: string): readonly string[] | undefined {
    const dir = this.resolveDir(path);
    return dir === undefined ? undefined : this.view.readdir(dir);
  }
}
