/**
 * Candidate pairs at fleet scale: every pair of globs that MAY share a path, without comparing all
 * pairs. Two globs can only overlap if one's literal start is a prefix of the other's and one's literal
 * end is a suffix of the other's (glob/ends.ts). Globs with operators are visited in the sorted order
 * of their starts, a run of equal starts at a time, which walks the trie of starts depth-first without
 * building it: the stack holds the runs whose start is a prefix of the current one. Within a run only
 * the ends decide (sorted read backwards); across runs, the stacked entries sit in a trie of their reversed
 * ends, which answers "which of them has an end compatible with mine" by walking one path and the
 * non-empty subtree below it. So `/var/log/libvirt/**` + `/web01.log` and `.../web02.log` share a
 * start but never meet. Literals take no part in the walks: each asks an index of the globs' starts.
 */
import type { Glob } from "./ast.js";
import { literalEnds, literalStarts, startsExpand } from "./ends.js";
import { literalBytes, literalPrefix } from "./text.js";
import { appendAll } from "../append-all.js";

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

export interface CandidateOptions {
  /**
   * The caller promises that no two of the globs are literals of the same bytes (it grouped equal globs
   * first, as the overlap rules do), so the search for equal literals, a map of every literal, is skipped.
   */
  readonly distinctLiterals?: boolean;
}

/** Candidate pairs of `globs` as index pairs [i, j] with i < j, each pair once, in a deterministic order. */
export function candidateIndexPairs(globs: readonly Glob[], options: CandidateOptions = {}): [number, number][] {
  // A glob whose literal end is empty (`/srv/t/*`, libvirt's `domain-<id>-NAME/*`) would pair with every
  // glob under its start, which is every VM's per-domain folder at once. When its tail after the last
  // literal '/' cannot hold a '/', that '/' is the last one of every match, so the text before it is a
  // second, independent end: two such globs meet only if those "folder ends" are suffix-compatible.
  // The passes below split the pairs into disjoint classes so that each uses the strongest key it may.
  // Starts and ends are computed once per glob here: the passes below see most globs more than once.
  //
  // Most globs of a fleet are literals (images, /dev/vfio/N, sockets), and two literals share a path only
  // when they are the same bytes: so literals meet each other by equal bytes alone, and the walks below
  // pair a literal only with globs that have operators (a literal is never weak: its end is itself).
  const info: GlobInfo[] = globs.map((glob) => {
    const literal = literalBytes(glob);
    // A literal's start and end are its bytes, and it takes part in no walk below: nothing to compute.
    if (literal !== undefined) return { literal, starts: NONE, ends: NONE, folderEnds: undefined };
    const ends = literalEnds(glob).map((e) => (e.length > END_KEY_BYTES ? e.slice(e.length - END_KEY_BYTES) : e));
    const folder = folderEnd(glob);
    return { literal, starts: literalStarts(glob), ends, folderEnds: folder === undefined ? undefined : [folder] };
  });
  // The classes: literals; weak globs (every end empty, a folder end); the rest, split by whether they have a folder end.
  const restLiterals: number[] = [];
  const weak: number[] = [];
  const restOps: number[] = [];
  const slashFreeOps: number[] = [];
  const other: number[] = [];
  info.forEach((g, i) => {
    if (g.literal !== undefined) restLiterals.push(i);
    else if (g.folderEnds !== undefined && g.ends.every((e) => e === "")) weak.push(i);
    else {
      restOps.push(i);
      (g.folderEnds === undefined ? other : slashFreeOps).push(i);
    }
  });
  const weakSet = new Set(weak);

  const out: [number, number][] = [];
  const add = (pairs: [number, number][], ids: readonly number[]): void => {
    for (let k = 0; k < pairs.length; k++) {
      const i = ids[pairs[k]![0]]!;
      const j = ids[pairs[k]![1]]!;
      out.push(i < j ? [i, j] : [j, i]);
    }
  };
  const byLiteralEnds = (i: number): readonly string[] => info[i]!.ends;
  const byFolderEnd = (i: number): readonly string[] => info[i]!.folderEnds!;
  add(pairsOf(restOps, byLiteralEnds), restOps);
  if (options.distinctLiterals !== true) appendAll(out, sameLiteralPairs(restLiterals, (i) => info[i]!.literal!));
  appendAll(out, literalGlobPairs(restLiterals, [...restOps, ...weak], info, weakSet));
  const weakAndOther = [...weak, ...other];
  const weakAndSlashFree = [...weak, ...slashFreeOps];
  add(pairsOf(weakAndOther, byLiteralEnds, weak.length), weakAndOther);
  add(pairsOf(weakAndSlashFree, byFolderEnd, weak.length), weakAndSlashFree);
  add(pairsOf(weak, byFolderEnd), weak);
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);

  function pairsOf(ids: readonly number[], endsOf: (i: number) => readonly string[], leftCount?: number): [number, number][] {
    return walkPairs(ids.map((i) => info[i]!.starts), (k) => endsOf(ids[k]!), leftCount);
  }
}

