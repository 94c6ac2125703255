/**
 * Diagnostics of `moat install` point at the policy line a grant comes from, but install reads no
 * policy source: the grants file carries file, line and column. The renderers locate a span through its
 * Source, so each policy file gets a stand-in Source whose text has the right line and column structure
 * and nothing else, marked hideText: `file:line:col` is printed (text, JSON, SARIF alike), never a frame.
 */
import type { Source, Span } from "../source.js";
import type { GrantLocation } from "../emit/grants-file.js";

export class LocationBook {
  /** Per file, per line, the widest column asked for. */
  private readonly widths = new Map<string, Map<number, number>>();
  private built: { sources: Source[]; starts: Map<string, number[]> } | undefined;

  /** Registers a location; spans come from span() once every location is in. */
  add(at: GrantLocation): void {
    this.built = undefined;
    let lines = this.widths.get(at.file);
    if (lines === undefined) this.widths.set(at.file, (lines = new Map()));
    lines.set(at.line, Math.max(lines.get(at.line) ?? 0, at.column));
  }

  private build(): { sources: Source[]; starts: Map<string, number[]> } {
    if (this.built !== undefined) return this.built;
    const sources: Source[] = [];
    const starts = new Map<string, number[]>();
    for (const [file, lines] of [...this.widths].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const last = Math.max(...lines.keys());
      const lineStarts: number[] = [];
      let text = "";
      for (let line = 1; line <= last; line++) {
        lineStarts[line] = text.length;
        text += " ".repeat(lines.get(line) ?? 0) + "\n";
      }
      starts.set(file, lineStarts);
      sources.push({ path: file, text, hideText: true });
    }
    this.built = { sources, starts };
    return this.built;
  }

  /** The span of a registered location (empty, at its column). */
  span(at: GrantLocation): Span {
    const start = this.build().starts.get(at.file)?.[at.line];
    if (start === undefined) throw new Error(`internal: location ${at.file}:${at.line} was not registered`);
    const offset = start + at.column - 1;
    return { file: at.file, start: offset, end: offset };
  }

  /** The stand-in sources, for the renderers. */
  sources(): readonly Source[] {
    return this.build().sources;
  }
}
