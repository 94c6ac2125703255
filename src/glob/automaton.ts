/**
 * Glob -> epsilon-free NFA over bytes. Thompson's construction stays linear in the glob's size (a brace
 * bomb `{a,b}`×30 is ~100 states, not 2^30 paths), so only products and determinization need budgets.
 * Wildcards never match NUL (AppArmor's `[^/\x00]`, `[^\x00]`); `/` is 0x2f.
 */
import type { Glob, GlobPart } from "./ast.js";
import { type Atom, normalizeGlob } from "./normalize.js";
import { perPart } from "./per-part.js";
import { literalBytes } from "./text.js";

/** A set of bytes as sorted, disjoint, non-adjacent inclusive ranges. */
export type ByteSet = readonly (readonly [number, number])[];

export const NOT_SLASH: ByteSet = [
  [1, 0x2e],
  [0x30, 0xff],
];
export const ANY_BYTE: ByteSet = [[1, 0xff]];

export interface Edge {
  readonly label: ByteSet;
  readonly to: number;
}

/** State 0 is the start state. */
export interface Nfa {
  readonly edges: readonly (readonly Edge[])[];
  readonly accepting: readonly boolean[];
}

const cache = new WeakMap<Glob, Nfa>();

/** The glob's NFA, compiled once per Glob object. */
export function compileGlob(glob: Glob): Nfa {
  let nfa = cache.get(glob);
  if (nfa === undefined) {
    nfa = removeEpsilons(buildThompson(normalizeGlob(glob)));
    cache.set(glob, nfa);
  }
  return nfa;
}

/**
 * Number of states of the glob's NFA: the cost driver of every check on it. The model rejects a glob
 * above its budget (MOAT306) with `globStates(glob) > MAX_GLOB_STATES`.
 */
export function globStates(glob: Glob): number {
  // A literal's NFA is a chain, one state per byte and a final one: counting needs no automaton, and
  // building one for every literal grant of a fleet would hold hundreds of megabytes in the cache.
  const literal = literalBytes(glob);
  if (literal !== undefined) return literal.length + 1;
  const cached = cache.get(glob);
  if (cached !== undefined) return cached.edges.length;
  // Counted without building the automaton, which most globs of a fleet never need: removeEpsilons keeps
  // the start state and every target of a byte edge, and buildThompson makes exactly one fresh target
  // per byte-consuming atom (each literal byte, `?`, a class, the loop state of `*` or `**`); the start
  // and the join and branch states of an alternation are only ever reached by epsilon moves.
  return 1 + consumingAtoms(glob.parts);
}

/**
 * The byte-consuming atoms normalizeGlob would make of these parts, counted on the parts themselves:
 * literal bytes count one each, and a run of n stars (`**` counts two; empty literals inside a run
 * vanish) becomes n / 2 `**` and n % 2 `*`, one atom each.
 */
function consumingAtoms(parts: readonly GlobPart[]): number {
  let n = 0;
  let stars = 0;
  const endRun = (): void => {
    n += Math.ceil(stars / 2);
    stars = 0;
  };
  for (const part of parts) {
    if (part.kind === "star" || part.kind === "globstar") {
      stars += part.kind === "star" ? 1 : 2;
      continue;
    }
    if (part.kind === "literal" && part.bytes === "") continue;
    endRun();
    if (part.kind === "literal") n += part.bytes.length;
    else if (part.kind === "alt") n += altAtoms(part);
    else n++;
  }
  endRun();
  return n;
}

const altAtoms = perPart((part: Extract<GlobPart, { kind: "alt" }>): number => part.branches.reduce((sum, branch) => sum + consumingAtoms(branch.parts), 0));

/** A glob's NFA above this many states is "too complex" (a path of 4 KiB is ~4,100 states). */
export const MAX_GLOB_STATES = 5000;

interface Thompson {
  edges: { label: ByteSet; to: number }[][];
  eps: number[][];
  final: number;
}

