import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { findInputs } from "../../src/cli/find-inputs.js";
import { readSourceFile, readSourceForRewrite } from "../../src/cli/read-source.js";
import { tempDir, writeTree } from "./helpers.js";

const display = (p: string): string => p;

describe("findInputs", () => {
  it("searches folders recursively for .iso files, skipping dot-folders and node_modules, sorted", () => {
    const root = tempDir();
    writeTree(root, {
      "z.iso": "",
      "b/a.iso": "",
      "a/deep/er/x.iso": "",
      "a/notes.txt": "",
      "a/x.iso.bak": "",
      ".git/h.iso": "",
      "node_modules/p/y.iso": "",
      "a/.hidden/q.iso": "",
    });
    expect(findInputs([], root, display)).toEqual({ entries: [`${root}/a/deep/er/x.iso`, `${root}/b/a.iso`, `${root}/z.iso`] });
  });

  it("gives the same sorted, de-duplicated entries whatever the order and overlap of the arguments", () => {
    const root = tempDir();
    writeTree(root, { "p/one.iso": "", "p/two.iso": "", "q/three.iso": "" });
    const a = findInputs(["q", "p", "p/two.iso"], root, display);
    const b = findInputs(["p/two.iso", "p", "./q/../q"], root, display);
    expect(a).toEqual(b);
    expect(a).toEqual({ entries: [`${root}/p/one.iso`, `${root}/p/two.iso`, `${root}/q/three.iso`] });
  });

  it("takes a named file whatever its extension, and does not follow symlinked folders", () => {
    const root = tempDir();
    writeTree(root, { "policy.txt": "", "real/x.iso": "" });
    fs.symlinkSync(path.join(root, "real"), path.join(root, "real/loop"));
    expect(findInputs(["policy.txt", "real"], root, display)).toEqual({ entries: [`${root}/policy.txt`, `${root}/real/x.iso`] });
  });

  it("reports a missing path as a usage error and a folder without .iso files as no input", () => {
    const root = tempDir();
    writeTree(root, { "empty/readme": "" });
    expect(findInputs(["nope.iso"], root, display)).toEqual({ kind: "usage", error: "cannot read nope.iso: no such file or folder" });
    expect(findInputs(["empty"], root, display)).toEqual({ kind: "none", error: `no .iso or .iso.json files found in ${root}/empty` });
    expect(findInputs([], `${root}/empty`, display)).toEqual({ kind: "none", error: `no .iso or .iso.json files found in ${root}/empty` });
    expect(findInputs(["empty"], root, display, "iso")).toEqual({ kind: "none", error: `no .iso files found in ${root}/empty` });
  });

  it("folders also give *.iso.json files (the JSON form), except for fmt, which refuses a named one", () => {
    const root = tempDir();
    writeTree(root, { "a.iso": "", "b.iso.json": "", "c.json": "", "d/e.iso.json": "", "f.iso.json.bak": "" });
    expect(findInputs([], root, display)).toEqual({ entries: [`${root}/a.iso`, `${root}/b.iso.json`, `${root}/d/e.iso.json`] });
    expect(findInputs([], root, display, "iso")).toEqual({ entries: [`${root}/a.iso`] });
    expect(findInputs(["d"], root, display, "iso")).toEqual({ kind: "none", error: `no .iso files found in ${root}/d` });
    expect(findInputs(["b.iso.json"], root, display, "iso")).toEqual({ kind: "usage", error: "b.iso.json is a policy in the JSON form; moat fmt formats only .iso files" });
  });
});

describe("readSourceFile", () => {
  it("returns the text, drops a UTF-8 byte order mark, replaces bytes that are not UTF-8 by U+FFFD, reports unreadable files", () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, "ok.iso"), "\ufeffpolicy x\n");
    fs.writeFileSync(path.join(root, "bad.iso"), Buffer.from([0x70, 0xe9, 0x0a, 0x71]));
    expect(readSourceFile(`${root}/ok.iso`)).toEqual({ text: "policy x\n" });
    expect(readSourceFile(`${root}/bad.iso`)).toEqual({ text: "p\ufffd\nq" });
    expect(readSourceFile(`${root}/none.iso`)).toEqual({ error: "no such file or folder" });
    expect(readSourceFile(root)).toEqual({ error: "is a folder" });
  });
});

describe("readSourceForRewrite", () => {
  it("says whether the bytes were UTF-8, whether there was a byte order mark, and the file's mode", () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, "bom.iso"), "\ufeffpolicy x\n", { mode: 0o640 });
    fs.chmodSync(path.join(root, "bom.iso"), 0o640);
    fs.writeFileSync(path.join(root, "latin1.iso"), Buffer.from([0x23, 0xe9, 0x0a]));
    expect(readSourceForRewrite(`${root}/bom.iso`)).toEqual({ text: "policy x\n", validUtf8: true, bom: true, mode: 0o640 });
    expect(readSourceForRewrite(`${root}/latin1.iso`)).toMatchObject({ text: "#\ufffd\n", validUtf8: false, bom: false });
    expect(readSourceForRewrite(`${root}/none.iso`)).toEqual({ error: "no such file or folder" });
  });
});

describe("readSourceFile on what a hostile policy may name", () => {
  it("refuses a device and a named pipe without reading or blocking", () => {
    expect(readSourceFile("/dev/zero")).toEqual({ error: "is not a regular file (a device, pipe or socket)" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "moat-fifo-"));
    try {
      execFileSync("mkfifo", [path.join(dir, "p.iso")]);
      const started = Date.now();
      expect(readSourceFile(path.join(dir, "p.iso"))).toEqual({ error: "is not a regular file (a device, pipe or socket)" });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
