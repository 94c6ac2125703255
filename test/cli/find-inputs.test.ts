import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { findInputs } from "../../src/cli/find-inputs.js";
import { readSourceFile, readSourceForRewrite, treeReader } from "../../src/cli/read-source.js";
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
    expect(findInputs([], root, display)).toEqual({ entries: [`${root}/a/deep/er/x.iso`, `${root}/b/a.iso`, `${root}/z.iso`], tree: { path: root, real: root } });
  });

  it("gives the same sorted, de-duplicated entries whatever the order and overlap of the arguments", () => {
    const root = tempDir();
    writeTree(root, { "p/one.iso": "", "p/two.iso": "", "q/three.iso": "" });
    const a = findInputs(["q", "p", "p/two.iso"], root, display);
    const b = findInputs(["p/two.iso", "p", "./q/../q"], root, display);
    expect(a).toEqual(b);
    expect(a).toEqual({ entries: [`${root}/p/one.iso`, `${root}/p/two.iso`, `${root}/q/three.iso`], tree: { path: root, real: root } });
  });

  it("takes a named file whatever its extension, and does not follow symlinked folders", () => {
    const root = tempDir();
    writeTree(root, { "policy.txt": "", "real/x.iso": "" });
    fs.symlinkSync(path.join(root, "real"), path.join(root, "real/loop"));
    expect(findInputs(["policy.txt", "real"], root, display)).toEqual({ entries: [`${root}/policy.txt`, `${root}/real/x.iso`], tree: { path: root, real: root } });
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
    expect(findInputs([], root, display)).toEqual({ entries: [`${root}/a.iso`, `${root}/b.iso.json`, `${root}/d/e.iso.json`], tree: { path: root, real: root } });
    expect(findInputs([], root, display, "iso")).toEqual({ entries: [`${root}/a.iso`], tree: { path: root, real: root } });
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
      // A read that opened the pipe would block here for good (it has no writer): an answer is the proof.
      expect(readSourceFile(path.join(dir, "p.iso"))).toEqual({ error: "is not a regular file (a device, pipe or socket)" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the policy tree (what the compile may read)", () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  /** A temp folder holding `tree/` (the policy) and `outside/secret.iso`, removed after the test. */
  const layout = (): { root: string; outside: string } => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "moat-tree-")));
    made.push(root);
    writeTree(root, { "tree/p/a.iso": "policy a\n", "tree/q/b.iso": "policy b\n", "outside/secret.iso": "policy secret\n" });
    return { root, outside: `${root}/outside` };
  };

  it("is the deepest folder holding every named folder and the folder of every named file", () => {
    const { root } = layout();
    const tree = (args: string[]) => {
      const found = findInputs(args, `${root}/tree`, display);
      return "tree" in found ? found.tree.path : found.error;
    };
    expect(tree([])).toBe(`${root}/tree`);
    expect(tree(["p"])).toBe(`${root}/tree/p`);
    expect(tree(["p/a.iso"])).toBe(`${root}/tree/p`);
    expect(tree(["p/a.iso", "q"])).toBe(`${root}/tree`);
    expect(tree(["q/b.iso", "p/a.iso"])).toBe(`${root}/tree`);
  });

  it("refuses a tree that is itself a link, before searching it", () => {
    const { root } = layout();
    fs.symlinkSync("/", `${root}/tree/everything`);
    fs.symlinkSync(`${root}/outside`, `${root}/tree/linked`);
    for (const args of [["everything"], ["linked"], ["linked/secret.iso"]]) {
      const found = findInputs(args, `${root}/tree`, display);
      expect(found, args.join(" ")).toMatchObject({ kind: "outside" });
      expect("error" in found && found.error, args.join(" ")).toMatch(/^policy folder ".*(everything|linked)" is a link: .*compile from the folder the link points to$/);
    }
  });

  it("refuses a named folder whose link leads out of the tree; a link inside the tree is followed", () => {
    const { root } = layout();
    fs.symlinkSync(`${root}/outside`, `${root}/tree/out`);
    fs.symlinkSync("p", `${root}/tree/current`);
    expect(findInputs(["p", "out"], `${root}/tree`, display)).toEqual({
      kind: "outside",
      error: 'policy folder "out" leads outside the policy tree through a link; compile from the folder it points to, or move its files into the policy tree',
    });
    expect(findInputs(["q", "current"], `${root}/tree`, display)).toEqual({ entries: [`${root}/tree/current/a.iso`, `${root}/tree/q/b.iso`], tree: { path: `${root}/tree`, real: `${root}/tree` } });
  });

  it("treeReader reads regular files inside the tree, links inside it included, and refuses the rest unread", () => {
    const { root, outside } = layout();
    const t = `${root}/tree`;
    fs.symlinkSync("../p/a.iso", `${t}/q/inside-link.iso`);
    fs.symlinkSync(`${outside}/secret.iso`, `${t}/p/out-link.iso`);
    fs.symlinkSync(outside, `${t}/p/out-folder`);
    fs.symlinkSync("/dev/zero", `${t}/p/zero.iso`);
    fs.symlinkSync("gone.iso", `${t}/p/dangling.iso`);
    execFileSync("mkfifo", [`${t}/p/fifo.iso`]);
    const read = treeReader({ path: t, real: t });
    expect(read(`${t}/p/a.iso`)).toEqual({ text: "policy a\n" });
    expect(read(`${t}/q/inside-link.iso`)).toEqual({ text: "policy a\n" });
    expect(read(`${t}/p/out-link.iso`)).toEqual({ refused: "outside" });
    expect(read(`${t}/p/out-folder/secret.iso`)).toEqual({ refused: "outside" });
    expect(read(`${t}/p/zero.iso`)).toEqual({ refused: "outside" });
    expect(read(`${outside}/secret.iso`)).toEqual({ refused: "outside" });
    expect(read(`${t}/p/../../outside/secret.iso`)).toEqual({ refused: "outside" });
    expect(read(`${t}/p`)).toEqual({ refused: "folder" });
    expect(read(`${t}/p/fifo.iso`)).toEqual({ refused: "special" });
    expect(read(`${t}/p/dangling.iso`)).toEqual({ error: "no such file or folder" });
    // The tree's real folder is what counts: a tree named through a link reads what lies in its target.
    fs.symlinkSync(t, `${root}/alias`);
    expect(treeReader({ path: `${root}/alias`, real: t })(`${root}/alias/p/a.iso`)).toEqual({ text: "policy a\n" });
    // fmt reads (and rewrites) through the same check.
    expect(readSourceForRewrite(`${t}/p/out-link.iso`, { path: t, real: t })).toEqual({ refused: "outside" });
    expect(readSourceForRewrite(`${t}/q/inside-link.iso`, { path: t, real: t })).toMatchObject({ text: "policy a\n", validUtf8: true });
  });
});
