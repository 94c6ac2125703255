/**
 * The warm half of the compile child (compile-child.ts, `--warm N`): the same sources compiled again in
 * one process, the last compile timed. No fresh process sees moat's code optimized by V8; this does, so
 * the benchmark can tell warming up the JIT from moat's own work. A module of its own so that the tests
 * import it without running the child.
 */
import type { CompileInput, PhaseTiming } from "../src/api.js";
import { compile } from "../src/index.js";

export interface WarmCompile {
  /** How many compiles the process ran; the figures are the last one's. */
  readonly compiles: number;
  readonly compileMs: number;
  /** CPU time of all threads during that compile. */
  readonly compileCpuMs: number;
  /** Phase -> milliseconds, as compile() timed them. */
  readonly phases: Record<string, number>;
}

export interface ChildArgs {
  readonly dir: string;
  readonly out?: string;
  readonly warm?: number;
}

/** `DIR [OUT] [--warm N]`. Anything else starting with `-` is refused rather than taken for a folder. */
export function parseChildArgs(argv: readonly string[]): ChildArgs {
  const positional: string[] = [];
  let warm: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--warm") {
      warm = Number(argv[++i]);
      if (!Number.isInteger(warm) || warm < 2) throw new Error("--warm takes a whole number of compiles, at least 2");
    } else if (arg.startsWith("-")) {
      throw new Error(`unknown option ${arg}; usage: compile-child DIR [OUT] [--warm N]`);
    } else positional.push(arg);
  }
  const [dir, out, ...rest] = positional;
  if (dir === undefined || rest.length > 0) throw new Error("usage: compile-child DIR [OUT] [--warm N]");
  return { dir, ...(out === undefined ? {} : { out }), ...(warm === undefined ? {} : { warm }) };
}

/** node's `gc()`, which `--expose-gc` provides; checked before anything is measured. */
export function fullCollection(): () => void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("--warm needs node --expose-gc");
  return collect;
}

/**
 * Compiles `input` until `compiles` compiles have run in this process (the caller ran the first), and
 * returns the last one's figures. Each compile starts after a full collection, so that it does not pay
 * for collecting the garbage of the one before.
 */
export function compileAgain(input: CompileInput, compiles: number, collect: () => void): WarmCompile {
  let last: Omit<WarmCompile, "compiles"> | undefined;
  for (let n = 2; n <= compiles; n++) {
    collect();
    last = timedCompile(input);
  }
  return { compiles, ...last! };
}

/** compile()'s own phase timings, phase -> milliseconds. */
export function phasesOf(timings: readonly PhaseTiming[]): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const t of timings) phases[t.phase] = t.ms;
  return phases;
}

/**
 * One compile, timed. A function of its own so that its result dies with its frame: held in a variable
 * of the loop above, the last result (outputs, model, sources) would stay reachable through the next
 * collection and compile, in code V8 has not optimized.
 */
function timedCompile(input: CompileInput): Omit<WarmCompile, "compiles"> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const result = compile(input);
  const compileMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { compileMs, compileCpuMs: (cpu.user + cpu.system) / 1000, phases: phasesOf(result.timings) };
}
