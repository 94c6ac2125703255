/**
 * `moat check`: compares what a compile would write with the output folder, reading only. The folder
 * must hold exactly compile's outputs, the manifest among them, and nothing else:
 *
 *  - an output is missing, different, or stale (the folder's manifest lists it, it is still there, and
 *    compile no longer produces it): MOAT403, which `moat compile` fixes;
 *  - anything else in the folder, at any depth, is foreign (MOAT406): a file, a hidden file, a folder, a
 *    link or a socket that the manifest compile would write does not list. The folder is deployed as a
 *    whole (a profile dropped into apparmor.d/ loads like moat's own), and compile leaves files it did
 *    not write alone, so only check can catch one. A foreign folder is reported once, not walked into.
 *
 * The one exception is moat's lock file `.moat.lock` at the top of the folder, while a compile holds it
 * (it names a live process other than this one).
 * moat's other working names there (a compile's `.moat-tmp-*` working folder, its private
 * `.moat.lock.<pid>` files) are still reported, saying whose they are: left behind they mean a compile
 * was interrupted, and the next compile recovers them.
 */
import type { OutputFile } from "../api.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { errorCode, type EntryKind, type OutputFs } from "./outputs/fs-layer.js";
import { isProcessAlive as processIsAlive, LOCK_NAME, lockHolder, privateLockPid } from "./outputs/lock.js";
import { MANIFEST_PATH, parsePreviousManifest } from "./outputs/manifest.js";
import { compare } from "./outputs/plan.js";
import { WORK_PREFIX } from "./outputs/transaction.js";
import { unifiedDiff } from "./unified-diff.js";

/** What moat can say of a foreign entry's origin. */
export type ForeignOrigin =
  /** Nothing compile writes is at this path. */
  | { readonly of: "unknown" }
  /** A file or link where compile puts a folder of outputs. */
  | { readonly of: "in-place-of-folder" }
  /** One of moat's own working names: a transaction's working folder, or a private lock file. */
  | { readonly of: "work-folder" | "lock-file"; readonly pid: number | undefined; readonly running: boolean };

export type CheckFinding =
  | { readonly path: string; readonly state: "missing" | "stale" }
  /** `diff`: on-disk content to expected content; `entry`: what is there when it is no file. */
  | { readonly path: string; readonly state: "different"; readonly diff: string; readonly entry?: "dir" | "other" }
  | { readonly path: string; readonly state: "foreign"; readonly entry: EntryKind; readonly origin: ForeignOrigin };

export interface CompareOptions {
  /** Whether the process a working name belongs to still runs (tests inject it). */
  readonly isProcessAlive?: (pid: number) => boolean;
  /** This process: a working name with its pid is a dead run's (this process compiles nothing). */
  readonly pid?: number;
}

/** Every finding, in path order. Throws the file system's error when the folder cannot be read. */
export function compareOutputs(outDir: string, outputs: readonly OutputFile[], fs: OutputFs, show: (rel: string) => string, options: CompareOptions = {}): CheckFinding[] {
  const findings: CheckFinding[] = [];
  const produced = new Set(outputs.map((o) => o.path));
  for (const out of [...outputs].sort((a, b) => compare(a.path, b.path))) {
    const target = `${outDir}/${out.path}`;
    const kind = fs.kind(target);
    if (kind === undefined) {
      findings.push({ path: out.path, state: "missing" });
      continue;
    }
    // Most files are unchanged: compared through the file system layer's reused buffers, and read whole
    // only when they differ, for the diff.
    if (kind === "file" && fs.holds(target, out.content)) continue;
    const content = kind === "file" ? fs.readFileIfExists(target) : undefined;
    if (content === undefined) {
      const entry = kind === "dir" ? "dir" : "other";
      findings.push({ path: out.path, state: "different", entry, diff: `${show(out.path)} is a ${entry === "dir" ? "folder" : "link or special file"}, not a file\n` });
    } else if (!content.equals(Buffer.from(out.content, "utf8"))) {
      const name = show(out.path);
      findings.push({ path: out.path, state: "different", diff: unifiedDiff(`${name} (in the folder)`, `${name} (from compile)`, content.toString("utf8"), out.content) });
    }
  }
  const stale = new Set<string>();
  const previous = parsePreviousManifest(fs.readFileIfExists(`${outDir}/${MANIFEST_PATH}`));
  if (previous.kind === "valid") {
    for (const path of previous.outputs.keys()) {
      if (produced.has(path) || fs.kind(`${outDir}/${path}`) === undefined) continue;
      stale.add(path);
      findings.push({ path, state: "stale" });
    }
  }
  findings.push(...foreignEntries(outDir, produced, stale, fs, options));
  return findings.sort((a, b) => compare(a.path, b.path));
}

/**
 * Walks the folder: every entry that is no output (nor a stale one, reported as such) is foreign. Folders
 * are entered only where outputs (or stale outputs) live; there a file or link is foreign too, since
 * compile needs a folder. Links are never followed (the listing's kinds are lstat's).
 */
