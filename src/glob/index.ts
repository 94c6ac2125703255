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

  // Entries reach the end trie only once a later entry starts with their start: most literals are
  // leaves of the walk and are popped without ever being inserted.
  const ends = new EndTrie();
  const stack: Entry[] = [];
  let inserted = 0; // stack[0 .. inserted) are in the end trie
  for (const entry of entries) {
    while (stack.length > 0 && !entry.start.startsWith(stack[stack.length - 1]!.start)) {
      const top = stack.pop()!;
      if (stack.length < inserted) {
        ends.remove(top);
        inserted = stack.length;
      }
    }
    if (stack.length > 0) {
      for (; inserted < stack.length; inserted++) ends.insert(stack[inserted]!);
      ends.forEachCompatible(entry.end, (other) => emit(other, entry.item));
    }
    stack.push(entry);
  }
  return out;
}

/**
 * A trie over reversed ends, with per-node counts so that empty subtrees are skipped. Nodes live in
 * flat arrays (children in one map keyed node * 256 + byte, plus sibling links for walking subtrees):
 * a map per node costs more in garbage collection than the whole walk.
 */
class EndTrie {
  private readonly child = new Map<number, number>();
  private readonly firstChild: number[] = [-1];
  private readonly nextSibling: number[] = [-1];
  private readonly counts: number[] = [0];
  private readonly items = new Map<number, number[]>();

  private path(end: string, create: boolean, delta: number): number {
    let node = 0;
    this.counts[0]! += delta;
    for (let i = end.length - 1; i >= 0; i--) {
      const key = node * 256 + end.charCodeAt(i);
      let next = this.child.get(key);
      if (next === undefined) {
        if (!create) throw new Error("EndTrie: removing an end that was never inserted");
        next = this.counts.length;
        this.counts.push(0);
        this.firstChild.push(-1);
        this.nextSibling.push(this.firstChild[node]!);
        this.firstChild[node] = next;
        this.child.set(key, next);
      }
      node = next;
      this.counts[node]! += delta;
    }
    return node;
  }

  insert(entry: Entry): void {
    const node = this.path(entry.end, true, 1);
    const list = this.items.get(node);
    if (list === undefined) this.items.set(node, [entry.item]);
    else list.push(entry.item);
  }

  remove(entry: Entry): void {
    const list = this.items.get(this.path(entry.end, false, -1))!;
    list.splice(list.lastIndexOf(entry.item), 1);
  }

  /** Items whose end is a suffix of `end` (on its path) or has `end` as a suffix (below it). */
  forEachCompatible(end: string, visit: (item: number) => void): void {
    let node = 0;
    for (let i = end.length; ; i--) {
      if (this.counts[node]! === 0) return;
      if (i === 0) break;
      for (const item of this.items.get(node) ?? []) visit(item);
      const next = this.child.get(node * 256 + end.charCodeAt(i - 1));
      if (next === undefined) return;
      node = next;
    }
    const stack = [node];
    while (stack.length > 0) {
      const at = stack.pop()!;
      for (const item of this.items.get(at) ?? []) visit(item);
      for (let c = this.firstChild[at]!; c !== -1; c = this.nextSibling[c]!) if (this.counts[c]! > 0) stack.push(c);
    }
  }
}
