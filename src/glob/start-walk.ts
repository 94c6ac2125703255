/**
 * Candidate pairs within one set of globs (or between two parts of it), by a walk of their literal
 * starts in sorted order: a start is a prefix of every start that follows it in its subtree.
 */
import { END_KEY_BYTES, suffixHash } from "./end-keys.js";
import { EndTrie, type TrieEntry } from "./end-trie.js";

interface Entry extends TrieEntry {
  readonly start: string;
}

/**
 * Pairs of globs whose starts and ends are compatible. With `leftCount`, only pairs between the first
 * `leftCount` globs and the others: each side's ends go in a trie of their own, and an entry asks only
 * the other side's, so pairs within one side are never even visited.
 *
 * Entries are taken a run of equal starts at a time. On a fleet the runs are huge (every VM's log glob
 * starts `/var/log/libvirt/`), and within a run only the ends decide (pairsWithinRun). The end tries
 * are only for pairs whose starts differ, one a proper prefix of the other.
 */
export function walkPairs(startsOf: readonly (readonly string[])[], endsOf: (k: number) => readonly string[], leftCount?: number): [number, number][] {
  // Runs of equal starts, each in item order, and the distinct starts sorted: a fleet has a few hundred
  // distinct starts for tens of thousands of globs, so this sorts hundreds, not every entry.
  const runs = new Map<string, Entry[]>();
  let multi = false;
  startsOf.forEach((starts, item) => {
    const ends = endsOf(item); // already cut to END_KEY_BYTES
    if (ends.length === 0) return; // no end, no entry (a run is made only for an entry)
    if (starts.length * ends.length > 1) multi = true;
    for (let s = 0; s < starts.length; s++) {
      const start = starts[s]!;
      let run = runs.get(start);
      if (run === undefined) runs.set(start, (run = []));
      for (let e = 0; e < ends.length; e++) run.push({ item, start, end: ends[e]! });
    }
  });

  const out: [number, number][] = [];
  const seen = multi ? new Set<number>() : undefined;
  const n = startsOf.length;
  const bipartite = leftCount !== undefined;
  const sideOf = (e: Entry): number => (bipartite && e.item >= leftCount! ? 1 : 0);
  const emit = (a: number, b: number): void => {
    if (a === b) return;
    const i = a < b ? a : b;
    const j = a < b ? b : a;
    if (seen !== undefined) {
      const key = i * n + j;
      if (seen.has(key)) return;
      seen.add(key);
    }
    out.push([i, j]);
  };

  // Runs reach an end trie only once a later run starts with their start: most runs are leaves of the
  // walk and are popped without ever being inserted.
  const tries = [new EndTrie(), new EndTrie()];
  const stack: (readonly Entry[])[] = [];
  let inserted = 0; // stack[0 .. inserted) are in the end tries
  for (const start of [...runs.keys()].sort()) {
    const run = runs.get(start)!;
    while (stack.length > 0 && !start.startsWith(stack[stack.length - 1]![0]!.start)) {
      const top = stack.pop()!;
      if (stack.length < inserted) {
        for (const e of top) tries[sideOf(e)]!.remove(e);
        inserted = stack.length;
      }
    }
    if (stack.length > 0) {
      for (; inserted < stack.length; inserted++) for (const e of stack[inserted]!) tries[sideOf(e)]!.insert(e);
      for (const entry of run) {
        const asked = bipartite ? 1 - sideOf(entry) : 0;
        tries[asked]!.forEachCompatible(entry.end, (other) => emit(other, entry.item));
      }
    }
    if (run.length > 1) pairsWithinRun(run, sideOf, bipartite, emit);
    stack.push(run);
  }
  return out;
}

/**
 * The pairs of a run of equal starts whose ends are compatible (one a suffix of the other). Two
 * compatible ends agree on their last `shortest` chars (the length of the run's shortest end), so the
 * entries are first split by a hash of those chars: on a fleet nearly every part holds one entry.
 */
function pairsWithinRun(run: readonly Entry[], sideOf: (e: Entry) => number, bipartite: boolean, emit: (a: number, b: number) => void): void {
  // In a bipartite pass most runs hold one side only (every VM's log glob, none of the other side).
  if (bipartite && run.every((e) => sideOf(e) === sideOf(run[0]!))) return;
  let shortest = END_KEY_BYTES;
  for (let k = 0; k < run.length; k++) shortest = Math.min(shortest, run[k]!.end.length);
  const parts = new Map<number, Entry[]>();
  for (let k = 0; k < run.length; k++) {
    const h = suffixHash(run[k]!.end, shortest);
    const part = parts.get(h);
    if (part === undefined) parts.set(h, [run[k]!]);
    else part.push(run[k]!);
  }
  parts.forEach((part) => {
    if (part.length > 1) pairsByEnds(part, sideOf, bipartite, emit);
  });
}

/**
 * The pairs of entries (of one start) whose ends are compatible. Sorted by their ends read backwards,
 * the ends come in the order of a depth-first walk of the trie of reversed ends: every end that ends
 * another comes before it, and between the two come only ends that it also ends. So a stack of the
 * ends seen so far, popped down to those that end the current one, holds exactly its earlier
 * compatible ends. Entries with equal ends form one node, kept by side so that a bipartite walk never
 * visits its own side.
 */
function pairsByEnds(entries: readonly Entry[], sideOf: (e: Entry) => number, bipartite: boolean, emit: (a: number, b: number) => void): void {
  const sorted = [...entries].sort((x, y) => compareFromEnd(x.end, y.end));
  const stack: EndNode[] = [];
  for (let first = 0; first < sorted.length; ) {
    const end = sorted[first]!.end;
    const node: EndNode = { end, sides: [[], []] };
    for (; first < sorted.length && sorted[first]!.end === end; first++) node.sides[sideOf(sorted[first]!)]!.push(sorted[first]!.item);
    while (stack.length > 0 && !end.endsWith(stack[stack.length - 1]!.end)) stack.pop();
    if (bipartite) {
      for (const [mine, theirs] of [[0, 1], [1, 0]] as const) {
        for (const item of node.sides[mine]!) for (const earlier of stack) for (const other of earlier.sides[theirs]!) emit(other, item);
      }
      for (const a of node.sides[0]!) for (const b of node.sides[1]!) emit(a, b);
    } else {
      const items = node.sides[0]!;
      for (let k = 0; k < items.length; k++) {
        for (const earlier of stack) for (const other of earlier.sides[0]!) emit(other, items[k]!);
        for (let m = 0; m < k; m++) emit(items[m]!, items[k]!);
      }
    }
    stack.push(node);
  }
}

/** The entries of a run that share one end, by side (a pass that is not bipartite has side 0 only). */
interface EndNode {
  readonly end: string;
  readonly sides: readonly [number[], number[]];
}

/** Orders strings read from their last char backwards; a string comes before every string it ends. */
function compareFromEnd(a: string, b: string): number {
  for (let i = a.length - 1, j = b.length - 1; i >= 0 && j >= 0; i--, j--) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
