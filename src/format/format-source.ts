/**
 * `moat fmt` as a pure function: one canonical layout for a .iso file.
 *
 * Two-space indentation, one statement or item per line, item values aligned per workload
 * (units.ts); comments kept where they were (place-comments.ts); blank lines: one around each tenant
 * block and between workloads, none after `{` or before `}`, and elsewhere at most one where the
 * author left one. Strings are copied from the source as written, never re-escaped. Output is LF,
 * ends with a newline, and formatting it again changes nothing.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../source.js";
import type { PolicyFile } from "../syntax/ast.js";
import { parse } from "../syntax/parse.js";
import { commentText, lineBreaks, placeComments, type Entry } from "./place-comments.js";
import { buildUnits, type Unit } from "./units.js";

export interface FormatResult {
  /** The formatted text; absent when the file does not parse (the diagnostics say why). */
  readonly text?: string;
  readonly diagnostics: Diagnostic[];
  /** Set when the text does not read as policy (parse.ts): no renderer may show any of it. */
  readonly hideText?: boolean;
}

const INDENT = "  ";

export function formatSource(source: Source): FormatResult {
  const parsed = parse(source);
  if (parsed.file === undefined) return parsed.recognized ? { diagnostics: parsed.diagnostics } : { diagnostics: parsed.diagnostics, hideText: true };
  try {
    const text = layout(parsed.file, source.text);
    // The formatter must never damage a file: check that the result parses and holds the same
    // comments and strings. A failure here is a bug in moat, reported instead of written.
    const problem = lostContent(parsed.file, source.text, { path: source.path, text });
    if (problem !== undefined) return { diagnostics: [diagnostic("MOAT900", undefined, { detail: `fmt: ${problem} in ${source.path}` })] };
    return { text, diagnostics: [] };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { diagnostics: [diagnostic("MOAT900", undefined, { detail: `fmt: ${detail}` })] };
  }
}

function layout(file: PolicyFile, text: string): string {
  const units = buildUnits(file, text);
  const entries = placeComments(units, file.comments, text);
  const lines: string[] = [];
  entries.forEach((entry, i) => {
    if (blankLineBefore(entries[i - 1], entry, units, text)) lines.push("");
    if (entry.kind === "comment") {
      lines.push(INDENT.repeat(entry.depth) + entry.text);
    } else {
      const trailing = entry.trailing === undefined ? "" : `  ${entry.trailing}`;
      lines.push(INDENT.repeat(entry.unit.depth) + entry.unit.text + trailing);
    }
  });
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

function blankLineBefore(previous: Entry | undefined, entry: Entry, units: readonly Unit[], text: string): boolean {
  if (previous === undefined) return false;
  if (previous.kind === "unit" && isOpen(previous.unit)) return false;
  if (entry.kind === "unit" && isClose(entry.unit)) return false;
  if (previous.group !== entry.group) {
    // The first line of a unit's group: its leading comments, or the unit itself.
    if (previous.kind === "unit" && previous.unit.role === "tenantClose") return true;
    const head = units[entry.group];
    if (head?.role === "tenantOpen") return true;
    if (head?.role === "workloadOpen" && previous.kind === "unit" && previous.unit.role === "workloadClose") return true;
  }
  return lineBreaks(text, previous.end, entry.start) >= 2;
}

function isOpen(unit: Unit): boolean {
  return unit.role === "tenantOpen" || unit.role === "workloadOpen";
}

function isClose(unit: Unit): boolean {
  return unit.role === "tenantClose" || unit.role === "workloadClose";
}

/** Why the formatted text is not a faithful copy of the original, or undefined when it is. */
function lostContent(original: PolicyFile, originalText: string, formatted: Source): string | undefined {
  const reparsed = parse(formatted);
  if (reparsed.file === undefined) return "the formatted text does not parse";
  const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(commentTexts(original), commentTexts(reparsed.file))) return "comments changed";
  if (!same(stringTexts(original, originalText), stringTexts(reparsed.file, formatted.text))) return "strings changed";
  if (withoutSpans(original) !== withoutSpans(reparsed.file)) return "the syntax tree changed";
  return undefined;
}

export function commentTexts(file: PolicyFile): string[] {
  return file.comments.map(commentText).sort();
}

/** Every string literal of a file as written (quotes included), sorted. */
export function stringTexts(file: PolicyFile, text: string): string[] {
  const out: string[] = [];
  const add = (span: { start: number; end: number }): void => void out.push(text.slice(span.start, span.end));
  for (const s of file.statements) {
    switch (s.kind) {
      case "Let":
        add(s.value.span);
        break;
      case "Include":
        add(s.path.span);
        break;
      case "Protect":
      case "Shared":
        add(s.glob.span);
        break;
      case "Tenant":
        for (const item of [...(s.items ?? []), ...s.workloads.flatMap((w) => w.items)]) {
          if (item.kind === "Uuid" || item.kind === "Lxc" || item.kind === "Project") add(item.value.span);
          else if (item.kind === "Abstraction") add(item.name.span);
          else if (item.kind === "HostDevice") for (const str of [item.address, item.vendor, item.product]) str === undefined || add(str.span);
          else if (item.kind !== "Mode" && item.kind !== "Capability" && item.kind !== "Network" && item.kind !== "Memory") add(item.path.span);
        }
        break;
      case "Nova":
        for (const setting of s.settings) if (setting.kind === "Instances") add(setting.path.span);
        break;
      case "Policy":
        break;
    }
  }
  return out.sort();
}

/** The syntax tree as JSON without positions or comments: what the compiler sees of a file. */
export function withoutSpans(file: PolicyFile): string {
  return JSON.stringify(file.statements, (key, value: unknown) => (key === "span" ? undefined : value));
}
