/** Accepting a warning on purpose: `# moat: accept CODE because REASON` on the line before the statement. */
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/format/format-source.js";
import { ACME, project, runMain } from "../cli/helpers.js";
import { compileTexts, located } from "../support/memory.js";

const agent = (before: string, inside = "", after = ""): string =>
  `tenant acme {\n${before}  service agent {\n    exec "/opt/acme/agent"\n    volume "/srv/acme/{,**}" rw\n${inside}    mode complain${after}\n  }\n}\n`;

describe("an accept comment", () => {
  it("takes the warning it names out of the diagnostics, keeping it with its reason", () => {
    const result = compileTexts({ "/p/h.iso": agent("", "    # moat: accept MOAT311 because its denials are still being collected (OPS-12)\n") });
    expect(located(result)).toEqual([]);
    expect(result.accepted?.map((a) => [a.diagnostic.code, a.reason])).toEqual([["MOAT311", "its denials are still being collected (OPS-12)"]]);
  });

  it("above a block covers what the block holds", () => {
    const result = compileTexts({ "/p/h.iso": agent("  # moat: accept MOAT311, MOAT220 because the agent is being rolled out\n") });
    expect(located(result)).toEqual(["MOAT230@/p/h.iso:2:3"]);
    expect(result.diagnostics[0]!.message).toBe("accept MOAT220 matches no MOAT220 warning of the statement it covers");
    expect(result.accepted?.map((a) => a.diagnostic.code)).toEqual(["MOAT311"]);
  });

  it("never covers a warning that also names a place outside its statement (another file's grant)", () => {
    // zeta.iso declares a VM in tenant globex that writes globex's disk: a MOAT303 overlap with the
    // grant in globex.iso. The accept in zeta.iso covers only its own line, so the warning stays.
    const main = 'policy h\ninclude "globex.iso"\ninclude "zeta.iso"\n';
    const globex = 'tenant globex {\n  vm db {\n    uuid "11111111-1111-4111-8111-111111111111"\n    volume "/srv/globex/db.qcow2" rw\n  }\n}\n';
    const zeta = 'tenant globex {\n  vm web2 {\n    uuid "33333333-3333-4333-8333-333333333333"\n    # moat: accept MOAT303 because migration window OPS-1\n    volume "/srv/globex/db.qcow2" rw\n  }\n}\n';
    const result = compileTexts({ "/p/main.iso": main, "/p/globex.iso": globex, "/p/zeta.iso": zeta }, ["/p/main.iso"]);
    expect(located(result).filter((l) => l.startsWith("MOAT303"))).toHaveLength(1);
    expect(located(result)).toContain("MOAT230@/p/zeta.iso:4:5");
    expect(result.accepted ?? []).toEqual([]);
  });

  it("covers only the statement below it", () => {
    const result = compileTexts({ "/p/h.iso": agent("", "    # moat: accept MOAT311 because x\n    abstraction \"base\"\n") });
    expect(located(result)).toEqual(["MOAT230@/p/h.iso:5:5", "MOAT311@/p/h.iso:7:5"]);
  });

  it.each([
    ["# moat: accept MOAT311", "an accept needs a reason: … because REASON"],
    ["# moat: accept MOAT311 because", "an accept needs a reason: … because REASON"],
    ["# moat: accept MOAT301 because it is fine", "MOAT301 is an error: errors are fixed, not accepted"],
    ["# moat: accept MOAT999 because it is fine", "MOAT999 is not a moat diagnostic code"],
    ["# moat: ignore MOAT311 because x", "this moat: comment is not an accept"],
  ])("%j is refused (MOAT229)", (comment, detail) => {
    const result = compileTexts({ "/p/h.iso": agent("", `    ${comment}\n`) });
    expect(located(result)).toEqual(["MOAT229@/p/h.iso:5:5"]);
    expect(result.diagnostics[0]!.message).toBe(detail);
    expect(result.diagnostics[0]!.hint).toBe("an accept reads: # moat: accept MOATnnn because REASON, alone on the line before the statement");
  });

  it("must stand alone on the line before the statement", () => {
    const trailing = compileTexts({ "/p/h.iso": agent("", "", "  # moat: accept MOAT311 because x") });
    expect(trailing.diagnostics.map((d) => [d.code, d.message])).toEqual([["MOAT229", "an accept stands alone on its line, before the statement it is about, not after it"]]);
    const gap = compileTexts({ "/p/h.iso": agent("", "    # moat: accept MOAT311 because x\n\n") });
    expect(gap.diagnostics.map((d) => [d.code, d.message])).toEqual([["MOAT229", "an accept must be followed, on the next line, by the statement, workload or item it is about"]]);
  });

  it("says nothing of unused accepts when an error stopped the compile before the warnings", () => {
    const result = compileTexts({ "/p/h.iso": `${agent("", "    # moat: accept MOAT311 because x\n")}tenant globex {\n  service b {\n    volume "/srv/acme/x" rw\n  }\n}\n` });
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MOAT301"]);
  });
});

