/**
 * `moat explain [PATH…] --path P [--workload W] [--format text|json]`: compiles the policy, then asks
 * the library who may access P. A policy with errors is reported (exit 1) and not explained: a model
 * that failed its checks would explain profiles that will never exist. Warnings are only counted
 * here; moat validate shows them.
 */
import type { AcceptedWarning } from "../apply-accepts.js";
import { renderDiagnosticsText } from "../diagnostics/render-text.js";
import { getLocation, type Source, type Span } from "../source.js";
import { explain } from "../explain/explain.js";
import { renderExplanationJson } from "../explain/render-json.js";
import { renderExplanationText } from "../explain/render-text.js";
import type { Explanation } from "../explain/types.js";
import { compileInputs, displayPathFor, exitCodeOf, onePolicy, type CliIo } from "./commands.js";
import { UsageError, type CommandOptions } from "./usage.js";

export function runExplain(opts: CommandOptions, io: CliIo): number {
  if (opts.explainPath === undefined) throw new UsageError("explain needs --path P", "explain");
  const compiled = compileInputs({ ...opts, format: "text" }, io);
  if ("exitCode" in compiled) return compiled.exitCode;
  onePolicy(compiled, "explain", "explain");
  const { result } = compiled;
  const display = displayPathFor(io.cwd);
  const failed = exitCodeOf(result.diagnostics);
  if (failed !== 0) {
    io.stderr.write(renderDiagnosticsText(result.diagnostics, { sources: result.sources, displayPath: display, color: io.color?.stderr === true }));
    io.stderr.write("moat: the policy has errors; fix them before asking what it grants\n");
    return failed;
  }
  if (result.model === undefined) throw new Error("a compile without errors gave no model");
  const explanation = explain(result.model, opts.explainPath, opts.workload);
  if ("error" in explanation) throw new UsageError(explanation.error, "explain");
  const warnings = result.diagnostics.length;
  if (warnings > 0) io.stderr.write(`moat: the policy has ${warnings} warning${warnings === 1 ? "" : "s"}; moat validate shows them\n`);
  io.stdout.write(opts.format === "json" ? renderExplanationJson(explanation, display) : renderExplanationText(explanation, display));
  if (opts.format !== "json") io.stdout.write(renderAccepted(acceptedFor(explanation, result.accepted ?? [], result.sources), result.sources, display));
  return 0;
}

/**
 * The accepted warnings about what the answer cites: a warning accepted at a statement holding one of
 * the lines the explanation names (its grants, shared statements, protected globs), or one that names a
 * workload the path is open to (`acme/backup-agent is in complain mode`).
 */
function acceptedFor(explanation: Explanation, accepted: readonly AcceptedWarning[], sources: readonly Source[]): AcceptedWarning[] {
  const open = explanation.workloads.filter((w) => w.verdict !== "denied").map((w) => `${w.tenant}/${w.workload}`);
  const cited = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === "object" && value !== null) {
      const o = value as Record<string, unknown>;
      if (typeof o.file === "string" && typeof o.line === "number") cited.add(`${o.file}:${o.line}`);
      Object.values(o).forEach(visit);
    }
  };
  visit(explanation);
  const byPath = new Map(sources.map((s) => [s.path, s]));
  return accepted.filter((a) => {
    if (open.some((name) => a.diagnostic.message.includes(`${name} `))) return true;
    const source = byPath.get(a.target.file);
    if (source === undefined) return false;
    const first = getLocation(source, a.target.start).line;
    const last = getLocation(source, a.target.end).line;
    for (let line = first; line <= last; line++) if (cited.has(`${a.target.file}:${line}`)) return true;
    return false;
  });
}

function renderAccepted(accepted: readonly AcceptedWarning[], sources: readonly Source[], display: (file: string) => string): string {
  if (accepted.length === 0) return "";
  const byPath = new Map(sources.map((s) => [s.path, s]));
  const where = (span: Span): string => {
    const source = byPath.get(span.file);
    return source === undefined ? display(span.file) : `${display(span.file)}:${getLocation(source, span.start).line}`;
  };
  const lines = accepted.map((a) => `  ${a.diagnostic.code} at ${where(a.diagnostic.span ?? a.target)}, accepted at ${where(a.at)} because ${a.reason}\n    ${a.diagnostic.message}\n`);
  return `\nAccepted warnings about these lines:\n${lines.join("")}`;
}