const NONE: readonly string[] = [];

/** What the index keeps of a glob. A literal's starts and ends are left empty: it is paired by its bytes. */
interface GlobInfo {
  readonly literal: string | undefined;
  readonly starts: readonly string[];
  /** Cut to their last END_KEY_BYTES. */
  readonly ends: readonly string[];
  /** The folder end, alone in an array as the walks take ends; undefined when the glob has none. */
  readonly folderEnds: readonly string[] | undefined;
}

/**
 * Pairs [i, j], i < j, of a literal and a glob with operators that may match it. Half the groups of a
 * fleet are literals, and a literal is one path: a glob can match it only if one of the glob's starts is
 * a prefix of it and one of its ends a suffix (for a glob whose tail cannot hold a '/', its folder end
 * must end the literal's text up to its last '/'). So the globs are indexed by their starts, and each
 * literal asks the starts that begin it only for the keys that end it, by hash: a literal costs a
 * lookup, not a place in a sorted walk of everything.
 */
function literalGlobPairs(literals: readonly number[], globs: readonly number[], info: readonly GlobInfo[], byFolder: ReadonlySet<number>): [number, number][] {
  const entries: [string, StartEntry][] = [];
  // Indexed loops, and Set.forEach: for...of allocates per item in code not yet optimized (docs/performance.md, "Loops").
  for (let k = 0; k < globs.length; k++) {
    const i = globs[k]!;
    const g = info[i]!;
    const folder = byFolder.has(i);
    const keys = folder ? g.folderEnds! : g.ends;
    for (const start of g.starts) entries.push([start, { item: i, ends: keys, folder }]);
  }
  const index = new StartIndex(entries);
  const out: [number, number][] = [];
  const found = new Set<number>();
  const visit = (item: number): void => void found.add(item);
  let l = 0;
  const pair = (i: number): void => void out.push(i < l ? [i, l] : [l, i]);
  for (let k = 0; k < literals.length; k++) {
    l = literals[k]!;
    index.forEachMatching(info[l]!.literal!, visit);
    if (found.size === 0) continue;
    found.forEach(pair);
    found.clear();
  }
  return out;
}

/**
 * Globs by their starts, for asking which starts begin a path. The distinct starts are sorted, and each
 * knows the longest other start that begins it (its parent). Every start that begins a path P sorts
 * between itself and P, so it begins the greatest start not after P: the starts that begin P are among
 * that one and its parents. A path costs one binary search and a short climb, where a walk down a trie
 * costs a table lookup per byte.
 */
class StartIndex {
  private readonly starts: string[];
  private readonly parent: Int32Array;
  private readonly lists: { readonly entries: StartEntry[]; index?: readonly [KeyIndex, KeyIndex] }[];

  constructor(entries: readonly (readonly [string, StartEntry])[]) {
    const byStart = new Map<string, StartEntry[]>();
    for (let k = 0; k < entries.length; k++) {
      const start = entries[k]![0];
      const list = byStart.get(start);
      if (list === undefined) byStart.set(start, [entries[k]![1]]);
      else list.push(entries[k]![1]);
    }
    this.starts = [...byStart.keys()].sort();
    this.lists = this.starts.map((start) => ({ entries: byStart.get(start)! }));
    this.parent = new Int32Array(this.starts.length);
    const stack: number[] = [];
    this.starts.forEach((start, i) => {
      while (stack.length > 0 && !start.startsWith(this.starts[stack[stack.length - 1]!]!)) stack.pop();
      this.parent[i] = stack.length > 0 ? stack[stack.length - 1]! : -1;
      stack.push(i);
    });
  }

  /** The items of the entries whose start begins `path` and whose key ends it (a folder key: its text up to its last '/'). */
  forEachMatching(path: string, visit: (item: number) => void): void {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= path) lo = mid + 1;
      else hi = mid - 1;
    }
    let folderPart: string | undefined;
    for (let at = hi; at !== -1; at = this.parent[at]!) {
      if (!path.startsWith(this.starts[at]!)) continue;
      const list = this.lists[at]!;
      list.index ??= [keyIndex(list.entries.filter((e) => e.folder !== true)), keyIndex(list.entries.filter((e) => e.folder === true))];
      visitEnding(list.index[0], path, visit);
      if (list.index[1].hasLength.length > 0) visitEnding(list.index[1], (folderPart ??= path.slice(0, path.lastIndexOf("/") + 1)), visit);
    }
  }
}

