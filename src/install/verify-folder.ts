/**
 * The output folder install reads (`--from`, committed to git and copied to the host) must be exactly
 * what a compile wrote: every file its manifest lists, each with the manifest's sha256, and nothing
 * else but the manifest (and a compile's lock file `.moat.lock`, which `moat check` allows too). A file
 * dropped into it, one edited since, a link anywhere, or a listed file missing: nothing is installed
 * (MOAT507). Only the manifest's list is ever read; nothing in the folder is trusted beyond it.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { GRANTS_PATH } from "./grants-model.js";
import { sha256 } from "./installed-record.js";

export const MANIFEST = "moat-manifest.json";
const LOCK = ".moat.lock";

export interface FolderEntry {
  /** Relative POSIX path inside the folder. */
  readonly path: string;
  readonly kind: "file" | "dir" | "other";
}

export interface VerifiedFolder {
  /** Each listed output's text, by path relative to the folder. */
  readonly files: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

const SAFE = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))(?!.*\/\/)[^\0\\]+$/;

export function verifyFolder(entries: readonly FolderEntry[], read: (path: string) => Uint8Array | undefined, show: (path: string) => string): VerifiedFolder {
  const diagnostics: Diagnostic[] = [];
  const fail = (detail: string, hint?: string): VerifiedFolder => ({
    files: new Map(),
    diagnostics: [...diagnostics, diagnostic("MOAT507", undefined, { detail }, hint === undefined ? {} : { hint })],
  });
  const recompile = "compile the policy into this folder again (moat compile), commit it, and install the committed folder";
  const manifestBytes = entries.some((e) => e.path === MANIFEST && e.kind === "file") ? read(MANIFEST) : undefined;
  if (manifestBytes === undefined) return fail(`${show(MANIFEST)} is missing: install takes only a folder moat compiled`, recompile);
  let listed: Map<string, string>;
  try {
    const data = JSON.parse(Buffer.from(manifestBytes).toString("utf8")) as { outputs?: unknown };
    if (!Array.isArray(data.outputs)) throw new Error("no outputs");
    listed = new Map();
    for (const o of data.outputs as { path?: unknown; sha256?: unknown }[]) {
      if (typeof o?.path !== "string" || !SAFE.test(o.path) || o.path === MANIFEST || typeof o.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(o.sha256)) throw new Error("bad entry");
      listed.set(o.path, o.sha256);
    }
  } catch {
    return fail(`${show(MANIFEST)} is not a manifest moat wrote`, recompile);
  }
  if (!listed.has(GRANTS_PATH)) return fail(`${show(MANIFEST)} lists no ${GRANTS_PATH}: the folder was compiled by a moat without install support`, recompile);

  const dirsOfOutputs = new Set<string>();
  for (const path of listed.keys()) for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) dirsOfOutputs.add(path.slice(0, i));
  const problems: string[] = [];
  const present = new Map(entries.map((e) => [e.path, e.kind]));
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (e.path === MANIFEST || e.path === LOCK || listed.has(e.path)) continue;
    if (e.kind === "dir" && dirsOfOutputs.has(e.path)) continue;
    problems.push(`${show(e.path)} is not in the manifest (${e.kind === "dir" ? "a folder" : e.kind === "file" ? "a file" : "a link or special file"})`);
  }
  const files = new Map<string, string>();
  for (const [path, hash] of [...listed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const kind = present.get(path);
    if (kind === undefined) {
      problems.push(`${show(path)} is missing`);
      continue;
    }
    if (kind !== "file") {
      problems.push(`${show(path)} is not a regular file`);
      continue;
    }
    const bytes = read(path);
    if (bytes === undefined || sha256(bytes) !== hash) {
      problems.push(`${show(path)} differs from the manifest's sha256 (changed since compile)`);
      continue;
    }
    files.set(path, Buffer.from(bytes).toString("utf8"));
  }
  if (problems.length > 0) {
    for (const p of problems) diagnostics.push(diagnostic("MOAT507", undefined, { detail: `${p}; nothing was installed` }, { hint: "install takes exactly what compile wrote: remove what the manifest does not list, or compile again" }));
    return { files: new Map(), diagnostics };
  }
  return { files, diagnostics };
}
