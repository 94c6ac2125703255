/**
 * Writes a successful compile's outputs into the output folder: lock, recover what a killed run left,
 * plan by ownership, then one transaction. Nothing here throws for expected trouble: conflicts and I/O
 * failures come back as diagnostics with the exit code they call for.
 */
import { randomBytes } from "node:crypto";
import type { OutputFile } from "../../api.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { describeFsError, errorCode, nodeOutputFs, type OutputFs } from "./fs-layer.js";
import { acquireLock, isProcessAlive, LOCK_NAME, removeDeadLockFiles } from "./lock.js";
import { MANIFEST_PATH, parsePreviousManifest } from "./manifest.js";
import { planOutputs, type Conflict } from "./plan.js";
import { applyChanges, recoverInterrupted, RollbackFailedError, WORK_PREFIX } from "./transaction.js";

export interface WriteOptions {
  /** Replace or delete files moat does not own (each one is reported in `notes`). */
  readonly force?: boolean;
  /** How paths appear in messages (the CLI shows them relative to the working folder). */
  readonly display: (absolutePath: string) => string;
  readonly fs?: OutputFs;
  readonly pid?: number;
  readonly isProcessAlive?: (pid: number) => boolean;
}

export interface WriteReport {
  /** 0 written, 1 refused because of files moat does not own, 2 I/O error or locked. */
  readonly exitCode: 0 | 1 | 2;
  readonly diagnostics: readonly Diagnostic[];
  /** Things the operator should know that are not problems: forced replacements, recoveries. */
  readonly notes: readonly string[];
  readonly written: readonly string[];
  readonly deleted: readonly string[];
  readonly unchanged: readonly string[];
}

