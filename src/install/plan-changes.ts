/**
 * What an install does to ROOT/etc/apparmor.d, decided from the profiles it wants there, its record of
 * what it installed before, and what each target path holds now. A path holds moat's file when the
 * record lists its name with the hash the file has (or, after an interrupted run, its pending hash).
 * Anything else at a target is never touched: a file moat did not install (MOAT401), one changed on the
 * host since (MOAT402), a folder or a link. A file that already holds exactly the wanted text is taken
 * into the record without being written.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { InstalledEntry } from "./installed-record.js";

/** One change to a file under /etc/apparmor.d (the shape the CLI's transaction takes). */
export interface FileChange {
  readonly op: "create" | "replace" | "delete";
  readonly path: string;
  readonly content?: string;
}

export interface WantedFile {
  readonly name: string;
  readonly text: string;
  readonly sha256: string;
  readonly profiles: readonly string[];
}

/** What is at a target path now. */
export type TargetState = { readonly kind: "absent" } | { readonly kind: "file"; readonly sha256: string } | { readonly kind: "other" };

export interface ChangePlan {
  /** Deletions first, then writes, each by name. */
  readonly changes: readonly FileChange[];
  readonly installed: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
  /** Removed files whose profiles must be unloaded: name -> profile names. */
  readonly unload: ReadonlyMap<string, readonly string[]>;
  readonly notes: readonly string[];
  readonly conflicts: readonly Diagnostic[];
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function planChanges(
  wanted: readonly WantedFile[],
  record: readonly InstalledEntry[],
  target: (name: string) => TargetState,
  show: (name: string) => string,
): ChangePlan {
  const owned = new Map<string, Set<string>>();
  const profilesOf = new Map<string, readonly string[]>();
  for (const e of record) {
    owned.set(e.name, (owned.get(e.name) ?? new Set()).add(e.sha256));
    if (e.pending !== true || !profilesOf.has(e.name)) profilesOf.set(e.name, e.profiles);
  }
  const hint = "moat install never overwrites or removes a file it did not install: move it out of the way, or remove it from the policy";
  const conflicts: Diagnostic[] = [];
  const conflict = (name: string, state: TargetState): void => {
    if (state.kind === "file" && owned.has(name)) conflicts.push(diagnostic("MOAT402", undefined, { path: show(name) }, { hint: `it was changed on this host since moat installed it; ${hint}` }));
    else conflicts.push(diagnostic("MOAT401", undefined, { path: show(name) }, { hint: state.kind === "other" ? `it is a folder, a link or a special file; ${hint}` : hint }));
  };
  const changes: FileChange[] = [];
  const deletions: FileChange[] = [];
  const installed: string[] = [];
  const unchanged: string[] = [];
  const removed: string[] = [];
  const unload = new Map<string, readonly string[]>();
  const notes: string[] = [];
  const wantedNames = new Set(wanted.map((w) => w.name));

  for (const w of [...wanted].sort((a, b) => byName(a.name, b.name))) {
    const state = target(w.name);
    if (state.kind === "absent") {
      if (owned.has(w.name)) notes.push(`${show(w.name)}, which moat installed, was gone; installing it again`);
      changes.push({ op: "create", path: w.name, content: w.text });
      installed.push(w.name);
    } else if (state.kind === "file" && state.sha256 === w.sha256) {
      if (!owned.has(w.name)) notes.push(`${show(w.name)} already held exactly what moat installs; recording it as moat's`);
      unchanged.push(w.name);
    } else if (state.kind === "file" && owned.get(w.name)?.has(state.sha256) === true) {
      changes.push({ op: "replace", path: w.name, content: w.text });
      installed.push(w.name);
    } else conflict(w.name, state);
  }
  for (const name of [...owned.keys()].sort(byName)) {
    if (wantedNames.has(name)) continue;
    const state = target(name);
    if (state.kind === "absent") {
      notes.push(`${show(name)}, which moat installed, was gone already; forgetting it`);
      continue;
    }
    if (state.kind === "file" && owned.get(name)!.has(state.sha256)) {
      deletions.push({ op: "delete", path: name });
      removed.push(name);
      unload.set(name, profilesOf.get(name) ?? []);
    } else conflict(name, state);
  }
  return { changes: [...deletions, ...changes], installed, unchanged, removed, unload, notes, conflicts };
}
