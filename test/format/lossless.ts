/**
 * The formatter's promise, as an assertion: the formatted text parses, holds the same comments and
 * the same string literals (each spelled exactly as before), and the compiler sees the same tree.
 */
import { expect } from "vitest";
import type { Source } from "../../src/source.js";
import type { PolicyFile } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";

export function assertNothingLost(original: Source, formatted: string): void {
  const before = parse(original).file!;
  const after = parse({ path: original.path, text: formatted }).file;
  expect(after, "the formatted text parses").toBeDefined();
  expect(multiset(comments(after!))).toEqual(multiset(comments(before)));
  expect(multiset(strings(after!, formatted))).toEqual(multiset(strings(before, original.text)));
  expect(stripSpans(after!)).toEqual(stripSpans(before));
}

// Trailing blanks of a comment are the only thing the formatter may drop from it.
function comments(file: PolicyFile): string[] {
  return file.comments.map((c) => c.text.replace(/[ \t]+$/, ""));
}

/** Every string literal as written, found by walking the whole tree for String nodes. */
function strings(file: PolicyFile, text: string): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") {
      const node = value as { kind?: string; span?: { start: number; end: number } };
      if (node.kind === "String" && node.span !== undefined) out.push(text.slice(node.span.start, node.span.end));
      else Object.values(node).forEach(walk);
    }
  };
  walk(file.statements);
  return out;
}

function multiset(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The tree without positions or comments: what the later phases see of a file. */
export function stripSpans(file: PolicyFile): unknown {
  return JSON.parse(JSON.stringify(file.statements, (key, value: unknown) => (key === "span" ? undefined : value)));
}
