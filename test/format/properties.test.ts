/**
 * Properties of the formatter over generated policies written with random blanks, line breaks and
 * comments: it accepts every valid policy, loses nothing, is idempotent, and its output has the
 * canonical shape whatever the input looked like.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/format/format-source.js";
import { anyPolicy, noisy } from "./arbitraries.js";
import { assertNothingLost } from "./lossless.js";

const RUNS = 300;
const TIMEOUT = 30_000; // a few seconds alone; more when the whole suite runs in parallel

function format(text: string): string {
  const result = formatSource({ path: "gen.iso", text });
  expect(result.diagnostics).toEqual([]);
  return result.text!;
}

describe("formatter properties", () => {
  it("formats every valid policy without losing a comment, a string or a node", () => {
    fc.assert(
      fc.property(noisy(anyPolicy), (text) => {
        assertNothingLost({ path: "gen.iso", text }, format(text));
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it("is idempotent: format(format(x)) == format(x)", () => {
    fc.assert(
      fc.property(noisy(anyPolicy), (text) => {
        const once = format(text);
        expect(format(once)).toBe(once);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it("gives the same text whatever blanks and line endings separate the tokens", () => {
    // Two renderings of one token list differ only in layout, so they format alike when neither
    // holds a comment (comments may legitimately sit in different places).
    fc.assert(
      fc.property(anyPolicy.chain((tokens) => fc.tuple(fc.constant(tokens), fc.array(fc.constantFrom(" ", "\n", "\r\n", "\t ", " \n  "), { minLength: tokens.length + 1, maxLength: tokens.length + 1 }))), ([tokens, seps]) => {
        const plain = tokens.join(" ");
        const messy = seps[0] + tokens.map((t, i) => t + seps[i + 1]).join("");
        expect(format(messy)).toBe(format(plain));
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it("writes LF lines, indented by two spaces, without trailing blanks or runs of blank lines", () => {
    fc.assert(
      fc.property(noisy(anyPolicy), (text) => {
        const out = format(text);
        expect(out).not.toMatch(/\r/);
        if (out !== "") expect(out.endsWith("\n") && !out.endsWith("\n\n")).toBe(true);
        expect(out).not.toMatch(/^\n/);
        expect(out).not.toMatch(/\n\n\n/);
        for (const line of out.split("\n")) {
          expect(line).not.toMatch(/[ \t]$/);
          expect(line.match(/^ */)![0].length % 2).toBe(0);
          expect(line).not.toMatch(/^\s*\t/);
        }
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);
});
