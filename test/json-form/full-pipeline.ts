/**
 * The whole pipeline of src/compile.ts (parse, model, isolation checks, emit) over in-memory files,
 * each parsed by the parser its suffix calls for. Kept apart from pipeline.ts so that tests of the
 * parser alone do not load the isolation checks.
 */
import type { OutputFile } from "../../src/api.js";
import { checkIsolation } from "../../src/check/run-rules.js";
import { hasErrors, sortDiagnostics, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { emitOutputs } from "../../src/emit/emit-outputs.js";
import type { Model } from "../../src/model/types.js";
import type { Source } from "../../src/source.js";
import { modelOf } from "./pipeline.js";

export interface PipelineResult {
  readonly model?: Model;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: readonly Source[];
  readonly outputs: readonly OutputFile[];
}

export function compileFiles(files: Readonly<Record<string, string>>): PipelineResult {
  const resolved = modelOf(files);
  const { model, sources } = resolved;
  if (model === undefined || hasErrors(resolved.diagnostics)) return { ...resolved, outputs: [] };
  const diagnostics = sortDiagnostics([...resolved.diagnostics, ...checkIsolation(model)]);
  if (hasErrors(diagnostics)) return { model, diagnostics, sources, outputs: [] };
  return { model, diagnostics, sources, outputs: emitOutputs(model, { version: "0.0.0-test" }) };
}
