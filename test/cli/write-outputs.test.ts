import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { nodeOutputFs } from "../../src/cli/outputs/fs-layer.js";
import { acquireLock } from "../../src/cli/outputs/lock.js";
import { writeOutputs, type WriteOptions } from "../../src/cli/outputs/write-outputs.js";
import { faultyFs, fsError, snapshot, tempDir, withManifest, wrappedFs, writeTree } from "./helpers.js";

const display = (p: string): string => p;
const DEAD_PID = 2 ** 22 + 12345; // above Linux's pid_max limit: never a live process
const opts = (extra: Partial<WriteOptions> = {}): WriteOptions => ({ display, ...extra });

const v1 = withManifest({ "apparmor.d/libvirt-a": "profile a\n", "apparmor.d/moat.t.s": "profile s\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n" });

function compiledFolder(): string {
  const out = path.join(tempDir(), "generated");
  expect(writeOutputs(out, v1, opts()).exitCode).toBe(0);
  return out;
}

describe("writeOutputs", () => {
  it("creates the folder and writes every output, leaving no working files behind", () => {
    const out = path.join(tempDir(), "a", "generated");
    const report = writeOutputs(out, v1, opts());
    expect(report.exitCode).toBe(0);
    expect(report.written).toEqual(["apparmor.d/libvirt-a", "apparmor.d/moat.t.s", "libvirt/t.a.seclabel.xml", "moat-manifest.json"]);
    expect(snapshot(out)).toEqual({
      "apparmor.d": "<dir>",
      "apparmor.d/libvirt-a": "profile a\n",
      "apparmor.d/moat.t.s": "profile s\n",
      libvirt: "<dir>",
      "libvirt/t.a.seclabel.xml": "<seclabel/>\n",
      "moat-manifest.json": v1[3]!.content,
    });
  });

  it("changes nothing when the folder already holds the outputs", () => {
    const out = compiledFolder();
    const before = snapshot(out);
    const report = writeOutputs(out, v1, opts());
    expect(report).toMatchObject({ exitCode: 0, written: [], deleted: [], unchanged: v1.map((o) => o.path).sort() });
    expect(snapshot(out)).toEqual(before);
  });

  it("tells an output from a file of the same length by its bytes, and reads non-ASCII content as UTF-8", () => {
    // Equal lengths, two-byte characters, and an output over 64 KiB.
    const long = `# tenant café ${"x".repeat(200_000)}\n`;
    const first = withManifest({ "apparmor.d/libvirt-a": "profile a v1\n", "apparmor.d/libvirt-é": "# café\n", "libvirt/z.xml": long });
    const out = path.join(tempDir(), "generated");
    expect(writeOutputs(out, first, opts()).exitCode).toBe(0);
    const same = writeOutputs(out, first, opts());
    expect(same.written).toEqual([]);
    expect(same.unchanged).toHaveLength(first.length);
    const next = withManifest({ "apparmor.d/libvirt-a": "profile a v2\n", "apparmor.d/libvirt-é": "# cafe\n\n", "libvirt/z.xml": long.replace("x\n", "y\n") });
    const report = writeOutputs(out, next, opts());
    expect(report.written).toEqual(["apparmor.d/libvirt-a", "apparmor.d/libvirt-é", "libvirt/z.xml", "moat-manifest.json"]);
    expect(snapshot(out)["apparmor.d/libvirt-a"]).toBe("profile a v2\n");
    expect(snapshot(out)["libvirt/z.xml"]).toBe(long.replace("x\n", "y\n"));
  });

  it("replaces outputs moat wrote and deletes stale ones it wrote, pruning emptied folders", () => {
    const out = compiledFolder();
    const v2 = withManifest({ "apparmor.d/libvirt-a": "profile a v2\n" });
    const report = writeOutputs(out, v2, opts());
    expect(report.exitCode).toBe(0);
    expect(report.deleted).toEqual(["apparmor.d/moat.t.s", "libvirt/t.a.seclabel.xml"]);
    expect(snapshot(out)).toEqual({ "apparmor.d": "<dir>", "apparmor.d/libvirt-a": "profile a v2\n", "moat-manifest.json": v2[1]!.content });
  });

  it("refuses (MOAT402) to overwrite an output edited by hand, and writes nothing at all", () => {
    const out = compiledFolder();
    fs.writeFileSync(path.join(out, "apparmor.d/libvirt-a"), "profile a\n# my local tweak\n");
    const before = snapshot(out);
    const v2 = withManifest({ "apparmor.d/libvirt-a": "profile a v2\n", "apparmor.d/moat.t.s": "profile s v2\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n" });
    const report = writeOutputs(out, v2, opts());
    expect(report.exitCode).toBe(1);
    expect(report.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["MOAT402", `${out}/apparmor.d/libvirt-a was changed since moat wrote it; refusing to overwrite or delete it`],
    ]);
    expect(snapshot(out)).toEqual(before);
  });

  it("refuses (MOAT402) to overwrite an output edited by hand to the same length", () => {
    const out = compiledFolder();
    fs.writeFileSync(path.join(out, "apparmor.d/libvirt-a"), "profile A\n"); // as long as "profile a\n"
    const before = snapshot(out);
    const v2 = withManifest({ "apparmor.d/libvirt-a": "profile a\n", "apparmor.d/moat.t.s": "profile s v2\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n" });
    const report = writeOutputs(out, v2, opts());
    expect(report.exitCode).toBe(1);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["MOAT402"]);
    expect(snapshot(out)).toEqual(before);
  });

  it("refuses (MOAT401) to overwrite a file moat did not write", () => {
    const out = path.join(tempDir(), "generated");
    writeTree(out, { "libvirt/t.a.seclabel.xml": "<mine/>\n", "README": "not moat's\n" });
    const before = snapshot(out);
    const report = writeOutputs(out, v1, opts());
    expect(report.exitCode).toBe(1);
    expect(report.diagnostics.map((d) => d.code + " " + d.message)).toEqual([
      `MOAT401 ${out}/libvirt/t.a.seclabel.xml exists but moat did not write it; refusing to overwrite or delete it`,
    ]);
    expect(snapshot(out)).toEqual(before);
  });

  it("keeps a stale output edited by hand and refuses (MOAT402), changing nothing", () => {
    const out = compiledFolder();
    fs.appendFileSync(path.join(out, "apparmor.d/moat.t.s"), "# edited\n");
    const before = snapshot(out);
    const report = writeOutputs(out, withManifest({ "apparmor.d/libvirt-a": "profile a\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n" }), opts());
    expect(report.exitCode).toBe(1);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["MOAT402"]);
    expect(report.diagnostics[0]!.message).toContain("apparmor.d/moat.t.s");
    expect(snapshot(out)).toEqual(before);
  });

  it("with --force replaces and deletes files it does not own, and says which", () => {
    const out = compiledFolder();
    fs.appendFileSync(path.join(out, "apparmor.d/moat.t.s"), "# edited\n");
    writeTree(out, { "apparmor.d/libvirt-b": "foreign\n" });
    const v2 = withManifest({ "apparmor.d/libvirt-a": "profile a\n", "apparmor.d/libvirt-b": "profile b\n" });
    const report = writeOutputs(out, v2, opts({ force: true }));
    expect(report.exitCode).toBe(0);
    expect(report.notes).toEqual([
      `--force: deleted ${out}/apparmor.d/moat.t.s, which was edited by hand since moat wrote it`,
      `--force: replaced ${out}/apparmor.d/libvirt-b, which moat did not write`,
    ]);
    expect(snapshot(out)).toEqual({
      "apparmor.d": "<dir>",
      "apparmor.d/libvirt-a": "profile a\n",
      "apparmor.d/libvirt-b": "profile b\n",
      "moat-manifest.json": v2[2]!.content,
    });
  });

  it("treats a file where an output needs a folder as foreign, and moves it away only with --force", () => {
    const out = path.join(tempDir(), "generated");
    writeTree(out, { libvirt: "a file, not a folder\n" });
    const refused = writeOutputs(out, v1, opts());
    expect(refused.diagnostics.map((d) => d.code + " " + d.message)).toEqual([`MOAT401 ${out}/libvirt exists but moat did not write it; refusing to overwrite or delete it`]);
    expect(snapshot(out)).toEqual({ libvirt: "a file, not a folder\n" });
    expect(writeOutputs(out, v1, opts({ force: true })).exitCode).toBe(0);
    expect(snapshot(out)["libvirt/t.a.seclabel.xml"]).toBe("<seclabel/>\n");
  });

  it("never writes through a symbolic link at an output path; --force replaces the link itself", () => {
    const root = tempDir();
    const out = path.join(root, "generated");
    writeTree(root, { "target.txt": "outside\n" });
    fs.mkdirSync(path.join(out, "apparmor.d"), { recursive: true });
    fs.symlinkSync(path.join(root, "target.txt"), path.join(out, "apparmor.d/libvirt-a"));
    const refused = writeOutputs(out, v1, opts());
    expect(refused.diagnostics.map((d) => d.code)).toEqual(["MOAT401"]);
    expect(writeOutputs(out, v1, opts({ force: true })).exitCode).toBe(0);
    expect(fs.lstatSync(path.join(out, "apparmor.d/libvirt-a")).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(root, "target.txt"), "utf8")).toBe("outside\n");
  });

  it("with --force replaces a folder standing where an output file goes, and a failure puts it back", () => {
    const out = path.join(tempDir(), "generated");
    writeTree(out, { "libvirt/t.a.seclabel.xml/inner": "kept\n" });
    const before = snapshot(out);
    const failed = writeOutputs(out, v1, opts({ force: true, fs: faultyFs("rename", 4) }));
    expect(failed.exitCode).toBe(2);
    expect(snapshot(out)).toEqual(before);
    expect(writeOutputs(out, v1, opts({ force: true })).exitCode).toBe(0);
    expect(snapshot(out)["libvirt/t.a.seclabel.xml"]).toBe("<seclabel/>\n");
  });

  it("treats an unreadable manifest as edited by hand (MOAT402) and owns nothing through it", () => {
    const out = compiledFolder();
    fs.writeFileSync(path.join(out, "moat-manifest.json"), "{ not json");
    const report = writeOutputs(out, withManifest({ "apparmor.d/libvirt-a": "v2\n" }), opts());
    expect(report.exitCode).toBe(1);
    const codes = report.diagnostics.map((d) => `${d.code} ${path.relative(out, d.message.split(" ")[0]!)}`);
    expect(codes).toEqual(["MOAT401 apparmor.d/libvirt-a", "MOAT402 moat-manifest.json"]);
    expect(report.diagnostics[1]!.hint).toContain("not valid JSON");
  });

  it("never trusts a manifest entry that points outside the folder", () => {
    const root = tempDir();
    const out = path.join(root, "generated");
    writeTree(root, { "victim.txt": "keep me\n" });
    const sha = "9e6a5ed8e2a7e6a7d3cd2a0c8e3e0f1d0b3c1c1e2b3c4d5e6f708192a3b4c5d6"; // any hash: the path must be rejected first
    writeTree(out, { "moat-manifest.json": JSON.stringify({ outputs: [{ path: "../victim.txt", sha256: sha }] }) });
    const report = writeOutputs(out, v1, opts({ force: true }));
    expect(report.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(root, "victim.txt"), "utf8")).toBe("keep me\n");
    expect(report.notes).toEqual([`--force: replaced ${out}/moat-manifest.json, which was edited by hand since moat wrote it`]);
  });

  it("follows a link that is the output folder itself (the operator's choice)", () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, "real"));
    fs.symlinkSync(path.join(root, "real"), path.join(root, "generated"));
    expect(writeOutputs(path.join(root, "generated"), v1, opts()).exitCode).toBe(0);
    expect(snapshot(path.join(root, "real"))["libvirt/t.a.seclabel.xml"]).toBe("<seclabel/>\n");
  });

  it("fails with exit 2 and writes nothing when the output path is a file", () => {
    const root = tempDir();
    writeTree(root, { generated: "x" });
    const report = writeOutputs(path.join(root, "generated"), v1, opts());
    expect(report.exitCode).toBe(2);
    expect(report.diagnostics[0]!.message).toBe(`cannot write to ${root}/generated: it exists and is not a folder`);
    expect(snapshot(root)).toEqual({ generated: "x" });
  });
});

