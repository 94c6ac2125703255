/**
 * The paths the kernel can present to AppArmor: canonical absolute paths. The kernel resolves `.` and
 * `..` and never hands over an empty component, so a path it presents starts with `/`, never holds
 * `//`, and has no `.` or `..` component (a directory may end in `/`). A glob is judged by what it
 * matches among these paths only: `/var/?*{,/,/?**}` equals `/var/**` there, and `/srv/a/[.][.]/b`
 * matches nothing. Every check on file paths intersects with this language, through this small DFA.
 *
 * Abstract socket names are not paths: the kernel compares their bytes as they are, so they have no
 * such universe; but apparmor_parser collapses a run of `/` in a rule's text before it builds the
 * regex, for addresses too (`addr="@svc//ctl"` is the rule for `svc/ctl`). parserReading() applies
 * that to a parsed glob, so that two spellings the parser reads alike are one resource.
 */
import type { Glob, GlobPart } from "./ast.js";

/** States of the DFA. Dead is absorbing; the others are live. */
export const Canon = {
  /** Nothing read yet: only `/` may come. */
  Start: 0,
  /** Just after a `/`: the path may end here (the root, or a directory). */
  Slash: 1,
  /** A component that is `.` so far. */
  Dot: 2,
  /** A component that is `..` so far. */
  DotDot: 3,
  /** Inside any other component. */
  Name: 4,
  Dead: 5,
} as const;
export type Canon = (typeof Canon)[keyof typeof Canon];

/** How many states the DFA has: a product keys its states by `state * CANON_STATES + canon`. */
export const CANON_STATES = 6;

const SLASH = 0x2f;
const DOT = 0x2e;

/** The state after `byte`. NUL never occurs in a path. */
export function canonStep(state: Canon, byte: number): Canon {
  if (byte === 0) return Canon.Dead;
  switch (state) {
    case Canon.Start:
      return byte === SLASH ? Canon.Slash : Canon.Dead;
    case Canon.Slash:
      return byte === SLASH ? Canon.Dead : byte === DOT ? Canon.Dot : Canon.Name;
    case Canon.Dot:
      return byte === SLASH ? Canon.Dead : byte === DOT ? Canon.DotDot : Canon.Name;
    case Canon.DotDot:
      return byte === SLASH ? Canon.Dead : Canon.Name;
    case Canon.Name:
      return byte === SLASH ? Canon.Slash : Canon.Name;
    default:
      return Canon.Dead;
  }
}

/** Whether a path may end in this state: not inside a `.` or `..` component, not before the first `/`. */
export function canonAccepts(state: Canon): boolean {
  return state === Canon.Slash || state === Canon.Name;
}

/** The bytes at which the DFA distinguishes: a byte class for subset constructions must cut there. */
export const CANON_CUTS: readonly number[] = [0, 1, DOT, DOT + 1, SLASH, SLASH + 1];

/** Whether the kernel can present this byte string as a path. */
export function isCanonicalPath(bytes: string): boolean {
  let state: Canon = Canon.Start;
  for (let i = 0; i < bytes.length && state !== Canon.Dead; i++) state = canonStep(state, bytes.charCodeAt(i));
  return canonAccepts(state);
}

/**
 * The glob apparmor_parser builds from this one's text: every run of `/` inside a literal collapsed to
 * one. Only runs written next to each other collapse: the parser works on the text, so `{/b,c}` after a
 * `/` keeps its `//` spelling (checked against `apparmor_parser -D rule-exprs` in the tests). Returns
 * the same object when nothing changes.
 */
export function parserReading(glob: Glob): Glob {
  let changed = false;
  const visit = (parts: readonly GlobPart[]): GlobPart[] =>
    parts.map((part) => {
      if (part.kind === "literal" && part.bytes.includes("//")) {
        changed = true;
        return { kind: "literal", bytes: part.bytes.replace(/\/{2,}/g, "/") };
      }
      if (part.kind === "alt") return { kind: "alt", branches: part.branches.map((b) => ({ parts: visit(b.parts) })) };
      return part;
    });
  const parts = visit(glob.parts);
  return changed ? { parts } : glob;
}
