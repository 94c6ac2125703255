/**
 * Candidate pairs at fleet scale: every pair of globs that MAY share a path, without comparing all
 * pairs. Two globs can only overlap if one's literal start is a prefix of the other's and one's literal
 * end is a suffix of the other's (glob/ends.ts). Starts are visited in sorted order, which walks the
 * trie of starts depth-first without building it: the stack holds the entries whose start is a prefix
 * of the current one. Those entries sit in a trie of their reversed ends, which answers "which of them
 * has an end compatible with mine" by walking one path and the non-empty subtree below it.
 * So `/var/log/libvirt/**` + `/web01.log` and `.../web02.log` share a start but never meet.
 */
import type { Glob } from "./ast.js";
import { literalEnds, literalStarts } from "./ends.js";

/**
 * Ends are cut to their last bytes: a cut end is still a true end, and a short key keeps the end trie
 * small (a literal's end is the whole path).
 */
const END_KEY_BYTES = 24;

interface Entry {
  readonly item: number;
  readonly start: string;
  readonly end: string;
}

export function findCandidatePairs<T>(items: readonly { readonly glob: Glob; readonly value: T }[]): Iterable<[T, T]> {
  const pairs = candidateIndexPairs(items.map((i) => i.glob));
  return (function* () {
    for (const [a, b] of pairs) yield [items[a]!.value, items[b]!.value] as [T, T];
  })();
}

/** The same, as index pairs [i, j] with i < j, each pair once, in a deterministic order. */
export function candidateIndexPairs(globs: readonly Glob[]): [number, number][] {
  const entries: Entry[] = [];
  let multi = false;
  globs.forEach((glob, item) => {
    const starts = literalStarts(glob);
    const ends = literalEnds(glob).map((e) => e.slice(Math.max(0, e.length - END_KEY_BYTES)));
    if (starts.length * ends.length > 1) multi = true;
    for (const start of starts) for (const end of ends) entries.push({ item, start, end });
  });
  entries.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : x.item - y.item));

  const out: [number, number][] = [];
  const seen = multi ? new Set<number>() : undefined;
  const n = globs.length;
  const emit = (a: number, b: number): void => {
    if (a === b) return;
    const [i, j] = a < b ? [a, b] : [b, a];
    if (seen !== undefined) {
      const key = i * n + j;
      if (seen.has(key)) return;
      seen.add(key);
    }
    out.push([i, j]);
  };

  const ends = new EndTrie();
  const stack: Entry[] = [];
  for (const entry of entries) {
    while (stack.length > 0 && !entry.start.startsWith(stack[stack.length - 1]!.start)) ends.remove(stack.pop()!);
    ends.forEachCompatible(entry.end, (other) => emit(other, entry.item));
    ends.insert(entry);
    stack.push(entry);
  }
  return out;
}

/** A trie over reversed ends, with per-node counts so that empty subtrees are skipped. */
class EndTrie {
  private readonly children: Map<number, number>[] = [new Map()];
  private readonly items: number[][] = [[]];
  private readonly counts: number[] = [0];

  insert(entry: Entry): void {
    let node = 0;
    this.counts[0]!++;
    for (let i = entry.end.length - 1; i >= 0; i--) {
      const c = entry.end.charCodeAt(i);
      let child = this.children[node]!.get(c);
      if (child === undefined) {
        child = this.children.length;
        this.children.push(new Map());
        this.items.push([]);
        this.counts.push(0);
        this.children[node]!.set(c, child);
      }
      node = child;
      this.counts[node]!++;
    }
    this.items[node]!.push(entry.item);
  }

  /** Entries are removed in the reverse order of insertion (a stack), so the item is last at its node. */
  remove(entry: Entry): void {
    let node = 0;
    this.counts[0]!--;
    for (let i = entry.end.length - 1; i >= 0; i--) {
      node = this.children[node]!.get(entry.end.charCodeAt(i))!;
      this.counts[node]!--;
    }
    const list = this.items[node]!;
    const at = list.lastIndexOf(entry.item);
    list.splice(at, 1);
  }

  /** Items whose end is a suffix of `end` (on its path) or has `end` as a suffix (below it). */
  forEachCompatible(end: string, visit: (item: number) => void): void {
    let node: number | undefined = 0;
    for (let i = end.length; ; i--) {
      if (this.counts[node]! === 0) return;
      if (i === 0) break;
      for (const item of this.items[node]!) visit(item);
      node = this.children[node]!.get(end.charCodeAt(i - 1));
      if (node === undefined) return;
    }
    const stack = [node];
    while (stack.length > 0) {
      const at = stack.pop()!;
      for (const item of this.items[at]!) visit(item);
      for (const child of this.children[at]!.values()) if (this.counts[child]! > 0) stack.push(child);
    }
  }
}
