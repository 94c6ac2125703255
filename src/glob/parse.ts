/**
 * Glob source text -> Glob. The accepted language is AppArmor's (parser_regex.c,
 * convert_aaregex_to_pcre), narrowed where AppArmor's behaviour is surprising:
 * - `*`, `**`, `?`, `[...]`, `{a,b}` as in AppArmor; a run of n stars reads as AppArmor reads it: pairs
 *   are `**`, an odd last one is `*` (so `***` is `**` then `*`, which AppArmor accepts).
 * - `{...}` needs at least two branches (`{a}` and `{}` are AppArmor errors); branches may be empty and
 *   braces may nest up to AppArmor's limit (49 levels).
 * - A `,` outside braces is a literal comma, as in AppArmor; an unmatched `}` or `]` is an error.
 * - Classes are positive and hold only letters, digits, `.`, `_` and `-` (single chars or ranges):
 *   AppArmor passes class contents to its regex engine nearly raw (`[*]`, `[?]` and `[^/]` do not mean
 *   what they seem to), so anything else is refused rather than guessed at.
 * - A backslash makes the next glob character literal; any other escape is refused.
 */
import type { Glob, GlobPart } from "./ast.js";
import { toBytes } from "./bytes.js";

export type ParseGlobResult = { ok: true; glob: Glob } | { ok: false; reason: string };

/** AppArmor refuses `{` nested 50 deep (MAX_ALT_DEPTH); we refuse at the same depth. */
const MAX_BRACE_DEPTH = 49;
// '"' reaches here only from the JSON form: in .iso text the string layer decodes \" first.
const ESCAPABLE = new Set(["*", "?", "{", "}", "[", "]", ",", "\\", '"']);
const CLASS_CHAR = /^[A-Za-z0-9._-]$/;

class GlobSyntaxError extends Error {}

export function parseGlob(source: string): ParseGlobResult {
  try {
    const parser = new Parser(source);
    const parts = parser.sequence(0);
    if (parser.pos < source.length) {
      // sequence() at depth 0 only stops early on a stray `}`.
      throw new GlobSyntaxError("unbalanced '}': no '{' before it");
    }
    return { ok: true, glob: { parts } };
  } catch (e) {
    if (e instanceof GlobSyntaxError) return { ok: false, reason: e.message };
    throw e;
  }
}

class Parser {
  pos = 0;
  constructor(private readonly src: string) {}

  /** Parts up to the end, or (inside braces) up to the `,` or `}` that ends the branch. */
  sequence(depth: number): GlobPart[] {
    const parts: GlobPart[] = [];
    let literal = "";
    const flush = (): void => {
      if (literal !== "") parts.push({ kind: "literal", bytes: toBytes(literal) });
      literal = "";
    };
    const src = this.src;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (c === "\\") {
        const next = src[this.pos + 1];
        if (next === undefined) throw new GlobSyntaxError("a trailing '\\' escapes nothing");
        if (!ESCAPABLE.has(next)) {
          throw new GlobSyntaxError(`'\\${next}' is not a glob escape (only \\* \\? \\{ \\} \\[ \\] \\, \\\\ \\")`);
        }
        literal += next;
        this.pos += 2;
      } else if (c === "*") {
        flush();
        let n = 0;
        while (src[this.pos] === "*") {
          n++;
          this.pos++;
        }
        for (; n >= 2; n -= 2) parts.push({ kind: "globstar" });
        if (n === 1) parts.push({ kind: "star" });
      } else if (c === "?") {
        flush();
        parts.push({ kind: "any" });
        this.pos++;
      } else if (c === "[") {
        flush();
        parts.push(this.charClass());
      } else if (c === "]") {
        throw new GlobSyntaxError("unbalanced ']': no '[' before it");
      } else if (c === "{") {
        flush();
        parts.push(this.alternation(depth + 1));
      } else if (c === "}" || (c === "," && depth > 0)) {
        break; // the caller (alternation, or parseGlob for a stray `}`) decides what it means
      } else {
        const cp = src.codePointAt(this.pos)!;
        const ch = String.fromCodePoint(cp);
        literal += ch;
        this.pos += ch.length;
      }
    }
    flush();
    return parts;
  }

  private alternation(depth: number): GlobPart {
    if (depth > MAX_BRACE_DEPTH) throw new GlobSyntaxError(`braces nest deeper than ${MAX_BRACE_DEPTH} levels`);
    const start = this.pos;
    this.pos++; // `{`
    const branches: Glob[] = [];
    for (;;) {
      branches.push({ parts: this.sequence(depth) });
      const c = this.src[this.pos];
      if (c === undefined) throw new GlobSyntaxError("unbalanced '{': no '}' closes it");
      this.pos++;
      if (c === "}") break;
      // c === ",": another branch follows
    }
    if (branches.length < 2) {
      const text = this.src.slice(start, this.pos);
      throw new GlobSyntaxError(`'${text}' needs at least two alternatives separated by ','`);
    }
    return { kind: "alt", branches };
  }

  private charClass(): GlobPart {
    const start = this.pos;
    this.pos++; // `[`
    const src = this.src;
    const first = src[this.pos];
    if (first === "^" || first === "!") throw new GlobSyntaxError("negated classes '[^...]' are not allowed");
    if (first === "]") throw new GlobSyntaxError("an empty class '[]' matches nothing");
    const ranges: [number, number][] = [];
    for (;;) {
      const c = src[this.pos];
      if (c === undefined) throw new GlobSyntaxError("unbalanced '[': no ']' closes it");
      if (c === "]") break;
      if (!CLASS_CHAR.test(c)) {
        const shown = c === "/" ? "'/' cannot appear in a class" : `'${c}' cannot appear in a class`;
        throw new GlobSyntaxError(`${shown} (only letters, digits, '.', '_' and '-')`);
      }
      const lo = c.charCodeAt(0);
      // `a-z` is a range; a `-` first or last in the class is a literal `-`.
      if (src[this.pos + 1] === "-" && src[this.pos + 2] !== undefined && src[this.pos + 2] !== "]") {
        const h = src[this.pos + 2]!;
        if (!CLASS_CHAR.test(h)) throw new GlobSyntaxError(`'${h}' cannot end a class range (only letters, digits, '.', '_' and '-')`);
        const hi = h.charCodeAt(0);
        if (lo > hi) throw new GlobSyntaxError(`the range '${c}-${h}' is reversed`);
        if (lo <= 0x2f && hi >= 0x2f) throw new GlobSyntaxError(`the range '${c}-${h}' includes '/'`);
        ranges.push([lo, hi]);
        this.pos += 3;
      } else {
        ranges.push([lo, lo]);
        this.pos++;
      }
    }
    this.pos++; // `]`
    if (ranges.length === 0) throw new GlobSyntaxError(`an empty class '${src.slice(start, this.pos)}' matches nothing`);
    return { kind: "class", ranges };
  }
}