function buildThompson(atoms: readonly Atom[]): Thompson {
  const t: Thompson = { edges: [], eps: [], final: 0 };
  const state = (): number => {
    t.edges.push([]);
    t.eps.push([]);
    return t.edges.length - 1;
  };
  const edge = (from: number, label: ByteSet, to: number): void => {
    t.edges[from]!.push({ label, to });
  };
  const sequence = (seq: readonly Atom[], from: number): number => {
    let s = from;
    for (const atom of seq) {
      switch (atom.kind) {
        case "literal":
          for (let i = 0; i < atom.bytes.length; i++) {
            const b = atom.bytes.charCodeAt(i) & 0xff;
            const n = state();
            edge(s, [[b, b]], n);
            s = n;
          }
          break;
        case "any": {
          const n = state();
          edge(s, NOT_SLASH, n);
          s = n;
          break;
        }
        case "class": {
          const n = state();
          edge(s, normalizeRanges(atom.ranges), n);
          s = n;
          break;
        }
        case "star":
        case "globstar": {
          // A fresh loop state, so the loop is never shared with whatever else leaves `s`.
          const loop = state();
          if (atom.minOne) edge(s, NOT_SLASH, loop);
          else t.eps[s]!.push(loop);
          edge(loop, atom.kind === "star" ? NOT_SLASH : ANY_BYTE, loop);
          s = loop;
          break;
        }
        case "alt": {
          const join = state();
          for (const branch of atom.branches) {
            const start = state();
            t.eps[s]!.push(start);
            t.eps[sequence(branch, start)]!.push(join);
          }
          s = join;
          break;
        }
      }
    }
    return s;
  };
  const start = state();
  t.final = sequence(atoms, start);
  return t;
}

function removeEpsilons(t: Thompson): Nfa {
  const n = t.edges.length;
  const closure = (s: number): number[] => {
    if (t.eps[s]!.length === 0) return [s];
    const seen = new Set<number>([s]);
    const stack = [s];
    while (stack.length > 0) {
      for (const x of t.eps[stack.pop()!]!) {
        if (!seen.has(x)) {
          seen.add(x);
          stack.push(x);
        }
      }
    }
    return [...seen];
  };
  // Keep the start state and every target of a byte edge: the others are only passed through.
  const keep = new Map<number, number>([[0, 0]]);
  const order = [0];
  for (let s = 0; s < n; s++) {
    for (const e of t.edges[s]!) {
      if (!keep.has(e.to)) {
        keep.set(e.to, order.length);
        order.push(e.to);
      }
    }
  }
  const edges: Edge[][] = [];
  const accepting: boolean[] = [];
  for (const s of order) {
    // Most states (every byte of a literal) have no epsilon move and one byte edge: copied as they are.
    if (t.eps[s]!.length === 0 && t.edges[s]!.length <= 1) {
      edges.push(t.edges[s]!.map((e) => ({ label: e.label, to: keep.get(e.to)! })));
      accepting.push(s === t.final);
      continue;
    }
    const byTarget = new Map<number, ByteSet>();
    let acc = false;
    for (const c of closure(s)) {
      if (c === t.final) acc = true;
      for (const e of t.edges[c]!) {
        const to = keep.get(e.to)!;
        const prev = byTarget.get(to);
        byTarget.set(to, prev === undefined ? e.label : unionRanges(prev, e.label));
      }
    }
    edges.push([...byTarget].map(([to, label]) => ({ label, to })));
    accepting.push(acc);
  }
  return { edges, accepting };
}

export function normalizeRanges(ranges: readonly (readonly [number, number])[]): ByteSet {
  const sorted = [...ranges].map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]);
  sorted.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function unionRanges(a: ByteSet, b: ByteSet): ByteSet {
  return normalizeRanges([...a, ...b]);
}

export function intersectRanges(a: ByteSet, b: ByteSet): ByteSet {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]![0], b[j]![0]);
    const hi = Math.min(a[i]![1], b[j]![1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

export function hasByte(set: ByteSet, b: number): boolean {
  for (const [lo, hi] of set) {
    if (b < lo) return false;
    if (b <= hi) return true;
  }
  return false;
}
