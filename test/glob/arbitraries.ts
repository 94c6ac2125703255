/** fast-check generators: small globs and paths over a tiny alphabet, so that random pairs collide often. */
import fc from "fast-check";
import type { Glob, GlobPart } from "../../src/glob/ast.js";

const literalChars = ["a", "b", "/", ".", ","];

const literal: fc.Arbitrary<GlobPart> = fc
  .array(fc.constantFrom(...literalChars), { minLength: 1, maxLength: 3 })
  .map((cs) => ({ kind: "literal" as const, bytes: cs.join("") }));

const classPart: fc.Arbitrary<GlobPart> = fc.constantFrom<GlobPart>(
  { kind: "class", ranges: [[97, 97]] },
  { kind: "class", ranges: [[97, 98]] },
  { kind: "class", ranges: [[98, 98], [46, 46]] },
);

const { part } = fc.letrec<{ part: GlobPart; glob: Glob }>((tie) => ({
  part: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { arbitrary: literal, weight: 5 },
    { arbitrary: fc.constant<GlobPart>({ kind: "star" }), weight: 2 },
    { arbitrary: fc.constant<GlobPart>({ kind: "globstar" }), weight: 2 },
    { arbitrary: fc.constant<GlobPart>({ kind: "any" }), weight: 1 },
    { arbitrary: classPart, weight: 1 },
    {
      arbitrary: fc
        .array(tie("glob") as fc.Arbitrary<Glob>, { minLength: 2, maxLength: 3 })
        .map((branches) => ({ kind: "alt" as const, branches })),
      weight: 1,
    },
  ),
  glob: fc.array(tie("part") as fc.Arbitrary<GlobPart>, { maxLength: 4 }).map((parts) => ({ parts })),
}));

/**
 * A glob as the parser would build it: starts with "/", adjacent literals merged, star runs as AppArmor
 * reads them. Built as a structure and then normalised through text by the caller when it needs that.
 */
export const anyGlob: fc.Arbitrary<Glob> = fc
  .array(part, { minLength: 0, maxLength: 5 })
  .map((parts) => ({ parts: [{ kind: "literal", bytes: "/" } as GlobPart, ...parts] }));

/** Paths over the same alphabet, biased to start with "/". */
export const anyPath: fc.Arbitrary<string> = fc
  .array(fc.constantFrom("a", "b", "/", ".", ","), { maxLength: 8 })
  .map((cs) => "/" + cs.join(""));

/** All strings over `alphabet` of length <= n, each prefixed with "/". */
export function allPaths(alphabet: readonly string[], n: number): string[] {
  const out: string[] = ["/"];
  let layer = [""];
  for (let len = 1; len <= n; len++) {
    const next: string[] = [];
    for (const s of layer) for (const c of alphabet) next.push(s + c);
    for (const s of next) out.push("/" + s);
    layer = next;
  }
  return out;
}

/**
 * Candidate paths near a glob: random expansions of its structure (wildcards replaced by short runs).
 * Independent of the engine; some candidates do not match, which is fine for an agreement test.
 */
export function expansions(glob: Glob, rnd: () => number, count: number): string[] {
  const fills = ["", "a", "b", ".", "/", "a/b", "ab", "/a", "a/"];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const expand = (parts: readonly GlobPart[]): string =>
    parts
      .map((p): string => {
        switch (p.kind) {
          case "literal":
            return p.bytes;
          case "star":
            return pick(fills.filter((f) => !f.includes("/")));
          case "globstar":
            return pick(fills);
          case "any":
            return pick(["a", "b", ".", "/"]);
          case "class":
            return String.fromCharCode(pick(p.ranges)[0]);
          case "alt":
            return expand(pick(p.branches).parts);
        }
      })
      .join("");
  return Array.from({ length: count }, () => expand(glob.parts));
}
