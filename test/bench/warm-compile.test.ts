import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ChildReport } from "../../bench/compile-child.js";
import { warmFigure } from "../../bench/measure.js";
import { compileAgain, parseChildArgs, type WarmCompile } from "../../bench/warm-compile.js";
import { findInputs } from "../../src/cli/find-inputs.js";
import { readSourceFile } from "../../src/cli/read-source.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/compute-01", import.meta.url));

describe("bench: the compile child's arguments", () => {
  it("takes a folder, an optional output folder and --warm anywhere", () => {
    expect(parseChildArgs(["in"])).toEqual({ dir: "in" });
    expect(parseChildArgs(["in", "out"])).toEqual({ dir: "in", out: "out" });
    expect(parseChildArgs(["--warm", "3", "in"])).toEqual({ dir: "in", warm: 3 });
    expect(parseChildArgs(["in", "out", "--warm", "2"])).toEqual({ dir: "in", out: "out", warm: 2 });
  });

  it("refuses a warm count that is not at least two compiles, and stray arguments", () => {
    for (const n of ["1", "0", "2.5", "x"]) expect(() => parseChildArgs(["in", "--warm", n])).toThrow(/at least 2/);
    expect(() => parseChildArgs(["in", "--warm"])).toThrow(/at least 2/);
    expect(() => parseChildArgs([])).toThrow(/usage/);
    expect(() => parseChildArgs(["in", "out", "extra"])).toThrow(/usage/);
    // Not a folder named "--warm=3" to write every output into.
    expect(() => parseChildArgs(["in", "--warm=3"])).toThrow(/unknown option --warm=3/);
  });
});

describe("bench: compiling again in one process", () => {
  it("runs the compiles left, each after a full collection, and reports the last with its phases", () => {
    const found = findInputs([EXAMPLE], process.cwd(), (p) => path.relative(EXAMPLE, p));
    if ("error" in found) throw new Error(found.error);
    // What happened, in order: a collection, or a compile reading an input.
    const events: string[] = [];
    let compiles = 0;
    // The last compile is made slow where the first is not, so the figures show which one was reported.
    const SLOW_MS = 150;
    const input = {
      entries: found.entries,
      readFile: (p: string) => {
        if (p === found.entries[0]) {
          compiles++;
          if (compiles === 2) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SLOW_MS);
        }
        events.push(`read ${compiles}`);
        return readSourceFile(p);
      },
    };
    const warm = compileAgain(input, 3, () => events.push("gc"));
    // Two compiles ran, each after a collection and reading every input.
    const reads = (n: number): string[] => Array<string>(found.entries.length).fill(`read ${n}`);
    expect(events).toEqual(["gc", ...reads(1), "gc", ...reads(2)]);
    expect(warm.compiles).toBe(3);
    expect(Object.keys(warm.phases)).toEqual(["parse", "model", "check", "emit"]);
    const phases = Object.values(warm.phases).reduce((a, b) => a + b, 0);
    expect(warm.compileMs).toBeGreaterThanOrEqual(phases);
    expect(warm.compileCpuMs).toBeGreaterThan(0);
    // Files are read in the parse phase: the slow read is in the figures reported.
    expect(warm.phases.parse).toBeGreaterThanOrEqual(SLOW_MS - 1);
  });
});

describe("bench: the warm figure of a size", () => {
  const report = (warm?: WarmCompile): ChildReport => ({
    inputs: 1,
    inputBytes: 1,
    phases: {},
    compileMs: 1,
    compileCpuMs: 1,
    gcMs: {},
    outputs: 0,
    outputBytes: 0,
    errors: [],
    warnings: 0,
    maxRss: 1,
    ...(warm === undefined ? {} : { warm }),
  });

  it("is the child's warm compile, or says why there is none, without throwing", () => {
    const warm: WarmCompile = { compiles: 3, compileMs: 5, compileCpuMs: 6, phases: { parse: 1 } };
    expect(warmFigure(() => report(warm), 120)).toBe(warm);
    expect(warmFigure(() => "timeout", 120)).toEqual({ missing: "timed out after 120 s" });
    expect(warmFigure(() => report(), 120)).toEqual({ missing: "the child reported no warm compile" });
    const crash = (): never => {
      throw new Error("compile child failed (SIGABRT): Error: out of memory\n    at somewhere");
    };
    expect(warmFigure(crash, 120)).toEqual({ missing: "failed: compile child failed (SIGABRT): Error: out of memory" });
  });
});
