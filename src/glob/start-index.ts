/**
 * Globs by their literal starts, each entry with the keys that must end a path: for asking, of one path
 * (a literal grant), which globs may match it, by a binary search and a short climb instead of a
 * comparison with every glob.
 */
import { SUFFIX_HASH_BASE, suffixHash } from "./end-keys.js";

export interface StartEntry {
  readonly item: number;
  readonly ends: readonly string[];
  /** The ends are folder ends: they must end a path's text up to its last '/', not the path. */
  readonly folder?: boolean;
}

/**
 * Globs by their starts, for asking which starts begin a path. The distinct starts are sorted, and each
 * knows the longest other start that begins it (its parent). Every start that begins a path P sorts
 * between itself and P, so it begins the greatest start not after P: the starts that begin P are among
 * that one and its parents. A path costs one binary search and a short climb, where a walk down a trie
 * costs a table lookup per byte.
 */
export class StartIndex {
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
