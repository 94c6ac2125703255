/**
 * Do two globs share a path? Decided exactly on the product of their NFAs, explored breadth-first so
 * the witness is a shortest common path (with readable bytes where there is a choice, glob/witness.ts).
 * The exploration is bounded: past `maxStates` product states the answer is "budget", never a hang.
 */
import type { Glob } from "./ast.js";
import { type ByteSet, compileGlob, intersectRanges, type Nfa, unionRanges } from "./automaton.js";
import { Canon, canonAccepts, CANON_STATES, canonStep, isCanonicalPath } from "./canonical.js";
import { matchesPath } from "./match.js";
import { globToText, literalBytes, literalPrefix, literalSuffix } from "./text.js";
import { pickByte } from "./witness.js";

export type IntersectResult =
  | { readonly kind: "disjoint" }
  | { readonly kind: "overlap"; readonly witness: string }
  | { readonly kind: "budget"; readonly detail: string };

export interface Budget {
  readonly maxStates: number;
}

/**
 * 100,000 product states: far above any realistic pair (two 200-byte paths with wildcards give a few
 * thousand) and about 50 ms of work in the worst case.
 */
export const DEFAULT_BUDGET: Budget = { maxStates: 100_000 };

const DISJOINT: IntersectResult = { kind: "disjoint" };

/**
 * kernelPaths: only count paths the kernel can present (glob/canonical.ts): no "//", no "." or ".."
 * component. `/a/{/b,c}` then meets `/a/**` nowhere, and `/a/[.][.]/b` meets nothing. Every check on
 * file paths sets it; leave it off for abstract socket names, whose bytes are taken as they are.
 */
export interface IntersectOptions {
  readonly kernelPaths?: boolean;
}

export function intersect(a: Glob, b: Glob, budget: Budget = DEFAULT_BUDGET, options: IntersectOptions = {}): IntersectResult {
  // Fast paths: most fleet pairs are two literals, a literal and a glob, or differ in their fixed ends.
  const ia = infoOf(a);
  const ib = infoOf(b);
  if (ia.literal !== undefined && ib.literal !== undefined) {
    if (options.kernelPaths === true && !isCanonicalPath(ia.literal)) return DISJOINT;
    return ia.literal === ib.literal ? { kind: "overlap", witness: ia.literal } : DISJOINT;
  }
  const lit = ia.literal ?? ib.literal;
  if (lit !== undefined) {
    if (options.kernelPaths === true && !isCanonicalPath(lit)) return DISJOINT;
    return matchesPath(ia.literal === undefined ? a : b, lit) ? { kind: "overlap", witness: lit } : DISJOINT;
  }
  if (!compatible(ia, ib)) return DISJOINT;
  // The same glob granted twice (a base image every VM reads) is common at fleet scale.
  if (a === b || textOf(ia, a) === textOf(ib, b)) {
    const memo = options.kernelPaths === true ? "kernelShortest" : "shortest";
    return (ia[memo] ??= intersectNfas(compileGlob(a), compileGlob(a), budget, options));
  }
  return intersectNfas(compileGlob(a), compileGlob(b), budget, options);
}

interface Info {
  readonly literal: string | undefined;
  readonly prefix: string;
  readonly suffix: string;
  /** Computed on first need: most pairs are settled by the fast paths above. */
  text?: string;
  shortest?: IntersectResult;
  /** The same, among the paths the kernel can present. */
  kernelShortest?: IntersectResult;
}

const infos = new WeakMap<Glob, Info>();

function infoOf(glob: Glob): Info {
  let info = infos.get(glob);
  if (info === undefined) {
    info = { literal: literalBytes(glob), prefix: literalPrefix(glob), suffix: literalSuffix(glob) };
    infos.set(glob, info);
  }
  return info;
}

function textOf(info: Info, glob: Glob): string {
  if (info.text === undefined) info.text = globToText(glob);
  return info.text;
}

function compatible(a: Info, b: Info): boolean {
  const prefixes = a.prefix.length >= b.prefix.length ? a.prefix.startsWith(b.prefix) : b.prefix.startsWith(a.prefix);
  return prefixes && (a.suffix.length >= b.suffix.length ? a.suffix.endsWith(b.suffix) : b.suffix.endsWith(a.suffix));
}

/**
 * The product of two NFAs, breadth-first, so that the first accepting pair found has a shortest witness.
 * With kernelPaths a third component, the canonical-path DFA (glob/canonical.ts), keeps only paths the
 * kernel can present.
 */
export function intersectNfas(A: Nfa, B: Nfa, budget: Budget = DEFAULT_BUDGET, options: IntersectOptions = {}): IntersectResult {
  const nB = B.edges.length;
  const kernel = options.kernelPaths === true;
  // Keyed (p * nB + q) * CANON_STATES + canon; without kernelPaths canon stays 0. Parent links rebuild
  // the witness.
  const index = new Map<number, number>();
  const pairA: number[] = [0];
  const pairB: number[] = [0];
  const canon: Canon[] = [kernel ? Canon.Start : Canon.Slash];
  const parent: number[] = [-1];
  const viaByte: number[] = [-1];
  index.set(0, 0);
  const witness = (i: number): string => {
    const bytes: number[] = [];
    for (let k = i; parent[k]! >= 0; k = parent[k]!) bytes.push(viaByte[k]!);
    return String.fromCharCode(...bytes.reverse());
  };
  const accepts = (i: number): boolean => A.accepting[pairA[i]!]! && B.accepting[pairB[i]!]! && (!kernel || canonAccepts(canon[i]!));
  if (accepts(0)) return { kind: "overlap", witness: "" };
  for (let head = 0; head < pairA.length; head++) {
    const p = pairA[head]!;
    const q = pairB[head]!;
    for (const ea of A.edges[p]!) {
      for (const eb of B.edges[q]!) {
        const common = intersectRanges(ea.label, eb.label);
        if (common.length === 0) continue;
        // Under kernelPaths the bytes that move the canonical DFA differently are tried apart.
        const choices = kernel ? canonChoices(common, canon[head]!) : [{ bytes: common, next: Canon.Slash as Canon }];
        for (const { bytes, next } of choices) {
          const key = (ea.to * nB + eb.to) * CANON_STATES + (kernel ? next : 0);
          if (index.has(key)) continue;
          const i = pairA.length;
          index.set(key, i);
          pairA.push(ea.to);
          pairB.push(eb.to);
          canon.push(next);
          parent.push(head);
          viaByte.push(pickByte(bytes));
          if (accepts(i)) return { kind: "overlap", witness: witness(i) };
          if (i >= budget.maxStates) {
            return { kind: "budget", detail: `comparing the two globs needs more than ${budget.maxStates} automaton states` };
          }
        }
      }
    }
  }
  return DISJOINT;
}

const SPLITS: readonly ByteSet[] = [[[0x2e, 0x2e]], [[0x2f, 0x2f]], [[1, 0x2d], [0x30, 0xff]]];

/** The bytes of `set` grouped by the canonical state they lead to from `state`; dead ends dropped. */
export function canonChoices(set: ByteSet, state: Canon): { bytes: ByteSet; next: Canon }[] {
  const out: { bytes: ByteSet; next: Canon }[] = [];
  for (const split of SPLITS) {
    const bytes = intersectRanges(set, split);
    if (bytes.length === 0) continue;
    const next = canonStep(state, bytes[0]![0]);
    if (next === Canon.Dead) continue;
    const same = out.find((o) => o.next === next);
    if (same === undefined) out.push({ bytes, next });
    else same.bytes = unionRanges(same.bytes, bytes);
  }
  return out;
}
