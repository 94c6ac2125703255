/**
 * `npm run bench`: generates seeded fleets of increasing size into a temporary folder and, for each,
 * measures moat's phases in a fresh process, the real command line end to end with its peak RSS, and
 * three baselines on the same input in the same run: the all-pairs overlap method, apparmor_parser on a
 * sample of the emitted profiles, and the bare I/O floor. Prints tables; never fails on a figure.
 *
 *   node dist/bench/run.js [--sizes 1000,10000,50000,100000] [--runs 3] [--json FILE] [--keep]
 *                          [--all-pairs-budget-ms 3000] [--timeout-s 120] [--lv-links]
 *
 * --lv-links also grants every LV by its /dev/VG/LV or /dev/mapper link, as many policies do; moat
 * then warns once per link (MOAT307), and the end-to-end figure includes rendering those warnings.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { OutputFile } from "../src/api.js";
import { readSourceFile } from "../src/cli/read-source.js";
import { emitOutputs } from "../src/emit/emit-outputs.js";
import { loadFiles } from "../src/model/load-files.js";
import { resolveModel } from "../src/model/resolve.js";
import type { Model } from "../src/model/types.js";
import { VERSION } from "../src/version.js";
import type { ChildReport } from "./compile-child.js";
import { estimateAllPairs } from "./all-pairs.js";
import { estimateParserTime } from "./apparmor-sample.js";
import { generateFleet, writeFleet } from "./generate-fleet.js";
import { measureFloor, median, writeFiles, runCli, runCompileChild, settleDisk, startupCosts, warmFigure, type CliRun } from "./measure.js";
import { PHASES, renderGrowth, renderSize, renderTargets, type SizeResult } from "./report.js";

interface Options {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly json?: string;
  readonly keep: boolean;
  readonly allPairsBudgetMs: number;
  readonly lvLinks: boolean;
  /** A moat process running longer than this is killed and the size reported as timed out. */
  readonly timeoutS: number;
}

function parseArgs(argv: readonly string[]): Options {
  let sizes = [1000, 10_000, 50_000, 100_000];
  let runs = 3;
  let json: string | undefined;
  let keep = false;
  let allPairsBudgetMs = 3000;
  let lvLinks = false;
  let timeoutS = 120;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--sizes") sizes = argv[++i]!.split(",").map(Number);
    else if (a === "--runs") runs = Number(argv[++i]);
    else if (a === "--json") json = argv[++i];
    else if (a === "--keep") keep = true;
    else if (a === "--all-pairs-budget-ms") allPairsBudgetMs = Number(argv[++i]);
    else if (a === "--lv-links") lvLinks = true;
    else if (a === "--timeout-s") timeoutS = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  if (sizes.some((s) => !(s > 0)) || !(runs >= 1)) throw new Error("--sizes and --runs take positive numbers");
  return { sizes, runs, keep, allPairsBudgetMs, lvLinks, timeoutS, ...(json === undefined ? {} : { json }) };
}