describe("the writer's file system calls", () => {
  /** Counts each operation the writer makes, through the real file system. */
  function counting(): { fs: typeof nodeOutputFs; calls: Record<string, number> } {
    const calls: Record<string, number> = {};
    const fs = wrappedFs((name, args, real) => {
      calls[name] = (calls[name] ?? 0) + 1;
      return real(args);
    });
    return { fs, calls };
  }
  const fleet = (n: number, version: string) =>
    withManifest(Object.fromEntries(Array.from({ length: n }, (_, i) => [[`apparmor.d/libvirt-${i}`, `profile ${i} ${version}\n`], [`libvirt/t.${i}.seclabel.xml`, `<seclabel ${i}/>\n`]]).flat()));

  // A fleet writes tens of thousands of files into a few folders: what the writer checks must grow with
  // the folders, not the files (one listing per folder instead of an lstat per file).
  it("does not lstat each output when it writes into a fresh folder", () => {
    const { fs, calls } = counting();
    const outputs = fleet(200, "v1");
    expect(writeOutputs(path.join(tempDir(), "generated"), outputs, opts({ fs })).exitCode).toBe(0);
    expect(calls.writeNewFile).toBe(outputs.length + 3); // the staged outputs, the lock, the journal, COMMITTED
    expect(calls.rename).toBe(outputs.length);
    expect(calls.kind ?? 0).toBeLessThan(20);
    expect(calls.readdir ?? 0).toBeLessThan(20);
  });

  // The case of every merge that changes nothing: the kinds of what is there come with the listings.
  it("does not lstat each output when the folder is up to date: it reads each back, once", () => {
    const out = path.join(tempDir(), "generated");
    const outputs = fleet(200, "v1");
    expect(writeOutputs(out, outputs, opts()).exitCode).toBe(0);
    const { fs, calls } = counting();
    const report = writeOutputs(out, outputs, opts({ fs }));
    expect(report.exitCode).toBe(0);
    expect(report.unchanged).toHaveLength(outputs.length);
    expect(calls.kind ?? 0).toBeLessThan(20);
    expect(calls.readdir ?? 0).toBeLessThan(20);
    expect(calls.holds).toBe(outputs.length); // each output compared once, the manifest too
    expect(calls.readFileIfExists ?? 0).toBeLessThan(5); // the previous manifest, the lock
    expect(calls.writeNewFile ?? 0).toBeLessThan(5); // the lock, nothing staged
  });

  it("lstats only what is there when it replaces outputs", () => {
    const out = path.join(tempDir(), "generated");
    expect(writeOutputs(out, fleet(200, "v1"), opts()).exitCode).toBe(0);
    const { fs, calls } = counting();
    const v2 = fleet(200, "v2");
    const report = writeOutputs(out, v2, opts({ fs }));
    expect(report.exitCode).toBe(0);
    expect(report.written).toHaveLength(v2.length - 200); // the seclabels are unchanged
    expect(snapshot(out)["apparmor.d/libvirt-7"]).toBe("profile 7 v2\n");
    // One lstat per existing output in the plan (is it a file?), and a few for folders and the lock.
    expect(calls.kind ?? 0).toBeLessThan(v2.length + 20);
    expect(calls.rename).toBe(2 * (v2.length - 200)); // the backup, then the new file
  });
});

