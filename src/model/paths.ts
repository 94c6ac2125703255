/**
 * Turns resolved strings into checked PathValues: the path shape rules of docs/language.md ("Paths"
 * and "Globs") are checked here, and the glob is parsed once, here, for every later phase.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Glob, GlobPart } from "../glob/ast.js";
import { toBytes } from "../glob/bytes.js";
import { parserReading } from "../glob/canonical.js";
import { parseGlob } from "../glob/parse.js";
import type { Span } from "../source.js";
import type { PathValue } from "./types.js";

/**
 * Why a path's shape is not allowed (no '.' or '..' component, no '//'), or undefined. AppArmor
 * keeps `/./` and `/../` literally, so such a rule would never match. Decided on what the path writes:
 * for plain text, its components; for a glob, every spelling its alternations and classes allow (escaped
 * characters are literal there, and `[.]` writes a '.'; a wildcard that could match '.' at run time is
 * no written component). What remains can match canonical paths (glob/canonical.ts): the checks that
 * follow decide on those only.
 */
function shapeProblem(text: string, glob: Glob, isGlob: boolean): string | undefined {
  if (!isGlob) return componentProblem(text);
  const found: Problem = { reason: undefined };
  const end = walk(glob.parts, BEGIN, found);
  if (found.reason === undefined && (end & (DOT_STATE | DOTDOT_STATE)) !== 0) found.reason = (end & DOT_STATE) !== 0 ? DOT : DOTDOT;
  return found.reason;
}

const DOT = "a path may not contain a '.' component";
const DOTDOT = "a path may not contain a '..' component";
const DOUBLE_SLASH = "a path may not contain '//'";

// A '.' or '..' component: the first such is the leftmost match.
const DOT_COMPONENT = /(?:^|\/)\.\.?(?=\/|$)/;

/** One search rather than split(): this runs for every path of a fleet, and the pieces would be garbage. */
function componentProblem(text: string): string | undefined {
  if (text.includes("//")) return DOUBLE_SLASH;
  const found = DOT_COMPONENT.exec(text);
  if (found === null) return undefined;
  return found[0].endsWith("..") ? DOTDOT : DOT;
}

/**
 * What the current component holds so far, in one spelling of a glob; a set of them is a bit mask (a
 * byte of a literal steps the set without allocating one).
 */
const BEGIN = 1; // before the first '/'
const EMPTY = 2; // just after a '/'
const DOT_STATE = 4; // "."
const DOTDOT_STATE = 8; // ".."
const OTHER = 16; // anything else, a wildcard included

interface Problem {
  reason: string | undefined;
}

/**
 * The states a glob's parts can end in, from `from`, over every spelling at once: an alternation is the
 * union of its branches, so no spelling is enumerated and no bound can be exceeded.
 */
function walk(parts: readonly GlobPart[], from: number, found: Problem): number {
  let states = from;
  for (const part of parts) {
    if (found.reason !== undefined) break;
    if (part.kind === "alt") {
      let next = 0;
      for (const branch of part.branches) next |= walk(branch.parts, states, found);
      states = next;
    } else if (part.kind === "literal") {
      for (let i = 0; i < part.bytes.length && found.reason === undefined; i++) states = step(states, part.bytes.charCodeAt(i), found);
    } else if (part.kind === "class") {
      // A class is a choice of written bytes, like an alternation of them: `[.]` writes a '.', and
      // `[.a]` may. (Classes never hold '/'.)
      const dot = part.ranges.some(([lo, hi]) => lo <= 46 && 46 <= hi);
      const other = part.ranges.some(([lo, hi]) => lo !== 46 || hi !== 46);
      states = (dot ? step(states, 46, found) : 0) | (other ? OTHER : 0);
    } else {
      states = OTHER;
    }
  }
  return states;
}

function step(states: number, byte: number, found: Problem): number {
  if (byte === 47 /* / */) {
    if ((states & EMPTY) !== 0) found.reason = DOUBLE_SLASH;
    else if ((states & DOT_STATE) !== 0) found.reason = DOT;
    else if ((states & DOTDOT_STATE) !== 0) found.reason = DOTDOT;
    return EMPTY;
  }
  if (states === 0) return 0;
  if (byte !== 46 /* . */) return OTHER;
  let next = 0;
  if ((states & EMPTY) !== 0) next |= DOT_STATE;
  if ((states & DOT_STATE) !== 0) next |= DOTDOT_STATE;
  if ((states & (BEGIN | DOTDOT_STATE | OTHER)) !== 0) next |= OTHER;
  return next;
}

// A glob character or a backslash: text without any is one literal, and parseGlob need not run.
const GLOB_SYNTAX = /[\\*?[\]{}]/;

/**
 * What makes an absolute path more than one literal of its own text: a NUL, glob syntax, a non-ASCII
 * character (its bytes differ from its UTF-16 units), '//', or a '.' or '..' component.
 */
const NOT_SIMPLE = /[\u0000\\*?[\]{}\u0080-\uffff]|\/\/|\/\.\.?(?=\/|$)/;

/** An absolute path or glob (volume, device, filesystem socket, exec, protect, shared). */
export function checkedPath(text: string, span: Span, diagnostics: Diagnostic[]): PathValue | undefined {
  if (text.charCodeAt(0) === 47 /* / */ && !NOT_SIMPLE.test(text)) {
    // Most paths of a fleet: one search instead of the five below, with the same answer.
    return { text, glob: { parts: [{ kind: "literal", bytes: text }] }, span };
  }
  if (!text.startsWith("/")) {
    diagnostics.push(diagnostic("MOAT213", span, { path: quote(text) }));
    return undefined;
  }
  if (text.includes("\0")) {
    diagnostics.push(diagnostic("MOAT214", span, { path: quote(text), reason: "a path may not contain a NUL byte" }));
    return undefined;
  }
  const isGlob = GLOB_SYNTAX.test(text);
  const path = parsed(text, text, isGlob, span, "MOAT215", diagnostics);
  const problem = path === undefined ? undefined : shapeProblem(text, path.glob, isGlob);
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
  const value = parsed(text, name, GLOB_SYNTAX.test(name), span, "MOAT217", diagnostics);
  // Checked, compared and emitted as apparmor_parser reads it: `@svc//ctl` is the rule for `@svc/ctl`.
  return value === undefined ? undefined : { ...value, glob: parserReading(value.glob) };
}

function parsed(
  text: string,
  globSource: string,
  isGlob: boolean,
  span: Span,
  code: "MOAT215" | "MOAT217",
  diagnostics: Diagnostic[],
): PathValue | undefined {
  if (!isGlob) {
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
