/**
 * A short unified diff for `moat check`: line-based, from a longest-common-subsequence table, with
 * three lines of context and a cap on printed lines. Generated files are small (a profile is tens of
 * lines), so the quadratic table is cheap; beyond MAX_CELLS the diff falls back to replacing the
 * differing middle as one hunk, which stays correct, only less minimal.
 */
import { appendAll } from "../append-all.js";

const CONTEXT = 3;
const MAX_CELLS = 4_000_000;

type Edit = { readonly kind: " " | "-" | "+"; readonly text: string };

export interface DiffOptions {
  readonly maxLines?: number;
}

/** The diff of `before` (the folder) to `after` (what compile would write); empty when they are equal. */
export function unifiedDiff(beforeName: string, afterName: string, before: string, after: string, options: DiffOptions = {}): string {
  if (before === after) return "";
  const edits = diffLines(splitLines(before), splitLines(after));
  const hunks = groupHunks(edits);
  const out = [`--- ${beforeName}`, `+++ ${afterName}`];
  for (const h of hunks) appendAll(out, h);
  const max = options.maxLines ?? 60;
  if (out.length > max) {
    const omitted = out.length - max;
    out.length = max;
    out.push(`... ${omitted} more diff line${omitted === 1 ? "" : "s"}`);
  }
  return `${out.join("\n")}\n`;
}

/** Lines without terminators; a missing final newline is shown the way diff(1) shows it. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else lines[lines.length - 1] += "\n\\ No newline at end of file";
  return lines;
}

export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const same = (lines: readonly string[]): Edit[] => lines.map((text) => ({ kind: " ", text }));
  return [...same(a.slice(0, prefix)), ...diffMiddle(midA, midB), ...same(a.slice(a.length - suffix))];
}

function diffMiddle(a: readonly string[], b: readonly string[]): Edit[] {
  const removed = (lines: readonly string[]): Edit[] => lines.map((text) => ({ kind: "-", text }));
  const added = (lines: readonly string[]): Edit[] => lines.map((text) => ({ kind: "+", text }));
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) return [...removed(a), ...added(b)];
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      edits.push({ kind: " ", text: a[i++]! });
      j++;
    } else if (j < b.length && (i === a.length || lcs[i * width + j + 1]! >= lcs[(i + 1) * width + j]!)) {
      edits.push({ kind: "+", text: b[j++]! });
    } else {
      edits.push({ kind: "-", text: a[i++]! });
    }
  }
  // Removals before additions within a run of changes, as diff(1) prints them.
  return reorderRuns(edits);
}

function reorderRuns(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  let run: Edit[] = [];
  const flush = (): void => {
    appendAll(out, run.filter((e) => e.kind === "-"));
    appendAll(out, run.filter((e) => e.kind === "+"));
    run = [];
  };
  for (const e of edits) {
    if (e.kind === " ") {
      flush();
      out.push(e);
    } else run.push(e);
  }
  flush();
  return out;
}

function groupHunks(edits: readonly Edit[]): string[][] {
  const changed = edits.flatMap((e, k) => (e.kind === " " ? [] : [k]));
  const hunks: string[][] = [];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k]! - CONTEXT);
    let end = changed[k]! + CONTEXT + 1;
    while (k + 1 < changed.length && changed[k + 1]! - CONTEXT <= end) end = changed[++k]! + CONTEXT + 1;
    end = Math.min(end, edits.length);
    k++;
    let oldLine = 1;
    let newLine = 1;
    for (const e of edits.slice(0, start)) {
      if (e.kind !== "+") oldLine++;
      if (e.kind !== "-") newLine++;
    }
    const body = edits.slice(start, end);
    const oldCount = body.filter((e) => e.kind !== "+").length;
    const newCount = body.filter((e) => e.kind !== "-").length;
    const range = (line: number, count: number): string => (count === 1 ? `${line}` : `${count === 0 ? line - 1 : line},${count}`);
    hunks.push([`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`, ...body.map((e) => `${e.kind}${e.text}`)]);
  }
  return hunks;
}
