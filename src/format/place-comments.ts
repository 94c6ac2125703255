/**
 * Places every comment of a file against the output lines (units.ts), so that none is lost:
 * - a comment that follows the last token of a line on that same source line trails that line;
 * - a comment between the tokens of one line (`volume "x" # c` with `rw` on the next line) goes on
 *   its own line before that line, since the line is joined into one;
 * - any other comment stays on its own line before the next line, or at the end of the file.
 */
import type { Comment } from "../syntax/ast.js";
import type { Unit } from "./units.js";

/** One output line: a unit with its trailing comment, or a comment on its own line. */
export type Entry =
  | { readonly kind: "unit"; readonly unit: Unit; readonly trailing?: string; readonly group: number; readonly start: number; readonly end: number }
  | { readonly kind: "comment"; readonly text: string; readonly depth: number; readonly group: number; readonly start: number; readonly end: number };

/**
 * The output lines in order. `group` is the index of the unit an entry belongs to (own-line comments
 * belong to the unit they precede; comments at the end of the file to units.length). `start`/`end`
 * is the source range used to find the blank lines the author wrote; a comment taken from inside a
 * line is given the empty range at that line's start, so no blank line appears around it.
 */
export function placeComments(units: readonly Unit[], comments: readonly Comment[], text: string): Entry[] {
  const before: Comment[][] = units.map(() => []);
  const inside: Comment[][] = units.map(() => []);
  const trailing: (Comment | undefined)[] = units.map(() => undefined);
  const atEnd: Comment[] = [];

  let next = 0; // the first unit that ends after the current comment starts
  for (const comment of [...comments].sort((a, b) => a.span.start - b.span.start)) {
    while (next < units.length && units[next]!.end <= comment.span.start) next++;
    const following = units[next];
    if (following !== undefined && following.start < comment.span.start) {
      inside[next]!.push(comment);
      continue;
    }
    const previous = units[next - 1];
    if (previous !== undefined && trailing[next - 1] === undefined && !hasLineBreak(text, previous.end, comment.span.start)) {
      trailing[next - 1] = comment;
    } else if (following !== undefined) {
      before[next]!.push(comment);
    } else {
      atEnd.push(comment);
    }
  }

  const entries: Entry[] = [];
  units.forEach((unit, group) => {
    // A comment before a block's closing brace belongs inside the block.
    const depth = unit.role === "tenantClose" || unit.role === "workloadClose" ? unit.depth + 1 : unit.depth;
    for (const c of before[group]!) entries.push({ kind: "comment", text: commentText(c), depth, group, start: c.span.start, end: c.span.end });
    for (const c of inside[group]!) entries.push({ kind: "comment", text: commentText(c), depth, group, start: unit.start, end: unit.start });
    const after = trailing[group];
    if (after === undefined) entries.push({ kind: "unit", unit, group, start: unit.start, end: unit.end });
    else entries.push({ kind: "unit", unit, trailing: commentText(after), group, start: unit.start, end: after.span.end });
  });
  for (const c of atEnd) entries.push({ kind: "comment", text: commentText(c), depth: 0, group: units.length, start: c.span.start, end: c.span.end });
  return entries;
}

/** A comment as written, less trailing blanks (invisible, and editors strip them anyway). */
export function commentText(c: Comment): string {
  return c.text.replace(/[ \t]+$/, "");
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/** How many line breaks (LF, CRLF or a lone CR) lie in text[from, to). */
export function lineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}