describe("on a case-insensitive file system", () => {
  // macOS and Windows: `Foo` is where `foo` is. Simulated over the real file system by folding every
  // name under the output folder to lower case.
  function caseInsensitive(out: string): typeof nodeOutputFs {
    const fold = (p: string): string => (p.startsWith(`${out}/`) ? out + p.slice(out.length).toLowerCase() : p);
    return wrappedFs((_, args, real) => real(args.map((a) => (typeof a === "string" ? fold(a) : a))));
  }

  it("never takes a file whose name differs only in case for a free place: it refuses (MOAT401)", () => {
    const out = path.join(tempDir(), "generated");
    writeTree(out, { "apparmor.d/libvirt-abc": "the operator's own profile\n" });
    const report = writeOutputs(out, withManifest({ "apparmor.d/libvirt-ABC": "profile\n" }), opts({ fs: caseInsensitive(out) }));
    expect(report.exitCode).toBe(1);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["MOAT401"]);
    expect(snapshot(out)["apparmor.d/libvirt-abc"]).toBe("the operator's own profile\n");
  });
});

describe("a folder of the outputs that may be searched but not listed (mode -wx)", () => {
  // Root reads any folder, so the refusal is injected: readdir of apparmor.d fails with EACCES.
  function unlistable(dir: string): typeof nodeOutputFs {
    return wrappedFs((op, args, real) => {
      if (op === "readdir" && args[0] === dir) throw fsError("EACCES");
      return real(args);
    });
  }

  it("is still written into, each name lstat'ed instead (no MOAT404)", () => {
    const out = compiledFolder();
    const v2 = withManifest({ "apparmor.d/libvirt-a": "profile a v2\n", "apparmor.d/libvirt-b": "profile b\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n" });
    const report = writeOutputs(out, v2, opts({ fs: unlistable(`${out}/apparmor.d`) }));
    expect(report.diagnostics).toEqual([]);
    expect(report.exitCode).toBe(0);
    const after = snapshot(out);
    expect(after["apparmor.d/libvirt-a"]).toBe("profile a v2\n");
    expect(after["apparmor.d/libvirt-b"]).toBe("profile b\n");
    expect(after["apparmor.d/moat.t.s"]).toBeUndefined();
  });

  it("never takes a file it cannot list for a free place: lstat finds it (MOAT401)", () => {
    const out = compiledFolder();
    writeTree(out, { "apparmor.d/libvirt-b": "the operator's own profile\n" });
    const report = writeOutputs(out, withManifest({ "apparmor.d/libvirt-a": "profile a\n", "apparmor.d/libvirt-b": "profile b\n" }), opts({ fs: unlistable(`${out}/apparmor.d`) }));
    expect(report.exitCode).toBe(1);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["MOAT401"]);
    expect(snapshot(out)["apparmor.d/libvirt-b"]).toBe("the operator's own profile\n");
  });
});

