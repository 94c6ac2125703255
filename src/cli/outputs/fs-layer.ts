/**
 * The file operations the output writer needs, behind an interface so that tests can inject faults
 * (a rename that fails at step k, a read-only folder, a process killed mid-update) without root or a
 * special file system. All operations are synchronous: the writer is one short critical section under a
 * lock, and sync calls keep its failure points explicit.
 */
import * as fs from "node:fs";

/** What `kind` tells of a path: links are not followed, so a link is "other" like a socket. */
export type EntryKind = "file" | "dir" | "other";

export interface FolderEntry {
  readonly name: string;
  readonly kind: EntryKind;
}

export interface OutputFs {
  /** File content, or undefined when nothing is there; a folder or an unreadable file throws. */
  readFileIfExists(path: string): Buffer | undefined;
  /**
   * Whether a regular file at `path` holds exactly the UTF-8 bytes of `content`: false when nothing is
   * there, or a link (not followed), a folder or a socket is. An unreadable file throws.
   */
  holds(path: string, content: string): boolean;
  /** "file", "dir", "other" (symlink, socket…) or undefined when nothing is there. lstat: links are not followed. */
  kind(path: string): EntryKind | undefined;
  /**
   * A folder's entries, each with what `kind` would say of it: from the listing alone where the file
   * system gives entry types (no lstat per entry), else lstat'ed (listEntries).
   */
  readdir(path: string): FolderEntry[];
  mkdir(path: string): void;
  /**
   * Creates the file; fails with EEXIST when anything is there (O_EXCL). With `durable`, the data is
   * on the disk (fsync) before this returns.
   */
  writeNewFile(path: string, data: string | Buffer, options?: { readonly durable?: boolean }): void;
  rename(from: string, to: string): void;
  /** A hard link; fails with EEXIST when `to` exists, which makes it an atomic "create with content". */
  link(from: string, to: string): void;
  unlink(path: string): void;
  rmdir(path: string): void;
  removeTree(path: string): void;
}

/** Far above any output moat writes (a fleet's manifest is a few MB). */
const MAX_READ_BYTES = 256 * 1024 * 1024;

export const nodeOutputFs: OutputFs = {
  readFileIfExists(path) {
    // The output folder is in git, so a pull request may put a link to /dev/zero, a FIFO or a huge
    // file where moat reads its manifest, lock or journal: never through a link, never blocking, only a
    // regular file of bounded size.
    let fd: number;
    try {
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (e) {
      if (errorCode(e) === "ENOENT") return undefined;
      throw e;
    }
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: "EFTYPE" });
      if (stat.size > MAX_READ_BYTES) throw Object.assign(new Error(`${path} is ${stat.size} bytes long, more than moat ever writes`), { code: "EFBIG" });
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  holds(path, content) {
    let fd: number;
    try {
      // Not through a link; and a FIFO put there must not block the open (it is then no regular file).
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (e) {
      // ELOOP: a link, under O_NOFOLLOW; ENXIO: a socket, which cannot be opened.
      if (errorCode(e) === "ENOENT" || errorCode(e) === "ELOOP" || errorCode(e) === "ENXIO") return false;
      throw e;
    }
    try {
      const length = Buffer.byteLength(content, "utf8");
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.size !== length) return false;
      return sameBytes(fd, length, content);
    } finally {
      fs.closeSync(fd);
    }
  },
  kind(path) {
    try {
      const st = fs.lstatSync(path);
      return st.isFile() ? "file" : st.isDirectory() ? "dir" : "other";
    } catch (e) {
      if (errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR") return undefined;
      throw e;
    }
  },
  readdir(path) {
    return listEntries(path, {
      typed: () => fs.readdirSync(path, { withFileTypes: true }).map((d) => ({ name: d.name, kind: d.isFile() ? "file" : d.isDirectory() ? "dir" : "other" })),
      names: () => fs.readdirSync(path),
      kind: (entryPath) => nodeOutputFs.kind(entryPath),
    });
  },
  mkdir: (path) => fs.mkdirSync(path),
  writeNewFile(path, data, options) {
    const fd = fs.openSync(path, "wx", 0o644);
    try {
      fs.writeFileSync(fd, data);
      if (options?.durable === true) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  rename: (from, to) => fs.renameSync(from, to),
  link: (from, to) => fs.linkSync(from, to),
  unlink: (path) => fs.unlinkSync(path),
  rmdir: (path) => fs.rmdirSync(path),
  removeTree: (path) => fs.rmSync(path, { recursive: true, force: true }),
};

/**
 * The file's bytes and the content's, each in a buffer reused by every call: a compile into a folder that
 * already holds its outputs compares every one of them (21,463 at 50,000 resources), and two buffers of
 * its own per file took the re-run's peak RSS 40 MB above a first write's.
 */
let fileBytes = Buffer.allocUnsafe(1 << 16);
let contentBytes = Buffer.allocUnsafe(1 << 16);

function sameBytes(fd: number, length: number, content: string): boolean {
  if (fileBytes.length < length) {
    fileBytes = Buffer.allocUnsafe(Math.max(length, 2 * fileBytes.length));
    contentBytes = Buffer.allocUnsafe(fileBytes.length);
  }
  for (let got = 0; got < length; ) {
    const n = fs.readSync(fd, fileBytes, got, length - got, got);
    if (n === 0) return false; // shorter than its size said: changed while being read
    got += n;
  }
  contentBytes.write(content, 0, "utf8");
  return fileBytes.compare(contentBytes, 0, length, 0, length) === 0;
}

/**
 * A folder's entries with their kinds, from one listing with entry types. Where a file system gives no
 * type, node lstats each entry itself, and the whole listing fails with ENOENT when an entry was removed
 * in between (another moat's private lock file, an editor's swap file): that must not read as "no folder
 * here", which would make every output look new and skip the ownership checks. So on ENOENT the folder
 * is listed again by name, and each name lstat'ed, an entry gone by then left out; a folder that is
 * itself gone still fails with ENOENT.
 */
export function listEntries(
  path: string,
  list: { readonly typed: () => FolderEntry[]; readonly names: () => string[]; readonly kind: (path: string) => EntryKind | undefined },
): FolderEntry[] {
  try {
    return list.typed();
  } catch (e) {
    if (errorCode(e) !== "ENOENT") throw e;
  }
  const entries: FolderEntry[] = [];
  let vanished = false;
  for (const name of list.names()) {
    const kind = list.kind(`${path}/${name}`);
    if (kind !== undefined) entries.push({ name, kind });
    else vanished = true;
  }
  // An entry gone again may be the folder gone since it was listed: then listing it once more throws.
  if (vanished) list.names();
  return entries;
}

export function errorCode(e: unknown): string | undefined {
  if (typeof e === "object" && e !== null && "code" in e && typeof (e as { code: unknown }).code === "string") {
    return (e as { code: string }).code;
  }
  return undefined;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a path component is not a folder",
  EISDIR: "is a folder",
  EEXIST: "already exists",
  ENOTEMPTY: "folder not empty",
  EIO: "input/output error",
  EMFILE: "too many open files",
  ENAMETOOLONG: "name too long",
  ELOOP: "a symbolic link where moat reads a file of its own (it never follows one there), or a link loop",
  EFTYPE: "not a regular file (a folder, device, pipe or socket) where moat reads a file of its own",
  EFBIG: "a file far larger than any moat writes",
};

/** A short human reason for a file system error, without the stack or the absolute path node puts in messages. */
export function describeFsError(e: unknown): string {
  const code = errorCode(e);
  if (code !== undefined) return REASONS[code] ?? code;
  return e instanceof Error ? e.message : String(e);
}
