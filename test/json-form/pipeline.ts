/**
 * Test helpers for the JSON form: load in-memory files with the parser each suffix calls for, resolve
 * the model, and (for round trips) run the whole pipeline as src/compile.ts does, so these tests need
 * nothing from the CLI. `normalizedModel` and `comparableOutputs` take away what may differ between
 * an .iso policy and its JSON form: spans and file names.
 */
import type { OutputFile } from "../../src/api.js";
import { hasErrors, sortDiagnostics, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { parseJsonPolicy } from "../../src/json-form/parse-json-policy.js";
import { compilationRoot } from "../../src/model/compilation-root.js";
import type { LoadedFiles } from "../../src/model/load-files.js";
import { resolveModel } from "../../src/model/resolve.js";
import type { Model } from "../../src/model/types.js";
import { getLocation, type Source } from "../../src/source.js";
import type { PolicyFile } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";
import { repositoryRoot } from "../support/repository.js";
export { repositoryRoot };

export function loadSources(files: Readonly<Record<string, string>>): LoadedFiles {
  const sources: Source[] = Object.entries(files)
    .map(([path, text]) => ({ path, text }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parsed = new Map<string, PolicyFile>();
  const diagnostics: Diagnostic[] = [];
  for (const source of sources) {
    const result = source.path.endsWith(".iso.json") ? parseJsonPolicy(source) : parse(source);
    diagnostics.push(...result.diagnostics);
    if (result.file !== undefined) parsed.set(source.path, result.file);
  }
  return {
    sources,
    files: parsed,
    roots: sources.map((s) => s.path).filter((p) => parsed.has(p)),
    root: compilationRoot(sources.map((s) => s.path)),
    diagnostics,
  };
}

export interface ModelResult {
  readonly model?: Model;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: readonly Source[];
}

/** Parse and resolve, stopping after the parse as compile() does when it finds an error. */
export function modelOf(files: Readonly<Record<string, string>>): ModelResult {
  const loaded = loadSources(files);
  if (hasErrors(loaded.diagnostics)) return { diagnostics: sortDiagnostics(loaded.diagnostics), sources: loaded.sources };
  const { model, diagnostics } = resolveModel(loaded);
  return { model, diagnostics: sortDiagnostics([...loaded.diagnostics, ...diagnostics]), sources: loaded.sources };
}

/** `code@file:line:col` for each diagnostic, the file by its last path segment. */
export function locate(result: { diagnostics: readonly Diagnostic[]; sources: readonly Source[] }): string[] {
  return result.diagnostics.map((d) => {
    if (d.span === undefined) return d.code;
    const source = result.sources.find((s) => s.path === d.span!.file)!;
    const { line, column } = getLocation(source, d.span.start);
    return `${d.code}@${d.span.file.split("/").pop()}:${line}:${column}`;
  });
}

/** The model as plain data without spans, sources and root: what must survive a round trip. */
export function normalizedModel(model: Model): unknown {
  return JSON.parse(
    JSON.stringify({ ...model, sources: undefined, root: undefined }, (key, value: unknown) =>
      key === "span" || key === "spans" || key === "modeSpan" ? undefined : value,
    ),
  );
}

/**
 * Outputs with every mention of a source file taken out: the header's "from FILE" and the "(FILE:LINE)"
 * that comments give for each grant (they say where a grant was declared, which is a different line of
 * a different file in the other form). For the manifest, the inputs (other names and hashes) and the
 * outputs' hashes (over texts that differ in those comments) go too; the outputs' texts are compared.
 */
import { withoutSourceLocations } from "../support/source-locations.js";

export function comparableOutputs(outputs: readonly OutputFile[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const output of outputs) {
    if (output.path === "moat-manifest.json") {
      const manifest = JSON.parse(output.content) as Record<string, unknown>;
      delete manifest["inputs"];
      manifest["outputs"] = (manifest["outputs"] as { path: string }[]).map((o) => o.path);
      result[output.path] = JSON.stringify(manifest, null, 2);
      continue;
    }
    if (output.path === "moat-grants.json") {
      result[output.path] = withoutSourceLocations(output.content);
      continue;
    }
    const [first = "", ...rest] = output.content.split("\n");
    result[output.path] = [
      first.replace(/ from .*?: do not edit/, " from SOURCE: do not edit"),
      ...rest.map((line) => (/^\s*#/.test(line) ? line.replace(/\([^()]+:\d+\)/g, "(SOURCE:LINE)") : line)),
    ].join("\n");
  }
  return result;
}

