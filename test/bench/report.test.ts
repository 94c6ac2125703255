import { describe, expect, it } from "vitest";
import { renderGrowth, renderSize, renderTargets, type SizeResult } from "../../bench/report.js";

const base: SizeResult = {
  nominal: 1000,
  fleet: { tenants: 2, zones: 1, vms: 10, services: 1, resources: 1000, files: 4, bytes: 2_000_000 },
  outputs: 20,
  outputBytes: 1_000_000,
  phases: { read: 5, parse: 100, model: 50, check: 200, emit: 150, write: 80 },
  inMemoryMs: 500,
  inMemoryCpuMs: 900,
  inMemoryMainThreadCpuMs: 420,
  inMemoryMainThreadWaitingMs: 60,
  gcMs: { parse: 25, model: 10, check: 40, emit: 15, write: 2 },
  endToEndMs: 800,
  endToEndCpuMs: 1200,
  loadAverage: 0.5,
  peakRss: 100 * 2 ** 20,
  floorMs: 50,
  errors: [],
  warnings: 0,
};

const line = (text: string, start: string): string => text.split("\n").find((l) => l.trimStart().startsWith(start))!;

describe("bench: the table of one size", () => {
  it("gives each phase its pause time and share of the phase", () => {
    const text = renderSize(base);
    expect(line(text, "lex+parse")).toMatch(/25\.0 ms 25%$/);
    expect(line(text, "isolation checks")).toMatch(/40\.0 ms 20%$/);
    expect(line(text, "write outputs")).toMatch(/2\.0 ms  3%$/);
    // The read phase is not observed: no pause figure, not a zero.
    expect(line(text, "read inputs")).toMatch(/MB\/s\s+\d+%$/);
  });

  it("sums the compile's phases for the in-memory row and adds the CPU figures after it", () => {
    const row = line(renderSize(base), "in memory");
    expect(row).toContain("90.0 ms 18%"); // 25 + 10 + 40 + 15 of 500 ms; the write's pauses are not the compile's
    expect(row).toMatch(/cpu 900 ms, main thread 420 ms \(and 60\.0 ms waiting for a core\)$/);
  });

  it("puts the end-to-end CPU in the same column as the in-memory one", () => {
    const text = renderSize(base);
    expect(line(text, "end to end").indexOf("cpu ")).toBe(line(text, "in memory").indexOf("cpu "));
  });

  it("gives the re-run into an up-to-date folder its own row, after the end-to-end one", () => {
    const lines = renderSize({ ...base, endToEndAgainMs: 640 }).split("\n");
    const at = lines.findIndex((l) => l.trimStart().startsWith("again, nothing to write"));
    expect(lines[at - 1]).toMatch(/^\s+end to end/);
    expect(lines[at]).toMatch(/again, nothing to write\s+640 ms\s+1,563 res\/s$/);
  });

  it("gives the re-run's peak RSS beside the first write's, not in place of it", () => {
    const text = renderSize({ ...base, endToEndAgainMs: 640, endToEndAgainPeakRss: 120 * 2 ** 20 });
    expect(line(text, "peak RSS").trim()).toBe("peak RSS 100 MiB (again, nothing to write: 120 MiB)");
    expect(line(renderSize(base), "peak RSS").trim()).toBe("peak RSS 100 MiB");
  });

  it("gives the warm compile its own row after the in-memory one, with its phases and CPU", () => {
    const warm = { compiles: 3, compileMs: 250, compileCpuMs: 300, phases: { parse: 40, model: 30, check: 100, emit: 80 } };
    const lines = renderSize({ ...base, inMemoryWarm: warm }).split("\n");
    const at = lines.findIndex((l) => l.trimStart().startsWith("in memory, JIT warm"));
    expect(lines[at - 1]).toMatch(/^\s+in memory \(compile\(\)\)/);
    expect(lines[at]).toMatch(
      /JIT warm\s+250 ms\s+4,000 res\/s\s+compile 3 in one process: lex\+parse 40\.0 ms, model 30\.0 ms, isolation checks 100 ms, emit 80\.0 ms; cpu 300 ms$/,
    );
    // Its details start in the column of the CPU figures of the rows around it.
    expect(lines[at]!.indexOf("compile 3")).toBe(line(lines.join("\n"), "in memory (").indexOf("cpu "));
    expect(renderSize(base)).not.toContain("JIT warm");
    // A phase the compile did not time is left out, not printed as NaN.
    const partial = line(renderSize({ ...base, inMemoryWarm: { ...warm, phases: { parse: 40 } } }), "in memory, JIT warm");
    expect(partial).toMatch(/in one process: lex\+parse 40\.0 ms; cpu 300 ms$/);
  });

  it("says why the warm compile has no figure, in its place", () => {
    const lines = renderSize({ ...base, inMemoryWarmMissing: "timed out after 120 s" }).split("\n");
    const at = lines.findIndex((l) => l.includes("JIT warm"));
    expect(lines[at]).toBe("   in memory, JIT warm: not measured (timed out after 120 s)");
    expect(lines[at - 1]).toMatch(/^\s+in memory \(compile\(\)\)/);
  });

  it("renders results saved before pauses and main-thread times were measured", () => {
    const { gcMs: _gc, inMemoryMainThreadCpuMs: _cpu, inMemoryMainThreadWaitingMs: _wait, ...older } = base;
    const text = renderSize(older);
    expect(line(text, "lex+parse")).toMatch(/MB\/s\s+\d+%$/);
    expect(line(text, "in memory")).toMatch(/res\/s\s+cpu 900 ms$/);
    expect(line(text, "end to end").indexOf("cpu ")).toBe(line(text, "in memory").indexOf("cpu "));
    expect(text).not.toContain("again");
  });
});

