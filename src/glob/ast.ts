/**
 * The parsed structure of an AppArmor glob. Produced once by glob/parse.ts from glob source text and
 * used by the overlap engine, the emitter and explain: nobody re-parses a glob from text.
 *
 * Matching is byte-wise, as in AppArmor: literal text is stored as a "byte string", a JS string whose
 * every char code is one byte (0-255) of the UTF-8 encoding (see glob/bytes.ts).
 */
export type GlobPart =
  | { readonly kind: "literal"; readonly bytes: string }
  /** `*`: any run of bytes but `/` */
  | { readonly kind: "star" }
  /** `**`: any run of bytes, `/` included */
  | { readonly kind: "globstar" }
  /** `?`: one byte but `/` */
  | { readonly kind: "any" }
  /** `[...]`: one byte in one of the inclusive ranges; positive ASCII classes only, never `/` */
  | { readonly kind: "class"; readonly ranges: readonly (readonly [number, number])[] }
  /** `{a,b,...}`: at least two branches; a branch may be empty */
  | { readonly kind: "alt"; readonly branches: readonly Glob[] };

export interface Glob {
  readonly parts: readonly GlobPart[];
}
