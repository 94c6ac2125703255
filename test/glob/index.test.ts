import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Glob } from "../../src/glob/ast.js";
import { literalEnds, literalStarts } from "../../src/glob/ends.js";
import { candidateIndexPairs } from "../../src/glob/candidate-pairs.js";
import { crossCandidatePairs } from "../../src/glob/cross-pairs.js";
import { intersect } from "../../src/glob/intersect.js";
import { matchesPath } from "../../src/glob/match.js";
import { globKey, literalBytes } from "../../src/glob/text.js";
import { anyGlob, expansions } from "./arbitraries.js";
import { g } from "./helpers.js";

describe("literal starts and ends", () => {
  it("expands leading and trailing alternations", () => {
    expect(literalStarts(g("{/a,/b}/x*")).sort()).toEqual(["/a/x", "/b/x"]);
    expect(literalEnds(g("/x/*.{log,pid}")).sort()).toEqual([".log", ".pid"]);
    expect(literalStarts(g("/a/{,**}"))).toEqual(["/a/"]);
    expect(literalEnds(g("/a/{,**}"))).toEqual([""]);
    expect(literalStarts(g("/var/log/libvirt/**/web01.log"))).toEqual(["/var/log/libvirt/"]);
    expect(literalEnds(g("/var/log/libvirt/**/web01.log"))).toEqual(["/web01.log"]);
  });
  it("falls back to the common part past the bound", () => {
    expect(literalStarts(g("/x/" + "{a,b}".repeat(10) + "*"))).toEqual(["/x/"]);
  });
  it("are true starts and ends of every match", () => {
    fc.assert(
      fc.property(anyGlob, fc.integer(), (glob, seed) => {
        let s = seed;
        const rnd = (): number => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
        const starts = literalStarts(glob, 3);
        const ends = literalEnds(glob, 3);
        for (const path of expansions(glob, rnd, 10).filter((p) => matchesPath(glob, p))) {
          expect(starts.some((x) => path.startsWith(x)), path).toBe(true);
          expect(ends.some((x) => path.endsWith(x)), path).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function allOverlappingPairs(globs: readonly Glob[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < globs.length; i++) {
    for (let j = i + 1; j < globs.length; j++) if (intersect(globs[i]!, globs[j]!).kind !== "disjoint") out.push(`${i},${j}`);
  }
  return out;
}

describe("candidateIndexPairs", () => {
  it("never misses a pair that intersect() finds overlapping", () => {
    fc.assert(
      fc.property(fc.array(anyGlob, { maxLength: 25 }), (globs) => {
        const candidates = new Set(candidateIndexPairs(globs).map(([i, j]) => `${i},${j}`));
        for (const pair of allOverlappingPairs(globs)) expect(candidates.has(pair), pair).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
  it("never misses a pair among literals and globs that share starts and ends", () => {
    // Literals are paired with globs through an index of starts, globs with globs through runs of equal
    // starts: a fleet-like mix where many of each share a start and differ only in their ends.
    const piece = fc.constantFrom("a", "b", "/", ".", "ab", "/a", "a.b");
    const literal = fc.array(piece, { minLength: 1, maxLength: 5 }).map((xs) => g(`/${xs.join("")}`));
    const shaped = fc
      .tuple(fc.constantFrom("/a/", "/a/b", "/", "/a/b/"), fc.constantFrom("*", "**", "?", "{,a}", "[ab]", "**/"), fc.array(piece, { maxLength: 3 }))
      .map(([start, op, end]) => g(start + op + end.join("")));
    fc.assert(
      fc.property(fc.array(fc.oneof(literal, shaped, anyGlob), { maxLength: 30 }), (globs) => {
        const candidates = new Set(candidateIndexPairs(globs).map(([i, j]) => `${i},${j}`));
        for (const pair of allOverlappingPairs(globs)) expect(candidates.has(pair), pair).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
  it("crossCandidatePairs never misses a pair across the two sets", () => {
    fc.assert(
      fc.property(fc.array(anyGlob, { maxLength: 8 }), fc.array(anyGlob, { maxLength: 20 }), (left, right) => {
        const candidates = new Set(crossCandidatePairs(left, right).map(([i, j]) => `${i},${j}`));
        for (let i = 0; i < left.length; i++) {
          for (let j = 0; j < right.length; j++) {
            if (intersect(left[i]!, right[j]!).kind !== "disjoint") expect(candidates.has(`${i},${j}`), `${i},${j}`).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
  it("pairs libvirt's per-domain folders only where their folder ends meet", () => {
    const names = Array.from({ length: 300 }, (_, i) => `vm${i}`);
    const globs = [
      ...names.map((n) => g(`/var/lib/libvirt/qemu/domain-{[0-9],[0-9][0-9]}-${n}/*`)),
      ...names.map((n) => g(`/var/lib/libvirt/qemu/domain-${n}/monitor.sock`)),
    ];
    const pairs = candidateIndexPairs(globs);
    // Each folder meets only its own monitor socket's folder and the folders whose names end like its own
    // ("vm1" is a suffix of "vm11" as text): far from the 180,000 pairs of a start-only index.
    expect(pairs.length).toBeLessThan(2000);
    for (const [i, j] of pairs) expect(names[i % 300]!.endsWith(names[j % 300]!) || names[j % 300]!.endsWith(names[i % 300]!)).toBe(true);
  });
  it("gives each pair once, with i < j", () => {
    fc.assert(
      fc.property(fc.array(anyGlob, { maxLength: 25 }), (globs) => {
        const pairs = candidateIndexPairs(globs).map(([i, j]) => {
          expect(i).toBeLessThan(j);
          return `${i},${j}`;
        });
        expect(new Set(pairs).size).toBe(pairs.length);
      }),
      { numRuns: 200 },
    );
  });
  it("separates per-VM globs that share a prefix but not a suffix", () => {
    const globs = Array.from({ length: 200 }, (_, i) => g(`/var/log/libvirt/**/web${i}.log`));
    globs.push(g("/var/log/libvirt/qemu/*.log"));
    const pairs = candidateIndexPairs(globs);
    // Only the shared *.log glob meets the per-VM ones ("/web1.log" is no suffix of "/web11.log").
    expect(pairs.filter(([i, j]) => i !== 200 && j !== 200)).toEqual([]);
    expect(pairs.filter(([i, j]) => i === 200 || j === 200).length).toBe(200);
  });
  it("never pairs two different literals, and pairs equal ones", () => {
    const literal = fc.array(fc.constantFrom("/", "a", "b", "/dev/vfio/", "1", "0", ".qcow2"), { minLength: 1, maxLength: 6 }).map((xs) => xs.join(""));
    const seen = { equal: 0, different: 0 };
    fc.assert(
      fc.property(fc.array(fc.oneof(literal, literal, anyGlob), { maxLength: 30 }), (mixed) => {
        // Parsed afresh, equal literal texts are distinct Glob objects, as grants of one path are.
        const globs = mixed.map((x) => (typeof x === "string" ? g(x) : x));
        const bytes = globs.map(literalBytes);
        const pairs = new Set(candidateIndexPairs(globs).map(([i, j]) => `${i},${j}`));
        for (let i = 0; i < globs.length; i++) {
          for (let j = i + 1; j < globs.length; j++) {
            if (bytes[i] === undefined || bytes[j] === undefined) continue;
            seen[bytes[i] === bytes[j] ? "equal" : "different"]++;
            expect(pairs.has(`${i},${j}`), `${mixed[i]} ${mixed[j]}`).toBe(bytes[i] === bytes[j]);
          }
        }
      }),
      { numRuns: 300 },
    );
    // Both branches of the property must have been exercised for it to mean anything.
    expect(seen.equal).toBeGreaterThan(0);
    expect(seen.different).toBeGreaterThan(0);
    // The fleet's shape: many device nodes that are prefixes of one another, and one glob over them.
    const devices = Array.from({ length: 120 }, (_, i) => g(`/dev/vfio/${i}`));
    const pairs = candidateIndexPairs([...devices, g("/dev/vfio/*"), g("/dev/vfio/7")]);
    expect(pairs.filter(([, j]) => j < 120)).toEqual([]);
    expect(pairs.filter(([, j]) => j === 120).length).toBe(120);
    expect(pairs.filter(([, j]) => j === 121)).toEqual([[7, 121], [120, 121]]);
  });
  it("pairs one glob with more literals than a call takes arguments", () => {
    // Past about 120,000 pairs, gathering them with push(...pairs) overflowed the stack (MOAT900).
    const literals = Array.from({ length: 300_000 }, (_, i): Glob => ({ parts: [{ kind: "literal", bytes: `/srv/x/${i}` }] }));
    const pairs = candidateIndexPairs([g("/srv/x/*"), ...literals]);
    expect(pairs.length).toBe(300_000);
    expect(pairs[299_999]).toEqual([0, 300_000]);
  });
  it("misses no pair with distinctLiterals among globs grouped by globKey, as the overlap rules group them", () => {
    // The promise holds because a literal's key is its bytes however its parts split them: a literal
    // split in two (as implied rules build theirs) must fall into the group of the same path in one part.
    const piece = fc.constantFrom("/", "a", "b", "/dev/vfio/", "1", ".qcow2");
    const literal = fc.array(piece, { minLength: 1, maxLength: 6 }).map((xs) => xs.join(""));
    const split = literal.chain((text) =>
      fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((at): Glob => ({
        parts: text.length < 2 ? [{ kind: "literal", bytes: text }] : [{ kind: "literal", bytes: text.slice(0, at) }, { kind: "literal", bytes: text.slice(at) }],
      })),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(literal.map((t) => g(t)), split, anyGlob), { maxLength: 30 }), (mixed) => {
        const byKey = new Map<string, Glob>();
        for (const glob of mixed) if (!byKey.has(globKey(glob))) byKey.set(globKey(glob), glob);
        const globs = [...byKey.values()];
        const candidates = new Set(candidateIndexPairs(globs, { distinctLiterals: true }).map(([i, j]) => `${i},${j}`));
        for (const pair of allOverlappingPairs(globs)) expect(candidates.has(pair), pair).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
