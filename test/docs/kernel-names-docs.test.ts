/**
 * The capability and network names a service may use live in one table in the code
 * (src/model/kernel-names.ts); the language reference shows them to operators. This keeps the two in
 * step: every entry with what it gives, in the same order, and nothing the code does not have.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CAPABILITIES, NETWORK_FAMILIES, NETWORK_TYPES } from "../../src/model/kernel-names.js";
import { repositoryRoot } from "../support/repository.js";

const text = readFileSync(join(repositoryRoot(), "docs", "language.md"), "utf8");

/** The table rows under a `#### TITLE` heading: the name (backticks off) and what it gives. */
function rows(title: string): string[][] {
  const start = text.indexOf(`#### ${title}\n`);
  expect(start, title).toBeGreaterThan(0);
  const rest = text.slice(start + title.length + 6);
  const end = rest.search(/^#{2,4} /m);
  return (end < 0 ? rest : rest.slice(0, end))
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => l.slice(1, -1).split(" | ").map((c, i) => (i === 0 ? c.trim().replace(/^`|`$/g, "") : c.trim())));
}

describe("docs/language.md, Capabilities and network rules", () => {
  it("lists Linux's 41 capabilities, in the kernel's order, with what each gives", () => {
    expect(CAPABILITIES).toHaveLength(41);
    expect(CAPABILITIES[0]!.name).toBe("chown");
    expect(CAPABILITIES[40]!.name).toBe("checkpoint_restore");
    expect(rows("Capabilities")).toEqual(CAPABILITIES.map((e) => [e.name, e.reason]));
  });
  it("lists the network families and socket types", () => {
    expect(rows("Network families")).toEqual(NETWORK_FAMILIES.map((e) => [e.name, e.reason]));
    expect(rows("Socket types")).toEqual(NETWORK_TYPES.map((e) => [e.name, e.reason]));
  });
});
