/** compile and validate through main(): SARIF, --emit-model, the JSON form in folders, lenient decoding, --timings. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";
import { ACME, CLASH, snapshot, project, runMain } from "./helpers.js";

// A device under /dev/mapper: a warning (MOAT307), not an error.
const WARNED = `tenant globex {
  vm ci01 {
    uuid "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"
    volume "/dev/mapper/vg0-ci01" rw
  }
}
`;

const run = runMain;


interface SarifLog {
  version: string;
  runs: { tool: { driver: { name: string; version: string } }; results: { ruleId: string; level: string; locations?: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
}

describe("--format sarif", () => {
  it("compile and validate print SARIF 2.1.0 on stdout; exit codes are unchanged", async () => {
    const bad = project({ "p/acme.iso": ACME, "p/globex.iso": CLASH });
    for (const command of ["compile", "validate"]) {
      const r = await run(bad, [command, "--format", "sarif"]);
      expect(r.code).toBe(1);
      expect(r.err).toBe("");
      const log = JSON.parse(r.out) as SarifLog;
      expect(log.version).toBe("2.1.0");
      expect(log.runs[0]!.tool.driver).toMatchObject({ name: "moat", version: VERSION });
      const overlap = log.runs[0]!.results.find((x) => x.ruleId === "MOAT301")!;
      expect(overlap.level).toBe("error");
      expect(overlap.locations![0]!.physicalLocation.artifactLocation.uri).toMatch(/^p\/(acme|globex)\.iso$/);
    }
    expect(fs.existsSync(path.join(bad, "generated"))).toBe(false);

    const good = project({ "acme.iso": ACME });
    const ok = await run(good, ["compile", "--format", "sarif"]);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as SarifLog).runs[0]!.results).toEqual([]);
    expect(ok.err).toMatch(/^moat: generated: \d+ written/);
    expect(Object.keys(snapshot(path.join(good, "generated")))).toContain("moat-manifest.json");
  });
});

describe("--emit-model and the JSON form", () => {
  it("prints the model as JSON on stdout, writes no files, and the JSON compiles back to the same model", async () => {
    const dir = project({ "acme.iso": ACME });
    const r = await run(dir, ["compile", "--emit-model"]);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(r.out)).toMatchObject({ policy: "test", tenants: [{ name: "acme", workloads: [{ kind: "vm", name: "web01" }] }] });
    expect(snapshot(dir)).toEqual({ "acme.iso": ACME });
    expect(await run(dir, ["validate", "--emit-model"])).toEqual(r);

    // A folder picks up *.iso.json: the emitted model, compiled from there, prints itself again.
    const json = project({ "policy/acme.iso.json": r.out });
    expect(await run(json, ["validate", "--emit-model", "policy"])).toEqual(r);
    const compiled = await run(json, ["compile", "policy"]);
    expect(compiled.code).toBe(0);
    expect(Object.keys(snapshot(path.join(json, "generated")))).toContain("libvirt/acme.web01.seclabel.xml");
  });

  it("prints nothing on stdout when the policy has errors; warnings go to stderr and the model is printed", async () => {
    const bad = await run(project({ "a.iso": ACME, "b.iso": CLASH }), ["compile", "--emit-model"]);
    expect(bad).toMatchObject({ code: 1, out: "" });
    expect(bad.err).toContain("error MOAT301");
    const warned = await run(project({ "a.iso": WARNED }), ["validate", "--emit-model"]);
    expect(warned.code).toBe(0);
    expect(warned.err).toContain("warning MOAT307");
    expect(JSON.parse(warned.out)).toMatchObject({ tenants: [{ name: "globex" }] });
  });
});

describe("source decoding", () => {
  it("a byte that is not UTF-8 is reported as MOAT107 at its line and column (not as an unreadable file)", async () => {
    const latin1 = Buffer.from(ACME.replace("acme/web01.qcow2", "acme/caf\u00e9.qcow2"), "latin1");
    const r = await run(project({ "acme.iso": latin1 }), ["validate"]);
    expect(r.code).toBe(1);
    const line = ACME.split("\n").findIndex((l) => l.includes("web01.qcow2")) + 1;
    const column = ACME.split("\n")[line - 1]!.indexOf("web01.qcow2") + 4;
    expect(r.err).toMatch(new RegExp(`^acme\\.iso:${line}:${column}: error MOAT107: found U\\+FFFD`));
    expect(r.err).not.toContain("MOAT203");
  });

  it("a stray byte in a comment is harmless, and a byte order mark is dropped", async () => {
    const latin1 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`# caf\u00e9\n${ACME}`, "latin1")]);
    expect(await run(project({ "acme.iso": latin1 }), ["validate"])).toEqual({ code: 0, out: "", err: "moat: policy test is valid: 1 file, 1 tenant, 1 workload\n" });
  });
});

describe("--timings", () => {
  it("prints every phase, the write phase, the total, the input size and the throughput on stderr", async () => {
    const dir = project({ "acme.iso": ACME });
    const r = await run(dir, ["compile", "--timings"]);
    expect(r.code).toBe(0);
    const table = r.err.slice(r.err.indexOf("moat: timings\n"));
    const rows = table.split("\n").slice(2, 8).map((l) => l.trim().split(/\s+/));
    expect(rows.map((row) => row[0])).toEqual(["parse", "model", "check", "emit", "write", "total"]);
    for (const row of rows) expect(row[1]).toMatch(/^\d+\.\d\d$/);
    const total = rows.slice(0, 5).reduce((sum, row) => sum + Number(row[1]), 0);
    expect(Number(rows[5]![1])).toBeCloseTo(total, 1);
    expect(table).toContain(`  input: 1 file, ${Buffer.byteLength(ACME)} bytes, `);
    expect(table).toMatch(/ (B|kB|MB)\/s over parse to emit\n$/);
  });

  it("on a failed compile shows the phases that ran and no write phase", async () => {
    const r = await run(project({ "a.iso": ACME, "b.iso": CLASH }), ["compile", "--timings"]);
    expect(r.code).toBe(1);
    const table = r.err.slice(r.err.indexOf("moat: timings\n"));
    expect(table.split("\n").slice(2, 6).map((l) => l.trim().split(/\s+/)[0])).toEqual(["parse", "model", "check", "total"]);
    expect(table).toContain("input: 2 files,");
  });
});
