/**
 * Inclusion: does `outer` match every path that `inner` matches? Decided exactly by exploring inner's
 * NFA against the subset construction of outer's, lazily and over byte classes (the bytes that no
 * label tells apart), with a budget on explored pairs. A counterexample is a shortest path that inner
 * matches and outer does not.
 */
import type { Glob } from "./ast.js";
import { type ByteSet, compileGlob, hasByte, type Nfa } from "./automaton.js";
import { Canon, canonAccepts, CANON_CUTS, canonStep, isCanonicalPath } from "./canonical.js";
import { type Budget, intersect, type IntersectOptions } from "./intersect.js";
import { matchesPath } from "./match.js";
import { literalBytes } from "./text.js";
import { pickByte } from "./witness.js";

export type CoversResult =
  | { readonly kind: "covered" }
  | { readonly kind: "not-covered"; readonly witness: string }
  | { readonly kind: "budget"; readonly detail: string };

/** 20,000 explored pairs and 40 subset steps per pair on average: at most ~100 ms. */
export const DEFAULT_COVERS_BUDGET: Budget = { maxStates: 20_000 };
const WORK_PER_STATE = 40;

/**
 * With kernelPaths (glob/canonical.ts), only paths the kernel can present count: outer covers inner
 * when it matches every canonical path inner matches. `/var/?*{,/,/?**}` covers `/var/**` then.
 */
export function checkCovers(outer: Glob, inner: Glob, budget: Budget = DEFAULT_COVERS_BUDGET, options: IntersectOptions = {}): CoversResult {
  const kernel = options.kernelPaths === true;
  const lit = literalBytes(inner);
  if (lit !== undefined) {
    if (kernel && !isCanonicalPath(lit)) return { kind: "covered" }; // inner matches no path at all
    return matchesPath(outer, lit) ? { kind: "covered" } : { kind: "not-covered", witness: lit };
  }
  // Quick refutation: inner's shortest path (computed once per glob) is usually not in outer.
  const some = intersect(inner, inner, budget, options);
  if (some.kind === "disjoint") return { kind: "covered" }; // inner matches nothing (in the universe)
  if (some.kind === "overlap" && !matchesPath(outer, some.witness)) return { kind: "not-covered", witness: some.witness };
  const I = compileGlob(inner);
  const O = compileGlob(outer);
  const classes = byteClasses(kernel ? CANON_CUTS : [], I, O);

  // The canonical DFA's state is part of the key; without kernelPaths it stays at Slash, which accepts.
  const key = (q: number, c: Canon, set: readonly number[]): string => q + ":" + c + ":" + set.join(",");
  const seen = new Set<string>();
  const start: Canon = kernel ? Canon.Start : Canon.Slash;
  const pairQ: number[] = [0];
  const pairC: Canon[] = [start];
  const pairS: (readonly number[])[] = [[0]];
  const parent: number[] = [-1];
  const viaByte: number[] = [-1];
  seen.add(key(0, start, [0]));
  const witness = (i: number): string => {
    const bytes: number[] = [];
    for (let k = i; parent[k]! >= 0; k = parent[k]!) bytes.push(viaByte[k]!);
    return String.fromCharCode(...bytes.reverse());
  };
  const escapes = (q: number, c: Canon, set: readonly number[]): boolean => I.accepting[q]! && canonAccepts(c) && !set.some((s) => O.accepting[s]);
  if (escapes(0, start, [0])) return { kind: "not-covered", witness: "" };

  let work = 0;
  for (let head = 0; head < pairQ.length; head++) {
    const q = pairQ[head]!;
    const set = pairS[head]!;
    for (const byte of classes) {
      const c = kernel ? canonStep(pairC[head]!, byte) : Canon.Slash;
      if (c === Canon.Dead) continue;
      const innerNext = I.edges[q]!.filter((e) => hasByte(e.label, byte));
      if (innerNext.length === 0) continue;
      const outerNext = step(O, set, byte);
      // Subsets of a wide outer NFA make each pair expensive: count the work, not only the pairs.
      work += set.length + outerNext.length;
      if (work > budget.maxStates * WORK_PER_STATE) {
        return { kind: "budget", detail: `deciding inclusion needs more than ${budget.maxStates * WORK_PER_STATE} steps` };
      }
      for (const e of innerNext) {
        const k = key(e.to, c, outerNext);
        if (seen.has(k)) continue;
        seen.add(k);
        const i = pairQ.length;
        pairQ.push(e.to);
        pairC.push(c);
        pairS.push(outerNext);
        parent.push(head);
        viaByte.push(byte);
        if (escapes(e.to, c, outerNext)) return { kind: "not-covered", witness: witness(i) };
        if (i >= budget.maxStates) {
          return { kind: "budget", detail: `deciding inclusion needs more than ${budget.maxStates} automaton states` };
        }
      }
    }
  }
  return { kind: "covered" };
}

/**
 * Whether outer matches every path inner matches. Exact, except past the budget, where it answers
 * false ("not shown to cover"); callers for whom that is the permissive direction use checkCovers.
 */
export function covers(outer: Glob, inner: Glob, options: IntersectOptions = {}): boolean {
  return checkCovers(outer, inner, DEFAULT_COVERS_BUDGET, options).kind === "covered";
}

function step(nfa: Nfa, set: readonly number[], byte: number): number[] {
  const out = new Set<number>();
  for (const s of set) for (const e of nfa.edges[s]!) if (hasByte(e.label, byte)) out.add(e.to);
  return [...out].sort((a, b) => a - b);
}

/** One readable representative byte per class of bytes that every label of both NFAs treats alike. */
function byteClasses(extraCuts: readonly number[], ...nfas: Nfa[]): number[] {
  const cuts = new Set<number>([0, 256, ...extraCuts]);
  for (const nfa of nfas) {
    for (const edges of nfa.edges) {
      for (const e of edges) {
        for (const [lo, hi] of e.label) {
          cuts.add(lo);
          cuts.add(hi + 1);
        }
      }
    }
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const reps: number[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const range: ByteSet = [[sorted[i]!, sorted[i + 1]! - 1]];
    reps.push(pickByte(range));
  }
  // Readable classes first, so that the breadth-first witness prefers them among equal lengths.
  return reps.sort((a, b) => rank(a) - rank(b));
}

function rank(b: number): number {
  if (b === 0x78) return 0;
  if ((b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39)) return 1;
  if (b >= 0x21 && b <= 0x7e) return 2;
  return 3;
}
