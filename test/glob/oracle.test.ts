import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { matchesPath } from "../../src/glob/match.js";
import { parseGlob } from "../../src/glob/parse.js";
import { globToText } from "../../src/glob/text.js";
import { allPaths, anyGlob, anyPath, expansions } from "./arbitraries.js";
import { aareToPcre, oracleMatches, pcreToRegExp } from "./oracle.js";

describe("oracle transliteration", () => {
  // What apparmor_parser 3.0.8 -D rule-exprs printed for these globs (see apparmor-differential.test.ts).
  it.each([
    ["/d/*", "/d/[^/\\x00][^/\\x00]*"],
    ["/t/**.ext", "/t/[^\\x00]*\\.ext"],
    ["/a/{,**}", "/a/(|[^\\x00]*)"],
    ["/s/***", "/s/[^/\\x00][^\\x00]*[^/\\x00]*"],
    ["/j/*/", "/j/[^/\\x00][^/\\x00]*/"],
    ["/w/a,b", "/w/a,b"],
    ["/v/\\*", "/v/\\*"],
  ])("%s -> %s", (glob, pcre) => {
    expect(aareToPcre(glob)).toBe(pcre);
  });
});

describe("engine matcher agrees with the oracle", () => {
  it("on random globs and random or nearby paths", () => {
    fc.assert(
      fc.property(anyGlob, fc.array(anyPath, { maxLength: 10 }), fc.integer(), (glob, paths, seed) => {
        let state = seed;
        const rnd = (): number => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
        const text = globToText(glob);
        for (const path of [...paths, ...expansions(glob, rnd, 10)]) {
          expect(matchesPath(glob, path), `${text} vs ${path}`).toBe(oracleMatches(text, path));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("on every short path for each random glob, reparsed from its text", () => {
    const paths = allPaths(["a", "/", "."], 5);
    fc.assert(
      fc.property(anyGlob, (glob) => {
        const text = globToText(glob);
        const reparsed = parseGlob(text);
        expect(reparsed.ok, text).toBe(true);
        if (!reparsed.ok) return;
        expect(globToText(reparsed.glob)).toBe(text);
        const oracle = pcreToRegExp(aareToPcre(text));
        const wrong = paths.filter((path) => {
          const expected = oracle.test(path);
          return matchesPath(glob, path) !== expected || matchesPath(reparsed.glob, path) !== expected;
        });
        expect(wrong, text).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