describe("the output lock", () => {
  it("makes a second compile fail (MOAT405, exit 2) while a live process holds the lock, naming it", () => {
    const out = compiledFolder();
    writeTree(out, { ".moat.lock": "4242\n" });
    const before = snapshot(out);
    const report = writeOutputs(out, withManifest({ "apparmor.d/libvirt-a": "v2\n" }), opts({ isProcessAlive: (pid) => pid === 4242 }));
    expect(report.exitCode).toBe(2);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["MOAT405"]);
    expect(report.diagnostics[0]!.message).toBe(
      `${out} is being written by another moat (process 4242); wait for it to finish, or delete ${out}/.moat.lock if no moat is running`,
    );
    expect(snapshot(out)).toEqual(before);
  });

  it("holds the lock during the write: a compile started meanwhile is refused", () => {
    const out = compiledFolder();
    let inner: ReturnType<typeof writeOutputs> | undefined;
    const spying = {
      ...nodeOutputFs,
      rename(from: string, to: string) {
        if (inner === undefined) inner = writeOutputs(out, v1, opts({ pid: 777, isProcessAlive: () => true }));
        nodeOutputFs.rename(from, to);
      },
    };
    expect(writeOutputs(out, withManifest({ "apparmor.d/libvirt-a": "v2\n" }), opts({ fs: spying })).exitCode).toBe(0);
    expect(inner?.exitCode).toBe(2);
    expect(inner?.diagnostics[0]!.message).toContain(`another moat (process ${process.pid})`);
    expect(fs.existsSync(path.join(out, ".moat.lock"))).toBe(false);
  });

  it("breaks a lock left by a process that no longer runs, and says so", () => {
    const out = compiledFolder();
    writeTree(out, { ".moat.lock": `${DEAD_PID}\n`, [`.moat.lock.${DEAD_PID}`]: `${DEAD_PID}\n` });
    const report = writeOutputs(out, withManifest({ "apparmor.d/libvirt-a": "v2\n" }), opts());
    expect(report.exitCode).toBe(0);
    expect(report.notes).toEqual([`removed a stale lock left by process ${DEAD_PID}, which no longer runs`]);
    expect(Object.keys(snapshot(out)).filter((p) => p.startsWith(".moat"))).toEqual([]);
  });
});

