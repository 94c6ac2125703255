/**
 * Applies a plan so that the output folder is always either as it was or fully updated.
 *
 * One transaction lives in one working folder `<out>/.moat-tmp-<id>/`:
 *   new/<i>       the staged content of change i (written and fsynced before anything else moves)
 *   old/<i>       what change i moved out of the way (the backup)
 *   journal.json  the changes and the folders created for them; written after staging, before the
 *                 first rename, so its presence means "the folder may have been touched"
 *   COMMITTED     written after the last rename: from then on the update is complete
 * Every step after the journal is a rename, so at any instant each path holds either its old or its new
 * entry, and the journal says how to put every old entry back.
 *
 * Leftovers of a killed run are RECOVERED, not just deleted: under the lock (so no live run owns them),
 * a working folder with COMMITTED is removed (the update is complete); one with a journal but no
 * COMMITTED is rolled back from its backups, restoring the folder to its state before that run; one
 * without a journal never touched the folder and is removed. Rolling back rather than forward keeps one
 * code path for in-process failures and crashes, and a crash before the commit point then means the
 * same thing as a failure: nothing happened.
 *
 * A working folder found in the output folder may not be moat's: the folder is committed to git, so a
 * pull request can add one. Recovery therefore acts only inside the output folder: a journal that names
 * a path moat cannot have written (absolute, with `..`, one of moat's own names) is refused whole, and
 * no rename, unlink or rmdir of a journal's path goes through a link or a file above it, which a
 * forged journal could have placed (or had restored) there. moat itself never writes through either.
 */
import type { OutputFs } from "./fs-layer.js";
import type { PlannedChange } from "./plan.js";
import { errorCode } from "./fs-layer.js";
import { FolderView } from "./folder-view.js";
import { isSafeOutputPath } from "./manifest.js";

export const WORK_PREFIX = ".moat-tmp-";

interface JournalEntry {
  readonly op: PlannedChange["op"];
  readonly path: string;
}

interface Journal {
  readonly changes: readonly JournalEntry[];
  /** Folders created for new outputs, parents first. */
  readonly createdDirs: readonly string[];
}

/** Raised when an update failed and the folder could not be put back; the working folder is kept for recovery. */
export class RollbackFailedError extends Error {
  constructor(
    readonly original: unknown,
    readonly rollbackError: unknown,
    readonly workDir: string,
  ) {
    super("rollback failed");
  }
}

export interface TransactionHooks {
  /**
   * Runs once every change is in place, before the commit point: if it throws, every change is rolled
   * back as for a failed rename (moat install loads the new profiles here, so a load that fails leaves
   * the previous files).
   */
  readonly beforeCommit?: () => void;
}

/** Returns false when the update is complete but its working folder could not be tidied away. */
export function applyChanges(outDir: string, changes: readonly PlannedChange[], fs: OutputFs, id: string, hooks: TransactionHooks = {}): boolean {
  const work = `${outDir}/${WORK_PREFIX}${id}`;
  fs.mkdir(work);
  let journal: Journal | undefined;
  try {
    fs.mkdir(`${work}/new`);
    fs.mkdir(`${work}/old`);
    // Staged outputs are not fsynced one by one: a killed process loses nothing that reached the page
    // cache, and at fleet scale (20,000 files) an fsync each costs seconds to tens of seconds. Against a
    // power cut they are build artifacts: `moat check` tells whether the folder is intact, and
    // `moat compile --force` rewrites it. The journal and the commit marker, which recovery trusts, are made durable.
    changes.forEach((c, i) => {
      if (c.content !== undefined) fs.writeNewFile(`${work}/new/${i}`, c.content);
    });
    // What is at each target is read one folder at a time. Under the lock only this transaction moves
    // entries, and it moves each target once, so a folder listed after some renames still tells the truth
    // about every target not yet handled.
    const view = new FolderView(outDir, fs);
    journal = { changes: changes.map(({ op, path }) => ({ op, path })), createdDirs: missingDirs(outDir, changes, view) };
    fs.writeNewFile(`${work}/journal.json`, JSON.stringify(journal), { durable: true });
    const toCreate = new Set(journal.createdDirs);
    changes.forEach((c, i) => {
      const target = `${outDir}/${c.path}`;
      if (view.has(target)) fs.rename(target, `${work}/old/${i}`);
      if (c.content === undefined) return;
      // Folders are made only now, parents first: a forced deletion earlier in the list may have cleared their place.
      for (let slash = c.path.indexOf("/"); slash !== -1; slash = c.path.indexOf("/", slash + 1)) {
        const dir = c.path.slice(0, slash);
        if (toCreate.delete(dir)) fs.mkdir(`${outDir}/${dir}`);
      }
      fs.rename(`${work}/new/${i}`, target);
    });
    hooks.beforeCommit?.();
    fs.writeNewFile(`${work}/COMMITTED`, "", { durable: true });
  } catch (e) {
    try {
      if (journal !== undefined) rollBack(outDir, work, journal, fs);
      fs.removeTree(work);
    } catch (rollbackError) {
      throw new RollbackFailedError(e, rollbackError, work);
    }
    throw e;
  }
  // Past the commit point: what follows is tidying, and a failure in it loses nothing. The working
  // folder goes last, so that if tidying fails, the next run finds it with COMMITTED and finishes.
  try {
    tidyCommitted(outDir, work, journal!, fs);
    return true;
  } catch {
    return false;
  }
}

