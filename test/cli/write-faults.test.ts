/**
 * Faults in the write step leave the output folder either as it was or fully updated. Every call of
 * each file operation is made to fail in turn (k = 1, 2, … until a run no longer reaches call k), once as
 * a plain error and once as a "death" after which nothing else the process tries happens.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { nodeOutputFs } from "../../src/cli/outputs/fs-layer.js";
import { recoverInterrupted } from "../../src/cli/outputs/transaction.js";
import { writeOutputs } from "../../src/cli/outputs/write-outputs.js";
import { faultyFs, fsError, snapshot, tempDir, withManifest, wrappedFs, writeTree, type Op } from "./helpers.js";

const DEAD_PID = 2 ** 22 + 54321;
const display = (p: string): string => p;

const v1 = withManifest({ "apparmor.d/libvirt-a": "profile a\n", "apparmor.d/moat.t.s": "profile s\n", "libvirt/t.a.seclabel.xml": "<seclabel a/>\n" });
// Replaces one output, creates two (one in a new folder), deletes two stale ones (emptying libvirt/).
const v2 = withManifest({ "apparmor.d/libvirt-a": "profile a v2\n", "apparmor.d/libvirt-b": "profile b\n", "extra/x.xml": "<x/>\n" });

function prepared(): { out: string; before: Record<string, string>; after: Record<string, string> } {
  const ref = path.join(tempDir(), "generated");
  expect(writeOutputs(ref, v1, { display }).exitCode).toBe(0);
  const before = snapshot(ref);
  expect(writeOutputs(ref, v2, { display }).exitCode).toBe(0);
  const after = snapshot(ref);
  const out = path.join(tempDir(), "generated");
  writeTree(out, Object.fromEntries(Object.entries(before).filter(([, c]) => c !== "<dir>")));
  // A foreign file in the folder must survive everything.
  writeTree(out, { "NOTES.txt": "operator notes\n" });
  return { out, before: snapshot(out), after: { ...after, "NOTES.txt": "operator notes\n" } };
}

/** The folder as the operator sees it: lock files of a dead or failed run are not part of the result. */
const visible = (dir: string): Record<string, string> => Object.fromEntries(Object.entries(snapshot(dir)).filter(([p]) => !p.startsWith(".moat.lock")));

/**
 * Fully updated: every file as in `after`. A fault while tidying up after the commit point may leave an
 * empty folder or the committed working folder; the next run removes both, leaving exactly `after`.
 */
function expectUpdated(out: string, after: Record<string, string>): void {
  const files = (s: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(s).filter(([p, c]) => c !== "<dir>" && !p.startsWith(".moat")));
  expect(files(snapshot(out))).toEqual(files(after));
  for (const p of Object.keys(snapshot(out)).filter((p) => /^\.moat-tmp-[^/]+$/.test(p))) expect(snapshot(out)[`${p}/COMMITTED`]).toBe("");
  expect(writeOutputs(out, v2, { display }).exitCode).toBe(0);
  expect(snapshot(out)).toEqual(after);
}

const OPS: Op[] = ["mkdir", "writeNewFile", "rename", "link", "unlink", "rmdir", "removeTree", "kind", "readFileIfExists", "holds", "readdir"];

describe("a failing file operation in the write step", () => {
  for (const op of OPS) {
    it(`${op}: every failure point leaves the folder as it was or fully updated, with a clear message`, () => {
      let points = 0;
      for (let k = 1; k < 200; k++) {
        const { out, before, after } = prepared();
        const fs = faultyFs(op, k, { code: "EIO" });
        const report = writeOutputs(out, v2, { display, fs });
        if (!fs.fired) break;
        points++;
        if (report.exitCode === 0) {
          expectUpdated(out, after);
          continue;
        }
        expect(report.exitCode).toBe(2);
        expect(report.diagnostics.map((d) => d.code)).toEqual(["MOAT404"]);
        const message = report.diagnostics[0]!.message;
        expect(message).toMatch(/input\/output error/);
        if (message.includes("restores it from")) {
          // The rollback itself hit the fault: the next run (here: its recovery step) puts the folder back.
          recoverInterrupted(out, nodeOutputFs);
        }
        expect(visible(out)).toEqual(before);
      }
      expect(points).toBeGreaterThan(0);
    }, 60_000);
  }
});

