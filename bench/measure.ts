/**
 * Measurements that leave the benchmark's own process: the compile child, the real command line under
 * /usr/bin/time, the I/O floor, and the fixed cost of starting node. Everything here returns numbers and
 * never judges them: the benchmark reports, it does not pass or fail.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { ChildReport } from "./compile-child.js";
import type { WarmCompile } from "./warm-compile.js";

export interface Paths {
  /** The repository (holds bin/moat.js and dist/). */
  readonly repo: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** How fast time grows with size between two points: t ~ n^k. Linear is 1; "10x input, at most 12x time" is k <= 1.079. */
export function growthExponent(n1: number, t1: number, n2: number, t2: number): number {
  return Math.log(t2 / t1) / Math.log(n2 / n1);
}

/**
 * The exponent k of t ~ n^k fitted to all points at once: the least-squares slope of log t on log n.
 * Less moved by one noisy size than the exponents between neighbours; NaN with fewer than two sizes or
 * any time that is not positive.
 */
export function fittedExponent(points: readonly { readonly n: number; readonly t: number }[]): number {
  if (points.length < 2 || points.some((p) => !(p.t > 0) || !(p.n > 0))) return NaN;
  const xs = points.map((p) => Math.log(p.n));
  const ys = points.map((p) => Math.log(p.t));
  const mx = xs.reduce((a, x) => a + x, 0) / xs.length;
  const my = ys.reduce((a, y) => a + y, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx === 0 ? NaN : sxy / sxx;
}

/** A compile in a fresh node process (bench/compile-child.ts), writing to `out` when given, with `nodeFlags` for node (--expose-gc). */
export function runCompileChild(
  paths: Paths,
  dir: string,
  out: string | undefined,
  timeoutMs: number,
  nodeFlags: readonly string[] = [],
  childArgs: readonly string[] = [],
): ChildReport | "timeout" {
  const script = path.join(paths.repo, "dist", "bench", "compile-child.js");
  const args = [...nodeFlags, script, dir, ...(out === undefined ? [] : [out]), ...childArgs];
  const run = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 << 20, timeout: timeoutMs, killSignal: "SIGKILL" });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT") return "timeout";
  // Killed by anything but the timeout (an out-of-memory abort is SIGABRT): a failure, not a timeout.
  if (run.status !== 0) throw new Error(`compile child failed (${run.signal ?? run.status}): ${run.stderr.slice(0, 2000)}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as ChildReport;
}

/**
 * The warm figure of a warm child run (`run`), or why there is none: a timeout or a failure costs a size
 * only this figure. The reason is the failure's first line, which compile-child makes the error's message.
 */
export function warmFigure(run: () => ChildReport | "timeout", timeoutS: number): WarmCompile | { missing: string } {
  try {
    const report = run();
    if (report === "timeout") return { missing: `timed out after ${timeoutS} s` };
    return report.warm ?? { missing: "the child reported no warm compile" };
  } catch (e) {
    return { missing: `failed: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}` };
  }
}

export interface CliRun {
  readonly wallMs: number;
  /** Peak RSS of the moat process in bytes, when /usr/bin/time could tell. */
  readonly maxRss?: number;
  /** User + system CPU time of the moat process, when /usr/bin/time could tell. */
  readonly cpuMs?: number;
  readonly status: number;
  readonly stderr: string;
  readonly timedOut: boolean;
}

const GNU_TIME = "/usr/bin/time";
const TIMEOUT = "/usr/bin/timeout";

/** `node bin/moat.js ARGS`, timed from spawn to exit, its peak RSS taken by GNU time when installed. */
export function runCli(paths: Paths, args: readonly string[], timeoutMs: number): CliRun {
  const moat = path.join(paths.repo, "bin", "moat.js");
  const node = [process.execPath, moat, ...args];
  // GNU time outside, coreutils timeout inside: a kill then reaches moat itself, never orphans it, and
  // GNU time still reports (wait4 folds the reaped grandchild's peak RSS and CPU time into its own).
  const haveTime = fs.existsSync(GNU_TIME) && fs.existsSync(TIMEOUT);
  const [command, argv] = haveTime
    ? [GNU_TIME, ["-f", "moat-bench-rss %M %U %S", TIMEOUT, "-s", "KILL", `${Math.ceil(timeoutMs / 1000)}`, ...node]]
    : [node[0]!, node.slice(1)];
  const start = performance.now();
  const run = spawnSync(command, argv, { encoding: "utf8", maxBuffer: 64 << 20, timeout: timeoutMs + 10_000, killSignal: "SIGKILL" });
  const wallMs = performance.now() - start;
  const stderr = run.stderr ?? "";
  const usage = /moat-bench-rss (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
  return {
    wallMs,
    status: run.status ?? -1,
    timedOut: (run.status === null && run.signal !== null) || (haveTime && run.status === 137),
    stderr: stderr.replace(/^Command (exited with non-zero status|terminated by signal).*\n?/m, "").replace(/moat-bench-rss .*\n?/, ""),
    ...(usage === null ? {} : { maxRss: Number(usage[1]) * 1024, cpuMs: (Number(usage[2]) + Number(usage[3])) * 1000 }),
  };
}

/** Flushes what earlier steps left for the disk to write, so that a timed write does not pay for it. */
export function settleDisk(): void {
  spawnSync("sync", [], { stdio: "ignore" });
}

/** What node itself costs before moat does anything: an empty script, and moat's module graph loaded. */
export function startupCosts(paths: Paths): { nodeMs: number; moatLoadMs: number } {
  const times = (argv: string[]): number => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      spawnSync(process.execPath, argv, { stdio: "ignore" });
      samples.push(performance.now() - start);
    }
    return median(samples);
  };
  return {
    nodeMs: times(["-e", ""]),
    // What `moat compile` loads before it reads an input: the command module and everything it imports
    // (`moat --version` would load almost nothing: the CLI imports a command's modules only when it runs it).
    moatLoadMs: times(["--input-type=module", "-e", `await import(${JSON.stringify(pathToFileURL(path.join(paths.repo, "dist", "src", "cli", "commands.js")).href)})`]),
  };
}

/** Every file under `dir` with its path relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk(dir, "");
  return out.sort();
}

/** Writes `files` (relative path -> bytes) under `target`, creating folders as needed. */
export function writeFiles(files: ReadonlyMap<string, Buffer>, target: string): void {
  const made = new Set<string>();
  for (const [rel, bytes] of files) {
    const full = path.join(target, rel);
    const parent = path.dirname(full);
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    fs.writeFileSync(full, bytes);
  }
}

/**
 * The floor: read every input file and write every output file's bytes into `target`, a folder that does
 * not exist yet, with nothing in between. moat's end-to-end time can approach this, never beat it.
 */
export function measureFloor(inputFiles: readonly string[], outputs: ReadonlyMap<string, Buffer>, target: string): number {
  settleDisk();
  const start = performance.now();
  let sink = 0;
  for (const file of inputFiles) sink += fs.readFileSync(file).length;
  writeFiles(outputs, target);
  const ms = performance.now() - start;
  if (sink < 0) throw new Error("unreachable");
  return ms;
}
