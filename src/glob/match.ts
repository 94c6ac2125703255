/**
 * Does a glob match a path? Exact to AppArmor: byte-wise (`path` is a byte string, glob/bytes.ts),
 * wildcards never match NUL, and the "at least one byte" rule of glob/normalize.ts.
 * The path is taken as given: AppArmor collapses `//` in paths before matching; callers pass clean paths.
 */
import type { Glob } from "./ast.js";
import { compileGlob, hasByte } from "./automaton.js";
import { normalizeGlob } from "./normalize.js";
import { literalBytes, literalPrefix, literalSuffix } from "./text.js";

const literalCache = new WeakMap<Glob, string | null>();

interface Ends {
  readonly prefix: string;
  readonly suffix: string;
  /** The ranges of a class that directly follows the prefix (empty literals aside), if one does. */
  readonly nextClass: readonly (readonly [number, number])[] | undefined;
  /**
   * When the glob is its prefix and then one `**` (a shared folder, `/srv/images/**`): whether that
   * `**` must start with a byte other than '/' (AppArmor's rule, glob/normalize.ts). Such a glob is
   * matched without its automaton.
   */
  readonly trailingGlobstar: { readonly minOne: boolean } | undefined;
}

const endsCache = new WeakMap<Glob, Ends>();

function endsOf(glob: Glob): Ends {
  let ends = endsCache.get(glob);
  if (ends === undefined) {
    const next = glob.parts.find((p) => p.kind !== "literal");
    const nextClass = next?.kind === "class" ? next.ranges : undefined;
    // Only literals and stars can make that shape. Any other operator rules it out without normalizing,
    // which copies every branch: libvirt's per-domain folder glob, a class and ten nested alternations, is
    // matched against a path of its VM's in every compile, once per VM.
    const starsOnly = glob.parts.every((p) => p.kind === "literal" || p.kind === "star" || p.kind === "globstar");
    const atoms = starsOnly ? normalizeGlob(glob) : [];
    const last = atoms[atoms.length - 1];
    const shape = atoms.length <= 2 && last?.kind === "globstar" && (atoms.length === 1 || atoms[0]!.kind === "literal");
    const trailingGlobstar = shape ? { minOne: last.minOne } : undefined;
    endsCache.set(glob, (ends = { prefix: literalPrefix(glob), suffix: literalSuffix(glob), nextClass, trailingGlobstar }));
  }
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
  // A class right after the prefix consumes exactly the next byte: libvirt's `domain-[0-9]…-NAME/*` is
  // refused for `domain-NAME/monitor.sock` here, without building its automaton for every VM.
  if (ends.nextClass !== undefined) {
    const b = path.charCodeAt(ends.prefix.length);
    if (!(b >= 0) || !ends.nextClass.some(([lo, hi]) => b >= Math.min(lo, hi) && b <= Math.max(lo, hi))) return false;
  }

  if (ends.trailingGlobstar !== undefined) return globstarMatches(path, ends.prefix.length, ends.trailingGlobstar.minOne);

  const nfa = compileGlob(glob);
  // Two state sets swapped at each byte, and indexed loops (docs/performance.md, "Loops"): a path met
  // by a glob the checks above cannot settle is walked byte by byte, and a fleet has thousands of them.
  let current: number[] = [0];
  let next: number[] = [];
  // `mark[s] === step` means s is already in the next set: no per-step allocation of a Set.
  const mark = new Int32Array(nfa.edges.length).fill(-1);
  for (let i = 0; i < path.length; i++) {
    const b = path.charCodeAt(i);
    if (b > 0xff) return false; // not a byte string: no glob byte can match it
    next.length = 0;
    for (let k = 0; k < current.length; k++) {
      const edges = nfa.edges[current[k]!]!;
      for (let m = 0; m < edges.length; m++) {
        const e = edges[m]!;
        if (mark[e.to] !== i && hasByte(e.label, b)) {
          mark[e.to] = i;
          next.push(e.to);
        }
      }
    }
    if (next.length === 0) return false;
    const done = current;
    current = next;
    next = done;
  }
  return current.some((s) => nfa.accepting[s]);
}

/**
 * Whether `path` from `from` on is what a final `**` matches: any bytes but NUL, and with `minOne` a
 * first byte that is neither '/' nor NUL (the automaton's NOT_SLASH edge, then its ANY_BYTE loop).
 */
function globstarMatches(path: string, from: number, minOne: boolean): boolean {
  if (minOne && (from >= path.length || path.charCodeAt(from) === 0x2f)) return false;
  for (let i = from; i < path.length; i++) {
    const b = path.charCodeAt(i);
    if (b === 0 || b > 0xff) return false;
  }
  return true;
}