describe("a forced update that puts a folder of outputs where a file was", () => {
  // The file `a` blocks the folder that `a/b/x` needs; with --force it is moved away and `a/` and
  // `a/b/` are made. A fault after that must still put the file back: the folders made inside the
  // folder that replaced it go first, deepest first.
  const before = withManifest({ a: "profile a\n" });
  const next = withManifest({ "a/b/x": "<x/>\n" });
  for (const op of ["writeNewFile", "rename", "mkdir"] as Op[]) {
    it(`${op}: every failure point leaves the folder as it was or fully updated`, () => {
      const ref = path.join(tempDir(), "generated");
      expect(writeOutputs(ref, before, { display }).exitCode).toBe(0);
      const was = snapshot(ref);
      expect(writeOutputs(ref, next, { display, force: true }).exitCode).toBe(0);
      const updated = snapshot(ref);
      let points = 0;
      for (let k = 1; k < 100; k++) {
        const out = path.join(tempDir(), "generated");
        expect(writeOutputs(out, before, { display }).exitCode).toBe(0);
        const fs = faultyFs(op, k, { code: "EIO" });
        const report = writeOutputs(out, next, { display, force: true, fs });
        if (!fs.fired) break;
        points++;
        if (report.exitCode === 0) {
          expect(writeOutputs(out, next, { display, force: true }).exitCode).toBe(0);
          expect(snapshot(out)).toEqual(updated);
          continue;
        }
        expect(report.diagnostics.map((d) => d.code)).toEqual(["MOAT404"]);
        if (report.diagnostics[0]!.message.includes("restores it from")) recoverInterrupted(out, nodeOutputFs);
        expect(visible(out)).toEqual(was);
      }
      expect(points).toBeGreaterThan(0);
    }, 60_000);
  }
});

describe("a rollback that fails part of the way", () => {
  it("is finished by the next run without undoing what it had already put back", () => {
    // The update replaces the manifest and makes a folder; it fails at its commit marker, and the
    // rollback, which puts the old manifest back first (newest change first), fails when it removes the
    // folder. The recovery then runs the rollback again: it must not take the restored manifest for
    // moat's new one.
    const { out, before } = prepared();
    const next = withManifest({ "apparmor.d/libvirt-a": "profile a\n", "apparmor.d/moat.t.s": "profile s\n", "libvirt/t.a.seclabel.xml": "<seclabel a/>\n", "extra/y.xml": "<y/>\n" });
    let committing = false;
    const failing = wrappedFs((name, args, real) => {
      if (name === "writeNewFile" && String(args[0]).endsWith("/COMMITTED")) {
        committing = true;
        throw fsError("EIO");
      }
      if (name === "rmdir" && committing) {
        committing = false;
        throw fsError("EIO");
      }
      return real(args);
    });
    const report = writeOutputs(out, next, { display, fs: failing });
    expect(report.exitCode).toBe(2);
    expect(report.diagnostics[0]!.message).toMatch(/restores it from/);
    recoverInterrupted(out, nodeOutputFs);
    expect(visible(out)).toEqual(before);
  });
});

describe("a process that dies in the write step", () => {
  for (const op of ["mkdir", "writeNewFile", "rename", "unlink", "rmdir", "removeTree"] as Op[]) {
    it(`${op}: the next compile recovers the folder (as it was, or fully updated) and then writes`, () => {
      let points = 0;
      for (let k = 1; k < 200; k++) {
        const { out, before, after } = prepared();
        const fs = faultyFs(op, k, { dies: true });
        writeOutputs(out, v2, { display, fs, pid: DEAD_PID, isProcessAlive: () => false });
        if (!fs.fired) break;
        points++;
        // What the dead run left, once recovered, is one of the two states.
        recoverInterrupted(out, nodeOutputFs);
        expect([before, after]).toContainEqual(visible(out));
        // And a new compile, breaking the dead run's lock, completes the update.
        const report = writeOutputs(out, v2, { display });
        expect(report.exitCode).toBe(0);
        expect(snapshot(out)).toEqual(after);
      }
      expect(points).toBeGreaterThan(0);
    }, 60_000);
  }
});

describe("an unwritable output folder", () => {
  for (const code of ["EACCES", "EROFS", "ENOSPC"]) {
    it(`${code}: exit 2 with a message naming the folder and the reason, nothing changed`, () => {
      const { out, before } = prepared();
      // The first file creation in the folder is the lock's private file.
      const report = writeOutputs(out, v2, { display, fs: faultyFs("writeNewFile", 1, { code }) });
      expect(report.exitCode).toBe(2);
      const reason = { EACCES: "permission denied", EROFS: "read-only file system", ENOSPC: "no space left on device" }[code];
      expect(report.diagnostics.map((d) => d.message)).toEqual([`cannot write to output folder ${out}: ${reason}`]);
      expect(snapshot(out)).toEqual(before);
    });
  }

  it("a folder that cannot be created: exit 2, and no part of the path is left behind", () => {
    const root = tempDir();
    const report = writeOutputs(path.join(root, "a", "b", "generated"), v2, { display, fs: faultyFs("mkdir", 3, { code: "EACCES" }) });
    expect(report.exitCode).toBe(2);
    expect(report.diagnostics[0]!.message).toBe(`cannot create output folder ${root}/a/b/generated: permission denied`);
    expect(snapshot(root)).toEqual({});
  });
});
