/**
 * compareOutputs, the heart of `moat check`: the output folder must hold exactly compile's outputs (the
 * manifest among them) and nothing else. An output missing, different or stale is MOAT403; anything else
 * in the folder, at any depth and of any kind, is foreign (MOAT406), except moat's lock file while a
 * compile holds it. Every folder these tests make is removed after each test.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkDiagnostic, compareOutputs, type CheckFinding } from "../../src/cli/check-outputs.js";
import { nodeOutputFs } from "../../src/cli/outputs/fs-layer.js";
import { acquireLock } from "../../src/cli/outputs/lock.js";
import { writeOutputs } from "../../src/cli/outputs/write-outputs.js";
import { fsError, snapshot, withManifest, wrappedFs, writeTree } from "./helpers.js";

const display = (p: string): string => p;
const show = (rel: string): string => `generated/${rel}`;
const DEAD_PID = 2 ** 22 + 12345; // above Linux's pid_max limit: never a live process
const v1 = withManifest({ "apparmor.d/libvirt-a": "profile a {\n  /x rw,\n}\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n" });

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "moat-check-")));
  made.push(dir);
  return dir;
}

function folder(): string {
  const out = path.join(tempDir(), "generated");
  expect(writeOutputs(out, v1, { display }).exitCode).toBe(0);
  return out;
}

const foreignOf = (findings: readonly CheckFinding[]): [string, string][] =>
  findings.flatMap((f) => (f.state === "foreign" ? [[f.path, f.entry] as [string, string]] : []));

describe("compareOutputs", () => {
  it("finds nothing when the folder is exactly what compile writes", () => {
    const out = folder();
    expect(compareOutputs(out, v1, nodeOutputFs, show)).toEqual([]);
  });

  it("reports a missing file, a different one with a diff, and a stale one, in path order", () => {
    const out = folder();
    fs.rmSync(path.join(out, "libvirt/t.a.seclabel.xml"));
    fs.writeFileSync(path.join(out, "apparmor.d/libvirt-a"), "profile a {\n  /y rw,\n}\n");
    const v2 = withManifest({ "apparmor.d/libvirt-a": "profile a {\n  /x rw,\n}\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n", "libvirt/new.xml": "<n/>\n" });
    const before = snapshot(out);
    // v1 listed apparmor.d/libvirt-a; v2b no longer produces it
    const v2b = v2.filter((o) => o.path !== "apparmor.d/libvirt-a");
    const findings = compareOutputs(out, v2b, nodeOutputFs, show);
    expect(findings.map((f) => [f.path, f.state])).toEqual([
      ["apparmor.d/libvirt-a", "stale"],
      ["libvirt/new.xml", "missing"],
      ["libvirt/t.a.seclabel.xml", "missing"],
      ["moat-manifest.json", "different"],
    ]);
    const withDiff = compareOutputs(out, v2, nodeOutputFs, show).find((f) => f.path === "apparmor.d/libvirt-a");
    expect(withDiff?.state === "different" && withDiff.diff).toBe(
      [
        "--- generated/apparmor.d/libvirt-a (in the folder)",
        "+++ generated/apparmor.d/libvirt-a (from compile)",
        "@@ -1,3 +1,3 @@",
        " profile a {",
        "-  /y rw,",
        "+  /x rw,",
        " }",
        "",
      ].join("\n"),
    );
    expect(snapshot(out)).toEqual(before); // check reads only
  });

  it("reports an output that is a folder as different, without reading into it", () => {
    const out = folder();
    fs.rmSync(path.join(out, "libvirt/t.a.seclabel.xml"));
    fs.mkdirSync(path.join(out, "libvirt/t.a.seclabel.xml"));
    writeTree(out, { "libvirt/t.a.seclabel.xml/inner": "x\n" });
    expect(compareOutputs(out, v1, nodeOutputFs, show)).toEqual([
      { path: "libvirt/t.a.seclabel.xml", state: "different", entry: "dir", diff: "generated/libvirt/t.a.seclabel.xml is a folder, not a file\n" },
    ]);
  });

  it("reports everything missing, and nothing foreign, for a folder that does not exist", () => {
    const findings = compareOutputs(path.join(tempDir(), "nothing"), v1, nodeOutputFs, show);
    expect(findings.map((f) => f.state)).toEqual(["missing", "missing", "missing"]);
  });
});

describe("compareOutputs: foreign entries (MOAT406)", () => {
  it("a profile dropped into apparmor.d/ next to moat's", () => {
    const out = folder();
    writeTree(out, { "apparmor.d/moat.acme.agent2": "profile moat.acme.agent /** rwk,\n" });
    expect(compareOutputs(out, v1, nodeOutputFs, show)).toEqual([
      { path: "apparmor.d/moat.acme.agent2", state: "foreign", entry: "file", origin: { of: "unknown" } },
    ]);
  });

  it("a file at the top of the folder, and one in libvirt/", () => {
    const out = folder();
    writeTree(out, { "NOTES.md": "not moat's\n", "libvirt/extra.xml": "<seclabel/>\n" });
    expect(foreignOf(compareOutputs(out, v1, nodeOutputFs, show))).toEqual([
      ["NOTES.md", "file"],
      ["libvirt/extra.xml", "file"],
    ]);
  });

  it("hidden files, at the top and below, including lock-like names moat never uses there", () => {
    const out = folder();
    writeTree(out, { ".hidden": "x\n", "apparmor.d/.libvirt-a.swp": "x\n", "apparmor.d/.moat.lock": "1\n", ".moat-manifest.json": "{}\n" });
    expect(foreignOf(compareOutputs(out, v1, nodeOutputFs, show))).toEqual([
      [".hidden", "file"],
      [".moat-manifest.json", "file"],
      ["apparmor.d/.libvirt-a.swp", "file"],
      ["apparmor.d/.moat.lock", "file"],
    ]);
  });

  it("a subfolder where no output is expected is reported once, not walked into; an empty one too", () => {
    const out = folder();
    writeTree(out, { "apparmor.d/local/override": "/** rwk,\n", "apparmor.d/local/deeper/x": "y\n" });
    fs.mkdirSync(path.join(out, "empty"));
    expect(foreignOf(compareOutputs(out, v1, nodeOutputFs, show))).toEqual([
      ["apparmor.d/local", "dir"],
      ["empty", "dir"],
    ]);
  });

  it("links, dangling or not, to a file or a folder, are foreign and never followed", () => {
    const out = folder();
    const outside = tempDir();
    writeTree(outside, { "evil/profile": "profile x /** rwk,\n", "file": "x\n" });
    fs.symlinkSync(path.join(outside, "file"), path.join(out, "apparmor.d/libvirt-b"));
    fs.symlinkSync(path.join(outside, "evil"), path.join(out, "extra"));
    fs.symlinkSync("nowhere", path.join(out, "libvirt/dangling"));
    expect(foreignOf(compareOutputs(out, v1, nodeOutputFs, show))).toEqual([
      ["apparmor.d/libvirt-b", "other"],
      ["extra", "other"],
      ["libvirt/dangling", "other"],
    ]);
  });

  it("a file or a link where compile writes a folder of outputs: foreign, and its outputs missing", () => {
    const out = folder();
    fs.rmSync(path.join(out, "libvirt"), { recursive: true });
    fs.writeFileSync(path.join(out, "libvirt"), "x\n");
    const outside = tempDir();
    writeTree(outside, { "apparmor.d/libvirt-a": "profile a {\n  /x rw,\n}\n" });
    fs.rmSync(path.join(out, "apparmor.d"), { recursive: true });
    fs.symlinkSync(path.join(outside, "apparmor.d"), path.join(out, "apparmor.d"));
    const findings = compareOutputs(out, v1, nodeOutputFs, show);
    expect(findings.filter((f) => f.state === "foreign")).toEqual([
      { path: "apparmor.d", state: "foreign", entry: "other", origin: { of: "in-place-of-folder" } },
      { path: "libvirt", state: "foreign", entry: "file", origin: { of: "in-place-of-folder" } },
    ]);
    expect(findings.filter((f) => f.state === "missing").map((f) => f.path)).toEqual(["libvirt/t.a.seclabel.xml"]);
  });

  it("a stale output is reported as stale only, and the folder that holds it is walked, not foreign", () => {
    const out = path.join(tempDir(), "generated");
    const old = withManifest({ "apparmor.d/libvirt-a": "profile a {\n  /x rw,\n}\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n", "old/x.xml": "<x/>\n" });
    expect(writeOutputs(out, old, { display }).exitCode).toBe(0);
    writeTree(out, { "old/y.xml": "<y/>\n" });
    expect(compareOutputs(out, v1, nodeOutputFs, show).map((f) => [f.path, f.state])).toEqual([
      ["moat-manifest.json", "different"],
      ["old/x.xml", "stale"],
      ["old/y.xml", "foreign"],
    ]);
  });

  it("a lock file that no running compile holds is reported: a dead pid, this process's own, garbage, a forged profile", () => {
    const out = folder();
    for (const content of [`${DEAD_PID}\n`, `${process.pid}\n`, "", "profile evil /** { /** rwlkmix, }\n"]) {
      fs.writeFileSync(path.join(out, ".moat.lock"), content);
      expect(foreignOf(compareOutputs(out, v1, nodeOutputFs, show)), JSON.stringify(content)).toEqual([[".moat.lock", "file"]]);
    }
  });

  it("the lock file of a running compile is allowed; a lock-named folder or link is not", () => {
    const out = folder();
    // A compile in another process (this test's parent stands for it: alive, and not this process).
    const lock = acquireLock(out, { fs: nodeOutputFs, pid: process.ppid, isProcessAlive: () => true });
    expect(lock.acquired).toBe(true);
    expect(fs.existsSync(path.join(out, ".moat.lock"))).toBe(true);
    expect(compareOutputs(out, v1, nodeOutputFs, show)).toEqual([]);
    if (lock.acquired) lock.release();
    fs.mkdirSync(path.join(out, ".moat.lock"));
    expect(foreignOf(compareOutputs(out, v1, nodeOutputFs, show))).toEqual([[".moat.lock", "dir"]]);
    fs.rmdirSync(path.join(out, ".moat.lock"));
    fs.symlinkSync("apparmor.d/libvirt-a", path.join(out, ".moat.lock"));
    expect(foreignOf(compareOutputs(out, v1, nodeOutputFs, show))).toEqual([[".moat.lock", "other"]]);
  });

  it("moat's own working names are reported with whose they are: an interrupted compile's, or a running one's", () => {
    const out = folder();
    const live = 4242;
    const alive = (pid: number): boolean => pid === live;
    writeTree(out, {
      [`.moat-tmp-${DEAD_PID}-0a1b2c3d/journal.json`]: "{}",
      [`.moat-tmp-${live}-0a1b2c3d/new/0`]: "x",
      [`.moat.lock.${DEAD_PID}`]: `${DEAD_PID}\n`,
      [`.moat.lock.stale-${live}`]: `${live}\n`,
      ".moat-tmp-odd/x": "x",
    });
    const findings = compareOutputs(out, v1, nodeOutputFs, show, { isProcessAlive: alive, pid: 1 });
    // Code-unit order: "4206649" before "4242".
    expect(findings).toEqual([
      { path: `.moat-tmp-${DEAD_PID}-0a1b2c3d`, state: "foreign", entry: "dir", origin: { of: "work-folder", pid: DEAD_PID, running: false } },
      { path: `.moat-tmp-${live}-0a1b2c3d`, state: "foreign", entry: "dir", origin: { of: "work-folder", pid: live, running: true } },
      { path: ".moat-tmp-odd", state: "foreign", entry: "dir", origin: { of: "work-folder", pid: undefined, running: false } },
      { path: `.moat.lock.${DEAD_PID}`, state: "foreign", entry: "file", origin: { of: "lock-file", pid: DEAD_PID, running: false } },
      { path: `.moat.lock.stale-${live}`, state: "foreign", entry: "file", origin: { of: "lock-file", pid: live, running: true } },
    ]);
    // This process compiles nothing: a working name with its own pid is a dead run's.
    const own = compareOutputs(out, v1, nodeOutputFs, show, { isProcessAlive: () => true, pid: live });
    expect(own.find((f) => f.path === `.moat-tmp-${live}-0a1b2c3d`)).toMatchObject({ origin: { running: false } });
  });

  it("a folder that cannot be listed is an error, not a pass", () => {
    const out = folder();
    const refusing = wrappedFs((op, args, real) => {
      if (op === "readdir" && String(args[0]).endsWith("/libvirt")) throw fsError("EACCES");
      return real(args);
    });
    expect(() => compareOutputs(out, v1, refusing, show)).toThrow(/EACCES/);
  });
});

describe("checkDiagnostic", () => {
  const out = "/w/generated";
  const at = (rel: string) => ({ file: `${out}/${rel}`, start: 0, end: 0 });

  it("makes MOAT403 of an output out of date, located at the output", () => {
    expect(checkDiagnostic({ path: "libvirt/a.xml", state: "missing" }, out)).toEqual({
      code: "MOAT403",
      severity: "error",
      message: "missing: compile would write this file",
      span: at("libvirt/a.xml"),
      related: [],
      hint: "run moat compile, and commit the result with the policy change",
    });
    expect(checkDiagnostic({ path: "a", state: "stale" }, out).message).toBe("stale: the folder's manifest lists it, but compile no longer produces it");
    expect(checkDiagnostic({ path: "a", state: "different", diff: "" }, out).message).toBe("different from what compile would write");
    expect(checkDiagnostic({ path: "a", state: "different", diff: "", entry: "dir" }, out)).toMatchObject({
      message: "a folder where compile would write a file",
      hint: "remove it, then run moat compile, and commit the result with the policy change",
    });
  });

  it("makes MOAT406 of a foreign entry, saying what to do with it", () => {
    const d = checkDiagnostic({ path: "apparmor.d/moat.acme.agent2", state: "foreign", entry: "file", origin: { of: "unknown" } }, out);
    expect(d).toEqual({
      code: "MOAT406",
      severity: "error",
      message: "a file moat would not write: the manifest compile writes does not list it",
      span: at("apparmor.d/moat.acme.agent2"),
      related: [],
      hint: "remove it, or move it out of the output folder: whatever is in the folder may be deployed as if moat had written it",
    });
    const messages = (
      [
        ["dir", { of: "unknown" }],
        ["other", { of: "unknown" }],
        ["file", { of: "in-place-of-folder" }],
        ["dir", { of: "work-folder", pid: 12, running: false }],
        ["file", { of: "lock-file", pid: 12, running: false }],
        ["dir", { of: "work-folder", pid: 12, running: true }],
      ] as const
    ).map(([entry, origin]) => {
      const f = checkDiagnostic({ path: "x", state: "foreign", entry, origin }, out);
      return [f.code, f.message, f.hint];
    });
    expect(messages).toEqual([
      ["MOAT406", "a folder moat would not write: the manifest compile writes does not list it", expect.stringMatching(/^remove it, or move it out of the output folder/)],
      ["MOAT406", "a link or special file moat would not write: the manifest compile writes does not list it", expect.stringMatching(/^remove it, or move it out of the output folder/)],
      ["MOAT406", "a file where compile writes a folder of outputs", expect.stringMatching(/; then run moat compile$/)],
      ["MOAT406", "the working folder left by a moat compile that was interrupted (process 12)", expect.stringMatching(/^run moat compile: it restores the folder .* removing it by hand can lose the backup/)],
      ["MOAT406", "a private lock file left by a moat compile that was interrupted (process 12)", "run moat compile, which removes it, or remove it"],
      ["MOAT406", "the working folder of a moat compile still running (process 12)", "wait for that compile to finish, then run moat check again"],
    ]);
  });
});