describe("in the JSON form", () => {
  const json = (accept: string): string =>
    `{"tenants": [{"name": "acme", "workloads": [{"kind": "service", "name": "a", "mode": "complain", "accept": ${accept}, "resources": [{"kind": "volume", "path": "/srv/acme/{,**}"}]}]}]}`;

  it("an accept field of the object accepts its warnings", () => {
    const result = compileTexts({ "/p/h.iso.json": json('[{"code": "MOAT311", "because": "collecting denials"}]') });
    expect(result.diagnostics).toEqual([]);
    expect(result.accepted?.map((a) => a.reason)).toEqual(["collecting denials"]);
  });

  it("is checked by the schema and refuses an error's code", () => {
    expect(compileTexts({ "/p/h.iso.json": json('[{"code": "MOAT311"}]') }).diagnostics.map((d) => d.code)).toEqual(["MOAT111"]);
    expect(compileTexts({ "/p/h.iso.json": json('[{"code": "MOAT305", "because": "x"}]') }).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["MOAT229", "MOAT305 is an error: errors are fixed, not accepted"],
    ]);
  });
});

describe("moat fmt and moat explain", () => {
  it("fmt keeps an accept on the line before its statement", () => {
    const text = agent("", "      #   moat: accept MOAT311 because   collecting\n").replace("    mode complain", "        mode    complain");
    const formatted = formatSource({ path: "/p/h.iso", text });
    expect("text" in formatted ? formatted.text : formatted).toContain("    #   moat: accept MOAT311 because   collecting\n    mode complain\n");
  });

  it("explain shows the accepted warnings of the workloads a path is open to", async () => {
    const dir = project({ "h.iso": agent("", "    # moat: accept MOAT311 because collecting denials\n") });
    const r = await runMain(dir, ["explain", "--path", "/srv/acme/x"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("\nAccepted warnings about these lines:\n  MOAT311 at h.iso:6, accepted at h.iso:5 because collecting denials\n    service acme/agent is in complain mode: its isolation is logged, not enforced\n");
    const lv = 'tenant acme {\n  service db {\n    # moat: accept MOAT307 because moat install resolves it\n    volume "/dev/vg0/acme-db" rw\n    volume "/srv/acme/{,**}" rw\n  }\n}\n';
    const cited = await runMain(project({ "h.iso": lv }), ["explain", "--path", "/dev/vg0/acme-db"]);
    expect(cited.out).toContain("\nAccepted warnings about these lines:\n  MOAT307 at h.iso:4, accepted at h.iso:3 because moat install resolves it\n");
    const elsewhere = await runMain(project({ "h.iso": lv }), ["explain", "--path", "/srv/acme/x"]);
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.out).not.toContain("Accepted");
  });
});