describe("breaking a stale lock", () => {
  it("puts back a live process's lock that replaced the stale one while it was being broken", () => {
    const out = compiledFolder();
    writeTree(out, { ".moat.lock": "111\n" });
    const isProcessAlive = (pid: number): boolean => {
      if (pid === 111) fs.writeFileSync(path.join(out, ".moat.lock"), "222\n"); // 111 died; 222 took over meanwhile
      return pid === 222;
    };
    const lock = acquireLock(out, { fs: nodeOutputFs, pid: 333, isProcessAlive });
    expect(lock).toEqual({ acquired: false, heldBy: 222 });
    expect(fs.readFileSync(path.join(out, ".moat.lock"), "utf8")).toBe("222\n");
    expect(fs.readdirSync(out).filter((n) => n.startsWith(".moat"))).toEqual([".moat.lock"]);
  });

  it("takes the lock over from a dead holder and releases only its own lock", () => {
    const out = compiledFolder();
    writeTree(out, { ".moat.lock": "111\n" });
    const lock = acquireLock(out, { fs: nodeOutputFs, pid: 333, isProcessAlive: () => false });
    expect(lock).toMatchObject({ acquired: true, brokeStaleFrom: 111 });
    expect(fs.readFileSync(path.join(out, ".moat.lock"), "utf8")).toBe("333\n");
    fs.writeFileSync(path.join(out, ".moat.lock"), "444\n");
    if (lock.acquired) lock.release();
    expect(fs.readFileSync(path.join(out, ".moat.lock"), "utf8")).toBe("444\n");
  });
});
