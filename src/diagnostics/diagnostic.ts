import type { Span } from "../source.js";
import { CODES, type Code, type Severity } from "./codes.js";

export interface RelatedInformation {
  readonly span: Span;
  readonly message: string;
}

/** A problem found in the input: plain data, returned and never thrown. */
export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  /** Absent only for problems that belong to no file (e.g. no input given). */
  readonly span?: Span;
  readonly related: readonly RelatedInformation[];
  /** For overlaps: one concrete path (or abstract socket name) that both sides match. */
  readonly witness?: string;
  /** How to fix it, when there is something short and useful to say. */
  readonly hint?: string;
}

export type Params = Readonly<Record<string, string | number>>;

/** Fills a template's {{placeholders}}; a missing parameter is a bug in moat, so it throws. */
export function formatMessage(template: string, params: Params): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`diagnostic parameter ${key} missing`);
    return String(value);
  });
}

export interface DiagnosticExtras {
  readonly related?: readonly RelatedInformation[];
  readonly witness?: string;
  readonly hint?: string;
}

export function diagnostic(code: Code, span: Span | undefined, params: Params = {}, extras: DiagnosticExtras = {}): Diagnostic {
  const info = CODES[code];
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = {
    code,
    severity: info.severity,
    message: formatMessage(info.message, params),
    related: extras.related ?? [],
  };
  if (span !== undefined) d.span = span;
  if (extras.witness !== undefined) d.witness = extras.witness;
  if (extras.hint !== undefined) d.hint = extras.hint;
  return d;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Orders diagnostics by file, position and code, so output does not depend on rule or input order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const fa = a.span?.file ?? "";
    const fb = b.span?.file ?? "";
    if (fa !== fb) return fa < fb ? -1 : 1;
    const sa = a.span?.start ?? -1;
    const sb = b.span?.start ?? -1;
    if (sa !== sb) return sa - sb;
    if (a.code !== b.code) return a.code < b.code ? -1 : 1;
    return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  });
}
