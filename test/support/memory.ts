/** Compiles policy texts held in memory, the way a library user would, and locates diagnostics. */
import { compile } from "../../src/index.js";
import type { CompileResult } from "../../src/api.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { getLocation, type Source } from "../../src/source.js";

export function compileTexts(files: Readonly<Record<string, string>>, entries: readonly string[] = Object.keys(files)): CompileResult {
  return compile({
    entries,
    readFile: (path) => (path in files ? { text: files[path]! } : { error: "no such file" }),
  });
}

/** `code@file:line:col` for every diagnostic: the plain data tests compare. */
export function located(result: CompileResult): string[] {
  return result.diagnostics.map((d) => describe(d, result.sources));
}

export function describe(d: Diagnostic, sources: readonly Source[]): string {
  if (d.span === undefined) return d.code;
  const source = sources.find((s) => s.path === d.span!.file);
  if (source === undefined) return `${d.code}@${d.span.file}`;
  const { line, column } = getLocation(source, d.span.start);
  return `${d.code}@${d.span.file}:${line}:${column}`;
}

/** The source text a diagnostic's span covers. */
export function spanText(result: CompileResult, d: Diagnostic): string {
  const source = result.sources.find((s) => s.path === d.span?.file);
  return source === undefined || d.span === undefined ? "" : source.text.slice(d.span.start, d.span.end);
}
