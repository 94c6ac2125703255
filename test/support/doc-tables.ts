/**
 * The tables of docs/language.md that mirror a table in the code, read back for the tests that keep
 * the two in step: the rows under a `#### TITLE` heading, cells trimmed, backticks taken off the first
 * cell, `\|` read as `|`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { repositoryRoot } from "./repository.js";

const text = readFileSync(join(repositoryRoot(), "docs", "language.md"), "utf8");

export function languageTableRows(title: string): string[][] {
  const start = text.indexOf(`#### ${title}\n`);
  expect(start, title).toBeGreaterThan(0);
  const rest = text.slice(start + title.length + 6);
  const end = rest.search(/^#{2,4} /m);
  return (end < 0 ? rest : rest.slice(0, end))
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) =>
      l
        .slice(1, -1)
        .split(/ (?<!\\)\| /)
        .map((c, i) => (i === 0 ? c.trim().replace(/^`|`$/g, "") : c.trim().replace(/\\\|/g, "|"))),
    );
}
