import { describe, expect, it } from "vitest";
import { formatFiles } from "../../src/format/format-files.js";

describe("formatFiles", () => {
  it("returns only the files that change, in input order, with their canonical text", () => {
    const result = formatFiles([
      { path: "a.iso", text: "policy   a\n" },
      { path: "b.iso", text: "policy b\n" },
      { path: "c.iso", text: "tenant t { }" },
    ]);
    expect(result.diagnostics).toEqual([]);
    expect(result.changed).toEqual([
      { path: "a.iso", text: "policy a\n" },
      { path: "c.iso", text: "tenant t {\n}\n" },
    ]);
  });

  it("reports a file that does not parse and leaves it out of the changes", () => {
    const result = formatFiles([
      { path: "bad.iso", text: "tenant {" },
      { path: "ok.iso", text: "policy  ok" },
    ]);
    expect(result.changed).toEqual([{ path: "ok.iso", text: "policy ok\n" }]);
    expect(result.diagnostics.map((d) => [d.code, d.span?.file])).toEqual([["MOAT102", "bad.iso"]]);
  });

  it("treats a CRLF file as changed even when its layout is canonical", () => {
    expect(formatFiles([{ path: "w.iso", text: "policy w\r\n" }]).changed).toEqual([{ path: "w.iso", text: "policy w\n" }]);
  });
});
