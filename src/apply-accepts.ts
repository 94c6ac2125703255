/**
 * Matches `# moat: accept` directives (syntax/accepts.ts) with the warnings of a compile: a warning
 * whose location lies in the statement an accept covers, with one of its codes, is taken out of the
 * diagnostics and kept, with the reason, among the accepted ones (explain shows them). Errors are never
 * accepted. An accept that matches no warning is itself a warning (MOAT230), so that a stale accept
 * does not outlive the problem it excused; that is decided only when every phase ran, since a compile
 * stopped by an error never produced the later phases' warnings.
 */
import type { LoadedFiles } from "./model/load-files.js";
import { diagnostic, type Diagnostic } from "./diagnostics/diagnostic.js";
import type { Span } from "./source.js";
import type { AcceptDirective } from "./syntax/ast.js";
import { readAccepts } from "./syntax/accepts.js";

export interface AcceptedWarning {
  readonly diagnostic: Diagnostic;
  readonly reason: string;
  /** The accept comment (or JSON entry). */
  readonly at: Span;
  /** The statement it covers. */
  readonly target: Span;
}

/** Every file's accepts, in path order, and the problems of malformed ones (MOAT229). */
export function collectAccepts(loaded: LoadedFiles): { accepts: AcceptDirective[]; diagnostics: Diagnostic[] } {
  const accepts: AcceptDirective[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of loaded.sources) {
    const file = loaded.files.get(source.path);
    if (file === undefined) continue;
    if (file.accepts !== undefined) {
      accepts.push(...file.accepts);
      continue;
    }
    const read = readAccepts(file, source.text);
    accepts.push(...read.accepts);
    diagnostics.push(...read.diagnostics);
  }
  return { accepts, diagnostics };
}

export function applyAccepts(diagnostics: readonly Diagnostic[], accepts: readonly AcceptDirective[], complete: boolean): { diagnostics: Diagnostic[]; accepted: AcceptedWarning[] } {
  if (accepts.length === 0) return { diagnostics: [...diagnostics], accepted: [] };
  const used = new Set<string>();
  const kept: Diagnostic[] = [];
  const accepted: AcceptedWarning[] = [];
  for (const d of diagnostics) {
    // An accept speaks for its own statement only: every place the warning names (an overlap names the
    // other grant too, maybe in another tenant's file) must lie within it.
    const by = d.severity === "warning" && d.span !== undefined ? accepts.find((a) => a.codes.includes(d.code) && within(d.span!, a.target) && d.related.every((r) => within(r.span, a.target))) : undefined;
    if (by === undefined) {
      kept.push(d);
      continue;
    }
    used.add(`${key(by.span)} ${d.code}`);
    accepted.push({ diagnostic: d, reason: by.reason, at: by.span, target: by.target });
  }
  if (complete) {
    for (const a of accepts) {
      for (const code of a.codes) {
        if (!used.has(`${key(a.span)} ${code}`)) {
          kept.push(diagnostic("MOAT230", a.span, { code }, { hint: "remove the accept, or move it to the line before the statement the warning points at" }));
        }
      }
    }
  }
  return { diagnostics: kept, accepted };
}

function within(span: Span, target: Span): boolean {
  return span.file === target.file && span.start >= target.start && span.start <= target.end;
}

function key(span: Span): string {
  return `${span.file}\u0000${span.start}`;
}
