/**
 * The paths a glob matches, and every folder above them: what a process must not be able to write if
 * the glob names a binary a profile is attached to. Replacing `/opt/acme/bin/agent` takes write access
 * to it, or to `/opt/acme/bin/` or any folder above (rename the folder, put another in its place). The
 * folders are the prefixes of matched paths that end in '/', as AppArmor names a directory.
 *
 * Built on the glob's NFA: each state is doubled by whether the last byte read was '/', and a state
 * entered by '/' accepts. That it can still be completed to a matched path needs no check: a glob has
 * no dead ends (every part, class and branch matches something), so every state of its NFA can reach
 * acceptance.
 */
import type { Glob } from "./ast.js";
import { type ByteSet, compileGlob, type Edge, intersectRanges, type Nfa } from "./automaton.js";

const SLASH: ByteSet = [[0x2f, 0x2f]];
const NOT_SLASH: ByteSet = [
  [0, 0x2e],
  [0x30, 0xff],
];

const cache = new WeakMap<Glob, Nfa>();
const foldersCache = new WeakMap<Glob, Nfa>();

/** The paths the glob matches and every folder above them. */
export function withAncestors(glob: Glob): Nfa {
  let nfa = cache.get(glob);
  if (nfa === undefined) cache.set(glob, (nfa = build(compileGlob(glob), true)));
  return nfa;
}

/** Only the folders above the paths the glob matches (and those of its matches that are folders). */
export function withFoldersAbove(glob: Glob): Nfa {
  let nfa = foldersCache.get(glob);
  if (nfa === undefined) foldersCache.set(glob, (nfa = build(compileGlob(glob), false)));
  return nfa;
}

function build(nfa: Nfa, matches: boolean): Nfa {
  const n = nfa.edges.length;
  // State 2s: entered otherwise (or the start); state 2s+1: entered by '/'.
  const edges: Edge[][] = [];
  const accepting: boolean[] = [];
  for (let s = 0; s < n; s++) {
    for (const bit of [0, 1]) {
      const out: Edge[] = [];
      for (const e of nfa.edges[s]!) {
        const slash = intersectRanges(e.label, SLASH);
        const other = intersectRanges(e.label, NOT_SLASH);
        if (other.length > 0) out.push({ label: other, to: 2 * e.to });
        if (slash.length > 0) out.push({ label: slash, to: 2 * e.to + 1 });
      }
      edges.push(out);
      accepting.push((matches && nfa.accepting[s]!) || bit === 1);
    }
  }
  return { edges, accepting };
}
