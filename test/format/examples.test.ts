/**
 * The bundled examples through the formatter: each one that parses formats without loss and is
 * stable under a second pass; each one that does not parse is refused with its parse diagnostic.
 * (Whether the examples are already canonical is for their authors: formatFiles says which are not.)
 */
import { describe, expect, it } from "vitest";
import { formatFiles } from "../../src/format/format-files.js";
import { formatSource } from "../../src/format/format-source.js";
import { parse } from "../../src/syntax/parse.js";
import { exampleSources } from "./example-files.js";
import { assertNothingLost } from "./lossless.js";

const examples = exampleSources();

describe("formatting the bundled examples", () => {
  it("finds the examples", () => {
    expect(examples.length).toBeGreaterThan(10);
  });

  for (const source of examples) {
    it(source.path, () => {
      const parsed = parse(source);
      const result = formatSource(source);
      if (parsed.file === undefined) {
        expect(result.text).toBeUndefined();
        expect(result.diagnostics).toEqual(parsed.diagnostics);
        return;
      }
      expect(result.diagnostics).toEqual([]);
      assertNothingLost(source, result.text!);
      expect(formatSource({ path: source.path, text: result.text! }).text).toBe(result.text);
    });
  }

  it("formatFiles lists exactly the examples whose text is not canonical", () => {
    const { changed, diagnostics } = formatFiles(examples);
    const unparsable = examples.filter((s) => parse(s).file === undefined).map((s) => s.path);
    expect(diagnostics.map((d) => d.span?.file)).toEqual(unparsable);
    const expected = examples.filter((s) => !unparsable.includes(s.path) && formatSource(s).text !== s.text).map((s) => s.path);
    expect(changed.map((c) => c.path)).toEqual(expected);
    // Formatting what formatFiles returned changes nothing more.
    expect(formatFiles(changed).changed).toEqual([]);
  });
});
