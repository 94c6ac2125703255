/**
 * One compile in a fresh process, as CI runs it on a merge: `node dist/bench/compile-child.js DIR [OUT]`.
 * Finds the inputs and reads them as the CLI does, compiles in memory through the library, and, when OUT
 * is given, writes through the CLI's own transactional writer. Prints one JSON line (ChildReport) on
 * stdout. A fresh process per measurement means cold JIT and a clean heap, so figures are not flattered
 * by earlier runs, and its peak RSS is this compile's alone.
 *
 * `--warm N` (N >= 2; run node with --expose-gc) then compiles the same sources N - 1 times more in the
 * same process and reports the last compile as `warm`: what moat's own work costs once V8 has compiled
 * its hot code, which no fresh process sees. The other figures stay the first compile's.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { findInputs } from "../src/cli/find-inputs.js";
import { writeOutputs } from "../src/cli/outputs/write-outputs.js";
import { readSourceFile } from "../src/cli/read-source.js";
import type { CompileInput } from "../src/api.js";
import { compile } from "../src/index.js";
import { consecutiveWindows, pausesByPhase, recordPauses, settled } from "./gc-pauses.js";
import { threadTimes, timesBetween, type ThreadTimes } from "./main-thread-cpu.js";

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

export interface WarmCompile {
  /** How many compiles this process ran; the figures are the last one's. */
  readonly compiles: number;
  readonly compileMs: number;
  /** CPU time of all threads during that compile. */
  readonly compileCpuMs: number;
  /** Phase -> milliseconds, as compile() timed them. */
  readonly phases: Record<string, number>;
}

/** `DIR [OUT] [--warm N]`. */
export function parseChildArgs(argv: readonly string[]): { dir: string; out?: string; warm?: number } {
  const positional: string[] = [];
  let warm: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--warm") {
      warm = Number(argv[++i]);
      if (!Number.isInteger(warm) || warm < 2) throw new Error("--warm takes a whole number of compiles, at least 2");
    } else positional.push(argv[i]!);
  }
  const [dir, out, ...rest] = positional;
  if (dir === undefined || rest.length > 0) throw new Error("usage: compile-child DIR [OUT] [--warm N]");
  return { dir, ...(out === undefined ? {} : { out }), ...(warm === undefined ? {} : { warm }) };
}

async function main(argv: readonly string[]): Promise<void> {
  const { dir, out, warm } = parseChildArgs(argv);
  const { report, input } = await firstCompile(dir, out);
  // The first compile's result is out of reach here: the warm compiles do not carry its outputs.
  const warmCompile = warm === undefined ? undefined : compileAgain(input, warm, fullCollection());
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
  for (const t of result.timings) phases[t.phase] = t.ms;

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

/**
 * Compiles `input` until `compiles` compiles have run in this process, and times the last. Each starts
 * after a full collection, so that it does not pay for collecting the garbage of the one before.
 */
export function compileAgain(input: CompileInput, compiles: number, collect: () => void): WarmCompile {
  let last: WarmCompile | undefined;
  for (let n = 2; n <= compiles; n++) {
    collect();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const result = compile(input);
    const compileMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const phases: Record<string, number> = {};
    for (const t of result.timings) phases[t.phase] = t.ms;
    last = { compiles, compileMs, compileCpuMs: (cpu.user + cpu.system) / 1000, phases };
  }
  return last!;
}

function fullCollection(): () => void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("--warm needs node --expose-gc");
  return collect;
}

// Imported by the tests for its argument parsing: only run when node runs this file.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