function machine(): string {
  const cpus = os.cpus();
  const parser = spawnSync("/usr/sbin/apparmor_parser", ["--version"], { encoding: "utf8" });
  const parserVersion = parser.status === 0 ? (parser.stdout.split("\n")[0] ?? "").trim() : "apparmor_parser not installed";
  return [
    `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown cpu"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}`,
    `node ${process.version}; ${parserVersion}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
  ].join("\n");
}

/** The model and outputs of a fleet, without the isolation checks: what the baselines run on. */
function modelAndOutputs(inputFiles: readonly string[]): { model: Model; outputs: readonly OutputFile[] } {
  const loaded = loadFiles({ entries: inputFiles, readFile: readSourceFile });
  const { model, diagnostics } = resolveModel(loaded);
  const errors = [...loaded.diagnostics, ...diagnostics].filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`the generated fleet does not resolve: ${errors[0]!.code} ${errors[0]!.message}`);
  return { model, outputs: emitOutputs(model, { version: VERSION }) };
}

/**
 * Compiles in the warm process; the last is timed. The first is the cold one, and code it reaches only
 * late (emit's) may still be being optimized during the second: the third is timed so that it runs
 * optimized code from its start.
 */
const WARM_COMPILES = 3;

function measureSize(repo: string, work: string, nominal: number, opts: Options, skipMoat: boolean): SizeResult {
  const fleet = generateFleet({ resources: nominal, lvLinks: opts.lvLinks });
  const dir = path.join(work, `fleet-${nominal}`);
  const policy = path.join(dir, "policy");
  const inputFiles = writeFleet(fleet, policy);

  // Baselines first, on the model and outputs made without moat's check, so that they are measured even
  // when moat's own compile exceeds the timeout.
  const { model, outputs } = modelAndOutputs(inputFiles);
  const emitted = path.join(dir, "emitted");
  const outputBytes = new Map(outputs.map((o) => [o.path, Buffer.from(o.content)] as const));
  writeFiles(outputBytes, emitted);
  const allPairs = estimateAllPairs(model, opts.allPairsBudgetMs);
  const parser = estimateParserTime(repo, emitted);
  // Every timed write goes into a folder of its own, and nothing is deleted until the whole run is over:
  // creating tens of thousands of files right after deleting as many is several times slower on ext4
  // (3 s instead of 1 s for 21,000 files here), and a figure would measure the harness's clean-up.
  const floorMs = median(Array.from({ length: opts.runs }, (_, i) => measureFloor(inputFiles, outputBytes, path.join(dir, `floor-${i}`))));

  const base = {
    nominal,
    fleet: fleet.stats,
    outputs: outputs.length,
    outputBytes: [...outputBytes.values()].reduce((a, b) => a + b.length, 0),
    floorMs,
    allPairs,
    parser,
  };
  const failed = (why: string, timedOutAfterMs?: number): SizeResult => ({
    ...base,
    phases: {},
    inMemoryMs: NaN,
    inMemoryCpuMs: NaN,
    endToEndMs: NaN,
    peakRss: NaN,
    errors: [why],
    warnings: 0,
    loadAverage: os.loadavg()[0]!,
    ...(timedOutAfterMs === undefined ? {} : { timedOutAfterMs }),
  });
  if (skipMoat) return failed("not run: a smaller fleet already exceeded the timeout");

  const timeout = `moat did not finish within the ${opts.timeoutS} s timeout`;
  const childRuns: ChildReport[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const out = path.join(dir, `child-out-${i}`);
    settleDisk();
    const report = runCompileChild({ repo }, policy, out, opts.timeoutS * 1000);
    if (report === "timeout") return failed(timeout, opts.timeoutS * 1000);
    childRuns.push(report);
    if (report.errors.length > 0) return failed(report.errors.join("; "));
  }
  // One more process compiles the same sources WARM_COMPILES times: its last compile is moat's own work
  // once V8 has optimized it, which separates that work from warming up the JIT. A timeout or a failure
  // loses this figure only, and the table says so.
  const warm = warmFigure(
    () => runCompileChild({ repo }, policy, undefined, opts.timeoutS * 1000, ["--expose-gc"], ["--warm", String(WARM_COMPILES)]),
    opts.timeoutS,
  );
  const phases: Record<string, number> = {};
  const gcMs: Record<string, number> = {};
  for (const p of PHASES) {
    const values = childRuns.map((c) => c.phases[p]).filter((v): v is number => v !== undefined);
    if (values.length > 0) phases[p] = median(values);
    const pauses = childRuns.map((c) => c.gcMs[p]).filter((v): v is number => v !== undefined);
    if (pauses.length > 0) gcMs[p] = median(pauses);
  }
  const onCpu = childRuns.map((c) => c.compileMainThread?.onCpuMs).filter((v): v is number => v !== undefined);
  const waiting = childRuns.map((c) => c.compileMainThread?.waitingMs).filter((v): v is number => v !== undefined);

  /** `moat compile` of the policy into each folder out-<i>, one run per folder; undefined at a timeout. */
  const compileIntoEach = (): CliRun[] | undefined => {
    const runs: CliRun[] = [];
    for (let i = 0; i < opts.runs; i++) {
      settleDisk();
      const run = runCli({ repo }, ["compile", policy, "--out", path.join(dir, `out-${i}`)], opts.timeoutS * 1000);
      if (run.timedOut) return undefined;
      if (run.status !== 0) throw new Error(`moat compile exited ${run.status}: ${run.stderr.slice(0, 2000)}`);
      runs.push(run);
    }
    return runs;
  };
  const cliRuns = compileIntoEach();
  if (cliRuns === undefined) return failed(timeout, opts.timeoutS * 1000);
  // The same command again on each folder just written: what a merge that changes nothing costs, every
  // output read back and compared, none written. A timeout here loses these figures only.
  const againRuns = compileIntoEach();
  const rewrote = againRuns?.find((run) => !/: 0 written, \d+ unchanged/.test(run.stderr));
  if (rewrote !== undefined) throw new Error(`moat compile wrote again into an up-to-date folder: ${rewrote.stderr.slice(0, 2000)}`);
  const peakOf = (runs: readonly CliRun[]): number | undefined => {
    const rss = runs.map((r) => r.maxRss).filter((v): v is number => v !== undefined);
    return rss.length > 0 ? Math.max(...rss) : undefined;
  };
  const againPeak = againRuns === undefined ? undefined : peakOf(againRuns);

  return {
    ...base,
    outputs: childRuns[0]!.outputs,
    outputBytes: childRuns[0]!.outputBytes,
    phases,
    inMemoryMs: median(childRuns.map((c) => c.compileMs)),
    inMemoryCpuMs: median(childRuns.map((c) => c.compileCpuMs)),
    ...(onCpu.length === childRuns.length ? { inMemoryMainThreadCpuMs: median(onCpu) } : {}),
    ...(waiting.length === childRuns.length ? { inMemoryMainThreadWaitingMs: median(waiting) } : {}),
    gcMs,
    ...("missing" in warm ? { inMemoryWarmMissing: warm.missing } : { inMemoryWarm: warm }),
    endToEndMs: median(cliRuns.map((r) => r.wallMs)),
    ...(cliRuns.every((r) => r.cpuMs !== undefined) ? { endToEndCpuMs: median(cliRuns.map((r) => r.cpuMs!)) } : {}),
    ...(againRuns === undefined ? {} : { endToEndAgainMs: median(againRuns.map((r) => r.wallMs)) }),
    ...(againPeak === undefined ? {} : { endToEndAgainPeakRss: againPeak }),
    peakRss: peakOf(cliRuns) ?? Math.max(...childRuns.map((c) => c.maxRss)),
    errors: [],
    warnings: childRuns[0]!.warnings,
    loadAverage: os.loadavg()[0]!,
  };
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "moat-bench-"));
  const out = (text: string): void => void process.stdout.write(text + "\n");
  out("moat benchmark: seeded fleets, each phase timed in a fresh process; medians of " + `${opts.runs} run${opts.runs === 1 ? "" : "s"}`);
  out(machine());
  const startup = startupCosts({ repo });
  out(`fixed cost in every end-to-end figure: node start ${startup.nodeMs.toFixed(0)} ms; node + the modules of moat compile ${startup.moatLoadMs.toFixed(0)} ms`);
  out("");
  const results: SizeResult[] = [];
  try {
    let timedOut = false;
    for (const size of opts.sizes) {
      const result = measureSize(repo, work, size, opts, timedOut);
      timedOut ||= result.errors.some((e) => e.includes("timeout"));
      results.push(result);
      out(renderSize(result));
      out("");
    }
    out(renderGrowth(results));
    out("");
    out(renderTargets(results));
    if (opts.json !== undefined) fs.writeFileSync(opts.json, JSON.stringify({ startup, results }, null, 2) + "\n");
  } finally {
    if (opts.keep) out(`\nfleets kept in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
