/**
 * The meaning of a Glob, made explicit: which `*` and `**` must match at least one byte.
 *
 * AppArmor (parser_regex.c, convert_aaregex_to_pcre) decides this on the text, not on path components:
 * a `*` gets an extra mandatory `[^/]` when (1) the regex emitted so far ends with `/`, i.e. the glob
 * char just before it is a literal `/` in the same brace branch (after `{`, `,` or `}` the emitted char
 * is `(`, `|` or `)`), and (2) after the run of stars comes a `/` or the end of the whole glob (a `}`
 * or `,` ending a branch does not count, nor does `{` or any other char). So:
 *   `/d/*` needs a byte, `/t/**.ext` matches `/t/.ext`, `/a/{,**}` matches `/a/`, `/a/{b,*}` matches
 *   `/a/`, `/a/*{,x}` matches `/a/`, `{/a/*,/b}` matches `/a/`, while in `/a/{x/*` + `/y,z}` the star
 *   needs the byte.
 *
 * A hand-built Glob is read as its text would be (glob/text.ts): adjacent literals merge, empty ones
 * vanish, and a run of stars is re-split the way AppArmor reads `*`×n (pairs are `**`).
 */
import type { Glob, GlobPart } from "./ast.js";

export type Atom =
  | { readonly kind: "literal"; readonly bytes: string }
  | { readonly kind: "star"; readonly minOne: boolean }
  | { readonly kind: "globstar"; readonly minOne: boolean }
  | { readonly kind: "any" }
  | { readonly kind: "class"; readonly ranges: readonly (readonly [number, number])[] }
  | { readonly kind: "alt"; readonly branches: readonly (readonly Atom[])[] };

export function normalizeGlob(glob: Glob): readonly Atom[] {
  return normalizeSequence(glob.parts, true);
}

function normalizeSequence(parts: readonly GlobPart[], topLevel: boolean): Atom[] {
  type Mut = { kind: "literal"; bytes: string } | { kind: "stars"; count: number } | Atom;
  const merged: Mut[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (part.kind === "literal") {
      if (part.bytes === "") continue;
      if (last?.kind === "literal") merged[merged.length - 1] = { kind: "literal", bytes: last.bytes + part.bytes };
      else merged.push({ kind: "literal", bytes: part.bytes });
    } else if (part.kind === "star" || part.kind === "globstar") {
      const n = part.kind === "star" ? 1 : 2;
      if (last?.kind === "stars") merged[merged.length - 1] = { kind: "stars", count: last.count + n };
      else merged.push({ kind: "stars", count: n });
    } else if (part.kind === "alt") {
      merged.push({ kind: "alt", branches: part.branches.map((b) => normalizeSequence(b.parts, false)) });
    } else {
      merged.push(part);
    }
  }
  const atoms: Atom[] = [];
  for (let i = 0; i < merged.length; i++) {
    const m = merged[i]!;
    if (m.kind !== "stars") {
      atoms.push(m as Atom);
      continue;
    }
    const before = merged[i - 1];
    const after = merged[i + 1];
    const afterSlashOrEnd = after === undefined ? topLevel : after.kind === "literal" && after.bytes.startsWith("/");
    let minOne = before?.kind === "literal" && before.bytes.endsWith("/") && afterSlashOrEnd;
    let n = m.count;
    for (; n >= 2; n -= 2) {
      atoms.push({ kind: "globstar", minOne });
      minOne = false; // only the first star of the run carries the mandatory byte
    }
    if (n === 1) atoms.push({ kind: "star", minOne });
  }
  return atoms;
}
