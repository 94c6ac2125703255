import { describe, expect, test } from "vitest";
import type { StringLiteral } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";

/** Parses `protect <literal>` and returns the string node with each part's span as source text. */
function decode(literal: string): { parts: unknown[]; node: StringLiteral } {
  const text = `protect ${literal}`;
  const r = parse({ path: "s.iso", text });
  expect(r.diagnostics).toEqual([]);
  const node = (r.file!.statements[0] as { glob: StringLiteral }).glob;
  expect(text.slice(node.span.start, node.span.end)).toBe(literal);
  const parts = node.parts.map((p) =>
    p.kind === "Text" ? { text: p.text, at: text.slice(p.span.start, p.span.end) } : { name: p.name, at: text.slice(p.span.start, p.span.end) },
  );
  return { parts, node };
}

describe("string literals", () => {
  test("plain text is one Text part spanning the characters between the quotes", () => {
    expect(decode('"/var/lib/x.qcow2"').parts).toEqual([{ text: "/var/lib/x.qcow2", at: "/var/lib/x.qcow2" }]);
  });

  test("an empty string has no parts", () => {
    expect(decode('""').parts).toEqual([]);
  });

  test('\\" decodes to a quote', () => {
    expect(decode('"a\\"b"').parts).toEqual([{ text: 'a"b', at: 'a\\"b' }]);
  });

  test("\\\\ and a backslash before each glob character keep their backslash", () => {
    for (const ch of ["\\", "*", "?", "{", "}", "[", "]", ","]) {
      expect(decode(`"/a\\${ch}b"`).parts).toEqual([{ text: `/a\\${ch}b`, at: `/a\\${ch}b` }]);
    }
  });

  test("text around escapes is merged into one part", () => {
    expect(decode('"\\"x\\*\\\\"').parts).toEqual([{ text: '"x\\*\\\\', at: '\\"x\\*\\\\' }]);
  });

  test("${name} is an Interpolation whose span covers ${name}", () => {
    expect(decode('"${images}/acme/${vm-1}.qcow2"').parts).toEqual([
      { name: "images", at: "${images}" },
      { text: "/acme/", at: "/acme/" },
      { name: "vm-1", at: "${vm-1}" },
      { text: ".qcow2", at: ".qcow2" },
    ]);
    expect(decode('"${a}${b}"').parts).toEqual([{ name: "a", at: "${a}" }, { name: "b", at: "${b}" }]);
  });

  test("a $ not followed by { is a plain character", () => {
    expect(decode('"/a$b/$"').parts).toEqual([{ text: "/a$b/$", at: "/a$b/$" }]);
    expect(decode('"$\\{x}"').parts).toEqual([{ text: "$\\{x}", at: "$\\{x}" }]);
  });

  test("non-ASCII text passes through unchanged", () => {
    expect(decode('"/srv/café/🙂"').parts).toEqual([{ text: "/srv/café/🙂", at: "/srv/café/🙂" }]);
  });
});
