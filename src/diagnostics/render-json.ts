/**
 * `--format json`: the diagnostics as plain data (docs/diagnostics.md), one array on standard output.
 * Lines and columns are 1-based; columns count UTF-16 code units, as in the text format; `endColumn` is
 * the column just after the span (exclusive), as in ESLint and SARIF. A diagnostic that belongs to no
 * file (a locked output folder, a missing input) has `file` and the positions null.
 */
import { getLocation, type Source, type Span } from "../source.js";
import type { Diagnostic } from "./diagnostic.js";
import type { RenderContext } from "./render-text.js";

export interface JsonPosition {
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  readonly endLine: number | null;
  readonly endColumn: number | null;
}

export interface JsonRelated extends JsonPosition {
  readonly message: string;
}

export interface JsonDiagnostic extends JsonPosition {
  readonly code: string;
  readonly severity: "error" | "warning";
  readonly message: string;
  readonly related: readonly JsonRelated[];
  readonly witness?: string;
  readonly hint?: string;
}

export function toJsonDiagnostics(diagnostics: readonly Diagnostic[], context: RenderContext): JsonDiagnostic[] {
  const sources = new Map(context.sources.map((s) => [s.path, s]));
  const position = (span: Span | undefined): JsonPosition => jsonPosition(span, sources, context.displayPath);
  return diagnostics.map((d) => {
    const out: JsonDiagnostic = {
      code: d.code,
      severity: d.severity,
      message: d.message,
      ...position(d.span),
      related: d.related.map((r) => ({ message: r.message, ...position(r.span) })),
      ...(d.witness === undefined ? {} : { witness: d.witness }),
      ...(d.hint === undefined ? {} : { hint: d.hint }),
    };
    return out;
  });
}

/** The array as printed: two-space indented, with a final newline. */
export function renderDiagnosticsJson(diagnostics: readonly Diagnostic[], context: RenderContext): string {
  return `${JSON.stringify(toJsonDiagnostics(diagnostics, context), null, 2)}\n`;
}

function jsonPosition(span: Span | undefined, sources: ReadonlyMap<string, Source>, display: (file: string) => string): JsonPosition {
  if (span === undefined) return { file: null, line: null, column: null, endLine: null, endColumn: null };
  const source = sources.get(span.file);
  if (source === undefined) return { file: display(span.file), line: null, column: null, endLine: null, endColumn: null };
  const start = getLocation(source, span.start);
  const end = getLocation(source, Math.max(span.start, span.end));
  return { file: display(span.file), line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}
