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

  it("records the pauses of a real collection once the event loop has turned", async () => {
    const recording = recordPauses();
    let keep: unknown[] = [];
    // Enough short-lived garbage for several young-generation collections.
    for (let i = 0; i < 200_000; i++) keep = [{ i }, keep.length > 1000 ? [] : keep];
    await settled();
    recording.stop();
    expect(keep.length).toBe(2);
    expect(recording.pauses.length).toBeGreaterThan(0);
    for (const p of recording.pauses) expect(p.ms).toBeGreaterThanOrEqual(0);
  });
});