/** Pairs [i, j], i < j, of the literals whose bytes are equal: the only literals that share a path. */
function sameLiteralPairs(ids: readonly number[], bytesOf: (i: number) => string): [number, number][] {
  const byBytes = new Map<string, number[]>();
  for (const i of ids) {
    const same = byBytes.get(bytesOf(i));
    if (same === undefined) byBytes.set(bytesOf(i), [i]);
    else same.push(i);
  }
  const out: [number, number][] = [];
  for (const same of byBytes.values()) {
    for (let a = 0; a < same.length; a++) for (let b = a + 1; b < same.length; b++) out.push(same[a]! < same[b]! ? [same[a]!, same[b]!] : [same[b]!, same[a]!]);
  }
  return out;
}

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

interface StartEntry {
  readonly item: number;
  readonly ends: readonly string[];
  /** The ends are folder ends: they must end a path's text up to its last '/', not the path. */
  readonly folder?: boolean;
}

/**
 * Items by key, for asking "which keys end this text". Keys are found by a hash of the text's suffix,
 * built from its end backwards a char at a time, one lookup per length some key has: no substring and
 * no string hashing per question. A hash match is confirmed on the text.
 */
interface KeyIndex {
  readonly byHash: Map<number, { readonly key: string; readonly items: number[] }[]>;
  /** hasLength[n]: some key is n chars long. */
  readonly hasLength: readonly boolean[];
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

/** The items of `entries` by each of their keys. */
function keyIndex(entries: readonly StartEntry[]): KeyIndex {
  const byHash = new Map<number, { key: string; items: number[] }[]>();
  const hasLength: boolean[] = [];
  for (let k = 0; k < entries.length; k++) {
    const { ends, item } = entries[k]!;
    for (let e = 0; e < ends.length; e++) {
      const key = ends[e]!;
      const h = suffixHash(key, key.length);
      let same = byHash.get(h);
      if (same === undefined) byHash.set(h, (same = []));
      const bucket = same.find((b) => b.key === key);
      if (bucket !== undefined) bucket.items.push(item);
      else {
        same.push({ key, items: [item] });
        hasLength[key.length] = true;
      }
    }
  }
  return { byHash, hasLength };
}

/** Visits the items of the keys that end `text`. */
function visitEnding(index: KeyIndex, text: string, visit: (item: number) => void): void {
  const longest = Math.min(text.length, index.hasLength.length - 1);
  let h = 0;
  let power = 1;
  for (let length = 0; length <= longest; length++) {
    const buckets = index.hasLength[length] === true ? index.byHash.get(h) : undefined;
    if (buckets !== undefined) {
      for (const bucket of buckets) if (bucket.key.length === length && text.endsWith(bucket.key)) for (const item of bucket.items) visit(item);
    }
    if (length < text.length) {
      h = (h + Math.imul(text.charCodeAt(text.length - 1 - length), power)) | 0;
      power = Math.imul(power, SUFFIX_HASH_BASE);
    }
  }
}

const SUFFIX_HASH_BASE = 0x01000193;

/** The hash of the last `length` chars of `text`, as visitEnding builds it a char at a time. */
function suffixHash(text: string, length: number): number {
  let h = 0;
  let power = 1;
  for (let i = 0; i < length; i++) {
    h = (h + Math.imul(text.charCodeAt(text.length - 1 - i), power)) | 0;
    power = Math.imul(power, SUFFIX_HASH_BASE);
  }
  return h;
}

/** Whether one of `a` and one of `b` can end the same path: one is a suffix of the other. */
function endsMeet(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (x.length >= y.length ? x.endsWith(y) : y.endsWith(x)) return true;
  return false;
}

/**
 * The literal text just before a glob's last literal '/', that '/' included, when nothing after it can
 * match a '/' (no `**`, no alternation); otherwise undefined.
 */
function folderEnd(glob: Glob): string | undefined {
  const parts = glob.parts;
  // Two `*` in a row (empty literals between them vanish, glob/normalize.ts) are read as `**`, which
  // matches '/': a hand-built glob can spell `**` as two star parts.
  let stars = 0;
  for (let k = parts.length - 1; k >= 0; k--) {
    const part = parts[k]!;
    if (part.kind === "globstar" || part.kind === "alt") return undefined;
    if (part.kind === "star") {
      if (++stars >= 2) return undefined;
      continue;
    }
    if (part.kind === "literal" && part.bytes === "") continue;
    stars = 0;
    if (part.kind !== "literal") continue;
    const slash = part.bytes.lastIndexOf("/");
    if (slash < 0) continue;
    let text = part.bytes.slice(0, slash + 1);
    for (let j = k - 1; j >= 0 && parts[j]!.kind === "literal"; j--) text = (parts[j] as { bytes: string }).bytes + text;
    return text.slice(Math.max(0, text.length - END_KEY_BYTES));
  }
  return undefined;
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
function walkPairs(startsOf: readonly (readonly string[])[], endsOf: (k: number) => readonly string[], leftCount?: number): [number, number][] {
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

/**
 * A trie over reversed ends, with per-node counts so that empty subtrees are skipped. Nodes live in
 * flat typed arrays (children in one open-addressing table keyed by (node, byte), plus sibling links
 * for walking subtrees): a map per node, or even one Map for all, costs more in hashing and garbage
 * collection than the whole walk.
 */
class EndTrie {
  private size = 1;
  private counts: Int32Array = new Int32Array(1024);
  private firstChild: Int32Array = new Int32Array(1024).fill(-1);
  private nextSibling: Int32Array = new Int32Array(1024).fill(-1);
  /** Kept dense (one slot per node, pushed as nodes are made): a sparse array falls back to a dictionary. */
  private readonly items: (number[] | undefined)[] = [undefined];
  private readonly children = new ChildTable();

  private newNode(parent: number): number {
    const node = this.size++;
    this.items.push(undefined);
    if (node === this.counts.length) {
      this.counts = grow(this.counts, 0);
      this.firstChild = grow(this.firstChild, -1);
      this.nextSibling = grow(this.nextSibling, -1);
    }
    this.nextSibling[node] = this.firstChild[parent]!;
    this.firstChild[parent] = node;
    return node;
  }

  private path(end: string, create: boolean, delta: number): number {
    let node = 0;
    this.counts[0]! += delta;
    for (let i = end.length - 1; i >= 0; i--) {
      const byte = end.charCodeAt(i);
      let next = this.children.get(node, byte);
      if (next < 0) {
        if (!create) throw new Error("EndTrie: removing an end that was never inserted");
        next = this.newNode(node);
        this.children.set(node, byte, next);
      }
      node = next;
      this.counts[node]! += delta;
    }
    return node;
  }

  insert(entry: Entry): void {
    const node = this.path(entry.end, true, 1);
    const list = this.items[node];
    if (list === undefined) this.items[node] = [entry.item];
    else list.push(entry.item);
  }

  remove(entry: Entry): void {
    const list = this.items[this.path(entry.end, false, -1)]!;
    // Order within a node does not matter (pairs are sorted at the end): swap the last one in.
    const at = list.lastIndexOf(entry.item);
    list[at] = list[list.length - 1]!;
    list.pop();
  }

  /** Items whose end is a suffix of `end` (on its path) or has `end` as a suffix (below it). */
  forEachCompatible(end: string, visit: (item: number) => void): void {
    let node = 0;
    for (let i = end.length; ; i--) {
      if (this.counts[node]! === 0) return;
      if (i === 0) break;
      const here = this.items[node];
      if (here !== undefined) for (const item of here) visit(item);
      const next = this.children.get(node, end.charCodeAt(i - 1));
      if (next < 0) return;
      node = next;
    }
    const stack = [node];
    while (stack.length > 0) {
      const at = stack.pop()!;
      const here = this.items[at];
      if (here !== undefined) for (const item of here) visit(item);
      for (let c = this.firstChild[at]!; c !== -1; c = this.nextSibling[c]!) if (this.counts[c]! > 0) stack.push(c);
    }
  }
}

function grow(array: Int32Array, fill: number): Int32Array {
  const bigger = new Int32Array(array.length * 2).fill(fill);
  bigger.set(array);
  return bigger;
}

/** (node, byte) -> child node, by linear probing; a child is never removed (its count drops to 0 instead). */
class ChildTable {
  private mask = 4095;
  private nodes = new Int32Array(4096).fill(-1);
  private bytes = new Int32Array(4096);
  private values = new Int32Array(4096);
  private used = 0;

  private slot(node: number, byte: number): number {
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(byte + 1, 0x85ebca6b)) & this.mask;
    while (this.nodes[h] !== -1 && (this.nodes[h] !== node || this.bytes[h] !== byte)) h = (h + 1) & this.mask;
    return h;
  }

  /** The child, or -1. */
  get(node: number, byte: number): number {
    const h = this.slot(node, byte);
    return this.nodes[h] === -1 ? -1 : this.values[h]!;
  }

  set(node: number, byte: number, child: number): void {
    if (2 * (this.used + 1) > this.mask + 1) this.rehash();
    const h = this.slot(node, byte);
    if (this.nodes[h] === -1) this.used++;
    this.nodes[h] = node;
    this.bytes[h] = byte;
    this.values[h] = child;
  }

  private rehash(): void {
    const { nodes, bytes, values } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.nodes = new Int32Array(capacity).fill(-1);
    this.bytes = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    for (let k = 0; k < nodes.length; k++) {
      if (nodes[k] === -1) continue;
      const h = this.slot(nodes[k]!, bytes[k]!);
      this.nodes[h] = nodes[k]!;
      this.bytes[h] = bytes[k]!;
      this.values[h] = values[k]!;
    }
  }
}
