/**
 * The commands that compile: compile, validate, check (fmt and explain have their own modules). Each
 * compiles through the library (which reads only through treeReader, inside the policy tree that
 * findInputs fixed from the arguments), reports diagnostics in the
 * chosen format, and returns the exit code: 0 success (warnings allowed), 1 policy errors, refused
 * outputs or a failed check, 2 usage, I/O or internal errors.
 *
 * Streams: text diagnostics and progress go to stderr; stdout carries what a command was asked to
 * produce (the JSON array, SARIF, the model, check's findings), so it can be piped. A reader that
 * closes the pipe early ends the process quietly: see runAsProcess in main.ts.
 */
import * as path from "node:path";
import type { CompileResult } from "../api.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnosticsJson } from "../diagnostics/render-json.js";
import { renderSarif } from "../diagnostics/render-sarif.js";
import { renderDiagnosticsText } from "../diagnostics/render-text.js";
import { compileFolder, type PolicyCompile } from "../compile-folder.js";
import { formatModelJson } from "../emit/model-json.js";
import { VERSION } from "../version.js";
import { checkDiagnostic, compareOutputs, type CheckFinding } from "./check-outputs.js";
import { findInputs, toPosix } from "./find-inputs.js";
import { withIncludeHints } from "./include-hints.js";
import { describeFsError, nodeOutputFs, type OutputFs } from "./outputs/fs-layer.js";
import { treeReader } from "./read-source.js";
import { renderTimings } from "./timings.js";
import { UsageError, type CommandOptions } from "./usage.js";
import { writeOutputs } from "./outputs/write-outputs.js";

export interface CliIo {
  readonly cwd: string;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Tests inject faults into the output folder through this; the CLI uses node:fs. */
  readonly outputFs?: OutputFs;
  /** Whether each stream is a terminal (runAsProcess fills it in); colour's default follows it. */
  readonly tty?: { readonly stdout: boolean; readonly stderr: boolean };
  /** Whether diagnostics are coloured on each stream: decided once in main.ts from --color, NO_COLOR and tty. */
  readonly color?: { readonly stdout: boolean; readonly stderr: boolean };
  /** How moat fmt replaces a file; tests inject faults through this. */
  readonly rewriteFile?: (file: string, content: string, mode: number) => void;
  /** Whether stdout or stderr has failed (a reader closed the pipe): a command that streams (audit) stops reading. */
  readonly outputClosed?: () => boolean;
}

/** `policies`: the folder holds several policies, each compiled on its own (compile-folder.ts); `result` then gathers their diagnostics. */
type Compiled = { readonly result: CompileResult; readonly policies?: readonly PolicyCompile[] } | { readonly exitCode: number };

export function displayPathFor(cwd: string): (file: string) => string {
  const base = toPosix(path.resolve(cwd));
  return (file) => {
    if (!file.startsWith("/")) return file;
    const rel = path.posix.relative(base, file);
    return rel === "" ? "." : rel;
  };
}

export function report(io: CliIo, format: CommandOptions["format"], diagnostics: readonly Diagnostic[], sources: CompileResult["sources"]): void {
  const context = { sources, displayPath: displayPathFor(io.cwd) };
  if (format === "json") io.stdout.write(renderDiagnosticsJson(diagnostics, context));
  else if (format === "sarif") io.stdout.write(renderSarif(diagnostics, context, VERSION));
  else io.stderr.write(renderDiagnosticsText(diagnostics, { ...context, color: io.color?.stderr === true }));
}

export function exitCodeOf(diagnostics: readonly Diagnostic[]): 0 | 1 | 2 {
  if (diagnostics.some((d) => d.code === "MOAT900" || d.code === "MOAT218")) return 2;
  return diagnostics.some((d) => d.severity === "error") ? 1 : 0;
}

export function compileInputs(opts: CommandOptions, io: CliIo): Compiled {
  const display = displayPathFor(io.cwd);
  const found = findInputs(opts.paths, io.cwd, display);
  if ("error" in found) {
    // A named folder that leads out of the tree is the policy's doing (a link in the repository): a
    // policy error, exit 1. A path that cannot be read, or nothing to compile, is a usage error.
    const code = found.kind === "none" ? "MOAT218" : found.kind === "outside" ? "MOAT222" : "MOAT404";
    report(io, opts.format, [diagnostic(code, undefined, { detail: found.error })], []);
    return { exitCode: found.kind === "outside" ? 1 : 2 };
  }
  const folder = compileFolder({ entries: found.entries, root: found.tree.path, readFile: treeReader(found.tree) });
  const result = { ...folder.result, diagnostics: withIncludeHints(folder.result.diagnostics, found.entries, found.tree.path, display) };
  return folder.kind === "one" ? { result } : { result, policies: folder.policies };
}

