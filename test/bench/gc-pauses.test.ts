import { describe, expect, it } from "vitest";
import { consecutiveWindows, pausesByPhase, recordPauses, settled } from "../../bench/gc-pauses.js";

describe("bench: garbage-collection pauses by phase", () => {
  it("lays phases end to end from the compile's start", () => {
    expect(consecutiveWindows(100, [{ phase: "parse", ms: 10 }, { phase: "model", ms: 5 }])).toEqual([
      { phase: "parse", start: 100, end: 110 },
      { phase: "model", start: 110, end: 115 },
    ]);
  });

  it("counts a pause in the phase it began in, and a pause outside every phase in none", () => {
    const windows = consecutiveWindows(0, [{ phase: "parse", ms: 10 }, { phase: "model", ms: 10 }, { phase: "check", ms: 10 }]);
    const pauses = [
      { start: 0, ms: 1 }, // at the first window's start: parse
      { start: 9.5, ms: 3 }, // begins in parse, ends in model: parse
      { start: 10, ms: 2 }, // at the boundary: model
      { start: 35, ms: 4 }, // after the last phase
      { start: -1, ms: 8 }, // before the first
    ];
    expect(pausesByPhase(pauses, windows)).toEqual({ parse: 4, model: 2, check: 0 });
  });

  it("adds up a phase that ran in two windows", () => {
    const windows = [
      { phase: "write", start: 0, end: 1 },
      { phase: "write", start: 5, end: 6 },
    ];
    expect(pausesByPhase([{ start: 0.5, ms: 1 }, { start: 5.5, ms: 2 }], windows)).toEqual({ write: 3 });
  });

  // node makes and hands on gc entries in setImmediate callbacks: for work measured inside one, waiting
  // for a timer instead of settled() was seen to lose every entry, now and then.
  it.each([
    ["at the top of a test", (work: () => Promise<void>) => work()],
    ["inside a setImmediate callback", (work: () => Promise<void>) => new Promise<void>((done) => setImmediate(() => void work().then(done)))],
  ])("records the pauses of real collections %s, on the performance.now() clock", async (_, run) => {
    const recording = recordPauses();
    let before = 0;
    let after = 0;
    await run(async () => {
      before = performance.now();
      // Objects that live for a thousand turns of the loop, then die: several young-generation
      // collections' worth, and too few survivors for V8 to move their allocation to the old generation
      // (a chain kept alive was, and then no collection came at all).
      const ring: unknown[] = new Array(1000);
      for (let i = 0; i < 2_000_000; i++) ring[i % 1000] = { i, pair: [i, i] };
      after = performance.now();
      expect(ring.length).toBe(1000);
      await settled();
      recording.stop();
    });
    const during = recording.pauses.filter((p) => p.start >= before && p.start <= after);
    expect(during.length).toBeGreaterThan(0);
    for (const p of recording.pauses) expect(p.ms).toBeGreaterThanOrEqual(0);
    // Pauses keep their lengths: a recorder that stored zeros would lose every figure the table prints.
    expect(during.reduce((a, p) => a + p.ms, 0)).toBeGreaterThan(0);
  });
});
