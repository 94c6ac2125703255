/**
 * Does a glob name things of its own below a folder, or may it match any name there? Read the folder
 * (`stem`, bytes), then look at the first bytes of the next name: a wildcard or a class of more than one
 * byte among them (`/srv/*`, `/home/[a-z0-9]*`, `/var/lib/{a,b,c}*`) means the glob does not fix the
 * start of the name. A name whose every spelling fixes its first `depth` bytes, or ends before
 * (`/srv/a/**`), is one of its own: a glob of at most 4 KiB cannot spell out every three-byte start.
 */
import type { Glob } from "./ast.js";
import { compileGlob, type ByteSet, type Nfa } from "./automaton.js";

const SLASH = 0x2f;

function size(set: ByteSet): number {
  let n = 0;
  for (const [lo, hi] of set) n += hi - lo + 1;
  return n;
}

function step(nfa: Nfa, states: ReadonlySet<number>, byte: number): Set<number> {
  const out = new Set<number>();
  for (const s of states) for (const e of nfa.edges[s]!) for (const [lo, hi] of e.label) if (byte >= lo && byte <= hi) out.add(e.to);
  return out;
}

/** How many spellings of a name's start are followed before the answer is taken as "wide". */
const MAX_BRANCHES = 10_000;

/**
 * Whether, after `stem`, some spelling lets a wildcard or a class of more than one byte choose one of
 * the next name's first `depth` bytes. Alternatives of written bytes are followed one by one (`/srv/
 * {acme,beta}/**` names two folders of its own); a '/' ends the name.
 */
export function wideStart(glob: Glob, stem: string, depth: number): boolean {
  const nfa = compileGlob(glob);
  let states: Set<number> = new Set([0]);
  for (let i = 0; i < stem.length && states.size > 0; i++) states = step(nfa, states, stem.charCodeAt(i));
  let budget = MAX_BRANCHES;
  const wide = (at: ReadonlySet<number>, d: number): boolean => {
    if (d >= depth || at.size === 0) return false;
    if (--budget < 0) return true;
    const bytes = new Set<number>();
    for (const s of at) {
      for (const e of nfa.edges[s]!) {
        const onward = subtractSlash(e.label);
        if (size(onward) > 1) return true;
        if (onward.length === 1) bytes.add(onward[0]![0]);
      }
    }
    for (const b of bytes) if (wide(step(nfa, at, b), d + 1)) return true;
    return false;
  };
  return wide(states, 0);
}

function subtractSlash(set: ByteSet): ByteSet {
  const out: [number, number][] = [];
  for (const [lo, hi] of set) {
    if (hi < SLASH || lo > SLASH) out.push([lo, hi]);
    else {
      if (lo < SLASH) out.push([lo, SLASH - 1]);
      if (hi > SLASH) out.push([SLASH + 1, hi]);
    }
  }
  return out;
}
