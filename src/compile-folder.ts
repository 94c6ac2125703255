/**
 * A folder that holds many hosts' policies: every entry with a `policy` statement of its own is a root,
 * compiled on its own with what it includes (tenant files shared by several hosts are included by each),
 * and its outputs belong under `<policy name>/`. A folder with one root, or none, is compiled as one
 * policy, exactly as compile() does: its outputs and diagnostics do not change.
 *
 * Every entry must belong to some policy: a file that no root includes would be compiled into no
 * host's profiles, silently, so it is an error (MOAT228). Two roots may not share a name, since the
 * name is their output folder (MOAT205).
 */
import type { CompileInput, CompileOptions, CompileResult, PhaseTiming, ReadResult } from "./api.js";
import { compileLoaded } from "./compile.js";
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics/diagnostic.js";
import { compilationRoot } from "./model/compilation-root.js";
import { loadFiles, type LoadedFiles } from "./model/load-files.js";
import type { Source, Span } from "./source.js";

export interface PolicyCompile {
  /** The policy's name: its outputs go to `<name>/` of the output folder. */
  readonly name: string;
  /** The file whose `policy` statement names it. */
  readonly entry: string;
  readonly result: CompileResult;
}

export type FolderCompile =
  /** One policy (or none named): the result is compile()'s. */
  | { readonly kind: "one"; readonly result: CompileResult }
  /**
   * Several: each policy's own result, and one result gathering every diagnostic (a diagnostic of a
   * file two policies include is kept once) and source, with no outputs and no model.
   */
  | { readonly kind: "many"; readonly policies: readonly PolicyCompile[]; readonly result: CompileResult };

interface Root {
  readonly entry: string;
  readonly name: string;
  readonly span: Span;
  readonly statementSpan: Span;
}

export function compileFolder(input: CompileInput, options: CompileOptions = {}): FolderCompile {
  if (input.entries.length === 0) return { kind: "one", result: compileLoaded(undefined, options) };
  const start = performance.now();
  let loaded: LoadedFiles;
  try {
    loaded = loadFiles(input);
  } catch {
    // A bug in moat: compile() reports it as MOAT900.
    return { kind: "one", result: compileLoaded(() => loadFiles(input), options) };
  }
  const parseMs = performance.now() - start;
  const roots = policyRoots(loaded, input.entries);
  if (roots.length <= 1 || hasErrors(loaded.diagnostics)) {
    const result = compileLoaded(() => loaded, options);
    return { kind: "one", result: { ...result, timings: result.timings.map((t) => (t.phase === "parse" ? { ...t, ms: t.ms + parseMs } : t)) } };
  }

  // Each root reads through what the folder's first reading kept: every file is read once.
  const texts = new Map(loaded.sources.map((s) => [s.path, s.text]));
  const readFile = (path: string): ReadResult => {
    const text = texts.get(path);
    return text === undefined ? input.readFile(path) : { text };
  };
  // The folder's tree, not the root file's folder: a host's file includes tenants beside it ("../tenants").
  const tree = input.root ?? compilationRoot(input.entries);
  const policies: PolicyCompile[] = [];
  const extra: Diagnostic[] = [];
  const firstByName = new Map<string, Root>();
  for (const root of roots) {
    const first = firstByName.get(root.name);
    if (first !== undefined) {
      extra.push(
        diagnostic("MOAT205", root.span, { other: root.name }, {
          related: [{ span: first.statementSpan, message: "named here" }],
          hint: "each policy of a folder is compiled into a folder of its own name: give each host's policy file its own name",
        }),
      );
      continue;
    }
    firstByName.set(root.name, root);
    const result = compileLoaded(() => loadFiles({ entries: [root.entry], root: tree, readFile }), options);
    policies.push({ name: root.name, entry: root.entry, result });
  }

  const reached = new Set(policies.flatMap((p) => p.result.sources.map((s) => s.path)));
  const names = policies.map((p) => p.name).join(", ");
  for (const entry of [...new Set(input.entries)].sort()) {
    if (reached.has(entry) || roots.some((r) => r.entry === entry)) continue;
    extra.push(
      diagnostic("MOAT228", { file: entry, start: 0, end: 0 }, { names }, {
        hint: "include it from the policy file of each host that needs it (include \"RELATIVE/PATH.iso\"), or move it out of the folder",
      }),
    );
  }
  policies.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { kind: "many", policies, result: gather(policies, extra, loaded.sources, parseMs) };
}

/** The entries that name a policy, in path order. */
function policyRoots(loaded: LoadedFiles, entries: readonly string[]): Root[] {
  const roots: Root[] = [];
  for (const entry of [...new Set(entries)].sort()) {
    const file = loaded.files.get(entry);
    const statement = file?.statements.find((s) => s.kind === "Policy");
    if (statement?.kind === "Policy") roots.push({ entry, name: statement.name.name, span: statement.name.span, statementSpan: statement.span });
  }
  return roots;
}

function gather(policies: readonly PolicyCompile[], extra: readonly Diagnostic[], folderSources: readonly Source[], parseMs: number): CompileResult {
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  // An accept in a file two policies include may excuse a warning of one of them only: it is unused
  // (MOAT230) only when it is unused in every policy.
  const usedAccepts = new Set(policies.flatMap((p) => (p.result.accepted ?? []).map((a) => `${a.at.file}|${a.at.start}|${a.diagnostic.code}`)));
  for (const d of [...extra, ...policies.flatMap((p) => p.result.diagnostics)]) {
    const key = `${d.code}|${d.span?.file}|${d.span?.start}|${d.span?.end}|${d.message}`;
    if (seen.has(key)) continue;
    if (d.code === "MOAT230" && [...usedAccepts].some((u) => u.startsWith(`${d.span?.file}|${d.span?.start}|`) && d.message.includes(`accept ${u.split("|")[2]} `))) continue;
    seen.add(key);
    diagnostics.push(d);
  }
  const sources = new Map<string, Source>(folderSources.map((s) => [s.path, s]));
  for (const p of policies) for (const s of p.result.sources) sources.set(s.path, s);
  const totals = new Map<PhaseTiming["phase"], number>([["parse", parseMs]]);
  for (const p of policies) for (const t of p.result.timings) totals.set(t.phase, (totals.get(t.phase) ?? 0) + t.ms);
  const accepted = policies.flatMap((p) => p.result.accepted ?? []);
  return {
    outputs: [],
    ...(accepted.length > 0 ? { accepted } : {}),
    diagnostics: sortDiagnostics(diagnostics),
    sources: [...sources.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    timings: [...totals].map(([phase, ms]) => ({ phase, ms })),
  };
}
