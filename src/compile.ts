/**
 * The pipeline: read and parse every file, resolve the model, prove isolation, emit. Each phase runs
 * only when the previous one found no error, so a problem is reported once, where it starts; within a
 * phase every problem is collected. A failed compile produces no outputs.
 */
import type { CompileInput, CompileOptions, CompileResult, PhaseTiming } from "./api.js";
import { checkIsolation } from "./check/run-rules.js";
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics/diagnostic.js";
import { emitOutputs } from "./emit/emit-outputs.js";
import { loadFiles, type LoadedFiles } from "./model/load-files.js";
import { resolveModel } from "./model/resolve.js";
import type { Model } from "./model/types.js";
import type { Source } from "./source.js";
import { VERSION } from "./version.js";
import { appendAll } from "./append-all.js";
import { applyAccepts, collectAccepts } from "./apply-accepts.js";
import type { AcceptDirective } from "./syntax/ast.js";

export function compile(input: CompileInput, options: CompileOptions = {}): CompileResult {
  if (input.entries.length === 0) return compileLoaded(undefined, options);
  return compileLoaded(() => loadFiles(input), options);
}

/**
 * The pipeline from files already read (compile-folder.ts reads a folder once to find its policies);
 * `load` undefined means there was nothing to compile.
 */
export function compileLoaded(load: (() => LoadedFiles) | undefined, options: CompileOptions = {}): CompileResult {
  const timings: PhaseTiming[] = [];
  // performance.now() reads a clock, not the file system: the library stays pure.
  const timed = <T>(phase: PhaseTiming["phase"], run: () => T): T => {
    const start = performance.now();
    const value = run();
    timings.push({ phase, ms: performance.now() - start });
    return value;
  };
  let sources: readonly Source[] = [];
  const diagnostics: Diagnostic[] = [];
  let accepts: AcceptDirective[] = [];
  // `complete`: every phase ran, so an accept that matched nothing really has nothing to accept.
  const finish = (model?: Model, outputs: CompileResult["outputs"] = [], complete = false): CompileResult => {
    const applied = applyAccepts(diagnostics, accepts, complete);
    const result: { -readonly [K in keyof CompileResult]: CompileResult[K] } = {
      outputs,
      diagnostics: sortDiagnostics(applied.diagnostics),
      sources,
      timings,
    };
    if (model !== undefined) result.model = model;
    if (applied.accepted.length > 0) result.accepted = applied.accepted;
    return result;
  };

  try {
    if (load === undefined) {
      diagnostics.push(diagnostic("MOAT218", undefined, { detail: "no .iso files to compile" }));
      return finish();
    }
    let loaded: LoadedFiles | undefined = timed("parse", load);
    sources = loaded.sources;
    appendAll(diagnostics, loaded.diagnostics);
    if (hasErrors(diagnostics)) return finish();
    const read = collectAccepts(loaded);
    accepts = read.accepts;
    appendAll(diagnostics, read.diagnostics);
    if (hasErrors(diagnostics)) return finish();

    const { model, diagnostics: modelDiagnostics } = timed("model", () => resolveModel(loaded!));
    // The syntax trees are not needed past the model; on a fleet they are tens of megabytes that every
    // garbage collection of the check and emit phases would otherwise walk.
    loaded = undefined;
    appendAll(diagnostics, modelDiagnostics);
    if (hasErrors(diagnostics)) return finish(model);

    appendAll(diagnostics, timed("check", () => checkIsolation(model)));
    if (hasErrors(diagnostics)) return finish(model);

    const outputs = timed("emit", () => emitOutputs(model, { version: options.version ?? VERSION }));
    return finish(model, outputs, true);
  } catch (error) {
    // Only a bug in moat gets here; it is reported, not thrown, so that no input yields a stack trace.
    const detail = error instanceof Error ? error.message : String(error);
    diagnostics.length = 0;
    accepts = [];
    diagnostics.push(diagnostic("MOAT900", undefined, { detail }));
    return finish();
  }
}
