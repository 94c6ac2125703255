/**
 * Do two globs share a path? Decided exactly on the product of their NFAs, explored breadth-first so
 * the witness is a shortest common path (with readable bytes where there is a choice, glob/witness.ts).
 * The exploration is bounded: past `maxStates` product states the answer is "budget", never a hang.
 */
import type { Glob } from "./ast.js";
import { type ByteSet, compileGlob, intersectRanges } from "./automaton.js";
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
 * kernelPaths: only count paths the kernel can present, which never hold "//" (AppArmor matches the
 * path after the kernel collapsed repeated slashes). `/a/{/b,c}` then meets `/a/**` nowhere. Leave it
 * off for abstract socket names, whose bytes are taken as they are.
 */
export interface IntersectOptions {
  readonly kernelPaths?: boolean;
}

export function intersect(a: Glob, b: Glob, budget: Budget = DEFAULT_BUDGET, options: IntersectOptions = {}): IntersectResult {
  // Fast paths: most fleet pairs are two literals, a literal and a glob, or differ in their fixed ends.
  const ia = infoOf(a);
  const ib = infoOf(b);
  if (ia.literal !== undefined && ib.literal !== undefined) {
    if (options.kernelPaths === true && ia.literal.includes("//")) return DISJOINT;
    return ia.literal === ib.literal ? { kind: "overlap", witness: ia.literal } : DISJOINT;
  }
  const lit = ia.literal ?? ib.literal;
  if (lit !== undefined) {
    if (options.kernelPaths === true && lit.includes("//")) return DISJOINT;
    return matchesPath(ia.literal === undefined ? a : b, lit) ? { kind: "overlap", witness: lit } : DISJOINT;
  }
  if (!compatible(ia, ib)) return DISJOINT;
  // The same glob granted twice (a base image every VM reads) is common at fleet scale.
  if ((a === b || textOf(ia, a) === textOf(ib, b)) && options.kernelPaths !== true) {
    if (ia.shortest === undefined) ia.shortest = product(a, a, budget, options);
    return ia.shortest;
  }
  return product(a, b, budget, options);
}

interface Info {
  readonly literal: string | undefined;
  readonly prefix: string;
  readonly suffix: string;
  /** Computed on first need: most pairs are settled by the fast paths above. */
  text?: string;
  shortest?: IntersectResult;
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

const SLASH = 0x2f;
const ONLY_SLASH: ByteSet = [[SLASH, SLASH]];
const NO_SLASH: ByteSet = [
  [0, SLASH - 1],
  [SLASH + 1, 0xff],
];

function product(a: Glob, b: Glob, budget: Budget, options: IntersectOptions): IntersectResult {
  const A = compileGlob(a);
  const B = compileGlob(b);
  const nB = B.edges.length;
  const noDouble = options.kernelPaths === true;
  // Breadth-first over (p, q, last byte was '/') keyed (p * nB + q) * 2 + bit; parent links rebuild
  // the witness. The bit only matters for kernelPaths, which refuses a '/' right after a '/'.
  const index = new Map<number, number>();
  const pairA: number[] = [0];
  const pairB: number[] = [0];
  const slashed: boolean[] = [false];
  const parent: number[] = [-1];
  const viaByte: number[] = [-1];
  index.set(0, 0);
  const witness = (i: number): string => {
    const bytes: number[] = [];
    for (let k = i; parent[k]! >= 0; k = parent[k]!) bytes.push(viaByte[k]!);
    return String.fromCharCode(...bytes.reverse());
  };
  if (A.accepting[0] && B.accepting[0]) return { kind: "overlap", witness: "" };
  for (let head = 0; head < pairA.length; head++) {
    const p = pairA[head]!;
    const q = pairB[head]!;
    for (const ea of A.edges[p]!) {
      for (const eb of B.edges[q]!) {
        const common = intersectRanges(ea.label, eb.label);
        if (common.length === 0) continue;
        // Without kernelPaths the slash bit is always false: one successor per edge pair.
        const choices = noDouble ? [intersectRanges(common, NO_SLASH), slashed[head] ? [] : intersectRanges(common, ONLY_SLASH)] : [common];
        for (const bytes of choices) {
          if (bytes.length === 0) continue;
          const byte = pickByte(bytes);
          const bit = noDouble && byte === SLASH;
          const key = (ea.to * nB + eb.to) * 2 + (bit ? 1 : 0);
          if (index.has(key)) continue;
          const i = pairA.length;
          index.set(key, i);
          pairA.push(ea.to);
          pairB.push(eb.to);
          slashed.push(bit);
          parent.push(head);
          viaByte.push(byte);
          if (A.accepting[ea.to] && B.accepting[eb.to]) return { kind: "overlap", witness: witness(i) };
          if (i >= budget.maxStates) {
            return { kind: "budget", detail: `comparing the two globs needs more than ${budget.maxStates} automaton states` };
          }
        }
      }
    }
  }
  return DISJOINT;
}

export { checkCovers, covers, type CoversResult } from "./covers.js";