function foreignEntries(outDir: string, produced: ReadonlySet<string>, stale: ReadonlySet<string>, fs: OutputFs, options: CompareOptions): CheckFinding[] {
  const folders = new Set<string>();
  for (const path of [...produced, ...stale]) {
    for (let slash = path.indexOf("/"); slash !== -1; slash = path.indexOf("/", slash + 1)) folders.add(path.slice(0, slash));
  }
  const found: CheckFinding[] = [];
  const visit = (rel: string): void => {
    let entries;
    try {
      entries = fs.readdir(rel === "" ? outDir : `${outDir}/${rel}`);
    } catch (e) {
      // No output folder (or a file in its place): every output is missing, and nothing is foreign.
      const code = errorCode(e);
      if (rel === "" && (code === "ENOENT" || code === "ENOTDIR")) return;
      throw e;
    }
    for (const { name, kind } of entries) {
      const path = rel === "" ? name : `${rel}/${name}`;
      if (produced.has(path) || stale.has(path)) continue; // compared above
      if (folders.has(path)) {
        if (kind === "dir") visit(path);
        else found.push({ path, state: "foreign", entry: kind, origin: { of: "in-place-of-folder" } });
        continue;
      }
      if (rel === "" && name === LOCK_NAME && kind === "file") {
        // Allowed only while a compile holds it: the folder is in git, and a committed `.moat.lock` (or
        // one left by a killed compile) is a file like any other, whatever it holds.
        const holder = lockHolder(fs, `${outDir}/${name}`);
        const alive = options.isProcessAlive ?? processIsAlive;
        if (holder !== undefined && holder !== (options.pid ?? process.pid) && alive(holder)) continue;
        found.push({ path, state: "foreign", entry: kind, origin: { of: "lock-file", pid: holder, running: false } });
        continue;
      }
      const origin = rel === "" ? ownWorkingName(name, kind, options) : undefined;
      found.push({ path, state: "foreign", entry: kind, origin: origin ?? { of: "unknown" } });
    }
  };
  visit("");
  return found;
}

/** One of the names moat itself makes at the top of the folder while it writes, with whose it is. */
function ownWorkingName(name: string, kind: EntryKind, options: CompareOptions): ForeignOrigin | undefined {
  let of: "work-folder" | "lock-file";
  let pid: number | undefined;
  if (kind === "dir" && name.startsWith(WORK_PREFIX)) {
    // The working folder of one transaction: `.moat-tmp-<pid>-<random>` (write-outputs.ts).
    of = "work-folder";
    const m = /^([1-9][0-9]{0,9})-/.exec(name.slice(WORK_PREFIX.length));
    pid = m === null ? undefined : Number(m[1]);
  } else if (kind === "file" && privateLockPid(name) !== undefined) {
    of = "lock-file";
    pid = privateLockPid(name);
  } else {
    return undefined;
  }
  const alive = options.isProcessAlive ?? processIsAlive;
  const running = pid !== undefined && pid !== (options.pid ?? process.pid) && alive(pid);
  return { of, pid, running };
}

const COMPILE_HINT = "run moat compile, and commit the result with the policy change";
const REMOVE_HINT = "remove it, or move it out of the output folder: whatever is in the folder may be deployed as if moat had written it";

/** A finding as a diagnostic located at the file it is about (so SARIF consumers can place it). */
export function checkDiagnostic(f: CheckFinding, outDir: string): Diagnostic {
  const span = { file: `${outDir}/${f.path}`, start: 0, end: 0 };
  switch (f.state) {
    case "missing":
      return diagnostic("MOAT403", span, { state: "missing: compile would write this file" }, { hint: COMPILE_HINT });
    case "stale":
      return diagnostic("MOAT403", span, { state: "stale: the folder's manifest lists it, but compile no longer produces it" }, { hint: COMPILE_HINT });
    case "different": {
      const state =
        f.entry === undefined
          ? "different from what compile would write"
          : `a ${f.entry === "dir" ? "folder" : "link or special file"} where compile would write a file`;
      return diagnostic("MOAT403", span, { state }, { hint: f.entry === undefined ? COMPILE_HINT : `remove it, then ${COMPILE_HINT}` });
    }
    case "foreign":
      return foreignDiagnostic(f.entry, f.origin, span);
  }
}

function foreignDiagnostic(entry: EntryKind, origin: ForeignOrigin, span: { file: string; start: number; end: number }): Diagnostic {
  const what = entry === "file" ? "a file" : entry === "dir" ? "a folder" : "a link or special file";
  switch (origin.of) {
    case "unknown":
      return diagnostic("MOAT406", span, { detail: `${what} moat would not write: the manifest compile writes does not list it` }, { hint: REMOVE_HINT });
    case "in-place-of-folder":
      return diagnostic("MOAT406", span, { detail: `${what} where compile writes a folder of outputs` }, { hint: `${REMOVE_HINT}; then run moat compile` });
    case "work-folder":
    case "lock-file": {
      const name = origin.of === "work-folder" ? "the working folder" : "a private lock file";
      if (origin.running) {
        return diagnostic("MOAT406", span, { detail: `${name} of a moat compile still running (process ${origin.pid})` }, { hint: "wait for that compile to finish, then run moat check again" });
      }
      const hint =
        origin.of === "work-folder"
          ? "run moat compile: it restores the folder from this working folder (or finishes the update) and removes it; removing it by hand can lose the backup of a half-finished update"
          : "run moat compile, which removes it, or remove it";
      return diagnostic("MOAT406", span, { detail: `${name} left by a moat compile that was interrupted${origin.pid === undefined ? "" : ` (process ${origin.pid})`}` }, { hint });
    }
  }
}
