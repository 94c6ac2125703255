import { describe, expect, it } from "vitest";
import { diagnostic } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnosticsJson, toJsonDiagnostics } from "../../src/diagnostics/render-json.js";
import { span, type Source } from "../../src/source.js";

const a: Source = { path: "/w/a.iso", text: 'tenant acme {\n  vm web { volume "/srv/a/**" rw }\n}\n' };
const b: Source = { path: "/w/sub/b.iso", text: 'tenant globex {\n  vm ci { volume "/srv/a/x" ro }\n}\n' };
const ctx = { sources: [a, b], displayPath: (f: string) => f.slice(3) };

describe("toJsonDiagnostics", () => {
  it("gives 1-based positions with an exclusive end column, related locations and the witness", () => {
    const sa = a.text.indexOf('"/srv/a/**"');
    const sb = b.text.indexOf('"/srv/a/x"');
    const d = diagnostic(
      "MOAT301",
      span(a.path, sa, sa + 11),
      { kindA: "volume", tenantA: "acme", workloadA: "web", kindB: "volume", tenantB: "globex", workloadB: "ci", witness: "/srv/a/x" },
      { related: [{ span: span(b.path, sb, sb + 10), message: "the other grant" }], witness: "/srv/a/x" },
    );
    expect(toJsonDiagnostics([d], ctx)).toEqual([
      {
        code: "MOAT301",
        severity: "error",
        message: "volume of acme/web overlaps volume of globex/ci: both match /srv/a/x",
        file: "a.iso",
        line: 2,
        column: 19,
        endLine: 2,
        endColumn: 30,
        related: [{ message: "the other grant", file: "sub/b.iso", line: 2, column: 18, endLine: 2, endColumn: 28 }],
        witness: "/srv/a/x",
      },
    ]);
  });

  it("uses null positions for a problem that belongs to no file, and omits absent witness", () => {
    const [j] = toJsonDiagnostics([diagnostic("MOAT405", undefined, { detail: "locked" })], ctx);
    expect(j).toEqual({ code: "MOAT405", severity: "error", message: "locked", file: null, line: null, column: null, endLine: null, endColumn: null, related: [] });
    expect("witness" in j!).toBe(false);
  });

  it("prints one JSON array that parses back to the same data", () => {
    const ds = [diagnostic("MOAT220", span(a.path, 16, 18), { kind: "vm", name: "web" }, { hint: "add a volume" })];
    const text = renderDiagnosticsJson(ds, ctx);
    expect(text.endsWith("]\n")).toBe(true);
    expect(JSON.parse(text)).toEqual(toJsonDiagnostics(ds, ctx));
    expect(JSON.parse(renderDiagnosticsJson([], ctx))).toEqual([]);
  });
});
