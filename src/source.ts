/**
 * A source file of a compilation. `path` is the file's identity: a normalized POSIX path as the caller
 * named it (the CLI passes absolute paths; library users may pass any path). Offsets are UTF-16 indices
 * into `text`; line and column are computed on demand, never stored in nodes.
 */
export interface Source {
  readonly path: string;
  readonly text: string;
  /**
   * Set when the text did not read as policy: it failed to parse before its first token (its first
   * JSON key) fit the grammar, as any file that is not policy does (a key file, an environment, a
   * binary). Diagnostics still give lines and columns in it, but no renderer prints any of its text:
   * a policy under review may name a file it must not show (see docs/security.md).
   */
  readonly hideText?: boolean;
}

/** A half-open range [start, end) of UTF-16 offsets in one source file. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export interface Location {
  readonly line: number; // 1-based
  readonly column: number; // 1-based, in UTF-16 code units
}

const lineStartCache = new WeakMap<Source, number[]>();

function lineStarts(source: Source): number[] {
  let starts = lineStartCache.get(source);
  if (starts === undefined) {
    starts = [0];
    const text = source.text;
    // indexOf scans natively: emit locates a line in every file of a fleet, 4 MB at 50k resources.
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    lineStartCache.set(source, starts);
  }
  return starts;
}

/** Line and column (both 1-based) of an offset; offsets past the end clamp to the end. */
export function getLocation(source: Source, offset: number): Location {
  const starts = lineStarts(source);
  const clamped = Math.max(0, Math.min(offset, source.text.length));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= clamped) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: clamped - starts[lo]! + 1 };
}

/** The text of a 1-based line, without its line terminator. */
export function getLineText(source: Source, line: number): string {
  const starts = lineStarts(source);
  const start = starts[line - 1];
  if (start === undefined) return "";
  const next = starts[line];
  let end = next === undefined ? source.text.length : next - 1;
  if (end > start && source.text.charCodeAt(end - 1) === 13) end--;
  return source.text.slice(start, end);
}

export function span(file: string, start: number, end: number): Span {
  return { file, start, end };
}
