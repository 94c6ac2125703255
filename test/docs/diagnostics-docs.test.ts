/**
 * docs/diagnostics.md is the operator's reference for every diagnostic code. Codes are stable and
 * documented one entry each, so the registry and the page must not drift: every code
 * has exactly one `## CODE — Title` entry with the registry's title and severity, and no entry names a
 * code the registry does not have.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODES, type Code } from "../../src/diagnostics/codes.js";
import { repositoryRoot } from "../support/repository.js";

const DOC = join(repositoryRoot(), "docs", "diagnostics.md");


const text = readFileSync(DOC, "utf8");
const codes = Object.keys(CODES) as Code[];

interface Entry {
  readonly code: string;
  readonly title: string;
  readonly body: string;
}

/** Level-2 headings that name a code, with the text up to the next level-2 heading. */
function entries(markdown: string): Entry[] {
  const sections = markdown.split(/^(?=## )/m).filter((s) => s.startsWith("## "));
  return sections.flatMap((section): Entry[] => {
    const heading = section.slice(3, section.indexOf("\n")).trim();
    const m = /^(MOAT\d+)\b(?:\s+—\s+(.*))?$/.exec(heading);
    if (m === null) return [];
    return [{ code: m[1]!, title: (m[2] ?? "").trim(), body: section }];
  });
}

const found = entries(text);

describe("docs/diagnostics.md", () => {
  it("has exactly one entry per registered code", () => {
    const counts = new Map<string, number>();
    for (const e of found) counts.set(e.code, (counts.get(e.code) ?? 0) + 1);
    expect(codes.filter((c) => counts.get(c) !== 1)).toEqual([]);
  });

  it("documents no code the registry does not know", () => {
    expect(found.map((e) => e.code).filter((c) => !(c in CODES))).toEqual([]);
    // A heading that looks like a code but is malformed (MOAT30, MOAT3011) would escape the check above.
    const codeLike = text.match(/^##\s+MOAT\S*/gm) ?? [];
    expect(codeLike.filter((h) => !/^## MOAT\d{3}$/.test(h.trim()))).toEqual([]);
  });

  it("titles each entry `CODE — Title` with the registry's title", () => {
    for (const e of found) {
      if (!(e.code in CODES)) continue;
      expect(e.title, e.code).toBe(CODES[e.code as Code].title);
    }
  });

  it("states each code's severity, when it is reported and how to fix it", () => {
    for (const e of found) {
      if (!(e.code in CODES)) continue;
      expect(e.body, e.code).toContain(`**Severity:** ${CODES[e.code as Code].severity}\n`);
      expect(e.body, e.code).toContain("**Reported when:**");
      expect(e.body, e.code).toContain("**How to fix it:**");
    }
  });

  it("shows each example diagnostic with its own code and severity", () => {
    for (const e of found) {
      if (!(e.code in CODES)) continue;
      const printed = e.body.match(/^\S.*: (error|warning) (MOAT\d{3}): /gm) ?? [];
      expect(printed.length, `${e.code} has no example diagnostic`).toBeGreaterThan(0);
      expect(printed.some((line) => line.includes(`${CODES[e.code as Code].severity} ${e.code}: `)), e.code).toBe(true);
    }
  });
});
