/**
 * Streaming: text arrives in chunks (a log may be gigabytes), lines are cut as they complete, and
 * each is parsed on its own. Nothing holds more than one line. A line longer than `maxLineLength`
 * (the kernel's audit records stay under 9 KiB) is cut there and the rest of it dropped, so binary
 * junk without line breaks cannot fill the memory; the cut line is counted.
 */
import { parseLine } from "./parse-line.js";
import type { ParseResult } from "./record.js";

export interface LineSplitterOptions {
  /** The longest line kept whole, in UTF-16 code units (default 1 MiB). */
  readonly maxLineLength?: number;
}

export const DEFAULT_MAX_LINE_LENGTH = 1 << 20;

/**
 * A copy of `s` that shares no memory with the chunk it was cut from. V8 makes a substring a view of
 * its parent: a record's field, kept in a table of the audit (a path, a profile), would otherwise keep
 * the whole chunk of its line alive (a 256 KiB read block for a 200-byte line), and memory would grow
 * with the log. Concatenating, then slicing, makes V8 copy the characters once.
 */
function flat(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

/** Cuts chunks of text into lines, at `\n` (a `\r` before it is removed). */
export class LineSplitter {
  private readonly max: number;
  private pending = "";
  /** The pending line was already cut at the maximum: the rest of it is being dropped. */
  private dropping = false;
  private cut = 0;

  constructor(options: LineSplitterOptions = {}) {
    this.max = Math.max(1, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  }

  /** How many lines were longer than the maximum (and cut). */
  get overlongLines(): number {
    return this.cut;
  }

  /** The lines `chunk` completes. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf("\n", start);
      if (nl < 0) {
        this.append(chunk, start, chunk.length);
        return lines;
      }
      this.append(chunk, start, nl);
      lines.push(this.take());
      start = nl + 1;
    }
  }

  /** The last line, when the text did not end with a line break. */
  end(): string[] {
    if (this.pending === "" && !this.dropping) return [];
    return [this.take()];
  }

  private append(chunk: string, from: number, to: number): void {
    if (this.dropping || from === to) return;
    const room = this.max - this.pending.length;
    if (to - from > room) {
      this.pending += chunk.slice(from, from + room);
      this.dropping = true;
      this.cut++;
      return;
    }
    this.pending += from === 0 && to === chunk.length ? chunk : chunk.slice(from, to);
  }

  private take(): string {
    let line = this.pending;
    this.pending = "";
    this.dropping = false;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    return flat(line);
  }
}

/** One line's result, with its 1-based line number. */
export interface LineResult {
  readonly line: number;
  readonly result: ParseResult;
}

/** Parses every line of a stream of text chunks (a file read as UTF-8, standard input). */
export async function* parseChunks(chunks: AsyncIterable<string> | Iterable<string>, options: LineSplitterOptions = {}): AsyncGenerator<LineResult> {
  const splitter = new LineSplitter(options);
  let n = 0;
  for await (const chunk of chunks) {
    for (const text of splitter.push(chunk)) yield { line: ++n, result: parseLine(text) };
  }
  for (const text of splitter.end()) yield { line: ++n, result: parseLine(text) };
}

/** Parses every line of a text held in memory (tests, small logs). */
export function parseText(text: string): LineResult[] {
  const splitter = new LineSplitter();
  const lines = [...splitter.push(text), ...splitter.end()];
  return lines.map((line, i) => ({ line: i + 1, result: parseLine(line) }));
}
