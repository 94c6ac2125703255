import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/cli/unified-diff.js";

/** Applies a unified diff to `before`; throws when a context or removed line does not match. */
function applyDiff(before: string, diff: string): string {
  const lines = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let pos = 0;
  const body = diff.split("\n").slice(2);
  for (let i = 0; i < body.length; i++) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(body[i]!);
    if (m === null) continue;
    const oldStart = Number(m[1]) - (m[2] === "0" ? 0 : 1);
    while (pos < oldStart) out.push(lines[pos++]!);
    for (i++; i < body.length && !body[i]!.startsWith("@@") && body[i] !== ""; i++) {
      const kind = body[i]![0];
      const text = body[i]!.slice(1);
      if (kind === "+") out.push(text);
      else {
        if (lines[pos] !== text) throw new Error(`line ${pos + 1}: expected ${JSON.stringify(text)}, found ${JSON.stringify(lines[pos])}`);
        if (kind === " ") out.push(text);
        pos++;
      }
    }
    i--;
  }
  while (pos < lines.length) out.push(lines[pos++]!);
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

describe("unifiedDiff", () => {
  it("prints a hunk with three lines of context, removals before additions", () => {
    const before = "a\nb\nc\nd\ne\nf\ng\nh\n";
    const after = "a\nb\nc\nd\nE\nf\ng\nh\n";
    expect(unifiedDiff("x (in the folder)", "x (from compile)", before, after)).toBe(
      ["--- x (in the folder)", "+++ x (from compile)", "@@ -2,7 +2,7 @@", " b", " c", " d", "-e", "+E", " f", " g", " h", ""].join("\n"),
    );
  });

  it("is empty for equal texts and marks a missing final newline", () => {
    expect(unifiedDiff("a", "b", "x\n", "x\n")).toBe("");
    expect(unifiedDiff("a", "b", "x", "x\n")).toContain("-x\n\\ No newline at end of file\n+x");
  });

  it("shows empty sides with a zero-length range, as diff(1) does", () => {
    expect(unifiedDiff("a", "b", "", "x\ny\n").split("\n")[2]).toBe("@@ -0,0 +1,2 @@");
    expect(unifiedDiff("a", "b", "x\n", "").split("\n")[2]).toBe("@@ -1 +0,0 @@");
  });

  it("caps the printed lines and says how many were left out", () => {
    const before = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n") + "\n";
    const diff = unifiedDiff("a", "b", before, before.replaceAll("line", "LINE"), { maxLines: 10 });
    const lines = diff.trimEnd().split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[10]).toMatch(/^\.\.\. \d+ more diff lines$/);
  });

  it("is a correct patch: applying it to the old text gives the new one", () => {
    const text = fc.array(fc.constantFrom("a", "b", "c", "d", "profile x {", "}"), { maxLength: 30 }).map((l) => (l.length === 0 ? "" : `${l.join("\n")}\n`));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const diff = unifiedDiff("a", "b", before, after, { maxLines: 10_000 });
        expect(diff === "").toBe(before === after);
        if (diff !== "") expect(applyDiff(before, diff)).toBe(after);
      }),
      { numRuns: 500 },
    );
  });
});
