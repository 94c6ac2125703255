import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Glob } from "../../src/glob/ast.js";
import { fromBytes, toBytes } from "../../src/glob/bytes.js";
import { parseGlob } from "../../src/glob/parse.js";
import { globKey, globToText, literalBytes, literalPrefix, literalSuffix } from "../../src/glob/text.js";
import { anyGlob } from "./arbitraries.js";

function parsed(source: string): Glob {
  const r = parseGlob(source);
  if (!r.ok) throw new Error(`${source}: ${r.reason}`);
  return r.glob;
}

function reason(source: string): string {
  const r = parseGlob(source);
  if (r.ok) throw new Error(`${source} was accepted`);
  return r.reason;
}

describe("bytes", () => {
  it("encodes UTF-8 one char per byte and decodes back", () => {
    expect(toBytes("/a/é")).toBe("/a/\xc3\xa9");
    expect(fromBytes("/a/\xc3\xa9")).toBe("/a/é");
    expect(toBytes("/plain")).toBe("/plain");
    expect(toBytes("😀")).toBe("\xf0\x9f\x98\x80");
  });
  it("round-trips any well-formed text", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => fromBytes(toBytes(s)) === s));
  });
});

describe("parseGlob structure", () => {
  it("splits operators and merges literals into byte strings", () => {
    expect(parsed("/a/\\*b/é").parts).toEqual([{ kind: "literal", bytes: "/a/*b/\xc3\xa9" }]);
    expect(parsed("/d/*").parts).toEqual([{ kind: "literal", bytes: "/d/" }, { kind: "star" }]);
    expect(parsed("/d/**x?").parts).toEqual([
      { kind: "literal", bytes: "/d/" },
      { kind: "globstar" },
      { kind: "literal", bytes: "x" },
      { kind: "any" },
    ]);
  });
  it("reads a run of stars as AppArmor does: pairs are **, an odd last one is *", () => {
    expect(parsed("/s/***").parts.slice(1)).toEqual([{ kind: "globstar" }, { kind: "star" }]);
    expect(parsed("/s/****").parts.slice(1)).toEqual([{ kind: "globstar" }, { kind: "globstar" }]);
  });
  it("parses classes as ranges, with - literal at either end", () => {
    expect(parsed("/v/[0-9a]").parts[1]).toEqual({ kind: "class", ranges: [[48, 57], [97, 97]] });
    expect(parsed("/v/[a-]").parts[1]).toEqual({ kind: "class", ranges: [[97, 97], [45, 45]] });
    expect(parsed("/v/[-_.]").parts[1]).toEqual({ kind: "class", ranges: [[45, 45], [95, 95], [46, 46]] });
  });
  it("parses nested alternations with empty branches", () => {
    expect(parsed("/a/{,**}").parts[1]).toEqual({
      kind: "alt",
      branches: [{ parts: [] }, { parts: [{ kind: "globstar" }] }],
    });
    const nested = parsed("/g/{a,{b,c}x}").parts[1];
    expect(nested).toEqual({
      kind: "alt",
      branches: [
        { parts: [{ kind: "literal", bytes: "a" }] },
        {
          parts: [
            { kind: "alt", branches: [{ parts: [{ kind: "literal", bytes: "b" }] }, { parts: [{ kind: "literal", bytes: "c" }] }] },
            { kind: "literal", bytes: "x" },
          ],
        },
      ],
    });
    expect(parsed("/a/{,}").parts[1]).toEqual({ kind: "alt", branches: [{ parts: [] }, { parts: [] }] });
  });
  it("takes a comma outside braces as a literal, as AppArmor does", () => {
    expect(parsed("/w/a,b").parts).toEqual([{ kind: "literal", bytes: "/w/a,b" }]);
    expect(parsed("/w/{a\\,b,c}").parts[1]).toEqual({
      kind: "alt",
      branches: [{ parts: [{ kind: "literal", bytes: "a,b" }] }, { parts: [{ kind: "literal", bytes: "c" }] }],
    });
  });
});

describe("parseGlob rejections", () => {
  it.each([
    ["/a/{b,c", "unbalanced '{'"],
    ["/a/b}", "unbalanced '}'"],
    ["/a/{b,c}}", "unbalanced '}'"],
    ["/a/{b}", "'{b}' needs at least two alternatives"],
    ["/a/{}", "'{}' needs at least two alternatives"],
    ["/a/{x,{y}}", "'{y}' needs at least two alternatives"],
    ["/a/[^0-9]", "negated classes"],
    ["/a/[!0-9]", "negated classes"],
    ["/a/[]", "empty class"],
    ["/a/[0-9", "unbalanced '['"],
    ["/a/]", "unbalanced ']'"],
    ["/a/[9-0]", "reversed"],
    ["/a/[.-9]", "includes '/'"],
    ["/a/[/]", "'/' cannot appear in a class"],
    ["/a/[*]", "'*' cannot appear"],
    ["/a/[é]", "cannot appear"],
    ["/a/\\", "trailing '\\'"],
    ["/a/\\n", "not a glob escape"],
    ["/a" + "{x,".repeat(50) + "y" + "}".repeat(50), "nest deeper"],
  ])("%s: %s", (source, expected) => {
    expect(reason(source)).toContain(expected);
  });
  it("accepts braces nested 49 deep, AppArmor's limit", () => {
    expect(parseGlob("/a" + "{x,".repeat(49) + "y" + "}".repeat(49)).ok).toBe(true);
  });
});

describe("globToText and helpers", () => {
  it.each(["/a/b", "/d/*", "/s/***", "/a/{,**}", "/g/{a,{b,c}}x", "/v/\\*\\?\\[\\]\\{\\}\\\\", "/w/a,b", "/w/{a\\,b,c}", "/v/[0-9a-f_.-]", "/é/?"])(
    "round-trips %s",
    (source) => {
      expect(globToText(parsed(source))).toBe(source);
    },
  );
  it("keys globs as their text does: equal keys exactly for equal texts, a literal's key its bytes", () => {
    let equal = 0;
    fc.assert(
      fc.property(anyGlob, anyGlob, (x, y) => {
        // Through text, as the parser builds globs (adjacent literals merged, star runs read as AppArmor does).
        const [a, b] = [parseGlob(globToText(x)), parseGlob(globToText(y))];
        fc.pre(a.ok && b.ok);
        if (!a.ok || !b.ok) return;
        const sameText = globToText(a.glob) === globToText(b.glob);
        if (sameText) equal++;
        expect(globKey(a.glob) === globKey(b.glob)).toBe(sameText);
        const literal = literalBytes(a.glob);
        if (literal !== undefined) expect(globKey(a.glob)).toBe(literal);
        else expect([...globKey(a.glob)].some((c) => c.charCodeAt(0) > 255)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(equal).toBeGreaterThan(0);
    expect(globKey(parsed("/a/{b,c}[x-z]*"))).not.toBe(globKey(parsed("/a/{b,c}[x-z]**")));
  });
  it("answers literal queries", () => {
    expect(literalBytes(parsed("/a/\\*"))).toBe("/a/*");
    expect(literalBytes(parsed("/a/*"))).toBeUndefined();
    expect(literalPrefix(parsed("/var/log/**/web01.log"))).toBe("/var/log/");
    expect(literalSuffix(parsed("/var/log/**/web01.log"))).toBe("/web01.log");
    expect(literalPrefix(parsed("{/a,/b}"))).toBe("");
    expect(literalSuffix(parsed("/a/*"))).toBe("");
  });
});
