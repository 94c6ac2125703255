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
import { appendAll } from "../append-all.js";
import type { Glob } from "./ast.js";
import { END_KEY_BYTES } from "./end-keys.js";
import { literalEnds, literalStarts } from "./ends.js";
import { StartIndex, type StartEntry } from "./start-index.js";
import { walkPairs } from "./start-walk.js";
import { literalBytes } from "./text.js";

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
