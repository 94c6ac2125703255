/** End to end through main(): small policies in temp folders, the real compiler, the real file system. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ACME, CLASH, faultyFs, snapshot, tempDir, writeTree, runMain } from "./helpers.js";

const GLOBEX = `tenant globex {
  vm ci01 {
    uuid "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"
    volume "/var/lib/libvirt/images/globex/ci01.qcow2" rw
  }
}
`;

const run = runMain;

function project(files: Record<string, string> = { "acme.iso": ACME, "globex.iso": GLOBEX }): string {
  const dir = tempDir();
  writeTree(dir, files);
  return dir;
}

const outputsOf = (dir: string): Record<string, string> => snapshot(path.join(dir, "generated"));

describe("moat compile", () => {
  it("writes profiles, seclabels and the manifest into generated/ and exits 0", async () => {
    const dir = project();
    const r = await run(dir, ["compile"]);
    expect(r.err).toMatch(/^moat: generated: \d+ written, 0 unchanged\n$/);
    expect(r).toMatchObject({ code: 0, out: "" });
    const files = Object.keys(outputsOf(dir));
    expect(files).toContain("apparmor.d/libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f");
    expect(files).toContain("libvirt/globex.ci01.seclabel.xml");
    const manifest = JSON.parse(outputsOf(dir)["moat-manifest.json"]!) as { outputs: { path: string }[] };
    expect(manifest.outputs.map((o) => o.path)).toContain("libvirt/acme.web01.seclabel.xml");
    // A second run changes nothing.
    expect((await run(dir, ["compile"])).err).toMatch(/: 0 written, \d+ unchanged/);
  });

  it("gives the same bytes whether named by folder or by files, in any order, from any working folder", async () => {
    const dir = project({ "pol/acme.iso": ACME, "pol/globex.iso": GLOBEX });
    expect((await run(dir, ["compile", "pol", "--out", "a"])).code).toBe(0);
    expect((await run(path.join(dir, "pol"), ["compile", "globex.iso", "acme.iso", "--out", "../b"])).code).toBe(0);
    expect(snapshot(path.join(dir, "a"))).toEqual(snapshot(path.join(dir, "b")));
  });

  it("on a policy error exits 1, shows the diagnostic with its code frame, and writes nothing (not even the folder)", async () => {
    const dir = project({ "acme.iso": ACME, "globex.iso": CLASH });
    const r = await run(dir, ["compile", "--out", "gen/out"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^(acme|globex)\.iso:\d+:\d+: error MOAT30[12]: /m);
    expect(r.err).toMatch(/\n\d+ \| .*volume "\/var\/lib\/libvirt\/images\/.*\n +\| +\^~+/);
    expect(r.err).toMatch(/\n\d+ errors?\n$/);
    expect(fs.existsSync(path.join(dir, "gen"))).toBe(false);
  });

  it("--format json prints the diagnostics as a JSON array on stdout, with files relative to the working folder", async () => {
    const dir = project({ "p/acme.iso": ACME, "p/globex.iso": CLASH });
    const r = await run(dir, ["compile", "--format", "json"]);
    expect(r.code).toBe(1);
    const diagnostics = JSON.parse(r.out) as Record<string, unknown>[];
    expect(diagnostics.length).toBeGreaterThan(0);
    const overlap = diagnostics.find((d) => d.code === "MOAT301")!;
    expect(overlap).toMatchObject({ severity: "error", file: expect.stringMatching(/^p\/(acme|globex)\.iso$/), line: expect.any(Number), column: expect.any(Number) });
    expect(Object.keys(overlap).sort()).toEqual(expect.arrayContaining(["code", "column", "endColumn", "endLine", "file", "line", "message", "related", "severity"]));
    expect(overlap.witness).toBe("/var/lib/libvirt/images/acme/web01.qcow2");
    expect((overlap.related as Record<string, unknown>[])[0]).toMatchObject({ file: expect.stringMatching(/^p\//), line: expect.any(Number) });
    // A clean compile prints an empty array.
    const ok = await run(project(), ["compile", "--format", "json"]);
    expect(ok).toMatchObject({ code: 0, out: "[]\n" });
  });

  it("a syntax error exits 1 with its location", async () => {
    const dir = project({ "bad.iso": "tenant acme {\n  vm web01 {\n" });
    const r = await run(dir, ["compile"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^bad\.iso:\d+:\d+: error MOAT1\d\d: /);
  });

  it("a named file that does not exist, or no .iso at all, is exit 2 with a clear message", async () => {
    const dir = project();
    const missing = await run(dir, ["compile", "nope.iso"]);
    expect(missing).toMatchObject({ code: 2, err: "moat: error MOAT404: cannot read nope.iso: no such file or folder\n\n1 error\n" });
    const empty = await run(tempDir(), ["validate"]);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("error MOAT218: no .iso or .iso.json files found in .");
  });

  it("refuses to overwrite a hand-edited output (MOAT402, exit 1) until --force, which says what it replaced", async () => {
    const dir = project();
    await run(dir, ["compile"]);
    const seclabel = path.join(dir, "generated/libvirt/acme.web01.seclabel.xml");
    fs.appendFileSync(seclabel, "<!-- mine -->\n");
    writeTree(dir, { "acme.iso": ACME.replace("acme/web01.qcow2", "acme/web01-v2.qcow2") });
    const before = outputsOf(dir);
    const refused = await run(dir, ["compile"]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("moat: error MOAT402: generated/libvirt/acme.web01.seclabel.xml was changed since moat wrote it; refusing to overwrite or delete it");
    expect(refused.err).toContain("hint: move the file elsewhere, or run again with --force");
    expect(outputsOf(dir)).toEqual(before);
    const forced = await run(dir, ["compile", "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.err).toContain("moat: --force: replaced generated/libvirt/acme.web01.seclabel.xml, which was edited by hand since moat wrote it");
    expect(fs.readFileSync(seclabel, "utf8")).not.toContain("mine");
  });

  it("refuses a file it did not write (MOAT401), deletes its own stale outputs, keeps an edited stale one", async () => {
    const dir = project();
    writeTree(dir, { "generated/libvirt/acme.web01.seclabel.xml": "<foreign/>\n" });
    const foreign = await run(dir, ["compile"]);
    expect(foreign.code).toBe(1);
    expect(foreign.err).toContain("error MOAT401: generated/libvirt/acme.web01.seclabel.xml exists but moat did not write it");
    fs.rmSync(path.join(dir, "generated/libvirt/acme.web01.seclabel.xml"));
    expect((await run(dir, ["compile"])).code).toBe(0);

    fs.rmSync(path.join(dir, "globex.iso"));
    const pruned = await run(dir, ["compile"]);
    expect(pruned.code).toBe(0);
    expect(pruned.err).toMatch(/stale deleted/);
    expect(Object.keys(outputsOf(dir)).some((p) => p.includes("globex"))).toBe(false);

    writeTree(dir, { "globex.iso": GLOBEX });
    await run(dir, ["compile"]);
    fs.appendFileSync(path.join(dir, "generated/libvirt/globex.ci01.seclabel.xml"), "<!-- edited -->\n");
    fs.rmSync(path.join(dir, "globex.iso"));
    const kept = await run(dir, ["compile"]);
    expect(kept.code).toBe(1);
    expect(kept.err).toContain("error MOAT402: generated/libvirt/globex.ci01.seclabel.xml was changed since moat wrote it");
    expect(fs.readFileSync(path.join(dir, "generated/libvirt/globex.ci01.seclabel.xml"), "utf8")).toContain("edited");
  });

  it("a second compile while another holds the lock fails with MOAT405 and exit 2, naming the process", async () => {
    const dir = project();
    await run(dir, ["compile"]);
    writeTree(dir, { "generated/.moat.lock": `${process.ppid}\n` });
    const r = await run(dir, ["compile"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error MOAT405: generated is being written by another moat (process ${process.ppid}); wait for it to finish, or delete generated/.moat.lock if no moat is running`);
  });

  it("an I/O error is exit 2 with a clear message, and the folder is as it was", async () => {
    const dir = project();
    writeTree(dir, { "a-file": "x" });
    const blocked = await run(dir, ["compile", "--out", "a-file/generated"]);
    expect(blocked.code).toBe(2);
    expect(blocked.err).toContain("error MOAT404: cannot create output folder a-file/generated: a path component is not a folder");

    await run(dir, ["compile"]);
    writeTree(dir, { "acme.iso": ACME.replace("web01.qcow2", "web01-new.qcow2") });
    const before = outputsOf(dir);
    const r = await run(dir, ["compile"], { outputFs: faultyFs("rename", 2, { code: "EROFS" }) });
    expect(r.code).toBe(2);
    expect(r.err).toContain("error MOAT404: cannot update generated: read-only file system; nothing was changed");
    expect(outputsOf(dir)).toEqual(before);
  });
});

describe("moat validate", () => {
  it("reports without writing anything: exit 0 when clean, 1 on errors", async () => {
    const dir = project();
    expect(await run(dir, ["validate"])).toEqual({ code: 0, out: "", err: "moat: policy test is valid: 2 files, 2 tenants, 2 workloads\n" });
    expect(fs.existsSync(path.join(dir, "generated"))).toBe(false);
    const bad = await run(project({ "a.iso": ACME, "b.iso": CLASH }), ["validate", "--format", "json"]);
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.out) as { code: string }[]).map((d) => d.code)).toContain("MOAT301");
  });
});

describe("moat check", () => {
  it("exits 0 when the folder is exactly what compile writes, and 1 listing missing, different and stale files", async () => {
    const dir = project();
    const never = await run(dir, ["check"]);
    expect(never.code).toBe(1);
    expect(never.out).toContain("generated/moat-manifest.json: error MOAT403: missing: compile would write this file\n");

    await run(dir, ["compile"]);
    expect(await run(dir, ["check"])).toMatchObject({ code: 0, out: "" });

    const seclabel = "generated/libvirt/acme.web01.seclabel.xml";
    fs.writeFileSync(path.join(dir, seclabel), fs.readFileSync(path.join(dir, seclabel), "utf8").replace("<label>", "<label>x"));
    fs.rmSync(path.join(dir, "generated/libvirt/globex.ci01.seclabel.xml"));
    const r = await run(dir, ["check"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${seclabel}: error MOAT403: different from what compile would write\n  hint: run moat compile, and commit the result with the policy change\n--- ${seclabel} (in the folder)\n+++ ${seclabel} (from compile)\n@@ `);
    expect(r.out).toMatch(/\n-.*<label>x/);
    expect(r.out).toContain("generated/libvirt/globex.ci01.seclabel.xml: error MOAT403: missing: compile would write this file\n");
    expect(r.err).toMatch(/generated is out of date: 2 files differ/);

    await run(dir, ["compile", "--force"]);
    fs.rmSync(path.join(dir, "globex.iso"));
    const stale = await run(dir, ["check"]);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain("generated/libvirt/globex.ci01.seclabel.xml: error MOAT403: stale: the folder's manifest lists it, but compile no longer produces it\n");
    expect(stale.out).toContain("generated/moat-manifest.json: error MOAT403: different");
  });

  it("exits 1 on policy errors without comparing", async () => {
    const r = await run(project({ "a.iso": ACME, "b.iso": CLASH }), ["check"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("MOAT301");
  });
});
