/**
 * Do two globs share infinitely many paths? A grant may name device nodes of a family one by one
 * (`/dev/vfio/{33,34}`), but a wildcard that reaches into the family (`/dev/vfio/[0-9]*`, `/dev/sd*`)
 * reaches every node the host has or will have. Decided on the product of the two NFAs (and the
 * canonical-path DFA under kernelPaths): the common language is infinite exactly when a cycle runs
 * through product states that are both reachable and able to reach acceptance, since every edge
 * consumes a byte. Bounded like every other comparison.
 */
import type { Glob } from "./ast.js";
import { compileGlob, intersectRanges } from "./automaton.js";
import { Canon, canonAccepts, CANON_STATES } from "./canonical.js";
import { type Budget, canonChoices, DEFAULT_BUDGET, type IntersectOptions } from "./intersect.js";
import { pickByte } from "./witness.js";

export type InfiniteResult =
  /** `count`: how many shared paths, an upper bound (an ambiguous glob may spell one path twice), capped. */
  | { readonly kind: "finite"; readonly count: number }
  /** `witness`: one shared path that lies on such a cycle's way, as a byte string. */
  | { readonly kind: "infinite"; readonly witness: string }
  | { readonly kind: "budget"; readonly detail: string };

const COUNT_CAP = 1_000_000;

export function sharesInfinitely(a: Glob, b: Glob, budget: Budget = DEFAULT_BUDGET, options: IntersectOptions = {}): InfiniteResult {
  const A = compileGlob(a);
  const B = compileGlob(b);
  const nB = B.edges.length;
  const kernel = options.kernelPaths === true;
  const index = new Map<number, number>();
  const pa: number[] = [0];
  const pb: number[] = [0];
  const pc: Canon[] = [kernel ? Canon.Start : Canon.Slash];
  const succ: number[][] = [[]];
  /** The byte of each edge in succ, for the witness. */
  const succByte: number[][] = [[]];
  /** How many bytes each edge in succ stands for: a class or wildcard edge is as many paths. */
  const succWidth: number[][] = [[]];
  const viaByte: number[] = [-1];
  const parent: number[] = [-1];
  index.set(0, 0);
  for (let head = 0; head < pa.length; head++) {
    for (const ea of A.edges[pa[head]!]!) {
      for (const eb of B.edges[pb[head]!]!) {
        const common = intersectRanges(ea.label, eb.label);
        if (common.length === 0) continue;
        const choices = kernel ? canonChoices(common, pc[head]!) : [{ bytes: common, next: Canon.Slash as Canon }];
        for (const { bytes, next } of choices) {
          const key = (ea.to * nB + eb.to) * CANON_STATES + (kernel ? next : 0);
          let i = index.get(key);
          if (i === undefined) {
            i = pa.length;
            index.set(key, i);
            pa.push(ea.to);
            pb.push(eb.to);
            pc.push(next);
            succ.push([]);
            succByte.push([]);
            succWidth.push([]);
            viaByte.push(pickByte(bytes));
            parent.push(head);
            if (i >= budget.maxStates) {
              return { kind: "budget", detail: `comparing the two globs needs more than ${budget.maxStates} automaton states` };
            }
          }
          succ[head]!.push(i);
          succByte[head]!.push(pickByte(bytes));
          succWidth[head]!.push(bytes.reduce((n, [lo, hi]) => n + hi - lo + 1, 0));
        }
      }
    }
  }
  const n = pa.length;
  // Co-reachable: states from which an accepting state can be reached.
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let s = 0; s < n; s++) for (const t of succ[s]!) preds[t]!.push(s);
  const live = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  for (let s = 0; s < n; s++) {
    if (A.accepting[pa[s]!] && B.accepting[pb[s]!] && (!kernel || canonAccepts(pc[s]!))) {
      live[s] = true;
      stack.push(s);
    }
  }
  while (stack.length > 0) {
    for (const p of preds[stack.pop()!]!) {
      if (!live[p]) {
        live[p] = true;
        stack.push(p);
      }
    }
  }
  // A cycle among live states: Kahn's algorithm leaves exactly the states on or behind a cycle.
  const indegree = new Array<number>(n).fill(0);
  for (let s = 0; s < n; s++) if (live[s]) for (const t of succ[s]!) if (live[t]) indegree[t]!++;
  const queue: number[] = [];
  for (let s = 0; s < n; s++) if (live[s] && indegree[s] === 0) queue.push(s);
  let removed = 0;
  for (let k = 0; k < queue.length; k++) {
    removed++;
    for (const t of succ[queue[k]!]!) if (live[t] && --indegree[t]! === 0) queue.push(t);
  }
  const liveCount = live.filter(Boolean).length;
  if (removed === liveCount) {
    // No cycle: count the accepting paths from the start, in reverse topological order.
    const count = new Array<number>(n).fill(0);
    for (let k = queue.length - 1; k >= 0; k--) {
      const s = queue[k]!;
      let c = A.accepting[pa[s]!] && B.accepting[pb[s]!] && (!kernel || canonAccepts(pc[s]!)) ? 1 : 0;
      const targets = succ[s]!;
      for (let e = 0; e < targets.length; e++) if (live[targets[e]!]) c += succWidth[s]![e]! * count[targets[e]!]!;
      count[s] = Math.min(c, COUNT_CAP);
    }
    return { kind: "finite", count: live[0] ? count[0]! : 0 };
  }
  // A witness: the way to a state left on a cycle, then on to acceptance.
  let onCycle = -1;
  for (let s = 0; s < n && onCycle < 0; s++) if (live[s] && indegree[s]! > 0) onCycle = s;
  const bytes: number[] = [];
  for (let k = onCycle; parent[k]! >= 0; k = parent[k]!) bytes.push(viaByte[k]!);
  bytes.reverse();
  let at = onCycle;
  const accepting = (s: number): boolean => A.accepting[pa[s]!]! && B.accepting[pb[s]!]! && (!kernel || canonAccepts(pc[s]!));
  // Breadth-first from the cycle state to the nearest accepting state, through live states.
  const back = new Map<number, { from: number; byte: number }>([[at, { from: -1, byte: -1 }]]);
  const bfs = [at];
  for (let k = 0; k < bfs.length && !accepting(at); k++) {
    const from = bfs[k]!;
    const targets = succ[from]!;
    for (let e = 0; e < targets.length; e++) {
      const t = targets[e]!;
      if (!live[t] || back.has(t)) continue;
      back.set(t, { from, byte: succByte[from]![e]! });
      bfs.push(t);
      if (accepting(t)) {
        at = t;
        break;
      }
    }
  }
  const tail: number[] = [];
  for (let k = at; back.get(k)!.from >= 0; k = back.get(k)!.from) tail.push(back.get(k)!.byte);
  return { kind: "infinite", witness: String.fromCharCode(...bytes, ...tail.reverse()) };
}
