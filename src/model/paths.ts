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
 * for plain text, its components; for a glob, every spelling its alternations allow (escaped characters
 * are literal there; a wildcard that could match '.' at run time is no written component).
 */
export function pathShapeProblem(text: string, glob: Glob): string | undefined {
  if (!GLOB_SYNTAX.test(text)) return componentProblem(text);
  const found: Problem = { reason: undefined };
  const end = walk(glob.parts, new Set([State.Begin]), found);
  if (found.reason === undefined && (end.has(State.Dot) || end.has(State.DotDot))) found.reason = end.has(State.Dot) ? DOT : DOTDOT;
  return found.reason;
}

const DOT = "a path may not contain a '.' component";
const DOTDOT = "a path may not contain a '..' component";
const DOUBLE_SLASH = "a path may not contain '//'";

/** A scan rather than split(): this runs for every path of a fleet, and the pieces would be garbage. */
function componentProblem(text: string): string | undefined {
  if (text.includes("//")) return DOUBLE_SLASH;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) !== 47 /* / */) continue;
    const n = i - start;
    if ((n === 1 || n === 2) && text.charCodeAt(start) === 46 && (n === 1 || text.charCodeAt(start + 1) === 46)) return n === 1 ? DOT : DOTDOT;
    start = i + 1;
  }
  return undefined;
}

/** What the current component holds so far, in one spelling of a glob. */
const enum State {
  Begin, // before the first '/'
  Empty, // just after a '/'
  Dot, // "."
  DotDot, // ".."
  Other, // anything else, a wildcard included
}

interface Problem {
  reason: string | undefined;
}

/**
 * The states a glob's parts can end in, from `from`, over every spelling at once: an alternation is the
 * union of its branches, so no spelling is enumerated and no bound can be exceeded.
 */
function walk(parts: readonly GlobPart[], from: ReadonlySet<State>, found: Problem): Set<State> {
  let states = new Set(from);
  for (const part of parts) {
    if (found.reason !== undefined) break;
    if (part.kind === "alt") {
      const next = new Set<State>();
      for (const branch of part.branches) for (const state of walk(branch.parts, states, found)) next.add(state);
      states = next;
    } else if (part.kind === "literal") {
      for (let i = 0; i < part.bytes.length && found.reason === undefined; i++) states = step(states, part.bytes.charCodeAt(i), found);
    } else {
      states = new Set([State.Other]);
    }
  }
  return states;
}

function step(states: ReadonlySet<State>, byte: number, found: Problem): Set<State> {
  if (byte === 47 /* / */) {
    if (states.has(State.Empty)) found.reason = DOUBLE_SLASH;
    else if (states.has(State.Dot)) found.reason = DOT;
    else if (states.has(State.DotDot)) found.reason = DOTDOT;
    return new Set([State.Empty]);
  }
  const next = new Set<State>();
  for (const state of states) {
    if (byte !== 46 /* . */) next.add(State.Other);
    else next.add(state === State.Empty ? State.Dot : state === State.Dot ? State.DotDot : State.Other);
  }
  return next;
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
