/**
 * Does a glob match a path? Exact to AppArmor: byte-wise (`path` is a byte string, glob/bytes.ts),
 * wildcards never match NUL, and the "at least one byte" rule of glob/normalize.ts.
 * The path is taken as given: AppArmor collapses `//` in paths before matching; callers pass clean paths.
 */
import type { Glob } from "./ast.js";
import { compileGlob, hasByte } from "./automaton.js";
import { literalBytes, literalPrefix, literalSuffix } from "./text.js";

const literalCache = new WeakMap<Glob, string | null>();

const endsCache = new WeakMap<Glob, { prefix: string; suffix: string }>();

function endsOf(glob: Glob): { prefix: string; suffix: string } {
  let ends = endsCache.get(glob);
  if (ends === undefined) endsCache.set(glob, (ends = { prefix: literalPrefix(glob), suffix: literalSuffix(glob) }));
  return ends;
}

export function matchesPath(glob: Glob, path: string): boolean {
  let literal = literalCache.get(glob);
  if (literal === undefined) {
    literal = literalBytes(glob) ?? null;
    literalCache.set(glob, literal);
  }
  if (literal !== null) return literal === path;
  // Every match starts with the glob's literal prefix and ends with its literal suffix: most paths a
  // glob is tried against (a grant against a shared folder, a socket against a VM's folder) fail here.
  const ends = endsOf(glob);
  if (!path.startsWith(ends.prefix) || !path.endsWith(ends.suffix)) return false;

  const nfa = compileGlob(glob);
  let current: number[] = [0];
  // `mark[s] === step` means s is already in the next set: no per-step allocation of a Set.
  const mark = new Int32Array(nfa.edges.length).fill(-1);
  for (let i = 0; i < path.length; i++) {
    const b = path.charCodeAt(i);
    if (b > 0xff) return false; // not a byte string: no glob byte can match it
    const next: number[] = [];
    for (const s of current) {
      for (const e of nfa.edges[s]!) {
        if (mark[e.to] !== i && hasByte(e.label, b)) {
          mark[e.to] = i;
          next.push(e.to);
        }
      }
    }
    if (next.length === 0) return false;
    current = next;
  }
  return current.some((s) => nfa.accepting[s]);
}