describe("bench: the growth table", () => {
  const size = (resources: number, scale: number, extra: Partial<SizeResult> = {}): SizeResult => ({
    ...base,
    fleet: { ...base.fleet, resources },
    endToEndMs: base.endToEndMs * scale,
    ...extra,
  });

  it("has a row for the re-run only when the results have its figure", () => {
    const older = renderGrowth([size(1000, 1), size(10_000, 10)]);
    expect(older).not.toMatch(/again/);
    expect(older).toMatch(/^\s+end to end\s+1\.00\s+1\.00$/m);
    const newer = renderGrowth([size(1000, 1, { endToEndAgainMs: 100 }), size(10_000, 10, { endToEndAgainMs: 1000 })]);
    expect(newer).toMatch(/^\s+end to end, again\s+1\.00\s+1\.00$/m);
    expect(newer).not.toMatch(/NaN/);
  });

  it("fits the last column to all sizes, not to a pair of them", () => {
    // log10 n = 3, 4, 6 and log10 t rises by 2, then 0: neighbours give 2 and 0, the least-squares slope 24/42.
    const text = renderGrowth([size(1000, 1), size(10_000, 100), size(1_000_000, 100)]);
    expect(text).toMatch(/^\s+end to end\s+2\.00\s+0\.00\s+0\.57$/m);
  });

  it("has a row for the warm compile only when the results have it", () => {
    const warm = (compileMs: number): Partial<SizeResult> => ({ inMemoryWarm: { compiles: 3, compileMs, compileCpuMs: compileMs, phases: {} } });
    expect(renderGrowth([size(1000, 1), size(10_000, 10)])).not.toMatch(/JIT warm/);
    expect(renderGrowth([size(1000, 1, warm(100)), size(10_000, 10, warm(1000))])).toMatch(/^\s+in memory, JIT warm\s+1\.00\s+1\.00$/m);
  });
});

describe("bench: the targets", () => {
  const size = (resources: number, ms: number): SizeResult => ({
    ...base,
    fleet: { ...base.fleet, resources },
    phases: { ...base.phases, check: ms },
    inMemoryMs: ms,
    endToEndMs: ms,
  });
  const tenfold = (text: string): string[] => text.split("\n").filter((l) => l.includes("10x the input"));

  it("sets the warm compile beside the in-memory figure, which stays the one judged", () => {
    const inMemory = (r: SizeResult): string => renderTargets([r]).split("\n").find((l) => l.includes("in memory < 1 s"))!;
    const warm = { compiles: 3, compileMs: 900, compileCpuMs: 1000, phases: {} };
    expect(inMemory({ ...size(10_000, 1500), inMemoryWarm: warm })).toBe("   MISSED in memory < 1 s: 1,500 ms (JIT warm, compile 3 in one process: 900 ms)");
    expect(inMemory(size(10_000, 1500))).toBe("   MISSED in memory < 1 s: 1,500 ms");
  });

  it("reads ten times the input against twelve times the time, between sizes ten times apart only", () => {
    const met = tenfold(renderTargets([size(1000, 100), size(10_000, 1000), size(50_000, 9000)]));
    expect(met).toEqual([
      "   met    10x the input end to end 1k->10k: 10.0x the time (<= 12x)",
      "   met    10x the input in memory 1k->10k: 10.0x the time (<= 12x)",
      "   met    10x the input isolation checks 1k->10k: 10.0x the time (<= 12x)",
    ]);
    const missed = tenfold(renderTargets([size(1000, 100), size(10_000, 1300)]));
    expect(missed).toHaveLength(3);
    for (const l of missed) expect(l).toMatch(/^ {3}MISSED 10x the input .* 13\.0x the time \(<= 12x\)$/);
    expect(tenfold(renderTargets([size(1000, 100), size(10_000, 1000), { ...size(10_000, 1), errors: ["timeout"] }]))).toHaveLength(3);
  });
});