/** `outDir` is an absolute POSIX path; output paths are relative to it. */
export function writeOutputs(outDir: string, outputs: readonly OutputFile[], options: WriteOptions): WriteReport {
  const fs = options.fs ?? nodeOutputFs;
  const deps = { fs, pid: options.pid ?? process.pid, isProcessAlive: options.isProcessAlive ?? isProcessAlive };
  const show = (rel: string): string => options.display(`${outDir}/${rel}`);
  const notes: string[] = [];
  const fail = (exitCode: 1 | 2, diagnostics: Diagnostic[]): WriteReport => ({ exitCode, diagnostics, notes, written: [], deleted: [], unchanged: [] });
  const ioError = (detail: string): WriteReport => fail(2, [diagnostic("MOAT404", undefined, { detail })]);

  let createdDirs: string[];
  try {
    const kind = fs.kind(outDir);
    // The folder itself may be a link the operator made (generated -> /etc/apparmor.d/moat): what counts
    // is that it leads to a folder. Links inside it are never followed.
    if (kind !== undefined && kind !== "dir" && !leadsToFolder(outDir, fs)) return ioError(`cannot write to ${options.display(outDir)}: it exists and is not a folder`);
    createdDirs = makeFolder(outDir, fs);
  } catch (e) {
    return ioError(`cannot create output folder ${options.display(outDir)}: ${describeFsError(e)}`);
  }

  let lock;
  try {
    lock = acquireLock(outDir, deps);
  } catch (e) {
    removeCreated(createdDirs, fs);
    return ioError(`cannot write to output folder ${options.display(outDir)}: ${describeFsError(e)}`);
  }
  if (!lock.acquired) {
    const who = lock.heldBy === undefined ? "another process" : `another moat (process ${lock.heldBy})`;
    return fail(2, [
      diagnostic("MOAT405", undefined, {
        detail: `${options.display(outDir)} is being written by ${who}; wait for it to finish, or delete ${show(LOCK_NAME)} if no moat is running`,
      }),
    ]);
  }
  if (lock.brokeStaleFrom !== undefined) notes.push(`removed a stale lock left by process ${lock.brokeStaleFrom}, which no longer runs`);

  let succeeded = false;
  try {
    try {
      removeDeadLockFiles(outDir, deps);
      const recovered = recoverInterrupted(outDir, fs);
      if (recovered.rolledBack.length > 0) notes.push(`an interrupted compile had left ${options.display(outDir)} half updated; restored it to its state before that compile`);
    } catch (e) {
      return ioError(`cannot recover ${options.display(outDir)} from an interrupted compile: ${describeFsError(e)}`);
    }

    let plan;
    try {
      plan = planOutputs(outDir, outputs, parsePreviousManifest(fs.readFileIfExists(`${outDir}/${MANIFEST_PATH}`)), fs);
    } catch (e) {
      if (e instanceof Error && !("code" in e)) throw e; // a bad output list is moat's bug, not the disk's
      return ioError(`cannot read output folder ${options.display(outDir)}: ${describeFsError(e)}`);
    }
    if (plan.conflicts.length > 0 && options.force !== true) {
      return fail(1, plan.conflicts.map((c) => conflictDiagnostic(c, show)));
    }
    for (const c of plan.changes) {
      if (c.conflict !== undefined) notes.push(`--force: ${c.op === "delete" ? "deleted" : "replaced"} ${show(c.path)}, ${c.conflict.code === "MOAT401" ? "which moat did not write" : "which was edited by hand since moat wrote it"}`);
    }

    if (plan.changes.length > 0) {
      try {
        const id = `${deps.pid}-${randomBytes(4).toString("hex")}`;
        if (!applyChanges(outDir, plan.changes, fs, id)) {
          notes.push(`the update is complete, but its working folder ${show(`${WORK_PREFIX}${id}`)} could not be removed; the next compile removes it`);
        }
      } catch (e) {
        if (e instanceof RollbackFailedError) {
          return ioError(
            `cannot update ${options.display(outDir)}: ${describeFsError(e.original)}; undoing the partial update also failed (${describeFsError(e.rollbackError)}): the next moat compile into this folder restores it from ${options.display(e.workDir)}`,
          );
        }
        return ioError(`cannot update ${options.display(outDir)}: ${describeFsError(e)}; nothing was changed`);
      }
    }
    succeeded = true;
    return {
      exitCode: 0,
      diagnostics: [],
      notes,
      written: plan.changes.filter((c) => c.op !== "delete").map((c) => c.path),
      deleted: plan.changes.filter((c) => c.op === "delete").map((c) => c.path),
      unchanged: plan.unchanged,
    };
  } finally {
    try {
      lock.release();
    } catch {
      // A lock we cannot remove is stale once we exit; the next run breaks it.
    }
    if (!succeeded) removeCreated(createdDirs, fs);
  }
}

function conflictDiagnostic(c: Conflict, show: (rel: string) => string): Diagnostic {
  const hint = "move the file elsewhere, or run again with --force to let moat replace it";
  if (c.code === "MOAT401") return diagnostic("MOAT401", undefined, { path: show(c.path) }, { hint });
  return diagnostic("MOAT402", undefined, { path: show(c.path) }, { hint: c.reason === undefined ? hint : `${c.reason}; ${hint}` });
}

/** mkdir -p that remembers what it made, so that a run which fails can leave no folder behind. */
function makeFolder(dir: string, fs: OutputFs): string[] {
  const missing: string[] = [];
  for (let d = dir; fs.kind(d) === undefined; d = d.slice(0, Math.max(d.lastIndexOf("/"), 1))) {
    missing.unshift(d);
    if (d === "/") break;
  }
  const made: string[] = [];
  try {
    for (const d of missing) {
      try {
        fs.mkdir(d);
        made.push(d);
      } catch (e) {
        // Another compile starting at the same moment made it: fine, and not ours to remove.
        if (errorCode(e) !== "EEXIST" || fs.kind(d) !== "dir") throw e;
      }
    }
  } catch (e) {
    removeCreated(made, fs);
    throw e;
  }
  return made;
}

function leadsToFolder(path: string, fs: OutputFs): boolean {
  try {
    fs.readdir(path);
    return true;
  } catch {
    return false;
  }
}

function removeCreated(dirs: readonly string[], fs: OutputFs): void {
  for (const d of [...dirs].reverse()) {
    try {
      fs.rmdir(d);
    } catch {
      return; // not empty or not ours to judge: leave it
    }
  }
}
