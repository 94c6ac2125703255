/**
 * `moat explain [PATH…] --path P [--workload W] [--format text|json]`: compiles the policy, then asks
 * the library who may access P. A policy with errors is reported (exit 1) and not explained: a model
 * that failed its checks would explain profiles that will never exist. Warnings are only counted
 * here; moat validate shows them.
 */
import { renderDiagnosticsText } from "../diagnostics/render-text.js";
import { explain } from "../explain/explain.js";
import { renderExplanationJson } from "../explain/render-json.js";
import { renderExplanationText } from "../explain/render-text.js";
import { compileInputs, displayPathFor, exitCodeOf, type CliIo } from "./commands.js";
import { UsageError, type CommandOptions } from "./usage.js";

export function runExplain(opts: CommandOptions, io: CliIo): number {
  if (opts.explainPath === undefined) throw new UsageError("explain needs --path P", "explain");
  const compiled = compileInputs({ ...opts, format: "text" }, io);
  if ("exitCode" in compiled) return compiled.exitCode;
  const { result } = compiled;
  const display = displayPathFor(io.cwd);
  const failed = exitCodeOf(result.diagnostics);
  if (failed !== 0) {
    io.stderr.write(renderDiagnosticsText(result.diagnostics, { sources: result.sources, displayPath: display }));
    io.stderr.write("moat: the policy has errors; fix them before asking what it grants\n");
    return failed;
  }
  if (result.model === undefined) throw new Error("a compile without errors gave no model");
  const explanation = explain(result.model, opts.explainPath, opts.workload);
  if ("error" in explanation) throw new UsageError(explanation.error, "explain");
  const warnings = result.diagnostics.length;
  if (warnings > 0) io.stderr.write(`moat: the policy has ${warnings} warning${warnings === 1 ? "" : "s"}; moat validate shows them\n`);
  io.stdout.write(opts.format === "json" ? renderExplanationJson(explanation, display) : renderExplanationText(explanation, display));
  return 0;
}