function tidyCommitted(outDir: string, work: string, journal: Journal, fs: OutputFs): void {
  for (const c of journal.changes) if (c.op === "delete") pruneEmptyParents(outDir, c.path, fs);
  fs.removeTree(work);
}

/** Finishes or undoes the work of runs that were killed; returns the working folders it handled. */
export function recoverInterrupted(outDir: string, fs: OutputFs): { rolledBack: string[]; removed: string[] } {
  const rolledBack: string[] = [];
  const removed: string[] = [];
  const works = fs.readdir(outDir).filter((e) => e.kind === "dir" && e.name.startsWith(WORK_PREFIX));
  for (const name of works.map((e) => e.name).sort()) {
    const work = `${outDir}/${name}`;
    const journal = readJournal(fs.readFileIfExists(`${work}/journal.json`), name);
    if (journal !== undefined && fs.kind(`${work}/COMMITTED`) !== undefined) {
      tidyCommitted(outDir, work, journal, fs);
      removed.push(name);
    } else if (journal !== undefined) {
      rollBack(outDir, work, journal, fs);
      fs.removeTree(work);
      rolledBack.push(name);
    } else {
      fs.removeTree(work);
      removed.push(name);
    }
  }
  return { rolledBack, removed };
}

/**
 * Puts every moved entry back, newest change first. A staged file that is no longer in new/ was renamed
 * into place, so the entry at its target is moat's new file and goes; a backup in old/ goes back.
 */
function rollBack(outDir: string, work: string, journal: Journal, fs: OutputFs): void {
  for (let i = journal.changes.length - 1; i >= 0; i--) {
    const c = journal.changes[i]!;
    const target = `${outDir}/${c.path}`;
    const backedUp = fs.kind(`${work}/old/${i}`) !== undefined;
    // A replacement's backup goes to old/ before its new file leaves new/: with new/ empty and no backup
    // left, the backup is already back in place (an earlier rollback that failed further on), and the
    // file at the target is the original, not moat's. Only a creation's file is removed without one.
    const moved = c.op !== "delete" && fs.kind(`${work}/new/${i}`) === undefined;
    if (moved && (c.op === "create" || backedUp)) {
      requireFoldersAbove(outDir, c.path, fs);
      if (fs.kind(target) === "file") fs.unlink(target);
    }
    if (!backedUp) continue;
    // A file that blocked a folder comes back only once that folder, made for new outputs, is gone, and
    // with it the folders made inside it (deepest first; their files were undone above).
    if (journal.createdDirs.includes(c.path)) {
      for (const dir of [...journal.createdDirs].reverse()) {
        if (dir === c.path || dir.startsWith(`${c.path}/`)) removeDirIfEmpty(outDir, dir, fs);
      }
    }
    requireFoldersAbove(outDir, c.path, fs);
    fs.rename(`${work}/old/${i}`, target);
  }
  for (const dir of [...journal.createdDirs].reverse()) removeDirIfEmpty(outDir, dir, fs);
}

