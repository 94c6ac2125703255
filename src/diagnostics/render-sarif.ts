/**
 * `--format sarif`: SARIF 2.1.0, the format GitHub code scanning and other tools read. One run, one
 * rule per diagnostic code (with the docs' help text), one result per diagnostic with its region and
 * the other side of a two-sided problem as a related location. Built on the JSON rendering, so the
 * positions are computed in one place. Paths are the display paths, relative to the working folder,
 * under the %SRCROOT% base: no absolute path of the build machine gets into the log.
 */
import type * as Sarif from "sarif";
import { CODES, type Code } from "./codes.js";
import type { Diagnostic } from "./diagnostic.js";
import { HELP } from "./help.generated.js";
import { toJsonDiagnostics, type JsonPosition } from "./render-json.js";
import type { RenderContext } from "./render-text.js";

const SRCROOT = "%SRCROOT%";

/** Every code, in registry order: the rule index of a result is its code's position here. */
const RULE_IDS = Object.keys(CODES) as Code[];

function rule(code: Code): Sarif.ReportingDescriptor {
  const info = CODES[code];
  const help = HELP[code];
  const text = help === undefined ? info.title : `${help.when} How to fix it: ${help.fix}`;
  return {
    id: code,
    name: info.title.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()),
    shortDescription: { text: info.title },
    ...(help === undefined ? {} : { fullDescription: { text: help.when } }),
    help: { text, markdown: `**${info.title}**\n\n${help?.when ?? ""}\n\n**How to fix it:** ${help?.fix ?? ""}` },
    defaultConfiguration: { level: info.severity },
  };
}

function location(position: JsonPosition, message?: string, id?: number): Sarif.Location | undefined {
  if (position.file === null) return undefined;
  const physical: Sarif.PhysicalLocation = { artifactLocation: { uri: relativeUri(position.file), uriBaseId: SRCROOT } };
  if (position.line !== null && position.column !== null) {
    physical.region = { startLine: position.line, startColumn: position.column };
    if (position.endLine !== null && position.endColumn !== null) {
      physical.region.endLine = position.endLine;
      physical.region.endColumn = position.endColumn;
    }
  }
  return {
    ...(id === undefined ? {} : { id }),
    physicalLocation: physical,
    ...(message === undefined ? {} : { message: { text: message } }),
  };
}

/**
 * A relative path as a URI reference: each segment percent-encoded whole, so that a `#`, `?` or `:` in a
 * file name (anyone may name a file in the output folder) stays part of the path instead of starting a
 * fragment, a query or a scheme.
 */
function relativeUri(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

export function toSarif(diagnostics: readonly Diagnostic[], context: RenderContext, version: string): Sarif.Log {
  const results: Sarif.Result[] = toJsonDiagnostics(diagnostics, context).map((d) => {
    const primary = location(d);
    const related = d.related.flatMap((r, i) => location(r, r.message, i + 1) ?? []);
    const properties: Record<string, string> = {};
    if (d.witness !== undefined) properties["witness"] = d.witness;
    if (d.hint !== undefined) properties["hint"] = d.hint;
    return {
      ruleId: d.code,
      ruleIndex: RULE_IDS.indexOf(d.code as Code),
      level: d.severity,
      message: { text: d.hint === undefined ? d.message : `${d.message} (${d.hint})` },
      ...(primary === undefined ? {} : { locations: [primary] }),
      ...(related.length === 0 ? {} : { relatedLocations: related }),
      ...(Object.keys(properties).length === 0 ? {} : { properties }),
    };
  });
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "moat", version, semanticVersion: version, rules: RULE_IDS.map(rule) } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

export function renderSarif(diagnostics: readonly Diagnostic[], context: RenderContext, version: string): string {
  return `${JSON.stringify(toSarif(diagnostics, context, version), null, 2)}\n`;
}
