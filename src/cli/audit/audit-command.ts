/**
 * `moat audit`: AppArmor's records read back to tenants, workloads and policy lines. The judging is
 * src/audit/'s (pure); here are the files: the output folder and install record (load-policy.ts), the
 * logs read as streams (log-reader.ts), the output. Text: the summary once the logs are read (with
 * --follow, a line per record as it comes and the summary when stopped); json: one object per record,
 * written as it is judged. Nothing is kept per record, so memory does not grow with the logs.
 *
 * Exit status: 2 when a log, the output folder or the install record cannot be read (the other logs
 * are still read); else 1 when a cross-tenant or protected record was seen, 0 otherwise. A reader that
 * closes stdout ends the reading (runAsProcess then exits 141).
 */
import { createReadStream } from "node:fs";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { AuditSummary, emptyPolicy, LineSplitter, parseLine, recordJson, renderRecordLine, renderSuggestions, renderSummary, SuggestionCollector } from "../../audit/index.js";
import { CachedJudge } from "../../audit/judge-cache.js";
import { diagnostic, sortDiagnostics, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { renderDiagnosticsText } from "../../diagnostics/render-text.js";
import { displayPathFor, type CliIo } from "../commands.js";
import { toPosix } from "../find-inputs.js";
import { describeFsError } from "../outputs/fs-layer.js";
import type { CommandOptions } from "../usage.js";
import { loadPolicy } from "./load-policy.js";
import { openLog, readLog, readStream } from "./log-reader.js";

/** What the process gives audit beyond other commands; tests pass their own. */
export interface AuditIo extends CliIo {
  readonly stdin?: AsyncIterable<Buffer | string>;
  /** Stops reading (--follow runs until this fires); the CLI ties it to SIGINT and SIGTERM. */
  readonly stop?: AbortSignal;
}

export async function runAudit(opts: CommandOptions, cliIo: CliIo): Promise<number> {
  const io = cliIo as AuditIo;
  const display = displayPathFor(io.cwd);
  const diagnostics: Diagnostic[] = [];
  const printDiagnostics = (): void => {
    if (diagnostics.length > 0) io.stderr.write(renderDiagnosticsText(sortDiagnostics(diagnostics), { sources: [], displayPath: (f) => f }));
    diagnostics.length = 0;
  };

  const from = toPosix(path.resolve(io.cwd, opts.from ?? "generated"));
  const root = opts.root === undefined ? undefined : toPosix(path.resolve(io.cwd, opts.root)).replace(/(.)\/+$/, "$1");
  const loaded = loadPolicy(from, opts.from !== undefined, root, display);
  diagnostics.push(...loaded.diagnostics);
  for (const note of loaded.notes) io.stderr.write(`moat: ${note}\n`);
  if (loaded.diagnostics.some((d) => d.severity === "error")) {
    printDiagnostics();
    return 2;
  }
  printDiagnostics();

  // --follow runs until stopped: by the caller's signal, or by SIGINT/SIGTERM when moat is the process.
  const controller = new AbortController();
  const stopSignal = io.stop ?? controller.signal;
  const onSignal = (): void => controller.abort();
  const ownSignals = opts.follow === true && io.stop === undefined;
  if (ownSignals) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  const stopped = (): boolean => stopSignal.aborted || io.outputClosed?.() === true;

  const policy = loaded.policy;
  const judge = new CachedJudge(policy ?? emptyPolicy());
  const summary = new AuditSummary();
  const suggestions = opts.suggest === true ? new SuggestionCollector() : undefined;
  const json = opts.format === "json";
  const perLine = !json && opts.follow === true && opts.suggest !== true;
  let failed = false;
  let sinceCollected = 0;

  try {
    for (const log of opts.paths) {
      if (stopped()) break;
      const shown = log === "-" ? "(stdin)" : display(toPosix(path.resolve(io.cwd, log)));
      let chunks: AsyncIterable<string>;
      if (log === "-") chunks = readStream(io.stdin ?? (process.stdin as AsyncIterable<Buffer>), stopped);
      else {
        const file = toPosix(path.resolve(io.cwd, log));
        try {
          const opened = openLog(file);
          chunks = opened.file
            ? readLog(file, opened.fd, { follow: opts.follow === true, stopped, wake: stopSignal })
            : readStream(fsStream(opened.fd), stopped);
        } catch (e) {
          diagnostics.push(diagnostic("MOAT601", undefined, { log: shown, detail: describeFsError(e) }));
          printDiagnostics();
          failed = true;
          continue;
        }
      }
      summary.logs.push(shown);
      const splitter = new LineSplitter();
      let n = 0;
      const take = (text: string): void => {
        n++;
        summary.lines++;
        const result = parseLine(text);
        if (result.kind === "malformed") summary.malformed++;
        else if (result.kind === "not-apparmor") summary.notAppArmor++;
        else {
          const record = result.record;
          const j = judge.judge(record);
          summary.add(record, j);
          suggestions?.add(j, record.name);
          if (json && suggestions === undefined) io.stdout.write(`${JSON.stringify(recordJson(record, j, shown, n))}\n`);
          else if (perLine) io.stdout.write(renderRecordLine(record, j));
        }
      };
      try {
        for await (const chunk of chunks) {
          for (const line of splitter.push(chunk)) take(line);
          if (stopped()) break;
          sinceCollected += chunk.length;
          if (sinceCollected > COLLECT_EVERY) {
            sinceCollected = 0;
            collectGarbage();
          }
        }
        for (const line of splitter.end()) take(line);
      } catch (e) {
        if (e instanceof Error && !("code" in e)) throw e;
        diagnostics.push(diagnostic("MOAT601", undefined, { log: shown, detail: describeFsError(e) }));
        printDiagnostics();
        failed = true;
      }
      summary.overlong += splitter.overlongLines;
    }
  } finally {
    if (ownSignals) {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    }
  }

  if (io.outputClosed?.() === true) return 2;
  if (suggestions !== undefined && policy !== undefined) {
    const report = suggestions.finish(policy);
    io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderSuggestions(report));
  } else if (!json && summary.logs.length > 0) {
    io.stdout.write(`${perLine ? "\n" : ""}${renderSummary(summary, { policy: policy !== undefined })}`);
  }
  if (json || suggestions !== undefined) {
    const n = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;
    io.stderr.write(`moat: ${n(summary.records, "record")} in ${n(summary.lines, "line")} (${summary.malformed} malformed, ${summary.notAppArmor} not AppArmor's)\n`);
  }
  if (failed) return 2;
  return summary.exitCode;
}

/**
 * A full collection every COLLECT_EVERY characters read. What audit keeps is bounded (about 10 MB after
 * a collection on any log), but V8 promotes much of a log's short-lived text to the old generation and
 * collects that only as the heap nears its limit: left alone, the process grows by hundreds of
 * megabytes per million records. Collecting on a schedule keeps the peak flat; each costs a few
 * milliseconds with so little alive.
 */
const COLLECT_EVERY = 16 << 20;
let collector: (() => void) | undefined;

function collectGarbage(): void {
  if (collector === undefined) {
    v8.setFlagsFromString("--expose-gc");
    collector = vm.runInNewContext("gc") as () => void;
  }
  collector();
}

function fsStream(fd: number): AsyncIterable<Buffer> {
  // A pipe or device: node's stream reads it without positions.
  return createReadStream("", { fd, autoClose: true });
}
