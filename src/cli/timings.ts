/** `moat compile --timings`: the phases the library timed, the CLI's write phase, input size and throughput. */
import type { PhaseTiming } from "../api.js";

export interface TimingsReport {
  readonly phases: readonly PhaseTiming[];
  /** The write phase, measured by the CLI; absent when nothing was written (a failed compile, --emit-model). */
  readonly writeMs?: number;
  readonly inputBytes: number;
  readonly inputFiles: number;
}

export function renderTimings(report: TimingsReport): string {
  const rows: [string, number][] = report.phases.map((p) => [p.phase, p.ms]);
  if (report.writeMs !== undefined) rows.push(["write", report.writeMs]);
  const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
  const compileMs = report.phases.reduce((sum, p) => sum + p.ms, 0);
  const ms = (v: number): string => v.toFixed(2);
  const share = (v: number): string => (total > 0 ? `${((100 * v) / total).toFixed(1)}%` : "-");
  const table: string[][] = [["phase", "ms", "share"], ...rows.map(([name, v]) => [name, ms(v), share(v)]), ["total", ms(total), total > 0 ? "100.0%" : "-"]];
  const widths = [0, 1, 2].map((c) => Math.max(...table.map((r) => r[c]!.length)));
  const lines = table.map((r) => `  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padStart(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}`);
  const files = `${report.inputFiles} file${report.inputFiles === 1 ? "" : "s"}`;
  const rate = compileMs > 0 ? `, ${throughput(report.inputBytes / (compileMs / 1000))} over parse to emit` : "";
  return `moat: timings\n${lines.join("\n")}\n  input: ${files}, ${report.inputBytes} bytes${rate}\n`;
}

function throughput(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1e6) return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
  if (bytesPerSecond >= 1e3) return `${(bytesPerSecond / 1e3).toFixed(1)} kB/s`;
  return `${bytesPerSecond.toFixed(0)} B/s`;
}
