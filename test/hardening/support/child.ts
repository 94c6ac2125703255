/**
 * Runs a script in a child node process with a hard wall-clock budget: a child that is still running
 * when the budget is spent is killed with SIGKILL and the run counts as a hang. The child reports on
 * stdout as one JSON value; what it last wrote to stderr says where it was when it was killed.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { builtRoot } from "./build.js";

export interface ChildRun {
  /** Exit code, or null when killed. */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface ChildOptions {
  readonly budgetMs: number;
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdin?: string;
  /** V8 heap limit of the child, MiB: runaway memory becomes a crash the test sees, not a host OOM. */
  readonly heapMb?: number;
}

let runs = 0;

/** Writes `script` (ESM; `@moat/` in import specifiers is the built sources' root) and runs it. */
export function runScript(name: string, script: string, options: ChildOptions): Promise<ChildRun> {
  const root = builtRoot();
  // One file per run: runs of the same script may overlap, and a file rewritten under a starting child breaks it.
  const file = path.join(root, `${name}-${process.pid}-${++runs}.mjs`);
  fs.writeFileSync(file, script.split("@moat/").join("./"));
  return runNode([file, ...(options.args ?? [])], options);
}

export function runNode(argv: readonly string[], options: ChildOptions): Promise<ChildRun> {
  const start = performance.now();
  return new Promise((resolve) => {
    const heap = options.heapMb === undefined ? [] : [`--max-old-space-size=${options.heapMb}`];
    const child = spawn(process.execPath, [...heap, ...argv], { cwd: options.cwd ?? builtRoot(), env: options.env ?? process.env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-20_000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.budgetMs);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, timedOut, stdout, stderr, ms: performance.now() - start });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/** A stack frame as node prints one: what no user of moat may ever see. */
export const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m;
