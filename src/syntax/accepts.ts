/**
 * Accepting a warning on purpose, at the statement it is about, with a reason:
 *
 *     # moat: accept MOAT311 because the agent's denials are still being collected (ticket OPS-1234)
 *     service backup-agent { … }
 *
 * The comment stands alone on the line before a statement, a workload or an item (other comments, such
 * as a second accept, may stand between them; a blank line may not), and covers everything that
 * statement spans: an accept above a tenant covers its workloads. In the JSON form the same is an
 * `accept` array on a tenant, workload, resource or shared object. This module only reads the
 * directives; apply-accepts.ts matches them with the warnings once the compile is done.
 *
 * A comment that starts `# moat:` is a directive: one that does not read as an accept is an error
 * (MOAT229), rather than a comment silently ignored, and so is an accept of an error (errors are fixed,
 * not accepted) or one with no statement below it.
 */
import { CODES } from "../diagnostics/codes.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import type { AcceptDirective, Comment, PolicyFile } from "./ast.js";

const DIRECTIVE = /^#\s*moat:/;
const ACCEPT = /^#\s*moat:\s*accept\s+(MOAT\d{3}(?:\s*,\s*MOAT\d{3})*)\s+because\s+(\S.*?)\s*$/;
const FORM = "an accept reads: # moat: accept MOATnnn because REASON, alone on the line before the statement";

export function readAccepts(file: PolicyFile, text: string): { accepts: AcceptDirective[]; diagnostics: Diagnostic[] } {
  const accepts: AcceptDirective[] = [];
  const diagnostics: Diagnostic[] = [];
  const directives = file.comments.filter((c) => DIRECTIVE.test(c.text));
  if (directives.length === 0) return { accepts, diagnostics };
  const targets = statementSpans(file);
  for (const comment of directives) {
    const bad = (detail: string): void => void diagnostics.push(diagnostic("MOAT229", comment.span, { detail }, { hint: FORM }));
    const m = ACCEPT.exec(comment.text);
    if (m === null) {
      bad(/\saccept\s/.test(`${comment.text} `) && !/\sbecause\s+\S/.test(comment.text) ? "an accept needs a reason: … because REASON" : "this moat: comment is not an accept");
      continue;
    }
    const codes = m[1]!.split(",").map((c) => c.trim());
    const wrong = codes.find((c) => !(c in CODES) || CODES[c as keyof typeof CODES].severity !== "warning");
    if (wrong !== undefined) {
      bad(wrong in CODES ? `${wrong} is an error: errors are fixed, not accepted` : `${wrong} is not a moat diagnostic code`);
      continue;
    }
    const lineStart = text.lastIndexOf("\n", comment.span.start - 1) + 1;
    if (text.slice(lineStart, comment.span.start).trim() !== "") {
      bad("an accept stands alone on its line, before the statement it is about, not after it");
      continue;
    }
    const target = targets.find((t) => t.start >= comment.span.end);
    if (target === undefined || !onlyCommentsBetween(text, comment, target.start)) {
      bad("an accept must be followed, on the next line, by the statement, workload or item it is about");
      continue;
    }
    accepts.push({ kind: "Accept", codes, reason: m[2]!, span: comment.span, target });
  }
  return { accepts, diagnostics };
}

/** Statements, workloads and items, by where they start. */
function statementSpans(file: PolicyFile): Span[] {
  const spans: Span[] = [];
  for (const statement of file.statements) {
    spans.push(statement.span);
    if (statement.kind !== "Tenant") continue;
    for (const workload of statement.workloads) {
      spans.push(workload.span);
      for (const item of workload.items) spans.push(item.span);
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** Whether every line from the comment's end to `start` is a comment line: no blank line, no code. */
function onlyCommentsBetween(text: string, comment: Comment, start: number): boolean {
  const lines = text.slice(comment.span.end, start).split(/\r?\n/);
  // The first piece is the rest of the comment's line (empty); the last is the target line's indentation.
  for (const line of lines.slice(1, -1)) if (!line.trim().startsWith("#")) return false;
  return lines.length >= 2 && lines[lines.length - 1]!.trim() === "";
}
