import { describe, expect, test } from "vitest";
import { ProblemRecorder } from "../../src/syntax/parse-errors.js";
import { MoatParser } from "../../src/syntax/parser.js";

// The compiler builds its parser without chevrotain's grammar validations (src/syntax/parse.ts); this is
// where they run. chevrotain's performSelfAnalysis throws on any definition error it finds.
describe("the grammar", () => {
  test("passes chevrotain's validations: no ambiguity, no left recursion, no other definition error", () => {
    expect(() => new MoatParser(new ProblemRecorder(), { skipValidations: false })).not.toThrow();
  });

  test("the compiler's parser, built without them, recognizes the same grammar", () => {
    const validated = new MoatParser(new ProblemRecorder()).getSerializedGastProductions();
    const unvalidated = new MoatParser(new ProblemRecorder(), { skipValidations: true }).getSerializedGastProductions();
    expect(unvalidated).toEqual(validated);
  });
});
