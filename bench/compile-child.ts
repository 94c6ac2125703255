/**
 * One compile in a fresh process, as CI runs it on a merge: `node dist/bench/compile-child.js DIR [OUT]`.
 * Finds the inputs and reads them as the CLI does, compiles in memory through the library, and, when OUT
 * is given, writes through the CLI's own transactional writer. Prints one JSON line (ChildReport) on
 * stdout. A fresh process per measurement means cold JIT and a clean heap, so figures are not flattered
 * by earlier runs, and its peak RSS is this compile's alone.
 *
 * `--warm N` (N >= 2; run node with --expose-gc) then compiles the same sources N - 1 times more in the
 * same process and reports the last compile as `warm` (warm-compile.ts). The other figures stay the
 * first compile's.
 */
import * as path from "node:path";
import { findInputs } from "../src/cli/find-inputs.js";
import { writeOutputs } from "../src/cli/outputs/write-outputs.js";
import { readSourceFile } from "../src/cli/read-source.js";
import type { CompileInput } from "../src/api.js";
import { compile } from "../src/index.js";
import { consecutiveWindows, pausesByPhase, recordPauses, settled } from "./gc-pauses.js";
import { threadTimes, timesBetween, type ThreadTimes } from "./main-thread-cpu.js";
import { compileAgain, fullCollection, parseChildArgs, phasesOf, type WarmCompile } from "./warm-compile.js";

export interface ChildReport {
  readonly inputs: number;
  readonly inputBytes: number;
  /** Phase -> milliseconds: read, parse, model, check, emit, then write when an output folder was given. */
  readonly phases: Record<string, number>;
  /** Time of compile() as a whole (in memory, reading excluded). */
  readonly compileMs: number;
  /** CPU time (user + system, all threads: GC runs beside the main thread) of compile(). */
  readonly compileCpuMs: number;
  /** The main thread alone during compile(): time on a core, and waiting for one; absent off Linux. */
  readonly compileMainThread?: ThreadTimes;
  /** Phase -> milliseconds of garbage-collection pauses of the main thread within it. */
  readonly gcMs: Record<string, number>;
  readonly outputs: number;
  readonly outputBytes: number;
  readonly errors: readonly string[];
  readonly warnings: number;
  /** Peak resident set of this process, bytes. */
  readonly maxRss: number;
  /** With `--warm N`: the Nth compile of the same sources in this process. */
  readonly warm?: WarmCompile;
}

async function main(argv: readonly string[]): Promise<void> {
  const { dir, out, warm } = parseChildArgs(argv);
  const collect = warm === undefined ? undefined : fullCollection();
  // firstCompile returns only the report and the input, so its CompileResult can be collected before
  // the warm compiles start.
  const { report, input } = await firstCompile(dir, out);
  const warmCompile = warm === undefined ? undefined : compileAgain(input, warm, collect!);
  process.stdout.write(JSON.stringify(warmCompile === undefined ? report : { ...report, warm: warmCompile }) + "\n");
}

/** The measured compile (and write, with OUT): the report without `warm`, and the input it compiled. */
async function firstCompile(dir: string, out: string | undefined): Promise<{ report: ChildReport; input: CompileInput }> {
  const phases: Record<string, number> = {};

  let start = performance.now();
  const found = findInputs([dir], process.cwd(), (p) => p);
  if ("error" in found) throw new Error(found.error);
  const texts = new Map<string, string>();
  let inputBytes = 0;
  for (const entry of found.entries) {
    const read = readSourceFile(entry);
    if ("error" in read) throw new Error(`${entry}: ${read.error}`);
    texts.set(entry, read.text);
    inputBytes += Buffer.byteLength(read.text);
  }
  phases.read = performance.now() - start;

  // Every input is in memory, so the parse phase below measures lexing and parsing, not the disk.
  const input: CompileInput = {
    entries: found.entries,
    readFile: (p) => {
      const text = texts.get(p);
      return text === undefined ? { error: "not among the inputs" } : { text };
    },
  };
  const gc = recordPauses();
  // The thread and process CPU readings (/proc reads) stay outside the timed window.
  const threadStart = threadTimes();
  const cpuStart = process.cpuUsage();
  const compileStart = performance.now();
  const result = compile(input);
  const compileMs = performance.now() - compileStart;
  const cpu = process.cpuUsage(cpuStart);
  const threadEnd = threadTimes();
  Object.assign(phases, phasesOf(result.timings));

  const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`);
  let outputBytes = 0;
  for (const o of result.outputs) outputBytes += Buffer.byteLength(o.content);
  const windows = consecutiveWindows(compileStart, result.timings);
  if (out !== undefined && errors.length === 0) {
    start = performance.now();
    const written = writeOutputs(path.resolve(out), result.outputs, { display: (p) => p });
    phases.write = performance.now() - start;
    windows.push({ phase: "write", start, end: start + phases.write });
    if (written.exitCode !== 0) errors.push(...written.diagnostics.map((d) => `${d.code} ${d.message}`));
  }
  await settled();
  gc.stop();

  const report: ChildReport = {
    inputs: found.entries.length,
    inputBytes,
    phases,
    compileMs,
    compileCpuMs: (cpu.user + cpu.system) / 1000,
    ...(threadStart !== undefined && threadEnd !== undefined ? { compileMainThread: timesBetween(threadStart, threadEnd) } : {}),
    gcMs: pausesByPhase(gc.pauses, windows),
    outputs: result.outputs.length,
    outputBytes,
    errors: errors.slice(0, 5),
    warnings: result.diagnostics.length - result.diagnostics.filter((d) => d.severity === "error").length,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
  return { report, input };
}

// A failure's first line on stderr is its message, which the benchmark shows as the reason (warmFigure).
await main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
