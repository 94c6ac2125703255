/**
 * Baseline (a): the all-pairs overlap method. Every pair of grants of different workloads goes through
 * the same exact `intersect` that moat's check uses, on the same grants (check/grants.ts: host-shared
 * devices left out, mapper aliases added). Only the candidate search differs, which is what the
 * comparison is about. At 100,000 resources that is billions of pairs, so pairs are drawn uniformly at
 * random (seeded) within a time budget and the mean cost per pair is scaled to the full count; the
 * report says whether a figure is measured or extrapolated.
 *
 * moat's check phase also runs the protected-path, over-broad and complexity rules, which this
 * baseline leaves out: the ratio errs in the baseline's favour.
 */
import { overlapGrants, type Grant } from "../src/check/grants.js";
import { intersect } from "../src/glob/intersect.js";
import type { Model } from "../src/model/types.js";
import { Prng } from "./prng.js";

export interface AllPairsEstimate {
  readonly grants: number;
  /** Pairs of grants of different workloads in the same namespace. */
  readonly pairs: number;
  readonly measuredPairs: number;
  readonly measuredMs: number;
  /** Measured time when every pair ran, else measuredMs scaled to `pairs`. */
  readonly estimatedMs: number;
  readonly exhaustive: boolean;
  /** Overlaps among the measured pairs (in an isolated fleet: only the shared read-only images). */
  readonly overlaps: number;
}

export function estimateAllPairs(model: Model, budgetMs: number, seed = 7): AllPairsEstimate {
  const groups = new Map<string, Grant[]>();
  for (const g of overlapGrants(model)) {
    const list = groups.get(g.namespace) ?? [];
    list.push(g);
    groups.set(g.namespace, list);
  }
  const lists = [...groups.values()];
  // Pairs within one workload are not compared by either method.
  let pairs = 0;
  for (const list of lists) {
    pairs += (list.length * (list.length - 1)) / 2;
    const perWorkload = new Map<object, number>();
    for (const g of list) perWorkload.set(g.workload, (perWorkload.get(g.workload) ?? 0) + 1);
    for (const n of perWorkload.values()) pairs -= (n * (n - 1)) / 2;
  }
  const grants = lists.reduce((a, l) => a + l.length, 0);

  let overlaps = 0;
  const run = (a: Grant, b: Grant): void => {
    if (intersect(a.glob, b.glob).kind === "overlap") overlaps++;
  };

  const start = performance.now();
  let measuredPairs = 0;
  // Exhaustive when the whole set fits the budget comfortably (estimated from a first probe below).
  const probe = sampled(lists, Math.min(2000, pairs), run, new Prng(seed));
  measuredPairs += probe;
  const perPair = (performance.now() - start) / Math.max(1, probe);
  if (perPair * pairs <= budgetMs) {
    overlaps = 0;
    const t0 = performance.now();
    for (const list of lists) {
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) if (list[i]!.workload !== list[j]!.workload) run(list[i]!, list[j]!);
      }
    }
    const ms = performance.now() - t0;
    return { grants, pairs, measuredPairs: pairs, measuredMs: ms, estimatedMs: ms, exhaustive: true, overlaps };
  }
  const rng = new Prng(seed + 1);
  while (performance.now() - start < budgetMs) measuredPairs += sampled(lists, 1000, run, rng);
  const measuredMs = performance.now() - start;
  return { grants, pairs, measuredPairs, measuredMs, estimatedMs: (measuredMs / measuredPairs) * pairs, exhaustive: false, overlaps };
}

/** Runs `count` uniformly drawn pairs of different workloads' grants; returns how many ran. */
function sampled(lists: readonly Grant[][], count: number, run: (a: Grant, b: Grant) => void, rng: Prng): number {
  const weights = lists.map((l) => (l.length * (l.length - 1)) / 2);
  const total = weights.reduce((a, b) => a + b, 0);
  let done = 0;
  while (done < count) {
    let r = rng.next() * total;
    let k = 0;
    while (k < lists.length - 1 && r >= weights[k]!) r -= weights[k++]!;
    const list = lists[k]!;
    const i = Math.floor(rng.next() * list.length);
    const j = Math.floor(rng.next() * list.length);
    if (i === j || list[i]!.workload === list[j]!.workload) continue;
    run(list[i]!, list[j]!);
    done++;
  }
  return done;
}
