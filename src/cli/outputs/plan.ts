/**
 * Decides what a compile may do to the output folder. Ownership comes only from the previous manifest:
 * a file it lists with the hash the file still has is moat's to replace or delete; any other file in
 * the way is someone else's (MOAT401) or was edited by hand (MOAT402), and is never touched without
 * --force. The plan reads the folder but changes nothing.
 */
import type { OutputFile } from "../../api.js";
import { FolderView } from "./folder-view.js";
import type { OutputFs } from "./fs-layer.js";
import { isSafeOutputPath, MANIFEST_PATH, sha256, type PreviousManifest } from "./manifest.js";

export type Conflict =
  | { readonly code: "MOAT401"; readonly path: string }
  | { readonly code: "MOAT402"; readonly path: string; readonly reason?: string };

export interface PlannedChange {
  readonly op: "create" | "replace" | "delete";
  readonly path: string;
  /** For create and replace. */
  readonly content?: string;
  /** Set when the change overrides a conflict; only carried out under --force. */
  readonly conflict?: Conflict;
}

export interface OutputPlan {
  /** Deletions first (a forced deletion may clear the way for a creation), then by path. */
  readonly changes: readonly PlannedChange[];
  readonly unchanged: readonly string[];
  readonly conflicts: readonly Conflict[];
}

export function planOutputs(outDir: string, outputs: readonly OutputFile[], previous: PreviousManifest, fs: OutputFs): OutputPlan {
  const owned = previous.kind === "valid" ? previous.outputs : new Map<string, string>();
  const at = (path: string): string => `${outDir}/${path}`;
  const view = new FolderView(outDir, fs);

  /** Why an existing entry at `path` is not moat's to change, or undefined when it is. */
  const ownershipConflict = (path: string): Conflict | undefined => {
    if (path === MANIFEST_PATH) {
      return previous.kind === "invalid" ? { code: "MOAT402", path, reason: previous.reason } : undefined;
    }
    const recorded = owned.get(path);
    if (recorded === undefined) return { code: "MOAT401", path };
    const content = view.kind(at(path)) === "file" ? fs.readFileIfExists(at(path)) : undefined;
    return content !== undefined && sha256(content) === recorded ? undefined : { code: "MOAT402", path };
  };

  const seen = new Set<string>();
  for (const out of outputs) {
    if (!isSafeOutputPath(out.path)) throw new Error(`compile produced an unsafe output path ${JSON.stringify(out.path)}`);
    if (seen.has(out.path)) throw new Error(`compile produced ${out.path} twice`);
    seen.add(out.path);
  }

  const deletions = new Map<string, PlannedChange>();
  const writes: PlannedChange[] = [];
  const unchanged: string[] = [];

  for (const out of [...outputs].sort((a, b) => compare(a.path, b.path))) {
    // A file or link where an output needs a folder blocks the output; only --force moves it away.
    const parts = out.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const kind = view.kind(at(parent));
      if (kind === "dir" || kind === undefined) continue;
      if (!deletions.has(parent)) deletions.set(parent, { op: "delete", path: parent, conflict: ownershipConflict(parent) ?? { code: "MOAT401", path: parent } });
      break;
    }
    const kind = view.kind(at(out.path));
    if (kind === undefined) {
      writes.push({ op: "create", path: out.path, content: out.content });
      continue;
    }
    if (kind === "file" && fs.holds(at(out.path), out.content)) {
      unchanged.push(out.path);
      continue;
    }
    const conflict = ownershipConflict(out.path);
    writes.push(conflict === undefined ? { op: "replace", path: out.path, content: out.content } : { op: "replace", path: out.path, content: out.content, conflict });
  }

  for (const path of [...owned.keys()].sort(compare)) {
    if (seen.has(path) || deletions.has(path) || view.kind(at(path)) === undefined) continue;
    // A stale output moves out of the way of nothing, so a blocked parent is simply left alone.
    if (parentIsBlocked(path, deletions)) continue;
    const conflict = ownershipConflict(path);
    deletions.set(path, conflict === undefined ? { op: "delete", path } : { op: "delete", path, conflict });
  }

  const changes = [...[...deletions.values()].sort((a, b) => compare(a.path, b.path)), ...writes];
  const conflicts = changes.flatMap((c) => (c.conflict === undefined ? [] : [c.conflict]));
  return { changes, unchanged, conflicts };
}

function parentIsBlocked(path: string, deletions: ReadonlyMap<string, PlannedChange>): boolean {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) if (deletions.has(parts.slice(0, i).join("/"))) return true;
  return false;
}

/** Code-unit order, never locale order, so plans and messages do not depend on the machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
