/**
 * Compiles fuzz cases in a child process that the test kills when its budget is spent. The child checks
 * each result itself and reports only what matters: the cases that threw, reported an internal error
 * (MOAT900) or broke the result's contract, and the codes of each. A case is never judged by its time.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runScript, type ChildRun } from "./child.js";
import type { FuzzCase } from "./fuzz-cases.js";

export interface CaseReport {
  readonly index: number;
  readonly label: string;
  /** What went wrong; empty when the case is fine. */
  readonly problems: readonly string[];
  readonly codes: readonly string[];
}

export interface BatchReport {
  readonly run: ChildRun;
  readonly reports: readonly CaseReport[];
  /** The case the child was compiling when it stopped reporting (killed or crashed), if any. */
  readonly stuckAt?: string;
}

const CHILD = `
import * as fs from "node:fs";
import { compile } from "@moat/src/index.js";
import { CODES } from "@moat/src/diagnostics/codes.js";
const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const reports = [];
cases.forEach((c, index) => {
  process.stderr.write("case " + index + "\\n");
  const problems = [];
  let codes = [];
  try {
    const r = compile({ entries: c.entries, readFile: (p) => Object.hasOwn(c.files, p) ? { text: c.files[p] } : { error: "no such file" } });
    codes = r.diagnostics.map((d) => d.code);
    for (const d of r.diagnostics) {
      if (d.code === "MOAT900") problems.push("internal error: " + d.message);
      if (!Object.hasOwn(CODES, d.code)) problems.push("unknown code " + d.code);
      if (typeof d.message !== "string" || d.message.length === 0) problems.push(d.code + " without a message");
      if (d.span !== undefined) {
        const src = r.sources.find((s) => s.path === d.span.file);
        if (src === undefined) problems.push(d.code + " points into a file it does not return: " + d.span.file);
        else if (!(0 <= d.span.start && d.span.start <= d.span.end && d.span.end <= src.text.length)) problems.push(d.code + " has a span outside its file");
      }
    }
    const errors = r.diagnostics.filter((d) => d.severity === "error").length;
    if (errors > 0 && r.outputs.length > 0) problems.push("outputs despite errors");
    if (errors === 0 && r.outputs.length === 0) problems.push("neither outputs nor errors");
    for (const o of r.outputs) if (o.content.includes("\\u0000")) problems.push("NUL in " + o.path);
  } catch (e) {
    problems.push("threw: " + (e && e.stack ? e.stack : String(e)));
  }
  reports.push({ index, label: c.label, problems, codes: [...new Set(codes)] });
});
process.stderr.write("done\\n");
process.stdout.write(JSON.stringify(reports));
`;

export async function compileCases(cases: readonly FuzzCase[], budgetMs: number, heapMb = 2048): Promise<BatchReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "moat-fuzz-"));
  const input = path.join(dir, "cases.json");
  fs.writeFileSync(input, JSON.stringify(cases));
  try {
    const run = await runScript("compile-cases", CHILD, { budgetMs, args: [input], heapMb });
    const reports = run.status === 0 && run.stdout !== "" ? (JSON.parse(run.stdout) as CaseReport[]) : [];
    const last = /case (\d+)\n(?![\s\S]*case \d+\n)/.exec(run.stderr);
    const stuckAt = run.status === 0 || last === null ? undefined : `case ${last[1]}: ${cases[Number(last[1])]?.label}`;
    return stuckAt === undefined ? { run, reports } : { run, reports, stuckAt };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A readable account of a batch that failed, for the assertion message. */
export function describeFailure(batch: BatchReport): string {
  const { run } = batch;
  if (run.timedOut) return `killed after ${Math.round(run.ms)} ms (a hang) while compiling ${batch.stuckAt ?? "?"}`;
  if (run.status !== 0) return `child died (status ${run.status}, signal ${run.signal}) while compiling ${batch.stuckAt ?? "?"}:\n${run.stderr.slice(-3000)}`;
  return batch.reports
    .filter((r) => r.problems.length > 0)
    .map((r) => `case ${r.index} (${r.label}): ${r.problems.join("; ")}`)
    .join("\n");
}
