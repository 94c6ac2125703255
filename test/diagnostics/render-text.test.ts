import { describe, expect, it } from "vitest";
import { diagnostic } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnosticsText, summarize } from "../../src/diagnostics/render-text.js";
import { span, type Source } from "../../src/source.js";

const policy: Source = {
  path: "/p/host.iso",
  text: 'policy host\ntenant acme {\n  vm web {\n    volume "/srv/x" rw\n  }\n}\n',
};
const ctx = { sources: [policy], displayPath: (f: string) => f.replace("/p/", "") };

function at(source: Source, needle: string): { start: number; end: number } {
  const start = source.text.indexOf(needle);
  expect(start).toBeGreaterThanOrEqual(0);
  return { start, end: start + needle.length };
}

describe("renderDiagnosticsText", () => {
  it("prints location, code, the source line, a caret under the span and a summary", () => {
    const { start, end } = at(policy, '"/srv/x"');
    const d = diagnostic("MOAT305", span(policy.path, start, end), { what: "volume", path: "/srv/x", how: "it matches every path of /srv/**", reason: "every tenant's data" });
    expect(renderDiagnosticsText([d], ctx)).toBe(
      [
        "host.iso:4:12: error MOAT305: volume /srv/x is over-broad: it matches every path of /srv/** (every tenant's data)",
        '4 |     volume "/srv/x" rw',
        "  |            ^~~~~~~~",
        "",
        "1 error",
        "",
      ].join("\n"),
    );
  });

  it("prints related locations as notes with their own frame, and the hint", () => {
    const other: Source = { path: "/p/b.iso", text: "tenant globex {\n\tvm web {}\n}\n" };
    const a = at(policy, "web");
    const b = at(other, "web");
    const d = diagnostic(
      "MOAT207",
      span(policy.path, a.start, a.end),
      { name: "web", other: "globex" },
      { related: [{ span: span(other.path, b.start, b.end), message: "web is declared here" }], hint: "rename one of them" },
    );
    const text = renderDiagnosticsText([d], { sources: [policy, other], displayPath: ctx.displayPath });
    expect(text.split("\n")).toEqual([
      "host.iso:3:6: error MOAT207: vm name web is already used by tenant globex; libvirt domain names are unique on a host",
      "3 |   vm web {",
      "  |      ^~~",
      "  b.iso:2:5: note: web is declared here",
      "  2 | \tvm web {}",
      "    | \t   ^~~",
      "  hint: rename one of them",
      "",
      "1 error",
      "",
    ]);
  });

  it("keeps the caret under the span when the line has tabs (the tab is copied, not counted)", () => {
    const src: Source = { path: "/p/t.iso", text: '\t\tvolume\t"/x"\n' };
    const { start, end } = at(src, '"/x"');
    const lines = renderDiagnosticsText([diagnostic("MOAT213", span(src.path, start, end), { path: "x" })], { sources: [src], displayPath: (f) => f }).split("\n");
    const sourceLine = lines[1]!.slice(4);
    const caretLine = lines[2]!.slice(4);
    expect(caretLine).toBe("\t\t      \t^~~~");
    // Same prefix shape: each tab in the source has a tab at the same index in the caret line.
    for (let i = 0; i < caretLine.indexOf("^"); i++) expect(caretLine[i] === "\t").toBe(sourceLine[i] === "\t");
  });

  it("clamps a span that runs past its line to that line, and gives an empty span one caret", () => {
    const { start } = at(policy, "tenant");
    const multi = renderDiagnosticsText([diagnostic("MOAT102", span(policy.path, start, policy.text.length), { detail: "x" })], ctx).split("\n");
    expect(multi[2]).toBe(`  | ^${"~".repeat("tenant acme {".length - 1)}`);
    expect(multi[1]).toBe("2 | tenant acme {");
    const empty = renderDiagnosticsText([diagnostic("MOAT102", span(policy.path, start, start), { detail: "x" })], ctx).split("\n");
    expect(empty[2]).toBe("  | ^");
  });

  it("puts a caret after the last character for a span at the end of a line or file", () => {
    const src: Source = { path: "/p/e.iso", text: "tenant a {" };
    const out = renderDiagnosticsText([diagnostic("MOAT102", span(src.path, 10, 10), { detail: "expected }" })], { sources: [src], displayPath: (f) => f });
    expect(out.split("\n").slice(0, 3)).toEqual(["/p/e.iso:1:11: error MOAT102: expected }", "1 | tenant a {", "  |           ^"]);
  });

  it("shows control characters and bidi overrides visibly, one column each, so the caret still lines up", () => {
    const src: Source = { path: "/p/c.iso", text: 'let a = "\u001b[31m\u202e" x\n' };
    const { start, end } = at(src, "x");
    const d = diagnostic("MOAT102", span(src.path, start, end), { detail: "bad \u001b[2J thing" });
    const lines = renderDiagnosticsText([d], { sources: [src], displayPath: (f) => f }).split("\n");
    expect(lines.join("\n")).not.toMatch(/[\u001b\u202e]/);
    expect(lines[0]).toContain("bad \\x1b[2J thing");
    expect(lines[1]!.slice(4).indexOf("x")).toBe(lines[2]!.slice(4).indexOf("^"));
  });

  it("prints a problem without a file under the name moat, and one in an unknown file without a frame", () => {
    const out = renderDiagnosticsText(
      [diagnostic("MOAT405", undefined, { detail: "locked" }), diagnostic("MOAT203", span("/q/missing.iso", 0, 1), { path: "x", reason: "gone" })],
      ctx,
    );
    expect(out.split("\n")).toEqual(["moat: error MOAT405: locked", "", "/q/missing.iso: error MOAT203: cannot read included file x: gone", "", "2 errors", ""]);
  });

  it("counts errors and warnings in the summary, and prints nothing for no diagnostics", () => {
    const w = diagnostic("MOAT220", undefined, { kind: "vm", name: "a" });
    const e = diagnostic("MOAT405", undefined, { detail: "x" });
    expect(summarize([e, e, w])).toBe("2 errors, 1 warning");
    expect(summarize([w, w])).toBe("2 warnings");
    expect(renderDiagnosticsText([], ctx)).toBe("");
  });
});
