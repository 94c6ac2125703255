/**
 * One compile at a time per output folder: `<out>/.moat.lock` holds the pid of the process writing it.
 * The lock appears atomically with its content (written to a private file, then hard-linked into place,
 * which fails if a lock exists), so a reader never sees an empty lock from a process still starting.
 * A lock whose process no longer runs (a killed compile) is stale and is broken; it is first renamed to
 * a private name, so of two processes breaking the same stale lock only one succeeds. A lock holding
 * our own pid is stale too: this process takes the lock once, and in a container every run may be pid 1.
 * (Pids are per host or per pid namespace: two containers sharing one output folder need one namespace.)
 */
import { errorCode, type OutputFs } from "./fs-layer.js";

export const LOCK_NAME = ".moat.lock";

export interface LockDeps {
  readonly fs: OutputFs;
  readonly pid: number;
  readonly isProcessAlive: (pid: number) => boolean;
}

export type LockResult =
  | { readonly acquired: true; readonly release: () => void; readonly brokeStaleFrom?: number }
  /** pid undefined: the lock file is unreadable or holds no pid. */
  | { readonly acquired: false; readonly heldBy: number | undefined };

export function acquireLock(outDir: string, deps: LockDeps): LockResult {
  const { fs, pid } = deps;
  const lock = `${outDir}/${LOCK_NAME}`;
  const mine = `${lock}.${pid}`;
  let brokeStaleFrom: number | undefined;
  removeIfPresent(fs, mine); // left by a killed run that had our pid
  fs.writeNewFile(mine, `${pid}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.link(mine, lock);
        const release = (): void => {
          // Remove the lock only while it is still ours.
          if (readPid(fs, lock) === pid) fs.unlink(lock);
        };
        return brokeStaleFrom === undefined ? { acquired: true, release } : { acquired: true, release, brokeStaleFrom };
      } catch (e) {
        if (errorCode(e) !== "EEXIST") throw e;
      }
      const holder = readPid(fs, lock);
      if (holder === undefined || (holder !== pid && deps.isProcessAlive(holder))) {
        if (holder === undefined && fs.kind(lock) === undefined) continue; // released meanwhile
        return { acquired: false, heldBy: holder };
      }
      const stale = `${lock}.stale-${pid}`;
      try {
        fs.rename(lock, stale);
      } catch (e) {
        if (errorCode(e) !== "ENOENT") throw e; // another process broke it first
        continue;
      }
      // Between reading the pid and the rename, the dead holder's lock may have been broken and retaken
      // by a live process: then the lock just moved aside is that process's, and goes back.
      const moved = readPid(fs, stale);
      if (moved !== holder && moved !== undefined && deps.isProcessAlive(moved)) {
        try {
          fs.link(stale, lock);
        } catch (e) {
          if (errorCode(e) !== "EEXIST") throw e; // a third process holds it now: still not ours
        } finally {
          removeIfPresent(fs, stale);
        }
        return { acquired: false, heldBy: moved };
      }
      removeIfPresent(fs, stale);
      brokeStaleFrom = holder;
    }
    return { acquired: false, heldBy: readPid(fs, lock) };
  } finally {
    try {
      fs.unlink(mine);
    } catch {
      // Harmless: removeDeadLockFiles clears it once this process has exited.
    }
  }
}

function removeIfPresent(fs: OutputFs, path: string): void {
  try {
    fs.unlink(path);
  } catch (e) {
    if (errorCode(e) !== "ENOENT") throw e;
  }
}

/** The pid in the name of a private lock file (`.moat.lock.<pid>`, `.moat.lock.stale-<pid>`), or undefined for another name. */
export function privateLockPid(name: string): number | undefined {
  const m = /^\.moat\.lock\.(?:stale-)?([0-9]+)$/.exec(name);
  return m === null ? undefined : Number(m[1]);
}

/** Private lock files of runs that were killed between creating them and linking; the live lock stays. */
export function removeDeadLockFiles(outDir: string, deps: LockDeps): void {
  for (const { name } of deps.fs.readdir(outDir)) {
    const pid = privateLockPid(name);
    if (pid !== undefined && pid !== deps.pid && !deps.isProcessAlive(pid)) removeIfPresent(deps.fs, `${outDir}/${name}`);
  }
}

function readPid(fs: OutputFs, lock: string): number | undefined {
  const content = fs.readFileIfExists(lock)?.toString("utf8").trim();
  return content !== undefined && /^[1-9][0-9]{0,9}$/.test(content) ? Number(content) : undefined;
}

/** The pid a lock file names, or undefined when it names none (or cannot be read as one). */
export function lockHolder(fs: OutputFs, lock: string): number | undefined {
  try {
    return readPid(fs, lock);
  } catch {
    return undefined;
  }
}

/** Signal 0 tests for existence: ESRCH means gone; EPERM means it runs under another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === "EPERM";
  }
}