/** For the commands that answer for one policy: a folder of several is a usage error naming them. */
export function onePolicy(compiled: Compiled, command: "compile" | "validate" | "explain", what: string): void {
  if (!("policies" in compiled) || compiled.policies === undefined) return;
  const names = compiled.policies.map((p) => p.name).join(", ");
  throw new UsageError(`these files hold ${compiled.policies.length} policies (${names}); ${what} works on one: name its file`, command);
}

export function runValidate(opts: CommandOptions, io: CliIo): number {
  const compiled = compileInputs(opts, io);
  if ("exitCode" in compiled) return compiled.exitCode;
  if (opts.emitModel) {
    onePolicy(compiled, "validate", "--emit-model");
    return emitModel(compiled.result, io);
  }
  report(io, opts.format, compiled.result.diagnostics, compiled.result.sources);
  const exitCode = exitCodeOf(compiled.result.diagnostics);
  // A clean run says so, in text only: json and sarif print one document on stdout and nothing else.
  if (exitCode === 0 && opts.format === "text") io.stderr.write(`moat: ${validSummary(compiled)}\n`);
  return exitCode;
}

/** "policy compute-01 is valid: 4 files, 3 tenants, 12 workloads" (warnings are counted above it). */
function validSummary(compiled: { readonly result: CompileResult; readonly policies?: readonly PolicyCompile[] }): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  const files = plural(compiled.result.sources.length, "file");
  if (compiled.policies !== undefined) {
    return `${compiled.policies.length} policies are valid (${compiled.policies.map((p) => p.name).join(", ")}): ${files}`;
  }
  const model = compiled.result.model;
  const name = model?.policy === undefined ? "the policy" : `policy ${model.policy.name}`;
  const tenants = model?.tenants ?? [];
  const workloads = tenants.reduce((n, t) => n + t.workloads.length, 0);
  return `${name} is valid: ${files}, ${plural(tenants.length, "tenant")}, ${plural(workloads, "workload")}`;
}

/** --emit-model: the model in the JSON form on stdout, only for a policy without errors; never any file. */
function emitModel(result: CompileResult, io: CliIo): number {
  report(io, "text", result.diagnostics, result.sources);
  const failed = exitCodeOf(result.diagnostics);
  if (failed !== 0) return failed;
  if (result.model === undefined) throw new Error("a compile without errors gave no model");
  io.stdout.write(formatModelJson(result.model));
  return 0;
}

export function runCompile(opts: CommandOptions, io: CliIo): number {
  const compiled = compileInputs(opts, io);
  if ("exitCode" in compiled) return compiled.exitCode;
  const { result } = compiled;
  let writeMs: number | undefined;
  try {
    if (opts.emitModel) {
      onePolicy(compiled, "compile", "--emit-model");
      return emitModel(result, io);
    }
    const failed = exitCodeOf(result.diagnostics);
    const targets = outputTargets(compiled, toPosix(path.resolve(io.cwd, opts.out)));
    if (failed !== 0 || targets.some((t) => t.outputs.length === 0)) {
      report(io, opts.format, result.diagnostics, result.sources);
      return failed === 0 ? 2 : failed; // no error and no output would be a bug in moat; never report success for it
    }
    const display = displayPathFor(io.cwd);
    const start = performance.now();
    const problems: Diagnostic[] = [];
    const lines: string[] = [];
    let exitCode: number = 0;
    // One policy's folder after another; each is written whole or not at all, and the first that fails stops the rest.
    for (const { dir, outputs } of targets) {
      const written = writeOutputs(dir, outputs, { force: opts.force, display, ...(io.outputFs === undefined ? {} : { fs: io.outputFs }) });
      problems.push(...written.diagnostics);
      for (const note of written.notes) lines.push(`moat: ${note}\n`);
      exitCode = written.exitCode;
      if (written.exitCode !== 0) break;
      const parts = [`${written.written.length} written`, `${written.unchanged.length} unchanged`];
      if (written.deleted.length > 0) parts.push(`${written.deleted.length} stale deleted`);
      lines.push(`moat: ${display(dir)}: ${parts.join(", ")}\n`);
    }
    writeMs = performance.now() - start;
    report(io, opts.format, [...result.diagnostics, ...problems], result.sources);
    for (const line of lines) io.stderr.write(line);
    return exitCode;
  } finally {
    if (opts.timings) {
      const inputBytes = result.sources.reduce((sum, s) => sum + Buffer.byteLength(s.text, "utf8"), 0);
      io.stderr.write(renderTimings({ phases: result.timings, inputBytes, inputFiles: result.sources.length, ...(writeMs === undefined ? {} : { writeMs }) }));
    }
  }
}

