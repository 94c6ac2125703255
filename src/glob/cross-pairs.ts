/**
 * Candidate pairs between two sets of globs: each right glob walks down a trie of the left globs'
 * literal starts, and a pair is kept when the two globs' literal ends can end the same path.
 */
import type { Glob } from "./ast.js";
import { literalEnds, literalStarts, startsExpand } from "./ends.js";
import type { StartEntry } from "./start-index.js";
import { literalPrefix } from "./text.js";

/**
 * Candidate pairs between two sets only, as [index in left, index in right]: for checking many globs
 * against a few (grants against the protected paths) without visiting the pairs within either set.
 * The left starts go in a trie, and each right start walks down it, so a right glob costs the length
 * of its start, not a share of sorting both sets together: most grants leave the trie after a byte or
 * two. The same two conditions as above decide a candidate: starts prefix-compatible (a left start met
 * on the way down, or below where the right start ends) and ends suffix-compatible.
 */
export function crossCandidatePairs(left: readonly Glob[], right: readonly Glob[]): [number, number][] {
  const root = new StartNode();
  left.forEach((glob, item) => {
    const ends = literalEnds(glob);
    for (const start of literalStarts(glob)) root.add(start, { item, ends });
  });
  const out: [number, number][] = [];
  const found = new Set<number>();
  // Most right globs leave the trie after a byte or two: their ends are computed only when needed, and
  // their starts (alternations expanded) only when their leading literal reaches the end of a trie path.
  let glob: Glob;
  let ends: readonly string[] | undefined;
  const consider = (entry: StartEntry): void => {
    if (!found.has(entry.item) && endsMeet(entry.ends, (ends ??= literalEnds(glob)))) found.add(entry.item);
  };
  /** Visits the entries on the way down along `start`; returns the node where it ends, if the trie goes that far. */
  const descend = (start: string): StartNode | undefined => {
    let node: StartNode | undefined = root;
    for (let k = 0; node !== undefined && k < start.length; k++) {
      for (let e = 0; e < node.here.length; e++) consider(node.here[e]!);
      node = node.children.get(start.charCodeAt(k));
    }
    return node;
  };
  right.forEach((g, j) => {
    glob = g;
    ends = undefined;
    // Every start begins with the leading literal: if the trie ends within it, every start ends there too.
    const below = descend(literalPrefix(glob));
    if (below !== undefined) {
      if (!startsExpand(glob)) below.forEachBelow(consider);
      else for (const start of literalStarts(glob)) descend(start)?.forEachBelow(consider);
    }
    if (found.size > 0) {
      found.forEach((i) => out.push([i, j]));
      found.clear();
    }
  });
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/** A node of a trie of starts: the entries whose start ends here, and the children by next byte. */
class StartNode {
  readonly here: StartEntry[] = [];
  readonly children = new Map<number, StartNode>();

  add(start: string, entry: StartEntry): void {
    let node: StartNode = this;
    for (let k = 0; k < start.length; k++) {
      const byte = start.charCodeAt(k);
      let next = node.children.get(byte);
      if (next === undefined) node.children.set(byte, (next = new StartNode()));
      node = next;
    }
    node.here.push(entry);
  }

  /** This node's entries and those of every node below it. */
  forEachBelow(visit: (entry: StartEntry) => void): void {
    const stack: StartNode[] = [this];
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const entry of node.here) visit(entry);
      for (const child of node.children.values()) stack.push(child);
    }
  }
}

/** Whether one of `a` and one of `b` can end the same path: one is a suffix of the other. */
function endsMeet(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (x.length >= y.length ? x.endsWith(y) : y.endsWith(x)) return true;
  return false;
}
