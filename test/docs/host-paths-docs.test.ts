/**
 * The lists of host paths moat guards live in one table in the code (src/model/builtin.ts); the
 * language reference shows them to operators. This keeps the two in step: every entry, with its
 * reason (and its test, for over-broad ones), in the same order, and nothing the code does not have.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HOST_CRITICAL_PATHS, HOST_READ_ONLY_TREES, OVER_BROAD, OVER_BROAD_ABSTRACT, PROTECTED_PATHS } from "../../src/model/builtin.js";
import { repositoryRoot } from "../support/repository.js";

const text = readFileSync(join(repositoryRoot(), "docs", "language.md"), "utf8");

/** The table rows under a `#### TITLE` heading, cells trimmed, backticks taken off the first cell. */
function rows(title: string): string[][] {
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

describe("docs/language.md, Host paths moat guards", () => {
  it("lists the protected paths with their reasons", () => {
    expect(rows("Protected paths")).toEqual(PROTECTED_PATHS.map((e) => [e.glob, e.reason]));
  });
  it("lists the host-critical paths with their reasons", () => {
    expect(rows("Host-critical paths")).toEqual(HOST_CRITICAL_PATHS.map((e) => [e.glob, e.reason]));
  });
  it("lists the read-only host trees with their reasons", () => {
    expect(rows("Read-only host trees")).toEqual(HOST_READ_ONLY_TREES.map((e) => [e.glob, e.reason]));
  });
  it("lists the over-broad entries with their tests and reasons", () => {
    expect(rows("Over-broad grants")).toEqual(OVER_BROAD.map((e) => [e.glob, e.test, e.reason]));
    expect(rows("Abstract socket names")).toEqual(OVER_BROAD_ABSTRACT.map((e) => [e.glob, e.test, e.reason]));
  });
});
