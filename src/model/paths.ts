/**
 * Turns resolved strings into checked PathValues: the path shape rules of SPEC section 1 ("Paths and
 * globs") are checked here, on the text, and the glob is parsed once, here, for every later phase.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Glob } from "../glob/ast.js";
import { toBytes } from "../glob/bytes.js";
import { parseGlob } from "../glob/parse.js";
import type { Span } from "../source.js";
import type { PathValue } from "./types.js";

/** Why a path's shape is not allowed, or undefined when it is fine. */
export function pathShapeProblem(text: string): string | undefined {
  if (text.includes("\0")) return "a path may not contain a NUL byte";
  if (text.includes("//")) return "a path may not contain '//'";
  // Pieces between '/' and brace punctuation: an alternation branch such as {.,a} still forms a '.' component.
  // A scan rather than split(): this runs for every path of a fleet, and the pieces would be garbage.
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 47;
    if (c !== 47 /* / */ && c !== 123 /* { */ && c !== 125 /* } */ && c !== 44 /* , */) continue;
    const n = i - start;
    if ((n === 1 || n === 2) && text.charCodeAt(start) === 46 && (n === 1 || text.charCodeAt(start + 1) === 46)) {
      return `a path may not contain a '${text.slice(start, i)}' component`;
    }
    start = i + 1;
  }
  return undefined;
}

// A glob character or a backslash: text without any is one literal, and parseGlob need not run.
const GLOB_SYNTAX = /[\\*?[\]{}]/;

/** An absolute path or glob (volume, device, filesystem socket, exec, protect, shared). */
export function checkedPath(text: string, span: Span, diagnostics: Diagnostic[]): PathValue | undefined {
  if (!text.startsWith("/")) {
    diagnostics.push(diagnostic("MOAT213", span, { path: quote(text) }));
    return undefined;
  }
  const problem = pathShapeProblem(text);
  if (problem !== undefined) {
    diagnostics.push(diagnostic("MOAT214", span, { path: quote(text), reason: problem }));
    return undefined;
  }
  return parsed(text, text, span, "MOAT215", diagnostics);
}

/** An abstract unix socket name `@NAME`; the glob is over NAME, the text keeps the `@`. */
export function checkedAbstractSocket(text: string, span: Span, diagnostics: Diagnostic[]): PathValue | undefined {
  const name = text.slice(1);
  if (name === "") {
    diagnostics.push(diagnostic("MOAT217", span, { path: quote(text), reason: "an abstract socket needs a name after '@'" }));
    return undefined;
  }
  if (text.includes("\0")) {
    diagnostics.push(diagnostic("MOAT217", span, { path: quote(text), reason: "a socket name may not contain a NUL byte" }));
    return undefined;
  }
  return parsed(text, name, span, "MOAT217", diagnostics);
}

function parsed(text: string, globSource: string, span: Span, code: "MOAT215" | "MOAT217", diagnostics: Diagnostic[]): PathValue | undefined {
  if (!GLOB_SYNTAX.test(globSource)) {
    // What parseGlob gives for plain text (a ',' outside braces is literal): most paths are plain.
    const glob: Glob = { parts: globSource === "" ? [] : [{ kind: "literal", bytes: toBytes(globSource) }] };
    return { text, glob, span };
  }
  const result = parseGlob(globSource);
  if (!result.ok) {
    diagnostics.push(diagnostic(code, span, { path: quote(text), reason: result.reason }));
    return undefined;
  }
  return { text, glob: result.glob, span };
}

/** Quotes a path for a message so that spaces and odd characters stay visible. */
export function quote(text: string): string {
  return JSON.stringify(text);
}
