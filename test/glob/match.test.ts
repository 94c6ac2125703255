import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toBytes } from "../../src/glob/bytes.js";
import { matchesPath } from "../../src/glob/match.js";
import { g } from "./helpers.js";
import { oracleMatches } from "./oracle.js";

const cases: [string, string, boolean][] = [
  // a * or ** between a literal '/' and a '/' or the end needs a byte
  ["/d/*", "/d/", false],
  ["/d/*", "/d/a", true],
  ["/d/*", "/d/a/b", false],
  ["/d/**", "/d/", false],
  ["/d/**", "/d/a/b", true],
  ["/d/**", "/d//", false],
  ["/d/*/", "/d//", false],
  ["/d/*/", "/d/x/", true],
  ["/e/**/f", "/e//f", false],
  ["/e/**/f", "/e/a/b/f", true],
  // ... but not when the run of stars is followed by anything else
  ["/t/**.ext", "/t/.ext", true],
  ["/t/*.ext", "/t/.ext", true],
  ["/t/*x", "/t/x", true],
  ["/t/*[0-9]", "/t/1", true],
  ["/t/*{,x}", "/t/", true],
  // nor inside braces, where the star follows '{' or ',' or ends a branch
  ["/a/{,**}", "/a/", true],
  ["/a/{,**}", "/a/b/c", true],
  ["/a/{b,*}", "/a/", true],
  ["{/a/*,/b}", "/a/", true],
  ["/a/{x/*/y,z}", "/a/x//y", false],
  ["/a/{x/*/y,z}", "/a/x/q/y", true],
  // `***` is ** then *, with the byte rule on the first
  ["/s/***", "/s/", false],
  ["/s/***", "/s/a/b", true],
  // star before a non-slash text needs no byte and stays in its component
  ["/a/b*", "/a/b", true],
  ["/a/b*", "/a/b/c", false],
  ["/dev/nbd*", "/dev/nbd10", true],
  ["/dev/vfio/[0-9]", "/dev/vfio/1", true],
  ["/dev/vfio/[0-9]", "/dev/vfio/12", false],
  ["/dev/vfio/[0-9]*", "/dev/vfio/12", true],
  // escapes are literal
  ["/a/\\*", "/a/*", true],
  ["/a/\\*", "/a/b", false],
  ["/a/*", "/a/*", true],
  // a trailing / is a different path
  ["/a/b/", "/a/b", false],
  ["/a/b", "/a/b/", false],
  ["/a/*/", "/a/b", false],
  // nested braces
  ["/g/{a,{b,c}}x", "/g/cx", true],
  ["/g/{a,{b,c}}x", "/g/dx", false],
  ["/g/{a,b{c,d{e,f}}}", "/g/bdf", true],
  ["/g/{a,b{c,d{e,f}}}", "/g/bd", false],
  // ? is one byte but /
  ["/h/?", "/h//", false],
  ["/h/?", "/h/a", true],
  ["/h/?", "/h/ab", false],
  // byte-wise UTF-8
  ["/u/?", toBytes("/u/é"), false],
  ["/u/??", toBytes("/u/é"), true],
  ["/u/*", toBytes("/u/é"), true],
  ["/u/é", toBytes("/u/é"), true],
  // wildcards never match NUL
  ["/n/*", "/n/\x00", false],
  ["/n/**", "/n/a\x00", false],
  ["/w/a,b", "/w/a,b", true],
];

describe("matchesPath", () => {
  it.each(cases)("%s vs %j -> %s", (glob, path, expected) => {
    expect(matchesPath(g(glob), path)).toBe(expected);
  });
  it("refuses strings that are not byte strings", () => {
    expect(matchesPath(g("/u/*"), "/u/é\u0100")).toBe(false);
  });
  it("matches a prefix and a final ** as AppArmor's regex does (the path that skips the automaton)", () => {
    const glob = fc.constantFrom("/**", "/d/**", "/d**", "/d/e/**", "/d/***", "/d/{a,b}/**", "/d/**/**");
    const path = fc.array(fc.constantFrom("/", "d", "e", "a", "\x00", "\xc3", "//"), { maxLength: 7 }).map((cs) => "/" + cs.join(""));
    fc.assert(
      fc.property(glob, path, (text, p) => {
        expect(matchesPath(g(text), p), `${text} vs ${JSON.stringify(p)}`).toBe(oracleMatches(text, p));
      }),
      { numRuns: 2000 },
    );
  });
});
