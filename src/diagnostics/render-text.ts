/**
 * The one code-frame printer: `file:line:col: severity CODE: message`, the source line with a caret
 * under the span, every related location as a note with its own frame, a hint, and a summary.
 *
 * Policies come from many hands (and, in CI, from pull requests), so nothing from the input reaches the
 * terminal raw: control characters in source lines and messages are made visible, which keeps escape
 * sequences from rewriting the operator's screen. Source-line replacements are one column wide, and tabs
 * are copied into the caret line, so the caret stays under the span whatever the tab width.
 *
 * A frame shows a line only of a file that reads as policy. A policy under review may include or link
 * to any file it can name (a key file, the CI job's environment), and the line a syntax error points at
 * is then a line of that file: a source marked `hideText` (its very first token did not fit the grammar)
 * gets its `file:line:col` and message, never a frame.
 */
import { getLineText, getLocation, type Source, type Span } from "../source.js";
import type { Diagnostic } from "./diagnostic.js";

export interface RenderContext {
  /**
   * The texts of the files the diagnostics point into; a span into an unknown file gets no frame, and
   * one into a source marked `hideText` gets its position but no frame.
   */
  readonly sources: readonly Source[];
  /** How a file appears in the output (the CLI makes paths relative to the working folder). */
  readonly displayPath: (file: string) => string;
  /** Colour the severity, code, carets, notes and hints with ANSI escapes (the CLI decides: a terminal, NO_COLOR, --color). */
  readonly color?: boolean;
}

/** ANSI styles, as gcc and rustc use them; only moat's own words are styled, never text from the input. */
const STYLE = { bold: "1", error: "1;31", warning: "1;35", caret: "1;32", note: "1;36", hint: "1;36" } as const;

function paint(on: boolean | undefined, style: keyof typeof STYLE, text: string): string {
  return on === true ? `\u001b[${STYLE[style]}m${text}\u001b[0m` : text;
}

export interface RenderTextOptions {
  /**
   * Text printed under a diagnostic's block (`moat check` puts a different file's unified diff there).
   * It comes from files anyone may have written, so its control characters are made visible, like a
   * source line's; tabs and line ends stay.
   */
  readonly attachment?: (d: Diagnostic, index: number) => string | undefined;
}

export function renderDiagnosticsText(diagnostics: readonly Diagnostic[], context: RenderContext, options: RenderTextOptions = {}): string {
  if (diagnostics.length === 0) return "";
  const byPath = sourceIndex(context.sources);
  const blocks = diagnostics.map((d, i) => {
    const block = renderOne(d, byPath, context.displayPath, context.color);
    const attached = options.attachment?.(d, i);
    if (attached === undefined || attached === "") return block;
    const text = attached.split("\n").map(visibleSourceLine).join("\n");
    return `${block}${text}${text.endsWith("\n") ? "" : "\n"}`;
  });
  return `${blocks.join("\n")}\n${paint(context.color, "bold", summarize(diagnostics))}\n`;
}

/** "2 errors, 1 warning"; empty when there is nothing. */
export function summarize(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const parts: string[] = [];
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  return parts.join(", ");
}

function renderOne(d: Diagnostic, sources: ReadonlyMap<string, Source>, display: (file: string) => string, color?: boolean): string {
  const severity = paint(color, d.severity === "error" ? "error" : "warning", `${d.severity} ${d.code}`);
  const lines = [`${paint(color, "bold", `${where(d.span, sources, display)}:`)} ${severity}: ${visibleMessage(d.message)}`];
  if (d.span !== undefined) lines.push(...caretInColor(codeFrame(d.span, sources), color));
  for (const r of d.related) {
    lines.push(`  ${where(r.span, sources, display)}: ${paint(color, "note", "note:")} ${visibleMessage(r.message)}`);
    lines.push(...caretInColor(codeFrame(r.span, sources), color).map((l) => `  ${l}`));
  }
  if (d.hint !== undefined) lines.push(`  ${paint(color, "hint", "hint:")} ${visibleMessage(d.hint)}`);
  return `${lines.join("\n")}\n`;
}

/** The frame's second line, its carets coloured (the gutter and the spaces before them stay plain). */
function caretInColor(frame: string[], color: boolean | undefined): string[] {
  if (color !== true || frame.length < 2) return frame;
  return [frame[0]!, frame[1]!.replace(/\^~*$/, (carets) => paint(color, "caret", carets))];
}

/** The location prefix. A file name is anyone's to choose (a newline, an escape sequence): it is made visible like a message. */
function where(span: Span | undefined, sources: ReadonlyMap<string, Source>, display: (file: string) => string): string {
  if (span === undefined) return "moat";
  const file = visibleMessage(display(span.file));
  const source = sources.get(span.file);
  if (source === undefined) return file;
  const { line, column } = getLocation(source, span.start);
  return `${file}:${line}:${column}`;
}

/**
 * Two lines in the style of gcc and rustc:
 *    12 |   volume "/x" rw
 *       |          ^~~~
 * A span that runs past its first line is underlined to that line's end; an empty span gets one caret.
 */
export function codeFrame(span: Span, sources: ReadonlyMap<string, Source>): string[] {
  const source = sources.get(span.file);
  if (source === undefined || source.hideText === true) return [];
  const start = getLocation(source, span.start);
  const end = getLocation(source, Math.max(span.end, span.start));
  const text = getLineText(source, start.line);
  const startIndex = Math.min(start.column - 1, text.length);
  const endIndex = end.line === start.line ? Math.min(end.column - 1, text.length) : text.length;
  const before = [...text.slice(0, startIndex)].map((ch) => (ch === "\t" ? "\t" : " ")).join("");
  const width = Math.max(1, [...text.slice(startIndex, endIndex)].length);
  const gutter = String(start.line);
  const blank = " ".repeat(gutter.length);
  return [`${gutter} | ${visibleSourceLine(text)}`, `${blank} | ${before}^${"~".repeat(width - 1)}`];
}

function sourceIndex(sources: readonly Source[]): Map<string, Source> {
  return new Map(sources.map((s) => [s.path, s]));
}

/**
 * Control characters (except tab) become their one-column Unicode control pictures, and C1 controls and
 * bidirectional overrides (which can make a line read differently from what it is) become U+FFFD.
 */
function visibleSourceLine(text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? "\u2421" : "\ufffd";
  });
}

/** Messages quote input; control characters in them are escaped as \xNN (no alignment to keep). */
export function visibleMessage(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
