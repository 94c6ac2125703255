/** moat fmt through main(): real files in temp folders. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { rewriteFileAtomically } from "../../src/cli/rewrite-file.js";
import { snapshot, tempDir, project, runMain } from "./helpers.js";

const MESSY = 'tenant acme {\n vm web01 {\n  uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n   volume "/x/y" rw\n }\n}\n';
const CANONICAL = 'tenant acme {\n  vm web01 {\n    uuid   "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "/x/y" rw\n  }\n}\n';

const run = runMain;


describe("moat fmt", () => {
  it("rewrites the files that change, names them on stderr, keeps their mode, and leaves canonical files alone", async () => {
    const dir = project({ "a.iso": MESSY, "sub/b.iso": "policy   b\n", "ok.iso": "policy ok\n" });
    fs.chmodSync(path.join(dir, "a.iso"), 0o640);
    const okInode = fs.statSync(path.join(dir, "ok.iso")).ino;
    const r = await run(dir, ["fmt"]);
    expect(r).toEqual({ code: 0, out: "", err: "a.iso\nsub/b.iso\nmoat: 2 files of 3 reformatted\n" });
    expect(snapshot(dir)).toEqual({ "a.iso": CANONICAL, "ok.iso": "policy ok\n", sub: "<dir>", "sub/b.iso": "policy b\n" });
    expect(fs.statSync(path.join(dir, "a.iso")).mode & 0o777).toBe(0o640);
    expect(fs.statSync(path.join(dir, "ok.iso")).ino).toBe(okInode);
    expect(await run(dir, ["fmt"])).toEqual({ code: 0, out: "", err: "moat: 0 files of 3 reformatted\n" });
  });

  it("--check writes nothing, lists each file that would change with a diff on stdout, and exits 1; 0 once formatted", async () => {
    const dir = project({ "a.iso": MESSY, "ok.iso": "policy ok\n" });
    const before = snapshot(dir);
    const r = await run(dir, ["fmt", "--check"]);
    expect(r.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);
    expect(r.out).toContain("a.iso: not in moat's canonical layout\n--- a.iso\n+++ a.iso (formatted)\n@@ -1,6 +1,6 @@\n tenant acme {\n- vm web01 {\n");
    expect(r.out).toContain('\n+    volume "/x/y" rw\n');
    expect(r.out).not.toContain("ok.iso");
    expect(r.err).toBe("moat: 1 file of 2 would be reformatted; run moat fmt\n");
    await run(dir, ["fmt", "a.iso"]);
    expect(await run(dir, ["fmt", "--check"])).toEqual({ code: 0, out: "", err: "" });
  });

  it("a file that does not parse is reported with its location and left alone (exit 1); the others are still formatted", async () => {
    const dir = project({ "bad.iso": "tenant acme {\n  vm {\n", "good.iso": MESSY });
    const r = await run(dir, ["fmt"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^bad\.iso:2:\d+: error MOAT1\d\d: /);
    expect(r.err).toContain("good.iso\nmoat: 1 file of 2 reformatted\n");
    expect(snapshot(dir)).toEqual({ "bad.iso": "tenant acme {\n  vm {\n", "good.iso": CANONICAL });
    const check = await run(dir, ["fmt", "--check"]);
    expect(check).toMatchObject({ code: 1, out: "" });
  });

  it("formats only .iso files: a folder's *.iso.json are skipped, a named one is a usage error", async () => {
    const json = '{"tenants":   []}';
    const dir = project({ "a.iso.json": json, "b.iso": "policy  b\n" });
    expect((await run(dir, ["fmt"])).code).toBe(0);
    expect(snapshot(dir)).toEqual({ "a.iso.json": json, "b.iso": "policy b\n" });
    const named = await run(dir, ["fmt", "a.iso.json"]);
    expect(named.code).toBe(2);
    expect(named.err).toContain("a.iso.json is a policy in the JSON form; moat fmt formats only .iso files");
    const none = await run(project({ "only.iso.json": json }), ["fmt"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("error MOAT218: no .iso files found in .");
  });

  it("never rewrites a file that is not valid UTF-8, even when the bad byte is in a comment; says where it is", async () => {
    const latin1 = Buffer.from("policy   x\n# caf\u00e9\n", "latin1");
    const dir = project({ "l.iso": latin1 });
    const r = await run(dir, ["fmt"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^l\.iso:2:6: error MOAT107: bytes that are not valid UTF-8/);
    expect(fs.readFileSync(path.join(dir, "l.iso"))).toEqual(latin1);
  });

  it("keeps a byte order mark, and rewrites the file a symlink points to, keeping the link", async () => {
    const dir = project({ "real/a.iso": "\ufeffpolicy   a\n" });
    fs.symlinkSync("real/a.iso", path.join(dir, "link.iso"));
    const r = await run(dir, ["fmt", "link.iso"]);
    expect(r.code).toBe(0);
    expect(fs.lstatSync(path.join(dir, "link.iso")).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, "real/a.iso"), "utf8")).toBe("\ufeffpolicy a\n");
    expect(fs.readdirSync(path.join(dir, "real"))).toEqual(["a.iso"]);
  });

  it("an I/O error while rewriting is exit 2 naming the file; the other files are still rewritten", async () => {
    const dir = project({ "a.iso": "policy   a\n", "b.iso": "policy   b\n" });
    const failing = (file: string, content: string, mode: number): void => {
      if (file.endsWith("/a.iso")) throw Object.assign(new Error("injected"), { code: "EROFS" });
      rewriteFileAtomically(file, content, mode);
    };
    const r = await run(dir, ["fmt"], { rewriteFile: failing });
    expect(r.code).toBe(2);
    expect(r.err).toContain("moat: error MOAT404: cannot rewrite a.iso: read-only file system");
    expect(r.err).toContain("b.iso\nmoat: 1 file of 2 reformatted\n");
    expect(snapshot(dir)).toEqual({ "a.iso": "policy   a\n", "b.iso": "policy b\n" });
  });
});

describe("rewriteFileAtomically", () => {
  it("leaves no temporary file behind when the rename fails", () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, "target.iso"));
    expect(() => rewriteFileAtomically(path.join(dir, "target.iso"), "x", 0o644)).toThrow();
    expect(fs.readdirSync(dir)).toEqual(["target.iso"]);
  });
});
