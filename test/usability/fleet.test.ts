/** A repository of many hosts: each `policy` file of a folder compiles into OUT/<policy name>/. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileFolder } from "../../src/compile-folder.js";
import { compile } from "../../src/index.js";
import { project, runMain, snapshot } from "../cli/helpers.js";
import { located } from "../support/memory.js";

const ACME = 'tenant acme {\n  vm web01 {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "${images}/acme/web01.qcow2" rw\n  }\n}\n';
const GLOBEX = 'tenant globex {\n  vm ci01 {\n    uuid "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"\n    volume "${images}/globex/ci01.qcow2" rw\n  }\n}\n';
const host = (name: string, ...tenants: string[]): string =>
  `policy ${name}\nlet images = "/var/lib/libvirt/images"\n${tenants.map((t) => `include "../tenants/${t}.iso"\n`).join("")}`;
const FLEET = {
  "hosts/compute-01.iso": host("compute-01", "acme", "globex"),
  "hosts/compute-02.iso": host("compute-02", "acme"),
  "tenants/acme.iso": ACME,
  "tenants/globex.iso": GLOBEX,
};

function inMemory(files: Record<string, string>) {
  return compileFolder({ entries: Object.keys(files).map((f) => `/r/${f}`), root: "/r", readFile: (p) => (p.slice(3) in files ? { text: files[p.slice(3)]! } : { error: "no such file" }) });
}

describe("a folder of several policies", () => {
  it("compiles each root with what it includes", () => {
    const folder = inMemory(FLEET);
    expect(folder.kind).toBe("many");
    if (folder.kind !== "many") return;
    expect(folder.policies.map((p) => [p.name, p.result.model?.tenants.map((t) => t.name)])).toEqual([
      ["compute-01", ["acme", "globex"]],
      ["compute-02", ["acme"]],
    ]);
    expect(folder.result.diagnostics).toEqual([]);
    // Each policy's outputs are those of compiling its file alone.
    const alone = compile({ entries: ["/r/hosts/compute-02.iso"], root: "/r", readFile: (p) => ({ text: FLEET[p.slice(3) as keyof typeof FLEET] }) });
    expect(folder.policies[1]!.result.outputs).toEqual(alone.outputs);
  });

  it("reports a file no policy includes (MOAT228), and two policies of one name (MOAT205)", () => {
    const folder = inMemory({ ...FLEET, "tenants/initech.iso": "tenant initech {\n}\n", "hosts/copy.iso": host("compute-01", "globex") });
    expect(located(folder.result)).toEqual(["MOAT205@/r/hosts/copy.iso:1:8", "MOAT228@/r/tenants/initech.iso:1:1"]);
    expect(folder.result.diagnostics[1]!.message).toBe("this file is included by none of the policies of the folder (compute-01, compute-02), so no host's profiles would hold what it says");
  });

  it("leaves a folder of one policy to compile() exactly", () => {
    const files = { "hosts/compute-01.iso": FLEET["hosts/compute-01.iso"], "tenants/acme.iso": ACME, "tenants/globex.iso": GLOBEX };
    const folder = inMemory(files);
    expect(folder.kind).toBe("one");
    const direct = compile({ entries: Object.keys(files).map((f) => `/r/${f}`), root: "/r", readFile: (p) => ({ text: files[p.slice(3) as keyof typeof files] }) });
    expect(folder.result.outputs).toEqual(direct.outputs);
    expect(folder.result.diagnostics).toEqual(direct.diagnostics);
  });
});

describe("moat compile, check and validate on a fleet's folder", () => {
  it("writes OUT/<policy name>/ for each, each a folder moat install takes, and check agrees", async () => {
    const dir = project(FLEET);
    const r = await runMain(dir, ["compile", ".", "--out", "out"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("moat: out/compute-01: 6 written, 0 unchanged\nmoat: out/compute-02: 4 written, 0 unchanged\n");
    const files = snapshot(path.join(dir, "out"));
    expect(Object.keys(files).filter((f) => f.endsWith("moat-manifest.json") || f.endsWith("moat-grants.json"))).toEqual([
      "compute-01/moat-grants.json",
      "compute-01/moat-manifest.json",
      "compute-02/moat-grants.json",
      "compute-02/moat-manifest.json",
    ]);
    expect(files["compute-02/libvirt/acme.web01.seclabel.xml"]).toBeDefined();
    expect(files["compute-02/libvirt/globex.ci01.seclabel.xml"]).toBeUndefined();
    expect(await runMain(dir, ["check", ".", "--out", "out"])).toEqual({ code: 0, out: "", err: "moat: out/compute-01 is up to date (6 files)\nmoat: out/compute-02 is up to date (4 files)\n" });
    expect((await runMain(dir, ["validate", "."])).err).toBe("moat: 2 policies are valid (compute-01, compute-02): 4 files\n");
    fs.rmSync(path.join(dir, "out/compute-02/libvirt/acme.web01.seclabel.xml"));
    const stale = await runMain(dir, ["check", ".", "--out", "out"]);
    expect(stale.code).toBe(1);
    expect(stale.err).toContain("moat: out/compute-02 is out of date: 1 file differs");
  });

  it("writes nothing when one policy has an error", async () => {
    const dir = project({ ...FLEET, "hosts/compute-02.iso": `${host("compute-02", "acme")}tenant acme {\n  service s {\n    volume "/var/**" rw\n  }\n}\n` });
    const r = await runMain(dir, ["compile", ".", "--out", "out"]);
    expect(r.code).toBe(1);
    expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
  });

  it("asks for one policy where a command answers for one", async () => {
    const r = await runMain(project(FLEET), ["explain", ".", "--path", "/var/lib/libvirt/images/acme/web01.qcow2"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toBe("moat: these files hold 2 policies (compute-01, compute-02); explain works on one: name its file");
  });
});