/** Where outputs go: the output folder, or, for a folder of several policies, `OUT/<policy name>/` each. */
function outputTargets(compiled: { readonly result: CompileResult; readonly policies?: readonly PolicyCompile[] }, outDir: string): { dir: string; outputs: CompileResult["outputs"] }[] {
  if (compiled.policies === undefined) return [{ dir: outDir, outputs: compiled.result.outputs }];
  return compiled.policies.map((p) => ({ dir: `${outDir}/${p.name}`, outputs: p.result.outputs }));
}

/**
 * `moat check`: the folder must hold exactly what compile would write. Its findings are diagnostics
 * (MOAT403 for an output missing, different or stale; MOAT406 for anything else in the folder), printed
 * on stdout in the chosen format: text (with the unified diff of each different file), or one JSON or
 * SARIF document that holds the policy's own diagnostics too. In text, those go to stderr, as compile's do.
 */
export function runCheck(opts: CommandOptions, io: CliIo): number {
  const compiled = compileInputs(opts, io);
  if ("exitCode" in compiled) return compiled.exitCode;
  const { result } = compiled;
  const text = opts.format === "text";
  const context = { sources: result.sources, displayPath: displayPathFor(io.cwd) };
  /** Findings (and, in json and sarif, the policy's diagnostics with them): one document on stdout. */
  const print = (found: readonly Diagnostic[], attachment?: (d: Diagnostic, index: number) => string | undefined): void => {
    if (text) io.stdout.write(renderDiagnosticsText(found, { ...context, color: io.color?.stdout === true }, attachment === undefined ? {} : { attachment }));
    else if (opts.format === "json") io.stdout.write(renderDiagnosticsJson([...result.diagnostics, ...found], context));
    else io.stdout.write(renderSarif([...result.diagnostics, ...found], context, VERSION));
  };
  if (text) report(io, "text", result.diagnostics, result.sources);
  const failed = exitCodeOf(result.diagnostics);
  if (failed !== 0) {
    if (!text) print([]);
    return failed;
  }
  const display = context.displayPath;
  const targets = outputTargets(compiled, toPosix(path.resolve(io.cwd, opts.out)));
  const found: { readonly finding: CheckFinding; readonly dir: string }[] = [];
  for (const { dir, outputs } of targets) {
    const show = (rel: string): string => display(`${dir}/${rel}`);
    try {
      for (const finding of compareOutputs(dir, outputs, io.outputFs ?? nodeOutputFs, show)) found.push({ finding, dir });
    } catch (e) {
      if (e instanceof Error && !("code" in e)) throw e;
      const ioError = diagnostic("MOAT404", undefined, { detail: `cannot read ${display(dir)}: ${describeFsError(e)}` });
      if (text) report(io, "text", [ioError], []);
      else print([ioError]);
      return 2;
    }
  }
  const diagnostics = found.map(({ finding, dir }) => checkDiagnostic(finding, dir));
  if (found.length > 0 || !text) {
    print(diagnostics, (_, i) => {
      const f = found[i]!.finding;
      return f.state === "different" ? f.diff : undefined;
    });
  }
  for (const { dir, outputs } of targets) {
    const findings = found.filter((f) => f.dir === dir).map((f) => f.finding);
    if (findings.length === 0) {
      io.stderr.write(`moat: ${display(dir)} is up to date (${outputs.length} files)\n`);
      continue;
    }
    const foreign = findings.filter((f) => f.state === "foreign").length;
    const outdated = findings.length - foreign;
    if (outdated > 0) {
      io.stderr.write(`moat: ${display(dir)} is out of date: ${outdated} file${outdated === 1 ? "" : "s"} differ${outdated === 1 ? "s" : ""} from what compile would write; run moat compile\n`);
    }
    if (foreign > 0) {
      io.stderr.write(`moat: ${display(dir)} holds ${foreign} foreign entr${foreign === 1 ? "y" : "ies"} (MOAT406): only moat's outputs belong in the output folder\n`);
    }
  }
  return found.length === 0 ? 0 : 1;
}
