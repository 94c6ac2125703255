/**
 * The kernel's paths as the universe of every check: the canonical-path DFA, inclusion and shared
 * infinity decided on it, the ancestors of an attached binary, and abstract addresses read the way
 * apparmor_parser reads them. Each engine answer is compared with brute force over short paths.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { withAncestors } from "../../src/glob/ancestors.js";
import { compileGlob } from "../../src/glob/automaton.js";
import { isCanonicalPath, parserReading } from "../../src/glob/canonical.js";
import { checkCovers, covers } from "../../src/glob/covers.js";
import { sharesInfinitely } from "../../src/glob/infinite.js";
import { intersect, intersectNfas } from "../../src/glob/intersect.js";
import { matchesPath } from "../../src/glob/match.js";
import { globToText } from "../../src/glob/text.js";
import { allPaths, anyGlob } from "./arbitraries.js";
import { g } from "./helpers.js";
import { SEED } from "../support/seed.js";

const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED });

describe("canonical paths", () => {
  it.each([
    ["/", true],
    ["/a", true],
    ["/a/", true],
    ["/a/.b", true],
    ["/a/..b/c", true],
    ["/a/b.", true],
    ["//", false],
    ["/a//b", false],
    ["/a/.", false],
    ["/a/./b", false],
    ["/a/..", false],
    ["/a/../b", false],
    ["a/b", false],
    ["", false],
    ["/a\0b", false],
  ])("%j is canonical: %s", (path, expected) => {
    expect(isCanonicalPath(path)).toBe(expected);
  });
});

describe("covers among kernel paths", () => {
  it.each([
    // Equal to /var/** on every path the kernel presents, though not on raw strings (/var/a//b).
    ["/var/?*{,/,/?**}", "/var/**", true],
    ["/var/**", "/var/?*{,/,/?**}", true],
    ["/srv/{?*,?*/**}", "/srv/**", true],
    ["/srv/*/**", "/srv/**", false],
    ["/a/*", "/a/[.]", true], // /a/. is no path: nothing to cover
    ["/a/b", "/a/{b,.}", true],
  ])("%s covers %s: %s", (outer, inner, expected) => {
    expect(covers(g(outer), g(inner), { kernelPaths: true })).toBe(expected);
  });
  it("without kernelPaths the raw spellings still differ", () => {
    expect(checkCovers(g("/var/?*{,/,/?**}"), g("/var/**"))).toEqual({ kind: "not-covered", witness: "/var/x//" });
  });
  const paths = allPaths(["a", "b", "/", "."], 5).filter(isCanonicalPath);
  it("agrees with brute force over canonical paths, and its counterexamples are canonical", () => {
    fc.assert(
      fc.property(anyGlob, anyGlob, (outer, inner) => {
        const r = checkCovers(outer, inner, undefined, { kernelPaths: true });
        if (r.kind === "budget") return;
        const escape = paths.find((p) => matchesPath(inner, p) && !matchesPath(outer, p));
        if (r.kind === "covered") expect(escape, `${globToText(outer)} ⊇ ${globToText(inner)}`).toBeUndefined();
        else {
          expect(isCanonicalPath(r.witness)).toBe(true);
          expect(matchesPath(inner, r.witness)).toBe(true);
          expect(matchesPath(outer, r.witness)).toBe(false);
          if (escape !== undefined) expect(r.witness.length).toBeLessThanOrEqual(escape.length);
        }
      }),
      params(1500),
    );
  });
});

describe("sharesInfinitely", () => {
  it.each([
    ["/dev/sd*", "/dev/sd*", true],
    ["/dev/sd?", "/dev/sd*", false],
    ["/dev/sdb", "/dev/sd*", false],
    ["/dev/vfio/[0-9]*", "/dev/vfio/*", true],
    ["/dev/vfio/{33,34}", "/dev/vfio/*", false],
    ["/dev/disk/by-id/**", "/dev/disk/**", true],
    ["/dev/sd*", "/dev/vd*", false],
    // Infinitely many raw strings (/a/., /a/.., each then nothing), none of them a kernel path.
    ["/a/.{,.}", "/a/**", false],
  ])("%s shares infinitely many kernel paths with %s: %s", (a, b, expected) => {
    const r = sharesInfinitely(g(a), g(b), undefined, { kernelPaths: true });
    expect(r.kind).toBe(expected ? "infinite" : "finite");
    if (r.kind === "infinite") {
      expect(matchesPath(g(a), r.witness) && matchesPath(g(b), r.witness)).toBe(true);
      expect(isCanonicalPath(r.witness)).toBe(true);
    }
  });
  it("its witnesses are shared kernel paths, and a finite answer counts at least every shared path brute force finds", () => {
    const paths = allPaths(["a", "b", "/", "."], 5).filter(isCanonicalPath);
    fc.assert(
      fc.property(anyGlob, anyGlob, (a, b) => {
        const r = sharesInfinitely(a, b, undefined, { kernelPaths: true });
        if (r.kind === "infinite") expect(matchesPath(a, r.witness) && matchesPath(b, r.witness) && isCanonicalPath(r.witness)).toBe(true);
        if (r.kind === "finite") {
          const shared = paths.filter((p) => matchesPath(a, p) && matchesPath(b, p)).length;
          expect(r.count, `${globToText(a)} and ${globToText(b)}`).toBeGreaterThanOrEqual(shared);
        }
      }),
      params(800),
    );
  });
});

describe("withAncestors", () => {
  it("matches the binary and every folder above it, and nothing else", () => {
    const nfa = withAncestors(g("/opt/acme/bin/agent"));
    const hits = (p: string): boolean => intersectNfas(compileGlob(g(p.replace(/[*?{}[\],\\]/g, "\\$&"))), nfa).kind === "overlap";
    for (const p of ["/", "/opt/", "/opt/acme/", "/opt/acme/bin/", "/opt/acme/bin/agent"]) expect([p, hits(p)]).toEqual([p, true]);
    for (const p of ["/opt", "/opt/acme", "/opt/acme/bin", "/opt/acme/bin/agent/", "/opt/acme/bin/other", "/opt/acm/"]) expect([p, hits(p)]).toEqual([p, false]);
  });
  it("agrees with a construction of its own: a matched path, or a '/'-ended proper prefix of one", () => {
    const paths = allPaths(["a", "/", "."], 4);
    const escape = (p: string): string => p.replace(/[*?{}[\],\\]/g, "\\$&");
    fc.assert(
      fc.property(anyGlob, (exec) => {
        const nfa = withAncestors(exec);
        for (const p of paths) {
          const literal = { parts: [{ kind: "literal" as const, bytes: p }] };
          const engine = intersectNfas(compileGlob(literal), nfa).kind === "overlap";
          // p, then one byte or more: inside braces no byte is mandatory, so `{?,/}` is exactly one.
          const below = p.endsWith("/") ? intersect(exec, g(`${escape(p)}{?,/}{,**}`)).kind : "disjoint";
          if (below === "budget") continue;
          const expected = matchesPath(exec, p) || below === "overlap";
          expect(engine, `${p} under ${globToText(exec)}`).toBe(expected);
        }
      }),
      params(200),
    );
  }, 120_000);
});

describe("parserReading (abstract addresses)", () => {
  it.each([
    ["svc//ctl", "svc/ctl"],
    ["svc///ctl", "svc/ctl"],
    ["//x", "/x"],
    ["svc/{/ctl,x}", "svc/{/ctl,x}"], // the parser works on the text: no adjacent slashes here
    ["a{//b,c}", "a{/b,c}"],
    ["svc/ctl", "svc/ctl"],
  ])("%s reads as %s", (written, read) => {
    expect(globToText(parserReading(g(written)))).toBe(read);
  });
});
