import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { listEntries, nodeOutputFs, type EntryKind, type FolderEntry } from "../../src/cli/outputs/fs-layer.js";
import { fsError, tempDir } from "./helpers.js";

describe("a folder's entries with their kinds", () => {
  it("are what lstat says of each entry: links are not followed", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "file"), "x");
    fs.mkdirSync(path.join(dir, "folder"));
    fs.symlinkSync(path.join(dir, "file"), path.join(dir, "link-to-file"));
    fs.symlinkSync(path.join(dir, "folder"), path.join(dir, "link-to-folder"));
    const entries = nodeOutputFs.readdir(dir).sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(entries).toEqual([
      { name: "file", kind: "file" },
      { name: "folder", kind: "dir" },
      { name: "link-to-file", kind: "other" },
      { name: "link-to-folder", kind: "other" },
    ]);
    for (const e of entries) expect(nodeOutputFs.kind(path.join(dir, e.name))).toBe(e.kind);
  });

  // Where a file system gives no entry types, node lstats each entry, and the listing fails with ENOENT
  // when one is removed in between. Simulated: the typed listing throws, the names and lstat answer.
  const listing = (typed: () => FolderEntry[], names: () => string[], kinds: Record<string, EntryKind | undefined>) => {
    const asked: string[] = [];
    const kind = (p: string): EntryKind | undefined => {
      asked.push(p);
      return kinds[p];
    };
    return { list: { typed, names, kind }, asked };
  };

  it("are taken from the typed listing when it succeeds, without an lstat", () => {
    const { list, asked } = listing(() => [{ name: "a", kind: "file" }], () => ["a", "b"], {});
    expect(listEntries("/out", list)).toEqual([{ name: "a", kind: "file" }]);
    expect(asked).toEqual([]);
  });

  it("leave out an entry removed while the folder was listed, instead of reading as no folder", () => {
    const { list, asked } = listing(
      () => {
        throw fsError("ENOENT");
      },
      () => ["a", "gone", "sub"],
      { "/out/a": "file", "/out/sub": "dir" },
    );
    expect(listEntries("/out", list)).toEqual([
      { name: "a", kind: "file" },
      { name: "sub", kind: "dir" },
    ]);
    expect(asked).toEqual(["/out/a", "/out/gone", "/out/sub"]);
  });

  it("fail with ENOENT when the folder is gone after it was listed again, not read as an empty one", () => {
    let listings = 0;
    const { list } = listing(
      () => {
        throw fsError("ENOENT");
      },
      () => {
        if (++listings > 1) throw fsError("ENOENT");
        return ["a", "b"];
      },
      {},
    );
    expect(() => listEntries("/out", list)).toThrow(expect.objectContaining({ code: "ENOENT" }));
  });

  it("fail with ENOENT when the folder itself is gone, and pass any other error on", () => {
    const gone = listing(
      () => {
        throw fsError("ENOENT");
      },
      () => {
        throw fsError("ENOENT");
      },
      {},
    );
    expect(() => listEntries("/out", gone.list)).toThrow(expect.objectContaining({ code: "ENOENT" }));
    const refused = listing(
      () => {
        throw fsError("EACCES");
      },
      () => ["a"],
      { "/out/a": "file" },
    );
    expect(() => listEntries("/out", refused.list)).toThrow(expect.objectContaining({ code: "EACCES" }));
    expect(refused.asked).toEqual([]);
  });
});

describe("whether a file holds an output's content", () => {
  it("compares the bytes, in UTF-8, at any length", () => {
    const dir = tempDir();
    const at = (name: string, content: string): string => (fs.writeFileSync(path.join(dir, name), content), path.join(dir, name));
    expect(nodeOutputFs.holds(at("a", "profile a v1\n"), "profile a v1\n")).toBe(true);
    expect(nodeOutputFs.holds(path.join(dir, "a"), "profile a v2\n")).toBe(false); // same length
    expect(nodeOutputFs.holds(path.join(dir, "a"), "profile a v1\n\n")).toBe(false);
    expect(nodeOutputFs.holds(path.join(dir, "a"), "profile a v1")).toBe(false);
    expect(nodeOutputFs.holds(at("é", "# café\n"), "# café\n")).toBe(true);
    expect(nodeOutputFs.holds(path.join(dir, "é"), "# cafe\n\n")).toBe(false); // the same 8 bytes long
    const long = `${"x".repeat(300_000)}\n`;
    expect(nodeOutputFs.holds(at("long", long), long)).toBe(true);
    expect(nodeOutputFs.holds(path.join(dir, "long"), long.replace("x\n", "y\n"))).toBe(false);
    expect(nodeOutputFs.holds(path.join(dir, "a"), "profile a v1\n")).toBe(true); // after a longer one
    expect(nodeOutputFs.holds(path.join(dir, "missing"), "")).toBe(false);
  });

  it("is false for what is not a regular file, and follows no link", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "target"), "content");
    fs.symlinkSync(path.join(dir, "target"), path.join(dir, "link"));
    fs.mkdirSync(path.join(dir, "folder"));
    expect(nodeOutputFs.holds(path.join(dir, "target"), "content")).toBe(true);
    expect(nodeOutputFs.holds(path.join(dir, "link"), "content")).toBe(false);
    expect(nodeOutputFs.holds(path.join(dir, "folder"), "")).toBe(false);
  });
});

describe("readFileIfExists: moat's own files, read only as regular files", () => {
  // The output folder is in git: a pull request may put a link to /dev/zero or a FIFO where moat reads
  // its manifest, lock or journal. Reading either would never end.
  it("refuses a link (never followed), a FIFO and a folder at once; reads a file; nothing there is undefined", () => {
    const dir = tempDir();
    fs.symlinkSync("/dev/zero", path.join(dir, "zero"));
    fs.writeFileSync(path.join(dir, "target"), "x");
    fs.symlinkSync("target", path.join(dir, "link"));
    fs.mkdirSync(path.join(dir, "folder"));
    const fifo = path.join(dir, "fifo");
    const made = spawnSync("mkfifo", [fifo]).status === 0;
    const codeOf = (name: string): string | undefined => {
      try {
        nodeOutputFs.readFileIfExists(path.join(dir, name));
        return undefined;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code;
      }
    };
    expect(codeOf("zero")).toBe("ELOOP");
    expect(codeOf("link")).toBe("ELOOP");
    expect(codeOf("folder")).toBe("EFTYPE");
    if (made) expect(codeOf("fifo")).toBe("EFTYPE");
    expect(nodeOutputFs.readFileIfExists(path.join(dir, "target"))?.toString()).toBe("x");
    expect(nodeOutputFs.readFileIfExists(path.join(dir, "none"))).toBeUndefined();
  });
});
