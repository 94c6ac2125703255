import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parse, type ParseResult } from "../../src/syntax/parse.js";

const SYNTAX_CODES = new Set(["MOAT101", "MOAT102", "MOAT103", "MOAT104", "MOAT105", "MOAT106", "MOAT107"]);

/** Either a file and no diagnostics, or no file and exactly one syntax diagnostic inside the text. */
function expectWellFormed(text: string, result: ParseResult): void {
  if (result.file !== undefined) {
    expect(result.diagnostics).toEqual([]);
    return;
  }
  expect(result.diagnostics).toHaveLength(1);
  const d = result.diagnostics[0]!;
  expect(SYNTAX_CODES.has(d.code)).toBe(true);
  expect(d.span!.start).toBeGreaterThanOrEqual(0);
  expect(d.span!.start).toBeLessThanOrEqual(d.span!.end);
  expect(d.span!.end).toBeLessThanOrEqual(text.length);
  expect(d.message.length).toBeGreaterThan(0);
}

const check = (text: string): void => expectWellFormed(text, parse({ path: "fuzz.iso", text }));

// Fragments of the language, so that random sequences reach deep into the grammar.
const fragment = fc.oneof(
  fc.constantFrom(
    "policy", "let", "include", "protect", "shared", "with", "tenant", "vm", "service", "uuid", "exec", "volume",
    "device", "socket", "abstraction", "mode", "enforce", "complain", "ro", "rw", "{", "}", "=", ",", "#c\n", "\n", " ",
    '"/a"', '"${x}"', '"\\*"', '"${"', '"', "\\", "$", "acme", "web-01", "\u0000", "\ufffd", "\ud800", ";",
  ),
  fc.string({ maxLength: 8 }),
);

describe("parse never throws", () => {
  test("on random text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), check), { numRuns: 500 });
  });

  test("on random bytes read as UTF-8 with replacement characters", () => {
    const decoder = new TextDecoder("utf-8");
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => check(decoder.decode(bytes))), { numRuns: 500 });
  });

  test("on random sequences of the language's own tokens", () => {
    fc.assert(fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => check(parts.join(" "))), { numRuns: 1000 });
    fc.assert(fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => check(parts.join(""))), { numRuns: 1000 });
  });

  test("on valid files cut at any point", () => {
    const valid = 'policy p\nlet i = "/img"\ntenant a {\n vm w { uuid "u" volume "${i}/a" rw mode complain }\n}\nshared "/s" ro with a, b\n';
    expect(parse({ path: "v.iso", text: valid }).file).toBeDefined();
    for (let cut = 0; cut <= valid.length; cut++) check(valid.slice(0, cut));
  });

  test("on empty files, blank files and files of comments", () => {
    for (const text of ["", " ", "\n\n", "\ufeff", "# only a comment", "#\n#\n# x", "\r\n\t"]) {
      const r = parse({ path: "e.iso", text });
      expect(r.diagnostics).toEqual([]);
      expect(r.file!.statements).toEqual([]);
    }
  });

  test("on huge pathological input (no regex backtracking, no recursion)", () => {
    const mb = 2_000_000;
    const cases: [string, string | undefined][] = [
      [`protect "${"a\\*".repeat(mb / 3)}`, "MOAT103"],
      [`protect "${"a\\*".repeat(mb / 3)}"`, undefined],
      [`protect "${"${".repeat(mb / 2)}"`, "MOAT106"],
      [`tenant ${"a".repeat(mb)} {}`, "MOAT105"],
      [`# ${"x".repeat(mb)}\npolicy p`, undefined],
      [" ".repeat(mb), undefined],
      ["{".repeat(mb), "MOAT102"],
      ["tenant a { ".repeat(mb / 11), "MOAT102"],
      ["@".repeat(mb), "MOAT101"],
    ];
    for (const [text, code] of cases) {
      const r = parse({ path: "huge.iso", text });
      expectWellFormed(text, r);
      expect(r.diagnostics[0]?.code).toBe(code);
    }
  }, 120_000); // seconds when alone; generous for a loaded CI machine
});
