/**
 * The pipeline: read and parse every file, resolve the model, prove isolation, emit. Each phase runs
 * only when the previous one found no error, so a problem is reported once, where it starts; within a
 * phase every problem is collected. A failed compile produces no outputs.
 */
import type { CompileInput, CompileOptions, CompileResult, PhaseTiming } from "./api.js";
import { checkIsolation } from "./check/run-rules.js";
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics/diagnostic.js";
import { emitOutputs } from "./emit/emit-outputs.js";
import { loadFiles } from "./model/load-files.js";
import { resolveModel } from "./model/resolve.js";
import type { Model } from "./model/types.js";
import type { Source } from "./source.js";
import { VERSION } from "./version.js";
import { appendAll } from "./append-all.js";

export function compile(input: CompileInput, options: CompileOptions = {}): CompileResult {
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
  const finish = (model?: Model, outputs: CompileResult["outputs"] = []): CompileResult => {
    const result: { -readonly [K in keyof CompileResult]: CompileResult[K] } = {
      outputs,
      diagnostics: sortDiagnostics(diagnostics),
      sources,
      timings,
    };
    if (model !== undefined) result.model = model;
    return result;
  };

  try {
    if (input.entries.length === 0) {
      diagnostics.push(diagnostic("MOAT218", undefined, { detail: "no .iso files to compile" }));
      return finish();
    }
    let loaded: ReturnType<typeof loadFiles> | undefined = timed("parse", () => loadFiles(input));
    sources = loaded.sources;
    appendAll(diagnostics, loaded.diagnostics);
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
    return finish(model, outputs);
  } catch (error) {
    // Only a bug in moat gets here; it is reported, not thrown, so that no input yields a stack trace.
    const detail = error instanceof Error ? error.message : String(error);
    diagnostics.length = 0;
    diagnostics.push(diagnostic("MOAT900", undefined, { detail }));
    return finish();
  }
}