/** Whether every entry above `rel` in the output folder is a folder (or absent): then `rel` is reached without a link. */
function foldersAbove(outDir: string, rel: string, fs: OutputFs): boolean {
  for (let slash = rel.indexOf("/"); slash !== -1; slash = rel.indexOf("/", slash + 1)) {
    const kind = fs.kind(`${outDir}/${rel.slice(0, slash)}`);
    if (kind !== undefined && kind !== "dir") return false;
  }
  return true;
}

function requireFoldersAbove(outDir: string, rel: string, fs: OutputFs): void {
  if (!foldersAbove(outDir, rel, fs)) throw new Error(`the journal's path ${JSON.stringify(rel)} leads through a link or a file, which moat never writes through; refusing to follow it`);
}

function removeDirIfEmpty(outDir: string, rel: string, fs: OutputFs): void {
  if (!foldersAbove(outDir, rel, fs)) return; // not a folder moat made
  try {
    fs.rmdir(`${outDir}/${rel}`);
  } catch (e) {
    const code = errorCode(e);
    if (code !== "ENOENT" && code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOTDIR") throw e;
  }
}

const OPS: readonly string[] = ["create", "replace", "delete"] satisfies readonly PlannedChange["op"][];

/**
 * The journal of working folder `name`, or undefined when it has none (yet) that is complete. A journal
 * that is complete but names something moat cannot have written is not moat's: recovery stops there,
 * leaving the folder as it is, rather than act on it or delete it.
 */
function readJournal(content: Buffer | undefined, name: string): Journal | undefined {
  if (content === undefined) return undefined;
  let data: Journal;
  try {
    data = JSON.parse(content.toString("utf8")) as Journal;
  } catch {
    // A journal cut short by a crash was never complete, and no rename happens before it is.
    return undefined;
  }
  if (typeof data !== "object" || data === null || !Array.isArray(data.changes) || !Array.isArray(data.createdDirs)) return undefined;
  // A change that is no change moat makes has no path to act on.
  const paths: unknown[] = [...data.changes.map((c: unknown) => (typeof c === "object" && c !== null && OPS.includes((c as JournalEntry).op) ? (c as JournalEntry).path : null)), ...data.createdDirs];
  const bad = paths.findIndex((p) => typeof p !== "string" || !isSafeOutputPath(p));
  if (bad !== -1) {
    const what = typeof paths[bad] === "string" ? `the path ${JSON.stringify(paths[bad])}, which moat never writes` : "an entry that is no change moat makes";
    throw new Error(`working folder ${name} holds a journal moat did not write (it names ${what}); moat will not act on it: move that folder out of the output folder`);
  }
  return data;
}

/** The folders that must be created for the new outputs, parents first. */
function missingDirs(outDir: string, changes: readonly PlannedChange[], view: FolderView): string[] {
  // A blocking file is moved away by a deletion that runs before the folder is needed.
  const deleted = new Set(changes.filter((c) => c.op === "delete").map((c) => c.path));
  const dirs = new Set<string>();
  const checked = new Set<string>();
  for (const c of changes) {
    if (c.content === undefined) continue;
    for (let slash = c.path.indexOf("/"); slash !== -1; slash = c.path.indexOf("/", slash + 1)) {
      const dir = c.path.slice(0, slash);
      if (checked.has(dir)) continue;
      checked.add(dir);
      if (deleted.has(dir) || view.kind(`${outDir}/${dir}`) === undefined) dirs.add(dir);
    }
  }
  return [...dirs];
}

function pruneEmptyParents(outDir: string, path: string, fs: OutputFs): void {
  if (!foldersAbove(outDir, path, fs)) return;
  const parts = path.split("/");
  for (let i = parts.length - 1; i >= 1; i--) {
    const dir = `${outDir}/${parts.slice(0, i).join("/")}`;
    if (fs.kind(dir) !== "dir" || fs.readdir(dir).length > 0) return;
    fs.rmdir(dir);
  }
}
