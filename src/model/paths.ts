/**
 * Turns resolved strings into checked PathValues: the path shape rules of SPEC section 1 ("Paths and
 * globs") are checked here, and the glob is parsed once, here, for every later phase.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Glob, GlobPart } from "../glob/ast.js";
import { toBytes } from "../glob/bytes.js";
import { parseGlob } from "../glob/parse.js";
import type { Span } from "../source.js";
import type { PathValue } from "./types.js";

/**
 * Why a path's shape is not allowed (SPEC §1: no '.' or '..' component, no '//'), or undefined. AppArmor
 * keeps `/./` and `/../` literally, so such a rule would never match. Decided on what the path writes:
 * for plain text, its components; for a glob, every expansion of its alternations (escaped characters are
 * literal there, and a wildcard that could match '.' at run time is no written component).
 */
export function pathShapeProblem(text: string, glob: Glob): string | undefined {
  if (!GLOB_SYNTAX.test(text)) return componentProblem(text);
  for (const form of expansions(glob.parts) ?? []) {
    const problem = componentProblem(form);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** A scan rather than split(): this runs for every path of a fleet, and the pieces would be garbage. */
function componentProblem(text: string): string | undefined {
  if (text.includes("//")) return "a path may not contain '//'";
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) !== 47 /* / */) continue;
    const n = i - start;
    if ((n === 1 || n === 2) && text.charCodeAt(start) === 46 && (n === 1 || text.charCodeAt(start + 1) === 46)) {
      return `a path may not contain a '${text.slice(start, i)}' component`;
    }
    start = i + 1;
  }
  return undefined;
}

/** Beyond this many expansions a glob's written components are not enumerated (its form is still checked by AppArmor's rules). */
const MAX_SHAPE_EXPANSIONS = 256;

/** The written forms of a glob: alternations expanded, each wildcard as one NUL (never '.' nor '/'); undefined past the bound. */
function expansions(parts: readonly GlobPart[]): string[] | undefined {
  let acc = [""];
  for (const part of parts) {
    let pieces: string[];
    if (part.kind === "literal") pieces = [part.bytes];
    else if (part.kind === "alt") {
      const branches = part.branches.map((b) => expansions(b.parts));
      if (branches.some((b) => b === undefined)) return undefined;
      pieces = branches.flatMap((b) => b!);
    } else pieces = ["\0"];
    if (acc.length * pieces.length > MAX_SHAPE_EXPANSIONS) return undefined;
    acc = acc.flatMap((a) => pieces.map((p) => a + p));
  }
  return acc;
}

// A glob character or a backslash: text without any is one literal, and parseGlob need not run.
const GLOB_SYNTAX = /[\\*?[\]{}]/;

/** An absolute path or glob (volume, device, filesystem socket, exec, protect, shared). */
export function checkedPath(text: string, span: Span, diagnostics: Diagnostic[]): PathValue | undefined {
  if (!text.startsWith("/")) {
    diagnostics.push(diagnostic("MOAT213", span, { path: quote(text) }));
    return undefined;
  }
  if (text.includes("\0")) {
    diagnostics.push(diagnostic("MOAT214", span, { path: quote(text), reason: "a path may not contain a NUL byte" }));
    return undefined;
  }
  const path = parsed(text, text, span, "MOAT215", diagnostics);
  const problem = path === undefined ? undefined : pathShapeProblem(text, path.glob);
  if (problem !== undefined) {
    diagnostics.push(diagnostic("MOAT214", span, { path: quote(text), reason: problem }));
    return undefined;
  }
  return path;
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
