/**
 * The fixed ends of a glob: a few literal strings such that every path the glob matches starts with
 * one of its starts and ends with one of its ends. Leading and trailing alternations are expanded
 * (`{/a,/b}/x*` starts with `/a/x` or `/b/x`) up to a small bound, past which the alternatives are
 * replaced by their longest common part, which is still a true (weaker) start or end.
 */
import type { Glob, GlobPart } from "./ast.js";
import { literalPrefix, literalSuffix } from "./text.js";

/** At most this many alternatives per end; more are merged into their common part. */
export const MAX_ENDS = 8;

interface Partial {
  readonly text: string;
  /** Whether the text can still grow: no wildcard met yet on this alternative. */
  readonly open: boolean;
}

/** Whether the glob has more than one literal start: only then does literalStarts expand anything. */
export function startsExpand(glob: Glob): boolean {
  return literalRunMeetsAlt(glob.parts, false);
}

export function literalStarts(glob: Glob, limit = MAX_ENDS): string[] {
  if (!startsExpand(glob)) return [literalPrefix(glob)];
  return minimal(walk(glob.parts, limit, false).map((p) => p.text), (a, b) => a.startsWith(b));
}

export function literalEnds(glob: Glob, limit = MAX_ENDS): string[] {
  if (!literalRunMeetsAlt(glob.parts, true)) return [literalSuffix(glob)];
  return minimal(walk(glob.parts, limit, true).map((p) => p.text), (a, b) => a.endsWith(b));
}

/**
 * Whether the leading (or trailing) run of literals ends at an alternation. Only then is there anything
 * to expand: any other operator closes every start (end) at the run, as it does libvirt's domain-id
 * alternation, which comes after a class.
 */
function literalRunMeetsAlt(parts: readonly GlobPart[], fromEnd: boolean): boolean {
  for (let k = 0; k < parts.length; k++) {
    const kind = parts[fromEnd ? parts.length - 1 - k : k]!.kind;
    if (kind !== "literal") return kind === "alt";
  }
  return false;
}

function walk(parts: readonly GlobPart[], limit: number, fromEnd: boolean): Partial[] {
  let acc: Partial[] = [{ text: "", open: true }];
  const join = (a: string, b: string): string => (fromEnd ? b + a : a + b);
  for (let k = 0; k < parts.length; k++) {
    const part = parts[fromEnd ? parts.length - 1 - k : k]!;
    if (!acc.some((p) => p.open)) break;
    const next: Partial[] = [];
    for (const p of acc) {
      if (!p.open) next.push(p);
      else if (part.kind === "literal") next.push({ text: join(p.text, part.bytes), open: true });
      else if (part.kind === "alt") {
        for (const branch of part.branches) {
          for (const r of walk(branch.parts, limit, fromEnd)) next.push({ text: join(p.text, r.text), open: r.open });
        }
      } else next.push({ text: p.text, open: false });
    }
    acc = next.length > limit ? [{ text: common(next.map((p) => p.text), fromEnd), open: false }] : next;
  }
  return acc;
}

function common(texts: readonly string[], fromEnd: boolean): string {
  let out = texts[0]!;
  for (const t of texts) {
    let n = 0;
    const max = Math.min(out.length, t.length);
    if (fromEnd) {
      while (n < max && out[out.length - 1 - n] === t[t.length - 1 - n]) n++;
      out = out.slice(out.length - n);
    } else {
      while (n < max && out[n] === t[n]) n++;
      out = out.slice(0, n);
    }
  }
  return out;
}

/** Drops duplicates and any text that extends another (the shorter one is the weaker, sufficient end). */
function minimal(texts: readonly string[], extendsOther: (a: string, b: string) => boolean): string[] {
  const unique = [...new Set(texts)].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const t of unique) if (!out.some((o) => extendsOther(t, o))) out.push(t);
  return out;
}
