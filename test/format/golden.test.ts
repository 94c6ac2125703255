/**
 * Golden cases: a messy file in golden/NAME.input.iso must format to golden/NAME.expected.iso, and
 * the expected file must already be canonical. Further cases are inline where the input needs bytes
 * an editor would normalize (CRLF, a lone CR, a byte order mark).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/format/format-source.js";
import { repoRoot } from "./example-files.js";
import { assertNothingLost } from "./lossless.js";

const here = join(repoRoot, "test", "format", "golden");
const names = readdirSync(here)
  .filter((f) => f.endsWith(".input.iso"))
  .map((f) => f.slice(0, -".input.iso".length))
  .sort();

function format(text: string, path = "golden.iso"): string {
  const result = formatSource({ path, text });
  expect(result.diagnostics).toEqual([]);
  assertNothingLost({ path, text }, result.text!);
  return result.text!;
}

describe("golden cases", () => {
  it("has cases", () => {
    expect(names.length).toBeGreaterThanOrEqual(4);
  });
  for (const name of names) {
    it(name, () => {
      const input = readFileSync(join(here, `${name}.input.iso`), "utf8");
      const expected = readFileSync(join(here, `${name}.expected.iso`), "utf8");
      expect(format(input)).toBe(expected);
      expect(format(expected)).toBe(expected);
    });
  }
});

describe("line endings and stray bytes", () => {
  const lf = 'policy p  # c\n\nlet a = "/a"\n\ntenant t {\n  service s {\n    exec "/e"\n  }\n}\n';

  it("turns CRLF into LF", () => {
    expect(format(lf.replace(/\n/g, "\r\n"))).toBe(lf);
  });

  it("treats a lone CR as a line break", () => {
    expect(format(lf.replace(/\n/g, "\r"))).toBe(lf);
  });

  it("drops a byte order mark and adds the final newline", () => {
    expect(format("\uFEFF" + lf.trimEnd())).toBe(lf);
  });

  it("formats an empty file to an empty file, and a comment-only file to its comments", () => {
    expect(format("")).toBe("");
    expect(format(" \n\n\t\n")).toBe("");
    expect(format("  # only\r\n\r\n\r\n#   comments   \n")).toBe("# only\n\n#   comments\n");
  });
});

describe("files that do not parse", () => {
  it("returns the parse diagnostics and no text", () => {
    const result = formatSource({ path: "bad.iso", text: 'tenant t {\n  vm v {\n    volume "/x" rx\n' });
    expect(result.text).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MOAT102"]);
  });

  it("reports an invalid escape rather than rewriting the string", () => {
    const result = formatSource({ path: "bad.iso", text: 'protect "/a\\n"\n' });
    expect(result.text).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MOAT104"]);
  });
});
